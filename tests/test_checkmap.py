"""The run-wide URL -> check map: bounded memory, the rest on disk, nothing changed by it.

Unit tests drive :class:`CheckMap` with a tiny in-memory part so that every
operation meets the disk.  The crawl tests run the same corpus with a map that
holds everything and with one that holds four checks, against a loopback server
that counts requests: the files and the report must be the same, byte for byte
(the clock's fields aside), and no URL may be asked twice.
"""

from __future__ import annotations

import functools
import os
import re
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from failure_site import serving

import crawler.pipeline
import crawler.run.feed
from crawler.checks.image_probe import ImageProbe
from crawler.checks.images.info import ImageInfo
from crawler.checks.url_check import UrlCheck
from crawler.config import Config, ConnectTo
from crawler.extract import PageMetadata
from crawler.outcomes import LinkResult, Result
from crawler.pipeline import CrawlOptions, crawl
from crawler.reports import write_report
from crawler.run.checkmap import CheckMap, decode, encode
from crawler.run.feed import Feed
from tests.images.craft import png_chunk

PAGE = UrlCheck(
    LinkResult(
        "http://a.example/p", Result.OK, 200, "http://a.example/q", 1, 2, 34, "moved", "text/html"
    ),
    page=PageMetadata(
        "Title",
        "Description",
        "http://a.example/q",
        "http://a.example/amp",
        "http://i.example/1.jpg",
        640,
        480,
        "2024-01-02T03:04:05Z",
        "2024-01-03",
        "Site",
        "Ann, Bo",
        "en-GB",
        "article",
        True,
    ),
    soft_404="the title says not found",
    etag='"v1"',
    last_modified="Mon, 01 Jan 2024 00:00:00 GMT",
    bytes_read=12345,
)
IMAGE = UrlCheck(
    LinkResult("http://i.example/1.jpg", Result.OK, 206, content_type="image/jpeg"),
    image=ImageProbe(ImageInfo("jpeg", 640, 480, 6), "why not", 2048, 2, '"e"', "Tue"),
)
BROKEN = UrlCheck(LinkResult("http://a.example/\udcff", Result.BROKEN, 404))


def check(number: int) -> UrlCheck:
    return UrlCheck(LinkResult(f"http://a.example/{number}", Result.OK, 200))


def open_files() -> set[str]:
    """What this process has open, by name ("... (deleted)" for an unlinked file)."""
    names = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            names.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue  # the listing's own descriptor, closed by now
    return names


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir(), reason="needs /proc to see the open files"
)


def spill_files(before: set[str]) -> list[str]:
    """The unlinked files opened since ``before``: the map's anonymous SQLite file."""
    return [name for name in open_files() - before if name.endswith("(deleted)")]


def fill(checks: CheckMap, count: int = 1500) -> None:
    """More than SQLite's page cache holds (8 MiB), so that its file is really written."""
    for number in range(count):
        text = f"{number} " * 2000
        checks[f"u{number}"] = UrlCheck(check(number).link, page=PageMetadata(description=text))


# -- the encoding ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [PAGE, IMAGE, BROKEN], ids=["page", "image", "broken"])
def test_a_check_survives_encoding_unchanged(value: UrlCheck) -> None:
    assert decode(encode(value)) == value


def test_the_sample_checks_set_every_field_so_a_new_field_is_covered() -> None:
    empty = LinkResult("", Result.SKIPPED)
    defaults = [UrlCheck(empty), PageMetadata(), empty]
    samples = [PAGE, PAGE.page, PAGE.link]
    for sample, default in zip(samples, defaults, strict=True):
        same = [name for name in sample.__slots__ if name != "image"
                and getattr(sample, name) == getattr(default, name)]  # fmt: skip
        assert same == [], f"{type(sample).__name__} fields left at their default: {same}"
    assert IMAGE.image is not None and None not in [
        getattr(IMAGE.image, name) for name in IMAGE.image.__slots__
    ]


# -- the map -----------------------------------------------------------------------------


