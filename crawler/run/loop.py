"""The event loop every command runs on: uvloop where it is installed, asyncio's otherwise.

uvloop (libuv under asyncio's interface) cuts the per-request cost of the socket
and transport layer that the crawl's profile shows under aiohttp; nothing else in
the crawler depends on which loop runs.  ``CRAWLER_EVENT_LOOP=asyncio`` picks the
standard loop, for comparing the two.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

_T = TypeVar("_T")


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    if os.environ.get("CRAWLER_EVENT_LOOP", "uvloop") == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:  # not built for this platform: the standard loop does the same work
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, _T]) -> _T:
    """``asyncio.run(main)`` on the crawler's loop."""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(main)


__all__ = ["run"]
