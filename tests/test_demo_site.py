"""The example site behind ``crawler demo``: every bundled URL answers as the catalog says.

Integration tests over aiohttp's test server (plain HTTP, Host header set by
hand), plus the real ``serve_example_site()`` over HTTPS, verified against its
own CA with the TLS name of a public host while connecting to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from protego import Protego
from yarl import URL

from crawler.demo import RunningSite, build_app, example_articles, serve_example_site
from crawler.demo.catalog import (
    AMP_SWITCHED_OFF,
    BEHAVIOURS,
    EDITS,
    IMAGE_FILES,
    REDIRECTS,
    RETRY_AFTER,
    SLOW_DELAY,
    STATIC_FILES,
    Behaviour,
)
from crawler.demo.content import STATIC, SiteContent, load_content
from crawler.demo.responses import byte_range

TECHWIRE_PAGE = (
    "https://techwireasia.com/2021/01/which-country-leads-the-innovation-charge-in-ai-research/"
)
TECHWIRE_IMAGE = "https://cdn.techwireasia.com/wp-content/uploads/2021/01/000_8ZH7HR-450x300.jpg"
IBTIMES_IMAGE = (
    "https://s1.ibtimes.com/sites/www.ibtimes.com/files/styles/full/public/2021/01/25/"
    "people-have-their-faces-scanned-as-they-arrive.jpg"
)
HANGING = next(url for url, mode in BEHAVIOURS.items() if mode is Behaviour.HANGING)

# The status of the first request to a URL with a failure mode.
FIRST_STATUS = {
    Behaviour.NOT_FOUND: 404,
    Behaviour.GONE: 410,
    Behaviour.FLAKY: 503,
    Behaviour.SLOW: 200,
    Behaviour.BOT_WALL: 403,
    Behaviour.RATE_LIMITED: 429,
    Behaviour.SOFT_404: 200,
    Behaviour.HTML_INSTEAD_OF_IMAGE: 200,
}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def content() -> SiteContent:
    """The bundle, read once: it is immutable; per-site state lives in each app."""
    return load_content()


@pytest.fixture
async def client(content: SiteContent) -> AsyncIterator[TestClient[Any, Any]]:
    """A fresh site (counters at zero) behind aiohttp's test server."""
    async with TestClient(TestServer(build_app(content))) as test_client:
        yield test_client


def split(url: str) -> tuple[str, dict[str, str]]:
    """The path to request from the test server, and the Host header naming the site."""
    match = re.fullmatch(r"https?://([^/]+)(/.*)?", url)
    assert match is not None, url
    return match.group(2) or "/", {"Host": match.group(1)}


async def fetch(
    client: TestClient[Any, Any], url: str, **headers: str
) -> tuple[aiohttp.ClientResponse, bytes]:
    path, host = split(url)
    response = await client.get(path, headers={**host, **headers}, allow_redirects=False)
    return response, await response.read()


@dataclass(frozen=True)
class Link:
    file: str
    field: str
    url: str

    def __str__(self) -> str:
        return f"{self.file}:{self.field}"


def front_matter(path: Path) -> dict[str, Any] | None:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        return None
    try:
        data = yaml.safe_load(text[4 : text.index("\n---\n", 3)])
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def bundled_links() -> Iterator[Link]:
    """Every (file, field, URL) of the readable bundled articles, named as in reports."""
    for path in sorted(example_articles().glob("*.md")):
        front = front_matter(path)
        if front is None:
            continue
        entries = [("", front)] + [
            (f"related[{i}].", entry) for i, entry in enumerate(front.get("related") or ())
        ]
        for prefix, entry in entries:
            for name in ("originalUrl", "webUrl", "ampWebUrl", "cdnAmpWebUrl"):
                if name in entry:
                    yield Link(path.name, prefix + name, str(entry[name]))
            for i, image in enumerate(entry.get("images") or ()):
                yield Link(path.name, f"{prefix}images[{i}].url", str(image["url"]))


LINKS = [link for link in bundled_links() if link.url.startswith("https://")]


