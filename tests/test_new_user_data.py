"""What a new user hit (issue 11), data and safety: nothing of theirs is lost or overwritten.

Each test runs the crawler as a process, as a user would, and fails on the code
before the fix it protects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from test_cli import GOOD_ARTICLE, copy_articles, run_crawler, site_options

from crawler.demo.site import RunningSite, serve_example_site


@pytest.fixture
async def site() -> AsyncIterator[RunningSite]:
    async with serve_example_site() as running:
        yield running


async def test_demo_never_deletes_files_the_user_kept_in_its_articles_folder(
    tmp_path: Path,
) -> None:
    kept = tmp_path / "out" / "articles" / "my-notes.md"
    kept.parent.mkdir(parents=True)
    kept.write_text("mine\n")
    code, _, stderr = await run_crawler(["demo", "--out", "out"], tmp_path)
    assert code == 2
    assert "my-notes.md" in stderr and "nothing was deleted" in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert kept.read_text() == "mine\n"


async def test_read_only_article_is_left_byte_for_byte_and_named_as_rejected(
    site: RunningSite, tmp_path: Path
) -> None:
    articles = copy_articles(tmp_path, [GOOD_ARTICLE])
    article = articles / GOOD_ARTICLE
    before = article.read_bytes()
    article.chmod(0o444)
    inode = article.stat().st_ino
    args = ["crawl", str(articles), "--no-state", *site_options(site)]
    code, _, stderr = await run_crawler(args, tmp_path)
    assert code == 1
    assert GOOD_ARTICLE in stderr and "read-only file (mode 0444)" in stderr
    assert article.read_bytes() == before
    assert article.stat().st_ino == inode


@pytest.mark.parametrize(
    "report",
    [
        pytest.param("regular/r.html", id="under-a-regular-file"),
        pytest.param("/proc/no-such/r.html", id="under-proc"),
    ],
)
async def test_report_that_cannot_be_written_stops_the_run_before_any_article_is_touched(
    report: str, tmp_path: Path
) -> None:
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: x\n---\nbody\n")
    (tmp_path / "regular").write_text("a file, not a folder\n")
    args = ["crawl", "a.md", "--no-state", "--report", "ok.json", "--report", report]
    code, stdout, stderr = await run_crawler(args, tmp_path)
    assert code == 2
    assert stderr.count("\n") == 1 and report in stderr
    assert stdout == ""
    assert article.read_text() == "---\ntitle: x\n---\nbody\n"
    assert not (tmp_path / "ok.json").exists()
