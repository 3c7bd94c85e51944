"""Link health: every distinct URL of the run checked once, by a bounded pool of workers.

Each URL is checked the way its kind needs: a page by :mod:`crawler.checks.pages`
(read until its ``<head>`` is complete, then what it says about itself), an
image by :mod:`crawler.checks.image_probe` (Range requests for exactly the
header bytes).  What is kept of each is a small :class:`UrlCheck`, so 100k fit.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterable, Callable
from typing import Any

from crawler.checks.image_probe import probe_image
from crawler.checks.pages import PageChecker
from crawler.checks.reuse import conditions_for, revalidated
from crawler.checks.url_check import UrlCheck
from crawler.fetch import Fetcher
from crawler.read.article import UrlKind
from crawler.run.frontier import Frontier
from crawler.state.store import UrlCheckRecord

log = logging.getLogger("crawler")

Progress = Callable[[], None]


async def check_links(
    fetcher: Fetcher,
    requests: AsyncIterable[tuple[str, UrlKind, UrlCheckRecord | None]],
    concurrency: int,
    on_result: Callable[[str, UrlCheck], None],
    *,
    soft_404_probe: bool = True,
    rng: random.Random | None = None,
    deadline: float | None = None,
    pages: PageChecker | None = None,
) -> None:
    """Check each URL that ``requests`` yields once, ``concurrency`` at a time.

    Requests may keep arriving while checks run.  The order comes from a host-aware
    :class:`~crawler.run.frontier.Frontier`: a check starts only for a host that can
    take a request now.  ``on_result`` is called with each URL's check as soon as it
    is known.  A request's record (the URL's last check) makes an ok one asked again
    conditionally, and a 304 reuses it.  Once the event loop's clock passes
    ``deadline`` no further URL is started; those left out get no result.
    """
    loop = asyncio.get_running_loop()
    # A caller checking batch after batch passes its own, so each host is probed once.
    pages = pages or PageChecker(fetcher, soft_404_probe=soft_404_probe, rng=rng or random.Random())
    kinds: dict[str, UrlKind] = {}
    previous: dict[str, UrlCheckRecord] = {}

    async def check(url: str, kind: UrlKind, record: UrlCheckRecord | None) -> UrlCheck:
        conditions = conditions_for(record)
        if kind is UrlKind.IMAGE:
            link, probe = await probe_image(fetcher, url, conditions)
            if record is not None and conditions and link.status == 304:
                return revalidated(record, link)
            return UrlCheck(
                link,
                image=probe,
                etag=probe.etag if probe else None,
                last_modified=probe.last_modified if probe else None,
                bytes_read=probe.bytes_read if probe else 0,
            )
        page = await pages.check(url, conditions)
        if record is not None and conditions and page.link.status == 304:
            return revalidated(record, page.link)
        return UrlCheck(
            page.link,
            page=page.page,
            soft_404=page.soft_404,
            etag=page.etag,
            last_modified=page.last_modified,
            bytes_read=page.bytes_read,
        )

    def finish(url: str, task: asyncio.Task[UrlCheck]) -> None:
        frontier.done(url)
        result = task.result()
        link = result.link
        log.debug(
            "%s %s %s in %d ms, %d attempts%s",
            link.result.value,
            link.status or "-",
            link.url,  # with any password masked, unlike ``url``
            link.elapsed_ms,
            link.attempts,
            f" ({link.detail})" if link.detail else "",
        )
        on_result(url, result)

    frontier = Frontier(fetcher.config.per_host, lambda host: fetcher.hosts.policy(host).interval)
    arrived = asyncio.Event()

    async def feed() -> None:
        async for url, kind, record in requests:
            kinds[url] = kind
            if record is not None:
                previous[url] = record
            frontier.add(url)
            arrived.set()

    feeder = asyncio.create_task(feed())
    running: dict[asyncio.Task[UrlCheck], str] = {}
    try:
        while not feeder.done() or frontier or running:
            now = loop.time()
            if deadline is not None and now >= deadline:
                if not running:
                    break
            else:
                while len(running) < concurrency and (chosen := frontier.take(now)) is not None:
                    work = check(chosen, kinds.pop(chosen), previous.pop(chosen, None))
                    running[asyncio.create_task(work)] = chosen
            ready_at = frontier.next_ready_at()
            timeout = None if ready_at is None or len(running) >= concurrency else ready_at - now
            if deadline is not None:
                timeout = min(deadline - now, timeout) if timeout is not None else deadline - now
            arrived.clear()
            waiting = asyncio.create_task(arrived.wait())
            watched: set[asyncio.Future[Any]] = {*running, waiting}
            if not feeder.done():
                watched.add(feeder)
            done, _ = await asyncio.wait(
                watched, timeout=None if timeout is None else max(0.0, timeout),
                return_when=asyncio.FIRST_COMPLETED,
            )  # fmt: skip
            waiting.cancel()
            for task in done:
                if task in running:
                    finish(running.pop(task), task)
            if feeder.done() and feeder.exception() is not None:
                raise feeder.exception()  # type: ignore[misc]
    finally:
        feeder.cancel()
        for task in running:
            task.cancel()
        await asyncio.gather(feeder, *running, return_exceptions=True)
