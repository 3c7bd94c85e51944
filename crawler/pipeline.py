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
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from crawler.checks.findings import Finding
from crawler.checks.links import check_links
from crawler.checks.staleness import Staleness
from crawler.config import Config
from crawler.enrich.crawl_block import build_block
from crawler.enrich.images import size_fixes
from crawler.enrich.pages import Entry, PageReview, entries_of, review_pages
from crawler.enrich.results import FieldResult, result_of
from crawler.errors import ArticleError, FrontMatterError, NoFrontMatter
from crawler.fetch import Fetcher, Resolver
from crawler.fetch.urls import is_http_url, request_key
from crawler.outcomes import LinkResult
from crawler.read.article import KeyPath, UrlField, UrlKind, url_fields
from crawler.read.discover import Source, discover
from crawler.read.frontmatter import FrontMatter, parse_front_matter
from crawler.state.store import RunRecord, UrlHistory
from crawler.write.atomic import unified_diff, write_atomic
from crawler.write.refresh import apply_refresh, key_name
from crawler.write.splice import CRAWL_KEY, Scalar, with_crawl_block

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
    digest: bytes  # SHA-256 of the bytes that were read
    fields: tuple[UrlField, ...]
    entries: tuple[Entry, ...]  # the article and its related ones, for the page checks


ProgressStart = Callable[[int], Callable[[], None]]  # total -> per-URL tick


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read(source: Source) -> _Article | FileOutcome:
    display = display_path(source.path)
    try:
        raw = source.path.read_bytes()
        front = parse_front_matter(raw, Path(display))
    except NoFrontMatter as exc:
        log.warning("%s", exc)
        return FileOutcome(display, "skipped", exc.reason)
    except ArticleError as exc:
        log.error("%s", exc)
        return FileOutcome(display, "rejected", exc.reason)
    except OSError as exc:
        log.error("%s: cannot read: %s", display, exc.strerror)
        return FileOutcome(display, "rejected", f"cannot read: {exc.strerror}")
    fields = tuple(url_fields(front.data))
    return _Article(source, display, _digest(raw), fields, entries_of(front.data))


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
) -> tuple[FileOutcome, str | None]:
    """Refresh stale values, splice the crawl block in and write the file.

    Returns the outcome and, for --dry-run, the diff.
    """
    display = article.display
    refreshed: tuple[str, ...] = ()
    review = review_pages(article.entries, results)
    try:
        old = article.source.path.read_bytes()
        if _digest(old) != article.digest:
            raise FrontMatterError(display, "changed on disk during the crawl; left as it is")
        front = parse_front_matter(old, Path(display))
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
    status: FileStatus = "enriched" if new != old else "unchanged"
    outcome = FileOutcome(
        display, status, None, refreshed, tuple(review.stale.values()), review.findings
    )
    if options.dry_run:
        return outcome, unified_diff(display, old, new)
    target = article.source.path if options.out is None else options.out / article.source.relative
    try:
        if status == "enriched" or options.out is not None:
            write_atomic(target, new)
    except OSError as exc:
        log.error("%s: cannot write: %s", display, exc.strerror or exc)
        return FileOutcome(display, "rejected", f"cannot write: {exc.strerror}"), None
    return outcome, None


def _read_all(sources: Sequence[Source]) -> list[_Article | FileOutcome]:
    return [_read(source) for source in sources]


def _write_all(
    articles: Sequence[_Article],
    results: Sequence[Results],
    checked_at: str,
    options: CrawlOptions,
    refresh: frozenset[str],
) -> list[tuple[FileOutcome, str | None]]:
    return [
        _write(article, article_results, checked_at, options, refresh)
        for article, article_results in zip(articles, results, strict=True)
    ]


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def crawl(
    options: CrawlOptions,
    config: Config,
    *,
    progress: ProgressStart | None = None,
    resolver: Resolver | None = None,
) -> CrawlRun:
    """Run every stage over the files under ``options.paths``."""
    run = CrawlRun(started_at=datetime.now(UTC))
    sources = discover(options.paths)
    # Bulk file I/O and YAML parsing run off the event loop.
    read = await asyncio.to_thread(_read_all, sources)
    articles = [item for item in read if isinstance(item, _Article)]
    targets = _targets(articles)
    log.info(
        "read %d files (%d not processable); checking %d distinct URLs",
        len(sources),
        len(read) - len(articles),
        len(targets),
    )
    tick = progress(len(targets)) if progress is not None else None
    async with Fetcher(config, resolver=resolver) as fetcher:
        checks = await check_links(
            fetcher,
            targets,
            config.concurrency,
            tick,
            soft_404_probe=config.soft404_probe,
            rng=random.Random(config.seed),
        )
    checked_at = utc_stamp(datetime.now(UTC))
    results = [
        {item.field: result_of(item, checks) for item in article.fields} for article in articles
    ]
    refresh = frozenset(config.refresh_fields) if config.refresh else frozenset()
    written = await asyncio.to_thread(_write_all, articles, results, checked_at, options, refresh)
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
    return run


__all__ = ["CrawlOptions", "CrawlRun", "FileOutcome", "LinkRow", "crawl"]
