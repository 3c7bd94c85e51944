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
) -> dict[str, UrlCheck]:
    """Fetch each target URL once, ``concurrency`` at a time, keeping only its UrlCheck.

    ``previous`` holds the last check of URLs checked before: an ok one is asked
    again conditionally, and a 304 reuses it.  Once the event loop's clock passes
    ``deadline`` no further URL is started; those left out are not in the result.
    """
    previous = previous or {}
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in targets:
        queue.put_nowait(url)
    results: dict[str, UrlCheck] = {}
    pages = PageChecker(fetcher, soft_404_probe=soft_404_probe, rng=rng or random.Random())

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

    async def worker() -> None:
        while not queue.empty():
            if deadline is not None and loop.time() >= deadline:
                return
            url = queue.get_nowait()
            result = await check(url, targets[url])
            link = result.link
            log.debug(
                "%s %s %s in %d ms, %d attempts%s",
                link.result.value,
                link.status or "-",
                url,
                link.elapsed_ms,
                link.attempts,
                f" ({link.detail})" if link.detail else "",
            )
            results[url] = result
            if on_done is not None:
                on_done()

    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, len(targets))):
            group.create_task(worker())
    return results
