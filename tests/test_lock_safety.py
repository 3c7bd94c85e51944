"""The run lock cannot be turned against its user, nor against another user.

Planted symbolic links, hard links and FIFOs are refused untouched; the lock folder
is private to one user and refused when it is not; lock files are 0600 and record
no secret of the command line; another user on the machine locks in a folder of
their own.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.errors import LockHeld, UsageError
from crawler.state import RunLock
from crawler.state.lock import content_lock_path, state_lock_path

VICTIM = b"precious: data\n" * 63 + b"the end\n"  # 953 bytes, like the 940
OTHER_UID = 12345  # a uid no account on the test machine uses
SECRETS = ("s3cret-token", "Bearer abc", "hunter2", "secrets.toml", "q=private")
SECRET_COMMAND = (
    "crawler crawl articles --user-agent 'Bot/1 s3cret-token' --header"
    " 'Authorization: Bearer abc' --proxy http://me:hunter2@proxy:8080 --config=secrets.toml"
    " https://me:hunter2@example.com/feed?q=private"
)

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of the test's own, standing for /tmp (sticky, open to all)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    folder.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    return folder


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: A\n---\n")
    return folder


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    target = tmp_path / "victim.txt"
    target.write_bytes(VICTIM)
    return target


def lock_folder_of(articles: Path) -> Path:
    return content_lock_path(articles).parent


def test_a_symlink_planted_as_the_state_lock_leaves_its_target_untouched(
    tmp_path: Path, victim: Path
) -> None:
    state = tmp_path / "state.db"
    state_lock_path(state).symlink_to(victim)

    with pytest.raises(UsageError) as raised, RunLock.for_run(state):
        pytest.fail("locked through a symbolic link")

    assert victim.read_bytes() == VICTIM
    assert (
        str(raised.value)
        == f"{tmp_path}/state.db.lock: refusing the run lock: it is a symbolic link"
    )


def test_a_symlink_planted_in_the_lock_folder_leaves_its_target_untouched(
    temp_dir: Path, articles: Path, victim: Path
) -> None:
    with RunLock.for_run(None, [articles]):
        pass
    lock_file = content_lock_path(articles)
    lock_file.unlink()
    lock_file.symlink_to(victim)

    with pytest.raises(UsageError, match="symbolic link"), RunLock.for_run(None, [articles]):
        pytest.fail("locked through a symbolic link")

    assert victim.read_bytes() == VICTIM


def test_a_hard_link_planted_as_the_state_lock_leaves_its_target_untouched(
    tmp_path: Path, victim: Path
) -> None:
    state = tmp_path / "state.db"
    os.link(victim, state_lock_path(state))

    with pytest.raises(UsageError, match="2 hard links"), RunLock.for_run(state):
        pytest.fail("locked a file with another name elsewhere")

    assert victim.read_bytes() == VICTIM


def test_a_fifo_planted_as_the_state_lock_is_refused_without_waiting(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    os.mkfifo(state_lock_path(state))

    with pytest.raises(UsageError, match="not a regular file"), RunLock.for_run(state):
        pytest.fail("locked a FIFO")


@needs_root
def test_a_state_lock_of_another_user_is_refused_untouched(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    lock_file = state_lock_path(state)
    lock_file.write_bytes(VICTIM)
    os.chown(lock_file, OTHER_UID, OTHER_UID)

    with pytest.raises(UsageError, match=f"belongs to uid {OTHER_UID}"), RunLock.for_run(state):
        pytest.fail("wrote into another user's file")

    assert lock_file.read_bytes() == VICTIM


def test_a_crawl_refuses_a_planted_state_lock_with_one_line_and_exit_2(
    tmp_path: Path, articles: Path, victim: Path
) -> None:
    state_lock_path(tmp_path / "state.db").symlink_to(victim)

    crawl = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "articles", "--state", "state.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert victim.read_bytes() == VICTIM
    assert crawl.returncode == 2
    [line] = crawl.stderr.strip().splitlines()
    assert line.endswith(f"{tmp_path}/state.db.lock: refusing the run lock: it is a symbolic link")


def test_the_lock_folder_is_private_to_the_user(temp_dir: Path, articles: Path) -> None:
    with RunLock.for_run(None, [articles]):
        folder = lock_folder_of(articles)
        info = os.lstat(folder)

    assert folder == temp_dir.resolve() / f"feed-crawler-{os.geteuid()}"
    assert stat.S_ISDIR(info.st_mode)
    assert stat.S_IMODE(info.st_mode) == 0o700
    assert info.st_uid == os.geteuid()


def test_lock_files_are_readable_by_their_owner_only(
    temp_dir: Path, tmp_path: Path, articles: Path
) -> None:
    old_umask = os.umask(0o022)
    try:
        with RunLock.for_run(tmp_path / "state.db", [articles]) as lock:
            modes = {path: stat.S_IMODE(os.lstat(path).st_mode) for path in lock.paths}
    finally:
        os.umask(old_umask)

    assert len(modes) == 2
    assert set(modes.values()) == {0o600}


def test_a_lock_file_left_open_to_others_is_made_private(tmp_path: Path) -> None:
    lock_file = tmp_path / "state.db.lock"
    lock_file.write_text('{"pid": 1, "host": "h", "since": "s", "command": "crawler crawl x"}\n')
    lock_file.chmod(0o644)

    with RunLock([lock_file]):
        assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600


def test_the_holder_record_keeps_no_option_value_nor_url_credentials(tmp_path: Path) -> None:
    lock_file = tmp_path / "state.db.lock"

    with RunLock([lock_file], command=SECRET_COMMAND):
        text = lock_file.read_text()

    assert not [secret for secret in SECRETS if secret in text]
    command = json.loads(text)["command"]
    assert command == (
        "crawler crawl articles --user-agent … --header … --proxy … --config=…"
        " 'https://…@example.com/feed?…'"
    )


def test_a_second_crawl_is_told_who_holds_the_lock_but_no_secret(tmp_path: Path) -> None:
    lock_file = tmp_path / "state.db.lock"

    with (
        RunLock([lock_file], command=SECRET_COMMAND),
        pytest.raises(LockHeld) as raised,
        RunLock([lock_file]),
    ):
        pytest.fail("took a held lock")

    message = str(raised.value)
    assert f"pid {os.getpid()}" in message and "crawler crawl articles --user-agent …" in message
    assert not [secret for secret in SECRETS if secret in message]


def test_a_record_left_by_an_older_crawler_is_shown_without_secrets_or_escapes(
    tmp_path: Path,
) -> None:
    lock_file = tmp_path / "state.db.lock"
    old_record = {"pid": 7, "host": "box\x1b[2J", "since": "2026-01-01T00:00:00Z"}
    lock_file.write_text(json.dumps({**old_record, "command": SECRET_COMMAND + "\x1b[31m"}))
    descriptor = os.open(lock_file, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        with pytest.raises(LockHeld) as raised, RunLock([lock_file]):
            pytest.fail("took a held lock")
    finally:
        os.close(descriptor)

    message = str(raised.value)
    assert "pid 7 on box?[2J since 2026-01-01T00:00:00Z" in message
    assert "\x1b" not in message
    assert not [secret for secret in SECRETS if secret in message]


def make_lock_folder_group_writable(folder: Path) -> None:
    folder.mkdir(mode=0o700)
    folder.chmod(0o770)


def make_lock_folder_someone_elses(folder: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("changing owners needs root")
    folder.mkdir(mode=0o700)
    os.chown(folder, OTHER_UID, OTHER_UID)


def make_lock_folder_a_symlink(folder: Path) -> None:
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    folder.symlink_to(elsewhere)


def make_lock_folder_a_file(folder: Path) -> None:
    folder.write_bytes(VICTIM)


@pytest.mark.parametrize(
    ("plant", "reason"),
    [
        pytest.param(make_lock_folder_group_writable, "its mode is 0770, not 0700", id="group"),
        pytest.param(
            make_lock_folder_someone_elses,
            f"it belongs to uid {OTHER_UID}, not to uid {os.geteuid()}",
            id="other-owner",
        ),
        pytest.param(make_lock_folder_a_symlink, "it is a symbolic link", id="symlink"),
        pytest.param(make_lock_folder_a_file, "it is not a folder", id="file"),
    ],
)
def test_a_lock_folder_that_is_not_private_is_refused_with_one_line(
    temp_dir: Path, articles: Path, plant: object, reason: str
) -> None:
    folder = temp_dir.resolve() / f"feed-crawler-{os.geteuid()}"
    assert callable(plant)
    plant(folder)
    before = sorted(path.name for path in temp_dir.rglob("*"))

    with pytest.raises(UsageError) as raised, RunLock.for_run(None, [articles]):
        pytest.fail("locked in a folder that is not private")

    assert str(raised.value) == f"{folder}: refusing the lock folder: {reason}"
    assert sorted(path.name for path in temp_dir.rglob("*")) == before  # nothing written


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder every user can reach, standing for a machine's /tmp."""
    folder = Path(tempfile.mkdtemp(prefix="lock-users-"))
    folder.chmod(0o1777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def lock_as_another_user(articles: Path) -> tuple[int, str]:
    """Take the run lock of ``articles`` in a child process running as OTHER_UID.

    A forked child rather than a new interpreter: the test's Python may sit where
    another user cannot run it.  It answers the lock file it took, or the error.
    """
    reader, writer = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", DeprecationWarning
        )  # fork with threads: the child execs nothing
        child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.setgroups([])
            os.setgid(OTHER_UID)
            os.setuid(OTHER_UID)
            with RunLock.for_run(None, [articles]) as lock:
                answer = str(lock.paths[0])
        except BaseException as exc:
            answer, code = f"{type(exc).__name__}: {exc}", 1
        os.write(writer, answer.encode())
        os._exit(code)
    os.close(writer)
    with os.fdopen(reader) as answers:
        answer = answers.read()
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status), answer


@needs_root
def test_another_user_can_lock_the_same_content_meanwhile_in_a_folder_of_their_own(
    shared_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(shared_tmp))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    articles = shared_tmp / "articles"
    articles.mkdir(mode=0o755)

    with RunLock.for_run(None, [articles]) as mine:
        code, answer = lock_as_another_user(articles)

    assert (code, Path(answer).parent) == (0, shared_tmp.resolve() / f"feed-crawler-{OTHER_UID}")
    assert mine.paths[0].parent == shared_tmp.resolve() / f"feed-crawler-{os.geteuid()}"
    assert os.lstat(Path(answer).parent).st_uid == OTHER_UID
