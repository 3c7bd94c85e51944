"""The state database's schema, as an ordered list of migration steps.

``PRAGMA user_version`` holds the number of steps a database has had; opening it
applies the missing ones in order, each in its own transaction, so a step that
fails leaves the database as the step found it.  Never edit a released step:
append a new one.  A database with more steps than this code knows was written by
a newer crawler and is refused rather than misread.

``PRAGMA application_id`` marks the file as the crawler's, so that ``--state``
pointed at another program's SQLite database is refused instead of altered.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from crawler.errors import CrawlerError, StateError, StorageError
from crawler.fetch.urls import redact_text, redact_url

APPLICATION_ID = 0x46435257  # "FCRW" (feed crawler), in the database header

# Times are ISO 8601 text in UTC with microseconds, so text order is time order.
# JSON columns hold objects.
MIGRATIONS: tuple[str, ...] = (
    # 1: runs, checks, per-URL history, files, and which file names which URL.
    f"""
    PRAGMA application_id = {APPLICATION_ID};
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        options TEXT NOT NULL DEFAULT '{{}}',
        counts TEXT NOT NULL DEFAULT '{{}}'
    );
    CREATE TABLE url_checks (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        result TEXT NOT NULL,
        status INTEGER,
        final_url TEXT,
        redirects INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        elapsed_ms INTEGER NOT NULL DEFAULT 0,
        detail TEXT,
        content_type TEXT,
        etag TEXT,
        last_modified TEXT,
        bytes_read INTEGER NOT NULL DEFAULT 0,
        checked_at TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{{}}',
        PRIMARY KEY (run_id, url)
    );
    CREATE INDEX url_checks_latest ON url_checks (url, checked_at, run_id);
    CREATE TABLE url_history (
        url TEXT PRIMARY KEY,
        first_seen TEXT NOT NULL,
        first_failed_at TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        last_ok_at TEXT,
        last_result TEXT NOT NULL
    );
    CREATE TABLE file_checks (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        health TEXT NOT NULL,
        digest TEXT NOT NULL,
        PRIMARY KEY (run_id, path)
    );
    CREATE INDEX file_checks_latest ON file_checks (path, checked_at, run_id);
    CREATE TABLE file_links (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        field TEXT NOT NULL,
        url TEXT NOT NULL,
        PRIMARY KEY (run_id, path, field)
    );
    CREATE INDEX file_links_by_url ON file_links (run_id, url);
    """,
    # 2: what each file's crawl found (status, stale fields, findings...), for reports.
    """
    ALTER TABLE file_checks ADD COLUMN outcome TEXT NOT NULL DEFAULT '{}';
    """,
    # 3: no password in a URL on disk.  Earlier crawlers stored URLs as written;
    # they are rewritten redacted (https://user:***@host/), the freed bytes zeroed
    # (secure_delete).  Rows that now share a key keep one of them, as new ones do.
    """
    PRAGMA secure_delete = ON;
    UPDATE OR REPLACE url_checks SET url = redact_url(url), final_url = redact_url(final_url),
        detail = redact_text(detail), extra = redact_text(extra);
    UPDATE OR REPLACE url_history SET url = redact_url(url);
    UPDATE file_links SET url = redact_url(url);
    UPDATE file_checks SET outcome = redact_text(outcome);
    """,
    # 4: each file's URL fields as its report rows need them (JSON list, NULL when not
    # recorded), so that a run that finds the file fresh shows its rows without parsing it.
    """
    ALTER TABLE file_checks ADD COLUMN fields TEXT;
    """,
)


# Failures of the disk under the database rather than of the database itself.
_STORAGE_CODES = frozenset(
    {sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN}
)


def state_error(path: Path, exc: sqlite3.Error, doing: str = "") -> CrawlerError:
    """The crawler's error for a failed SQLite call: the disk's fault, or the database's."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _STORAGE_CODES:
        return StorageError(f"{path}: cannot write the state store: {doing}{exc}")
    return StateError(f"{path}: {doing}{exc}")


def schema_version(connection: sqlite3.Connection) -> int:
    version: int = connection.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(connection: sqlite3.Connection, path: Path) -> int:
    """Bring the database at ``path`` up to ``len(MIGRATIONS)``; returns the version found.

    ``connection`` must be in autocommit mode (``isolation_level=None``): each step
    brings its own transaction.
    """
    migrations = MIGRATIONS  # read at call time, so that tests can add steps
    found = schema_version(connection)
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    has_objects = connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0] > 0
    if application_id != APPLICATION_ID and (found > 0 or has_objects):
        raise StateError(f"{path}: a SQLite database of another program, not a crawler state file")
    if found > len(migrations):
        raise StateError(
            f"{path}: state schema version {found} is newer than this crawler's "
            f"({len(migrations)}); upgrade feed-crawler or use another --state file"
        )
    # For step 3: SQLite has no function that could find a password in a URL.
    connection.create_function("redact_url", 1, _text_function(redact_url), deterministic=True)
    connection.create_function("redact_text", 1, _text_function(redact_text), deterministic=True)
    for version in range(found + 1, len(migrations) + 1):
        try:
            connection.executescript(
                f"BEGIN IMMEDIATE;\n{migrations[version - 1]};\n"
                f"PRAGMA user_version = {version};\nCOMMIT;"
            )
        except sqlite3.Error as exc:
            if connection.in_transaction:
                connection.rollback()
            raise state_error(
                path, exc, f"schema migration to version {version} failed: "
            ) from None
    if found < len(migrations):
        # In WAL mode the rewritten pages reach the file itself only at a checkpoint.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return found


def _text_function(work: Callable[[str], str]) -> Callable[[str | None], str | None]:
    def apply(value: str | None) -> str | None:
        return work(value) if isinstance(value, str) else value

    return apply
