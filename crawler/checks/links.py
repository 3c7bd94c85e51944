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
from dataclasses import dataclass

from crawler.checks.image_probe import ImageProbe, probe_image
from crawler.checks.pages import PageChecker
from crawler.extract import PageMetadata
from crawler.fetch import Fetcher
from crawler.outcomes import LinkResult
from crawler.read.article import UrlKind

log = logging.getLogger("crawler")

Progress = Callable[[], None]


@dataclass(frozen=True, slots=True)
class UrlCheck:
    """What the run keeps of one URL once its response is gone."""

    link: LinkResult
    image: ImageProbe | None = None  # an image URL that answered 2xx: what its bytes are
    page: PageMetadata | None = None  # an HTML page that answered 2xx: what it says
    soft_404: str | None = None  # why that page is really "not found"


async def check_links(
    fetcher: Fetcher,
    targets: Mapping[str, UrlKind],
    concurrency: int,
    on_done: Progress | None = None,
    *,
    soft_404_probe: bool = True,
    rng: random.Random | None = None,
) -> dict[str, UrlCheck]:
    """Fetch each target URL once, ``concurrency`` at a time, keeping only its UrlCheck."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in targets:
        queue.put_nowait(url)
    results: dict[str, UrlCheck] = {}
    pages = PageChecker(fetcher, soft_404_probe=soft_404_probe, rng=rng or random.Random())

    async def check(url: str, kind: UrlKind) -> UrlCheck:
        if kind is UrlKind.IMAGE:
            link, probe = await probe_image(fetcher, url)
            return UrlCheck(link, image=probe)
        page = await pages.check(url)
        return UrlCheck(page.link, page=page.page, soft_404=page.soft_404)

    async def worker() -> None:
        while not queue.empty():
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
