"""The crawl, stage by stage: the one module that knows their order.

    read (discover, split front matter) -> fetch + checks (every distinct URL once)
    -> enrich (the crawl block) -> write (splice, atomic write, --out, --dry-run)
    -> a CrawlRun for the reports

A file that cannot be processed is never written: it is recorded as ``rejected``
(or ``skipped`` without front matter), logged in one line, and the run goes on.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import os
import random
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from crawler.checks.findings import Finding
from crawler.checks.links import check_links
from crawler.checks.plan import Limits, deferred, plan_checks
from crawler.checks.reuse import to_record
from crawler.checks.staleness import Staleness
from crawler.checks.url_check import UrlCheck
from crawler.config import Config
from crawler.enrich.crawl_block import build_block
from crawler.enrich.images import size_fixes
from crawler.enrich.pages import Entry, PageReview, entries_of, review_pages
from crawler.enrich.results import FieldResult, result_of
from crawler.errors import ArticleError, FrontMatterError, NoFrontMatter
from crawler.fetch import Fetcher, Resolver
from crawler.fetch.urls import is_http_url, request_key
from crawler.outcomes import LinkResult, Result
from crawler.read.article import KeyPath, Scalar, UrlField, UrlKind, url_fields
from crawler.read.discover import Found, Refused, Source, discover
from crawler.read.files import read_limited
from crawler.read.frontmatter import FrontMatter, parse_front_matter
from crawler.state.lock import RunLock
from crawler.state.sqlite import SqliteStore
from crawler.state.store import (
    FileRecord,
    LinkRecord,
    RunRecord,
    StateStore,
    UrlCheckRecord,
    UrlHistory,
)
from crawler.write.atomic import unified_diff, write_atomic
from crawler.write.refresh import apply_refresh, key_name
from crawler.write.splice import CRAWL_KEY, with_crawl_block

log = logging.getLogger("crawler")

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


@dataclass(slots=True)
class CrawlRun:
    started_at: datetime
    finished_at: datetime | None = None
    files: list[FileOutcome] = field(default_factory=list)
    links: list[LinkRow] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    run_id: int | None = None  # the run's number in the state store, when there is one
    history: dict[str, UrlHistory] = field(default_factory=dict)  # per URL, from the store
    trend: list[RunRecord] = field(default_factory=list)  # earlier runs, newest first


@dataclass(frozen=True, slots=True)
class _Article:
    """What the run keeps of a readable file between reading and writing: no text.

    The parsed YAML of tens of thousands of files would dominate memory, so the
    write stage reads the file again and compares its digest with this one.
    """

    source: Source
    display: str
    key: str  # the file's real path: how the state store knows it
    digest: bytes  # SHA-256 of the bytes that were read
    fields: tuple[UrlField, ...]
    entries: tuple[Entry, ...]  # the article and its related ones, for the page checks


@dataclass(frozen=True, slots=True)
class FileLimits:
    file_bytes: int  # a larger article file is rejected unread
    front_matter_bytes: int  # a larger YAML front matter is rejected unparsed


ProgressStart = Callable[[int], Callable[[], None]]  # total -> per-URL tick


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it.

    Symlinks are not resolved: a link is shown under its own name, not its target's.
    """
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(os.path.abspath(Path.cwd())))
    except ValueError:
        return str(path)


def _read(found: Found, limits: FileLimits) -> _Article | FileOutcome:
    """One file's URL fields, or its outcome when it cannot be an article.

    Whatever one file holds, the run goes on: an unexpected failure on it (a bug
    its content triggers) rejects that file alone, named with the reason.
    """
    display = display_path(found.path)
    if isinstance(found, Refused):
        log.warning("%s: skipped: %s", display, found.reason)
        return FileOutcome(display, "skipped", found.reason)
    try:
        raw = read_limited(found.real, limits.file_bytes, display)
        front = parse_front_matter(raw, Path(display), limits.front_matter_bytes)
        fields = tuple(url_fields(front.data))
        entries = entries_of(front.data)
    except NoFrontMatter as exc:
        log.warning("%s", exc)
        return FileOutcome(display, "skipped", exc.reason)
    except ArticleError as exc:
        log.error("%s", exc)
        return FileOutcome(display, "rejected", exc.reason)
    except OSError as exc:
        log.error("%s: cannot read: %s", display, exc.strerror)
        return FileOutcome(display, "rejected", f"cannot read: {exc.strerror}")
    except Exception as exc:
        return _internal_failure(display, "read", exc)
    return _Article(found, display, str(found.real), _digest(raw), fields, entries)


