"""The run lock: two crawls never work on the same content or state at once.

A crawl takes an exclusive, non-blocking ``flock`` on ``<state file>.lock`` and on
one lock file per content folder, and holds them for the whole run.  flock rather
than a pid file because the kernel drops the lock when the holding process dies,
however it dies: there is never a stale lock to clean up.  The files themselves
stay (removing one would let two processes lock two different files).

Where the locks live, and why they cannot be turned against the user:

- Content locks sit in a private folder of the user running the crawl, so that
  locking never adds a file to the content and no other user can plant, read or
  block them: ``$XDG_RUNTIME_DIR/feed-crawler`` when that runtime folder is a real
  folder of ours with mode 0700, else ``<temp dir>/feed-crawler-<uid>``.  The folder
  is created 0700 and then checked through a descriptor opened without following
  links: a folder that is a symbolic link, is owned by another uid, or grants any
  access to group or others is refused with a one-line UsageError naming it.
  Another user's crawl of the same content locks in that user's own folder.
- Every lock file (the state file's one too) is opened with ``O_NOFOLLOW`` and
  created 0600, never with ``O_TRUNC``.  Before anything is written, ``fstat`` on the
  open descriptor must show a regular file, owned by us, with one link; a symbolic
  link, FIFO, device, hard link or another user's file is refused, untouched.  Only
  then is the holder record rewritten in place (truncate and write on that verified
  descriptor), so no write can ever reach another file.

The record names the holder so that a second crawl can say who is in the way:
pid, host, start time (UTC) and the command with secrets removed (see
:mod:`crawler.state.lock_record`: option values are never recorded, nor a URL's
user, password or query); it is emptied on release.  flock is advisory and works
between processes on one machine; nested content folders are separate locks.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from crawler.errors import LockHeld, UsageError
from crawler.state.lock_record import LockHolder

CONTENT_LOCK_NAME = ".lock"  # suffix of a content folder's lock file (see content_lock_path)
LOCK_FILE_MODE = 0o600  # permission bits of a new lock file: the owner only
LOCK_FOLDER_MODE = 0o700  # permission bits of the private lock folder
_HOLDER_MAX_BYTES = 64 * 1024  # bytes of a lock file read to name its holder


def state_lock_path(state_path: Path) -> Path:
    """``<state file>.lock``, beside the state file."""
    return state_path.with_name(state_path.name + ".lock")


def user_lock_folder(
    *, uid: int | None = None, environ: Mapping[str, str] | None = None, temp_dir: str | None = None
) -> Path:
    """The private folder of this user's content locks (not created here)."""
    uid = os.geteuid() if uid is None else uid
    environ = os.environ if environ is None else environ
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime):
        try:
            info = os.lstat(runtime)
        except OSError:
            info = None
        if info is not None and _folder_problem(info, uid) is None:
            return Path(runtime) / "feed-crawler"
    base = Path(tempfile.gettempdir() if temp_dir is None else temp_dir).resolve()
    return base / f"feed-crawler-{uid}"


def content_lock_path(root: Path, folder: Path | None = None) -> Path:
    """The lock of a content root: a folder, or the folder a file lies in.

    It lives in ``folder`` (by default :func:`user_lock_folder`), named after a hash
    of the content folder's real path, so that locking never adds a file to the
    user's content.
    """
    content = (root if root.is_dir() else root.parent).resolve()
    name = hashlib.sha256(os.fsencode(content)).hexdigest()[:24]
    return (user_lock_folder() if folder is None else folder) / f"{name}{CONTENT_LOCK_NAME}"


def _now() -> datetime:
    return datetime.now(UTC)