# ---------------------------------------------------------------------------
# The bundle
# ---------------------------------------------------------------------------


def test_the_bundle_covers_every_file_shape() -> None:
    files = {path.name: path.read_bytes() for path in example_articles().glob("*.md")}
    assert len(files) >= 22
    assert any(data.startswith(b"\xef\xbb\xbf---") for data in files.values())
    assert any(b"\r\n" in data for data in files.values())
    assert any(b"\n# " in data.split(b"\n---\n")[0] for data in files.values())
    assert any(not data.startswith((b"---", b"\xef\xbb\xbf")) for data in files.values())
    unreadable = [name for name, data in files.items() if data.startswith(b"---")]
    assert sum(front_matter(example_articles() / name) is None for name in unreadable) >= 2
    assert any(link.url == "n/a" for link in bundled_links())


def test_static_pictures_are_what_the_catalog_says() -> None:
    total = 0
    for name, info in STATIC_FILES.items():
        path = STATIC / name
        total += path.stat().st_size
        with Image.open(path) as picture:
            assert Image.MIME[picture.format or ""] == info.media_type, name
            assert picture.size == (info.width, info.height), name
            assert picture.getexif().get(0x0112) == info.exif_orientation, name
    assert total < 300_000
    with Image.open(STATIC / "skyline-900x500.jpg") as progressive:
        assert progressive.info.get("progressive") == 1
    assert set(IMAGE_FILES.values()) <= set(STATIC_FILES)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-10", (990, 999)),
        ("bytes=900-5000", (900, 999)),
        ("bytes=1000-1001", (1000, 999)),  # unsatisfiable: first >= size
        ("bytes=-0", (1000, 1000)),  # unsatisfiable
        ("bytes=-5000", (0, 999)),
        (None, None),
        ("bytes=5-1", None),  # invalid, ignored
        ("bytes=0-1,5-6", None),  # several ranges: ignored
        ("items=0-1", None),
        ("bytes=-", None),
    ],
    ids=lambda value: repr(value),
)
def test_byte_range_follows_rfc_9110(source: str | None, expected: tuple[int, int] | None) -> None:
    assert byte_range(source, 1000) == expected


# ---------------------------------------------------------------------------
# Every bundled URL
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("link", [link for link in LINKS if link.url != HANGING], ids=str)
async def test_every_bundled_url_answers_as_intended(
    client: TestClient[Any, Any], link: Link
) -> None:
    response, body = await fetch(client, link.url)
    if link.url in REDIRECTS:
        assert response.status == REDIRECTS[link.url].status
        assert response.headers["Location"] == REDIRECTS[link.url].location
    elif link.url in BEHAVIOURS:
        assert response.status == FIRST_STATUS[BEHAVIOURS[link.url]]
        assert response.content_type == "text/html"
    elif link.url in IMAGE_FILES:
        assert response.status == 200
        assert response.content_type == STATIC_FILES[IMAGE_FILES[link.url]].media_type
        assert body == (STATIC / IMAGE_FILES[link.url]).read_bytes()
    else:
        assert response.status == 200
        assert response.content_type == "text/html"
        assert 8_000 < len(body) < 64_000
        if "amp" in link.field.lower() and link.url not in AMP_SWITCHED_OFF:
            assert '<html ⚡ lang="en">' in body.decode()


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


async def test_article_page_describes_itself_like_a_news_site(
    client: TestClient[Any, Any],
) -> None:
    response, body = await fetch(client, TECHWIRE_PAGE)
    page = body.decode()
    title = "Which country leads the innovation charge in AI research?"
    assert response.status == 200
    assert 20_000 <= len(body) <= 64_000
    assert f"<title>{title} | techwireasia.com</title>" in page
    for tag in ("og:title", "og:description", "og:url", "og:site_name", "og:type"):
        assert f'property="{tag}"' in page
    assert f'<meta property="og:image" content="{TECHWIRE_IMAGE}">' in page
    assert '<meta property="og:image:width" content="450">' in page
    assert '<meta property="og:image:height" content="300">' in page
    assert '<meta property="article:published_time" content="2021-01-28T04:51:00Z">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert f'<link rel="canonical" href="{TECHWIRE_PAGE}">' in page
    assert '<link rel="amphtml" href="https://techwireasia.com/amp/2021/01/' in page
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', page)
    assert script is not None
    assert json.loads(script.group(1))["@type"] == "NewsArticle"


