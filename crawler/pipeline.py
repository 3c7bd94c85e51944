"""The crawl, stage by stage: the one module that knows their order.

    read (discover, split front matter) -> plan (state store: reuse, resume)
    -> fetch + checks (every distinct URL once, host-aware frontier)
    -> enrich + write (each file as soon as all its URLs are known, in batches)
    -> a CrawlRun for the reports

Files are written while the checks go on: a file whose URLs all have a result is
prepared and written in the next batch (one folder sync per batch), and what the
run learns goes to the state store as it happens (:mod:`crawler.run.recorder`),
so a crawl killed at any moment keeps every file old or complete, and running the
same command again resumes it.  A file that cannot be processed is never written:
it is recorded as ``rejected`` (or ``skipped``), logged in one line, and the run
goes on.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import shlex
import sys
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.checks.plan import Limits, deferred, plan_checks
from crawler.checks.url_check import UrlCheck
from crawler.config import Config
from crawler.defaults import WORKERS_FROM
from crawler.enrich.results import FieldResult, result_of
from crawler.fetch import Resolver
from crawler.fetch.urls import is_http_url, request_key
from crawler.outcomes import Result
from crawler.read.article import UrlKind
from crawler.read.discover import discover
from crawler.run.inline import InlineTransport
from crawler.run.local import LocalTransport
from crawler.run.recorder import Recorder
from crawler.run.records import (
    CrawlOptions,
    CrawlRun,
    FileOutcome,
    FileStatus,
    LinkRow,
    utc_stamp,
)
from crawler.run.redis.coordinator import RedisTransport, run_id_for
from crawler.run.transport import CheckAnswer, CheckRequest, Transport
from crawler.run.writeback import (
    FileLimits,
    Prepared,
    ReadArticle,
    prepare,
    read_all,
    write_prepared,
)
from crawler.state.lock import RunLock
from crawler.state.sqlite import SqliteStore
from crawler.state.store import FileRecord, LinkRecord, StateStore, UrlCheckRecord
from crawler.write.cleanup import remove_leftovers

log = logging.getLogger("crawler")

ProgressStart = Callable[[int], Callable[[], None]]  # total -> per-URL tick
INTERRUPTED = "not written: the crawl was interrupted"
WRITE_BATCH = 64  # files prepared and written together: one folder sync per batch
Results = dict[str, FieldResult]  # field -> its result, for one article


def _targets(articles: Sequence[ReadArticle]) -> dict[str, UrlKind]:
    targets: dict[str, UrlKind] = {}
    for article in articles:
        for url_field in article.fields:
            if is_http_url(url_field.value):
                targets.setdefault(request_key(url_field.value), url_field.kind)
    return targets


def content_roots(paths: Sequence[str]) -> list[Path]:
    """The folders (or files) a run's PATH arguments cover; a glob's fixed leading folders."""
    roots = []
    for text in paths:
        path = Path(text)
        if not path.exists():
            fixed = [part for part in itertools.takewhile(_is_plain, path.parts)]
            path = Path(*fixed) if fixed else Path(".")
        roots.append(path)
    return roots


def _is_plain(part: str) -> bool:
    return not any(char in part for char in "*?[")


def _command() -> str:
    return shlex.join(["crawler", *sys.argv[1:]])


async def crawl(
    options: CrawlOptions,
    config: Config,
    *,
    progress: ProgressStart | None = None,
    resolver: Resolver | None = None,
) -> CrawlRun:
    """Run every stage over the files under ``options.paths``.

    The run holds the lock on its state file and content folders throughout
    (:class:`crawler.state.lock.RunLock`; a second run gets LockHeld), until the
    last write has finished, even when the run is cancelled.
    """
    run = CrawlRun(started_at=datetime.now(UTC))
    with RunLock.for_run(config.state, content_roots(options.paths), command=_command()):
        store = None if config.state is None else await SqliteStore.open(config.state)
        try:
            await _crawl(run, options, config, store, progress, resolver)
        finally:
            if store is not None:
                await store.close()
    return run


def _run_options(options: CrawlOptions, config: Config) -> dict[str, Any]:
    """What identifies a run's command, so that running it again resumes it."""
    return {
        "paths": list(options.paths),
        "out": None if options.out is None else str(options.out),
        "staleAfter": config.stale_after,
        "onlyFailed": config.only_failed,
        "maxUrls": config.max_urls,
        "maxDuration": config.max_duration,
        "refresh": config.refresh,
    }


