"""The write-back while the checks go on: files prepared and written as they become ready.

A file is handed to the :class:`Writer` once every URL it names has a result.  It
is prepared (refresh, crawl block, re-parse check) and written in batches of
``WRITE_BATCH`` on one thread of its own (one folder sync per folder per batch,
see :func:`crawler.write.atomic.write_batch`), while the event loop keeps the
checks going.  A cancelled run stops the thread between two files (within a
batch's time) and waits for it, so the run's locks are held until the last
rename is done.  Each finished file is handed back through ``on_written``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from crawler.config import Config
from crawler.run.records import CrawlOptions, FileOutcome, utc_stamp
from crawler.run.writeback import (
    INTERRUPTED,
    FileLimits,
    Prepared,
    ReadArticle,
    Results,
    prepare,
    write_prepared,
)

WRITE_BATCH = 64  # files prepared and written together: one folder sync per batch

Job = tuple[int, ReadArticle, Results]  # the article's place in the run, and what to write
OnWritten = Callable[[int, ReadArticle, Results, Prepared], None]


class Writer:
    """Prepares and writes files as they are submitted, one batch at a time."""

    def __init__(
        self, options: CrawlOptions, config: Config, limits: FileLimits, on_written: OnWritten
    ) -> None:
        self._options = options
        self._refresh = frozenset(config.refresh_fields) if config.refresh else frozenset()
        self._limits = limits
        self._on_written = on_written
        self._ready: list[Job] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._stop = threading.Event()

    def submit(self, index: int, article: ReadArticle, results: Results) -> None:
        self._ready.append((index, article, results))
        self._wake.set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The writer drains while the body runs; leaving waits for the last write."""
        task = asyncio.create_task(self._drain())
        try:
            yield
        except BaseException:
            self._stop.set()
            task.cancel()
            await asyncio.wait([task])
            raise
        self._closed = True
        self._wake.set()
        await task

    async def _drain(self) -> None:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crawler-write")
        loop = asyncio.get_running_loop()
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._ready:
                    batch, self._ready = self._ready[:WRITE_BATCH], self._ready[WRITE_BATCH:]
                    work = loop.run_in_executor(executor, self._write, batch)
                    try:
                        written = await asyncio.shield(work)
                    except asyncio.CancelledError:
                        self._stop.set()  # no new file is started; the current one finishes
                        await asyncio.wait([work])
                        raise
                    for (index, article, results), prepared in zip(batch, written, strict=True):
                        self._on_written(index, article, results, prepared)
                if self._closed and not self._ready:
                    return
        finally:
            executor.shutdown(wait=True)

    def _write(self, batch: list[Job]) -> list[Prepared]:
        checked_at = utc_stamp(datetime.now(UTC))
        prepared = []
        for _, article, results in batch:
            if self._stop.is_set():
                prepared.append(Prepared(FileOutcome(article.display, "rejected", INTERRUPTED)))
                continue
            prepared.append(
                prepare(article, results, checked_at, self._options, self._refresh, self._limits)
            )
        return write_prepared(prepared, self._stop.is_set)


__all__ = ["INTERRUPTED", "WRITE_BATCH", "Job", "Results", "Writer"]
