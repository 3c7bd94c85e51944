"""The JSON report, exactly as the contract specifies (version 1).

Written row by row (:func:`write`): a run of a million links never builds the
whole document, nor its text, in memory.  The bytes are those of
``json.dumps(document, indent=2, ensure_ascii=False)``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any, TextIO

from crawler.reports.model import file_record, link_record, summarize, times
from crawler.run.records import CrawlRun


def render(run: CrawlRun) -> str:
    buffer = io.StringIO()
    write(run, buffer)
    return buffer.getvalue()


def write(run: CrawlRun, out: TextIO) -> None:
    summary = summarize(run)
    started, finished = times(run)
    head = {
        "version": 1,
        "startedAt": started,
        "finishedAt": finished,
        "summary": {
            "files": summary.files,
            "filesRejected": summary.files_rejected,
            "urls": summary.urls,
            "byResult": summary.by_result,
            "images": {
                "probed": summary.images_probed,
                "invalid": summary.images_invalid,
                "sizeMismatches": summary.size_mismatches,
            },
            "filesStale": summary.files_stale,
            "findings": summary.findings,
        },
    }
    opening = json.dumps(head, indent=2, ensure_ascii=False)
    out.write(opening[: opening.rindex("\n")] + ",\n")  # the object stays open
    _write_list(out, "files", (file_record(outcome) for outcome in run.files))
    out.write(",\n")
    _write_list(out, "links", (link_record(row) for row in run.links))
    out.write("\n}\n")


def _write_list(out: TextIO, key: str, items: Iterable[Any]) -> None:
    """``  "key": [...]`` as ``indent=2`` lays it out one level down, item by item."""
    out.write(f"  {json.dumps(key)}: [")
    first = True
    for item in items:
        text = json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n    ")
        out.write(("\n    " if first else ",\n    ") + text)
        first = False
    out.write("]" if first else "\n  ]")