async def test_pages_repeat_front_matter_except_where_edited(
    client: TestClient[Any, Any], content: SiteContent
) -> None:
    for url, edit in EDITS.items():
        _, body = await fetch(client, url)
        if edit.title:
            assert f'<meta property="og:title" content="{escape(edit.title)}">' in body.decode()
        if edit.description:
            assert f'content="{escape(edit.description)}">' in body.decode()
    fresh = [page for page in content.pages.values() if page.url not in EDITS]
    assert len(fresh) > 20
    for page in fresh[:3]:
        _, body = await fetch(client, page.url)
        assert f"<h1>{escape(page.title)}</h1>" in body.decode()


async def test_amp_cache_serves_the_amp_copy_under_c_s(client: TestClient[Any, Any]) -> None:
    origin = (
        "https://techwireasia.com/amp/2021/01/"
        "which-country-leads-the-innovation-charge-in-ai-research/"
    )
    cache = "https://techwireasia-com.cdn.ampproject.org/c/s/" + origin.removeprefix("https://")
    _, direct = await fetch(client, origin)
    _, cached = await fetch(client, cache)
    assert direct == cached
    assert f'<link rel="canonical" href="{TECHWIRE_PAGE}">' in direct.decode()


async def test_host_header_chooses_the_site_and_its_port_is_ignored(
    client: TestClient[Any, Any],
) -> None:
    path, _ = split(TECHWIRE_PAGE)
    on_site = await client.get(path, headers={"Host": "techwireasia.com:443"})
    elsewhere = await client.get(path, headers={"Host": "www.eweek.com"})
    unknown = await client.get(path, headers={"Host": "unknown.example"})
    assert (on_site.status, elsewhere.status, unknown.status) == (200, 404, 404)
    for response in (on_site, elsewhere, unknown):
        response.release()


async def test_unknown_paths_get_a_404_page(client: TestClient[Any, Any]) -> None:
    response, body = await fetch(client, "https://www.eweek.com/no/such/page/")
    assert response.status == 404
    assert b"<title>Page not found</title>" in body


# ---------------------------------------------------------------------------
# Failure modes
# ---------------------------------------------------------------------------


def url_of(mode: Behaviour) -> str:
    return next(url for url, behaviour in BEHAVIOURS.items() if behaviour is mode)


@pytest.mark.parametrize(
    ("mode", "status"), [(Behaviour.NOT_FOUND, 404), (Behaviour.GONE, 410)], ids=str
)
async def test_missing_articles_stay_missing(
    client: TestClient[Any, Any], mode: Behaviour, status: int
) -> None:
    for _ in range(2):
        response, _ = await fetch(client, url_of(mode))
        assert response.status == status


async def test_flaky_page_fails_once_then_answers(client: TestClient[Any, Any]) -> None:
    first, _ = await fetch(client, url_of(Behaviour.FLAKY))
    second, body = await fetch(client, url_of(Behaviour.FLAKY))
    assert (first.status, second.status) == (503, 200)
    assert b'property="og:title"' in body


async def test_rate_limited_page_asks_to_retry_after_then_answers(
    client: TestClient[Any, Any],
) -> None:
    first, _ = await fetch(client, url_of(Behaviour.RATE_LIMITED))
    second, _ = await fetch(client, url_of(Behaviour.RATE_LIMITED))
    assert (first.status, first.headers["Retry-After"]) == (429, str(RETRY_AFTER))
    assert second.status == 200


async def test_bot_wall_is_a_cloudflare_challenge(client: TestClient[Any, Any]) -> None:
    response, body = await fetch(client, url_of(Behaviour.BOT_WALL))
    assert response.status == 403
    assert response.headers["cf-mitigated"] == "challenge"
    assert b"<title>Just a moment...</title>" in body


