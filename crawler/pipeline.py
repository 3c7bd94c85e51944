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
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.config import Config
from crawler.defaults import WORKERS_FROM
from crawler.fetch import Resolver
from crawler.read.discover import Source, discover
from crawler.run.feed import Feed
from crawler.run.fresh import FreshFile, field_plans
from crawler.run.inline import InlineTransport
from crawler.run.local import LocalTransport
from crawler.run.recorder import Recorder
from crawler.run.records import (
    CrawlOptions,
    CrawlRun,
    FileOutcome,
    FileStatus,
    LinkRow,
)
from crawler.run.redis.coordinator import RedisTransport, run_id_for
from crawler.run.transport import CheckAnswer, Transport
from crawler.run.writeback import INTERRUPTED, FileLimits, Prepared, ReadArticle, Results
from crawler.run.writer import Writer
from crawler.state.lock import RunLock
from crawler.state.sqlite import SqliteStore
from crawler.state.store import FileRecord, LinkRecord, StateStore
from crawler.write.cleanup import remove_leftovers

log = logging.getLogger("crawler")

ProgressStart = Callable[[int | None], Callable[[], None]]  # total (None: unknown) -> tick


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
    last write has finished, even when the run is cancelled.  The caller closes
    the run once its reports are written (that removes its spool).
    """
    run = CrawlRun(started_at=datetime.now(UTC))
    try:
        with RunLock.for_run(config.state, content_roots(options.paths), command=_command()):
            store = None if config.state is None else await SqliteStore.open(config.state)
            try:
                await _crawl(run, options, config, store, progress, resolver)
            finally:
                if store is not None:
                    await store.close()
    except BaseException:
        run.close()  # its spool, on disk past a threshold
        raise
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
    found = discover(options.paths, config.extensions)
    first = next(found, None)  # every argument is checked before anything is read
    found = itertools.chain([] if first is None else [first], found)
    if options.out is None and not options.dry_run:
        found = remove_leftovers(found)
    recorder = await Recorder.start(
        None if options.dry_run else store, run.started_at, _run_options(options, config)
    )
    run.run_id = recorder.run_id
    # --max-urls reads every file before planning: then no parsed front matter is kept.
    limits = FileLimits(
        config.max_file_bytes, config.max_front_matter_bytes, config.max_urls is None
    )
    # Under each file's place in the run, as files finish (spooled, read back in order).
    files, rows = run.files, run.links

    def outcome(index: int, item: FileOutcome) -> None:
        files[index] = (item, None)
        record = FileRecord(item.file, recorder.run_id or 0, run.started_at, item.status, "",
                            item.to_json())  # fmt: skip
        recorder.file(record, [])

    def fresh(index: int, item: FreshFile, results: Results) -> None:
        # Fresh inside --stale-after: left as it is; written by the resumed run: as then.
        record, done = item.record, item.key in recorder.done_files
        kept: FileStatus = "unchanged"
        if done and record.outcome.get("status") == "enriched":
            kept = "enriched"
        shown = FileOutcome.from_json(record.outcome, item.display, kept)
        files[index] = (replace(shown, health=record.health, digest=record.digest), None)
        rows[index] = _rows(item.display, results)
        if done:
            return
        if item.article is None:
            recorder.again(record)
        else:  # recorded by an older crawler: now with what a later run needs to skip parsing
            plans = field_plans(item.article.fields)
            outcome = {**record.outcome, "status": kept}
            again = replace(record, run_id=recorder.run_id or 0, outcome=outcome, fields=plans)
            recorder.file(again, _links_of(item.article))

    def written(index: int, article: ReadArticle, results: Results, prepared: Prepared) -> None:
        feed.written()
        files[index] = (prepared.outcome, prepared.diff)
        rows[index] = _rows(article.display, results)
        if not options.dry_run and prepared.outcome.error != INTERRUPTED:
            item = prepared.outcome
            health, digest = item.health or "rejected", item.digest or ""
            now = datetime.now(UTC)
            # A refresh in place changes declared sizes: the next run parses the file again.
            plans = None if item.refreshed else field_plans(article.fields)
            record = FileRecord(
                article.key, recorder.run_id or 0, now, health, digest, item.to_json(), plans
            )
            recorder.file(record, _links_of(article, results))

    writer = Writer(options, config, limits, written)
    feed = Feed(found, config, limits, store, recorder, run.started_at,
                outcome, fresh, writer.submit)  # fmt: skip
    tick = progress(None) if progress is not None else None  # URLs are found as files are read
    loop = asyncio.get_running_loop()
    deadline = None if config.max_duration is None else loop.time() + config.max_duration

    def on_answer(answer: CheckAnswer) -> None:
        recorder.check(answer.url, answer.check)
        feed.resolve(answer.url, answer.check)
        if tick is not None:
            tick()

    transport = _transport(config, options, resolver, deadline, recorder)
    async with writer.running():
        reading = asyncio.create_task(feed.run())
        try:
            await transport.run(feed.requests(), on_answer)
            feed.stop_requesting("--max-duration reached")
            await reading
        finally:
            if not reading.done():
                reading.cancel()
                await asyncio.wait([reading])
            checked = len(feed.checks)
            feed.checks.close()  # its file on disk goes now, also after an exception
    log.info(
        "read %d files; checked %d distinct URLs%s",
        feed.files,
        checked,
        f"; resumed run {recorder.run_id}" if recorder.resumed else "",
    )
    run.finished_at = datetime.now(UTC)
    if recorder.run_id is not None and store is not None:
        await recorder.finish(run.finished_at, run.links.result_counts(last=True))
        # The reports show the history of the URLs that are not ok, and of no other.
        run.history = await store.history(run.links.problem_urls())
        run.trend = [item for item in await store.runs(30) if item.id != recorder.run_id]


def _rows(display: str, results: Results) -> list[LinkRow]:
    return [LinkRow(display, name, result) for name, result in results.items()]


def _transport(
    config: Config,
    options: CrawlOptions,
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
        # Starting processes costs more than it saves on a small run: count its files.
        found = discover(options.paths, config.extensions)
        articles = (item for item in found if isinstance(item, Source))
        big = sum(1 for _ in itertools.islice(articles, WORKERS_FROM)) >= WORKERS_FROM
        workers = (os.cpu_count() or 1) if big else 1
    if workers == 1 or resolver is not None:  # a resolver object cannot cross processes
        return InlineTransport(config, resolver=resolver, deadline=deadline)
    return LocalTransport(config, workers, deadline=deadline)


def _links_of(article: ReadArticle, results: Results | None = None) -> list[LinkRecord]:
    """Which URL each field names, as the store records it (the checked URL when known)."""
    if results is not None:
        return [LinkRecord(article.key, name, item.link.url) for name, item in results.items()]
    return [LinkRecord(article.key, item.field, str(item.value)) for item in article.fields]


__all__ = ["CrawlOptions", "CrawlRun", "FileOutcome", "LinkRow", "crawl"]
