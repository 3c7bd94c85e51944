"""Reports of a crawl: the terminal summary and the ``--report FILE`` formats.

The format comes from the file's extension; every renderer reads the same
:class:`crawler.pipeline.CrawlRun` through :mod:`crawler.reports.model`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from crawler.errors import StorageError, UsageError
from crawler.reports import csv_report, html_report, json_report, junit_report, markdown_report
from crawler.run.records import CrawlRun
from crawler.write.atomic import atomic_text, write_atomic

RENDERERS: dict[str, Callable[[CrawlRun], str]] = {
    ".json": json_report.render,
    ".csv": csv_report.render,
    ".md": markdown_report.render,
    ".html": html_report.render,
    ".xml": junit_report.render,  # JUnit XML, for CI
    ".junit.xml": junit_report.render,
}


def renderer_for(path: Path) -> Callable[[CrawlRun], str] | None:
    """The renderer the file name's ending asks for (the longest known ending wins)."""
    name = path.name.lower()
    endings = [ending for ending in RENDERERS if name.endswith(ending) and name != ending]
    return RENDERERS[max(endings, key=len)] if endings else None


def check_report_path(path: Path) -> Callable[[CrawlRun], str]:
    """Fail fast, before any crawling, on a report we cannot write; else its renderer.

    The format comes from the extension, and the place is tried for real: a file
    is created and removed in the nearest folder that exists, so a report under a
    regular file, in /proc or in a read-only folder is a usage error before a
    single article is rewritten.
    """
    render = renderer_for(path)
    if render is None:
        known = " ".join(sorted(RENDERERS))
        raise UsageError(f"--report {path}: unknown format {path.suffix!r} (known: {known})")
    check_writable(path, "--report")
    return render


def check_writable(path: Path, option: str) -> None:
    """UsageError (one line naming ``path``) unless a file can be written there."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder")
    if path.is_file() and (not path.stat().st_mode & 0o222 or not os.access(path, os.W_OK)):
        raise UsageError(f"{option} {path}: read-only file")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: {folder} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write in {folder}: {exc.strerror}") from None


# Formats written piece by piece, for reports that list every link (or many): never held whole.
STREAMERS: dict[Callable[[CrawlRun], str], Callable[[CrawlRun, TextIO], None]] = {
    json_report.render: json_report.write,
    csv_report.render: csv_report.write,
    junit_report.render: junit_report.write,
    html_report.render: html_report.write,
}


def write_to(run: CrawlRun, render: Callable[[CrawlRun], str], out: TextIO) -> None:
    """The report ``render`` makes, into ``out``: row by row for the formats that list them all."""
    stream = STREAMERS.get(render)
    if stream is None:
        out.write(render(run))
    else:
        stream(run, out)


def write_report(run: CrawlRun, path: Path) -> None:
    """Render and write one report; StorageError (naming it) when the disk refuses."""
    render = check_report_path(path)
    try:
        stream = STREAMERS.get(render)
        if stream is None:
            write_atomic(path, render(run).encode("utf-8"))
        else:
            with atomic_text(path) as out:
                stream(run, out)
    except OSError as exc:
        raise StorageError(f"{path}: cannot write the report: {exc.strerror or exc}") from None