def test_the_map_keeps_every_check_while_holding_few_in_memory() -> None:
    with CheckMap(recent=4, spill=2) as checks:
        for number in range(100):
            checks[f"u{number}"] = check(number)
        assert len(checks) == 100
        assert len(checks._recent) <= 6  # the bound under test
        assert all(checks[f"u{number}"] == check(number) for number in range(100))
        assert checks.get("missing") is None and "missing" not in checks
        assert "u0" in checks and "u99" in checks


def test_membership_of_a_batch_mixes_memory_and_disk() -> None:
    with CheckMap(recent=4, spill=2) as checks:
        for number in range(50):
            checks[f"u{number}"] = check(number)
        asked = [f"u{number}" for number in range(0, 60, 5)] + ["other"]
        assert checks.known(asked) == {f"u{number}" for number in range(0, 50, 5)}
        assert checks.known([]) == set()


def test_a_check_set_again_replaces_the_one_on_disk_and_counts_once() -> None:
    with CheckMap(recent=4, spill=2) as checks:
        for number in range(20):
            checks[f"u{number}"] = check(number)
        checks["u0"] = PAGE  # u0 is on disk by now
        assert checks["u1"] == check(1)  # read from disk, left there
        checks["u1"] = IMAGE
        for number in range(20, 40):
            checks[f"u{number}"] = check(number)  # both written back to disk again
        assert len(checks) == 40
        assert (checks["u0"], checks["u1"]) == (PAGE, IMAGE)
        assert sorted(checks) == sorted(f"u{number}" for number in range(40))


def test_a_url_with_a_lone_surrogate_is_kept_like_any_other() -> None:
    with CheckMap(recent=1, spill=1) as checks:
        checks["http://a.example/\udcff"] = BROKEN
        for number in range(5):
            checks[f"u{number}"] = check(number)
        assert checks.known(["http://a.example/\udcff"]) == {"http://a.example/\udcff"}
        assert checks["http://a.example/\udcff"] == BROKEN


def test_deleting_removes_from_memory_and_disk() -> None:
    with CheckMap(recent=2, spill=1) as checks:
        for number in range(10):
            checks[f"u{number}"] = check(number)
        del checks["u0"], checks["u9"]
        assert len(checks) == 8 and "u0" not in checks and "u9" not in checks
        with pytest.raises(KeyError):
            del checks["u0"]


@needs_proc
def test_a_map_that_fits_in_memory_opens_no_file() -> None:
    before = open_files()
    with CheckMap(recent=8, spill=2) as checks:
        for number in range(10):
            checks[f"u{number}"] = check(number)
        assert spill_files(before) == []


@needs_proc
def test_the_disk_part_has_no_name_and_is_gone_once_closed() -> None:
    before = open_files()
    checks = CheckMap(recent=2, spill=1)
    fill(checks)
    held = spill_files(before)
    assert len(held) == 1  # unlinked as soon as it was created: no other process can open it
    checks.close()
    assert spill_files(before) == []
    assert len(checks) == 0 and checks.get("u0") is None


@needs_proc
def test_the_disk_part_is_gone_after_an_exception() -> None:
    before = open_files()
    with pytest.raises(ZeroDivisionError), CheckMap(recent=2, spill=1) as checks:
        fill(checks)
        assert len(spill_files(before)) == 1
        raise ZeroDivisionError
    assert spill_files(before) == []


@needs_proc
def test_the_disk_part_is_readable_and_writable_by_its_owner_only() -> None:
    before = open_files()
    with CheckMap(recent=2, spill=1) as checks:
        fill(checks)
        modes = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}") in spill_files(before):
                    modes.append(os.stat(f"/proc/self/fd/{fd}").st_mode & 0o777)
            except OSError:
                continue  # the listing's own descriptor, closed by now
    assert modes == [0o600]


# -- in a crawl --------------------------------------------------------------------------

HOSTS = ("news.example", "img.example")
FILES = 40


@dataclass
class CountingSite:
    port: int = 0
    requests: list[str] = field(default_factory=list)


def png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IEND", b"")


