"""The SQLite state store on real files: round trips, history, migrations, its thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from crawler.errors import StateError
from crawler.outcomes import LinkResult, Result
from crawler.state import (
    FileRecord,
    LinkRecord,
    SqliteStore,
    StateStore,
    UrlCheckRecord,
)
from crawler.state import migrations as migrations_module
from crawler.state.migrations import APPLICATION_ID, MIGRATIONS

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def check(url: str, result: Result, hours: float = 0, **fields: Any) -> UrlCheckRecord:
    return UrlCheckRecord(url=url, result=result, checked_at=at(hours), **fields)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with await SqliteStore.open(tmp_path / "state.db") as opened:
        yield opened


async def run_with(store: StateStore, hours: float, *checks: UrlCheckRecord) -> int:
    run_id = await store.begin_run(at(hours), {})
    await store.record_checks(run_id, checks)
    await store.finish_run(run_id, at(hours) + timedelta(minutes=5), {})
    return run_id


# -- round trips ----------------------------------------------------------------------


async def test_a_check_comes_back_exactly_as_recorded(store: SqliteStore) -> None:
    recorded = UrlCheckRecord(
        url="https://example.com/a",
        result=Result.OK,
        status=200,
        final_url="https://example.com/a/",
        redirects=1,
        attempts=2,
        elapsed_ms=84,
        detail=None,
        content_type="text/html",
        etag='W/"abc"',
        last_modified="Wed, 21 Oct 2015 07:28:00 GMT",
        bytes_read=4096,
        checked_at=at(1),
        extra={"page": {"title": "Ünïcode", "images": [1, 2]}},
    )
    run_id = await store.begin_run(at(0), {"concurrency": 4})
    await store.record_checks(run_id, [recorded])

    assert await store.run_checks(run_id) == [recorded]
    assert (await store.last_checks([recorded.url]))[recorded.url] == recorded


async def test_a_run_keeps_its_options_and_counts(store: SqliteStore) -> None:
    run_id = await store.begin_run(at(0), {"paths": [Path("articles")], "dry_run": False})
    [unfinished] = await store.runs(10)
    assert unfinished.finished_at is None and unfinished.counts == {}

    await store.finish_run(run_id, at(1), {"ok": 3, "broken": 1})

    [run] = await store.runs(10)
    assert run.id == run_id
    assert (run.started_at, run.finished_at) == (at(0), at(1))
    assert run.options == {"paths": ["articles"], "dry_run": False}  # Path kept as text
    assert run.counts == {"ok": 3, "broken": 1}


async def test_runs_are_listed_newest_first_up_to_the_limit(store: SqliteStore) -> None:
    ids = [await store.begin_run(at(hour), {}) for hour in range(5)]
    assert [run.id for run in await store.runs(3)] == ids[:1:-1]
    assert await store.runs(0) == []


async def test_times_come_back_in_utc_whatever_zone_they_were_given_in(
    store: SqliteStore,
) -> None:
    paris = timezone(timedelta(hours=1))
    run_id = await store.begin_run(datetime(2026, 3, 1, 13, 0, tzinfo=paris), {})
    [run] = await store.runs(1)
    assert run.started_at == T0 and run.started_at.tzinfo == UTC
    await store.record_checks(run_id, [check("https://a.test/", Result.OK)])
    [stored] = await store.run_checks(run_id)
    assert stored.checked_at.utcoffset() == timedelta(0)


async def test_naive_times_are_refused(store: SqliteStore) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        await store.begin_run(datetime(2026, 3, 1, 12, 0), {})


async def test_a_check_converts_to_and_from_a_link_result() -> None:
    link = LinkResult("https://a.test/", Result.BROKEN, status=404, attempts=1, detail="404")
    record = UrlCheckRecord.from_link(link, checked_at=T0, etag='"e"', bytes_read=10)
    assert record.to_link() == link
    assert (record.etag, record.bytes_read, record.extra) == ('"e"', 10, {})


async def test_a_url_checked_twice_in_one_run_is_refused_and_nothing_is_kept(
    store: SqliteStore,
) -> None:
    run_id = await store.begin_run(at(0), {})
    url = "https://a.test/"
    with pytest.raises(ValueError, match=r"state\.db"):
        await store.record_checks(
            run_id,
            [check("https://b.test/", Result.OK), check(url, Result.OK), check(url, Result.BROKEN)],
        )
    assert await store.run_checks(run_id) == []
    assert await store.history([url, "https://b.test/"]) == {}


async def test_checks_for_an_unknown_run_are_refused(store: SqliteStore) -> None:
    with pytest.raises(ValueError):
        await store.record_checks(99, [check("https://a.test/", Result.OK)])
    with pytest.raises(ValueError, match="no run 99"):
        await store.finish_run(99, at(1), {})


async def test_data_outlives_the_process_that_wrote_it(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "state.db"
    async with await SqliteStore.open(path) as first:
        await run_with(first, 0, check("https://a.test/", Result.OK))
    async with await SqliteStore.open(path) as second:
        assert list(await second.last_checks(["https://a.test/"])) == ["https://a.test/"]
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


# -- latest check per URL -----------------------------------------------------------------


async def test_last_checks_gives_each_urls_latest_check(store: SqliteStore) -> None:
    await run_with(
        store, 0, check("https://a.test/", Result.OK, 0), check("https://b.test/", Result.OK, 0)
    )
    await run_with(store, 6, check("https://a.test/", Result.BROKEN, 6, status=404))
    await run_with(store, 12, check("https://c.test/", Result.TIMEOUT, 12))

    latest = await store.last_checks(["https://a.test/", "https://b.test/", "https://never.test/"])

    assert {url: (record.result, record.checked_at) for url, record in latest.items()} == {
        "https://a.test/": (Result.BROKEN, at(6)),
        "https://b.test/": (Result.OK, at(0)),
    }


async def test_last_checks_takes_more_urls_than_sqlite_takes_parameters(
    store: SqliteStore,
) -> None:
    # More than the 32766 parameters SQLite takes in one statement.
    urls = [f"https://host{number}.test/" for number in range(33_000)]
    await run_with(store, 0, *(check(url, Result.OK) for url in urls))
    assert len(await store.last_checks(iter(urls))) == len(urls)
    assert len(await store.history(urls)) == len(urls)


# -- history: streaks across runs ------------------------------------------------------

STREAKS = [
    # results of successive runs, 6 h apart -> (consecutive failures, failing since run #,
    # last ok in run #)
    pytest.param("ok", (0, None, 0), id="ok"),
    pytest.param("broken", (1, 0, None), id="first-seen-failing"),
    pytest.param("ok broken", (1, 1, 0), id="a-failure-starts-a-streak"),
    pytest.param("ok broken timeout error", (3, 1, 0), id="failures-extend-the-streak"),
    pytest.param("broken blocked ok", (0, None, 2), id="ok-ends-the-streak"),
    pytest.param("ok broken ok invalid", (1, 3, 2), id="a-new-streak-starts-fresh"),
    pytest.param("broken skipped broken", (2, 0, None), id="skipped-leaves-the-streak-alone"),
    pytest.param("ok skipped", (0, None, 0), id="skipped-is-no-ok-either"),
]


@pytest.mark.parametrize(("results", "expected"), STREAKS)
async def test_history_follows_the_failing_streak(
    store: SqliteStore, results: str, expected: tuple[int, int | None, int | None]
) -> None:
    url = "https://a.test/story"
    sequence = [Result(name) for name in results.split()]
    for number, result in enumerate(sequence):
        await run_with(store, 6 * number, check(url, result, 6 * number))

    history = (await store.history([url]))[url]

    failures, failing_since, last_ok = expected
    assert history.consecutive_failures == failures
    assert history.first_failed_at == (None if failing_since is None else at(6 * failing_since))
    assert history.last_ok_at == (None if last_ok is None else at(6 * last_ok))
    assert history.first_seen == at(0)
    assert history.last_result is sequence[-1]


# -- files, links, failures -------------------------------------------------------------


async def test_file_records_give_each_files_latest_crawl(store: SqliteStore) -> None:
    first = await store.begin_run(at(0), {})
    await store.record_files(
        first,
        [
            FileRecord("a.md", first, at(0), "ok", "aa"),
            FileRecord("b.md", first, at(0), "dead", "bb"),
        ],
    )
    second = await store.begin_run(at(6), {})
    newer = FileRecord("a.md", second, at(6), "degraded", "a2")
    await store.record_files(second, [newer])

    records = await store.file_records(["a.md", "b.md", "c.md"])

    assert records == {"a.md": newer, "b.md": FileRecord("b.md", first, at(0), "dead", "bb")}
    assert await store.run_files(second) == [newer]


async def test_a_file_record_of_another_run_is_refused(store: SqliteStore) -> None:
    run_id = await store.begin_run(at(0), {})
    with pytest.raises(ValueError, match=r"a\.md"):
        await store.record_files(run_id, [FileRecord("a.md", run_id + 1, at(0), "ok", "aa")])


async def test_links_say_which_files_name_which_urls(store: SqliteStore) -> None:
    run_id = await store.begin_run(at(0), {})
    links = [
        LinkRecord("b.md", "webUrl", "https://a.test/"),
        LinkRecord("a.md", "images[0].url", "https://img.test/1.jpg"),
        LinkRecord("a.md", "originalUrl", "https://a.test/"),
    ]
    await store.record_links(run_id, links)
    assert await store.run_links(run_id) == sorted(links, key=lambda link: (link.path, link.field))


async def test_failed_urls_lists_the_failures_of_a_run(store: SqliteStore) -> None:
    first = await run_with(
        store,
        0,
        check("https://ok.test/", Result.OK),
        check("https://skipped.test/", Result.SKIPPED),
        check("https://broken.test/", Result.BROKEN),
        check("https://blocked.test/", Result.BLOCKED),
    )
    second = await run_with(store, 6, check("https://broken.test/", Result.OK, 6))

    assert await store.failed_urls(first) == {"https://broken.test/", "https://blocked.test/"}
    assert await store.failed_urls(second) == set()
    assert await store.failed_urls() == set()  # the latest run


async def test_failed_urls_of_the_latest_run_ignore_a_run_still_going(
    store: SqliteStore,
) -> None:
    assert await store.failed_urls() == set()
    await run_with(store, 0, check("https://broken.test/", Result.BROKEN))
    await store.begin_run(at(6), {})  # this crawl asks what failed last time
    assert await store.failed_urls() == {"https://broken.test/"}


# -- migrations and unusable files ---------------------------------------------------------


def version_of(path: Path) -> tuple[int, int]:
    connection = sqlite3.connect(path)
    try:
        return (
            connection.execute("PRAGMA user_version").fetchone()[0],
            connection.execute("PRAGMA application_id").fetchone()[0],
        )
    finally:
        connection.close()


def make_v1_database(path: Path) -> None:
    """A state file as the first release wrote it, with one run in it."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.executescript(MIGRATIONS[0])
        connection.execute("PRAGMA user_version = 1")
        connection.execute(
            "INSERT INTO runs (started_at, finished_at, options, counts)"
            " VALUES ('2026-03-01T12:00:00.000000+00:00', NULL, '{\"seed\": 1}', '{}')"
        )
    finally:
        connection.close()


