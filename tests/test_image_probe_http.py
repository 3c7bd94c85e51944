"""probe_image over real HTTP on 127.0.0.1: Range honoured, ignored, and lied about.

Two servers, both on ephemeral ports of 127.0.0.1 and reached under public-looking
names through the crawler's own ``--connect-to`` rules:

* an aiohttp application whose routes are named after behaviours: a server that
  honours Range (single byte ranges per RFC 9110 section 14, written here so that
  the test controls every header), one that ignores it, one whose follow-up ranges
  fail, one that redirects first, and answers that are not images at all;
* a raw asyncio server for lies aiohttp's own server will not tell: a
  Content-Length larger or smaller than the body it sends.

Both record every request with its Range header, so the tests assert what the
probe asked for and how often, never how long it took.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import mimetypes
import random
import re
import shutil
import struct
import tempfile
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from conftest import StaticResolver
from images import craft
from PIL import Image

from crawler.checks.image_probe import (
    FIRST_RANGE,
    MAX_REQUESTS,
    ImageProbe,
    describe_failure,
    probe_image,
    probe_url,
)
from crawler.config import Config, ConnectTo
from crawler.fetch import Fetcher
from crawler.outcomes import LinkResult, Result

STATIC_FILES = ("icc-60k.jpg", "photo.png")  # also served from disk by aiohttp's FileResponse
SITE = "images.example.com"  # the aiohttp application (port 80 -> its port)
WIRE = "wire.example.com"  # the raw server (port 80 -> its port)
MiB = 1024 * 1024

# ---------------------------------------------------------------------------
# Image files, made once per session
# ---------------------------------------------------------------------------


def noise(size: tuple[int, int], seed: int) -> Image.Image:
    """Pseudo-random pixels: they do not compress, so files are big enough to need Range."""
    width, height = size
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(width * height * 3))


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def orientation_exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def with_segments(jpeg: bytes, marker: int, payloads: list[bytes]) -> bytes:
    """``jpeg`` with one marker segment per payload right after SOI (T.81 B.1.1.4)."""
    segments = b"".join(
        bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload
        for payload in payloads
    )
    return jpeg[:2] + segments + jpeg[2:]


def segment_end(jpeg: bytes, marker: int) -> int:
    """The offset right after the first ``marker`` segment: where the next one starts."""
    at = jpeg.index(bytes((0xFF, marker)))
    return at + 2 + int.from_bytes(jpeg[at + 2 : at + 4], "big")


def big_png(width: int, height: int) -> bytes:
    """A valid greyscale PNG stored without compression: ``width * height`` bytes and more."""
    raw = b"".join(b"\x00" + bytes(width) for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        craft.PNG_SIGNATURE
        + craft.png_chunk(b"IHDR", ihdr)
        + craft.png_chunk(b"IDAT", zlib.compress(raw, 0))
        + craft.png_chunk(b"IEND", b"")
    )


@cache
def files() -> dict[str, bytes]:
    photo = encode(noise((320, 240), 1), "JPEG", quality=90)
    icc_60k = encode(
        noise((320, 240), 2), "JPEG", exif=orientation_exif(6), icc_profile=bytes(60_000)
    )
    many_segments = with_segments(
        photo, 0xFE, [f"comment {n}".encode() * 200 for n in range(30)]
    )  # 30 COM segments of about 2 KB each
    return {
        "photo.jpg": photo,
        "photo.png": encode(noise((160, 120), 3), "PNG"),
        "photo.gif": encode(noise((160, 120), 4), "GIF"),  # 256 colours: a 768-byte palette
        "16-colours.gif": encode(noise((160, 120), 4).quantize(16), "GIF"),
        "photo.webp": encode(noise((160, 120), 5), "WEBP", quality=90),
        "icc-60k.jpg": icc_60k,
        "rotated.jpg": encode(noise((120, 80), 6), "JPEG", exif=orientation_exif(6)),
        "ifd-at-end.tif": craft.tiff_ifd_at_end(1024, 1024, big_endian=False),
        "huge.jpg": photo[:-2] + bytes(4 * MiB) + photo[-2:],  # padding after the frame header
        "huge.png": big_png(2048, 2048),
        "30-segments.jpg": many_segments,
        "truncated.jpg": photo[: len(photo) * 2 // 3],
        "truncated-header.png": encode(noise((160, 120), 3), "PNG")[:20],
        "empty.jpg": b"",
    }


# ---------------------------------------------------------------------------
# The aiohttp application
# ---------------------------------------------------------------------------

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
HTML_ERROR_PAGE = (
    b"<!doctype html><html><head><title>Error</title></head>"
    b"<body><h1>The image is temporarily unavailable.</h1></body></html>"
)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` positions of a single byte range; None to ignore it.

    RFC 9110 section 14.1.2: ``first-last``, ``first-`` or a suffix ``-length``;
    a last position past the end means the end.  Anything else (several ranges,
    other units, nonsense) may be ignored (section 14.2).  ``first >= size`` cannot
    be satisfied: the caller answers 416.
    """
    match = _RANGE.fullmatch((header or "").strip())
    if match is None or match.groups() == ("", ""):
        return None
    start, end = match.groups()
    if not start:
        return max(size - int(end), 0), size - 1
    if end and int(end) < int(start):
        return None
    return int(start), min(int(end), size - 1) if end else size - 1


