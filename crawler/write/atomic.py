"""Put new bytes on disk so that a reader sees the old file or the new one, never half.

The last step of the write stage: ``splice`` decides the bytes, this module
stores them (or, for ``--dry-run``, shows them as a diff).  A write goes to a
hidden temporary file in the same folder, is flushed to disk, takes over the
original's permissions and owner, and is renamed over the target; the folder is
then synced so that the rename itself survives a crash (see rename(2), fsync(2)).

Renaming replaces the inode, so a file with several hard links is detached from
the others; a symlink is followed and its target replaced, and the link stays.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import re
import secrets
import stat
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from crawler.read.files import FileIdentity

_NEW_FILE_MODE = 0o644  # the process umask is applied by open(2)
# ".NAME.HEX.tmp", as _create_temporary names the temporary file of NAME.
_TEMPORARY = re.compile(r"\.(.+)\.[0-9a-f]{8}\.tmp")


def write_atomic(path: Path, data: bytes) -> None:
    """Replace (or create) ``path`` with ``data`` in one rename; a symlink's target is replaced."""
    target = path.resolve() if path.is_symlink() else path
    _replace(_stage(PendingWrite(target, data, None)), target)


@contextlib.contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text file that replaces ``path`` in one rename if the block ends well.

    For output written piece by piece (a report of a million rows): nothing of it is
    held in memory, and a reader sees the old file or the whole new one.
    """
    with _temporary(path, text=True) as (handle, temporary):
        yield handle
    _replace(temporary, path)


def _replace(temporary: Path, target: Path) -> None:
    try:
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    _sync_folder(target.parent)


@dataclass(frozen=True, slots=True)
class PendingWrite:
    """New bytes for a file, and what the file looked like when they were computed."""

    target: Path
    data: bytes
    seen: FileIdentity | None  # None: create or overwrite without comparing


class ChangedOnDisk(OSError):
    """The file changed after its new bytes were computed; it is left as it is now."""


def write_batch(
    writes: Sequence[PendingWrite], stop: Callable[[], bool] = lambda: False
) -> list[BaseException | None]:
    """Replace many files, each atomically, paying one folder sync per folder.

    Every temporary file is written and synced first; then each target is checked
    once more (still the file that was read: same inode, size and mtime, not a
    symlink) immediately before its rename, so an edit that lands during the crawl
    is never overwritten; then each folder is synced once.  ``stop`` is asked
    before each file: once it says so, the files not yet renamed are left alone.
    Returns, per write, None or the error that kept it from happening.
    """
    outcomes: list[BaseException | None] = [None] * len(writes)
    staged: list[tuple[int, Path]] = []
    try:
        for index, write in enumerate(writes):
            if stop():
                outcomes[index] = InterruptedError("stopped before writing")
                continue
            try:
                staged.append((index, _stage(write)))
            except OSError as exc:
                outcomes[index] = exc
        folders: set[Path] = set()
        while staged:
            index, temporary = staged.pop(0)
            write = writes[index]
            try:
                if stop():
                    raise InterruptedError("stopped before writing")
                _check_unchanged(write)
                os.replace(temporary, write.target)
                folders.add(write.target.parent)
            except OSError as exc:
                outcomes[index] = exc
                with contextlib.suppress(FileNotFoundError):
                    temporary.unlink()
    finally:
        for _, temporary in staged:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
    for folder in folders:
        _sync_folder(folder)
    return outcomes


def _stage(write: PendingWrite) -> Path:
    """The new bytes in a synced temporary file beside the target, with its permissions."""
    with _temporary(write.target) as (handle, temporary):
        handle.write(write.data)
    return temporary


@contextlib.contextmanager
def _temporary(target: Path, *, text: bool = False) -> Iterator[tuple[Any, Path]]:
    """A temporary file beside ``target`` to fill; synced, with the target's owner and mode."""
    try:
        original: os.stat_result | None = os.stat(target, follow_symlinks=False)
    except FileNotFoundError:
        original = None
        target.parent.mkdir(parents=True, exist_ok=True)
    if original is not None and _is_read_only(target, original):
        # Replacing by rename needs only the folder's permission; the file's own
        # read-only mode is the user's word that it must not change.
        mode_text = f"{stat.S_IMODE(original.st_mode):04o}"
        raise PermissionError(errno.EACCES, f"read-only file (mode {mode_text}), left as it is")
    # Never wider than the original, even for the moment before its mode is copied.
    mode = _NEW_FILE_MODE if original is None else stat.S_IMODE(original.st_mode) & 0o777
    temporary, descriptor = _create_temporary(target, mode)
    try:
        handle = (
            open(descriptor, "w", encoding="utf-8", newline="", closefd=True)  # noqa: SIM115
            if text
            else open(descriptor, "wb", closefd=True)  # noqa: SIM115
        )
        with handle:
            yield handle, temporary
            handle.flush()
            if original is not None:
                _copy_ownership(handle.fileno(), original)
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def _is_read_only(target: Path, original: os.stat_result) -> bool:
    """No write permission bit at all, or none for this user (root sees the bits too)."""
    return not original.st_mode & 0o222 or not os.access(target, os.W_OK)


def _check_unchanged(write: PendingWrite) -> None:
    if write.seen is None:
        return
    try:
        now = FileIdentity.of(os.stat(write.target, follow_symlinks=False))
    except FileNotFoundError:
        raise ChangedOnDisk(f"{write.target}: removed during the crawl") from None
    if now != write.seen:
        raise ChangedOnDisk(f"{write.target}: changed on disk during the crawl")


def is_leftover_temporary(name: str, siblings: Collection[str]) -> bool:
    """Whether ``name`` is a temporary file an interrupted write of ours left beside a file."""
    match = _TEMPORARY.fullmatch(name)
    return match is not None and match.group(1) in siblings


def _create_temporary(target: Path, mode: int) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return temporary, os.open(temporary, flags, mode)
        except FileExistsError:
            continue


def _copy_ownership(descriptor: int, original: os.stat_result) -> None:
    # Owner first: chown(2) may clear the set-user-ID bits that chmod then restores.
    if hasattr(os, "fchown"):
        with contextlib.suppress(PermissionError):
            os.fchown(descriptor, original.st_uid, original.st_gid)
    os.fchmod(descriptor, stat.S_IMODE(original.st_mode))


def _sync_folder(folder: Path) -> None:
    # Some file systems (and Windows) cannot open or sync a folder; the data is
    # already in place by then, so only the rename's durability is at stake.
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def unified_diff(label: str, old: bytes, new: bytes) -> str:
    """A ``diff -u`` of two versions of a file, line endings kept visible; "" when equal."""
    if old == new:
        return ""
    lines = difflib.unified_diff(
        _lines(old), _lines(new), fromfile=f"a/{label}", tofile=f"b/{label}"
    )
    # As in diff(1), a last line without a line ending gets a marker line, so the
    # next diff line does not run on after it.
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _lines(data: bytes) -> list[str]:
    """Lines split at "\\n" only, each keeping its ending ("\\r\\n" stays visible)."""
    text = data.decode("utf-8", errors="replace")
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines


__all__ = [
    "ChangedOnDisk",
    "FileIdentity",
    "PendingWrite",
    "atomic_text",
    "is_leftover_temporary",
    "unified_diff",
    "write_atomic",
    "write_batch",
]
