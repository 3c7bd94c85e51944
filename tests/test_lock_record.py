"""What a lock records and where: a command line with no secret, a folder per user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.state.lock import user_lock_folder
from crawler.state.lock_record import redact_command


@pytest.mark.parametrize(
    ("command", "recorded"),
    [
        pytest.param("crawler crawl articles", "crawler crawl articles", id="paths-kept"),
        pytest.param(
            "crawler crawl a --user-agent 'Bot s3cret' b",
            "crawler crawl a --user-agent … b",
            id="ua",
        ),
        pytest.param(
            "crawler crawl a --user-agent=s3cret", "crawler crawl a --user-agent=…", id="ua="
        ),
        pytest.param("crawler crawl -H 'X-Token: 1' a", "crawler crawl -H … a", id="short"),
        pytest.param("crawler crawl -HX-Token:1 a", "crawler crawl -H… a", id="short-attached"),
        pytest.param(
            "crawler crawl --proxy http://u:p@h:1 a", "crawler crawl --proxy … a", id="proxy"
        ),
        pytest.param("crawler crawl --config c.toml a", "crawler crawl --config … a", id="config"),
        pytest.param("crawler crawl --user-ag tok a", "crawler crawl --user-ag … a", id="abbrev"),
        pytest.param(
            "crawler crawl --dry-run -q -vv --no-robots a b",
            "crawler crawl --dry-run -q -vv --no-robots a b",
            id="flags-keep-the-next-word",
        ),
        pytest.param(
            "crawler crawl --future x a", "crawler crawl --future … a", id="unknown-option"
        ),
        pytest.param(
            "crawler probe https://me:pw@[::1]:8443/i.png?sig=abc#top",
            "crawler probe 'https://…@[::1]:8443/i.png?…'",
            id="url-credentials-query",
        ),
        pytest.param("crawler probe http://h:99999/", "crawler probe …", id="bad-url"),
        pytest.param(
            "crawler crawl -- --user-agent", "crawler crawl -- --user-agent", id="dashdash"
        ),
        pytest.param("crawler crawl 'my articles'", "crawler crawl 'my articles'", id="quoted"),
        pytest.param(
            "crawler 'unclosed --user-agent x",
            "crawler ''\"'\"'unclosed' --user-agent …",
            id="bad-quoting",
        ),
    ],
)
def test_a_recorded_command_keeps_no_option_value(command: str, recorded: str) -> None:
    assert redact_command(command) == recorded
    assert redact_command(recorded) == recorded  # a record read back shows the same


def private_folder(path: Path, mode: int = 0o700) -> Path:
    path.mkdir()
    path.chmod(mode)
    return path


def test_each_user_locks_in_a_folder_named_after_their_uid(tmp_path: Path) -> None:
    mine = user_lock_folder(uid=1000, environ={}, temp_dir=str(tmp_path))
    theirs = user_lock_folder(uid=1001, environ={}, temp_dir=str(tmp_path))

    assert mine == tmp_path.resolve() / "feed-crawler-1000"
    assert theirs == tmp_path.resolve() / "feed-crawler-1001"


def test_the_runtime_folder_of_the_user_is_preferred_when_private(tmp_path: Path) -> None:
    runtime = private_folder(tmp_path / "run-user")

    folder = user_lock_folder(environ={"XDG_RUNTIME_DIR": str(runtime)}, temp_dir=str(tmp_path))

    assert folder == runtime / "feed-crawler"


@pytest.mark.parametrize(
    "runtime",
    [
        pytest.param(lambda tmp: private_folder(tmp / "run-user", 0o755), id="open-to-others"),
        pytest.param(lambda tmp: tmp / "missing", id="missing"),
        pytest.param(lambda tmp: "relative/run", id="relative"),
        pytest.param(
            lambda tmp: (tmp / "link").symlink_to(private_folder(tmp / "real")) or tmp / "link",
            id="symlink",
        ),
    ],
)
def test_a_runtime_folder_that_is_not_private_is_passed_over(
    tmp_path: Path, runtime: object
) -> None:
    assert callable(runtime)
    environ = {"XDG_RUNTIME_DIR": str(runtime(tmp_path))}

    folder = user_lock_folder(environ=environ, temp_dir=str(tmp_path))

    assert folder == tmp_path.resolve() / f"feed-crawler-{os.geteuid()}"
