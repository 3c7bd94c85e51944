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
import os
import secrets
import stat
from pathlib import Path

_NEW_FILE_MODE = 0o644  # the process umask is applied by open(2)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace (or create) ``path`` with ``data`` in one rename."""
    target = path.resolve() if path.is_symlink() else path
    try:
        original: os.stat_result | None = target.stat()
    except FileNotFoundError:
        original = None
        target.parent.mkdir(parents=True, exist_ok=True)
    temporary, descriptor = _create_temporary(target)
    try:
        with open(descriptor, "wb", closefd=True) as handle:
            handle.write(data)
            handle.flush()
            if original is not None:
                _copy_ownership(handle.fileno(), original)
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    _sync_folder(target.parent)


def _create_temporary(target: Path) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return temporary, os.open(temporary, flags, _NEW_FILE_MODE)
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


__all__ = ["unified_diff", "write_atomic"]