def media_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def honour_range(request: web.Request, data: bytes) -> web.Response:
    headers = {"Accept-Ranges": "bytes", "Content-Type": media_type(request.path)}
    wanted = byte_range(request.headers.get("Range"), len(data))
    if wanted is None:
        return web.Response(body=data, headers=headers)
    first, last = wanted
    if first >= len(data):
        headers["Content-Range"] = f"bytes */{len(data)}"
        return web.Response(status=416, headers=headers)
    headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    return web.Response(status=206, body=data[first : last + 1], headers=headers)


@dataclass
class Seen:
    """What a server was asked: (path, Range header) per request, in order."""

    requests: list[tuple[str, str | None]] = field(default_factory=list)

    def count(self, path: str) -> int:
        return sum(1 for seen, _ in self.requests if seen == path)

    def ranges(self, path: str) -> list[tuple[int, int]]:
        """The byte ranges asked for at ``path``, as inclusive (first, last) pairs."""
        pairs = []
        for seen, header in self.requests:
            if seen == path:
                match = _RANGE.fullmatch(header or "")
                assert match is not None and all(match.groups()), header
                pairs.append((int(match[1]), int(match[2])))
        return pairs


def make_app(seen: Seen, folder: Path) -> web.Application:
    routes = web.RouteTableDef()

    @web.middleware
    async def record(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        seen.requests.append((request.path, request.headers.get("Range")))
        return await handler(request)

    def image(request: web.Request) -> bytes:
        name = request.match_info["name"]
        if name not in files():
            raise web.HTTPNotFound()
        return files()[name]

    @routes.get("/honours-range/{name}")
    async def honours_range(request: web.Request) -> web.Response:
        return honour_range(request, image(request))

    @routes.get("/static-file/{name}")
    async def static_file(request: web.Request) -> web.FileResponse:
        return web.FileResponse(folder / request.match_info["name"])  # aiohttp's own Range code

    @routes.get("/ignores-range/{name}")
    async def ignores_range(request: web.Request) -> web.Response:
        return web.Response(body=image(request), content_type=media_type(request.path))

    @routes.get("/follow-up-fails/{name}")
    async def follow_up_fails(request: web.Request) -> web.Response:
        if request.headers.get("Range", "").startswith("bytes=0-"):
            return honour_range(request, image(request))
        return web.Response(status=503, text="overloaded")

    @routes.get("/redirect/{name}")
    async def redirect(request: web.Request) -> web.Response:
        target = f"/honours-range/{request.match_info['name']}"
        return web.Response(status=302, headers={"Location": target})

    @routes.get("/html-instead-of-image.jpg")
    async def html_instead_of_image(request: web.Request) -> web.Response:
        return web.Response(body=HTML_ERROR_PAGE, content_type="text/html")

    @routes.get("/empty-body.jpg")
    async def empty_body(request: web.Request) -> web.Response:
        return web.Response(body=b"", content_type="image/jpeg")

    @routes.get("/malformed-content-range.jpg")
    async def malformed_content_range(request: web.Request) -> web.Response:
        headers = {"Content-Type": "image/jpeg", "Content-Range": "bytes 0-511"}  # no total
        return web.Response(status=206, body=files()["photo.jpg"][:512], headers=headers)

    @routes.get("/gzip-partial.jpg")
    async def gzip_partial(request: web.Request) -> web.Response:
        data = files()["photo.jpg"]
        wanted = byte_range(request.headers.get("Range"), len(data))
        assert wanted is not None
        first, last = wanted
        headers = {
            "Content-Type": "image/jpeg",
            "Content-Encoding": "gzip",  # although the probe asked for identity
            "Content-Range": f"bytes {first}-{last}/{len(data)}",
        }
        body = gzip.compress(data[first : last + 1], mtime=0)
        return web.Response(status=206, body=body, headers=headers)

    @routes.get("/not-found.jpg")
    async def not_found(request: web.Request) -> web.Response:
        return web.Response(status=404, text="no such image")

    app = web.Application(middlewares=[record])
    app.add_routes(routes)
    return app


# ---------------------------------------------------------------------------
# The raw server: Content-Length lies
# ---------------------------------------------------------------------------


def canned(status: str, headers: dict[str, str], body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode() + b"\r\n" + body


def content_length_lies() -> dict[str, bytes]:
    """Whole answers by path; each is written in one go and the connection closed."""
    png = files()["huge.png"]
    icc = files()["icc-60k.jpg"]
    photo = files()["photo.png"]
    jpeg = files()["photo.jpg"]
    return {
        # Declares the whole file and hangs up after the first 8 KiB.
        "/longer-content-length/header-sent.png": canned(
            "200 OK", {"Content-Type": "image/png", "Content-Length": str(len(png))}, png[:8192]
        ),
        # The frame header lies 60 KB in; only the first 4 KiB are sent.
        "/longer-content-length/header-not-sent.jpg": canned(
            "200 OK", {"Content-Type": "image/jpeg", "Content-Length": str(len(icc))}, icc[:4096]
        ),
        # Declares 1000 bytes and sends the whole file.
        "/shorter-content-length.png": canned(
            "200 OK",
            {"Content-Type": "image/png", "Content-Length": "1000", "Connection": "close"},
            photo,
        ),
        # A close-delimited 206 that ends 300 bytes into the 512 its Content-Range promises.
        "/partial-answer-cut-short.jpg": canned(
            "206 Partial Content",
            {
                "Content-Type": "image/jpeg",
                "Content-Range": f"bytes 0-511/{len(jpeg)}",
                "Connection": "close",
            },
            jpeg[:300],
        ),
    }


class Wire:
    """One request per connection: read the head, write the canned answer, hang up."""

    def __init__(self, seen: Seen) -> None:
        self.seen = seen
        self.answers = content_length_lies()
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            path = head.split(" ", 2)[1]
            found = re.search(r"(?im)^range:\s*(.*?)\s*$", head)
            self.seen.requests.append((path, found[1] if found else None))
            writer.write(
                self.answers.get(path, canned("404 Not Found", {"Content-Length": "0"}, b""))
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self._tasks.discard(task)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


# ---------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------


@dataclass
class ImageSite:
    config: Config
    seen: Seen

    def url(self, path: str, host: str = SITE) -> str:
        return f"http://{host}{path}"


@contextlib.asynccontextmanager
async def serve_image_site() -> AsyncIterator[ImageSite]:
    """Both servers on 127.0.0.1, and a Config that reaches them under public names."""
    seen = Seen()
    folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="image-probe-"))
    for name in STATIC_FILES:
        await asyncio.to_thread((folder / name).write_bytes, files()[name])
    server = TestServer(make_app(seen, folder), host="127.0.0.1", shutdown_timeout=1.0)
    wire = Wire(seen)
    await server.start_server()
    raw = await asyncio.start_server(wire.handle, "127.0.0.1", 0)
    try:
        config = Config(
            connect_to=(
                ConnectTo.parse(f"{SITE}:80:127.0.0.1:{server.port}"),
                ConnectTo.parse(f"{WIRE}:80:127.0.0.1:{raw.sockets[0].getsockname()[1]}"),
            ),
            robots=False,  # only the image requests are counted
            min_interval=0.0,
            retries=0,
            timeout=2.0,
            connect_timeout=1.0,
            seed=1,
        )
        yield ImageSite(config, seen)
    finally:
        raw.close()
        await wire.close()
        await raw.wait_closed()
        await server.close()
        await asyncio.to_thread(shutil.rmtree, folder)


@pytest.fixture
async def site() -> AsyncIterator[ImageSite]:
    async with serve_image_site() as running:
        yield running


async def probe(site: ImageSite, path: str, host: str = SITE) -> tuple[LinkResult, ImageProbe]:
    """Probe one URL of the site; the link must be ok and the probe present."""
    link, found = await probe_some(site, path, host)
    assert link.result is Result.OK, link
    assert found is not None
    return link, found


async def probe_some(
    site: ImageSite, path: str, host: str = SITE
) -> tuple[LinkResult, ImageProbe | None]:
    async with Fetcher(site.config, resolver=StaticResolver()) as fetcher:
        return await probe_image(fetcher, site.url(path, host))


# ---------------------------------------------------------------------------
# A server that honours Range
# ---------------------------------------------------------------------------

SMALL_IMAGES = [
    pytest.param("photo.jpg", "jpeg", (320, 240), 2, id="jpeg-first-range-and-tail"),
    pytest.param("photo.png", "png", (160, 120), 2, id="png-first-range-and-tail"),
    pytest.param("16-colours.gif", "gif", (160, 120), 2, id="gif-first-range-and-tail"),
    # 13 + 768 bytes of palette put the first image descriptor past the first range.
    pytest.param("photo.gif", "gif", (160, 120), 3, id="gif-256-colours-one-jump-past-palette"),
    pytest.param("photo.webp", "webp", (160, 120), 1, id="webp-riff-size-needs-no-tail"),
]


@pytest.mark.parametrize(("name", "fmt", "size", "requests"), SMALL_IMAGES)
async def test_range_server_answers_a_small_image_from_its_first_range_and_its_tail(
    site: ImageSite, name: str, fmt: str, size: tuple[int, int], requests: int
) -> None:
    path = f"/honours-range/{name}"
    link, found = await probe(site, path)
    assert found.info is not None, found.error
    assert (found.info.format, found.info.width, found.info.height) == (fmt, *size)
    assert (link.status, found.requests, site.seen.count(path)) == (206, requests, requests)
    ranges = site.seen.ranges(path)
    assert ranges[0] == (0, FIRST_RANGE - 1)
    total = len(files()[name])
    if requests > 1:
        assert ranges[-1][1] == total - 1  # the tail, where the end marker sits
    assert found.bytes_read == sum(last - first + 1 for first, last in ranges)
    assert found.bytes_read <= 2048 < total // 5  # well under the file size


async def test_jpeg_frame_header_past_a_60k_icc_segment_costs_one_range_at_the_next_segment(
    site: ImageSite,
) -> None:
    data = files()["icc-60k.jpg"]
    path = "/honours-range/icc-60k.jpg"
    _, found = await probe(site, path)
    assert found.info is not None, found.error
    assert (found.info.width, found.info.height) == (320, 240)
    ranges = site.seen.ranges(path)
    next_segment = segment_end(data, 0xE2)  # APP2, the ICC profile
    assert next_segment > 60_000
    assert ranges[1][0] == next_segment  # exactly where the skipped segment ends
    assert ranges[-1][1] == len(data) - 1  # the tail
    assert found.requests == len(ranges) == 3
    assert found.bytes_read < 4096


async def test_aiohttp_file_response_is_asked_for_the_same_ranges(site: ImageSite) -> None:
    _, found = await probe(site, "/static-file/icc-60k.jpg")
    assert found.info is not None, found.error
    assert (found.info.width, found.info.height, found.info.orientation) == (320, 240, 6)
    ours = site.seen.ranges("/static-file/icc-60k.jpg")
    _, again = await probe(site, "/honours-range/icc-60k.jpg")
    assert site.seen.ranges("/honours-range/icc-60k.jpg") == ours
    assert (found.requests, found.bytes_read) == (again.requests, again.bytes_read)


async def test_tiff_whose_ifd_follows_a_megabyte_strip_jumps_to_the_ifd(
    site: ImageSite,
) -> None:
    data = files()["ifd-at-end.tif"]
    (ifd_offset,) = struct.unpack("<I", data[4:8])
    assert ifd_offset > MiB
    path = "/honours-range/ifd-at-end.tif"
    _, found = await probe(site, path)
    assert found.info is not None, found.error
    assert (found.info.format, found.info.width, found.info.height) == ("tiff", 1024, 1024)
    ranges = site.seen.ranges(path)
    assert ranges[0] == (0, FIRST_RANGE - 1)
    assert ranges[1][0] == ifd_offset
    assert found.requests == 2
    assert found.bytes_read < 2048


async def test_exif_orientation_6_is_reported_with_the_display_size_swapped(
    site: ImageSite,
) -> None:
    _, found = await probe(site, "/honours-range/rotated.jpg")
    assert found.info is not None, found.error
    info = found.info
    assert (info.width, info.height, info.orientation) == (120, 80, 6)
    assert (info.display_width, info.display_height) == (80, 120)


async def test_multi_megabyte_file_on_a_range_server_costs_its_head_and_tail(
    site: ImageSite,
) -> None:
    path = "/honours-range/huge.jpg"
    _, found = await probe(site, path)
    assert found.info is not None, found.error
    assert found.requests == 2
    assert found.bytes_read < 1024


# ---------------------------------------------------------------------------
# A server that ignores Range
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["huge.jpg", "huge.png"])
async def test_server_ignoring_range_has_its_body_read_only_until_the_size_is_known(
    site: ImageSite, name: str
) -> None:
    path = f"/ignores-range/{name}"
    link, found = await probe(site, path)
    assert link.status == 200
    assert found.info is not None, found.error
    assert found.info.format == name.rsplit(".", 1)[1].replace("jpg", "jpeg")
    assert site.seen.count(path) == found.requests == 1
    total = len(files()[name])
    assert total > 4 * MiB
    assert found.bytes_read <= 64 * 1024  # a few socket reads, not megabytes


