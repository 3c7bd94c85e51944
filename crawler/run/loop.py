"""The event loop every command runs on: uvloop where it is installed, asyncio's otherwise.

uvloop (libuv under asyncio's interface) cuts the per-request cost of the socket
and transport layer that the crawl's profile shows under aiohttp; nothing else in
the crawler depends on which loop runs.  ``CRAWLER_EVENT_LOOP=asyncio`` picks the
standard loop, for comparing the two.

While the loop runs, the cyclic garbage collector runs less often: a crawl
allocates a few hundred container objects per URL (requests, responses, parsed
heads, results), nearly all freed by reference counting, and with Python's
default threshold (a collection every 700 net allocations) the collector took
7 % of a crawl's CPU, mostly re-walking the objects that live for the whole run.
Those (modules, classes, the configuration) are frozen out of its walks, and a
collection waits for 20,000 net allocations; cycles are still collected.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

_T = TypeVar("_T")
GC_THRESHOLD = 20_000  # net allocations of container objects between two young collections


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    if os.environ.get("CRAWLER_EVENT_LOOP", "uvloop") == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:  # not built for this platform: the standard loop does the same work
        return None
    return uvloop.new_event_loop


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often, and never walk what was allocated before."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(GC_THRESHOLD, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def run(main: Coroutine[Any, Any, _T]) -> _T:
    """``asyncio.run(main)`` on the crawler's loop."""
    with _fewer_collections(), asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(main)


__all__ = ["run"]
