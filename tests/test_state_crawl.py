"""The state store in a crawl: conditional rechecks, the stale window, bounds, the lock, reports.

A loopback server counts every request it gets (and the conditional headers it
saw), so each test says exactly which requests a second crawl makes.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from failure_site import serving
from PIL import Image
from test_cli import run_crawler

from crawler.config import Config, ConnectTo
from crawler.pipeline import CrawlOptions, CrawlRun, crawl
from crawler.read.frontmatter import parse_front_matter
from crawler.state.sqlite import SqliteStore

HOST = "news.example"
PAGE = f"http://{HOST}/story"
IMAGE = f"http://{HOST}/hero.gif"
BROKEN = f"http://{HOST}/gone"


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (2, 1)).save(buffer, "GIF")
    return buffer.getvalue()


GIF = _gif()
HTML = b"<!doctype html><html><head><title>Story</title></head><body>Hi</body></html>"


@dataclass
class CountingSite:
    port: int
    requests: list[str] = field(default_factory=list)  # "METHOD path [conditional]"

    def paths(self) -> list[str]:
        return [line.split()[1] for line in self.requests]


def make_app(site: CountingSite) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        conditional = "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
        site.requests.append(
            f"{request.method} {request.path}{' conditional' if conditional else ''}"
        )
        if request.path == "/gone":
            return web.Response(status=404, text="gone")
        if request.path == "/robots.txt":
            return web.Response(status=404)
        if request.path == "/story":
            body, kind = HTML, "text/html; charset=utf-8"
        elif request.path == "/hero.gif":
            body, kind = GIF, "image/gif"
        else:
            return web.Response(status=404)
        etag = f'"{request.path.strip("/")}-v1"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"Content-Type": kind, "ETag": etag})

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    return app


@pytest.fixture
async def site() -> AsyncIterator[CountingSite]:
    counting = CountingSite(0)
    async with serving(make_app(counting)) as port:
        counting.port = port
        yield counting


ARTICLE = f"""---
title: Story
webUrl: "{PAGE}"
ampWebUrl: "{BROKEN}"
images:
  - url: "{IMAGE}"
    width: 2
    height: 1
---
Body.
"""


def write_articles(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "a.md").write_text(ARTICLE)
    return folder


def config_for(site: CountingSite, state: Path, **changes: Any) -> Config:
    return Config(
        state=state,
        connect_to=(ConnectTo.parse(f"{HOST}:80:127.0.0.1:{site.port}"),),
        min_interval=0.0,
        retries=0,
        soft404_probe=False,  # its random-path request would muddle the counts
        seed=5,
        **changes,
    )


async def run_twice(site: CountingSite, tmp_path: Path, **second: Any) -> tuple[CrawlRun, CrawlRun]:
    folder = write_articles(tmp_path / "articles")
    state = tmp_path / "state.db"
    first = await crawl(CrawlOptions((str(folder),)), config_for(site, state))
    site.requests.clear()
    again = await crawl(CrawlOptions((str(folder),)), config_for(site, state, **second))
    return first, again


async def test_a_recheck_is_conditional_and_a_304_reuses_what_was_learned(
    site: CountingSite, tmp_path: Path
) -> None:
    first, again = await run_twice(site, tmp_path)

    assert sorted(site.requests) == [
        "GET /gone",  # a failure is asked again, and never conditionally
        "GET /hero.gif conditional",
        "GET /robots.txt",
        "GET /story conditional",
    ]
    image = next(row for row in again.links if row.field == "images[0].url")
    assert image.result.image is not None and image.result.image.info is not None
    assert (image.result.image.info.width, image.result.image.info.height) == (2, 1)
    page = next(row for row in again.links if row.field == "webUrl")
    assert page.link.detail is not None and "304" in page.link.detail
    # What the page said, learned by the first run, is what the second run recorded.
    store = await SqliteStore.open(tmp_path / "state.db")
    try:
        recorded = (await store.last_checks([page.link.url]))[page.link.url]
    finally:
        await store.close()
    assert recorded.extra["page"]["title"] == "Story"
    assert recorded.detail is not None and "304" in recorded.detail
    assert [row.link.result for row in again.links] == [row.link.result for row in first.links]


async def test_a_recrawl_inside_the_stale_window_makes_no_request(
    site: CountingSite, tmp_path: Path
) -> None:
    folder = write_articles(tmp_path / "articles")
    before = (folder / "a.md").read_bytes()
    first, again = await run_twice(site, tmp_path, stale_after=3600.0)

    assert site.requests == []
    assert (folder / "a.md").read_bytes() != before  # the first crawl wrote its block...
    assert [outcome.status for outcome in again.files] == ["unchanged"]  # ...the second none
    assert [row.link.result for row in again.links] == [row.link.result for row in first.links]


async def test_a_changed_file_is_not_fresh_but_its_fresh_urls_are_not_asked_again(
    site: CountingSite, tmp_path: Path
) -> None:
    folder = write_articles(tmp_path / "articles")
    state = tmp_path / "state.db"
    await crawl(CrawlOptions((str(folder),)), config_for(site, state))
    site.requests.clear()
    path = folder / "a.md"
    path.write_text(path.read_text().replace("title: Story", "title: Story, updated"))

    again = await crawl(CrawlOptions((str(folder),)), config_for(site, state, stale_after=3600.0))

    assert site.requests == []
    assert [outcome.status for outcome in again.files] == ["enriched"]  # its block, rebuilt
    assert parse_front_matter(path.read_bytes(), path).data["title"] == "Story, updated"


async def test_only_failed_asks_only_what_failed(site: CountingSite, tmp_path: Path) -> None:
    _, again = await run_twice(site, tmp_path, only_failed=True)

    assert site.requests == ["GET /robots.txt", "GET /gone"]
    assert {row.field: row.link.result.value for row in again.links} == {
        "webUrl": "ok",
        "ampWebUrl": "broken",
        "images[0].url": "ok",
    }


async def test_max_urls_asks_the_stalest_first_and_defers_the_rest(
    site: CountingSite, tmp_path: Path
) -> None:
    folder = write_articles(tmp_path / "articles")
    run = await crawl(
        CrawlOptions((str(folder),)), config_for(site, tmp_path / "state.db", max_urls=1)
    )

    fetched = [path for path in site.paths() if path != "/robots.txt"]
    assert len(fetched) == 1
    skipped = [row for row in run.links if row.link.result.value == "skipped"]
    assert len(skipped) == 2
    assert all("--max-urls" in (row.link.detail or "") for row in skipped)


async def test_no_state_remembers_nothing(site: CountingSite, tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "articles")
    for _ in range(2):
        await crawl(CrawlOptions((str(folder),)), config_for(site, None, stale_after=3600.0))
    assert site.paths().count("/story") == 2
    assert not await asyncio.to_thread(lambda: list(tmp_path.glob("*.db")))


HOLD_LOCK = """
import sys
from pathlib import Path
from crawler.state.lock import RunLock
with RunLock.for_run(Path(sys.argv[1]), [Path(sys.argv[2])], command="holder"):
    print("held", flush=True)
    sys.stdin.read()
