"""Figures and row subsets every report shares, read from a CrawlRun's spool.

The subsets (links not ok, image problems, redirects, findings, stale fields) are
selected by the spool and held; the rows of the whole run are only ever streamed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from crawler.checks.findings import Finding
from crawler.checks.staleness import Staleness
from crawler.enrich.images import image_entry
from crawler.outcomes import Result
from crawler.run.records import CrawlRun, FileOutcome, LinkRow, utc_stamp


@dataclass(frozen=True, slots=True)
class Summary:
    files: int
    files_rejected: int
    files_skipped: int
    urls: int  # distinct URL values named by the processed files
    by_result: dict[str, int]  # distinct URLs per result class
    images_probed: int  # distinct image URLs whose bytes were probed
    images_invalid: int  # of those, the ones that are not a valid image
    size_mismatches: int  # image fields whose declared size is not the displayed size
    files_stale: int  # files with at least one stale field
    findings: dict[str, int]  # findings per code (AMP checks, soft-404)

    @property
    def failed(self) -> bool:
        """The run exits 1: a link not ok (skipped excepted) or a rejected file."""
        return self.files_rejected > 0 or any(
            Result(name).is_failure for name, count in self.by_result.items() if count
        )


def summarize(run: CrawlRun) -> Summary:
    """The run's figures, each counted over the spool (SQL), never a dict of every URL."""
    statuses = run.files.statuses()
    probed, invalid = run.links.image_counts()
    codes = Counter(
        item.code for outcome in run.files.where("findings") for item in outcome.findings
    )
    return Summary(
        files=sum(statuses.values()),
        files_rejected=statuses["rejected"],
        files_skipped=statuses["skipped"],
        urls=run.links.url_count(),
        by_result=run.links.result_counts(),
        images_probed=probed,
        images_invalid=invalid,
        size_mismatches=run.links.size_mismatches(),
        files_stale=run.files.count("stale"),
        findings=dict(sorted(codes.items())),
    )


def _size_mismatch(row: LinkRow) -> bool:
    image = row.result.image
    return image is not None and image.info is not None and not row.result.is_sound


def image_problem(row: LinkRow) -> str | None:
    """What is wrong with the image a field names, in a few words; None if nothing."""
    image, declared = row.result.image, row.result.declared
    if image is None:
        return None
    if image.info is None:
        return image.error
    if declared is not None and _size_mismatch(row):
        info = image.info
        shown = f"declared {declared.width}x{declared.height}, shown {info.display_width}x"
        shown += f"{info.display_height} ({info.format}"
        if info.orientation != 1:
            shown += f" stored {info.width}x{info.height}, orientation {info.orientation}"
        return shown + ")"
    return None


def image_rows(run: CrawlRun) -> list[tuple[LinkRow, str]]:
    """Image fields whose URL is not a valid image or not the declared size."""
    found = [(row, image_problem(row)) for row in run.links.where("images")]
    return [(row, problem) for row, problem in found if problem is not None]


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
        "image": None
        if row.result.image is None
        else image_entry(row.result.image, row.result.declared),
    }


def finding_rows(run: CrawlRun) -> list[tuple[str, Finding]]:
    """Every finding of the run with the file it concerns, by code then file."""
    rows = [
        (outcome.file, item) for outcome in run.files.where("findings") for item in outcome.findings
    ]
    return sorted(rows, key=lambda row: (row[1].code, row[0], row[1].field))


def stale_rows(run: CrawlRun) -> list[tuple[str, Staleness]]:
    """Every stale field of the run with its file, in file order."""
    return [(outcome.file, item) for outcome in run.files.where("stale") for item in outcome.stale]


def file_record(outcome: FileOutcome) -> dict[str, Any]:
    """One row of the JSON report's ``files`` list (the state store keeps the same record)."""
    return outcome.to_json()


def problem_rows(run: CrawlRun) -> list[LinkRow]:
    """Rows whose link is not ok, worst classes first (then by URL and file)."""
    return list(run.links.problems())


def times(run: CrawlRun) -> tuple[str, str]:
    finished = run.finished_at or run.started_at
    return utc_stamp(run.started_at), utc_stamp(finished)


def redirect_rows(run: CrawlRun) -> list[LinkRow]:
    """Rows whose link is ok only after redirects to another URL: values worth updating."""
    rows = list(run.links.where("redirected"))
    return sorted(rows, key=lambda row: (row.link.url, row.file, row.field))


def by_url(rows: list[LinkRow]) -> dict[str, list[LinkRow]]:
    """Rows grouped under the URL they name, in the order the URLs first appear."""
    grouped: dict[str, list[LinkRow]] = {}
    for row in rows:
        grouped.setdefault(row.link.url, []).append(row)
    return grouped
