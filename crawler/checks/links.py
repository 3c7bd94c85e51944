"""Link health: every distinct URL of the run checked once, by a bounded pool of workers.

A page's check reads until its ``<head>`` is complete (which later stages read
anyway, and which a server that drips bytes forever never delivers); any other
body must deliver its first bytes.  An image's check is its probe
(:mod:`crawler.checks.image_probe`): Range requests for exactly the header bytes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from crawler.checks.image_probe import ImageProbe, probe_image
from crawler.extract import head_complete
from crawler.fetch import Fetcher
from crawler.fetch.body import media_type
from crawler.outcomes import LinkResult
from crawler.read.article import UrlKind

log = logging.getLogger("crawler")

HEAD_CAP = 512 * 1024  # bytes of an HTML page read while waiting for </head>
FIRST_BYTES = 64  # bytes of a non-HTML body that prove it is being served


HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def page_ready(headers: Mapping[str, str], data: bytes) -> bool:
    """An HTML page is answered once its head is complete; other bodies once they start."""
    if media_type(headers) in HTML_TYPES:
        return head_complete(data) or len(data) >= HEAD_CAP
    return len(data) >= FIRST_BYTES


Progress = Callable[[], None]


@dataclass(frozen=True, slots=True)
class UrlCheck:
    """What the run keeps of one URL once its response is gone: small, so 100k fit."""

    link: LinkResult
    image: ImageProbe | None = None  # an image URL that answered 2xx: what its bytes are


async def check_url(fetcher: Fetcher, url: str, kind: UrlKind) -> UrlCheck:
    """Check one URL the way its kind needs, keeping only the record later stages read."""
    if kind is UrlKind.IMAGE:
        link, probe = await probe_image(fetcher, url)
        return UrlCheck(link, probe)
    fetched = await fetcher.fetch(url, stop=page_ready)
    return UrlCheck(fetched.link)


async def check_links(
    fetcher: Fetcher,
    targets: Mapping[str, UrlKind],
    concurrency: int,
    on_done: Progress | None = None,
) -> dict[str, UrlCheck]:
    """Fetch each target URL once, ``concurrency`` at a time, keeping only its UrlCheck."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in targets:
        queue.put_nowait(url)
    results: dict[str, UrlCheck] = {}

    async def worker() -> None:
        while not queue.empty():
            url = queue.get_nowait()
            check = await check_url(fetcher, url, targets[url])
            link = check.link
            log.debug(
                "%s %s %s in %d ms, %d attempts%s",
                link.result.value,
                link.status or "-",
                url,
                link.elapsed_ms,
                link.attempts,
                f" ({link.detail})" if link.detail else "",
            )
            results[url] = check
            if on_done is not None:
                on_done()

    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, len(targets))):
            group.create_task(worker())
    return results