async def _crawl(
    run: CrawlRun,
    options: CrawlOptions,
    config: Config,
    store: StateStore | None,
    progress: ProgressStart | None,
    resolver: Resolver | None,
) -> None:
    found = list(discover(options.paths))
    if options.out is None and not options.dry_run:
        await asyncio.to_thread(remove_leftovers, found)
    limits = FileLimits(config.max_file_bytes, config.max_front_matter_bytes)
    # Bulk file I/O and YAML parsing run off the event loop.
    read = await asyncio.to_thread(read_all, found, limits)
    articles = [item for item in read if isinstance(item, ReadArticle)]
    targets = _targets(articles)
    recorder = await Recorder.start(
        None if options.dry_run else store, run.started_at, _run_options(options, config)
    )
    run.run_id = recorder.run_id
    memory = await _Memory.load(store, articles, targets, config, run.started_at, recorder)
    active = [article for article in articles if article.key not in memory.fresh]
    plan = plan_checks(
        targets, set(_targets(active)), memory.checks, run.started_at, memory.limits,
        done=recorder.done_urls,
    )  # fmt: skip
    log.info(
        "read %d files (%d not processable, %d fresh); requesting %d of %d distinct URLs%s",
        len(found),
        len(read) - len(articles),
        len(articles) - len(active),
        len(plan.to_check),
        len(targets),
        f"; resuming run {recorder.run_id}" if recorder.resumed else "",
    )
    checks: dict[str, UrlCheck] = dict(plan.reused)
    writer = _Writer(options, config, limits, recorder, checks)
    waiting: dict[str, list[int]] = {}
    for index, article in enumerate(articles):
        if article.key in memory.fresh:
            continue
        keys = {request_key(item.value) for item in article.fields if is_http_url(item.value)}
        keys -= checks.keys()
        writer.pending[index] = len(keys)
        for key in keys:
            waiting.setdefault(key, []).append(index)

    def resolve(url: str, check: UrlCheck) -> None:
        checks[url] = check
        for index in waiting.pop(url, ()):
            writer.pending[index] -= 1
            if not writer.pending[index]:
                writer.submit(index, articles[index])

    tick = progress(len(plan.to_check)) if progress is not None else None
    loop = asyncio.get_running_loop()
    deadline = None if config.max_duration is None else loop.time() + config.max_duration
    answered: set[str] = set()

    def on_answer(answer: CheckAnswer) -> None:
        answered.add(answer.url)
        recorder.check(answer.url, answer.check)
        resolve(answer.url, answer.check)
        if tick is not None:
            tick()

    requests = [
        CheckRequest(url, kind, memory.checks.get(url)) for url, kind in plan.to_check.items()
    ]
    transport = _transport(config, len(requests), resolver, deadline, recorder)
    async with writer.running():
        for index, article in enumerate(articles):
            if writer.pending.get(index) == 0:
                writer.submit(index, article)
        await transport.run(requests, on_answer)
        for url in plan.to_check.keys() - answered:
            resolve(url, deferred(url, memory.checks.get(url), "--max-duration reached"))
    finished = datetime.now(UTC)
    outcomes = iter(writer.outcomes(articles, memory.fresh))
    for item in read:  # in discovery order
        if isinstance(item, FileOutcome):
            run.files.append(item)
            recorder.file(FileRecord(item.file, recorder.run_id or 0, finished, item.status, "",
                                     item.to_json()), [])  # fmt: skip
            continue
        outcome, diff = next(outcomes)
        run.files.append(outcome)
        if diff:
            run.diffs.append(diff)
    for article in articles:
        results = {item.field: result_of(item, checks) for item in article.fields}
        run.links += [LinkRow(article.display, name, result) for name, result in results.items()]
    for article in articles:
        record = memory.fresh.get(article.key)
        if record is not None and article.key not in recorder.done_files:
            # Fresh inside --stale-after: recorded again in this run, as it was.
            recorder.file(replace(record, run_id=recorder.run_id or 0), _links_of(article))
    run.finished_at = datetime.now(UTC)
    if recorder.run_id is not None and store is not None:
        per_url = {row.link.url: row.link.result.value for row in run.links}
        counts = {result.value: 0 for result in Result}
        for value in per_url.values():
            counts[value] += 1
        await recorder.finish(run.finished_at, counts)
        run.history = await store.history(per_url)
        run.trend = [item for item in await store.runs(30) if item.id != recorder.run_id]


def _transport(
    config: Config,
    urls: int,
    resolver: Resolver | None,
    deadline: float | None,
    recorder: Recorder,
) -> Transport:
    """Where the checks run: this process, worker processes that share the hosts, or a fleet."""
    if config.redis is not None:
        state = None if config.state is None else str(config.state.resolve())
        run_id = run_id_for(state, recorder.run_id)
        return RedisTransport(config, run_id, deadline=deadline, durable=recorder.flush)
    workers = config.workers
    if workers is None:
        workers = (os.cpu_count() or 1) if urls >= WORKERS_FROM else 1
    if workers == 1 or resolver is not None:  # a resolver object cannot cross processes
        return InlineTransport(config, resolver=resolver, deadline=deadline)
    return LocalTransport(config, workers, deadline=deadline)