async def test_a_new_file_gets_the_whole_schema(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with await SqliteStore.open(path):
        pass
    assert version_of(path) == (len(MIGRATIONS), APPLICATION_ID)


async def test_a_file_written_by_the_first_release_opens(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    make_v1_database(path)
    async with await SqliteStore.open(path) as store:
        [run] = await store.runs(5)
    assert (run.started_at, run.options) == (T0, {"seed": 1})


async def test_an_older_file_is_migrated_step_by_step_keeping_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.db"
    make_v1_database(path)
    monkeypatch.setattr(
        migrations_module,
        "MIGRATIONS",
        (
            *MIGRATIONS,
            "ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT 'from v1'",
            "CREATE TABLE later (id INTEGER PRIMARY KEY)",
        ),
    )
    async with await SqliteStore.open(path) as store:
        [run] = await store.runs(5)
        assert run.options == {"seed": 1}
    assert version_of(path)[0] == len(MIGRATIONS) + 2
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("SELECT note FROM runs").fetchall() == [("from v1",)]
        assert connection.execute("SELECT count(*) FROM later").fetchone() == (0,)
    finally:
        connection.close()


async def test_a_failing_migration_step_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.db"
    make_v1_database(path)
    monkeypatch.setattr(
        migrations_module,
        "MIGRATIONS",
        (*MIGRATIONS, "CREATE TABLE half (id INTEGER); INSERT INTO missing VALUES (1)"),
    )
    with pytest.raises(
        StateError, match=rf"^{path}: schema migration to version {len(MIGRATIONS) + 1} failed"
    ):
        await SqliteStore.open(path)
    assert version_of(path)[0] == len(MIGRATIONS)  # the steps before the failing one
    connection = sqlite3.connect(path)
    try:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_schema")}
    finally:
        connection.close()
    assert "half" not in names


async def test_a_file_from_a_newer_crawler_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with await SqliteStore.open(path):
        pass
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    connection.close()

    with pytest.raises(StateError) as raised:
        await SqliteStore.open(path)

    message = str(raised.value)
    assert message.startswith(f"{path}: state schema version {len(MIGRATIONS) + 1} is newer")
    assert "upgrade" in message


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"not a database at all\n" * 200, id="text"),
        pytest.param(bytes(range(256)) * 16, id="binary"),
    ],
)
async def test_a_file_that_is_not_sqlite_is_refused_in_one_line(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(content)
    with pytest.raises(StateError) as raised:
        await SqliteStore.open(path)
    assert str(raised.value) == f"{path}: not a SQLite database"
    assert path.read_bytes() == content


async def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.commit()
    connection.close()
    before = path.read_bytes()

    with pytest.raises(StateError, match="another program"):
        await SqliteStore.open(path)
    assert path.read_bytes() == before


async def test_a_folder_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(StateError, match=rf"^{tmp_path}: cannot open the state database"):
        await SqliteStore.open(tmp_path)


# -- the store's thread and lifetime -----------------------------------------------------


async def test_every_statement_runs_on_one_thread_that_is_not_the_loops(tmp_path: Path) -> None:
    threads: set[int] = set()
    store = await SqliteStore.open(
        tmp_path / "state.db", trace=lambda statement: threads.add(threading.get_ident())
    )
    try:
        await run_with(store, 0, check("https://a.test/", Result.OK))
        await store.last_checks(["https://a.test/"])
    finally:
        await store.close()
    assert len(threads) == 1
    assert threading.get_ident() not in threads


async def test_the_event_loop_runs_while_the_store_works(tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    inside = asyncio.Event()
    gate = threading.Event()
    waited: list[bool] = []

    def hold_the_insert(statement: str) -> None:
        if statement.startswith("INSERT INTO url_checks") and not waited:
            loop.call_soon_threadsafe(inside.set)
            # Had the store run on the loop, inside.set could never run and the
            # gate never open: this wait would time out instead.
            waited.append(gate.wait(timeout=30))

    async with await SqliteStore.open(tmp_path / "state.db", trace=hold_the_insert) as store:
        run_id = await store.begin_run(at(0), {})
        recording = asyncio.create_task(
            store.record_checks(run_id, [check("https://a.test/", Result.OK)])
        )
        await inside.wait()
        assert not recording.done()
        gate.set()
        await recording
    assert waited == [True]


async def test_a_closed_store_refuses_work_and_closes_once(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "state.db")
    await store.close()
    await store.close()
    with pytest.raises(StateError, match="closed"):
        await store.runs(1)


async def test_an_unclosed_store_is_a_resource_warning(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "state.db")
    with pytest.warns(ResourceWarning, match="unclosed state store"):
        store.__del__()
    await store.close()


async def test_a_run_says_which_of_a_batch_of_urls_it_checked_passwords_masked(
    store: SqliteStore,
) -> None:
    # A resumed run asks this batch by batch rather than holding every URL of the run.
    first = await run_with(store, 0, check("https://a.example/", Result.OK),
                           check("https://u:***@b.example/", Result.BROKEN))  # fmt: skip
    later = await run_with(store, 1, check("https://c.example/", Result.OK))
    asked = ["https://a.example/", "https://u:pw@b.example/", "https://c.example/", "x"]
    assert await store.run_checked(first, asked) == {
        "https://a.example/",
        "https://u:***@b.example/",
    }
    assert await store.run_checked(later, asked) == {"https://c.example/"}
    assert await store.run_checked(first, []) == set()
