"""Probe an image URL over HTTP with as few bytes as possible: the Range driver.

The header parser (:mod:`crawler.checks.images`) is sans-IO: it raises
:class:`NeedBytes` naming the exact range it lacks.  This module answers those
requests with HTTP Range requests (RFC 9110 section 14): a small first range, then
exactly the part the parser asks for next (the JPEG frame header past a large
EXIF block, a TIFF IFD, the last bytes where the end-of-image marker sits), each
with a read-ahead that doubles so that a file needing many jumps costs few round
trips.

A server that ignores Range answers 200 with the whole body.  Then the body is
streamed and the parser is run on the prefix as it grows; reading stops as soon
as the prefix answers (or proves the data is not an image), so a 20 MB photo
costs its first kilobytes either way.  What counts is the bytes read from the
connection, recorded per image.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from crawler.checks.images import ImageInfo, NeedBytes, SparseBuffer, parse
from crawler.config import Config
from crawler.errors import ImageError
from crawler.fetch import Fetched, Fetcher, Resolver
from crawler.fetch.body import Prefix
from crawler.outcomes import LinkResult, Result

FIRST_RANGE = 512  # bytes asked for first: the whole header of most web images
READ_AHEAD = 512  # bytes asked for beyond a later request; doubles from the third on
MAX_READ_AHEAD = 64 * 1024  # bytes: the read-ahead stops doubling here
DOUBLING_AFTER = 3  # requests made before the read-ahead starts doubling
MAX_REQUESTS = 16  # requests for one image; real files need two or three

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)\s*/\s*(\d+|\*)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ImageProbe:
    """What probing one image URL found: the image, or why the bytes are not a valid one."""

    info: ImageInfo | None  # None when the bytes are not a valid image
    error: str | None  # why not; None when ``info`` is set
    bytes_read: int  # body bytes read from the connection over every request
    requests: int
    etag: str | None = None  # the first answer's validators, for a conditional request later
    last_modified: str | None = None


def parse_content_range(value: str) -> tuple[int, int, int | None] | None:
    """``bytes FIRST-LAST/TOTAL`` (RFC 9110 section 14.4) as numbers; None if malformed."""
    match = _CONTENT_RANGE.match(value)
    if match is None:
        return None
    first, last = int(match[1]), int(match[2])
    total = None if match[3] == "*" else int(match[3])
    if last < first or (total is not None and last >= total):
        return None
    return first, last, total


class _Prefix:
    """The stop rule for one response: a partial answer is read to its end; a whole
    body only until its prefix lets the parser answer."""

    def __init__(self, wanted: int) -> None:
        self._wanted = wanted  # bytes asked for; then the prefix length worth parsing next

    def __call__(self, headers: Mapping[str, str], data: Prefix) -> bool:
        if "content-range" in headers:
            # Read to the end so the connection is reused; stop only a server that
            # sends more than it was asked for.
            return len(data) > self._wanted
        if len(data) < self._wanted:
            return False
        try:
            parse(SparseBuffer(bytes(data)))  # the prefix is only lent (StopRule)
        except NeedBytes as need:
            self._wanted = need.offset + need.length
            return False
        except ImageError:
            return True  # the prefix already shows this is not a valid image
        return True


class _Download:
    """The bytes of one image URL gathered so far, and what gathering them cost."""

    def __init__(self) -> None:
        self.buffer = SparseBuffer()
        self.bytes_read = 0
        self.requests = 0
        self.whole_body = False  # the last answer ignored Range and sent the body
        self.etag: str | None = None
        self.last_modified: str | None = None
        self.asked = (0, 0)  # the byte range of the last request
        self._read_ahead = READ_AHEAD

    async def get(
        self,
        fetcher: Fetcher,
        url: str,
        offset: int,
        length: int,
        conditions: Mapping[str, str] | None = None,
        ranged: bool = True,
    ) -> Fetched:
        """GET bytes ``offset`` to ``offset + length`` (clipped to the known size).

        ``ranged=False`` asks for the whole body, for a server that refused the range.
        """
        if self.buffer.size is not None:
            length = min(length, self.buffer.size - offset)
        self.asked = (offset, offset + length - 1)
        # Identity: a range of gzip-encoded bytes cannot be decoded on its own.
        headers = {"Accept-Encoding": "identity", **(conditions or {})}
        if ranged:
            headers["Range"] = f"bytes={offset}-{offset + length - 1}"
        fetched = await fetcher.fetch(url, stop=_Prefix(length), headers=headers)
        self.requests += 1
        self.bytes_read += fetched.wire_bytes
        return fetched

    def next_length(self, need: NeedBytes) -> int:
        length = need.length + self._read_ahead
        if self.requests >= DOUBLING_AFTER:
            self._read_ahead = min(self._read_ahead * 2, MAX_READ_AHEAD)
        return length

    def place(self, fetched: Fetched) -> str | None:
        """Add a response's body where it belongs in the resource; a reason if it cannot be."""
        data = fetched.body
        value = fetched.headers.get("content-range")
        self.whole_body = fetched.link.status != 206 or value is None
        if self.whole_body:
            # Range was ignored: the body is the resource from its start.
            self.buffer = SparseBuffer(data, len(data) if fetched.complete else None)
            return None
        assert value is not None
        parsed = parse_content_range(value)
        if parsed is None:
            return f"unusable partial response (Content-Range {value.strip()!r})"
        encoding = fetched.headers.get("content-encoding", "identity").strip().lower()
        if encoding != "identity":
            return "partial response is compressed (Content-Encoding on a Range answer)"
        first, last, total = parsed
        if fetched.complete and len(data) < last - first + 1:
            total = first + len(data)  # the connection ended early: the data ends here
        try:
            if total is not None and self.buffer.size is None:
                self.buffer.size = total
            self.buffer.add(first, data[: last - first + 1])
        except ValueError:
            return f"partial answers disagree about the size (Content-Range {value.strip()!r})"
        return None

    def probe(self, info: ImageInfo | None, error: str | None) -> ImageProbe:
        return ImageProbe(
            info, error, self.bytes_read, self.requests, self.etag, self.last_modified
        )