class RunLock:
    """Exclusive locks on a set of lock files, taken together or not at all.

    Use it as a context manager around the whole run::

        with RunLock.for_run(state_path, content_roots):
            ...

    Raises :class:`crawler.errors.LockHeld` when another process (or another
    RunLock in this one) holds any of the files, and UsageError when a lock file or
    the private folder is not safe to use.  Lock files inside one of
    ``private_folders`` are opened relative to that folder, checked first.
    """

    def __init__(
        self,
        lock_files: Iterable[Path],
        *,
        command: str | None = None,
        clock: Callable[[], datetime] = _now,
        private_folders: Iterable[Path] = (),
    ) -> None:
        # One lock per file even when two roots lead to it: a second flock on the
        # same file through another descriptor would conflict with the first.  Only
        # the folder is resolved: resolving the name would follow a planted link.
        self.paths = tuple(sorted({_beside(Path(path)) for path in lock_files}))
        self.private_folders = tuple(sorted({_beside(Path(path)) for path in private_folders}))
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
        folder = user_lock_folder()
        paths = [content_lock_path(root, folder) for root in content_roots]
        private = [folder] if paths else []
        if state_path is not None:
            paths.append(state_lock_path(state_path))
        return cls(paths, command=command, clock=clock, private_folders=private)

    @property
    def is_held(self) -> bool:
        return bool(self._descriptors)

    def acquire(self) -> None:
        if self._descriptors:
            raise RuntimeError("RunLock is already held")
        record = LockHolder.current(self._command, self._clock()).to_json()
        folders: dict[Path, int] = {}
        try:
            for folder in self.private_folders:
                folders[folder] = _open_private_folder(folder)
            for path in self.paths:
                self._descriptors.append(_take(path, record, folders.get(path.parent)))
        except BaseException:
            self.release()
            raise
        finally:
            for descriptor in folders.values():
                os.close(descriptor)

    def release(self) -> None:
        descriptors, self._descriptors = self._descriptors, []
        for descriptor in reversed(descriptors):
            try:
                # Safe: _take checked this descriptor is a regular file of ours.
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


def _beside(path: Path) -> Path:
    return path.parent.resolve() / path.name


def _folder_problem(info: os.stat_result, uid: int) -> str | None:
    """Why a folder with this (l)stat cannot hold private locks, or None."""
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if info.st_uid != uid:
        return f"it belongs to uid {info.st_uid}, not to uid {uid}"
    if info.st_mode & 0o077:
        return f"its mode is {stat.S_IMODE(info.st_mode):04o}, not 0700"
    return None


def _open_private_folder(folder: Path) -> int:
    """A descriptor on ``folder``, created 0700 if absent, once it proves private."""
    try:
        folder.mkdir(mode=LOCK_FOLDER_MODE)
    except FileExistsError:
        pass  # checked below, whoever made it
    except OSError as exc:
        raise UsageError(f"{folder}: cannot create the lock folder: {exc.strerror}") from None
    refusal = f"{folder}: refusing the lock folder"
    try:
        problem = _folder_problem(os.lstat(folder), os.geteuid())
    except OSError as exc:
        raise UsageError(f"{refusal}: {exc.strerror}") from None
    if problem is not None:
        raise UsageError(f"{refusal}: {problem}")
    try:
        # The folder may have been swapped since lstat: check what was opened too.
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise UsageError(f"{refusal}: {exc.strerror}") from None
    problem = _folder_problem(os.fstat(descriptor), os.geteuid())
    if problem is not None:
        os.close(descriptor)
        raise UsageError(f"{refusal}: {problem}")
    return descriptor


def _file_problem(info: os.stat_result) -> str | None:
    """Why an open lock file must not be written, or None."""
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    if info.st_uid != os.geteuid():
        return f"it belongs to uid {info.st_uid}, not to uid {os.geteuid()}"
    if info.st_nlink != 1:
        return f"it has {info.st_nlink} hard links"
    return None


def _open_lock_file(path: Path, folder: int | None) -> int:
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        if folder is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(path, flags, LOCK_FILE_MODE)
        return os.open(path.name, flags, LOCK_FILE_MODE, dir_fd=folder)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link
            raise UsageError(f"{path}: refusing the run lock: it is a symbolic link") from None
        raise UsageError(f"{path}: cannot create the run lock: {exc.strerror}") from None


def _take(path: Path, record: bytes, folder: int | None) -> int:
    """Lock ``path`` (creating it) without waiting; write ``record`` into it."""
    descriptor = _open_lock_file(path, folder)
    try:
        info = os.fstat(descriptor)
        problem = _file_problem(info)
        if problem is not None:
            raise UsageError(f"{path}: refusing the run lock: {problem}")
        if info.st_mode & 0o077:  # left by an older crawler: the record is the owner's
            os.fchmod(descriptor, LOCK_FILE_MODE)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = LockHolder.from_json(os.pread(descriptor, _HOLDER_MAX_BYTES, 0))
            if holder is None:
                raise LockHeld(path) from None
            raise LockHeld(
                path, pid=holder.pid, host=holder.host, since=holder.since, command=holder.command
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, record, 0)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor
