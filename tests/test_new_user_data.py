"""What a new user hit (issue 11), data and safety: nothing of theirs is lost or overwritten.

Each test runs the crawler as a process, as a user would, and fails on the code
before the fix it protects.
"""

from __future__ import annotations

from pathlib import Path

from test_cli import run_crawler


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