async def test_small_image_on_a_server_ignoring_range_is_read_whole_in_one_request(
    site: ImageSite,
) -> None:
    path = "/ignores-range/photo.png"
    _, found = await probe(site, path)
    assert found.info is not None, found.error
    assert (found.info.width, found.info.height) == (160, 120)
    assert found.requests == site.seen.count(path) == 1


# ---------------------------------------------------------------------------
# A server that lies about Content-Length
# ---------------------------------------------------------------------------


async def test_longer_content_length_with_the_header_in_the_part_sent_still_probes(
    site: ImageSite,
) -> None:
    path = "/longer-content-length/header-sent.png"
    link, found = await probe(site, path, WIRE)
    assert found.info is not None, found.error
    assert (found.info.format, found.info.width, found.info.height) == ("png", 2048, 2048)
    assert (link.status, found.requests, site.seen.count(path)) == (200, 1, 1)


async def test_longer_content_length_without_the_header_is_a_clear_error(
    site: ImageSite,
) -> None:
    path = "/longer-content-length/header-not-sent.jpg"
    link, found = await probe_some(site, path, WIRE)
    reason = describe_failure(link, found)
    assert reason is not None
    assert "truncated" in reason, reason
    assert site.seen.count(path) == 1


async def test_shorter_content_length_is_a_malformed_response(site: ImageSite) -> None:
    # The bytes past the declared length cannot be the next response: the link is an error.
    path = "/shorter-content-length.png"
    link, found = await probe_some(site, path, WIRE)
    assert (link.result, found) == (Result.ERROR, None)
    assert link.detail is not None and link.detail.startswith("malformed response"), link
    assert site.seen.count(path) == 1


