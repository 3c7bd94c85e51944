"""Scheduling: durations, Every and Cron ticks, jitter, and the loop on a fake clock."""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.errors import LockHeld, UsageError
from crawler.schedule import (
    Cron,
    Every,
    parse_duration,
    run_schedule,
    sleep_until,
    utc_now,
    with_jitter,
)

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def tick(number: int) -> datetime:
    """The ``number``-th tick of an hourly schedule anchored at T0."""
    return T0 + number * HOUR


# -- durations --------------------------------------------------------------------------

DURATIONS = [
    pytest.param("90s", timedelta(seconds=90), id="seconds"),
    pytest.param("15m", timedelta(minutes=15), id="minutes"),
    pytest.param("6h", timedelta(hours=6), id="hours"),
    pytest.param("7d", timedelta(days=7), id="days"),
    pytest.param("1w", timedelta(weeks=1), id="weeks"),
    pytest.param("1h30m", timedelta(hours=1, minutes=30), id="hours-and-minutes"),
    pytest.param("1w2d3h4m5s", timedelta(days=9, hours=3, minutes=4, seconds=5), id="every-unit"),
    pytest.param(" 6h\n", timedelta(hours=6), id="surrounding-space"),
    pytest.param("0s", timedelta(0), id="zero-means-none"),
    pytest.param("36h", timedelta(hours=36), id="more-than-a-day-of-hours"),
]


