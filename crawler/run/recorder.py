"""The run's memory as it happens: checks and file outcomes go to the state store in batches.

A crawl killed at any moment keeps what it learned: checks and written files go to
the store write-behind (whatever gathered while the last transaction ran goes in
the next, at most ``BATCH`` of each), checks before the files that use them, all
on the store's own thread.  Running the same command
again finds the unfinished run with the same options and resumes it: the URLs it
checked are not requested again and the files it wrote (still as it left them)
are not rewritten.  A finished run is marked finished with its counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawler.checks.reuse import to_record
from crawler.checks.url_check import UrlCheck
from crawler.state.store import FileRecord, LinkRecord, StateStore, UrlCheckRecord

BATCH = 256  # checks or files recorded together in one transaction
AGAIN = 4096  # earlier file records copied together, in one statement per table


@dataclass(slots=True)
class Recorder:
    """Buffers the run's records and writes them to the store in order, batch by batch."""

    store: StateStore | None
    run_id: int | None = None
    resumed: bool = False
    done_files: dict[str, FileRecord] = field(default_factory=dict)  # written by it, by key
    _checks: list[UrlCheckRecord] = field(default_factory=list)
    _files: list[tuple[FileRecord, list[LinkRecord]]] = field(default_factory=list)
    _again: list[FileRecord] = field(default_factory=list)  # earlier records, as this run's
    _flushing: asyncio.Task[None] | None = None

    @classmethod
    async def start(
        cls, store: StateStore | None, started_at: datetime, options: Mapping[str, Any]
    ) -> Recorder:
        """A new run in ``store``, or the unfinished run with the same options, resumed."""
        if store is None:
            return cls(None)
        same = [run for run in await store.runs(50) if dict(run.options) == dict(options)]
        if same and same[0].finished_at is None:
            run_id = same[0].id
            done_files = {record.path: record for record in await store.run_files(run_id)}
            return cls(store, run_id, True, done_files)
        return cls(store, await store.begin_run(started_at, options))

    async def done_urls(self, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` the resumed run checked, as the store names them (passwords masked).

        Asked of the store batch by batch: a resumed run of 400,000 URLs would
        otherwise hold every one of them (and, while loading, every check).
        """
        if not self.resumed or self.store is None or self.run_id is None:
            return set()
        return await self.store.run_checked(self.run_id, urls)

    def check(self, url: str, check: UrlCheck) -> None:
        if self.run_id is None:
            return
        self._checks.append(to_record(url, check, datetime.now(UTC)))
        self._maybe_flush()

    def file(self, record: FileRecord, links: list[LinkRecord]) -> None:
        if self.run_id is None or record.path in self.done_files:
            return
        self._files.append((record, links))
        self._maybe_flush()

    def again(self, record: FileRecord) -> None:
        """An earlier run's record of a file this run leaves as it is, copied in the store."""
        if self.run_id is None or record.path in self.done_files:
            return
        self._again.append(record)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        # Write-behind: whenever the store is idle, what has gathered goes in one
        # transaction; while it is busy, the next batch grows (group commit).
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_all())

    async def flush(self) -> None:
        """Everything buffered, on disk (also what an earlier flush is still writing)."""
        if self._flushing is not None:
            await self._flushing
        await self._flush_all()

    async def _flush_all(self) -> None:
        while (
            self.store is not None
            and self.run_id is not None
            and (self._checks or self._files or self._again)
        ):
            checks, self._checks = self._checks[:BATCH], self._checks[BATCH:]
            files, self._files = self._files[:BATCH], self._files[BATCH:]
            again, self._again = self._again[:AGAIN], self._again[AGAIN:]
            # Checks first: a file on record always finds the checks it was written from.
            if checks:
                await self.store.record_checks(self.run_id, checks)
            if files:
                await self.store.record_files(self.run_id, [record for record, _ in files])
                await self.store.record_links(self.run_id, [x for _, y in files for x in y])
            if again:
                await self.store.record_again(self.run_id, again)

    async def finish(self, finished_at: datetime, counts: Mapping[str, int]) -> None:
        await self.flush()
        if self.store is not None and self.run_id is not None:
            await self.store.finish_run(self.run_id, finished_at, counts)


__all__ = ["BATCH", "Recorder"]
