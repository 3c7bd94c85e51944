"""Image probe benchmark: bytes read per image, locally and over HTTP, and probes/s.

    python bench/probe.py [--count N] [--seed S] [--concurrency C]

Writes a deterministic corpus with Pillow into a temporary folder: N images of
each variant below (every format Pillow writes that the prober knows, JPEGs with
tens of kilobytes of EXIF, ICC and XMP before the frame header, animations, both
TIFF byte orders, BigTIFF) plus SVG documents, at photo-like sizes and contents.
Then, for every file:

1. ``probe_file``: bytes read (median and max per variant, and as a share of the
   file), probes per second;
2. ``probe_image`` over HTTP with one Fetcher, against a loopback server in its own
   process whose ``/range/`` route honours Range (aiohttp's FileResponse; checked
   first) and whose ``/whole/`` route ignores it and streams the whole body: bytes
   read, requests per image, probes per second.

Every probe's format, size and orientation must equal what Pillow reads back from
the same file (for SVG, what the generator wrote); disagreements are listed.
``python bench/probe.py --serve DIR`` runs the server alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import mimetypes
import random
import resource
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from PIL import Image, features

from crawler.checks.image_probe import ImageProbe, probe_image
from crawler.checks.images import ImageInfo, probe_file
from crawler.config import Config
from crawler.errors import ImageError
from crawler.fetch import Fetcher

Maker = Callable[[random.Random, int, int], bytes]
Size = tuple[int, int]

PHOTO: tuple[Size, ...] = (
    (300, 200), (640, 427), (800, 533), (1200, 800), (1600, 1067), (2048, 1365), (4000, 3000),
)  # fmt: skip
MEDIUM: tuple[Size, ...] = (
    (300, 200), (480, 320), (640, 427), (800, 533), (1024, 683), (1200, 800),
)  # fmt: skip
SMALL: tuple[Size, ...] = ((300, 200), (480, 270), (640, 360))
CHUNK = 64 * 1024  # bytes the no-Range route writes at a time


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    format: str  # what the prober must answer
    suffix: str
    sizes: tuple[Size, ...]
    make: Maker


@dataclass(frozen=True, slots=True)
class Sample:
    variant: str
    path: Path
    file_size: int
    expected: tuple[str, int, int, int]  # format, width, height, orientation


# --- corpus ---------------------------------------------------------------------------


def photo(rng: random.Random, width: int, height: int, grain: float = 0.06) -> Image.Image:
    """Smooth colour blobs plus sensor-like grain: compresses like a photograph."""
    cells = (max(2, width // 24), max(2, height // 24))
    blobs = Image.frombytes("RGB", cells, rng.randbytes(cells[0] * cells[1] * 3))
    base = blobs.resize((width, height), Image.Resampling.BICUBIC)
    if not grain:
        return base
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    return Image.blend(base, noise.convert("RGB"), grain)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def icc_profile(rng: random.Random) -> bytes:
    """An ICC-shaped block of 30-60 KB (header fields per ICC.1:2010 7.2, random tags)."""
    size = rng.randrange(30_000, 60_000)
    header = struct.pack(
        ">I4s4s4s4s4s", size, b"lcms", b"\x04\x30\x00\x00", b"mntr", b"RGB ", b"XYZ "
    )
    header += bytes(12) + b"acsp"
    return header + bytes(128 - len(header)) + rng.randbytes(size - 128)


def camera_exif(rng: random.Random, orientation: int, thumbnail: bytes) -> bytes:
    """A camera-style APP1 payload: IFD0 (Orientation, Exif IFD pointer), an Exif IFD
    with a MakerNote of 10-30 KB, and IFD1 with a JPEG thumbnail (CIPA DC-008 4.5)."""

    def ifd(entries: Iterable[tuple[int, int, int, int]], next_ifd: int) -> bytes:
        rows = list(entries)
        out = struct.pack("<H", len(rows))
        for tag, kind, count, value in rows:
            packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
            out += struct.pack("<HHI", tag, kind, count) + packed
        return out + struct.pack("<I", next_ifd)

    maker_note = rng.randbytes(rng.randrange(10_000, 30_000) & ~1)
    exif_at = 8 + 2 + 2 * 12 + 4
    maker_at = exif_at + 2 + 12 + 4
    ifd1_at = maker_at + len(maker_note)
    thumb_at = ifd1_at + 2 + 3 * 12 + 4
    tiff = (
        b"II*\x00"
        + struct.pack("<I", 8)
        + ifd([(0x0112, 3, 1, orientation), (0x8769, 4, 1, exif_at)], ifd1_at)
        + ifd([(0x927C, 7, len(maker_note), maker_at)], 0)
        + maker_note
        + ifd([(0x0103, 3, 1, 6), (0x0201, 4, 1, thumb_at), (0x0202, 4, 1, len(thumbnail))], 0)
        + thumbnail
    )
    return b"Exif\x00\x00" + tiff


def orientation_exif(rng: random.Random) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = rng.randint(1, 8)
    return exif.tobytes()


def jpeg_camera(rng: random.Random, w: int, h: int) -> bytes:
    image = photo(rng, w, h)
    thumbnail = encode(image.resize((160, 120)), "JPEG", quality=95)
    exif = camera_exif(rng, rng.randint(1, 8), thumbnail)
    return encode(image, "JPEG", quality=90, exif=exif)


def jpeg_everything(rng: random.Random, w: int, h: int) -> bytes:
    """EXIF with thumbnail, a 30-60 KB ICC profile and XMP: ~100 KB before the frame."""
    image = photo(rng, w, h)
    thumbnail = encode(image.resize((160, 120)), "JPEG", quality=95)
    exif = camera_exif(rng, rng.randint(1, 8), thumbnail)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + rng.randbytes(4000).hex().encode()
    xmp += b"</x:xmpmeta>"
    return encode(
        image,
        "JPEG",
        quality=90,
        progressive=True,
        exif=exif,
        icc_profile=icc_profile(rng),
        xmp=xmp,
    )


def animated(rng: random.Random, w: int, h: int, fmt: str, **options: object) -> bytes:
    frames = [photo(rng, w, h) for _ in range(3)]
    if fmt == "GIF":
        frames = [frame.convert("P") for frame in frames]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=80, **options)


def big_endian_tiff(rng: random.Random, w: int, h: int) -> bytes:
    # Pillow writes big-endian TIFF only for 16-bit grey (its I;16B mode).
    grey = photo(rng, w, h).convert("L").tobytes()
    wide = bytearray(2 * len(grey))
    wide[0::2] = wide[1::2] = grey
    return encode(Image.frombytes("I;16B", (w, h), bytes(wide)), "TIFF")


def icon(rng: random.Random, w: int, h: int, fmt: str) -> bytes:
    # Icons are flat artwork, not photographs: no grain.
    image = photo(rng, 256, 256, grain=0).convert("RGBA")
    if fmt == "ICNS":
        return encode(image, fmt)
    return encode(image, fmt, sizes=[(16, 16), (32, 32), (48, 48), (w, h)])


V = Variant
VARIANTS: tuple[Variant, ...] = (
    V("jpeg", "jpeg", "jpg", PHOTO, lambda r, w, h: encode(photo(r, w, h), "JPEG", quality=85)),
    V("jpeg-progressive", "jpeg", "jpg", PHOTO, lambda r, w, h: encode(
        photo(r, w, h), "JPEG", quality=85, progressive=True)),
    V("jpeg-exif-thumbnail", "jpeg", "jpg", PHOTO, jpeg_camera),
    V("jpeg-icc", "jpeg", "jpg", PHOTO, lambda r, w, h: encode(
        photo(r, w, h), "JPEG", quality=85, icc_profile=icc_profile(r))),
    V("jpeg-exif-icc-xmp", "jpeg", "jpg", PHOTO, jpeg_everything),
    V("jpeg-mpo", "jpeg", "jpg", MEDIUM, lambda r, w, h: encode(
        photo(r, w, h), "MPO", save_all=True, append_images=[photo(r, w, h)])),
    V("png", "png", "png", MEDIUM, lambda r, w, h: encode(photo(r, w, h), "PNG")),
    V("png-palette", "png", "png", MEDIUM, lambda r, w, h: encode(
        photo(r, w, h).convert("P"), "PNG", optimize=False)),
    V("apng", "apng", "png", SMALL, lambda r, w, h: animated(r, w, h, "PNG")),
    V("gif", "gif", "gif", MEDIUM, lambda r, w, h: encode(photo(r, w, h).convert("P"), "GIF")),
    V("gif-animated", "gif", "gif", SMALL, lambda r, w, h: animated(r, w, h, "GIF", loop=0)),
    V("webp", "webp", "webp", PHOTO, lambda r, w, h: encode(
        photo(r, w, h), "WEBP", quality=80, method=0)),
    V("webp-lossless", "webp", "webp", MEDIUM, lambda r, w, h: encode(
        photo(r, w, h), "WEBP", lossless=True, method=0)),
    V("webp-exif-icc", "webp", "webp", MEDIUM, lambda r, w, h: encode(
        photo(r, w, h), "WEBP", quality=80, method=0, exif=orientation_exif(r),
        icc_profile=icc_profile(r))),
    V("webp-animated", "webp", "webp", SMALL, lambda r, w, h: animated(
        r, w, h, "WEBP", quality=80, method=0)),
    V("bmp", "bmp", "bmp", MEDIUM, lambda r, w, h: encode(photo(r, w, h), "BMP")),
    V("bmp-palette", "bmp", "bmp", MEDIUM, lambda r, w, h: encode(
        photo(r, w, h).convert("P"), "BMP")),
    V("tiff", "tiff", "tif", MEDIUM, lambda r, w, h: encode(photo(r, w, h), "TIFF")),
    V("tiff-lzw", "tiff", "tif", MEDIUM, lambda r, w, h: encode(
        photo(r, w, h), "TIFF", compression="tiff_lzw", exif=orientation_exif(r))),
    V("tiff-big-endian", "tiff", "tif", MEDIUM, big_endian_tiff),
    V("bigtiff", "bigtiff", "tif", MEDIUM, lambda r, w, h: encode(
        photo(r, w, h), "TIFF", big_tiff=True)),
    V("ico", "ico", "ico", ((64, 64), (128, 128), (256, 256)), lambda r, w, h: icon(
        r, w, h, "ICO")),
    V("icns", "icns", "icns", ((1024, 1024),), lambda r, w, h: icon(r, w, h, "ICNS")),
    V("jp2", "jp2", "jp2", MEDIUM, lambda r, w, h: encode(
        photo(r, w, h), "JPEG2000", quality_mode="rates", quality_layers=[20])),
    V("j2k", "j2k", "j2k", MEDIUM, lambda r, w, h: encode(
        photo(r, w, h), "JPEG2000", no_jp2=True, quality_mode="rates", quality_layers=[20])),
    V("tga", "tga", "tga", MEDIUM, lambda r, w, h: encode(photo(r, w, h), "TGA")),
    V("tga-rle", "tga", "tga", MEDIUM, lambda r, w, h: encode(photo(r, w, h), "TGA", rle=True)),
    V("ppm", "pnm", "ppm", MEDIUM, lambda r, w, h: encode(photo(r, w, h), "PPM")),
    V("pgm", "pnm", "pgm", MEDIUM, lambda r, w, h: encode(photo(r, w, h).convert("L"), "PPM")),
    V("pfm", "pfm", "pfm", SMALL, lambda r, w, h: encode(photo(r, w, h).convert("F"), "PPM")),
    V("dds", "dds", "dds", MEDIUM, lambda r, w, h: encode(photo(r, w, h).convert("RGBA"), "DDS")),
    V("dds-dxt1", "dds", "dds", MEDIUM, lambda r, w, h: encode(
        photo(r, w, h).convert("RGBA"), "DDS", pixel_format="DXT1")),
)  # fmt: skip
if features.check("avif"):
    VARIANTS += (
        V("avif", "avif", "avif", MEDIUM, lambda r, w, h: encode(
            photo(r, w, h), "AVIF", speed=10, quality=60, exif=orientation_exif(r))),
    )  # fmt: skip
NOT_WRITABLE = "PSD, HEIC/HEIF, JPEG XL, KTX, PAM, CUR (Pillow cannot write them)"


def pick_size(rng: random.Random, sizes: tuple[Size, ...]) -> Size:
    """A size from the menu, jittered by up to 8 % so that odd sizes occur; a quarter portrait."""
    width, height = rng.choice(sizes)
    if width == height:
        return width, height
    width = max(16, round(width * rng.uniform(0.92, 1.08)))
    height = max(16, round(height * rng.uniform(0.92, 1.08)))
    return (height, width) if rng.random() < 0.25 else (width, height)


def pillow_expectation(data: bytes, variant: Variant) -> tuple[str, int, int, int]:
    with Image.open(io.BytesIO(data)) as image:
        orientation = image.getexif().get(0x0112, 1)
        width, height = image.size
        if image.format == "TIFF":
            # Pillow's TIFF reader reports the size with the orientation applied (it
            # transposes on load); the prober reports the stored size, ImageWidth/Length.
            width, height = image.tag_v2[256], image.tag_v2[257]
        return variant.format, width, height, orientation


def build_image(job: tuple[int, int, str, Path]) -> Sample:
    index, seed, name, folder = job
    variant = _variant(name)
    rng = random.Random(f"{seed}:{name}:{index}")
    width, height = pick_size(rng, variant.sizes)
    data = variant.make(rng, width, height)
    path = folder / f"{name}-{index:03d}.{variant.suffix}"
    path.write_bytes(data)
    return Sample(name, path, len(data), pillow_expectation(data, variant))


SVG_UNITS = (("", 1.0), ("px", 1.0), ("pt", 0.75), ("in", 1 / 96), ("mm", 25.4 / 96))


def build_svg(index: int, seed: int, folder: Path) -> Sample:
    """Editor-shaped SVG: Inkscape-like namespaces, Illustrator-like DOCTYPE, viewBox-only,
    units other than px, a BOM and a prefixed root; path data for a realistic size."""
    rng = random.Random(f"{seed}:svg:{index}")
    width, height = pick_size(rng, MEDIUM)
    style = index % 5
    unit, per_px = rng.choice(SVG_UNITS)
    size = f'width="{width * per_px:.6g}{unit}" height="{height * per_px:.6g}{unit}" '
    prolog, root = '<?xml version="1.0" encoding="UTF-8"?>\n', "svg"
    if style == 1:
        prolog += "<!-- Generator: Adobe Illustrator 27.0.0, SVG Export Plug-In -->\n"
        entities = "".join(f'<!ENTITY ns_{n} "http://ns.adobe.com/{n}/1.0/">\n' for n in range(12))
        prolog += f'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "svg11.dtd" [\n{entities}]>\n'
    elif style == 2:
        size = ""  # the viewBox alone gives the size
    elif style == 3:
        prolog, root = "\ufeff" + prolog, "svg:svg"
    namespaces = 'xmlns="http://www.w3.org/2000/svg"' if root == "svg" else ""
    namespaces += ' xmlns:svg="http://www.w3.org/2000/svg"'
    if style == 4:
        namespaces += "".join(
            f' xmlns:{n}="http://example.org/ns/{n}"' for n in ("dc", "cc", "rdf", "sodipodi")
        )
        namespaces += ' inkscape:version="1.3 (0e150ed6c4, 2023-07-21)" sodipodi:docname="x.svg"'
        namespaces += ' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'
    prefix = "svg:" if root == "svg:svg" else ""
    paths = "".join(
        f'<{prefix}path d="M{rng.randrange(width)} {rng.randrange(height)} '
        + " ".join(f"L{rng.randrange(width)} {rng.randrange(height)}" for _ in range(30))
        + f'Z" fill="#{rng.randrange(1 << 24):06x}"/>\n'
        for _ in range(rng.choice((5, 50, 400)))
    )
    text = (
        f'{prolog}<{root} {namespaces} {size}viewBox="0 0 {width} {height}" version="1.1">\n'
        f"{paths}</{root}>\n"
    )
    path = folder / f"svg-{index:03d}.svg"
    path.write_text(text, encoding="utf-8")
    return Sample("svg", path, path.stat().st_size, ("svg", width, height, 1))


def build_corpus(count: int, seed: int, folder: Path) -> list[Sample]:
    jobs = [(i, seed, v.name, folder) for v in VARIANTS for i in range(count)]
    # Big jobs first so that the two workers finish together.
    jobs.sort(key=lambda job: -max(w * h for w, h in _variant(job[2]).sizes))
    with ProcessPoolExecutor(max_workers=2) as pool:
        samples = list(pool.map(build_image, jobs, chunksize=1))
    samples += [build_svg(index, seed, folder) for index in range(count)]
    order = {variant.name: n for n, variant in enumerate(VARIANTS)}
    return sorted(samples, key=lambda s: (order.get(s.variant, len(order)), s.path.name))


def _variant(name: str) -> Variant:
    return next(v for v in VARIANTS if v.name == name)


# --- the server -----------------------------------------------------------------------


def build_app(folder: Path) -> web.Application:
    async def with_range(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(folder / request.match_info["name"])

    async def without_range(request: web.Request) -> web.StreamResponse:
        """200 with the whole body whatever the Range header says, written in chunks."""
        path = folder / request.match_info["name"]
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        response = web.StreamResponse(headers={"Content-Type": media_type})
        response.content_length = path.stat().st_size
        await response.prepare(request)
        with path.open("rb") as file:
            try:
                while chunk := file.read(CHUNK):
                    await response.write(chunk)
            except ConnectionError:
                return response  # the prober hung up once it had its answer
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/range/{name}", with_range)
    app.router.add_get("/whole/{name}", without_range)
    return app


async def serve(folder: Path) -> None:
    """Serve ``folder`` on 127.0.0.1 (a free port) until SIGINT or SIGTERM."""
    runner = web.AppRunner(build_app(folder), access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(f"serving http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def start_server(folder: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    line = server.stdout.readline().strip()
    if not line.startswith("serving "):
        server.kill()
        raise SystemExit(f"bench: the image server did not start: {line!r}")
    return server, line.split(" ", 1)[1]


async def check_routes(base: str, sample: Sample) -> str:
    """Confirm that /range/ answers a Range with 206 and /whole/ with a 200 and every byte."""
    name, size = sample.path.name, sample.file_size
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        headers = {"Range": "bytes=0-99", "Accept-Encoding": "identity"}
        async with session.get(f"{base}/range/{name}", headers=headers) as response:
            body = await response.read()
            partial = response.status, response.headers.get("Content-Range"), len(body)
        async with session.get(f"{base}/whole/{name}", headers=headers) as response:
            whole = response.status, len(await response.read())
    if partial != (206, f"bytes 0-99/{size}", 100) or whole != (200, size):
        raise SystemExit(f"bench: the server's routes misbehave: {partial} {whole}")
    return f"/range/ answers 206 {partial[1]}; /whole/ answers 200 with all {size} bytes"


# --- probing --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    info: ImageInfo | None
    error: str | None
    bytes_read: int
    requests: int


def probe_locally(samples: list[Sample]) -> tuple[list[Outcome], float]:
    """Every file once for the answers, then again until a second has passed, for the rate."""
    outcomes = []
    for sample in samples:
        try:
            info, read = probe_file(sample.path)
            outcomes.append(Outcome(info, None, read, 1))
        except ImageError as error:
            outcomes.append(Outcome(None, str(error), 0, 1))
    probes, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < 1.0:
        for sample in samples:
            with contextlib.suppress(ImageError):
                probe_file(sample.path)
        probes += len(samples)
    return outcomes, probes / elapsed


async def probe_over_http(urls: list[str], concurrency: int) -> tuple[list[Outcome], float]:
    """Every URL once for the answers, then again until two seconds have passed, for the rate."""
    config = Config(allow_private=True, min_interval=0.0, per_host=1000, robots=False, retries=0)
    outcomes: list[Outcome] = []
    probes = 0
    async with Fetcher(config) as fetcher:
        started = time.perf_counter()
        while not outcomes or time.perf_counter() - started < 2.0:
            found = await probe_all(fetcher, urls, concurrency)
            outcomes = outcomes or found
            probes += len(urls)
        elapsed = time.perf_counter() - started
    return outcomes, probes / elapsed


async def probe_all(fetcher: Fetcher, urls: list[str], concurrency: int) -> list[Outcome]:
    outcomes: list[Outcome] = [Outcome(None, "not probed", 0, 0)] * len(urls)
    queue = iter(enumerate(urls))

    async def worker() -> None:
        for index, url in queue:
            link, probe = await probe_image(fetcher, url)
            if probe is None:
                probe = ImageProbe(None, f"{link.result.value} {link.status} {link.detail}", 0, 0)
            outcomes[index] = Outcome(probe.info, probe.error, probe.bytes_read, probe.requests)

    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    return outcomes


# --- the report -----------------------------------------------------------------------


def disagreements(
    samples: list[Sample], outcomes: list[Outcome], where: str
) -> tuple[list[str], list[str]]:
    """Wrong answers (another format, size or orientation than Pillow's) and non-answers."""
    wrong, unanswered = [], []
    for sample, outcome in zip(samples, outcomes, strict=True):
        info = outcome.info
        if info is None:
            unanswered.append(
                f"  {where}: {sample.path.name} ({kib(sample.file_size)}): {outcome.error}"
            )
            continue
        got = (info.format, info.width, info.height, info.orientation)
        if got != sample.expected:
            wrong.append(f"  {where}: {sample.path.name}: probed {got}, Pillow {sample.expected}")
    return wrong, unanswered


def kib(value: float) -> str:
    return f"{value:,.0f}" if value < 10_240 else f"{value / 1024:,.0f}K"


def table(samples: list[Sample], runs: dict[str, list[Outcome]]) -> list[str]:
    head = (
        f"{'variant':<20} {'n':>3} {'file med':>9} {'local med':>9} {'max':>7} {'%file':>6}"
        f" {'HTTP med':>9} {'max':>7} {'req':>4} {'no-Range med':>12} {'max':>7}"
    )
    lines = [head, "-" * len(head)]
    groups: dict[str, list[int]] = {}
    for n, sample in enumerate(samples):
        groups.setdefault(sample.variant, []).append(n)
    groups["all"] = list(range(len(samples)))
    for name, members in groups.items():
        if name == "all":
            lines.append("-" * len(head))

        def read(run: str, members: list[int] = members) -> list[int]:
            return [runs[run][n].bytes_read for n in members]

        sizes = [samples[n].file_size for n in members]
        share = [runs["local"][n].bytes_read / samples[n].file_size * 100 for n in members]
        requests = [runs["range"][n].requests for n in members]
        lines.append(
            f"{name:<20} {len(members):>3} {kib(statistics.median(sizes)):>9}"
            f" {kib(statistics.median(read('local'))):>9} {kib(max(read('local'))):>7}"
            f" {statistics.median(share):>6.2f}"
            f" {kib(statistics.median(read('range'))):>9} {kib(max(read('range'))):>7}"
            f" {statistics.median(requests):>4g}"
            f" {kib(statistics.median(read('whole'))):>12} {kib(max(read('whole'))):>7}"
        )
    return lines


def run(count: int, seed: int, concurrency: int) -> int:
    with tempfile.TemporaryDirectory(prefix="crawler-probe-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        samples = build_corpus(count, seed, folder)
        total = sum(sample.file_size for sample in samples)
        print(
            f"corpus: {len(samples)} files, {len(VARIANTS) + 1} variants, {total / 2**20:,.1f} MiB,"
            f" written in {time.perf_counter() - started:.1f} s (seed {seed}; not written:"
            f" {NOT_WRITABLE}{'' if features.check('avif') else ', AVIF'})"
        )
        local, local_rate = probe_locally(samples)
        server, base = start_server(folder)
        try:
            print(f"server: {asyncio.run(check_routes(base, samples[0]))}")
            runs = {"local": local}
            rates = {"local": local_rate}
            for route in ("range", "whole"):
                urls = [f"{base}/{route}/{sample.path.name}" for sample in samples]
                runs[route], rates[route] = asyncio.run(probe_over_http(urls, concurrency))
        finally:
            server.terminate()
            server.wait()
    print()
    print("bytes read per image (K = KiB); %file = local median share of the file")
    print("\n".join(table(samples, runs)))
    print()
    for run_name, label in (
        ("local", "probe_file"),
        ("range", "HTTP, Range"),
        ("whole", "HTTP, no Range"),
    ):
        read = sum(outcome.bytes_read for outcome in runs[run_name])
        print(
            f"{label:<15} {rates[run_name]:>7,.0f} probes/s   {read / 2**20:>7.2f} MiB read in all"
            f" ({read / total * 100:.2f} % of the corpus)"
        )
    print(
        f"HTTP concurrency {concurrency}; peak RSS of this process"
        f" {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    wrong: list[str] = []
    unanswered: list[str] = []
    for run_name, outcomes in runs.items():
        found = disagreements(samples, outcomes, run_name)
        wrong += found[0]
        unanswered += found[1]
    print(f"answers that disagree with Pillow: {len(wrong)}")
    print("\n".join(wrong[:50]))
    print(f"images with no answer: {len(unanswered)}")
    print("\n".join(unanswered[:50]))
    return 1 if wrong or unanswered else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10, help="images per variant")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=32, help="HTTP probes in flight")
    parser.add_argument("--serve", type=Path, metavar="DIR", help="only serve DIR")
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(serve(args.serve))
        return 0
    if args.count < 1 or args.concurrency < 1:
        parser.error("--count and --concurrency must be at least 1")
    return run(args.count, args.seed, args.concurrency)


if __name__ == "__main__":
    raise SystemExit(main())
