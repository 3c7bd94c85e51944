"""Reading and writing back one article: the file stages around the checks.

:func:`read_article` turns a discovered file into a :class:`ReadArticle` (its URL
fields and what the page checks compare, no text) or an outcome saying why it is
not one; :func:`prepare` reads it again once its URLs are known, refreshes stale
values and splices the crawl block in; :func:`write_prepared` puts a batch of
such files on disk.  Whatever one file does, only that file is rejected: every
function here turns a failure into that file's outcome, naming it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.enrich.crawl_block import build_block
from crawler.enrich.images import size_fixes
from crawler.enrich.pages import Entry, PageReview, entries_of, review_pages
from crawler.enrich.results import FieldResult
from crawler.errors import ArticleError, FrontMatterError, NoFrontMatter
from crawler.read.article import KeyPath, Scalar, UrlField, url_fields
from crawler.read.discover import Found, Refused, Source
from crawler.read.files import read_limited
from crawler.read.frontmatter import FrontMatter, parse_front_matter
from crawler.run.records import CrawlOptions, FileOutcome, FileStatus, display_path
from crawler.write.atomic import ChangedOnDisk, PendingWrite, unified_diff, write_batch
from crawler.write.refresh import apply_refresh, key_name
from crawler.write.splice import CRAWL_KEY, with_crawl_block

log = logging.getLogger("crawler")


@dataclass(frozen=True, slots=True)
class ReadArticle:
    """What the run keeps of a readable file between reading and writing.

    The write stage reads the file again and compares its digest with this one.
    The parsed front matter is kept too when the run holds a bounded window of
    files (it spares the write stage a second parse); a run that must hold every
    file at once (``--max-urls``) keeps none.
    """

    source: Source
    display: str
    key: str  # the file's real path: how the state store knows it
    digest: bytes  # SHA-256 of the bytes that were read
    fields: tuple[UrlField, ...]
    entries: tuple[Entry, ...]  # the article and its related ones, for the page checks
    front: FrontMatter | None = None  # as parsed when read, if kept


@dataclass(frozen=True, slots=True)
class FileLimits:
    file_bytes: int  # a larger article file is rejected unread
    front_matter_bytes: int  # a larger YAML front matter is rejected unparsed
    keep_parsed: bool = True  # keep each file's parsed front matter until it is written


@dataclass(frozen=True, slots=True)
class RawArticle:
    """A readable file's bytes and digest, before its front matter is parsed."""

    source: Source
    display: str
    key: str  # the file's real path: how the state store knows it
    raw: bytes
    digest: bytes  # SHA-256 of ``raw``


def read_article(found: Found, limits: FileLimits) -> ReadArticle | FileOutcome:
    """One file's URL fields, or its outcome when it cannot be an article.

    Whatever one file holds, the run goes on: an unexpected failure on it (a bug
    its content triggers) rejects that file alone, named with the reason.
    """
    raw = read_raw(found, limits)
    return raw if isinstance(raw, FileOutcome) else parse_article(raw, limits)


def read_raw(found: Found, limits: FileLimits) -> RawArticle | FileOutcome:
    """One file's bytes and digest (which tell whether it changed since it was last crawled)."""
    display = display_path(found.path)
    if isinstance(found, Refused):
        log.warning("%s: skipped: %s", display, found.reason)
        return FileOutcome(display, "skipped", found.reason)
    try:
        raw, _ = read_limited(found.real, limits.file_bytes, display)
    except ArticleError as exc:
        log.error("%s", exc)
        return FileOutcome(display, "rejected", exc.reason)
    except OSError as exc:
        log.error("%s: cannot read: %s", display, exc.strerror)
        return FileOutcome(display, "rejected", f"cannot read: {exc.strerror}")
    except Exception as exc:
        return _internal_failure(display, "read", exc)
    return RawArticle(found, display, str(found.real), raw, _digest(raw))


def parse_article(read: RawArticle, limits: FileLimits) -> ReadArticle | FileOutcome:
    """A read file's URL fields, or its outcome when it cannot be an article."""
    display = read.display
    try:
        front = parse_front_matter(read.raw, Path(display), limits.front_matter_bytes)
        fields = tuple(url_fields(front.data))
        entries = entries_of(front.data)
    except NoFrontMatter as exc:
        log.warning("%s", exc)
        return FileOutcome(display, "skipped", exc.reason)
    except ArticleError as exc:
        log.error("%s", exc)
        return FileOutcome(display, "rejected", exc.reason)
    except Exception as exc:
        return _internal_failure(display, "read", exc)
    kept = front if limits.keep_parsed else None
    return ReadArticle(read.source, display, read.key, read.digest, fields, entries, kept)


