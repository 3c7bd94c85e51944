"""The CSV report: one row per (file, field), the JSON report's ``links`` columns."""

from __future__ import annotations

import csv
import io

from crawler.pipeline import CrawlRun
from crawler.reports.model import link_record

COLUMNS = (
    "file",
    "field",
    "url",
    "result",
    "status",
    "finalUrl",
    "redirects",
    "attempts",
    "elapsedMs",
    "detail",
)


def render(run: CrawlRun) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in run.links:
        writer.writerow(link_record(row))
    return buffer.getvalue()