@pytest.mark.parametrize(("text", "expected"), DURATIONS)
def test_durations_read_as_timedeltas(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


BAD_DURATIONS = [
    pytest.param("", "empty", id="empty"),
    pytest.param("90", "no unit", id="no-unit"),
    pytest.param("1.5h", "whole numbers only", id="fraction"),
    pytest.param("1,5h", "whole numbers only", id="decimal-comma"),
    pytest.param("6x", "unknown unit 'x'", id="unknown-unit"),
    pytest.param("1M", "unknown unit 'M'", id="upper-case-is-not-minutes"),
    pytest.param("1ms", "unknown unit 'ms'", id="milliseconds"),
    pytest.param("30m1h", "units go from largest to smallest, each once", id="units-out-of-order"),
    pytest.param("1h1h", "units go from largest to smallest, each once", id="unit-twice"),
    pytest.param("-5m", "not a duration", id="negative"),
    pytest.param("6 h", "not a duration", id="space-inside"),
    pytest.param("h", "not a duration", id="unit-alone"),
    pytest.param("99999999999w", "too long", id="overflow"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_DURATIONS)
def test_bad_durations_are_usage_errors_that_say_why(text: str, reason: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_duration(text, what="--stale-after")
    message = str(raised.value)
    assert message.startswith(f"--stale-after {text!r}: {reason}")
    assert "e.g." in message or "like 90s" in message


# -- schedules -----------------------------------------------------------------------------

EVERY_6H = [
    pytest.param(T0, T0 + 6 * HOUR, id="on-a-tick-gives-the-next"),
    pytest.param(T0 + timedelta(seconds=1), T0 + 6 * HOUR, id="just-after-a-tick"),
    pytest.param(T0 + 6 * HOUR - timedelta(microseconds=1), T0 + 6 * HOUR, id="just-before"),
    pytest.param(T0 + timedelta(days=5, hours=3), T0 + timedelta(days=5, hours=6), id="days-on"),
    pytest.param(T0 - timedelta(seconds=1), T0, id="before-the-anchor"),
    pytest.param(T0 - 13 * HOUR, T0 - 12 * HOUR, id="long-before-the-anchor"),
]


@pytest.mark.parametrize(("moment", "expected"), EVERY_6H)
def test_every_ticks_on_a_fixed_grid_from_its_anchor(moment: datetime, expected: datetime) -> None:
    assert Every(6 * HOUR, T0).next_after(moment) == expected


def test_every_answers_in_utc_whatever_the_anchors_zone() -> None:
    paris = timezone(timedelta(hours=1))
    following = Every(HOUR, T0.astimezone(paris)).next_after(T0)
    assert following == tick(1) and following.tzinfo == UTC


@pytest.mark.parametrize("interval", [timedelta(0), -HOUR], ids=["zero", "negative"])
def test_every_needs_a_positive_interval(interval: timedelta) -> None:
    with pytest.raises(UsageError, match="longer than zero"):
        Every(interval, T0)


def test_every_needs_an_aware_anchor() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Every(HOUR, datetime(2026, 3, 1))


CRONS = [
    pytest.param("0 */6 * * *", T0, T0 + 6 * HOUR, id="every-six-hours-on-a-tick"),
    pytest.param("0 */6 * * *", T0 - timedelta(seconds=1), T0, id="every-six-hours-just-before"),
    pytest.param("*/15 * * * *", T0 + timedelta(minutes=7), T0 + timedelta(minutes=15), id="q15"),
    pytest.param("@daily", T0, datetime(2026, 3, 2, tzinfo=UTC), id="daily-alias"),
    pytest.param(
        "30 2 * * mon", T0, datetime(2026, 3, 2, 2, 30, tzinfo=UTC), id="mondays-2026-03-01-is-sun"
    ),
    pytest.param("0 0 1 * *", T0, datetime(2026, 4, 1, tzinfo=UTC), id="first-of-the-month"),
]


@pytest.mark.parametrize(("expression", "moment", "expected"), CRONS)
def test_cron_ticks_follow_the_expression(
    expression: str, moment: datetime, expected: datetime
) -> None:
    following = Cron(expression).next_after(moment)
    assert following == expected and following.tzinfo == UTC


def test_cron_reads_the_expression_in_its_zone_across_a_dst_change() -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        paris = zoneinfo.ZoneInfo("Europe/Paris")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone database")
    daily = Cron("0 3 * * *", paris)
    # 03:00 in Paris is 02:00 UTC in winter and 01:00 UTC from 2026-03-29 (CEST).
    first = daily.next_after(datetime(2026, 3, 28, 0, 0, tzinfo=UTC))
    second = daily.next_after(first)
    assert (first, second) == (
        datetime(2026, 3, 28, 2, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "expression",
    ["", "every day", "61 * * * *", "* * *"],
    ids=["empty", "words", "minute-61", "3-fields"],
)
def test_a_bad_cron_expression_is_a_usage_error_naming_it(expression: str) -> None:
    with pytest.raises(UsageError, match=rf"^{re.escape(f'--cron {expression!r}')}: not a cron"):
        Cron(expression)


# -- jitter ------------------------------------------------------------------------------------


def test_jitter_is_reproducible_with_a_seeded_random() -> None:
    jitter = timedelta(minutes=10)
    first = [with_jitter(tick(n), jitter, random.Random(7)) for n in range(5)]
    again = [with_jitter(tick(n), jitter, random.Random(7)) for n in range(5)]
    assert first == again


def test_jitter_only_delays_and_by_less_than_the_jitter() -> None:
    rng = random.Random(42)
    jitter = timedelta(minutes=10)
    delays = [with_jitter(T0, jitter, rng) - T0 for _ in range(200)]
    assert all(timedelta(0) <= delay < jitter for delay in delays)
    assert len(set(delays)) > 100  # spread out, not one fixed delay


def test_no_jitter_keeps_the_moment_and_negative_jitter_is_refused() -> None:
    assert with_jitter(T0, timedelta(0), random.Random(1)) == T0
    with pytest.raises(ValueError, match="negative"):
        with_jitter(T0, -HOUR, random.Random(1))


# -- the loop, on a fake clock ----------------------------------------------------------------


class FakeClock:
    """Time that moves only when the schedule sleeps (or a test moves it)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.waits: list[datetime] = []
        self.on_wake: Callable[[datetime], Awaitable[None]] | None = None

    def __call__(self) -> datetime:
        return self.now

    async def sleep_until(self, moment: datetime) -> None:
        self.waits.append(moment)
        self.now = max(self.now, moment)
        if self.on_wake is not None:
            await self.on_wake(moment)


class Recorder(logging.Handler):
    """Keeps the schedule's log lines, and tells a test when one appears."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.watched: dict[str, asyncio.Event] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        for text, event in self.watched.items():
            if text in record.getMessage():
                event.set()

    def lines(self, level: int = logging.DEBUG) -> list[str]:
        return [record.getMessage() for record in self.records if record.levelno >= level]

    def seen(self, text: str) -> asyncio.Event:
        return self.watched.setdefault(text, asyncio.Event())


@pytest.fixture
def recorder(request: pytest.FixtureRequest) -> Recorder:
    handler = Recorder()
    log = logging.getLogger(f"tests.schedule.{request.node.name}")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    request.addfinalizer(lambda: log.removeHandler(handler))
    return handler


@pytest.fixture
def log(request: pytest.FixtureRequest, recorder: Recorder) -> logging.Logger:
    return logging.getLogger(f"tests.schedule.{request.node.name}")  # the recorder's


async def never() -> None:
    await asyncio.Event().wait()


async def test_runs_start_on_the_schedule_however_long_each_run_takes(
    log: logging.Logger,
) -> None:
    clock = FakeClock(T0 + timedelta(minutes=10))
    stop = asyncio.Event()
    started: list[datetime] = []

    async def job() -> None:
        started.append(clock.now)
        clock.now += timedelta(minutes=20 + 5 * len(started))  # each run takes longer
        if len(started) == 4:
            stop.set()

    await run_schedule(
        Every(HOUR, T0), job, clock=clock, sleep_until=clock.sleep_until, stop=stop, log=log
    )

    assert started == [tick(1), tick(2), tick(3), tick(4)]
    assert clock.waits == [tick(1), tick(2), tick(3), tick(4), tick(5)]


async def test_a_tick_while_the_previous_run_still_goes_is_skipped_and_logged(
    log: logging.Logger, recorder: Recorder
) -> None:
    clock = FakeClock(T0)
    stop = asyncio.Event()
    release, first_done = asyncio.Event(), asyncio.Event()
    started: list[datetime] = []

    async def job() -> None:
        started.append(clock.now)
        await release.wait()
        first_done.set()

    async def on_wake(moment: datetime) -> None:
        if moment == tick(4):  # the first run ends between the 3rd and 4th ticks
            release.set()
            await first_done.wait()
        if moment == tick(5):
            stop.set()

    clock.on_wake = on_wake
    await run_schedule(
        Every(HOUR, T0), job, clock=clock, sleep_until=clock.sleep_until, stop=stop, log=log
    )

    assert started == [tick(1), tick(4)]
    assert recorder.lines(logging.WARNING) == [
        "skipped tick at 2026-03-01T14:00:00Z: previous run still going",
        "skipped tick at 2026-03-01T15:00:00Z: previous run still going",
    ]


async def test_stop_lets_the_current_run_finish_uncancelled(
    log: logging.Logger, recorder: Recorder
) -> None:
    clock = FakeClock(T0)
    stop = asyncio.Event()
    running, release = asyncio.Event(), asyncio.Event()
    outcome: list[str] = []

    async def job() -> None:
        running.set()
        try:
            await release.wait()
            outcome.append("finished")
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    async def on_wake(moment: datetime) -> None:
        if moment > tick(1):
            await never()  # the second tick does not come before stop

    clock.on_wake = on_wake
    schedule = asyncio.create_task(
        run_schedule(
            Every(HOUR, T0), job, clock=clock, sleep_until=clock.sleep_until, stop=stop, log=log
        )
    )
    await running.wait()
    stop.set()
    await recorder.seen("waiting for the current run to finish").wait()

    assert not schedule.done()
    release.set()
    await schedule
    assert outcome == ["finished"]
    assert clock.waits == [tick(1), tick(2)]
    assert recorder.lines()[-1] == "schedule stopped"


async def test_stop_before_any_tick_returns_without_running(log: logging.Logger) -> None:
    clock = FakeClock(T0)
    stop = asyncio.Event()
    started: list[datetime] = []

    async def job() -> None:
        started.append(clock.now)

    async def on_wake(moment: datetime) -> None:
        stop.set()
        await never()

    clock.on_wake = on_wake
    await run_schedule(
        Every(HOUR, T0), job, clock=clock, sleep_until=clock.sleep_until, stop=stop, log=log
    )
    assert started == []


async def test_cancelling_the_schedule_cancels_the_run(log: logging.Logger) -> None:
    clock = FakeClock(T0)
    running = asyncio.Event()
    outcome: list[str] = []

    async def job() -> None:
        running.set()
        try:
            await never()
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    async def on_wake(moment: datetime) -> None:
        if moment > tick(1):
            await never()

    clock.on_wake = on_wake
    schedule = asyncio.create_task(
        run_schedule(
            Every(HOUR, T0),
            job,
            clock=clock,
            sleep_until=clock.sleep_until,
            stop=asyncio.Event(),
            log=log,
        )
    )
    await running.wait()
    schedule.cancel()
    with pytest.raises(asyncio.CancelledError):
        await schedule
    assert outcome == ["cancelled"]


async def test_a_failed_run_is_logged_and_the_schedule_goes_on(
    log: logging.Logger, recorder: Recorder
) -> None:
    clock = FakeClock(T0)
    stop = asyncio.Event()
    started: list[datetime] = []
    failures: list[Exception] = [
        RuntimeError("bug in a run"),
        LockHeld("state.db.lock", pid=42, host="box", since="2026-03-01T12:00:00Z"),
    ]

    async def job() -> None:
        started.append(clock.now)
        if failures:
            raise failures.pop(0)
        stop.set()

    await run_schedule(
        Every(HOUR, T0), job, clock=clock, sleep_until=clock.sleep_until, stop=stop, log=log
    )

    assert started == [tick(1), tick(2), tick(3)]
    errors = [record for record in recorder.records if record.levelno == logging.ERROR]
    assert [record.getMessage() for record in errors] == [
        "run for tick at 2026-03-01T13:00:00Z failed",
        "run for tick at 2026-03-01T14:00:00Z failed: state.db.lock: another crawl holds the"
        " lock: pid 42 on box since 2026-03-01T12:00:00Z",
    ]
    assert errors[0].exc_info is not None  # a bug keeps its traceback
    assert errors[1].exc_info is None  # an expected refusal is one line


async def test_jitter_delays_each_run_but_the_plan_stays_on_the_grid(
    log: logging.Logger,
) -> None:
    clock = FakeClock(T0)
    stop = asyncio.Event()
    jitter = timedelta(minutes=30)
    started: list[datetime] = []

    async def job() -> None:
        started.append(clock.now)
        if len(started) == 4:
            stop.set()

    await run_schedule(
        Every(HOUR, T0),
        job,
        clock=clock,
        sleep_until=clock.sleep_until,
        stop=stop,
        log=log,
        jitter=jitter,
        rng=random.Random(3),
    )

    expected_rng = random.Random(3)
    expected = [with_jitter(tick(n), jitter, expected_rng) for n in range(1, 6)]
    assert clock.waits == expected
    assert started == expected[:4]
    assert all(timedelta(0) <= wait - tick(n) < jitter for n, wait in enumerate(expected, 1))


async def test_a_machine_that_slept_through_ticks_resumes_on_the_schedule(
    log: logging.Logger, recorder: Recorder
) -> None:
    clock = FakeClock(T0)
    stop = asyncio.Event()
    started: list[datetime] = []

    async def job() -> None:
        started.append(clock.now)
        if len(started) == 3:
            stop.set()

    async def on_wake(moment: datetime) -> None:
        if moment == tick(2):
            clock.now = tick(5) + timedelta(minutes=30)  # suspended, woke up late

    clock.on_wake = on_wake
    await run_schedule(
        Every(HOUR, T0), job, clock=clock, sleep_until=clock.sleep_until, stop=stop, log=log
    )

    assert clock.waits == [tick(1), tick(2), tick(6), tick(7)]  # no burst for ticks 3 to 5
    assert started == [tick(1), tick(5) + timedelta(minutes=30), tick(6)]
    assert recorder.lines(logging.WARNING) == [
        "missed ticks from 2026-03-01T15:00:00Z until 2026-03-01T18:00:00Z"
    ]


async def test_cron_drives_the_loop_too(log: logging.Logger) -> None:
    clock = FakeClock(T0 + timedelta(minutes=1))
    stop = asyncio.Event()
    started: list[datetime] = []

    async def job() -> None:
        started.append(clock.now)
        if len(started) == 3:
            stop.set()

    await run_schedule(
        Cron("0 */6 * * *"), job, clock=clock, sleep_until=clock.sleep_until, stop=stop, log=log
    )
    assert started == [tick(6), tick(12), tick(18)]


async def test_the_real_sleep_returns_at_once_for_a_moment_already_past() -> None:
    await sleep_until(utc_now() - timedelta(seconds=1))
