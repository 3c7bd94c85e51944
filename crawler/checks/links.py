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
from collections.abc import Callable, Mapping

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
    targets: Mapping[str, UrlKind],
    concurrency: int,
    on_done: Progress | None = None,
    *,
    soft_404_probe: bool = True,
    rng: random.Random | None = None,
    previous: Mapping[str, UrlCheckRecord] | None = None,
    deadline: float | None = None,
    on_result: Callable[[str, UrlCheck], None] | None = None,
    pages: PageChecker | None = None,
) -> dict[str, UrlCheck]:
    """Fetch each target URL once, ``concurrency`` at a time, keeping only its UrlCheck.

    The order comes from a host-aware :class:`~crawler.run.frontier.Frontier`: a
    check starts only for a host that can take a request now.  ``on_result`` is
    called with each URL's check as soon as it is known.

    ``previous`` holds the last check of URLs checked before: an ok one is asked
    again conditionally, and a 304 reuses it.  Once the event loop's clock passes
    ``deadline`` no further URL is started; those left out are not in the result.
    """
    previous = previous or {}
    loop = asyncio.get_running_loop()
    results: dict[str, UrlCheck] = {}
    # A caller checking batch after batch passes its own, so each host is probed once.
    pages = pages or PageChecker(fetcher, soft_404_probe=soft_404_probe, rng=rng or random.Random())

    async def check(url: str, kind: UrlKind) -> UrlCheck:
        record = previous.get(url)
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
        results[url] = result
        if on_result is not None:
            on_result(url, result)
        if on_done is not None:
            on_done()

    frontier = Frontier(fetcher.config.per_host, lambda host: fetcher.hosts.policy(host).interval)
    for url in targets:
        frontier.add(url)
    running: dict[asyncio.Task[UrlCheck], str] = {}
    try:
        while frontier or running:
            now = loop.time()
            if deadline is not None and now >= deadline:
                if not running:
                    break
            else:
                while len(running) < concurrency and (chosen := frontier.take(now)) is not None:
                    running[asyncio.create_task(check(chosen, targets[chosen]))] = chosen
            if not running:
                # Every host with work is inside its interval: wait for the first to open.
                ready_at = frontier.next_ready_at()
                await asyncio.sleep(max(0.0, (ready_at or now) - now))
                continue
            ready_at = frontier.next_ready_at()
            wait = None if ready_at is None or len(running) >= concurrency else ready_at - now
            done, _ = await asyncio.wait(
                running, timeout=None if wait is None else max(0.0, wait),
                return_when=asyncio.FIRST_COMPLETED,
            )  # fmt: skip
            for task in done:
                finish(running.pop(task), task)
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
    return results
