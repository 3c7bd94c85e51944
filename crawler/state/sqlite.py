"""The state store on one SQLite file, the default: nothing for the user to set up.

Every SQLite call runs on one dedicated worker thread (the connection is created
there and never leaves it: ``check_same_thread`` stays on), so the event loop
never waits on the disk, and calls run in the order they were made.  The file is
in WAL mode, so ``crawler report`` can read it while a crawl writes.  The SQL
itself is in :mod:`crawler.state.sqlite_queries`; the schema and its migrations in
:mod:`crawler.state.migrations`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

from crawler.errors import StateError
from crawler.state import sqlite_files as file_queries
from crawler.state import sqlite_queries as queries
from crawler.state.migrations import migrate, state_error
from crawler.state.store import (
    FileRecord,
    LinkRecord,
    RunRecord,
    StateStore,
    UrlCheckRecord,
    UrlHistory,
)

_T = TypeVar("_T")
_P = ParamSpec("_P")


class SqliteStore:
    """:class:`crawler.state.store.StateStore` on one SQLite file.

    Open it with ``await SqliteStore.open(path)`` (or ``async with await ...``) and
    close it with :meth:`close`; an unclosed store is a ResourceWarning.
    """

    def __init__(
        self, path: Path, executor: ThreadPoolExecutor, connection: sqlite3.Connection
    ) -> None:
        """Use :meth:`open`; this only binds what it made."""
        self.path = path
        self._executor = executor
        self._connection = connection
        self._closed = False

    @classmethod
    async def open(
        cls, path: Path | str, *, trace: Callable[[str], None] | None = None
    ) -> SqliteStore:
        """Open the database at ``path``, creating it (and its folder) or migrating it.

        ``trace``, when given, is called with every SQL statement, on the store's thread.
        Raises StateError, naming the file, when it cannot be used.
        """
        path = Path(path)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crawler-state")
        opening = executor.submit(_connect, path, trace)
        try:
            connection = await asyncio.wrap_future(opening)
        except BaseException:
            # Failed or cancelled: close whatever the thread opened, on that thread.
            executor.submit(_close_opened, opening)
            executor.shutdown(wait=False)
            raise
        return cls(path, executor, connection)

    async def __aenter__(self) -> SqliteStore:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the file (after every call already made) and let the thread end."""
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.wrap_future(self._executor.submit(self._connection.close))
        finally:
            self._executor.shutdown(wait=False)

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        if not getattr(self, "_closed", True):
            _warn(f"unclosed state store {self.path}", ResourceWarning, source=self)

    async def _call(
        self,
        work: Callable[Concatenate[sqlite3.Connection, _P], _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        if self._closed:
            raise StateError(f"{self.path}: the state store is closed")

        def run() -> _T:
            try:
                return work(self._connection, *args, **kwargs)
            except sqlite3.IntegrityError as exc:  # a key recorded twice, an unknown run
                raise ValueError(f"{self.path}: {exc}") from None
            except sqlite3.Error as exc:
                raise state_error(self.path, exc) from None

        return await asyncio.wrap_future(self._executor.submit(run))

    async def begin_run(self, started_at: datetime, options: Mapping[str, Any]) -> int:
        return await self._call(queries.begin_run, started_at, options)

    async def finish_run(
        self, run_id: int, finished_at: datetime, counts: Mapping[str, int]
    ) -> None:
        await self._call(queries.finish_run, run_id, finished_at, counts)

    async def record_checks(self, run_id: int, checks: Sequence[UrlCheckRecord]) -> None:
        await self._call(queries.record_checks, run_id, checks)

    async def record_files(self, run_id: int, files: Sequence[FileRecord]) -> None:
        await self._call(file_queries.record_files, run_id, files)

    async def record_links(self, run_id: int, links: Sequence[LinkRecord]) -> None:
        await self._call(file_queries.record_links, run_id, links)

    async def record_again(self, run_id: int, files: Sequence[FileRecord]) -> None:
        await self._call(file_queries.record_again, run_id, files)

    async def last_checks(self, urls: Iterable[str]) -> dict[str, UrlCheckRecord]:
        return await self._call(queries.last_checks, list(urls))

    async def history(self, urls: Iterable[str]) -> dict[str, UrlHistory]:
        return await self._call(queries.history, list(urls))

    async def file_records(self, paths: Iterable[str]) -> dict[str, FileRecord]:
        return await self._call(file_queries.file_records, list(paths))

    async def runs(self, limit: int) -> list[RunRecord]:
        return await self._call(queries.runs, limit)

    async def run_checks(self, run_id: int) -> list[UrlCheckRecord]:
        return await self._call(queries.run_checks, run_id)

    async def run_checked(self, run_id: int, urls: Iterable[str]) -> set[str]:
        return await self._call(queries.run_checked, run_id, list(urls))

    async def run_files(self, run_id: int) -> list[FileRecord]:
        return await self._call(file_queries.run_files, run_id)

    async def run_links(self, run_id: int) -> list[LinkRecord]:
        return await self._call(file_queries.run_links, run_id)

    async def failed_urls(self, run_id: int | None = None) -> set[str]:
        return await self._call(queries.failed_urls, run_id)


def _connect(path: Path, trace: Callable[[str], None] | None) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise StateError(f"{path}: cannot open the state database: {exc}") from None
    try:
        connection.set_trace_callback(trace)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA busy_timeout = 5000")  # ms; a reader may hold the file
        connection.execute("PRAGMA foreign_keys = ON")
        migrate(connection, path)  # first: a file that is not ours stays untouched
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints
    except sqlite3.DatabaseError as exc:
        connection.close()
        if exc.sqlite_errorcode == sqlite3.SQLITE_NOTADB:
            raise StateError(f"{path}: not a SQLite database") from None
        raise state_error(path, exc, "cannot open the state database: ") from None
    except BaseException:
        connection.close()
        raise
    return connection


def _close_opened(opening: Future[sqlite3.Connection]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result().close()


def _is_a_state_store(store: SqliteStore) -> StateStore:
    return store  # mypy proves here that SqliteStore implements the Protocol
