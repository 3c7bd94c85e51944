"""Page checks: what each fetched HTML page says about itself, and whether it is a soft 404.

A page URL is fetched until its ``<head>`` is complete (the link check's stop
rule), then :func:`crawler.extract.extract` reads it, off the event loop: parsing
is CPU work.  A 200 page is a soft 404 when its title says "not found"
(:func:`crawler.checks.soft404.soft_404_reason`) or when it is the page its host
serves for a path that cannot exist: the first time a host's page answers, one
request for a random path on that host gives the host's "not found" answer, and
every page of the host is compared with it (:func:`~crawler.checks.soft404.is_same_page`).
A host that answers the random path with a real 404 has nothing to compare with.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from crawler.checks.soft404 import (
    Fingerprint,
    fingerprint,
    is_same_page,
    random_probe_path,
    soft_404_reason,
)
from crawler.config import Config
from crawler.extract import PageMetadata, extract, read_enough
from crawler.extract.reading import PageReading
from crawler.fetch import Fetched, Fetcher, Resolver
from crawler.fetch.body import Prefix, media_type
from crawler.fetch.urls import redact_url
from crawler.outcomes import LinkResult, Result

HEAD_CAP = 512 * 1024  # bytes of an HTML page read while waiting for </head>
FIRST_BYTES = 64  # bytes of a non-HTML body that prove it is being served
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def page_ready(headers: Mapping[str, str], data: Prefix) -> bool:
    """An HTML page is answered once its head is complete (and, when the head leaves a
    field empty, a bounded part of its body: :func:`crawler.extract.read_enough`);
    other bodies once they start."""
    if media_type(headers) in HTML_TYPES:
        return read_enough(data) or len(data) >= HEAD_CAP
    return len(data) >= FIRST_BYTES


class PageStop:
    """:func:`page_ready` for one fetch, reading each page's head about once.

    The fetch asks after every read, with the prefix read so far; this remembers
    how far the head was scanned (:class:`~crawler.extract.reading.PageReading`).
    Each response comes with its own headers mapping, so a new one (a retry's)
    starts the reading again.
    """

    __slots__ = ("_headers", "_html", "_reading")

    def __init__(self) -> None:
        self._headers: Mapping[str, str] | None = None
        self._html = False
        self._reading = PageReading()

    def __call__(self, headers: Mapping[str, str], data: Prefix) -> bool:
        if headers is not self._headers:
            self._headers = headers
            self._html = media_type(headers) in HTML_TYPES
            self._reading = PageReading()
        if self._html:
            return self._reading.enough(data) or len(data) >= HEAD_CAP
        return len(data) >= FIRST_BYTES


@dataclass(frozen=True, slots=True)
class PageCheck:
    """What a page URL gave: its link result, what the page says, and a soft-404 verdict."""

    link: LinkResult
    page: PageMetadata | None = None  # None unless an HTML page answered 2xx
    soft_404: str | None = None  # why the page is really "not found"
    etag: str | None = None  # validators, for a conditional request next time
    last_modified: str | None = None
    bytes_read: int = 0  # body bytes read from the connection


async def _metadata(fetched: Fetched) -> PageMetadata | None:
    link = fetched.link
    if link.result is not Result.OK or link.content_type not in HTML_TYPES or not fetched.body:
        return None
    if link.status is None or not 200 <= link.status < 300:
        return None  # an error page counted ok by --accept says nothing about the article
    url = fetched.real_url or link.url
    content_type = fetched.headers.get("content-type")
    page = await asyncio.to_thread(extract, fetched.body, url, content_type)
    # Relative links resolve against the URL as requested, password included;
    # what the page says is shown and stored, so its URLs are redacted.
    return replace(
        page,
        url=page.url and redact_url(page.url),
        amp_url=page.amp_url and redact_url(page.amp_url),
        image=page.image and redact_url(page.image),
    )


def _fingerprint(link: LinkResult, page: PageMetadata) -> Fingerprint:
    # Only the head is read: its title and description are the page's recognisable text.
    text = "\n".join(value for value in (page.description, page.site_name) if value)
    return fingerprint(link.final_url or link.url, link.status or 0, text, page.title)


def whole_page(headers: Mapping[str, str], data: Prefix) -> bool:
    """Read a page to its end (or the body cap): ``crawler extract`` wants all of it."""
    return False


async def extract_url(
    url: str, config: Config, resolver: Resolver | None = None
) -> tuple[LinkResult, PageMetadata | None]:
    """Fetch the whole page at ``url`` and extract it (``crawler extract URL``)."""
    async with Fetcher(config, resolver=resolver) as fetcher:
        fetched = await fetcher.fetch(url, stop=whole_page)
    return fetched.link, await _metadata(fetched)


class PageChecker:
    """Checks page URLs over one Fetcher, probing each host's not-found answer once."""

    def __init__(self, fetcher: Fetcher, *, soft_404_probe: bool, rng: random.Random) -> None:
        self._fetcher = fetcher
        self._probe = soft_404_probe
        self._rng = rng
        self._baselines: dict[str, asyncio.Task[Fingerprint | None]] = {}

    async def check(self, url: str, conditions: Mapping[str, str] | None = None) -> PageCheck:
        """Check a page; ``conditions`` make the request conditional (a 304 has no page)."""
        fetched = await self._fetcher.fetch(url, stop=PageStop(), headers=conditions)
        page = await _metadata(fetched)
        soft_404 = None if page is None else await self._soft_404(fetched, page)
        headers = fetched.headers
        return PageCheck(
            fetched.link,
            page,
            soft_404,
            headers.get("etag"),
            headers.get("last-modified"),
            fetched.wire_bytes,
        )

    async def _soft_404(self, fetched: Fetched, page: PageMetadata) -> str | None:
        link = fetched.link
        reason = soft_404_reason(page, "")
        if reason is not None or not self._probe:
            return reason
        parts = urlsplit(fetched.real_url or link.url)  # the probe needs the same credentials
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._baselines:
            self._baselines[origin] = asyncio.create_task(self._baseline(origin))
        baseline = await self._baselines[origin]
        if baseline is not None and is_same_page(_fingerprint(link, page), baseline):
            return "the same page the host serves for a path that does not exist"
        return None

    async def _baseline(self, origin: str) -> Fingerprint | None:
        """What the host answers for a path that cannot exist, when that answer is a 2xx page."""
        probe = origin + random_probe_path(self._rng)
        fetched = await self._fetcher.fetch(probe, stop=PageStop())
        page = await _metadata(fetched)
        return None if page is None else _fingerprint(fetched.link, page)
