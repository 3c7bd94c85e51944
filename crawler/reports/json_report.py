"""The JSON report, exactly as the contract specifies (version 1)."""

from __future__ import annotations

import json

from crawler.reports.model import file_record, link_record, summarize, times
from crawler.run.records import CrawlRun


def render(run: CrawlRun) -> str:
    summary = summarize(run)
    started, finished = times(run)
    document = {
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
        "files": [file_record(outcome) for outcome in run.files],
        "links": [link_record(row) for row in run.links],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
