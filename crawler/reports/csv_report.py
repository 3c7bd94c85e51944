"""The CSV report: one row per (file, field), the JSON report's ``links`` columns.

The nested ``image`` record is flattened into ``image*`` columns (empty for pages).
"""

from __future__ import annotations

import csv
import io
from typing import TextIO

from crawler.reports.model import link_record
from crawler.run.records import CrawlRun

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
    "imageFormat",
    "imageWidth",
    "imageHeight",
    "imageOrientation",
    "sizeMatches",
    "bytesRead",
    "imageError",
)


def render(run: CrawlRun) -> str:
    buffer = io.StringIO()
    write(run, buffer)
    return buffer.getvalue()


def write(run: CrawlRun, out: TextIO) -> None:
    """The rows, one by one, into ``out``."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in run.links:
        record = link_record(row)
        image = record.pop("image") or {}
        record |= {
            "imageFormat": image.get("format"),
            "imageWidth": image.get("width"),
            "imageHeight": image.get("height"),
            "imageOrientation": image.get("orientation"),
            "sizeMatches": image.get("sizeMatches"),
            "bytesRead": image.get("bytesRead"),
            "imageError": image.get("error"),
        }
        writer.writerow(record)
