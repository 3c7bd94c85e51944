"""What a new user hit (issue 11), finding the input: the seeds' ``*.txt`` articles are
found, and a PATH that names no article is a warning and a non-zero exit, not silence.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import run_crawler

ARTICLE = "---\ntitle: x\noriginalUrl: not a url\n---\nbody\n"


async def test_folder_of_txt_articles_like_the_seeds_is_crawled(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "000_a.txt").write_text(ARTICLE)
    args = ["crawl", "seeds", "--no-state", "--report", "r.json"]
    code, _, _ = await run_crawler(args, tmp_path)
    assert code == 1  # "not a url" is invalid
    report = json.loads((tmp_path / "r.json").read_text())
    assert [item["file"] for item in report["files"]] == ["seeds/000_a.txt"]
    assert report["links"][0]["result"] == "invalid"
    assert "crawl:" in (tmp_path / "seeds" / "000_a.txt").read_text()


@pytest.mark.parametrize(
    ("args", "config", "searched"),
    [
        pytest.param(["empty"], None, "*.md, *.markdown, *.txt", id="empty-folder"),
        pytest.param(["texts", "--extensions", "md"], None, "*.md", id="extensions-flag"),
        pytest.param(["texts"], 'extensions = ["markdown"]\n', "*.markdown", id="config-key"),
    ],
)
async def test_path_with_no_article_is_a_warning_and_exit_1(
    args: list[str], config: str | None, searched: str, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text(ARTICLE)
    options = ["--no-state"]
    if config is not None:
        (tmp_path / "crawler.toml").write_text(config)
        options += ["--config", "crawler.toml"]
    code, _, stderr = await run_crawler(["crawl", *args, *options], tmp_path)
    assert code == 1
    folder = args[0]
    assert f"crawler: warning: {folder}: no article file here (searched for {searched};" in stderr
    assert (tmp_path / "texts" / "a.txt").read_text() == ARTICLE


async def test_extensions_that_are_not_file_name_endings_are_a_usage_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.md").write_text(ARTICLE)
    code, _, stderr = await run_crawler(["crawl", "a.md", "--extensions", "md,a/b"], tmp_path)
    assert code == 2
    assert "extensions: '.a/b' is not a file name ending like .md" in stderr
