"""Discovery: turn the PATH arguments of ``crawler crawl`` into article files, lazily.

The first stage of the pipeline.  A PATH is a file (taken as is, whatever its
extension), a folder (searched recursively for article files, those whose names
end in one of the run's extensions, hidden folders and files skipped) or a glob
(``**`` allowed, hidden names not matched, as in a shell).  Every argument is
checked before the first file is yielded, so a typo is a usage error before any
work; the files themselves are then found one folder at a time, so a corpus of
millions never sits in memory as a list.

Each :class:`Source` remembers where it sits below the root the user named (so
that ``--out DIR`` can mirror the layout) and its real path, which is where it is
read and written.  Inside a folder or a glob nothing is followed out of the root:
a symlink whose target lies outside the root's real path, a symlink loop, a
dangling link, a FIFO or a device named like an article is a :class:`Refused`
entry that names the path and the reason, never a silent skip and never a write
outside the folder.  A symlink to a file inside the root is read and written
through (the link stays a link).  A file named on the command line is the user's
explicit choice and is followed wherever it points.
"""

from __future__ import annotations

import errno
import glob
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from crawler import defaults
from crawler.errors import UsageError

ARTICLE_SUFFIXES = defaults.EXTENSIONS


@dataclass(frozen=True, slots=True)
class Source:
    """One article file to read."""

    path: Path  # the file as named (not resolved: messages show it as typed)
    relative: PurePath  # its place below the root the user named; used under --out DIR
    real: Path  # the resolved file: what is read, locked by identity and replaced on write


@dataclass(frozen=True, slots=True)
class Refused:
    """A path inside a folder or glob that looks like an article but is not crawled."""

    path: Path
    reason: str


Found = Source | Refused


def discover(paths: Sequence[str], extensions: Sequence[str] = ARTICLE_SUFFIXES) -> Iterator[Found]:
    """Every article file named by ``paths``, in argument order, each file once.

    Within a folder or a glob the files come sorted by path.  A file reached twice
    (two arguments, a symlink) keeps its first ``relative``.  Raises UsageError
    for an argument that names nothing, before yielding anything.
    """
    plans = [_plan(argument, tuple(extensions)) for argument in paths]
    # Real paths as text: this set holds every file of the run, and a Path object
    # (its parsed parts) cost about 435 bytes a file here against 140.
    seen: set[str] = set()
    for plan in plans:
        for found in plan:
            if isinstance(found, Source):
                real = os.fspath(found.real)
                if real in seen:
                    continue
                seen.add(real)
            yield found


def has_articles(argument: str, extensions: Sequence[str] = ARTICLE_SUFFIXES) -> bool:
    """Whether ``argument`` names at least one article file (stops at the first)."""
    return any(isinstance(found, Source) for found in _plan(argument, tuple(extensions)))


def _plan(argument: str, extensions: tuple[str, ...]) -> Iterator[Found]:
    path = Path(argument)
    # An existing name wins over its reading as a glob: "notes[1].md" is a file.
    if path.is_file():
        return iter([Source(path, PurePath(path.name), path.resolve())])
    if path.is_dir():
        return _search_folder(path, PurePath(), path.resolve(), extensions)
    if path.exists():
        raise UsageError(f"{argument}: not a regular file or folder")
    if glob.has_magic(argument):
        if next(glob.iglob(argument, recursive=True), None) is None:
            raise UsageError(f"{argument}: matches no file")
        return _expand_glob(argument, extensions)
    raise UsageError(f"{argument}: no such file or folder")


def _search_folder(
    folder: Path, below: PurePath, root: Path, extensions: tuple[str, ...]
) -> Iterator[Found]:
    """Articles under ``folder`` in path order; ``root`` is the real folder they must stay in."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        yield Refused(folder, f"cannot list the folder: {exc.strerror}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from _search_folder(path, below / entry.name, root, extensions)
        elif entry.is_symlink() and not entry.name.endswith(extensions):
            if os.path.isdir(path):
                yield Refused(path, "symlink to a folder: not followed")
        elif entry.name.endswith(extensions):
            yield _judge(path, below / entry.name, root)


def _judge(path: Path, relative: PurePath, root: Path) -> Found:
    """The Source for an article-named entry, or why it cannot be one."""
    try:
        real = path.resolve(strict=True)
    except RuntimeError:
        return Refused(path, "symlink loop")
    except FileNotFoundError:
        return Refused(path, "dangling symlink")
    except OSError as exc:
        reason = "symlink loop" if exc.errno == errno.ELOOP else f"cannot resolve: {exc.strerror}"
        return Refused(path, reason)
    if real != root and root not in real.parents:
        return Refused(path, f"symlink to {real}, outside {root}: not followed")
    try:
        mode = real.stat().st_mode
    except OSError as exc:
        return Refused(path, f"cannot read: {exc.strerror}")
    if not stat.S_ISREG(mode):
        return Refused(path, f"not a regular file ({_kind(mode)})")
    return Source(path, relative, real)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a file"


def _expand_glob(pattern: str, extensions: tuple[str, ...]) -> Iterator[Found]:
    glob_root = _glob_root(pattern)
    real_root = glob_root.resolve()
    for match in sorted(glob.iglob(pattern, recursive=True)):
        path = Path(match)
        relative = PurePath(path.relative_to(glob_root))
        if path.is_dir() and not path.is_symlink():
            yield from _search_folder(path, relative, real_root, extensions)
        elif path.is_dir():
            yield Refused(path, "symlink to a folder: not followed")
        else:
            yield _judge(path, relative, real_root)


def _glob_root(pattern: str) -> Path:
    """The leading folders of ``pattern`` that hold no wildcard."""
    parts = Path(pattern).parts
    leading: list[str] = []
    for part in parts[:-1]:
        if glob.has_magic(part):
            break
        leading.append(part)
    return Path(*leading) if leading else Path()


__all__ = ["ARTICLE_SUFFIXES", "Found", "Refused", "Source", "discover", "has_articles"]
