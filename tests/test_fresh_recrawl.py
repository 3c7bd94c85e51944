"""A re-crawl inside --stale-after: fresh files are hashed, not parsed, and shown as before.

The loopback site of ``test_state_crawl`` counts requests.  Whether a file was
parsed is observed through a real limit: a front matter larger than
``max_front_matter_bytes`` is rejected when it is parsed, so a fresh file that
stays ``unchanged`` under a tiny limit was not parsed.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from test_cli import run_crawler
from test_state_crawl import BROKEN, IMAGE, PAGE, CountingSite, config_for, site

from crawler.pipeline import CrawlOptions, CrawlRun, crawl
from crawler.reports import RENDERERS

__all__ = ["site"]  # the fixture, used by every test here

# Every kind of row: a checked page, a broken link, an image whose declared size is
# wrong, one declared as strings, a URL with a fragment and one with a password,
# values that are no URL (a number, a relative path) and a related article's fields.
ARTICLE = f"""---
title: Story
originalUrl: "{PAGE}#top"
webUrl: "{PAGE}"
ampWebUrl: "{BROKEN}"
cdnAmpWebUrl: 42
images:
  - url: "{IMAGE}"
    width: 3
    height: 1
  - url: "http://editor:s3cret@{IMAGE.removeprefix("http://")}"
    width: "2"
    height: "1"
  - not/a/url.gif
related:
  - webUrl: "{BROKEN}"
    images:
      - url: "{IMAGE}"
        width: 2
        height: 1
---
Body.
"""
TINY = 16  # bytes: any parsed front matter here is larger than this


def write_corpus(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "a.md").write_text(ARTICLE)
    (folder / "b.md").write_text(ARTICLE.replace("title: Story", "title: Other"))
    return folder


def report_of(run: CrawlRun) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(RENDERERS[".json"](run))
    return document


def without_status(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in item.items() if key != "status"} for item in files]


async def crawl_once(site: CountingSite, tmp_path: Path) -> tuple[Path, Path, CrawlRun]:
    """The corpus crawled once with a state store and an hour's --stale-after."""
    folder = write_corpus(tmp_path / "articles")
    state = tmp_path / "state.db"
    first = await crawl(CrawlOptions((str(folder),)), config_for(site, state, stale_after=3600.0))
    return folder, state, first


async def crawl_twice(
    site: CountingSite, tmp_path: Path, **second: Any
) -> tuple[Path, CrawlRun, CrawlRun]:
    folder, state, first = await crawl_once(site, tmp_path)
    site.requests.clear()
    again_config = config_for(site, state, stale_after=3600.0, **second)
    again = await crawl(CrawlOptions((str(folder),)), again_config)
    return folder, first, again


async def test_a_fresh_unchanged_file_is_not_parsed_again(
    site: CountingSite, tmp_path: Path
) -> None:
    _, first, again = await crawl_twice(site, tmp_path, max_front_matter_bytes=TINY)

    assert site.requests == []
    assert [item.status for item in first.files] == ["enriched", "enriched"]
    assert [item.status for item in again.files] == ["unchanged", "unchanged"]  # not rejected
    assert len(again.links) == len(first.links) == 2 * 9


async def test_a_file_changed_since_is_parsed_and_its_new_url_checked(
    site: CountingSite, tmp_path: Path
) -> None:
    folder, state, _ = await crawl_once(site, tmp_path)
    config = config_for(site, state, stale_after=3600.0)
    site.requests.clear()
    path = folder / "b.md"
    path.write_text(path.read_text().replace(f'webUrl: "{PAGE}"', f'webUrl: "{PAGE}/new"', 1))

    again = await crawl(CrawlOptions((str(folder),)), config)

    assert [path for path in site.paths() if path != "/robots.txt"] == ["/story/new"]
    assert [item.status for item in again.files] == ["unchanged", "enriched"]
    changed = [row.link for row in again.links if row.file.endswith("b.md")]
    assert [(link.url, link.status) for link in changed][1] == (f"{PAGE}/new", 404)
    limited = config_for(site, state, stale_after=3600.0, max_front_matter_bytes=TINY)
    path.write_text(path.read_text() + "\nEdited.\n")
    last = await crawl(CrawlOptions((str(folder),)), limited)
    assert [item.status for item in last.files] == ["unchanged", "rejected"]  # b.md was parsed