async def test_partial_answer_cut_short_by_the_server_closing_is_truncated(
    site: ImageSite,
) -> None:
    # No Content-Length: the body ends where the server hangs up, 300 bytes into 512.
    path = "/partial-answer-cut-short.jpg"
    link, found = await probe(site, path, WIRE)
    assert link.status == 206
    assert found.info is None
    assert found.error is not None and found.error.startswith("truncated JPEG"), found.error
    assert (found.bytes_read, found.requests, site.seen.count(path)) == (300, 1, 1)


# ---------------------------------------------------------------------------
# Answers that are not (whole) images
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("truncated.jpg", "truncated JPEG", id="jpeg-cut-after-the-header"),
        pytest.param("truncated-header.png", "truncated PNG", id="png-cut-inside-the-header"),
    ],
)
async def test_truncated_image_served_honestly_is_rejected_as_truncated(
    site: ImageSite, name: str, expected: str
) -> None:
    link, found = await probe(site, f"/honours-range/{name}")
    assert found.info is None
    assert found.error is not None and found.error.startswith(expected), found.error
    assert describe_failure(link, found) == found.error


async def test_html_page_served_as_an_image_is_not_an_image(site: ImageSite) -> None:
    link, found = await probe(site, "/html-instead-of-image.jpg")
    assert link.status == 200
    assert found.info is None
    assert found.error is not None and "not an image" in found.error, found.error
    assert found.requests == 1