async def probe_image(
    fetcher: Fetcher, url: str, conditions: Mapping[str, str] | None = None
) -> tuple[LinkResult, ImageProbe | None]:
    """The URL's link result and, when it answered 2xx, what its bytes are.

    Follow-up ranges go to the final URL of the first request, so a redirect
    chain is walked once.  A follow-up that fails leaves the link's result as
    the first answer gave it and says in the probe which bytes could not be read.
    ``conditions`` (If-None-Match / If-Modified-Since) go with the first request;
    a 304 answer comes back with no probe: the caller reuses what it knew.
    """
    download = _Download()
    fetched = await download.get(fetcher, url, 0, FIRST_RANGE, conditions)
    if fetched.link.status == 416:
        # Range Not Satisfiable (RFC 9110 section 15.5.17): the resource is shorter than
        # the first range, or empty.  Ask for the whole body: it is small.
        fetched = await download.get(fetcher, url, 0, FIRST_RANGE, conditions, ranged=False)
    link = fetched.link
    if link.result is not Result.OK or link.status == 304:
        return link, None
    download.etag = fetched.headers.get("etag")
    download.last_modified = fetched.headers.get("last-modified")
    target = fetched.real_url or url  # link.final_url has its password masked
    while (problem := download.place(fetched)) is None:
        try:
            return link, download.probe(parse(download.buffer), None)
        except ImageError as error:
            return link, download.probe(None, str(error))
        except NeedBytes as need:
            if download.whole_body:
                # The whole body was streamed up to a cap without an answer.
                reason = f"no answer in the first {download.buffer.bytes_known} bytes"
                return link, download.probe(None, reason)
            if download.requests >= MAX_REQUESTS:
                reason = f"still incomplete after {download.requests} requests"
                return link, download.probe(None, reason)
            length = download.next_length(need)
            fetched = await download.get(fetcher, target, need.offset, length)
            if fetched.link.result is not Result.OK:
                first, last = download.asked
                reason = f"bytes {first}-{last} could not be read: {_outcome(fetched.link)}"
                return link, download.probe(None, reason)
    return link, download.probe(None, problem)


async def probe_url(
    url: str, config: Config, resolver: Resolver | None = None
) -> tuple[LinkResult, ImageProbe | None]:
    """:func:`probe_image` for one URL, over a Fetcher of its own (``crawler probe URL``)."""
    async with Fetcher(config, resolver=resolver) as fetcher:
        return await probe_image(fetcher, url)


def describe_failure(link: LinkResult, probe: ImageProbe | None) -> str | None:
    """Why an image URL does not give a valid image, in one line; None when it does."""
    if link.result is not Result.OK:
        return _outcome(link)
    if probe is not None and probe.info is None:
        return probe.error
    return None


def _outcome(link: LinkResult) -> str:
    """``broken 404 Not Found``: the class, then the detail (which names any status)."""
    said = link.detail or (str(link.status) if link.status else "")
    return f"{link.result.value} {said}".strip()
