"""The run lock: two crawls never work on the same content or state at once.

A crawl takes an exclusive, non-blocking ``flock`` on ``<state file>.lock`` and on
``.crawler.lock`` in each content folder, and holds them for the whole run.  flock
rather than a pid file because the kernel drops the lock when the holding process
dies, however it dies: there is never a stale lock to clean up.  The lock file
records who holds it (pid, host, since, command) as JSON, so that the second
crawl can say who is in the way; the record is emptied on release.  The files
themselves stay (removing one would let two processes lock two different files).

flock is advisory and works between processes on one machine; on network file
systems it depends on the server.  Nested content folders are separate locks: a
crawl of ``a/`` and one of ``a/b/`` are kept apart only by a shared state file.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shlex
import socket
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from crawler.errors import LockHeld, UsageError

CONTENT_LOCK_NAME = ".lock"  # suffix of a content folder's lock file (see content_lock_path)
_HOLDER_MAX_BYTES = 64 * 1024  # bytes of a lock file read to name its holder


def state_lock_path(state_path: Path) -> Path:
    """``<state file>.lock``, beside the state file."""
    return state_path.with_name(state_path.name + ".lock")


def content_lock_path(root: Path) -> Path:
    """The lock of a content root: a folder, or the folder a file lies in.

    It lives in the system's temporary folder, named after the folder's real path,
    so that locking never adds a file to the user's content.
    """
    folder = (root if root.is_dir() else root.parent).resolve()
    name = hashlib.sha256(os.fsencode(folder)).hexdigest()[:24]
    return Path(tempfile.gettempdir()) / "feed-crawler-locks" / f"{name}{CONTENT_LOCK_NAME}"


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a lock, as its lock file records it."""

    pid: int
    host: str
    since: str  # ISO 8601, UTC
    command: str

    @classmethod
    def current(cls, command: str | None, now: datetime) -> LockHolder:
        return cls(
            pid=os.getpid(),
            host=socket.gethostname(),
            since=now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            command=shlex.join(sys.argv) if command is None else command,
        )

    @classmethod
    def from_json(cls, data: bytes) -> LockHolder | None:
        """The holder a lock file names, or None when it names none (yet)."""
        try:
            fields: Any = json.loads(data)
            return cls(
                pid=int(fields["pid"]),
                host=str(fields["host"]),
                since=str(fields["since"]),
                command=str(fields["command"]),
            )
        except (ValueError, TypeError, KeyError):
            return None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode() + b"\n"


def _now() -> datetime:
    return datetime.now(UTC)


class RunLock:
    """Exclusive locks on a set of lock files, taken together or not at all.

    Use it as a context manager around the whole run::

        with RunLock.for_run(state_path, content_roots):
            ...

    Raises :class:`crawler.errors.LockHeld` when another process (or another
    RunLock in this one) holds any of the files.
    """

    def __init__(
        self,
        lock_files: Iterable[Path],
        *,
        command: str | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        # One lock per file even when two roots lead to it: a second flock on the
        # same file through another descriptor would conflict with the first.
        self.paths = tuple(sorted({Path(path).resolve() for path in lock_files}))
        self._command = command
        self._clock = clock
        self._descriptors: list[int] = []

    @classmethod
    def for_run(
        cls,
        state_path: Path | None,
        content_roots: Iterable[Path] = (),
        *,
        command: str | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> RunLock:
        """The locks of one crawl: its state file (if any) and each content root."""
        paths = [content_lock_path(root) for root in content_roots]
        if state_path is not None:
            paths.append(state_lock_path(state_path))
        return cls(paths, command=command, clock=clock)

    @property
    def is_held(self) -> bool:
        return bool(self._descriptors)

    def acquire(self) -> None:
        if self._descriptors:
            raise RuntimeError("RunLock is already held")
        record = LockHolder.current(self._command, self._clock()).to_json()
        try:
            for path in self.paths:
                self._descriptors.append(_take(path, record))
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        descriptors, self._descriptors = self._descriptors, []
        for descriptor in reversed(descriptors):
            try:
                os.ftruncate(descriptor, 0)  # the holder is gone: name no one
            finally:
                os.close(descriptor)  # closing the last descriptor drops the flock

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _take(path: Path, record: bytes) -> int:
    """Lock ``path`` (creating it) without waiting; write ``record`` into it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise UsageError(f"{path}: cannot create the run lock: {exc.strerror}") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = LockHolder.from_json(os.pread(descriptor, _HOLDER_MAX_BYTES, 0))
        os.close(descriptor)
        if holder is None:
            raise LockHeld(path) from None
        raise LockHeld(
            path, pid=holder.pid, host=holder.host, since=holder.since, command=holder.command
        ) from None
    except BaseException:
        os.close(descriptor)
        raise
    try:
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, record, 0)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor
