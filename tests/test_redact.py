"""A password in a URL goes to the server that asked for it, and nowhere else.

One crawl, as a real ``crawler`` process at ``-vv`` with every report format and
a state file, of an article whose URLs carry ``user:s3cret`` (and a redirect
whose Location carries it): the server receives the Authorization header, while
stdout, stderr, every report, the crawl block and every table of the state
store show ``user:***`` at most.  A second crawl still finds the first one's
checks under the real URLs.
"""

from __future__ import annotations

import base64
import io
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from aiohttp import web
from failure_site import serving
from PIL import Image
from test_cli import outside_block, run_crawler

from crawler.checks.plan import Limits, plan_checks
from crawler.outcomes import Result
from crawler.read.article import UrlKind
from crawler.read.frontmatter import parse_front_matter
from crawler.state import SqliteStore, UrlCheckRecord
from crawler.state.migrations import MIGRATIONS

HOST = "news.example.com"
PASSWORD = "s3cret"
CREDENTIALS = f"user:{PASSWORD}"
BASIC = "Basic " + base64.b64encode(CREDENTIALS.encode()).decode()
SECRET = f"http://{CREDENTIALS}@{HOST}"


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (2, 1)).save(buffer, "GIF")
    return buffer.getvalue()


PAGE = (
    b"<!doctype html><html><head><title>Story</title>"
    b'<link rel="canonical" href="/secret/story">'
    b'<link rel="amphtml" href="/secret/amp">'
    b'<meta property="og:image" content="/secret/hero.gif">'
    b"</head><body>Hi</body></html>"
)


@dataclass
class AuthSite:
    port: int = 0
    seen: list[tuple[str, str | None, bool]] = field(default_factory=list)  # path, auth, cond.

    def authorized(self, path: str) -> list[bool]:
        return [auth == BASIC for seen, auth, _ in self.seen if seen == path]


