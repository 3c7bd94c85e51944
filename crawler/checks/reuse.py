"""What an earlier check taught, and how the next run uses it.

The state store keeps every URL check as a :class:`UrlCheckRecord`; this module
turns a :class:`UrlCheck` into one and back (the image probe, what the page
said and a soft-404 verdict travel in the record's ``extra``), and decides what
a recheck may send: ``If-None-Match`` / ``If-Modified-Since`` (RFC 9110 section
13.1) only after a check that was ok.  A failure is never reused: a broken link
is always requested again, unconditionally.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from crawler.checks.image_probe import ImageProbe
from crawler.checks.images import ImageInfo
from crawler.checks.url_check import UrlCheck
from crawler.extract import PageMetadata
from crawler.outcomes import LinkResult, Result
from crawler.state.store import UrlCheckRecord

# PageMetadata's fields under the camelCase names of ``crawler extract --json``.
_PAGE_FIELDS = {
    "title": "title",
    "description": "description",
    "url": "url",
    "ampUrl": "amp_url",
    "image": "image",
    "imageWidth": "image_width",
    "imageHeight": "image_height",
    "publishedAt": "published_at",
    "modifiedAt": "modified_at",
    "siteName": "site_name",
    "author": "author",
    "lang": "lang",
    "type": "type",
}


def to_record(url: str, check: UrlCheck, checked_at: datetime) -> UrlCheckRecord:
    extra: dict[str, Any] = {}
    if check.image is not None:
        probe = check.image
        extra["image"] = {
            "info": None if probe.info is None else probe.info.to_json(),
            "error": probe.error,
            "bytesRead": probe.bytes_read,
            "requests": probe.requests,
        }
    if check.page is not None:
        extra["page"] = {**check.page.to_json(), "isAmp": check.page.is_amp}
    if check.soft_404 is not None:
        extra["soft404"] = check.soft_404
    # The record names the URL as requested, password and all: the store keeps
    # only its redacted form, and tells two passwords of one URL apart by it.
    return UrlCheckRecord.from_link(
        check.link if check.link.url == url else replace(check.link, url=url),
        checked_at=checked_at,
        etag=check.etag,
        last_modified=check.last_modified,
        bytes_read=check.bytes_read,
        extra=extra,
    )


def from_record(record: UrlCheckRecord, link: LinkResult | None = None) -> UrlCheck:
    """The check a record describes; ``link`` replaces its link result (a revalidation)."""
    extra = record.extra
    return UrlCheck(
        link or record.to_link(),
        image=_probe(extra.get("image"), record),
        page=_page(extra.get("page")),
        soft_404=extra.get("soft404"),
        etag=record.etag,
        last_modified=record.last_modified,
        bytes_read=record.bytes_read,
    )


def _probe(data: Any, record: UrlCheckRecord) -> ImageProbe | None:
    if not isinstance(data, Mapping):
        return None
    info = data.get("info")
    image = None
    if isinstance(info, Mapping):
        image = ImageInfo(info["format"], info["width"], info["height"], info["orientation"])
    return ImageProbe(
        image,
        data.get("error"),
        int(data.get("bytesRead", 0)),
        int(data.get("requests", 0)),
        record.etag,
        record.last_modified,
    )


def _page(data: Any) -> PageMetadata | None:
    if not isinstance(data, Mapping):
        return None
    values = {name: data.get(key) for key, name in _PAGE_FIELDS.items()}
    return PageMetadata(**values, is_amp=bool(data.get("isAmp")))


def conditions_for(record: UrlCheckRecord | None) -> dict[str, str] | None:
    """The conditional-request headers a recheck may send, or None for a plain request."""
    if record is None or record.result is not Result.OK:
        return None
    headers = {}
    if record.etag:
        headers["If-None-Match"] = record.etag
    if record.last_modified:
        headers["If-Modified-Since"] = record.last_modified
    return headers or None


def revalidated(record: UrlCheckRecord, answer: LinkResult) -> UrlCheck:
    """A 304 answer: the earlier check stands, with this request's timing and attempts."""
    link = replace(
        record.to_link(),
        attempts=answer.attempts,
        elapsed_ms=answer.elapsed_ms,
        detail="304 Not Modified: unchanged since the last check",
    )
    return from_record(record, link)
