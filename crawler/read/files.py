"""Reading an article file's bytes: bounded, and never through a swapped-in link.

Discovery resolved each file to its real path inside the crawled folder; this
module opens exactly that path with ``O_NOFOLLOW`` (a symlink planted there since
is refused, not followed out of the folder) and ``O_NONBLOCK`` (a FIFO put in its
place cannot hang the crawl), checks that it is still a regular file, and reads
at most ``limit`` bytes: a file larger than the limit is rejected before its
bytes are read, so one huge file cannot take the crawl's memory.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from crawler.errors import FrontMatterError

_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_FLAGS |= getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """What tells that a file is still the one that was read: same inode, size and mtime."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> FileIdentity:
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def read_limited(path: Path, limit: int, shown: str) -> tuple[bytes, FileIdentity]:
    """The bytes of the regular file ``path`` and its identity; ``shown`` names it in errors.

    Raises FrontMatterError when the file is not a regular file any more or is
    larger than ``limit`` bytes, and OSError when it cannot be read.
    """
    try:
        descriptor = os.open(path, _FLAGS)
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", 40) or path.is_symlink():
            raise FrontMatterError(shown, "became a symlink during the crawl; left alone") from None
        raise
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FrontMatterError(shown, "not a regular file any more; left alone")
        if info.st_size > limit:
            raise FrontMatterError(shown, too_large(info.st_size, limit))
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew while being read
        raise FrontMatterError(shown, too_large(len(data), limit))
    return data, FileIdentity.of(info)


def too_large(size: int, limit: int) -> str:
    return (
        f"file is larger than max-file-bytes ({size:,} > {limit:,} bytes); "
        "raise --max-file-bytes to crawl it"
    )


__all__ = ["FileIdentity", "read_limited", "too_large"]
