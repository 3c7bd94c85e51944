"""What a new user hit (issue 11), output: stdout carries data, stderr the messages, and
the terminal summary is short, honest and says what was written.
"""

from __future__ import annotations

import asyncio
import os
import pty
import sys
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from test_cli import GOOD_ARTICLE, copy_articles, site_options

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
