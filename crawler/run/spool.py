"""The run's records on their way to the reports: file outcomes, diffs and link rows.

A crawl of 100,000 articles makes some 400,000 link rows; kept as Python objects
until the reports, they took about 7 KB per article.  A :class:`Spool` keeps them in
SQLite instead: in memory for a small run and, past :data:`SPILL_AFTER` records, in
a file of a private temporary folder (the folder 0700, the file 0600: rows name
URLs) that :meth:`Spool.close` removes, also when the run fails (a finalizer
removes it when nobody closed the spool).  Each record is pickled (a link row
without what its page said, which no report shows); beside it are the columns the
reports select, sort and count by (read through :mod:`crawler.run.spool_views`), so
that the figures over every distinct URL are SQL over the spool rather than dicts of
every URL, and the records are read back as a stream.

The order is the reports': files by their place in the run (discovery order), link
rows by file, then field.  The pipeline files each record under its file's place
as files finish (out of order); records appended without a place follow the others.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from crawler.errors import StorageError
from crawler.run.spool_views import OK, RANK, Files, Links

if TYPE_CHECKING:
    from crawler.run.records import FileOutcome, LinkRow

SPILL_AFTER = 20_000  # records (files and link rows) held in memory before the spool moves to disk
CACHE_KIB: Final = 4096  # SQLite page cache of a spool on disk, in KiB
COMMIT_EVERY: Final = 2048  # records written to a spool on disk per transaction
_FIELD_BITS: Final = 32  # a link row's key: its file's place << 32 | its place in the file

_SCHEMA = f"""
CREATE TABLE files (
    place INTEGER PRIMARY KEY, status TEXT NOT NULL, findings INTEGER NOT NULL,
    stale INTEGER NOT NULL, refreshed INTEGER NOT NULL, outcome BLOB NOT NULL, diff BLOB
);
CREATE TABLE links (
    place INTEGER PRIMARY KEY,
    url BLOB NOT NULL,  -- UTF-8 (surrogates passed): sorts as the str does
    file BLOB NOT NULL,
    rank INTEGER NOT NULL,  -- the result class's place in Result
    elapsed INTEGER NOT NULL, attempts INTEGER NOT NULL,
    image INTEGER NOT NULL,  -- 0: no probe, 1: a valid image, 2: not a valid image
    sound INTEGER NOT NULL, moved INTEGER NOT NULL
);
-- The pickled rows apart: counting and sorting scan the small table above only.
CREATE TABLE link_rows (place INTEGER PRIMARY KEY, row BLOB NOT NULL);
CREATE INDEX links_url ON links (url, place, rank, image, elapsed, attempts);  -- covering
CREATE INDEX links_problems ON links (rank, url, file, place) WHERE rank != {OK};
"""


def _text(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


def _connect(path: Path | str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, check_same_thread=False)
    # A scratch database: nothing to roll back and nothing to survive a crash.
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return connection


def _discard(connection: sqlite3.Connection, folder: Path | None, owner: int) -> None:
    if os.getpid() != owner:  # a forked child's copy: the folder is its parent's
        return
    connection.close()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


class Spool:
    """A run's files, diffs and link rows in report order; in memory, then on disk."""

    def __init__(self, spill_after: int | None = None) -> None:
        self._limit = SPILL_AFTER if spill_after is None else spill_after
        self._db = _connect(":memory:")
        self._db.executescript(_SCHEMA)
        self.folder: Path | None = None  # where the spool is on disk, once it spilled
        self._records = 0
        self._unsaved = 0
        self._next_file = 0  # the place of a file appended without one
        self._next_link = 0  # the key of a link row appended without a place
        self._finalizer = weakref.finalize(self, _discard, self._db, None, os.getpid())
        self.files = Files(self)
        self.links = Links(self)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Forget every record and remove the folder on disk; reading afterwards fails."""
        self._finalizer()

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, parameters)

    @contextmanager
    def _storing(self) -> Iterator[None]:
        """StorageError, naming the place, when the spool cannot take a record (disk full)."""
        try:
            yield
        except (OSError, sqlite3.Error) as exc:
            where = self.folder or tempfile.gettempdir()
            raise StorageError(
                f"{where}: cannot spool the run's records ({exc}); TMPDIR names another place"
            ) from None

    def put_file(self, place: int | None, outcome: FileOutcome, diff: str | None) -> None:
        with self._storing():
            self._put_file(place, outcome, diff)

    def put_links(self, place: int | None, rows: Iterable[LinkRow]) -> None:
        """The link rows of the file at ``place``; without one, after every row so far."""
        with self._storing():
            self._put_links(place, list(rows))

    def _put_file(self, place: int | None, outcome: FileOutcome, diff: str | None) -> None:
        if place is None:
            place = self._next_file
        self._next_file = max(self._next_file, place + 1)
        self._db.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                place,
                outcome.status,
                len(outcome.findings),
                len(outcome.stale),
                len(outcome.refreshed),
                pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL),
                None if diff is None else pickle.dumps(diff, pickle.HIGHEST_PROTOCOL),
            ),
        )
        self._wrote(1)

    def _put_links(self, place: int | None, rows: list[LinkRow]) -> None:
        if place is None:
            first = self._next_link
        else:
            first = place << _FIELD_BITS
            end = (place + 1) << _FIELD_BITS
            for table in ("links", "link_rows"):
                self._db.execute(
                    f"DELETE FROM {table} WHERE place >= ? AND place < ?", (first, end)
                )
        places = range(first, first + len(rows))
        self._next_link = max(self._next_link, places.stop)
        self._db.executemany(
            "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_link_columns(place, row) for place, row in zip(places, rows, strict=True)],
        )
        self._db.executemany(
            "INSERT INTO link_rows VALUES (?, ?)",
            [
                (place, pickle.dumps(_reported(row), pickle.HIGHEST_PROTOCOL))
                for place, row in zip(places, rows, strict=True)
            ],
        )
        self._wrote(len(rows))

    def _wrote(self, records: int) -> None:
        self._records += records
        if self.folder is None:
            if self._records > self._limit:
                self._spill()
            return
        self._unsaved += records
        if self._unsaved >= COMMIT_EVERY:
            self._db.commit()
            self._unsaved = 0

    def _spill(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="crawler-spool-"))  # 0700
        path = folder / "records.sqlite"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            disk = _connect(path)
            self._db.commit()
            self._db.backup(disk)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._finalizer.detach()
        self._db.close()
        self._db, self.folder = disk, folder
        self._finalizer = weakref.finalize(self, _discard, disk, folder, os.getpid())


def _reported(row: LinkRow) -> LinkRow:
    """The row as the reports read it: what the page said about itself is in none of them.

    A page's metadata (title, description, authors...) was most of a pickled row.
    """
    if row.result.page is None:
        return row
    return replace(row, result=replace(row.result, page=None))


def _link_columns(place: int, row: LinkRow) -> tuple[object, ...]:
    link, image = row.link, row.result.image
    moved = (
        link.is_ok
        and link.redirects > 0
        and link.final_url is not None
        and link.final_url != link.url
    )
    return (
        place,
        _text(link.url),
        _text(row.file),
        RANK[link.result],
        link.elapsed_ms,
        link.attempts,
        0 if image is None else 1 if image.info is not None else 2,
        row.result.is_sound,
        moved,
    )


__all__ = ["SPILL_AFTER", "Spool"]