def _internal_failure(display: str, stage: str, exc: Exception) -> FileOutcome:
    reason = f"cannot {stage} this file: {type(exc).__name__}: {exc}"[:300]
    log.error("%s: %s", display, reason)
    log.debug("%s: %s", display, reason, exc_info=exc)
    return FileOutcome(display, "rejected", reason)


def _digest(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


Results = dict[str, FieldResult]  # field -> its result, for one article
INTERRUPTED = "not written: the crawl was interrupted"


def _refresh_changes(
    article: ReadArticle, results: Results, review: PageReview, refresh: frozenset[str]
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


def prepare(
    article: ReadArticle,
    results: Results,
    checked_at: str,
    options: CrawlOptions,
    refresh: frozenset[str],
    limits: FileLimits,
) -> Prepared:
    """Refresh stale values and splice the crawl block in: the file's new bytes.

    Pure work on one file (read again, compared with what the read stage saw); the
    write itself happens in :func:`write_prepared`, batched.
    """
    display = article.display
    refreshed: tuple[str, ...] = ()
    review = review_pages(article.entries, results)
    try:
        old, seen = read_limited(article.source.real, limits.file_bytes, display)
        if _digest(old) != article.digest:
            raise FrontMatterError(display, "changed on disk during the crawl; left as it is")
        front = article.front or parse_front_matter(old, Path(display), limits.front_matter_bytes)
        previous = _previous(front)
        changes = _refresh_changes(article, results, review, refresh)
        if changes:
            original = front.data
            front, made = apply_refresh(front, changes, Path(display))
            refreshed = tuple(key_name(key_path) for key_path in made)
            for key_path in made:
                # The first value a refresh replaced is kept; later ones were ours.
                previous.setdefault(key_name(key_path), _value_at(original, key_path))
        block = build_block(results, checked_at, review, previous, front.data.get(CRAWL_KEY))
        new = with_crawl_block(front, block, Path(display))
    except ArticleError as exc:
        log.error("%s", exc)
        return Prepared(FileOutcome(display, "rejected", exc.reason))
    except OSError as exc:
        log.error("%s: cannot read: %s", display, exc.strerror)
        return Prepared(FileOutcome(display, "rejected", f"cannot read: {exc.strerror}"))
    except Exception as exc:
        return Prepared(_internal_failure(display, "write", exc))
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
        return Prepared(outcome, unified_diff(display, old, new))
    if options.out is not None:
        return Prepared(
            outcome, None, PendingWrite(options.out / article.source.relative, new, None)
        )
    if status == "enriched":
        return Prepared(outcome, None, PendingWrite(article.source.real, new, seen))
    return Prepared(outcome)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file's outcome, and the write (or, for --dry-run, the diff) that goes with it."""

    outcome: FileOutcome
    diff: str | None = None
    write: PendingWrite | None = None


def write_prepared(
    batch: Sequence[Prepared], stop: Callable[[], bool] = lambda: False
) -> list[Prepared]:
    """Carry out a batch of writes (one folder sync per folder); failures reject their file."""
    pending = [item for item in batch if item.write is not None]
    errors = write_batch([item.write for item in pending if item.write is not None], stop)
    failed = {id(item): error for item, error in zip(pending, errors, strict=True) if error}
    done: list[Prepared] = []
    for item in batch:
        error = failed.get(id(item))
        if error is None:
            done.append(item)
            continue
        display = item.outcome.file
        if isinstance(error, ChangedOnDisk):
            reason = "changed on disk during the crawl; left as it is"
        elif isinstance(error, InterruptedError):
            reason = INTERRUPTED
        else:
            reason = f"cannot write: {getattr(error, 'strerror', None) or error}"
        log.error("%s: %s", display, reason)
        done.append(Prepared(FileOutcome(display, "rejected", reason)))
    return done


def read_raws(sources: Sequence[Found], limits: FileLimits) -> list[RawArticle | FileOutcome]:
    return [read_raw(source, limits) for source in sources]


def parse_all(read: Sequence[RawArticle], limits: FileLimits) -> list[ReadArticle | FileOutcome]:
    return [parse_article(item, limits) for item in read]


__all__ = [
    "INTERRUPTED",
    "FileLimits",
    "Prepared",
    "RawArticle",
    "ReadArticle",
    "Results",
    "parse_all",
    "prepare",
    "read_article",
    "read_raw",
    "read_raws",
    "write_prepared",
]