def _links_of(article: ReadArticle) -> list[LinkRecord]:
    return [LinkRecord(article.key, item.field, str(item.value)) for item in article.fields]


class _Writer:
    """Prepares and writes files as their URLs are answered, one batch at a time.

    The work runs on one thread of its own; a cancelled run stops it between two
    files (within a batch's time) and waits for it, so the run's locks are held
    until the last rename is done.
    """

    def __init__(
        self,
        options: CrawlOptions,
        config: Config,
        limits: FileLimits,
        recorder: Recorder,
        checks: Mapping[str, UrlCheck],
    ) -> None:
        self._options = options
        self._refresh = frozenset(config.refresh_fields) if config.refresh else frozenset()
        self._limits = limits
        self._recorder = recorder
        self._checks = checks
        self.pending: dict[int, int] = {}  # article index -> URLs it still waits for
        self._ready: list[tuple[int, ReadArticle, Results]] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._stop = threading.Event()
        self._done: dict[int, Prepared] = {}

    def submit(self, index: int, article: ReadArticle) -> None:
        results = {item.field: result_of(item, self._checks) for item in article.fields}
        self._ready.append((index, article, results))
        self._wake.set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The writer drains while the body checks URLs; leaving waits for the last write."""
        task = asyncio.create_task(self.drain())
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

    async def drain(self) -> None:
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
                        self._done[index] = prepared
                        self._record(article, results, prepared)
                if self._closed and not self._ready:
                    return
        finally:
            executor.shutdown(wait=True)

    def _write(self, batch: list[tuple[int, ReadArticle, Results]]) -> list[Prepared]:
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

    def _record(self, article: ReadArticle, results: Results, prepared: Prepared) -> None:
        outcome = prepared.outcome
        if self._options.dry_run or outcome.error == INTERRUPTED:
            return
        record = FileRecord(
            article.key,
            self._recorder.run_id or 0,
            datetime.now(UTC),
            outcome.health or "rejected",
            outcome.digest or "",
            outcome.to_json(),
        )
        links = [LinkRecord(article.key, name, result.link.url) for name, result in results.items()]
        self._recorder.file(record, links)

    def outcomes(
        self, articles: Sequence[ReadArticle], fresh: Mapping[str, FileRecord]
    ) -> list[tuple[FileOutcome, str | None]]:
        """Each article's outcome and diff, in the order of ``articles``."""
        found: list[tuple[FileOutcome, str | None]] = []
        for index, article in enumerate(articles):
            record = fresh.get(article.key)
            if record is not None:
                # Fresh inside --stale-after: left as it is; done by the resumed run: as then.
                kept: FileStatus = "unchanged"
                if (
                    article.key in self._recorder.done_files
                    and record.outcome.get("status") == "enriched"
                ):
                    kept = "enriched"
                outcome = FileOutcome.from_json(record.outcome, article.display, kept)
                found.append((replace(outcome, health=record.health, digest=record.digest), None))
                continue
            prepared = self._done.get(index)
            if prepared is None:
                found.append((FileOutcome(article.display, "rejected", INTERRUPTED), None))
                continue
            found.append((prepared.outcome, prepared.diff))
        return found


@dataclass(frozen=True, slots=True)
class _Memory:
    """What the state store knows that this run uses: last checks, fresh files, limits."""

    checks: dict[str, UrlCheckRecord]  # the last check of each URL named
    fresh: dict[str, FileRecord]  # files not to write again: fresh, or done by a resumed run
    limits: Limits

    @classmethod
    async def load(
        cls,
        store: StateStore | None,
        articles: Sequence[ReadArticle],
        targets: Mapping[str, UrlKind],
        config: Config,
        now: datetime,
        recorder: Recorder,
    ) -> _Memory:
        window = None if config.stale_after is None else timedelta(seconds=config.stale_after)
        limits = Limits(window, config.only_failed, config.max_urls)
        if store is None:
            return cls({}, {}, limits)
        checks = await store.last_checks(targets)
        fresh: dict[str, FileRecord] = {}
        if window is not None or recorder.done_files:
            records = dict(recorder.done_files)
            if window is not None:
                latest = await store.file_records([article.key for article in articles])
                records = {**latest, **records}
            for article in articles:
                record = records.get(article.key)
                if record is None or record.digest != article.digest.hex():
                    continue
                if article.key in recorder.done_files or (
                    window is not None and record.checked_at >= now - window
                ):
                    fresh[article.key] = record
        return cls(checks, fresh, limits)


__all__ = ["CrawlOptions", "CrawlRun", "FileOutcome", "LinkRow", "crawl"]