async def test_empty_body_is_not_an_image(site: ImageSite) -> None:
    _, found = await probe(site, "/empty-body.jpg")
    assert found.error == "not an image: empty data"
    assert (found.bytes_read, found.requests) == (0, 1)


async def test_empty_file_on_a_range_server_is_not_an_image_rather_than_a_broken_link(
    site: ImageSite,
) -> None:
    # RFC 9110 section 14.1.1: bytes=0-511 of an empty representation is unsatisfiable.
    link, found = await probe_some(site, "/honours-range/empty.jpg")
    assert link.result is Result.OK, link
    assert found is not None and found.error == "not an image: empty data"


async def test_malformed_content_range_on_a_206_is_an_unusable_partial_response(
    site: ImageSite,
) -> None:
    _, found = await probe(site, "/malformed-content-range.jpg")
    assert found.info is None
    assert found.error == "unusable partial response (Content-Range 'bytes 0-511')"


async def test_compressed_206_is_refused_rather_than_parsed(site: ImageSite) -> None:
    _, found = await probe(site, "/gzip-partial.jpg")
    assert found.info is None
    assert found.error is not None and "compressed" in found.error, found.error


# ---------------------------------------------------------------------------
# Follow-ups: failures, redirects, round trips
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("icc-60k.jpg", id="mid-file-range"),
        pytest.param(
            "photo.jpg",
            id="tail-range",
        ),
    ],
)
async def test_follow_up_range_that_fails_names_the_bytes_and_keeps_the_link_ok(
    site: ImageSite, name: str
) -> None:
    path = f"/follow-up-fails/{name}"
    link, found = await probe(site, path)
    assert (link.result, link.status) == (Result.OK, 206)
    assert found.info is None
    first, last = site.seen.ranges(path)[1]
    assert found.error is not None
    assert found.error.startswith(f"bytes {first}-{last} could not be read: broken 503")
    assert describe_failure(link, found) == found.error
    assert found.requests == site.seen.count(path) == 2


