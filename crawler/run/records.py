"""What a crawl produces, as the reports and the state store read it.

:class:`CrawlRun` holds the run's files (one :class:`FileOutcome` each) and link
rows (one :class:`LinkRow` per file and URL field), spooled
(:mod:`crawler.run.spool`); :class:`CrawlOptions` are
the options that are not settings (where to write, whether to write).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from crawler.checks.findings import Finding
from crawler.checks.staleness import Staleness
from crawler.enrich.results import FieldResult
from crawler.outcomes import LinkResult
from crawler.run.spool import Spool
from crawler.run.spool_views import Files, Links
from crawler.state.store import RunRecord, UrlHistory

FileStatus = Literal["enriched", "unchanged", "rejected", "skipped"]


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    paths: tuple[str, ...]
    out: Path | None = None  # write enriched copies under this folder instead
    dry_run: bool = False  # write nothing; collect unified diffs


@dataclass(frozen=True, slots=True)
class FileOutcome:
    file: str  # path as shown to the user
    status: FileStatus
    error: str | None = None
    refreshed: tuple[str, ...] = ()  # fields --refresh changed, e.g. "images[0].width"
    stale: tuple[Staleness, ...] = ()  # stored values the live pages contradict
    findings: tuple[Finding, ...] = ()  # AMP and soft-404 findings
    health: str | None = None  # the crawl block's health, for the state store
    digest: str | None = None  # hex SHA-256 of the file as the run left it

    def to_json(self) -> dict[str, Any]:
        """The JSON report's record of this file (also kept in the state store)."""
        return {
            "file": self.file,
            "status": self.status,
            "error": self.error,
            "refreshed": list(self.refreshed),
            "stale": {
                item.field: {"stored": item.stored, "live": item.live} for item in self.stale
            },
            "findings": [item.to_json() for item in self.findings],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], file: str, status: FileStatus) -> FileOutcome:
        """A file's record from an earlier run, shown under ``file`` with a new ``status``."""
        stale = data.get("stale") or {}
        return cls(
            file,
            status,
            data.get("error"),
            tuple(data.get("refreshed") or ()),
            tuple(Staleness(name, item["stored"], item["live"]) for name, item in stale.items()),
            tuple(Finding(**item) for item in data.get("findings") or ()),
        )


@dataclass(frozen=True, slots=True)
class LinkRow:
    file: str
    field: str
    result: FieldResult

    @property
    def link(self) -> LinkResult:
        return self.result.link


class CrawlRun:
    """A run's records as the reports read them, with what the state store adds.

    ``files`` (one :class:`FileOutcome` each, by place in the run), ``links`` (one
    :class:`LinkRow` per file and URL field) and ``diffs`` live in a
    :class:`crawler.run.spool.Spool`, on disk past its threshold: :meth:`close`
    (or leaving a ``with`` block) removes it once the reports are written.
    """

    __slots__ = ("finished_at", "history", "run_id", "spool", "started_at", "trend")

    def __init__(
        self,
        started_at: datetime,
        finished_at: datetime | None = None,
        *,
        files: Iterable[FileOutcome] = (),
        links: Iterable[LinkRow] = (),
        run_id: int | None = None,  # the run's number in the state store, when there is one
        history: dict[str, UrlHistory] | None = None,  # URLs not ok in this run, from the store
        trend: list[RunRecord] | None = None,  # earlier runs, newest first
        spill_after: int | None = None,  # records held in memory (default: spool.SPILL_AFTER)
    ) -> None:
        self.started_at = started_at
        self.finished_at = finished_at
        self.spool = Spool(spill_after)
        self.run_id = run_id
        self.history: dict[str, UrlHistory] = {} if history is None else history
        self.trend: list[RunRecord] = [] if trend is None else trend
        for outcome in files:
            self.files.append(outcome)
        for row in links:
            self.links.append(row)

    @property
    def files(self) -> Files:
        return self.spool.files

    @property
    def links(self) -> Links:
        return self.spool.links

    @property
    def diffs(self) -> Iterator[str]:
        return self.spool.files.diffs()

    def close(self) -> None:
        self.spool.close()

    def __enter__(self) -> CrawlRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it.

    Symlinks are not resolved: a link is shown under its own name, not its target's.
    """
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(os.path.abspath(Path.cwd())))
    except ValueError:
        return str(path)


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = [
    "CrawlOptions",
    "CrawlRun",
    "FileOutcome",
    "FileStatus",
    "LinkRow",
    "display_path",
    "utc_stamp",
]
