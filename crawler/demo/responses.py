"""The example site's HTTP answers that need care: images with Range, robots.txt, HTML.

``byte_range`` is a pure function of the ``Range`` header, following RFC 9110
section 14 (single byte ranges; anything else is ignored, which section 14.2
allows, and the whole file is sent with 200).
"""

from __future__ import annotations

import re

from aiohttp import web

from crawler.demo.catalog import RANGE_IGNORED, ROBOTS_DISALLOW, ROBOTS_MISSING
from crawler.demo.content import Picture

LAST_MODIFIED = "Mon, 20 Dec 2021 09:00:00 GMT"  # fixed, so answers are reproducible
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def html(text: str, status: int = 200, *, compress: bool = False) -> web.Response:
    response = web.Response(text=text, status=status, content_type="text/html", charset="utf-8")
    if compress:
        # News sites gzip their pages for clients that accept it (RFC 9110 section 12.5.3).
        response.enable_compression(web.ContentCoding.gzip)
    return response


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte positions asked for, or None to send everything.

    ``first >= size`` means the range cannot be satisfied (416).
    """
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None  # several ranges, another unit, or nonsense: ignore the header
    start, end = match.groups()
    if not start and not end:
        return None
    if not start:  # a suffix: the last N bytes
        length = int(end)
        return (size, size) if length == 0 else (max(size - length, 0), size - 1)
    first = int(start)
    last = size - 1 if not end else min(int(end), size - 1)
    if end and int(end) < first:
        return None  # invalid, so ignored (RFC 9110 section 14.1.1)
    return (first, last)


def image(request: web.Request, picture: Picture, host: str) -> web.Response:
    headers = {
        "Content-Type": picture.media_type,
        "Cache-Control": "public, max-age=31536000",
        "Last-Modified": LAST_MODIFIED,
    }
    if host in RANGE_IGNORED:
        return web.Response(body=picture.data, headers=headers)
    headers["Accept-Ranges"] = "bytes"
    size = len(picture.data)
    wanted = byte_range(request.headers.get("Range"), size)
    if wanted is None:
        return web.Response(body=picture.data, headers=headers)
    first, last = wanted
    if first >= size:
        headers["Content-Range"] = f"bytes */{size}"
        return web.Response(status=416, headers=headers)
    headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return web.Response(status=206, body=picture.data[first : last + 1], headers=headers)


def robots(host: str) -> web.Response:
    """robots.txt (RFC 9309): a disallow list, none at all (404), or allow everything."""
    if host in ROBOTS_MISSING:
        return web.Response(status=404, text="Not Found", content_type="text/plain")
    lines = ["User-agent: *"]
    lines += [f"Disallow: {prefix}" for prefix in ROBOTS_DISALLOW.get(host, ())] or ["Allow: /"]
    lines += ["", f"Sitemap: https://{host}/sitemap.xml", ""]
    return web.Response(text="\n".join(lines), content_type="text/plain")
