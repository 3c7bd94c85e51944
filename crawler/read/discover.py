"""Discovery: turn the PATH arguments of ``crawler crawl`` into article files.

The first stage of the pipeline.  A PATH is a file (taken as is, whatever its
extension), a folder (searched recursively for ``*.md`` and ``*.markdown``,
hidden folders and files skipped) or a glob (``**`` allowed, hidden names not
matched, as in a shell).  Each :class:`Source` remembers where it sits below the
root the user named, so that ``--out DIR`` can mirror the layout.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from crawler.errors import UsageError

ARTICLE_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class Source:
    """One article file to read."""

    path: Path  # the file to read, as named (not resolved: messages show it as typed)
    relative: PurePath  # its place below the root the user named; used under --out DIR


def discover(paths: Sequence[str]) -> list[Source]:
    """Every article file named by ``paths``, in argument order, each file once.

    Within a folder or a glob the files are sorted by path.  A file reached twice
    (two arguments, a symlink) keeps its first ``relative``.
    """
    sources: list[Source] = []
    seen: set[Path] = set()
    for argument in paths:
        for source in _expand(argument):
            key = source.path.resolve()
            if key not in seen:
                seen.add(key)
                sources.append(source)
    return sources


def _expand(argument: str) -> list[Source]:
    path = Path(argument)
    # An existing name wins over its reading as a glob: "notes[1].md" is a file.
    if path.is_file():
        return [Source(path, PurePath(path.name))]
    if path.is_dir():
        return list(_search_folder(path, path))
    if path.exists():
        raise UsageError(f"{argument}: not a regular file or folder")
    if glob.has_magic(argument):
        return _expand_glob(argument)
    raise UsageError(f"{argument}: no such file or folder")


def _search_folder(folder: Path, root: Path) -> Iterator[Source]:
    found: list[PurePath] = []
    # os.walk does not follow symlinked folders, so a link loop cannot trap us.
    for current, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        base = Path(current)
        for name in files:
            if name.endswith(ARTICLE_SUFFIXES) and not name.startswith("."):
                file = base / name
                if file.is_file():  # drops dangling symlinks
                    found.append(PurePath(file.relative_to(root)))
    for relative in sorted(found):
        yield Source(root / relative, relative)


def _expand_glob(pattern: str) -> list[Source]:
    root = _glob_root(pattern)
    sources: list[Source] = []
    for match in sorted(glob.glob(pattern, recursive=True)):
        path = Path(match)
        if path.is_file():
            sources.append(Source(path, PurePath(path.relative_to(root))))
        elif path.is_dir():
            sources.extend(_search_folder(path, root))
    if not sources:
        raise UsageError(f"{pattern}: matches no file")
    return sources


def _glob_root(pattern: str) -> Path:
    """The leading folders of ``pattern`` that hold no wildcard."""
    parts = Path(pattern).parts
    leading: list[str] = []
    for part in parts[:-1]:
        if glob.has_magic(part):
            break
        leading.append(part)
    return Path(*leading) if leading else Path()


__all__ = ["ARTICLE_SUFFIXES", "Source", "discover"]
