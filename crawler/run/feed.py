"""The reading side of the streaming crawl: files in a bounded window, URLs planned as read.

:class:`Feed` pulls discovered files in batches (read off the event loop), looks
up what the state store knows of the batch (fresh or already written files, by
their digest; last checks), parses the front matter of the files that are not
fresh (a fresh file's rows come from the store: :mod:`crawler.run.fresh`), plans
each new distinct URL once for the whole run
(:func:`crawler.checks.plan.plan_checks`: reuse, defer or request) and puts the
requests on an outbox that the transport consumes.  At most ``window`` files are
held between reading and writing: the feed waits for written files before it
reads more, so memory follows the window, not the corpus (the run-wide map of
checks keeps only the recent ones in memory: :mod:`crawler.run.checkmap`).
``--max-urls`` needs every URL's age before choosing, so with it the whole
corpus is read first.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from crawler.checks.plan import Limits, deferred, plan_checks
from crawler.checks.reuse import from_record
from crawler.checks.url_check import UrlCheck
from crawler.config import Config
from crawler.enrich.results import FieldResult, result_of
from crawler.fetch.urls import is_http_url, request_key
from crawler.read.article import UrlKind
from crawler.read.discover import Found
from crawler.run.checkmap import CheckMap
from crawler.run.fresh import FieldPlan, FreshFile, fresh_results, plan_keys, url_result
from crawler.run.recorder import Recorder
from crawler.run.records import FileOutcome
from crawler.run.transport import CheckRequest
from crawler.run.writeback import (
    FileLimits,
    RawArticle,
    ReadArticle,
    Results,
    parse_all,
    read_raws,
)
from crawler.state.store import FileRecord, StateStore, UrlCheckRecord

READ_BATCH = 256  # files read, parsed and looked up together
WINDOW = 1024  # files held at most between reading and writing (with their parsed YAML)

OnOutcome = Callable[[int, FileOutcome], None]  # a file that is not an article
OnFresh = Callable[[int, FreshFile, Results], None]  # left as it is
Read = list[tuple[int, ReadArticle | FreshFile | FileOutcome]]  # a batch, by discovery index
OnReady = Callable[[int, ReadArticle, Results], None]  # every URL answered: write it


@dataclass(slots=True)
class _Waiting:
    article: ReadArticle
    left: int  # distinct URLs still unanswered


@dataclass(slots=True)
class Feed:
    """Reads, plans and hands out the run's URL checks; resolves files as answers come."""

    found: Iterator[Found]
    config: Config
    limits: FileLimits
    store: StateStore | None
    recorder: Recorder
    now: datetime
    on_outcome: OnOutcome
    on_fresh: OnFresh
    on_ready: OnReady
    window: int = WINDOW
    checks: CheckMap = field(default_factory=CheckMap)  # every URL with a result
    requested: dict[str, UrlCheckRecord | None] = field(default_factory=dict)  # unanswered
    outbox: asyncio.Queue[CheckRequest | None] = field(default_factory=asyncio.Queue)
    files: int = 0  # files discovered so far
    _waiting: dict[int, _Waiting] = field(default_factory=dict)
    _by_url: dict[str, list[int]] = field(default_factory=dict)
    _room: asyncio.Event = field(default_factory=asyncio.Event)
    _unwritten: int = 0  # files handed to the writer and not yet written
    _deferring: str | None = None  # why no further URL is requested

    async def requests(self) -> AsyncIterator[CheckRequest]:
        """The outbox as the transport reads it: every request, then the end."""
        while (request := await self.outbox.get()) is not None:
            yield request

    async def run(self) -> None:
        """Read every file, plan its URLs, and close the outbox."""
        try:
            if self.config.max_urls is not None:
                await self._read_all_then_plan()
            else:
                while batch := list(itertools.islice(self.found, READ_BATCH)):
                    await self._wait_for_room()
                    await self._take(await self._read(batch))
        finally:
            self.outbox.put_nowait(None)

    def stop_requesting(self, reason: str) -> None:
        """The transport requests nothing more: what is queued or unanswered is deferred."""
        self._deferring = reason
        while not self.outbox.empty():
            request = self.outbox.get_nowait()
            if request is not None:
                self.resolve(request.url, deferred(request.url, request.previous, reason))
        for url, previous in list(self.requested.items()):
            self.resolve(url, deferred(url, previous, reason))

    def resolve(self, url: str, check: UrlCheck) -> None:
        """A URL's result: files that waited only on it are ready to write."""
        self.requested.pop(url, None)
        self.checks[url] = check
        for index in self._by_url.pop(url, ()):
            waiting = self._waiting[index]
            waiting.left -= 1
            if not waiting.left:
                del self._waiting[index]
                self._ready(index, waiting.article)

    async def _wait_for_room(self) -> None:
        while len(self._waiting) + self._unwritten > self.window - READ_BATCH:
            self._room.clear()
            await self._room.wait()

    def _ready(self, index: int, article: ReadArticle) -> None:
        results = {item.field: result_of(item, self.checks) for item in article.fields}
        self._unwritten += 1
        self.on_ready(index, article, results)

    def written(self) -> None:
        """A file the writer was given is written: it leaves the window."""
        self._unwritten -= 1
        self._room.set()

    async def _read(self, batch: list[Found]) -> Read:
        """Read a batch; parse only the files that are not fresh (their digest tells)."""
        read = await asyncio.to_thread(read_raws, batch, self.limits)
        fresh = await self._fresh([item for item in read if isinstance(item, RawArticle)])
        # A fresh file recorded without its field plans (by an older crawler) is parsed.
        unparsed = [item for item in read if isinstance(item, RawArticle)
                    and (item.key not in fresh or fresh[item.key].fields is None)]  # fmt: skip
        parsed = iter(await asyncio.to_thread(parse_all, unparsed, self.limits) if unparsed else ())
        done: Read = []
        for index, item in enumerate(read, start=self.files):
            if not isinstance(item, RawArticle):
                done.append((index, item))
                continue
            record = fresh.get(item.key)
            article = next(parsed) if record is None or record.fields is None else None
            if record is not None and not isinstance(article, FileOutcome):
                done.append((index, FreshFile(item.display, item.key, record, article)))
            else:
                assert article is not None
                done.append((index, article))
        self.files += len(batch)
        return done

    async def _read_all_then_plan(self) -> None:
        everything: Read = []
        while batch := list(itertools.islice(self.found, READ_BATCH)):
            everything += await self._read(batch)
        await self._take(everything)

    async def _take(self, read: Read) -> None:
        """Plan a batch of read files: outcomes, fresh files, reuse, and new requests."""
        articles: list[tuple[int, ReadArticle]] = []
        fresh: list[tuple[int, FreshFile]] = []
        for index, found in read:
            if isinstance(found, FileOutcome):
                self.on_outcome(index, found)
            elif isinstance(found, FreshFile):
                fresh.append((index, found))
            else:
                articles.append((index, found))
        targets: dict[str, UrlKind] = {}
        for _, article in articles:
            for item in article.fields:
                if is_http_url(item.value):
                    targets.setdefault(request_key(item.value), item.kind)
        plans = [(index, item, item.plans()) for index, item in fresh]
        named = {key for _, _, plan in plans for key in plan_keys(plan)}
        shown = named - self.checks.known(named)
        previous = await self._last_checks([*targets, *shown.difference(targets)])
        self._show_fresh(plans, previous, targets)
        active: set[str] = set()
        for _, article in articles:
            active.update(_keys(article))
        checked = self.checks.known(targets)
        new = {url: kind for url, kind in targets.items() if url not in checked
               and url not in self.requested and url in active}  # fmt: skip
        done = await self.recorder.done_urls(new)
        plan = plan_checks(new, active, previous, self.now, self._limits(), done)
        self.checks.update(plan.reused)
        for url, kind in plan.to_check.items():
            if self._deferring is not None:
                self.checks[url] = deferred(url, previous.get(url), self._deferring)
                continue
            self.requested[url] = previous.get(url)
            self.outbox.put_nowait(CheckRequest(url, kind, previous.get(url)))
        answered = self.checks.known(active)
        for index, article in articles:
            left = _keys(article) - answered
            if not left:
                self._ready(index, article)
                continue
            self._waiting[index] = _Waiting(article, len(left))
            for url in left:
                self._by_url.setdefault(url, []).append(index)

    def _show_fresh(
        self,
        plans: list[tuple[int, FreshFile, Sequence[FieldPlan]]],
        previous: dict[str, UrlCheckRecord],
        planned: dict[str, UrlKind],
    ) -> None:
        """Fresh files' rows: this run's result for a URL, else its last check."""
        known: dict[str, FieldResult | None] = {}  # each URL's, made once for all its rows

        def result_of(key: str) -> FieldResult | None:
            if key not in known:
                check = self.checks.get(key)
                record = previous.get(key)
                if check is None and record is not None:
                    check = from_record(record)
                    # Kept for the run, as the plan keeps what it reuses: later batches
                    # naming it look nothing up.  Not a URL this batch plans or one in
                    # flight: their files wait for this run's answer.
                    if key not in planned and key not in self.requested:
                        self.checks[key] = check
                known[key] = None if check is None else url_result(check)
            return known[key]

        for index, item, plan in plans:
            self.on_fresh(index, item, fresh_results(plan, result_of))

    def _limits(self) -> Limits:
        stale_after = self.config.stale_after
        window = None if stale_after is None else timedelta(seconds=stale_after)
        return Limits(window, self.config.only_failed, self.config.max_urls)

    async def _last_checks(self, urls: list[str]) -> dict[str, UrlCheckRecord]:
        if self.store is None or not urls:
            return {}
        return await self.store.last_checks(urls)

    async def _fresh(self, articles: list[RawArticle]) -> dict[str, FileRecord]:
        """Files not to write again: fresh inside --stale-after, or done by a resumed run."""
        done = self.recorder.done_files
        stale_after = self.config.stale_after
        if self.store is None or (stale_after is None and not done):
            return {}
        records = {article.key: done[article.key] for article in articles if article.key in done}
        if stale_after is not None:
            latest = await self.store.file_records([article.key for article in articles])
            records = latest | records
        cutoff = None if stale_after is None else self.now - timedelta(seconds=stale_after)
        fresh = {}
        for article in articles:
            record = records.get(article.key)
            if record is None or record.digest != article.digest.hex():
                continue
            if article.key in done or (cutoff is not None and record.checked_at >= cutoff):
                fresh[article.key] = record
        return fresh


def _keys(article: ReadArticle) -> set[str]:
    return {request_key(item.value) for item in article.fields if is_http_url(item.value)}


__all__ = ["READ_BATCH", "WINDOW", "Feed"]
