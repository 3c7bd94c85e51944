"""What the crawler remembers between runs, and the lock that keeps runs apart.

:class:`StateStore` is the interface the pipeline uses; :class:`SqliteStore` the
default implementation on one SQLite file; :class:`RunLock` makes sure two crawls
never work on the same content or state at once.
"""

from __future__ import annotations

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

__all__ = [
    "FileRecord",
    "LinkRecord",
    "RunLock",
    "RunRecord",
    "SqliteStore",
    "StateStore",
    "UrlCheckRecord",
    "UrlHistory",
]
