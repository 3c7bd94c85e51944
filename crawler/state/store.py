"""What the crawler remembers between runs, as an interface and its records.

The pipeline talks to a :class:`StateStore`; :mod:`crawler.state.sqlite` is the
embedded implementation, and a server database can take its place later by
implementing the same Protocol.  Every method is async so that no implementation
can block the event loop.

Times are timezone-aware UTC datetimes; naive datetimes are refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from crawler.outcomes import LinkResult, Result


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is a bug in the caller."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: the state store needs UTC times")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One crawl run: when, with which options, and what it counted."""

    id: int
    started_at: datetime
    finished_at: datetime | None  # None while the run goes on, or if it never finished
    options: Mapping[str, Any]  # JSON object
    counts: Mapping[str, int]  # e.g. URLs per result class; empty until finished


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlCheckRecord:
    """One URL's check in one run: the LinkResult plus what the next run can reuse."""

    url: str
    result: Result
    status: int | None = None
    final_url: str | None = None
    redirects: int = 0
    attempts: int = 0
    elapsed_ms: int = 0
    detail: str | None = None
    content_type: str | None = None
    etag: str | None = None  # ETag header, verbatim, for If-None-Match
    last_modified: str | None = None  # Last-Modified header, verbatim, for If-Modified-Since
    bytes_read: int = 0  # body bytes taken from the wire
    checked_at: datetime
    extra: Mapping[str, Any] = field(default_factory=dict)  # JSON: findings a 304 reuses

    @classmethod
    def from_link(
        cls,
        link: LinkResult,
        *,
        checked_at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        bytes_read: int = 0,
        extra: Mapping[str, Any] | None = None,
    ) -> UrlCheckRecord:
        return cls(
            url=link.url,
            result=link.result,
            status=link.status,
            final_url=link.final_url,
            redirects=link.redirects,
            attempts=link.attempts,
            elapsed_ms=link.elapsed_ms,
            detail=link.detail,
            content_type=link.content_type,
            etag=etag,
            last_modified=last_modified,
            bytes_read=bytes_read,
            checked_at=checked_at,
            extra=extra or {},
        )

    def to_link(self) -> LinkResult:
        """The LinkResult this check recorded."""
        return LinkResult(
            url=self.url,
            result=self.result,
            status=self.status,
            final_url=self.final_url,
            redirects=self.redirects,
            attempts=self.attempts,
            elapsed_ms=self.elapsed_ms,
            detail=self.detail,
            content_type=self.content_type,
        )


@dataclass(frozen=True, slots=True)
class UrlHistory:
    """A URL across runs: since when it fails, how often in a row, when it last worked.

    An ``ok`` check ends a failing streak; a failure (``Result.is_failure``) starts
    or continues one; ``skipped`` says nothing about the link and leaves the streak
    as it was.
    """

    url: str
    first_seen: datetime
    first_failed_at: datetime | None  # start of the current failing streak
    consecutive_failures: int
    last_ok_at: datetime | None
    last_result: Result


@dataclass(frozen=True, slots=True)
class FileRecord:
    """An article file's crawl in one run."""

    path: str  # as shown to the user
    run_id: int
    checked_at: datetime
    health: str  # crawler.enrich Health value: ok, degraded or dead
    digest: str  # hex SHA-256 of the file's bytes as the crawl left them
    outcome: Mapping[str, Any] = field(default_factory=dict)  # JSON: the report's file record
    # JSON: the file's URL fields as its rows need them (crawler.run.fresh), None if unknown
    fields: Sequence[Any] | None = None


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """Which file names which URL in one run, and in which field (as in the report)."""

    path: str  # as in FileRecord.path
    field: str  # e.g. "originalUrl", "related[1].images[0].url"
    url: str  # as in UrlCheckRecord.url, so the two join


class StateStore(Protocol):
    """The crawler's memory between runs.  Closing it is the caller's duty."""

    async def begin_run(self, started_at: datetime, options: Mapping[str, Any]) -> int:
        """Record a new run; returns its id."""
        ...

    async def finish_run(
        self, run_id: int, finished_at: datetime, counts: Mapping[str, int]
    ) -> None: ...

    async def record_checks(self, run_id: int, checks: Sequence[UrlCheckRecord]) -> None:
        """Store the checks and update each URL's history, all in one transaction.

        A URL is checked at most once per run; recording it twice is a ValueError.
        No password is kept: every URL is stored, and found, in its redacted form
        (:func:`crawler.fetch.urls.redact_url`), so URLs that differ only by their
        password share one record, in which a failure wins.
        """
        ...

    async def record_files(self, run_id: int, files: Sequence[FileRecord]) -> None:
        """Store the files' crawls; each record's ``run_id`` must be ``run_id``."""
        ...

    async def record_links(self, run_id: int, links: Sequence[LinkRecord]) -> None:
        """Store which file names which URL in this run (for reports from the store)."""
        ...

    async def record_again(self, run_id: int, files: Sequence[FileRecord]) -> None:
        """Store earlier records of files as this run's too, with the links they named.

        Each record is found by its ``path`` and ``run_id`` (the run that made it); it
        is copied under ``run_id`` as it is (same time, health, digest and outcome),
        but for the outcome's status, ``unchanged``; and so are its links: a file the
        run leaves as it is, still in its reports.
        """
        ...

    async def last_checks(self, urls: Iterable[str]) -> dict[str, UrlCheckRecord]:
        """The latest check of each URL that has one."""
        ...

    async def history(self, urls: Iterable[str]) -> dict[str, UrlHistory]: ...

    async def file_records(self, paths: Iterable[str]) -> dict[str, FileRecord]:
        """The latest crawl of each file that has one."""
        ...

    async def runs(self, limit: int) -> list[RunRecord]:
        """The last ``limit`` runs, newest first."""
        ...

    async def run_checks(self, run_id: int) -> list[UrlCheckRecord]:
        """Every check of one run, by URL."""
        ...

    async def run_checked(self, run_id: int, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` that ``run_id`` checked, as the store names them (passwords masked)."""
        ...

    async def run_files(self, run_id: int) -> list[FileRecord]:
        """Every file of one run, by path."""
        ...

    async def run_links(self, run_id: int) -> list[LinkRecord]:
        """Every (file, field, url) row of one run, by path then field."""
        ...

    async def failed_urls(self, run_id: int | None = None) -> set[str]:
        """URLs whose check failed in ``run_id``, or in the latest finished run."""
        ...

    async def close(self) -> None: ...