async def test_soft_404_is_a_200_page_not_found(client: TestClient[Any, Any]) -> None:
    response, body = await fetch(client, url_of(Behaviour.SOFT_404))
    assert response.status == 200
    assert b"<title>Page not found</title>" in body


async def test_image_url_can_serve_an_html_error_page(client: TestClient[Any, Any]) -> None:
    url = url_of(Behaviour.HTML_INSTEAD_OF_IMAGE)
    response, body = await fetch(client, url)
    assert url.endswith(".jpg")
    assert (response.status, response.content_type) == (200, "text/html")
    assert body.startswith(b"<!doctype html>")


async def test_slow_page_answers_after_a_delay(client: TestClient[Any, Any]) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    response, _ = await fetch(client, url_of(Behaviour.SLOW))
    assert response.status == 200
    assert loop.time() - started >= SLOW_DELAY * 0.9


async def follow(
    client: TestClient[Any, Any], url: str, limit: int
) -> list[tuple[int, str | None]]:
    """Follow redirects hop by hop, every hop back to the test server: (status, Location)."""
    hops: list[tuple[int, str | None]] = []
    current = URL(url)
    for _ in range(limit):
        response, _ = await fetch(client, str(current))
        location = response.headers.get("Location")
        hops.append((response.status, location))
        if location is None:
            break
        current = current.join(URL(location))
    return hops


async def test_redirect_chain_ends_at_the_article(client: TestClient[Any, Any]) -> None:
    start = "https://www.zdnet.com/article/google-ai-translation-model-2021/"
    hops = await follow(client, start, limit=5)
    assert hops == [
        (301, "https://www.zdnet.com/article/google-ai-translation-model/"),
        (302, "/article/googles-new-ai-model-translates-speech-across-100-languages/"),
        (200, None),
    ]


async def test_redirect_loop_never_settles(client: TestClient[Any, Any]) -> None:
    start = "https://www.siliconrepublic.com/machines/quantum-inspired-ai-drug-discovery-ireland"
    hops = await follow(client, start, limit=6)
    assert [status for status, _ in hops] == [301] * 6
    assert len({location for _, location in hops}) == 2


async def test_robots_txt_disallows_one_article_and_varies_by_host(
    client: TestClient[Any, Any],
) -> None:
    reuters = "https://www.reuters.com/investigates/special-report/tech-chips-ai-race/"
    _, rules = await fetch(client, "https://www.reuters.com/robots.txt")
    assert not Protego.parse(rules.decode()).can_fetch(reuters, "feed-crawler")
    assert any(link.url == reuters for link in LINKS)
    _, allow_all = await fetch(client, "https://www.eweek.com/robots.txt")
    assert Protego.parse(allow_all.decode()).can_fetch("https://www.eweek.com/x", "feed-crawler")
    missing, _ = await fetch(client, "https://cdn.vox-cdn.com/robots.txt")
    assert missing.status == 404


# ---------------------------------------------------------------------------
# Images and Range
# ---------------------------------------------------------------------------


async def test_image_range_request_gets_206_and_content_range(
    client: TestClient[Any, Any],
) -> None:
    whole = (STATIC / IMAGE_FILES[TECHWIRE_IMAGE]).read_bytes()
    response, body = await fetch(client, TECHWIRE_IMAGE, Range="bytes=0-1023")
    assert response.status == 206
    assert response.headers["Content-Range"] == f"bytes 0-1023/{len(whole)}"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert body == whole[:1024]
    tail, body = await fetch(client, TECHWIRE_IMAGE, Range="bytes=-16")
    assert (tail.status, body) == (206, whole[-16:])


async def test_unsatisfiable_range_gets_416(client: TestClient[Any, Any]) -> None:
    size = (STATIC / IMAGE_FILES[TECHWIRE_IMAGE]).stat().st_size
    response, _ = await fetch(client, TECHWIRE_IMAGE, Range=f"bytes={size}-")
    assert response.status == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"


