"""The SQL behind :class:`crawler.state.sqlite.SqliteStore`: runs, URL checks and their history.

(The files each run wrote and the links they name: :mod:`crawler.state.sqlite_files`.)
Each function takes the connection first and is called only on the thread that
created it; the write functions are one transaction each.  Records go in and come
out as :mod:`crawler.state.store` values; times are ISO 8601 text in UTC.

No password reaches the file: every URL is written, and looked up, in its
redacted form (:func:`crawler.fetch.urls.redact_url`, ``https://user:***@host/``),
whatever the caller hands in.  So two URLs that differ only by their password
share one record (one check per run, one history), and a lookup by the real URL
finds it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from crawler.fetch.urls import redact_text, redact_url
from crawler.outcomes import Result
from crawler.state.store import (
    RunRecord,
    UrlCheckRecord,
    UrlHistory,
    utc,
)

_FAILURES = tuple(result.value for result in Result if result.is_failure)
_CHECK_COLUMNS = (
    "url, result, status, final_url, redirects, attempts, elapsed_ms, detail,"
    " content_type, etag, last_modified, bytes_read, checked_at, extra"
)
_CHECK_VALUES = ", ".join(f":{name.strip()}" for name in _CHECK_COLUMNS.split(","))
# A run records its checks in batches: a URL that differs from one already recorded
# only by its password (the same row, once redacted) replaces it when it failed and
# the recorded one did not, and is dropped otherwise.
_REPLACED = ", ".join(f"{name} = excluded.{name}" for name in _CHECK_COLUMNS.split(", "))
_INSERT_CHECK = (
    f"INSERT INTO url_checks (run_id, {_CHECK_COLUMNS}) VALUES (:run_id, {_CHECK_VALUES})"
    f" ON CONFLICT (run_id, url) DO UPDATE SET {_REPLACED}"
    f" WHERE :failed AND url_checks.result NOT IN ({', '.join(map(repr, _FAILURES))})"
)
# One row per check: ok ends a failing streak, a failure starts or extends one,
# anything else (skipped) leaves the streak alone.
_UPDATE_HISTORY = """
INSERT INTO url_history
    (url, first_seen, first_failed_at, consecutive_failures, last_ok_at, last_result)
VALUES (:url, :checked_at, CASE WHEN :failed THEN :checked_at END, :failed,
        CASE WHEN :ok THEN :checked_at END, :result)
ON CONFLICT (url) DO UPDATE SET
    first_failed_at = CASE WHEN :failed THEN coalesce(first_failed_at, :checked_at)
                           WHEN :ok THEN NULL ELSE first_failed_at END,
    consecutive_failures = CASE WHEN :failed THEN consecutive_failures + 1
                                WHEN :ok THEN 0 ELSE consecutive_failures END,
    last_ok_at = CASE WHEN :ok THEN :checked_at ELSE last_ok_at END,
    last_result = :result
"""


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """One write transaction; ``connection`` is in autocommit mode otherwise."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.rollback()
        raise
    connection.execute("COMMIT")


def stamp(moment: datetime) -> str:
    return utc(moment).isoformat(timespec="microseconds")


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def wanted_json(keys: Iterable[str]) -> str:
    """A JSON array of distinct keys: one parameter, however many keys (json_each)."""
    return json.dumps(list(dict.fromkeys(keys)))


# -- runs ----------------------------------------------------------------------------


def begin_run(
    connection: sqlite3.Connection, started_at: datetime, options: Mapping[str, Any]
) -> int:
    # Options are for people reading reports: values JSON cannot hold become text.
    values = (stamp(started_at), json.dumps(dict(options), sort_keys=True, default=str))
    cursor = connection.execute("INSERT INTO runs (started_at, options) VALUES (?, ?)", values)
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def finish_run(
    connection: sqlite3.Connection, run_id: int, finished_at: datetime, counts: Mapping[str, int]
) -> None:
    values = (stamp(finished_at), json.dumps(dict(counts), sort_keys=True), run_id)
    cursor = connection.execute("UPDATE runs SET finished_at = ?, counts = ? WHERE id = ?", values)
    if cursor.rowcount == 0:
        raise ValueError(f"no run {run_id} to finish")


def runs(connection: sqlite3.Connection, limit: int) -> list[RunRecord]:
    rows = connection.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (max(limit, 0),))
    return [
        RunRecord(
            id=row["id"],
            started_at=datetime.fromisoformat(row["started_at"]),
            finished_at=_moment(row["finished_at"]),
            options=json.loads(row["options"]),
            counts=json.loads(row["counts"]),
        )
        for row in rows
    ]


# -- URL checks and history --------------------------------------------------------------


def record_checks(
    connection: sqlite3.Connection, run_id: int, checks: Sequence[UrlCheckRecord]
) -> None:
    rows = [_check_row(run_id, check) for check in _one_per_shown_url(checks)]
    with transaction(connection):
        for row in rows:
            if connection.execute(_INSERT_CHECK, row).rowcount:
                connection.execute(_UPDATE_HISTORY, row)