def make_app(site: AuthSite) -> web.Application:
    redirects = {
        # The article names this one without credentials: only the Location has them.
        "/secret/moved": f"{SECRET}/secret/story",
        "/secret/hero-moved.gif": f"{SECRET}/secret/hero.gif",
        "/secret/loop": f"{SECRET}/secret/loop-again",
        "/secret/loop-again": f"{SECRET}/secret/loop",
    }

    async def handle(request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization")
        conditional = "If-None-Match" in request.headers
        site.seen.append((request.path, auth, conditional))
        if request.path in redirects:
            return web.Response(status=302, headers={"Location": redirects[request.path]})
        if request.path == "/robots.txt" or not request.path.startswith("/secret/"):
            return web.Response(status=404)
        if auth != BASIC:
            return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="x"'})
        if request.path == "/secret/story":
            if conditional:
                return web.Response(status=304, headers={"ETag": '"v1"'})
            return web.Response(body=PAGE, content_type="text/html", headers={"ETag": '"v1"'})
        if request.path == "/secret/hero.gif":
            return web.Response(body=_gif(), content_type="image/gif")
        return web.Response(status=404, text="gone")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    return app


@pytest.fixture
async def site() -> AsyncIterator[AuthSite]:
    auth_site = AuthSite()
    async with serving(make_app(auth_site)) as port:
        auth_site.port = port
        yield auth_site


ARTICLE = f"""---
title: Story
originalUrl: "http://{HOST}/secret/moved"
webUrl: "{SECRET}/secret/story"
ampWebUrl: "{SECRET}/secret/gone"
cdnAmpWebUrl: "http://{CREDENTIALS}@{HOST}:99999/c/s/story"
images:
  - url: "{SECRET}/secret/hero-moved.gif"
    width: 2
    height: 1
related:
  - title: Loop
    webUrl: "{SECRET}/secret/loop"
---
Body.
"""
REPORTS = ("report.json", "report.csv", "report.md", "report.html", "report.xml")


def _state_dump(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


async def _crawl(site: AuthSite, tmp_path: Path) -> tuple[int, str, str]:
    options = ["--connect-to", f"{HOST}:80:127.0.0.1:{site.port}", "--retries", "0"]
    options += ["--state", "state.db", "-vv"]
    for report in REPORTS:
        options += ["--report", report]
    return await run_crawler(["crawl", "articles", *options], tmp_path)


async def test_a_password_in_a_url_reaches_the_server_and_nothing_the_crawler_shows_or_keeps(
    site: AuthSite, tmp_path: Path
) -> None:
    article = tmp_path / "articles" / "a.md"
    article.parent.mkdir()
    article.write_text(ARTICLE)

    code, stdout, stderr = await _crawl(site, tmp_path)

    assert code == 1, stderr  # a 404, a loop and an invalid URL among the links
    # The requests carried the password: every request for a protected page did.
    assert site.authorized("/secret/story") and all(site.authorized("/secret/story"))
    assert all(site.authorized("/secret/hero.gif")) and site.authorized("/secret/hero.gif")
    assert f"{HOST}/secret/gone" in stdout  # the summary lists the broken link...
    assert "user:***@" in stdout  # ...as user:***@, the user name kept
    shown = {"stdout": stdout, "stderr": stderr}
    shown |= {name: (tmp_path / name).read_text() for name in REPORTS}
    written = parse_front_matter(article.read_bytes(), article)
    shown["crawl block"] = yaml.safe_dump(written.data["crawl"])
    shown["state store"] = _state_dump(tmp_path / "state.db")
    for where, text in shown.items():
        assert PASSWORD not in text, where
        assert BASIC.split()[1] not in text, where
    # Every other byte of the article, the user's own URLs included, is as it was.
    assert outside_block(article.read_bytes()) == outside_block(ARTICLE.encode())
    assert "user:***@" in shown["crawl block"] and "user:***@" in shown["state store"]


async def test_the_next_crawl_finds_the_checks_stored_under_the_redacted_urls(
    site: AuthSite, tmp_path: Path
) -> None:
    article = tmp_path / "articles" / "a.md"
    article.parent.mkdir()
    article.write_text(ARTICLE)
    await _crawl(site, tmp_path)
    site.seen.clear()

    code, _, stderr = await _crawl(site, tmp_path)

    assert code == 1, stderr
    # Found by its real URL: the last check was ok with an ETag, so it is asked again
    # conditionally (directly, and at the end of originalUrl's redirect), with the password.
    story = [
        (auth, conditional) for path, auth, conditional in site.seen if path == "/secret/story"
    ]
    assert story == [(BASIC, True), (BASIC, True)]
    assert PASSWORD not in _state_dump(tmp_path / "state.db")


async def test_two_passwords_of_one_url_share_one_stored_record_and_a_failure_wins(
    tmp_path: Path,
) -> None:
    one, two = "https://u:one@h.example/", "https://u:two@h.example/"
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    async with await SqliteStore.open(tmp_path / "state.db") as store:
        run_id = await store.begin_run(moment, {})
        await store.record_checks(
            run_id,
            [
                UrlCheckRecord(url=one, result=Result.OK, checked_at=moment),
                UrlCheckRecord(url=two, result=Result.BLOCKED, status=401, checked_at=moment),
            ],
        )
        found = await store.last_checks([one, two])
        history = await store.history([one, two])
    assert {url: (check.url, check.result) for url, check in found.items()} == {
        one: ("https://u:***@h.example/", Result.BLOCKED),
        two: ("https://u:***@h.example/", Result.BLOCKED),
    }
    assert {url: item.consecutive_failures for url, item in history.items()} == {one: 1, two: 1}
    dump = _state_dump(tmp_path / "state.db")
    assert ":one@" not in dump and ":two@" not in dump


async def test_a_later_batch_with_another_password_replaces_a_success_by_a_failure_only(
    tmp_path: Path,
) -> None:
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    urls = [f"https://u:{word}@h.example/" for word in ("one", "two", "three")]
    async with await SqliteStore.open(tmp_path / "state.db") as store:
        run_id = await store.begin_run(moment, {})
        for url, result in zip(urls, (Result.OK, Result.BROKEN, Result.OK), strict=True):
            await store.record_checks(
                run_id, [UrlCheckRecord(url=url, result=result, checked_at=moment)]
            )
        [kept] = await store.run_checks(run_id)
        [history] = (await store.history(urls[:1])).values()
    assert (kept.url, kept.result) == ("https://u:***@h.example/", Result.BROKEN)
    assert history.consecutive_failures == 1


def test_a_resumed_run_counts_a_url_with_a_password_among_those_it_already_checked() -> None:
    url, stored = "https://u:pw@h.example/", "https://u:***@h.example/"
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    record = UrlCheckRecord(url=stored, result=Result.OK, checked_at=moment)
    plan = plan_checks({url: UrlKind.PAGE}, {url}, {url: record}, moment, Limits(), done={stored})
    assert plan.to_check == {} and plan.reused[url].link.url == stored


def _make_v2_database_with_passwords(path: Path) -> None:
    """A state file as crawlers before the fix wrote it: URLs with their passwords."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.executescript(f"{MIGRATIONS[0]};{MIGRATIONS[1]}; PRAGMA user_version = 2;")
        stamp = "2026-03-01T12:00:00.000000+00:00"
        connection.execute(
            "INSERT INTO runs (id, started_at, finished_at) VALUES (1, ?, ?)", (stamp, stamp)
        )
        for url, result in (
            (f"{SECRET}/a", "ok"),
            ("http://user:other@news.example.com/a", "broken"),
        ):
            connection.execute(
                "INSERT INTO url_checks (run_id, url, result, final_url, detail, checked_at, extra)"
                " VALUES (1, ?, ?, ?, ?, ?, ?)",
                (
                    url,
                    result,
                    url + "/",
                    f"redirect loop at {url}",
                    stamp,
                    f'{{"page": {{"url": "{url}"}}}}',
                ),
            )
            connection.execute(
                "INSERT INTO url_history (url, first_seen, last_result) VALUES (?, ?, ?)",
                (url, stamp, result),
            )
        connection.execute(
            "INSERT INTO file_links VALUES (1, 'a.md', 'webUrl', ?)", (f"{SECRET}/a",)
        )
        connection.execute(
            "INSERT INTO file_checks VALUES (1, 'a.md', ?, 'ok', '', ?)",
            (stamp, f'{{"findings": [{{"detail": "canonical is {SECRET}/b"}}]}}'),
        )
    finally:
        connection.close()


def _bytes_beside(path: Path) -> bytes:
    """The database file and whatever SQLite keeps beside it (-wal, -shm, -journal)."""
    return b"".join(file.read_bytes() for file in path.parent.glob(f"{path.name}*"))


async def test_a_state_file_from_before_keeps_no_password_once_opened(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _make_v2_database_with_passwords(path)
    assert PASSWORD.encode() in _bytes_beside(path)

    async with await SqliteStore.open(path) as store:
        found = await store.last_checks([f"{SECRET}/a"])
        history = await store.history([f"{SECRET}/a"])

    assert found[f"{SECRET}/a"].url == f"http://user:***@{HOST}/a"
    assert history[f"{SECRET}/a"].url == f"http://user:***@{HOST}/a"
    assert PASSWORD not in _state_dump(path) and "other" not in _state_dump(path)
    assert PASSWORD.encode() not in _bytes_beside(path)  # deleted bytes, journal included