def _internal_failure(display: str, stage: str, exc: Exception) -> FileOutcome:
    reason = f"cannot {stage} this file: {type(exc).__name__}: {exc}"[:300]
    log.error("%s: %s", display, reason)
    log.debug("%s: %s", display, reason, exc_info=exc)
    return FileOutcome(display, "rejected", reason)


def _digest(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


def _targets(articles: Sequence[_Article]) -> dict[str, UrlKind]:
    targets: dict[str, UrlKind] = {}
    for article in articles:
        for url_field in article.fields:
            if is_http_url(url_field.value):
                targets.setdefault(request_key(url_field.value), url_field.kind)
    return targets


Results = dict[str, FieldResult]  # field -> its result, for one article


def _refresh_changes(
    article: _Article, results: Results, review: PageReview, refresh: frozenset[str]
) -> dict[KeyPath, Scalar]:
    """The in-place changes ``--refresh`` asks for, limited to the fields the user allowed."""
    changes: dict[KeyPath, Scalar] = {}
    if "images" in refresh:
        for url_field in article.fields:
            changes.update(size_fixes(url_field, results[url_field.field].image))
    for entry in article.entries:
        for key in ("title", "excerpt"):
            stale = review.stale.get(entry.prefix + key)
            if key in refresh and stale is not None and isinstance(stale.live, str):
                changes[(*entry.path, key)] = stale.live
    return changes


def _previous(front: FrontMatter) -> dict[str, Any]:
    """Values earlier refreshes replaced, from the file's current crawl block."""
    block = front.data.get(CRAWL_KEY)
    previous = block.get("previous") if isinstance(block, dict) else None
    if not isinstance(previous, dict):
        return {}
    return {key: value for key, value in previous.items() if isinstance(key, str)}


def _value_at(data: Any, key_path: KeyPath) -> Any:
    for part in key_path:
        data = data[part]
    return data


def _write(
    article: _Article,
    results: Results,
    checked_at: str,
    options: CrawlOptions,
    refresh: frozenset[str],
    limits: FileLimits,
) -> tuple[FileOutcome, str | None]:
    """Refresh stale values, splice the crawl block in and write the file.

    Returns the outcome and, for --dry-run, the diff.
    """
    display = article.display
    refreshed: tuple[str, ...] = ()
    review = review_pages(article.entries, results)
    try:
        old = read_limited(article.source.real, limits.file_bytes, display)
        if _digest(old) != article.digest:
            raise FrontMatterError(display, "changed on disk during the crawl; left as it is")
        front = parse_front_matter(old, Path(display), limits.front_matter_bytes)
        previous = _previous(front)
        changes = _refresh_changes(article, results, review, refresh)
        if changes:
            original = front.data
            front, made = apply_refresh(front, changes, Path(display))
            refreshed = tuple(key_name(key_path) for key_path in made)
            for key_path in made:
                # The first value a refresh replaced is kept; later ones were ours.
                previous.setdefault(key_name(key_path), _value_at(original, key_path))
        block = build_block(results, checked_at, review, previous)
        new = with_crawl_block(front, block, Path(display))
    except ArticleError as exc:
        log.error("%s", exc)
        return FileOutcome(display, "rejected", exc.reason), None
    except OSError as exc:
        log.error("%s: cannot read: %s", display, exc.strerror)
        return FileOutcome(display, "rejected", f"cannot read: {exc.strerror}"), None
    except Exception as exc:
        return _internal_failure(display, "write", exc), None
    status: FileStatus = "enriched" if new != old else "unchanged"
    in_place = options.out is None and not options.dry_run
    outcome = FileOutcome(
        display,
        status,
        None,
        refreshed,
        tuple(review.stale.values()),
        review.findings,
        block["health"],
        hashlib.sha256(new if in_place else old).hexdigest(),
    )
    if options.dry_run:
        return outcome, unified_diff(display, old, new)
    target = article.source.real if options.out is None else options.out / article.source.relative
    try:
        if status == "enriched" or options.out is not None:
            write_atomic(target, new)
    except OSError as exc:
        log.error("%s: cannot write: %s", display, exc.strerror or exc)
        return FileOutcome(display, "rejected", f"cannot write: {exc.strerror}"), None
    return outcome, None


def _read_all(sources: Sequence[Found], limits: FileLimits) -> list[_Article | FileOutcome]:
    return [_read(source, limits) for source in sources]


def _write_all(
    articles: Sequence[_Article],
    results: Sequence[Results],
    checked_at: str,
    options: CrawlOptions,
    refresh: frozenset[str],
    fresh: Mapping[str, FileRecord],
    limits: FileLimits,
) -> list[tuple[FileOutcome, str | None]]:
    written: list[tuple[FileOutcome, str | None]] = []
    for article, article_results in zip(articles, results, strict=True):
        record = fresh.get(article.key)
        if record is None:
            written.append(_write(article, article_results, checked_at, options, refresh, limits))
            continue
        # Checked within --stale-after and not changed since: left as it is.
        outcome = FileOutcome.from_json(record.outcome, article.display, "unchanged")
        written.append((replace(outcome, health=record.health, digest=record.digest), None))
    return written


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


def run_paths(run: CrawlRun) -> list[str]:
    return [outcome.file for outcome in run.files]


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def crawl(
    options: CrawlOptions,
    config: Config,
    *,
    progress: ProgressStart | None = None,
    resolver: Resolver | None = None,
) -> CrawlRun:
    """Run every stage over the files under ``options.paths``.

    The run holds the lock on its state file and content folders throughout
    (:class:`crawler.state.lock.RunLock`; a second run gets LockHeld).
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


async def _crawl(
    run: CrawlRun,
    options: CrawlOptions,
    config: Config,
    store: StateStore | None,
    progress: ProgressStart | None,
    resolver: Resolver | None,
) -> None:
    sources = list(discover(options.paths))
    limits = FileLimits(config.max_file_bytes, config.max_front_matter_bytes)
    # Bulk file I/O and YAML parsing run off the event loop.
    read = await asyncio.to_thread(_read_all, sources, limits)
    articles = [item for item in read if isinstance(item, _Article)]
    targets = _targets(articles)
    memory = await _Memory.load(store, articles, targets, config, run.started_at)
    active = [article for article in articles if article.key not in memory.fresh]
    plan = plan_checks(targets, set(_targets(active)), memory.checks, run.started_at, memory.limits)
    log.info(
        "read %d files (%d not processable, %d fresh); requesting %d of %d distinct URLs",
        len(sources),
        len(read) - len(articles),
        len(articles) - len(active),
        len(plan.to_check),
        len(targets),
    )
    tick = progress(len(plan.to_check)) if progress is not None else None
    loop = asyncio.get_running_loop()
    deadline = None if config.max_duration is None else loop.time() + config.max_duration
    async with Fetcher(config, resolver=resolver) as fetcher:
        checked = await check_links(
            fetcher,
            plan.to_check,
            config.concurrency,
            tick,
            soft_404_probe=config.soft404_probe,
            rng=random.Random(config.seed),
            previous=memory.checks,
            deadline=deadline,
        )
    checks = {**plan.reused, **checked}
    for url in plan.to_check.keys() - checked.keys():
        checks[url] = deferred(url, memory.checks.get(url), "--max-duration reached")
    finished = datetime.now(UTC)
    results = [
        {item.field: result_of(item, checks) for item in article.fields} for article in articles
    ]
    refresh = frozenset(config.refresh_fields) if config.refresh else frozenset()
    written = await asyncio.to_thread(
        _write_all, articles, results, utc_stamp(finished), options, refresh, memory.fresh, limits
    )
    outcomes = iter(written)
    for item in read:  # in discovery order
        if isinstance(item, FileOutcome):
            run.files.append(item)
            continue
        outcome, diff = next(outcomes)
        run.files.append(outcome)
        if diff:
            run.diffs.append(diff)
    for article, article_results in zip(articles, results, strict=True):
        run.links += [
            LinkRow(article.display, name, result) for name, result in article_results.items()
        ]
    run.finished_at = datetime.now(UTC)
    if store is not None and not options.dry_run:
        await _remember(store, run, articles, memory, checked, finished, config)


@dataclass(frozen=True, slots=True)
class _Memory:
    """What the state store knows that this run uses: last checks, fresh files, limits."""

    checks: dict[str, UrlCheckRecord]  # the last check of each URL named
    fresh: dict[str, FileRecord]  # files checked within --stale-after, unchanged since
    limits: Limits

    @classmethod
    async def load(
        cls,
        store: StateStore | None,
        articles: Sequence[_Article],
        targets: Mapping[str, UrlKind],
        config: Config,
        now: datetime,
    ) -> _Memory:
        window = None if config.stale_after is None else timedelta(seconds=config.stale_after)
        limits = Limits(window, config.only_failed, config.max_urls)
        if store is None:
            return cls({}, {}, limits)
        checks = await store.last_checks(targets)
        fresh: dict[str, FileRecord] = {}
        if window is not None:
            records = await store.file_records([article.key for article in articles])
            for article in articles:
                record = records.get(article.key)
                if (
                    record is not None
                    and record.checked_at >= now - window
                    and record.digest == article.digest.hex()
                ):
                    fresh[article.key] = record
        return cls(checks, fresh, limits)


async def _remember(
    store: StateStore,
    run: CrawlRun,
    articles: Sequence[_Article],
    memory: _Memory,
    checked: Mapping[str, UrlCheck],
    finished: datetime,
    config: Config,
) -> None:
    """Record the run, the checks it made, its files and which URL each names."""
    options = {
        "paths": list(run_paths(run)),
        "staleAfter": config.stale_after,
        "onlyFailed": config.only_failed,
        "maxUrls": config.max_urls,
        "maxDuration": config.max_duration,
        "refresh": config.refresh,
    }
    run_id = await store.begin_run(run.started_at, options)
    await store.record_checks(
        run_id, [to_record(url, check, finished) for url, check in checked.items()]
    )
    outcomes = {outcome.file: outcome for outcome in run.files}
    keys = {article.display: article.key for article in articles}
    files = []
    for article in articles:
        outcome = outcomes[article.display]
        fresh = memory.fresh.get(article.key)
        checked_at = finished if fresh is None else fresh.checked_at
        digest = outcome.digest or ""  # a rejected file is never fresh
        health = outcome.health or "rejected"
        files.append(FileRecord(article.key, run_id, checked_at, health, digest, outcome.to_json()))
    for outcome in run.files:
        if outcome.file not in keys:  # not readable as an article: rejected or skipped
            record = FileRecord(
                outcome.file, run_id, finished, outcome.status, "", outcome.to_json()
            )
            files.append(record)
    links = [LinkRecord(keys[row.file], row.field, row.link.url) for row in run.links]
    await store.record_files(run_id, files)
    await store.record_links(run_id, links)
    per_url = {row.link.url: row.link.result.value for row in run.links}
    counts = {result.value: 0 for result in Result}
    for value in per_url.values():
        counts[value] += 1
    await store.finish_run(run_id, run.finished_at or finished, counts)
    run.run_id = run_id
    run.history = await store.history(per_url)
    run.trend = [record for record in await store.runs(30) if record.id != run_id]


__all__ = ["CrawlOptions", "CrawlRun", "FileOutcome", "LinkRow", "crawl"]
