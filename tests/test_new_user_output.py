"""What a new user hit (issue 11), output: stdout carries data, stderr the messages, and
the terminal summary is short, honest and says what was written.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import sys
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from test_cli import GOOD_ARTICLE, copy_articles, run_crawler, site_options

from crawler.demo.site import RunningSite, serve_example_site


@pytest.fixture
async def site() -> AsyncIterator[RunningSite]:
    async with serve_example_site() as running:
        yield running


async def run_with_terminal_stderr(args: Sequence[str], cwd: Path) -> tuple[int, str, str]:
    """The crawler with stdout piped (as under ``> file``) and stderr on a terminal."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the terminal's last writer is gone
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    environment.pop("NO_COLOR", None)
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "crawler", *args,
            cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=slave, env=environment,
        )  # fmt: skip
        os.close(slave)
        stdout, _ = await process.communicate()
        await asyncio.to_thread(reader.join, 10)
    finally:
        os.close(master)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), b"".join(chunks).decode(errors="replace")


async def test_dry_run_diff_on_stdout_holds_no_progress_bar_and_no_summary(
    site: RunningSite, tmp_path: Path
) -> None:
    articles = copy_articles(tmp_path, [GOOD_ARTICLE])
    args = ["crawl", str(articles), "--dry-run", "--no-state", *site_options(site)]
    code, stdout, terminal = await run_with_terminal_stderr(args, tmp_path)
    assert code == 0, terminal
    assert stdout.startswith("--- ") and "\n+++ " in stdout
    assert "\x1b" not in stdout and "\r" not in stdout
    assert "checking URLs" not in stdout and "Checked" not in stdout
    assert "URLs named by 1 file" in terminal


async def test_summary_cuts_a_huge_url_counts_in_the_singular_and_ends_with_the_verdict(
    tmp_path: Path,
) -> None:
    huge = "not a url " + "a" * 200_000
    (tmp_path / "a.md").write_text(f'---\ntitle: x\noriginalUrl: "{huge}"\n---\n')
    args = ["crawl", "a.md", "--no-state", "--report", "r.json"]
    code, stdout, _ = await run_crawler(args, tmp_path)
    assert code == 1
    lines = stdout.splitlines()
    assert max(len(line) for line in lines) < 200
    assert lines[0].startswith("Checked 1 URL named by 1 file (0 rejected, 0 skipped) in ")
    assert "…[199" in stdout  # how much was cut
    assert lines[-2:] == ["Reports: r.json", "FAILED: 1 URL not ok (1 invalid)"]
    assert "\x1b" not in stdout  # not a terminal: no colour


async def test_summary_after_refresh_lists_what_it_corrected_not_as_stale(
    site: RunningSite, tmp_path: Path
) -> None:
    articles = copy_articles(tmp_path, ["009_3f1a7c2e9b40d815.md", "017_b5e09d4c2a7f1e83.md"])
    args = ["refresh", str(articles), "--no-state", *site_options(site)]
    _, stdout, _ = await run_crawler(args, tmp_path)
    assert "Refreshed: 4 fields in 2 files, each old value kept under crawl.previous" in stdout
    assert "Stale:" not in stdout, stdout


async def test_summary_on_a_terminal_is_coloured_and_says_ok_in_its_last_line(
    site: RunningSite, tmp_path: Path
) -> None:
    articles = copy_articles(tmp_path, [GOOD_ARTICLE])
    args = ["crawl", str(articles), "--dry-run", "--no-state", *site_options(site)]
    code, _, terminal = await run_with_terminal_stderr(args, tmp_path)
    assert code == 0
    last = terminal.rstrip().splitlines()[-1]
    assert last == "\x1b[1;32mOK: every URL ok or skipped by policy, 1 file processed\x1b[0m"
    assert "\x1b[32mok 8\x1b[0m" in terminal


async def test_no_progress_drops_the_bar_but_keeps_the_summary(
    site: RunningSite, tmp_path: Path
) -> None:
    articles = copy_articles(tmp_path, [GOOD_ARTICLE])
    args = ["crawl", str(articles), "--no-progress", "--dry-run", "--no-state"]
    code, _, terminal = await run_with_terminal_stderr([*args, *site_options(site)], tmp_path)
    assert code == 0
    assert "checking URLs" not in terminal and "━" not in terminal
    assert "OK: every URL ok or skipped by policy, 1 file processed" in terminal


async def test_report_dash_writes_the_report_alone_on_stdout(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: x\noriginalUrl: not a url\n---\n")
    args = ["crawl", "a.md", "--no-state", "--report", "-", "--format", "json"]
    code, stdout, stderr = await run_crawler(args, tmp_path)
    assert code == 1
    report = json.loads(stdout)
    assert report["summary"]["byResult"]["invalid"] == 1
    assert "FAILED: 1 URL not ok (1 invalid)" in stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            ["--report", "-"], "--report - writes to stdout: name its format", id="no-format"
        ),
        pytest.param(
            ["--format", "json"], "--format FORMAT is the format of --report -", id="no-dash"
        ),
        pytest.param(
            ["--report", "-", "--format", "md", "--dry-run"], "both need stdout", id="dry-run"
        ),
        pytest.param(["--accept", "2xx"], "accept: '2xx' is not a status code", id="accept"),
        pytest.param(["-H", "Host: x"], "header Host: cannot be set with -H", id="header-host"),
        pytest.param(["--include", "("], "include pattern '('", id="include-regex"),
    ],
)
async def test_output_and_request_option_mistakes_are_one_line_and_exit_2(
    options: list[str], message: str, tmp_path: Path
) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: x\n---\n")
    code, stdout, stderr = await run_crawler(["crawl", "a.md", "--no-state", *options], tmp_path)
    assert code == 2
    assert message in stderr.strip().splitlines()[-1], stderr  # argparse puts usage first
    assert stdout == ""
