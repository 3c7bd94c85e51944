"""Reports of a crawl: the terminal summary and the ``--report FILE`` formats.

The format comes from the file's extension; every renderer reads the same
:class:`crawler.pipeline.CrawlRun` through :mod:`crawler.reports.model`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crawler.errors import UsageError
from crawler.pipeline import CrawlRun
from crawler.reports import csv_report, html_report, json_report, markdown_report
from crawler.write.atomic import write_atomic

RENDERERS: dict[str, Callable[[CrawlRun], str]] = {
    ".json": json_report.render,
    ".csv": csv_report.render,
    ".md": markdown_report.render,
    ".html": html_report.render,
}


def check_report_path(path: Path) -> None:
    """Fail fast, before any crawling, on a report format we cannot write."""
    if path.suffix.lower() not in RENDERERS:
        known = " ".join(sorted(RENDERERS))
        raise UsageError(f"--report {path}: unknown format {path.suffix!r} (known: {known})")


def write_report(run: CrawlRun, path: Path) -> None:
    check_report_path(path)
    write_atomic(path, RENDERERS[path.suffix.lower()](run).encode("utf-8"))