@pytest.fixture
async def counting_site() -> AsyncIterator[CountingSite]:
    site = CountingSite()

    async def handle(request: web.Request) -> web.StreamResponse:
        site.requests.append(f"{request.host.split(':')[0]} {request.path}")
        number = int(request.match_info["number"])
        if request.path.startswith("/img/"):
            return web.Response(body=png(number + 1, 7), content_type="image/png")
        page = (
            f"<html><head><title>Story {number}</title>"
            f'<meta name="description" content="What happened in story {number}.">'
            f'<meta property="og:image" content="http://img.example/img/{number}.png">'
            f'<meta property="og:site_name" content="News"></head><body>x</body></html>'
        )
        return web.Response(text=page, content_type="text/html")

    async def no_robots(request: web.Request) -> web.StreamResponse:
        site.requests.append(f"{request.host.split(':')[0]} {request.path}")
        return web.Response(status=404)

    app = web.Application()
    app.router.add_get("/robots.txt", no_robots)
    app.router.add_get("/page/{number}", handle)
    app.router.add_get("/img/{number}.png", handle)
    async with serving(app) as port:
        site.port = port
        yield site


def write_articles(folder: Path) -> None:
    """Each file names its own page and image and an earlier story; the last, the first."""
    folder.mkdir()
    for number in range(FILES):
        related = 0 if number == FILES - 1 else number // 3
        (folder / f"a{number:03}.md").write_text(
            f'---\ntitle: "Article {number}"\n'
            f'originalUrl: "http://news.example/page/{number}"\n'
            f"images:\n  - url: http://img.example/img/{number}.png\n"
            f"    width: {number + 1}\n    height: 7\n"
            f'related:\n  - webUrl: "http://news.example/page/{related}"\n'
            f"    images:\n      - url: http://img.example/img/{related}.png\n"
            f"---\nBody {number}.\n"
        )


def crawl_config(site: CountingSite) -> Config:
    rules = tuple(ConnectTo.parse(f"{host}:80:127.0.0.1:{site.port}") for host in HOSTS)
    return Config(connect_to=rules, min_interval=0.0, retries=0, soft404_probe=False,
                  state=None, workers=1)  # fmt: skip


# What the clock decides: when the run was, and how long each request took.
CLOCK = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?|(elapsedMs\W+)\d+")


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): CLOCK.sub(lambda match: match[3] or b"", path.read_bytes())
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


async def crawl_into(
    site: CountingSite, articles: Path, out: Path, report: Path
) -> dict[str, bytes]:
    run = await crawl(CrawlOptions((str(articles),), out=out), crawl_config(site))
    write_report(run, report)
    return outputs(out) | {"report": outputs(report.parent)[report.name]}


async def test_a_run_too_big_for_memory_writes_what_a_run_that_fits_writes(
    counting_site: CountingSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = tmp_path / "articles"
    write_articles(articles)
    (tmp_path / "fits").mkdir()
    fits = await crawl_into(
        counting_site, articles, tmp_path / "out-fits", tmp_path / "fits/r.json"
    )
    asked_once = sorted(counting_site.requests)
    counting_site.requests.clear()
    # Four checks in memory, four files read at a time and at most eight held: the
    # last file is read long after the first story's check went to disk.
    small = CheckMap(recent=4, spill=2)
    monkeypatch.setattr(crawler.run.feed, "READ_BATCH", 4)
    monkeypatch.setattr(crawler.pipeline, "Feed", functools.partial(Feed, window=8, checks=small))
    (tmp_path / "spills").mkdir()
    spills = await crawl_into(
        counting_site, articles, tmp_path / "out-spills", tmp_path / "spills/r.json"
    )
    assert spills == fits
    assert sorted(counting_site.requests) == asked_once
    pages = [line for line in asked_once if not line.endswith("/robots.txt")]
    assert len(pages) == len(set(pages)) == 2 * FILES  # each distinct URL once per run
    assert b"Story 0" in fits[f"a{FILES - 1:03}.md"]  # the late file shows what page 0 said
