"""The run lock: held by another process, named in the error, freed when the holder dies."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.errors import LockHeld
from crawler.state import RunLock
from crawler.state.lock import CONTENT_LOCK_NAME, content_lock_path, state_lock_path

SINCE = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

# Takes the locks named on its command line, says so on stdout, and holds them
# until its stdin is closed.
HOLDER = """
import sys
from datetime import datetime, UTC
from pathlib import Path
from crawler.state.lock import RunLock

clock = lambda: datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
with RunLock([Path(arg) for arg in sys.argv[1:]], command="crawler crawl articles", clock=clock):
    print("locked", flush=True)
    sys.stdin.read()
"""


class Holder:
    """Another process holding locks until told to let go."""

    def __init__(self, *paths: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, *map(str, paths)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "locked\n"

    @property
    def pid(self) -> int:
        return self.process.pid

    def release(self) -> None:
        """Let the holder leave its ``with`` block and exit."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait() == 0

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait() == -signal.SIGKILL

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


@pytest.fixture
def holders() -> Iterator[list[Holder]]:
    started: list[Holder] = []
    yield started
    for holder in started:
        holder.close()


def test_a_lock_held_by_another_process_names_its_holder(
    tmp_path: Path, holders: list[Holder]
) -> None:
    lock_file = tmp_path / "state.db.lock"
    holder = Holder(lock_file)
    holders.append(holder)

    with pytest.raises(LockHeld) as raised, RunLock([lock_file]):
        pytest.fail("took a lock another process holds")

    error = raised.value
    assert (error.pid, error.host, error.since, error.command) == (
        holder.pid,
        socket.gethostname(),
        "2026-03-01T12:00:00Z",
        "crawler crawl articles",
    )
    assert str(error) == (
        f"{lock_file}: another crawl holds the lock: pid {holder.pid} on"
        f" {socket.gethostname()} since 2026-03-01T12:00:00Z (crawler crawl articles)"
    )


def test_the_lock_is_free_once_the_holder_exits(tmp_path: Path, holders: list[Holder]) -> None:
    lock_file = tmp_path / "state.db.lock"
    holder = Holder(lock_file)
    holders.append(holder)

    holder.release()

    assert lock_file.read_bytes() == b""  # released: the file names no one
    with RunLock([lock_file], clock=lambda: SINCE) as lock:
        assert lock.is_held
        assert json.loads(lock_file.read_bytes())["pid"] == os.getpid()
    assert not lock.is_held


def test_the_os_frees_the_lock_of_a_holder_killed_outright(
    tmp_path: Path, holders: list[Holder]
) -> None:
    lock_file = tmp_path / "state.db.lock"
    holder = Holder(lock_file)
    holders.append(holder)

    holder.kill()

    with RunLock([lock_file]):
        record = json.loads(lock_file.read_bytes())
    assert record["pid"] == os.getpid()


def test_locks_are_taken_all_or_none(tmp_path: Path, holders: list[Holder]) -> None:
    free, taken = tmp_path / "a" / CONTENT_LOCK_NAME, tmp_path / "b" / CONTENT_LOCK_NAME
    taken.parent.mkdir()
    holders.append(Holder(taken))

    with pytest.raises(LockHeld) as raised, RunLock([free, taken]):
        pytest.fail("took a lock another process holds")

    assert raised.value.path == taken
    with RunLock([free]):  # the first lock was let go when the second failed
        pass


def test_one_process_cannot_take_the_same_lock_twice(tmp_path: Path) -> None:
    lock_file = tmp_path / "state.db.lock"
    with RunLock([lock_file], command="first"):
        with pytest.raises(LockHeld) as raised, RunLock([lock_file]):
            pytest.fail("took the same lock twice")
        assert (raised.value.pid, raised.value.command) == (os.getpid(), "first")


def test_a_holder_that_recorded_nothing_is_unknown(tmp_path: Path) -> None:
    lock_file = tmp_path / "state.db.lock"
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        with pytest.raises(LockHeld) as raised, RunLock([lock_file]):
            pytest.fail("took a lock another descriptor holds")
    finally:
        os.close(descriptor)
    assert raised.value.pid is None
    assert str(raised.value) == f"{lock_file}: another crawl holds the lock: an unknown process"


def test_a_run_locks_its_state_file_and_each_content_folder_once(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    (articles / "2026").mkdir(parents=True)
    single = tmp_path / "elsewhere" / "one.md"
    single.parent.mkdir()
    single.write_text("---\n---\n")

    lock = RunLock.for_run(
        tmp_path / "state" / "crawl.db", [articles, articles / "2026", single, articles]
    )

    assert sorted(lock.paths) == sorted(
        [
            tmp_path / "state" / "crawl.db.lock",
            content_lock_path(articles),
            content_lock_path(articles / "2026"),
            content_lock_path(single.parent),
        ]
    )
    with lock:  # a second descriptor on one file would have conflicted with the first
        assert (tmp_path / "state" / "crawl.db.lock").is_file()


def test_lock_paths_sit_beside_the_state_and_outside_the_content(tmp_path: Path) -> None:
    assert state_lock_path(tmp_path / "state.db") == tmp_path / "state.db.lock"
    folder_lock = content_lock_path(tmp_path)
    assert tmp_path not in folder_lock.parents  # the user's content gets no lock file
    assert folder_lock.name.endswith(CONTENT_LOCK_NAME)
    assert content_lock_path(tmp_path / ".") == folder_lock
    (tmp_path / "sub").mkdir()
    assert content_lock_path(tmp_path / "sub") != folder_lock
    assert content_lock_path(tmp_path / "x.md") == folder_lock  # a file: its folder
