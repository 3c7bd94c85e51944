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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from crawler.checks.links import check_links
from crawler.config import Config
from crawler.enrich.crawl_block import build_block, link_of
from crawler.errors import ArticleError, FrontMatterError, NoFrontMatter
from crawler.fetch import Fetcher, Resolver
from crawler.fetch.urls import is_http_url, request_key
from crawler.outcomes import LinkResult
from crawler.read.article import UrlField, UrlKind, url_fields
from crawler.read.discover import Source, discover
from crawler.read.frontmatter import parse_front_matter
from crawler.write.atomic import unified_diff, write_atomic
from crawler.write.splice import with_crawl_block

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


@dataclass(frozen=True, slots=True)
class LinkRow:
    file: str
    field: str
    link: LinkResult


@dataclass(slots=True)
class CrawlRun:
    started_at: datetime
    finished_at: datetime | None = None
    files: list[FileOutcome] = field(default_factory=list)
    links: list[LinkRow] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)


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
    return _Article(source, display, _digest(raw), tuple(url_fields(front.data)))


def _digest(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


def _targets(articles: Sequence[_Article]) -> dict[str, UrlKind]:
    targets: dict[str, UrlKind] = {}
    for article in articles:
        for url_field in article.fields:
            if is_http_url(url_field.value):
                targets.setdefault(request_key(url_field.value), url_field.kind)
    return targets


Links = dict[str, LinkResult]  # field -> its result, for one article


def _write(
    article: _Article, links: Links, checked_at: str, options: CrawlOptions
) -> tuple[FileOutcome, str | None]:
    """Splice the crawl block in and write the file; returns the outcome and a diff."""
    display = article.display
    block = build_block(links, checked_at)
    try:
        old = article.source.path.read_bytes()
        if _digest(old) != article.digest:
            raise FrontMatterError(display, "changed on disk during the crawl; left as it is")
        new = with_crawl_block(parse_front_matter(old, Path(display)), block, Path(display))
    except ArticleError as exc:
        log.error("%s", exc)
        return FileOutcome(display, "rejected", exc.reason), None
    except OSError as exc:
        log.error("%s: cannot read: %s", display, exc.strerror)
        return FileOutcome(display, "rejected", f"cannot read: {exc.strerror}"), None
    status: FileStatus = "enriched" if new != old else "unchanged"
    if options.dry_run:
        return FileOutcome(display, status), unified_diff(display, old, new)
    target = article.source.path if options.out is None else options.out / article.source.relative
    try:
        if status == "enriched" or options.out is not None:
            write_atomic(target, new)
    except OSError as exc:
        log.error("%s: cannot write: %s", display, exc.strerror or exc)
        return FileOutcome(display, "rejected", f"cannot write: {exc.strerror}"), None
    return FileOutcome(display, status), None


def _read_all(sources: Sequence[Source]) -> list[_Article | FileOutcome]:
    return [_read(source) for source in sources]


def _write_all(
    articles: Sequence[_Article],
    links: Sequence[Links],
    checked_at: str,
    options: CrawlOptions,
) -> list[tuple[FileOutcome, str | None]]:
    return [
        _write(article, article_links, checked_at, options)
        for article, article_links in zip(articles, links, strict=True)
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
        checks = await check_links(fetcher, targets, config.concurrency, tick)
    checked_at = utc_stamp(datetime.now(UTC))
    links = [{item.field: link_of(item, checks) for item in article.fields} for article in articles]
    written = await asyncio.to_thread(_write_all, articles, links, checked_at, options)
    outcomes = iter(written)
    for item in read:  # in discovery order
        if isinstance(item, FileOutcome):
            run.files.append(item)
            continue
        outcome, diff = next(outcomes)
        run.files.append(outcome)
        if diff:
            run.diffs.append(diff)
    for article, article_links in zip(articles, links, strict=True):
        run.links += [LinkRow(article.display, name, link) for name, link in article_links.items()]
    run.finished_at = datetime.now(UTC)
    return run


__all__ = ["CrawlOptions", "CrawlRun", "FileOutcome", "LinkRow", "crawl"]
