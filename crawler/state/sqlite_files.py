"""The SQL of the state store's file records and the links they name (see sqlite_queries).

What each run wrote or left fresh, file by file, and which URL each of its fields
named: the rows a resumed run skips and a fresh re-crawl copies, and what
``crawler report`` rebuilds a run's report from.  Like :mod:`sqlite_queries`, each
function takes the connection first and runs on the store's thread; URLs are
written redacted.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from crawler.fetch.urls import redact_url
from crawler.state.sqlite_queries import stamp, transaction, wanted_json
from crawler.state.store import FileRecord, LinkRecord


def record_files(connection: sqlite3.Connection, run_id: int, files: Sequence[FileRecord]) -> None:
    for record in files:
        if record.run_id != run_id:
            raise ValueError(
                f"{record.path}: recorded in run {run_id} but names run {record.run_id}"
            )
    rows = [
        (
            run_id,
            record.path,
            stamp(record.checked_at),
            str(record.health),
            record.digest,
            json.dumps(dict(record.outcome)),
            None if record.fields is None else json.dumps(list(record.fields)),
        )
        for record in files
    ]
    with transaction(connection):
        connection.executemany(
            "INSERT INTO file_checks (run_id, path, checked_at, health, digest, outcome, fields)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def record_again(connection: sqlite3.Connection, run_id: int, files: Sequence[FileRecord]) -> None:
    # One statement per table for the whole batch: a re-crawl inside --stale-after
    # records every file of the corpus this way.
    wanted = json.dumps([[record.path, record.run_id] for record in files])
    found = (
        " FROM json_each(:wanted) AS wanted JOIN {table} AS earlier"
        " ON earlier.run_id = json_extract(wanted.value, '$[1]')"
        " AND earlier.path = json_extract(wanted.value, '$[0]')"
    )
    with transaction(connection):
        connection.execute(
            "INSERT INTO file_checks (run_id, path, checked_at, health, digest, outcome, fields)"
            " SELECT :run_id, earlier.path, earlier.checked_at, earlier.health, earlier.digest,"
            " json_set(earlier.outcome, '$.status', 'unchanged'), earlier.fields"
            + found.format(table="file_checks"),
            {"run_id": run_id, "wanted": wanted},
        )
        connection.execute(
            "INSERT INTO file_links (run_id, path, field, url)"
            " SELECT :run_id, earlier.path, earlier.field, earlier.url"
            + found.format(table="file_links"),
            {"run_id": run_id, "wanted": wanted},
        )


def file_records(connection: sqlite3.Connection, paths: Iterable[str]) -> dict[str, FileRecord]:
    rows = connection.execute(
        "SELECT file_checks.* FROM json_each(?) AS wanted"
        " JOIN file_checks ON file_checks.rowid = (SELECT rowid FROM file_checks AS latest"
        " WHERE latest.path = wanted.value"
        " ORDER BY latest.checked_at DESC, latest.run_id DESC LIMIT 1)",
        (wanted_json(paths),),
    )
    return {row["path"]: _file_of(row) for row in rows}


def run_files(connection: sqlite3.Connection, run_id: int) -> list[FileRecord]:
    rows = connection.execute("SELECT * FROM file_checks WHERE run_id = ? ORDER BY path", (run_id,))
    return [_file_of(row) for row in rows]


def record_links(connection: sqlite3.Connection, run_id: int, links: Sequence[LinkRecord]) -> None:
    rows = [(run_id, link.path, link.field, redact_url(link.url)) for link in links]
    with transaction(connection):
        connection.executemany("INSERT INTO file_links VALUES (?, ?, ?, ?)", rows)


def run_links(connection: sqlite3.Connection, run_id: int) -> list[LinkRecord]:
    rows = connection.execute(
        "SELECT path, field, url FROM file_links WHERE run_id = ? ORDER BY path, field", (run_id,)
    )
    return [LinkRecord(row["path"], row["field"], row["url"]) for row in rows]


def _file_of(row: sqlite3.Row) -> FileRecord:
    return FileRecord(
        path=row["path"],
        run_id=row["run_id"],
        checked_at=datetime.fromisoformat(row["checked_at"]),
        health=row["health"],
        digest=row["digest"],
        outcome=json.loads(row["outcome"]),
        fields=None if row["fields"] is None else json.loads(row["fields"]),
    )
