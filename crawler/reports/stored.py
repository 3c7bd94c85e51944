"""A run as the state store remembers it, rebuilt as a CrawlRun for the report renderers.

``crawler report`` renders the latest run (or ``--run ID``) in any format without
crawling: files and their outcomes, which file names which URL in which field,
each URL's check in that run (or, for a URL the run reused, its last check),
per-URL history and the earlier runs for the trend.  Declared image sizes are
not stored, so a stored report lists invalid images but not size mismatches.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from crawler.checks.reuse import from_record
from crawler.checks.url_check import UrlCheck
from crawler.enrich.results import FieldResult
from crawler.errors import UsageError
from crawler.fetch.urls import invalid_reason, is_http_url
from crawler.outcomes import LinkResult, Result
from crawler.run.records import (
    CrawlRun,
    FileOutcome,
    FileStatus,
    LinkRow,
    display_path,
)
from crawler.state.store import StateStore

TREND_RUNS = 30  # earlier runs shown in the trend

_STATUSES: frozenset[str] = frozenset({"enriched", "unchanged", "rejected", "skipped"})


async def load_run(store: StateStore, run_id: int | None, state_path: Path) -> CrawlRun:
    """The run ``run_id`` (None: the latest finished one) from ``store``."""
    runs = await store.runs(10_000)
    finished = [record for record in runs if record.finished_at is not None]
    if run_id is None:
        if not finished:
            raise UsageError(f"{state_path}: no finished crawl recorded yet")
        record = finished[0]
    else:
        matching = [item for item in runs if item.id == run_id]
        if not matching:
            raise UsageError(f"{state_path}: no run {run_id} (runs 1 to {len(runs)})")
        record = matching[0]
    run = CrawlRun(started_at=record.started_at, finished_at=record.finished_at)
    try:
        await _fill(run, store, record.id)
    except BaseException:
        run.close()
        raise
    run.trend = [item for item in runs[: TREND_RUNS + 1] if item.id != record.id][:TREND_RUNS]
    return run


async def _fill(run: CrawlRun, store: StateStore, run_id: int) -> None:
    run.run_id = run_id
    displays: dict[str, str] = {}
    for file in await store.run_files(run_id):
        display = displays[file.path] = display_path(Path(file.path))
        status = file.outcome.get("status")
        kept = cast(FileStatus, status if status in _STATUSES else "unchanged")
        run.files.append(FileOutcome.from_json(file.outcome, display, kept))
    links = await store.run_links(run_id)
    checks = {check.url: check for check in await store.run_checks(run_id)}
    missing = {link.url for link in links} - checks.keys()
    checks |= await store.last_checks(missing)
    for link in links:
        check = checks.get(link.url)
        if check is not None:
            result = _field_result(from_record(check))
        elif not is_http_url(link.url):  # never requested: the value is not a URL
            result = FieldResult(
                LinkResult(link.url, Result.INVALID, detail=invalid_reason(link.url))
            )
        else:
            result = FieldResult(LinkResult(link.url, Result.SKIPPED, detail="no check recorded"))
        run.links.append(LinkRow(displays.get(link.path, link.path), link.field, result))
    run.history = await store.history(run.links.problem_urls())  # the URLs reports show


def _field_result(check: UrlCheck) -> FieldResult:
    return FieldResult(check.link, check.image, None, check.page, check.soft_404)
