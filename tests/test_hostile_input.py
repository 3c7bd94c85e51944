"""What a hostile feed or a failing disk can do to a crawl: one file, one report, no more.

Each test runs ``crawler crawl`` as a real process over a folder of articles whose
URLs need no network (invalid values, excluded hosts), so what is judged is the
reading, isolation and writing around the checks: a bad file is named and left
byte for byte, the others are still processed, and the run reports it.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.cli import build_parser, config_from
from crawler.config import ConnectTo

GOOD = """---
title: "A good article"
originalUrl: "not a url"
---
body
"""


def crawl(
    *args: str, cwd: Path, file_size_limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limit_file_size() -> None:  # in the child: writes past the limit fail as on a full disk
        assert file_size_limit is not None
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=None if file_size_limit is None else limit_file_size,
    )


def report_files(report: Path) -> dict[str, tuple[str, str | None]]:
    document = json.loads(report.read_text())
    return {item["file"]: (item["status"], item["error"]) for item in document["files"]}


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "b_good.md").write_text(GOOD)
    return folder


def test_a_file_nested_too_deeply_is_rejected_and_the_others_are_written(
    articles: Path, tmp_path: Path
) -> None:
    deep = articles / "a_deep.md"
    deep.write_text("---\ntitle: x\nnest: " + "[" * 400 + "]" * 400 + "\n---\n")
    before = deep.read_bytes()
    done = crawl("articles", "--no-state", "--report", "r.json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    files = report_files(tmp_path / "r.json")
    status, error = files["articles/a_deep.md"]
    assert status == "rejected" and error is not None and "RecursionError" in error
    assert files["articles/b_good.md"] == ("enriched", None)
    assert deep.read_bytes() == before
    assert "crawl:" in (articles / "b_good.md").read_text()
    assert done.stderr.count("articles/a_deep.md") == 1


def test_a_file_over_the_size_cap_is_rejected_unread(articles: Path, tmp_path: Path) -> None:
    big = articles / "a_big.md"
    big.write_bytes(GOOD.encode() + b"x" * 2_000_000)
    done = crawl(
        "articles", "--no-state", "--max-file-bytes", "1000000", "--report", "r.json", cwd=tmp_path
    )
    assert done.returncode == 1
    status, error = report_files(tmp_path / "r.json")["articles/a_big.md"]
    assert status == "rejected"
    assert error == (
        f"file is larger than max-file-bytes ({big.stat().st_size:,} > 1,000,000 bytes); "
        "raise --max-file-bytes to crawl it"
    )
    assert big.stat().st_size == len(GOOD) + 2_000_000
    assert report_files(tmp_path / "r.json")["articles/b_good.md"][0] == "enriched"


def test_a_front_matter_over_its_cap_is_rejected_unparsed(articles: Path, tmp_path: Path) -> None:
    (articles / "a_wide.md").write_text("---\n" + "".join(f"k{i}: {i}\n" for i in range(300)))
    (articles / "a_wide.md").write_text(
        "---\n" + "".join(f"k{i}: {i}\n" for i in range(300)) + "---\n"
    )
    done = crawl(
        "articles", "--no-state", "--max-front-matter-bytes", "1000", "--report", "r.json",
        cwd=tmp_path,
    )  # fmt: skip
    status, error = report_files(tmp_path / "r.json")["articles/a_wide.md"]
    assert status == "rejected" and error is not None
    assert error.startswith("front matter is larger than max-front-matter-bytes (")
    assert done.returncode == 1


def test_a_symlink_to_a_file_outside_the_folder_is_never_written(
    articles: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text(GOOD)
    (articles / "a_link.md").symlink_to(outside)
    done = crawl("articles", "--no-state", "--report", "r.json", cwd=tmp_path)
    assert outside.read_text() == GOOD
    status, error = report_files(tmp_path / "r.json")["articles/a_link.md"]
    assert status == "skipped" and error is not None and "outside" in error
    assert f"articles/a_link.md: skipped: symlink to {outside}" in done.stderr


def test_a_fifo_in_the_folder_is_named_and_the_crawl_goes_on(
    articles: Path, tmp_path: Path
) -> None:
    os.mkfifo(articles / "a_pipe.md")
    done = crawl("articles", "--no-state", "--report", "r.json", cwd=tmp_path)
    files = report_files(tmp_path / "r.json")
    assert files["articles/a_pipe.md"] == ("skipped", "not a regular file (a FIFO)")
    assert files["articles/b_good.md"][0] == "enriched"
    assert "articles/a_pipe.md: skipped: not a regular file (a FIFO)" in done.stderr


def test_no_state_keeps_connect_to_and_exclude_from_the_command_line() -> None:
    args = build_parser().parse_args(
        [
            *("crawl", "x", "--no-state"),
            *("--connect-to", "a.test:443:127.0.0.1:8443", "--exclude", "^https://skip"),
        ]
    )
    config = config_from(args)
    assert config.state is None
    assert config.connect_to == (ConnectTo("a.test", 443, "127.0.0.1", 8443),)
    assert config.exclude == ("^https://skip",)


def test_no_state_still_reports_an_invalid_exclude_pattern(articles: Path, tmp_path: Path) -> None:
    done = crawl("articles", "--no-state", "--exclude", "(", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("crawler: error: exclude pattern '(':")
    assert "crawl:" not in (articles / "b_good.md").read_text()


def test_an_excluded_url_is_skipped_without_state_too(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text('---\noriginalUrl: "https://excluded.invalid/x"\n---\n')
    done = crawl("a.md", "--no-state", "--exclude", "excluded", "--report", "r.json", cwd=tmp_path)
    [link] = json.loads((tmp_path / "r.json").read_text())["links"]
    assert (link["result"], link["detail"]) == ("skipped", "excluded by rule 'excluded'")
    assert done.returncode == 0


def test_a_report_on_a_full_disk_is_one_line_and_the_other_reports_are_written(
    articles: Path, tmp_path: Path
) -> None:
    done = crawl(
        "articles", "--no-state", "--report", "big.html", "--report", "small.json",
        cwd=tmp_path, file_size_limit=4096,
    )  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr
    assert "crawler: error: big.html: cannot write the report: File too large" in done.stderr
    assert not (tmp_path / "big.html").exists()
    assert report_files(tmp_path / "small.json")["articles/b_good.md"][0] == "enriched"
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".tmp")]


def test_a_state_store_on_a_full_disk_exits_4_not_2(articles: Path, tmp_path: Path) -> None:
    done = crawl("articles", "--state", "s.db", cwd=tmp_path, file_size_limit=8 * 1024)
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("crawler: error: s.db: cannot write the state store:")
