"""Exceptions of the crawler: for bugs and unusable input only.

Expected network failures are :class:`crawler.outcomes.LinkResult` values, never
exceptions.  Everything raised on purpose derives from one base class::

    CrawlerError
    ├── UsageError            bad command line or configuration (exit status 2)
    ├── ArticleError          one article file cannot be processed (carries the path)
    │   ├── NoFrontMatter     the file has no front matter: it is skipped
    │   └── FrontMatterError  unreadable front matter: the file is rejected
    ├── ImageError            bytes that are not a valid image (``crawler probe``)
    ├── StateError            the state database cannot be used (names the file)
    ├── StorageError          a report or the state store cannot be written: disk full,
    │                         I/O error, read-only file system (exit status 4)
    │   └── ReportsLost       (crawler.cli.crawl) some reports failed, each named already
    ├── RedisUnreachable      (crawler.run.redis) the coordinator cannot reach its Redis
    └── LockHeld              another crawl holds the lock on this content or state

Messages name the file or URL involved, so that one line on stderr is enough.
"""

from __future__ import annotations

from pathlib import Path


class CrawlerError(Exception):
    """Base class of every exception the crawler raises on purpose."""


class UsageError(CrawlerError):
    """The command line or the configuration cannot be used."""


class ArticleError(CrawlerError):
    """An article file that cannot be processed; it is left exactly as it was."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


class NoFrontMatter(ArticleError):
    """The file does not start with a ``---`` front matter block."""


class FrontMatterError(ArticleError):
    """The front matter cannot be read, or the ``crawl`` block cannot be written safely."""


class ImageError(CrawlerError):
    """The bytes are not a valid image of a format the prober knows."""


class StateError(CrawlerError):
    """The state database cannot be opened or used: not SQLite, newer schema, closed."""


class StorageError(CrawlerError):
    """A report or the state store cannot be written (disk full, I/O error, read-only)."""


class LockHeld(CrawlerError):
    """Another crawl holds the run lock; this one must not start.

    The message says who holds it (pid, host, since, command) as far as the lock
    file records it.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        pid: int | None = None,
        host: str | None = None,
        since: str | None = None,
        command: str | None = None,
    ) -> None:
        if pid is None:
            holder = "an unknown process"
        else:
            holder = f"pid {pid} on {host or 'an unknown host'} since {since or 'an unknown time'}"
            if command:
                holder += f" ({command})"
        super().__init__(f"{path}: another crawl holds the lock: {holder}")
        self.path = Path(path)
        self.pid = pid
        self.host = host
        self.since = since
        self.command = command