async def test_a_fresh_recrawl_reports_the_rows_of_the_crawl_that_checked_them(
    site: CountingSite, tmp_path: Path
) -> None:
    _, first, again = await crawl_twice(site, tmp_path)

    before, after = report_of(first), report_of(again)
    assert after["links"] == before["links"]
    assert without_status(after["files"]) == without_status(before["files"])
    assert after["summary"]["images"] == before["summary"]["images"]
    mismatched = [
        row for row in after["links"] if (row.get("image") or {}).get("sizeMatches") is False
    ]
    assert [row["field"] for row in mismatched] == ["images[0].url", "images[0].url"]
    shown = {row["url"] for row in after["links"]}
    assert "s3cret" not in json.dumps(after) and f"{PAGE}#top" not in shown
    invalid = {row["field"]: row["detail"] for row in after["links"] if row["result"] == "invalid"}
    assert invalid == {"cdnAmpWebUrl": "not a string: int", "images[2]": "not an absolute URL"}


async def test_a_record_of_an_older_crawler_is_parsed_once_then_kept_with_its_fields(
    site: CountingSite, tmp_path: Path
) -> None:
    folder, state, first = await crawl_once(site, tmp_path)
    with sqlite3.connect(state) as connection:  # as a crawler without field plans left it
        connection.execute("UPDATE file_checks SET fields = NULL")
    connection.close()
    limited = config_for(site, state, stale_after=3600.0, max_front_matter_bytes=TINY)

    parsed = await crawl(CrawlOptions((str(folder),)), limited)
    assert [item.status for item in parsed.files] == ["rejected", "rejected"]
    upgraded = await crawl(
        CrawlOptions((str(folder),)), config_for(site, state, stale_after=3600.0)
    )
    assert report_of(upgraded)["links"] == report_of(first)["links"]
    unparsed = await crawl(CrawlOptions((str(folder),)), limited)
    assert [item.status for item in unparsed.files] == ["unchanged", "unchanged"]
    assert site.requests.count("GET /gone") == 1  # the first crawl's: the rest stayed fresh


async def test_crawler_report_after_a_fresh_recrawl_shows_that_run(
    site: CountingSite, tmp_path: Path
) -> None:
    _, _, again = await crawl_twice(site, tmp_path)
    state = tmp_path / "state.db"

    code, stdout, stderr = await run_crawler(
        ["report", "--state", str(state), "--format", "json"], Path.cwd()
    )

    assert code == 1, stderr  # the broken link
    stored, crawled = json.loads(stdout), report_of(again)
    assert [(item["file"], item["status"]) for item in stored["files"]] == [
        (item["file"], item["status"]) for item in crawled["files"]
    ]
    # The stored report knows no declared sizes, nor what a value that is no URL was
    # (a number is "not an absolute URL" there): its rows are the crawl's but for those.
    keys = ("file", "field", "url", "result", "status")
    assert sorted(tuple(row[key] for key in keys) for row in stored["links"]) == sorted(
        tuple(row[key] for key in keys) for row in crawled["links"]
    )
    assert stored["summary"]["byResult"] == crawled["summary"]["byResult"]


async def test_a_stale_url_named_by_a_fresh_and_a_changed_file_is_requested_again(
    site: CountingSite, tmp_path: Path
) -> None:
    folder, state, _ = await crawl_once(site, tmp_path)
    config = config_for(site, state, stale_after=3600.0)
    with sqlite3.connect(state) as connection:  # the page's check, older than the window
        connection.execute(
            "UPDATE url_checks SET checked_at = '2000-01-01T00:00:00.000000+00:00' WHERE url = ?",
            (PAGE,),
        )
    connection.close()
    path = folder / "b.md"
    path.write_text(path.read_text().replace("title: Other", "title: Other, updated"))
    site.requests.clear()

    again = await crawl(CrawlOptions((str(folder),)), config)

    assert [item.status for item in again.files] == ["unchanged", "enriched"]
    assert "/story" in site.paths()  # for b.md, though a.md (fresh) names it too
