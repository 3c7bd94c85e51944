"""The in-process transport: the checks run in the coordinator's own event loop.

``--workers 1``, and runs of fewer than 200 files when ``--workers`` is not
given: one Fetcher, one frontier, no process to start.  The same worker code
(:func:`crawler.checks.links.check_links`) runs inside every worker process of
the other transports.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterable, AsyncIterator

from crawler.checks.links import check_links
from crawler.checks.url_check import UrlCheck
from crawler.config import Config
from crawler.fetch import Fetcher, Resolver
from crawler.read.article import UrlKind
from crawler.run.transport import CheckAnswer, CheckRequest, OnAnswer
from crawler.state.store import UrlCheckRecord


class InlineTransport:
    """:class:`~crawler.run.transport.Transport` in the coordinator's process."""

    def __init__(
        self, config: Config, *, resolver: Resolver | None = None, deadline: float | None = None
    ) -> None:
        self._config = config
        self._resolver = resolver
        self._deadline = deadline  # the event loop's clock; None: no --max-duration

    async def run(self, requests: AsyncIterable[CheckRequest], on_answer: OnAnswer) -> None:
        await check_requests(self._config, requests, on_answer, self._deadline, self._resolver)


async def check_requests(
    config: Config,
    requests: AsyncIterable[CheckRequest],
    on_answer: OnAnswer,
    deadline: float | None,
    resolver: Resolver | None = None,
) -> None:
    """Check ``requests`` as they arrive, over one Fetcher; ``on_answer`` as each is known."""

    def answered(url: str, check: UrlCheck) -> None:
        on_answer(CheckAnswer(url, check))

    async def work() -> AsyncIterator[tuple[str, UrlKind, UrlCheckRecord | None]]:
        async for request in requests:
            yield request.url, request.kind, request.previous

    async with Fetcher(config, resolver=resolver) as fetcher:
        await check_links(
            fetcher,
            work(),
            config.concurrency,
            answered,
            soft_404_probe=config.soft404_probe,
            rng=random.Random(config.seed),
            deadline=deadline,
        )


def remaining(deadline: float | None) -> float | None:
    """Seconds left before ``deadline`` on this event loop's clock (None: no deadline)."""
    if deadline is None:
        return None
    return max(0.0, deadline - asyncio.get_running_loop().time())


__all__ = ["InlineTransport", "check_requests", "remaining"]