async def test_failure_reason_names_the_status_once(site: ImageSite) -> None:
    link, found = await probe_some(site, "/not-found.jpg")
    assert describe_failure(link, found) == "broken 404 Not Found"


async def test_follow_ups_after_a_redirect_go_straight_to_the_final_url(
    site: ImageSite,
) -> None:
    link, found = await probe(site, "/redirect/icc-60k.jpg")
    assert found.info is not None, found.error
    assert link.redirects == 1
    assert link.final_url == site.url("/honours-range/icc-60k.jpg")
    assert site.seen.count("/redirect/icc-60k.jpg") == 1
    assert site.seen.count("/honours-range/icc-60k.jpg") == found.requests == 3


async def test_missing_image_is_a_broken_link_without_a_probe(site: ImageSite) -> None:
    link, found = await probe_some(site, "/not-found.jpg")
    assert (link.result, link.status, found) == (Result.BROKEN, 404, None)
    reason = describe_failure(link, found)
    assert reason is not None and reason.startswith("broken 404")
    assert site.seen.count("/not-found.jpg") == 1


async def test_read_ahead_doubling_bounds_the_round_trips_for_30_segments_before_the_frame(
    site: ImageSite,
) -> None:
    path = "/honours-range/30-segments.jpg"
    _, found = await probe(site, path)
    assert found.info is not None, found.error
    assert (found.info.width, found.info.height) == (320, 240)
    assert found.requests == site.seen.count(path) <= MAX_REQUESTS
    assert found.requests <= 12  # 30 segments, far fewer round trips
    jumps = site.seen.ranges(path)[1:-1]  # between the first range and the tail
    lengths = [last - first + 1 for first, last in jumps]
    assert lengths == sorted(lengths) and lengths[-1] >= 16 * lengths[0], lengths


async def test_probe_url_opens_and_closes_its_own_fetcher(site: ImageSite) -> None:
    link, found = await probe_url(
        site.url("/honours-range/photo.png"), site.config, StaticResolver()
    )
    assert link.result is Result.OK
    assert found is not None and found.info is not None
    assert found.info.format == "png"
