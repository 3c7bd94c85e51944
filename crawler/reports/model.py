"""Figures every report shares, derived once from a CrawlRun."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from crawler.outcomes import Result
from crawler.pipeline import CrawlRun, LinkRow, utc_stamp


@dataclass(frozen=True, slots=True)
class Summary:
    files: int
    files_rejected: int
    files_skipped: int
    urls: int  # distinct URL values named by the processed files
    by_result: dict[str, int]  # distinct URLs per result class

    @property
    def failed(self) -> bool:
        """The run exits 1: a link not ok (skipped excepted) or a rejected file."""
        return self.files_rejected > 0 or any(
            Result(name).is_failure for name, count in self.by_result.items() if count
        )


def summarize(run: CrawlRun) -> Summary:
    per_url: dict[str, str] = {}
    for row in run.links:
        per_url.setdefault(row.link.url, row.link.result.value)
    counts = Counter(per_url.values())
    statuses = Counter(outcome.status for outcome in run.files)
    return Summary(
        files=len(run.files),
        files_rejected=statuses["rejected"],
        files_skipped=statuses["skipped"],
        urls=len(per_url),
        by_result={result.value: counts[result.value] for result in Result},
    )


def link_record(row: LinkRow) -> dict[str, Any]:
    """One row of the contract's ``links`` list."""
    link = row.link
    return {
        "file": row.file,
        "field": row.field,
        "url": link.url,
        "result": link.result.value,
        "status": link.status,
        "finalUrl": link.final_url,
        "redirects": link.redirects,
        "attempts": link.attempts,
        "elapsedMs": link.elapsed_ms,
        "detail": link.detail,
    }


def problem_rows(run: CrawlRun) -> list[LinkRow]:
    """Rows whose link is not ok, worst classes first."""
    order = {result: index for index, result in enumerate(Result)}
    rows = [row for row in run.links if row.link.result is not Result.OK]
    return sorted(rows, key=lambda row: (order[row.link.result], row.link.url, row.file))


def times(run: CrawlRun) -> tuple[str, str]:
    finished = run.finished_at or run.started_at
    return utc_stamp(run.started_at), utc_stamp(finished)
