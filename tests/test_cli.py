"""CLI tests: ``crawler`` run as a real process over the example site on 127.0.0.1.

The site runs in the test's event loop; the crawler runs as a subprocess, reaching
the site's real-looking hostnames through its own ``--connect-to`` overrides.
Results are compared with the golden file fixtures/scenarios/example/expected.json.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.site import RunningSite, example_articles, serve_example_site
from crawler.read.frontmatter import parse_front_matter
from crawler.write.splice import without_crawl_block

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLDEN = FIXTURES / "scenarios" / "example" / "expected.json"
GOOD_ARTICLE = "004_745b48df8e056631.md"  # every URL of it answers 200


@pytest.fixture
async def site() -> AsyncIterator[RunningSite]:
    async with serve_example_site() as running:
        yield running


def site_options(site: RunningSite, timeout: str = "1", retries: str = "1") -> list[str]:
    """The options that point the crawler at the example site, with short budgets."""
    options = ["--cacert", str(site.cacert), "--timeout", timeout, "--retries", retries]
    options += ["--seed", "7"]
    for rule in site.connect_to():
        options += [
            "--connect-to",
            f"{rule.host}:{rule.port}:{rule.target_host}:{rule.target_port}",
        ]
    return options


async def run_crawler(args: Sequence[str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "crawler",
        *args,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def copy_articles(tmp_path: Path, names: Sequence[str] | None = None) -> Path:
    target = tmp_path / "articles"
    if names is None:
        shutil.copytree(example_articles(), target)
    else:
        target.mkdir()
        for name in names:
            shutil.copy(example_articles() / name, target / name)
    return target


def image_of(row: dict[str, Any]) -> str:
    """An image row's probe in a few words, for the golden file."""
    image = row["image"]
    if image is None:
        return ""
    if "error" in image:
        return f" | {image['error']}"
    found = f" | {image['format']} {image['width']}x{image['height']} o{image['orientation']}"
    return found + {True: " matches", False: " mismatch", None: ""}[image.get("sizeMatches")]


def outside_block(raw: bytes) -> str:
    return without_crawl_block(parse_front_matter(raw, Path("x.md")))


async def test_crawl_of_the_example_matches_golden_results_and_keeps_every_other_byte(
    site: RunningSite, tmp_path: Path
) -> None:
    articles = copy_articles(tmp_path)
    code, stdout, stderr = await run_crawler(
        [
            "crawl",
            "articles",
            "--report",
            "report.json",
            "--report",
            "report.md",
            *site_options(site),
        ],
        tmp_path,
    )
    assert code == 1, stderr  # the example breaks links on purpose
    report = json.loads((tmp_path / "report.json").read_text())
    got = {
        "files": {row["file"]: row["status"] for row in report["files"]},
        "links": {
            f"{row['file']} {row['field']}": f"{row['result']} {row['status']}{image_of(row)}"
            for row in report["links"]
        },
    }
    assert got == json.loads(GOLDEN.read_text())
    assert sum(report["summary"]["byResult"].values()) == report["summary"]["urls"]
    # One line on stderr per rejected or skipped file, naming it.
    for row in report["files"]:
        if row["status"] in ("rejected", "skipped"):
            assert row["file"] in stderr
            assert (articles.parent / row["file"]).read_bytes() == (
                example_articles() / Path(row["file"]).name
            ).read_bytes()
        else:
            before = (example_articles() / Path(row["file"]).name).read_bytes()
            after = (articles.parent / row["file"]).read_bytes()
            assert outside_block(after) == outside_block(before)
    assert "Links that are not ok" in stdout
    assert (tmp_path / "report.md").read_text().startswith("# Crawl report")


async def test_all_ok_article_exits_zero_and_a_second_crawl_replaces_the_block(
    site: RunningSite, tmp_path: Path
) -> None:
    articles = copy_articles(tmp_path, [GOOD_ARTICLE])
    original = (articles / GOOD_ARTICLE).read_bytes()
    for _ in range(2):
        code, _, stderr = await run_crawler(["crawl", str(articles), *site_options(site)], tmp_path)
        assert code == 0, stderr
    crawled = (articles / GOOD_ARTICLE).read_bytes()
    assert crawled.count(b"\ncrawl:") == 1
    assert crawled.startswith(original.split(b"\n---", 1)[0])
    assert outside_block(crawled) == original.decode()


async def test_dry_run_writes_nothing_and_prints_a_diff(site: RunningSite, tmp_path: Path) -> None:
    articles = copy_articles(tmp_path, [GOOD_ARTICLE])
    original = (articles / GOOD_ARTICLE).read_bytes()
    code, stdout, _ = await run_crawler(
        ["crawl", str(articles), "--dry-run", *site_options(site)], tmp_path
    )
    assert code == 0
    assert (articles / GOOD_ARTICLE).read_bytes() == original
    assert "+crawl:" in stdout
    assert f"+++ b/articles/{GOOD_ARTICLE}" in stdout


async def test_out_writes_enriched_copies_and_leaves_inputs_untouched(
    site: RunningSite, tmp_path: Path
) -> None:
    articles = copy_articles(tmp_path, [GOOD_ARTICLE])
    original = (articles / GOOD_ARTICLE).read_bytes()
    code, _, _ = await run_crawler(
        ["crawl", str(articles), "--out", "enriched", *site_options(site)], tmp_path
    )
    assert code == 0
    assert (articles / GOOD_ARTICLE).read_bytes() == original
    copy = (tmp_path / "enriched" / GOOD_ARTICLE).read_bytes()
    assert b"\ncrawl:" in copy
    assert outside_block(copy) == original.decode()


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(["crawl", "missing-folder"], "missing-folder", id="missing-path"),
        pytest.param(["crawl", ".", "--report", "out.txt"], "unknown format", id="report-format"),
        pytest.param(["crawl", ".", "--connect-to", "nonsense"], "connect-to", id="connect-to"),
        pytest.param(["crawl", ".", "--concurrency", "0"], "concurrency", id="concurrency"),
        pytest.param(["crawl", ".", "--config", "nope.toml"], "nope.toml", id="config-file"),
    ],
)
async def test_usage_errors_exit_2_with_one_line(
    args: list[str], message: str, tmp_path: Path
) -> None:
    code, stdout, stderr = await run_crawler(args, tmp_path)
    assert code == 2
    assert message in stderr
    assert stdout == ""


async def test_demo_runs_offline_and_writes_its_reports(tmp_path: Path) -> None:
    code, stdout, stderr = await run_crawler(["demo", "--out", "out"], tmp_path)
    assert code == 0, stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    by_result = report["summary"]["byResult"]
    assert all(by_result[name] > 0 for name in by_result), by_result
    assert (tmp_path / "out" / "report.html").read_text().startswith("<!doctype html>")
    assert "Checked" in stdout
