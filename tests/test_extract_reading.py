"""How much of a page the crawl reads: the head, and a bounded part of the body when
the head leaves a field empty (``crawler.extract.read_enough``, used by ``page_ready``).

Unit cases on byte prefixes, then a real fetch from an aiohttp server on 127.0.0.1
(a name mapped with ``--connect-to``), comparing what the crawl extracts with what
``crawler extract URL`` extracts from the whole page.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from conftest import StaticResolver

from crawler.checks.pages import PageChecker, PageStop, extract_url, page_ready
from crawler.config import Config, ConnectTo
from crawler.extract import extract, read_enough
from crawler.extract.reading import BODY_BUDGET
from crawler.fetch import Fetcher

FULL_HEAD = (
    b"<!doctype html><html><head><title>Bridge reopens | Daily Planet</title>"
    b'<meta name="description" content="The bridge is open.">'
    b'<meta property="og:image" content="https://cdn.example/b.jpg">'
    b'<meta property="article:published_time" content="2024-07-09T10:00:00Z">'
    b'<meta name="author" content="Jane Doe">'
    b'<meta property="og:site_name" content="Daily Planet"></head>'
)
SPARSE_HEAD = b"<!doctype html><html><head><title>Bridge reopens | Daily Planet</title></head>"
NAV = b"<body><nav>" + b'<a href="/section">Section</a>' * 1500 + b"</nav>"  # about 45 KB
ARTICLE = (
    b'<article><h1>Bridge reopens</h1><p class="byline">By Ann Lee</p>'
    b'<span class="date">July 9, 2024 10:15 AM ET</span>'
    b"<p>The harbour bridge reopened on Tuesday after eleven months of repairs, cutting the "
    b"morning commute for forty thousand drivers by half an hour.</p>"
    b'<img src="/img/bridge.jpg" width="1200" height="675"></article>'
)
FILLER = b"<p>" + b"More of the page. " * 20 + b"</p>"
HTML = {"content-type": "text/html; charset=utf-8"}


def test_nothing_is_enough_before_the_head_ends() -> None:
    assert not read_enough(FULL_HEAD[:-10])


def test_a_head_that_answers_every_field_is_enough() -> None:
    assert read_enough(FULL_HEAD + b"<body><p>")


def test_a_head_that_leaves_fields_empty_reads_on_into_the_body() -> None:
    assert not read_enough(SPARSE_HEAD + NAV + ARTICLE)


def test_reading_stops_at_the_body_budget_past_the_head() -> None:
    body = NAV + FILLER * (BODY_BUDGET // len(FILLER) + 1)
    assert read_enough(SPARSE_HEAD + body[:BODY_BUDGET])
    assert not read_enough(SPARSE_HEAD + body[: BODY_BUDGET - 1])


def test_page_ready_keeps_its_rules_for_other_bodies() -> None:
    assert page_ready({"content-type": "image/png"}, b"\x89PNG" + b"\x00" * 60)
    assert not page_ready(HTML, SPARSE_HEAD + NAV)


PAGES = {
    "/sparse": SPARSE_HEAD + NAV + ARTICLE + FILLER * 1500 + b"</body></html>",
    "/full": FULL_HEAD + NAV + ARTICLE + FILLER * 1500 + b"</body></html>",
}


@pytest.fixture
async def site() -> AsyncIterator[TestServer]:
    async def handle(request: web.Request) -> web.Response:
        return web.Response(body=PAGES[request.path], content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/{name}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


def config_for(server: TestServer) -> Config:
    mapping = ConnectTo.parse(f"pages.example:80:127.0.0.1:{server.port}")
    return Config(connect_to=(mapping,), robots=False, min_interval=0.0, retries=0, timeout=10.0)


async def crawl_and_extract(server: TestServer, path: str) -> tuple[object, object, int]:
    config, url = config_for(server), f"http://pages.example{path}"
    async with Fetcher(config, resolver=StaticResolver()) as fetcher:
        checked = await PageChecker(fetcher, soft_404_probe=False, rng=random.Random(1)).check(url)
    _, whole = await extract_url(url, config, StaticResolver())
    return checked.page, whole, checked.bytes_read


async def test_crawl_reads_the_article_when_the_head_is_sparse_and_agrees_with_extract(
    site: TestServer,
) -> None:
    crawled, whole, read = await crawl_and_extract(site, "/sparse")
    assert crawled == whole
    assert getattr(crawled, "published_at", None) == "2024-07-09T14:15:00Z"
    assert getattr(crawled, "author", None) == "Ann Lee"
    assert len(SPARSE_HEAD) + len(NAV) < read <= len(SPARSE_HEAD) + BODY_BUDGET + 16 * 1024
    assert read < len(PAGES["/sparse"]) // 2


async def test_crawl_stops_at_the_head_when_the_head_answers_every_field(
    site: TestServer,
) -> None:
    crawled, whole, read = await crawl_and_extract(site, "/full")
    assert crawled == whole
    assert read <= 2 * 16 * 1024


SAVED = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


@pytest.mark.parametrize("path", sorted(SAVED.glob("*.html")), ids=lambda path: path.stem)
def test_what_the_crawl_reads_gives_the_same_answers_as_the_whole_page(path: Path) -> None:
    # Small reads, so that the stop rule can cut even these small saved pages short.
    data, headers, read = path.read_bytes(), {"content-type": "text/html"}, b""
    for start in range(0, len(data), 256):
        read += data[start : start + 256]
        if page_ready(headers, read):
            break
    url = "https://www.example.com/news/story.html"
    assert extract(read, url, "text/html") == extract(data, url, "text/html")


@pytest.mark.parametrize("path", sorted(SAVED.glob("*.html")), ids=lambda path: path.stem)
def test_a_fetch_stop_rule_stops_where_page_ready_stops(path: Path) -> None:
    data, headers = path.read_bytes(), {"content-type": "text/html"}
    stop = PageStop()
    for end in range(256, len(data) + 256, 256):
        assert stop(headers, data[:end]) is page_ready(headers, data[:end])


def test_a_fetch_stop_rule_starts_again_on_a_new_response() -> None:
    stop = PageStop()
    first = SPARSE_HEAD + NAV
    assert not stop(dict(HTML), first)
    # A retry's body: its own headers, and a head that declares every field.
    assert stop(dict(HTML), FULL_HEAD + b"<body><p>")
    assert stop({"content-type": "application/pdf"}, b"%PDF" + b"-" * 60)


def test_pages_sharing_their_first_bytes_are_judged_by_their_own_heads() -> None:
    shared = b"<!doctype html><html><head><style>" + b".a{color:red}" * 400 + b"</style>"
    full = shared + FULL_HEAD.split(b"<head>", 1)[1] + b"<body><p>"
    sparse = shared + b"<title>Other page | Daily Planet</title></head>" + NAV
    assert read_enough(full)
    assert not read_enough(sparse)
    assert read_enough(full + b"more")