"""


async def test_a_second_crawl_while_another_holds_the_lock_exits_3_naming_the_holder(
    tmp_path: Path,
) -> None:
    folder = write_articles(tmp_path / "articles")
    state = tmp_path / "state.db"
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLD_LOCK,
        str(state),
        str(folder),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"held\n"
        code, _, stderr = await run_crawler(
            ["crawl", "articles", "--state", str(state), "--no-robots"], tmp_path
        )
    finally:
        await asyncio.wait_for(holder.communicate(b""), 30)
    assert code == 3
    lines = stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"pid {holder.pid}" in lines[0] and "holder" in lines[0]
    assert (folder / "a.md").read_text() == ARTICLE  # nothing was touched


async def test_crawler_report_renders_every_format_from_the_store(
    site: CountingSite, tmp_path: Path
) -> None:
    folder = write_articles(tmp_path / "articles")
    state = tmp_path / "state.db"
    await crawl(CrawlOptions((str(folder),)), config_for(site, state))
    await crawl(CrawlOptions((str(folder),)), config_for(site, state))

    async def report(*args: str) -> str:
        code, stdout, stderr = await run_crawler(["report", "--state", str(state), *args], tmp_path)
        assert code == 1, stderr  # one link is broken
        return stdout

    document = json.loads(await report("--format", "json"))
    assert document["summary"]["byResult"]["broken"] == 1
    assert {row["field"] for row in document["links"]} == {"webUrl", "ampWebUrl", "images[0].url"}
    rows = list(csv.DictReader(io.StringIO(await report("--format", "csv"))))
    assert [row["result"] for row in rows if row["field"] == "ampWebUrl"] == ["broken"]
    assert "| broken |" in await report("--format", "md")
    suite = ElementTree.fromstring(await report("--format", "junit"))
    assert suite.get("failures") == "1"
    html = await report("--format", "html")
    assert html.startswith("<!doctype html>") and BROKEN in html
    text = await report()
    assert "broken" in text and BROKEN in text
    first = json.loads(await report("--format", "json", "--run", "1"))
    assert first["summary"]["urls"] == 3
    code, _, stderr = await run_crawler(["report", "--state", str(state), "--run", "9"], tmp_path)
    assert code == 2 and "no run 9" in stderr


async def test_schedule_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    write_articles(tmp_path / "articles")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "crawler",
        "schedule",
        "articles",
        "--every",
        "6h",
        "-v",
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    line = await asyncio.wait_for(process.stderr.readline(), 30)
    assert b"next run at" in line
    process.terminate()
    await asyncio.wait_for(process.wait(), 30)
    assert process.returncode == 0
