"""Reports of a crawl: the terminal summary and the ``--report FILE`` formats.

The format comes from the file's extension; every renderer reads the same
:class:`crawler.pipeline.CrawlRun` through :mod:`crawler.reports.model`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crawler.errors import StorageError, UsageError
from crawler.reports import csv_report, html_report, json_report, junit_report, markdown_report
from crawler.run.records import CrawlRun
from crawler.write.atomic import write_atomic

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
    """Fail fast, before any crawling, on a report format we cannot write; else its renderer."""
    render = renderer_for(path)
    if render is None:
        known = " ".join(sorted(RENDERERS))
        raise UsageError(f"--report {path}: unknown format {path.suffix!r} (known: {known})")
    return render


def write_report(run: CrawlRun, path: Path) -> None:
    """Render and write one report; StorageError (naming it) when the disk refuses."""
    text = check_report_path(path)(run)
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise StorageError(f"{path}: cannot write the report: {exc.strerror or exc}") from None