def _one_per_shown_url(checks: Sequence[UrlCheckRecord]) -> list[UrlCheckRecord]:
    """The checks to keep when URLs differing only by password share a record.

    A failure wins, so that the next run requests both again rather than reuse
    one's success for the other; otherwise the first.  The same URL twice is a
    caller's bug, refused as before.
    """
    kept: dict[str, UrlCheckRecord] = {}
    given: set[str] = set()
    for check in checks:
        if check.url in given:
            raise sqlite3.IntegrityError(
                f"UNIQUE constraint failed: {redact_url(check.url)} recorded twice in one run"
            )
        given.add(check.url)
        shown = redact_url(check.url)
        if shown not in kept or (check.result.is_failure and not kept[shown].result.is_failure):
            kept[shown] = check
    return list(kept.values())


def _by_shown_url(urls: Iterable[str]) -> dict[str, str]:
    """Each URL asked for -> the form the store knows it by."""
    return {url: redact_url(url) for url in urls}


def last_checks(connection: sqlite3.Connection, urls: Iterable[str]) -> dict[str, UrlCheckRecord]:
    asked = _by_shown_url(urls)
    rows = connection.execute(
        f"SELECT {_CHECK_COLUMNS} FROM json_each(?) AS wanted"
        " JOIN url_checks ON url_checks.rowid = (SELECT rowid FROM url_checks AS latest"
        " WHERE latest.url = wanted.value"
        " ORDER BY latest.checked_at DESC, latest.run_id DESC LIMIT 1)",
        (wanted_json(asked.values()),),
    )
    found = {row["url"]: _check_of(row) for row in rows}
    return {url: found[shown] for url, shown in asked.items() if shown in found}


def run_checks(connection: sqlite3.Connection, run_id: int) -> list[UrlCheckRecord]:
    rows = connection.execute(
        f"SELECT {_CHECK_COLUMNS} FROM url_checks WHERE run_id = ? ORDER BY url", (run_id,)
    )
    return [_check_of(row) for row in rows]


def run_checked(connection: sqlite3.Connection, run_id: int, urls: Iterable[str]) -> set[str]:
    rows = connection.execute(
        "SELECT url FROM url_checks WHERE url IN (SELECT value FROM json_each(?)) AND run_id = ?",
        (wanted_json(_by_shown_url(urls).values()), run_id),
    )
    return {row["url"] for row in rows}


def failed_urls(connection: sqlite3.Connection, run_id: int | None) -> set[str]:
    if run_id is None:
        run_id = connection.execute(
            "SELECT max(id) FROM runs WHERE finished_at IS NOT NULL"
        ).fetchone()[0]
        if run_id is None:
            return set()
    marks = ", ".join("?" for _ in _FAILURES)
    rows = connection.execute(
        f"SELECT url FROM url_checks WHERE run_id = ? AND result IN ({marks})",
        (run_id, *_FAILURES),
    )
    return {row["url"] for row in rows}


def history(connection: sqlite3.Connection, urls: Iterable[str]) -> dict[str, UrlHistory]:
    asked = _by_shown_url(urls)
    rows = connection.execute(
        "SELECT * FROM url_history WHERE url IN (SELECT value FROM json_each(?))",
        (wanted_json(asked.values()),),
    )
    found = {
        row["url"]: UrlHistory(
            url=row["url"],
            first_seen=datetime.fromisoformat(row["first_seen"]),
            first_failed_at=_moment(row["first_failed_at"]),
            consecutive_failures=row["consecutive_failures"],
            last_ok_at=_moment(row["last_ok_at"]),
            last_result=Result(row["last_result"]),
        )
        for row in rows
    }
    return {url: found[shown] for url, shown in asked.items() if shown in found}


# -- rows <-> records -----------------------------------------------------------------------


def _check_row(run_id: int, check: UrlCheckRecord) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "url": redact_url(check.url),
        "result": check.result.value,
        "status": check.status,
        "final_url": check.final_url and redact_url(check.final_url),
        "redirects": check.redirects,
        "attempts": check.attempts,
        "elapsed_ms": check.elapsed_ms,
        "detail": check.detail and redact_text(check.detail),
        "content_type": check.content_type,
        "etag": check.etag,
        "last_modified": check.last_modified,
        "bytes_read": check.bytes_read,
        "checked_at": stamp(check.checked_at),
        "extra": json.dumps(dict(check.extra), sort_keys=True),
        "ok": check.result is Result.OK,
        "failed": check.result.is_failure,
    }


def _check_of(row: sqlite3.Row) -> UrlCheckRecord:
    return UrlCheckRecord(
        url=row["url"],
        result=Result(row["result"]),
        status=row["status"],
        final_url=row["final_url"],
        redirects=row["redirects"],
        attempts=row["attempts"],
        elapsed_ms=row["elapsed_ms"],
        detail=row["detail"],
        content_type=row["content_type"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        bytes_read=row["bytes_read"],
        checked_at=datetime.fromisoformat(row["checked_at"]),
        extra=json.loads(row["extra"]),
    )