async def test_one_image_host_ignores_range(client: TestClient[Any, Any]) -> None:
    whole = (STATIC / IMAGE_FILES[IBTIMES_IMAGE]).read_bytes()
    response, body = await fetch(client, IBTIMES_IMAGE, Range="bytes=0-1023")
    assert response.status == 200
    assert "Content-Range" not in response.headers
    assert "Accept-Ranges" not in response.headers
    assert body == whole


async def test_head_on_an_image_sends_its_length_without_a_body(
    client: TestClient[Any, Any],
) -> None:
    path, host = split(TECHWIRE_IMAGE)
    async with client.head(path, headers=host) as response:
        assert response.status == 200
        assert int(response.headers["Content-Length"]) == len(
            (STATIC / IMAGE_FILES[TECHWIRE_IMAGE]).read_bytes()
        )
        assert await response.read() == b""


# ---------------------------------------------------------------------------
# Stats
# ---------------------------------------------------------------------------


async def test_stats_count_requests_per_host_and_path(client: TestClient[Any, Any]) -> None:
    for _ in range(2):
        await fetch(client, TECHWIRE_PAGE)
    await fetch(client, "https://www.reuters.com/robots.txt")
    response = await client.get("/__stats", headers={"Host": "anything.example"})
    stats = await response.json()
    assert stats["total"] == 3
    assert stats["requests"]["techwireasia.com"][split(TECHWIRE_PAGE)[0]] == 2
    assert stats["requests"]["www.reuters.com"]["/robots.txt"] == 1


# ---------------------------------------------------------------------------
# The real thing: HTTP and HTTPS on 127.0.0.1
# ---------------------------------------------------------------------------


def trusting(site: RunningSite) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(site.cacert))


async def get_over_tls(
    session: aiohttp.ClientSession, site: RunningSite, url: str
) -> aiohttp.ClientResponse:
    """Connect to 127.0.0.1 but verify the certificate for the URL's real host name."""
    path, host = split(url)
    return await session.get(
        f"https://127.0.0.1:{site.https_port}{path}",
        headers=host,
        server_hostname=host["Host"],
        ssl=trusting(site),
    )


async def test_serve_example_site_answers_over_https_and_http() -> None:
    async with aiohttp.ClientSession() as session, serve_example_site() as site:
        assert site.cacert.is_file()
        async with await get_over_tls(session, site, TECHWIRE_PAGE) as response:
            assert response.status == 200
            assert b'property="og:title"' in await response.read()
        path, host = split(TECHWIRE_IMAGE)
        async with session.get(f"http://127.0.0.1:{site.http_port}{path}", headers=host) as plain:
            assert (plain.status, plain.content_type) == (200, "image/jpeg")
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await get_over_tls(session, site, "https://not-in-the-certificate.example/")
    assert not site.cacert.exists()


async def test_connect_to_sends_every_host_to_the_site() -> None:
    async with serve_example_site() as site:
        rules = site.connect_to()
    assert {"techwireasia.com", "www-theverge-com.cdn.ampproject.org"} <= set(site.hostnames)
    assert len(rules) == 2 * len(site.hostnames)
    for rule in rules:
        assert rule.target_host == "127.0.0.1"
        expected = {443: site.https_port, 80: site.http_port}[rule.port or 0]
        assert rule.target_port == expected
        assert rule.matches(rule.host, rule.port or 0)


async def test_hanging_page_drips_until_the_site_stops() -> None:
    async with aiohttp.ClientSession() as session:
        async with serve_example_site() as site:
            response = await get_over_tls(session, site, HANGING)
            assert response.status == 200
            assert "Content-Length" not in response.headers
            assert await response.content.readexactly(1) == b"<"
        # The site has stopped: the drip ended cleanly, so the body is complete.
        async with asyncio.timeout(5):
            rest = await response.read()
        assert len(rest) < 64
        response.release()
    assert [task for task in asyncio.all_tasks() if task is not asyncio.current_task()] == []


async def test_site_stops_cleanly_after_a_client_abandons_the_drip() -> None:
    async with aiohttp.ClientSession() as session, serve_example_site() as site:
        response = await get_over_tls(session, site, HANGING)
        await response.content.readexactly(1)
        response.close()
