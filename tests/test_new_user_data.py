"""What a new user hit (issue 11), data and safety: nothing of theirs is lost or overwritten.

Each test runs the crawler as a process, as a user would, and fails on the code
before the fix it protects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from test_cli import GOOD_ARTICLE, copy_articles, run_crawler, site_options

from crawler.demo.site import RunningSite, example_articles, serve_example_site


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
        pytest.param("read-only.json", id="read-only-report"),
    ],
)
async def test_report_that_cannot_be_written_stops_the_run_before_any_article_is_touched(
    report: str, tmp_path: Path
) -> None:
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: x\n---\nbody\n")
    (tmp_path / "regular").write_text("a file, not a folder\n")
    (tmp_path / "read-only.json").write_text("{}\n")
    (tmp_path / "read-only.json").chmod(0o444)
    args = ["crawl", "a.md", "--no-state", "--report", "ok.json", "--report", report]
    code, stdout, stderr = await run_crawler(args, tmp_path)
    assert code == 2
    assert stderr.count("\n") == 1 and report in stderr
    assert stdout == ""
    assert article.read_text() == "---\ntitle: x\n---\nbody\n"
    assert not (tmp_path / "ok.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["crawl", "a.md", "--no-state", "--config", "latin1.toml"],
            "latin1.toml: not UTF-8 (byte 0xe9 at offset",
            id="latin1-config",
        ),
        pytest.param(
            ["crawl", "a.md", "--no-state", "--cacert", "not-pem.crt"],
            "--cacert not-pem.crt: no PEM CA certificate in it",
            id="crawl-cacert-not-pem",
        ),
        pytest.param(
            ["probe", "https://example.com/a.png", "--cacert", "not-pem.crt"],
            "--cacert not-pem.crt: no PEM CA certificate in it",
            id="probe-cacert-not-pem",
        ),
    ],
)
async def test_unusable_config_or_cacert_is_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path
) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: x\n---\n")
    (tmp_path / "latin1.toml").write_bytes("timeout = 5\n# café\n".encode("latin-1"))
    (tmp_path / "not-pem.crt").write_text("this is not a certificate\n")
    code, stdout, stderr = await run_crawler(args, tmp_path)
    assert code == 2
    assert stderr.count("\n") == 1 and message in stderr, stderr
    assert stdout == ""
    assert (tmp_path / "a.md").read_text() == "---\ntitle: x\n---\n"


async def test_report_out_into_a_folder_that_does_not_exist_creates_it(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: x\n---\n")
    code, _, stderr = await run_crawler(["crawl", "a.md"], tmp_path)
    assert code == 0, stderr
    args = ["report", "--format", "json", "--out", "new/folder/report.json"]
    code, stdout, stderr = await run_crawler(args, tmp_path)
    assert (code, stdout, stderr) == (0, "", "")
    assert (tmp_path / "new" / "folder" / "report.json").read_text().startswith("{")


async def test_a_crawl_that_learns_nothing_new_leaves_every_article_byte_identical(
    site: RunningSite, tmp_path: Path
) -> None:
    names = sorted(path.name for path in example_articles().iterdir())[:8]
    articles = copy_articles(tmp_path, names)
    args = ["crawl", str(articles), *site_options(site), "--no-soft404-probe"]
    first_code, _, _ = await run_crawler(args, tmp_path)
    first = {path.name: path.read_bytes() for path in sorted(articles.iterdir())}
    times = {path.name: path.stat().st_mtime_ns for path in sorted(articles.iterdir())}
    await run_crawler(args, tmp_path)
    second = {path.name: path.read_bytes() for path in sorted(articles.iterdir())}
    changed = [name for name in first if first[name] != second[name]]
    assert changed == []
    code, _, stderr = await run_crawler([*args, "--max-urls", "0"], tmp_path)
    assert code == first_code, stderr  # each URL keeps its last result
    assert {path.name: path.stat().st_mtime_ns for path in articles.iterdir()} == times
