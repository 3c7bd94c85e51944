"""Exceptions of the crawler: for bugs and unusable input only.

Expected network failures are :class:`crawler.outcomes.LinkResult` values, never
exceptions.  Everything raised on purpose derives from one base class::

    CrawlerError
    ├── UsageError            bad command line or configuration (exit status 2)
    ├── ArticleError          one article file cannot be processed (carries the path)
    │   ├── NoFrontMatter     the file has no front matter: it is skipped
    │   └── FrontMatterError  unreadable front matter: the file is rejected
    └── ImageError            bytes that are not a valid image (``crawler probe``)

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
