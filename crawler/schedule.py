"""When scheduled crawls run: durations, schedules, and the loop that keeps to them.

``crawler schedule`` runs a crawl on every tick of a :class:`Schedule`, either
``--every 6h`` (:class:`Every`) or ``--cron "0 */6 * * *"`` (:class:`Cron`), each
tick delayed by a random ``--jitter`` so that many machines do not start at once.
Each next tick is planned from the schedule, never from when the last run ended,
so the plan does not drift with run length; a tick that comes while the previous
run still goes is skipped and logged rather than queued.

Everything time-related is injected (the clock, the sleep, the random source), so
tests drive :func:`run_schedule` with a fake clock and no real waiting.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol

from croniter import croniter  # type: ignore[import-untyped, unused-ignore]

from crawler.errors import CrawlerError, UsageError

_UNITS = {  # largest first: a duration names them in this order, each once
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
_UNIT_ORDER = tuple(_UNITS)
_DURATION = re.compile(r"(?:[0-9]+[a-zA-Z]+)+")
_PART = re.compile(r"(?P<number>[0-9]+)(?P<unit>[a-zA-Z]+)")
WALL_CLOCK_RECHECK = 60.0  # seconds: a long wait looks at the wall clock again this often


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """``90s``, ``15m``, ``6h``, ``7d``, ``1w`` or combinations like ``1h30m``.

    Units go from largest to smallest, each at most once; numbers are whole.
    ``what`` names the setting in the UsageError (e.g. ``--stale-after``).
    """
    spec = text.strip()

    def problem(reason: str) -> UsageError:
        return UsageError(
            f"{what} {text!r}: {reason}; expected a duration like 90s, 15m, 6h, 7d, 1w or 1h30m"
        )

    if not spec:
        raise problem("empty")
    if spec.isdigit():
        raise problem("no unit")
    if re.search(r"[0-9][.,][0-9]", spec):
        raise problem("whole numbers only")
    if not _DURATION.fullmatch(spec):
        raise problem("not a duration")
    total = timedelta()
    previous = -1
    for part in _PART.finditer(spec):
        unit = part["unit"]
        if unit not in _UNITS:
            raise problem(f"unknown unit {unit!r} (units: {', '.join(_UNIT_ORDER)})")
        rank = _UNIT_ORDER.index(unit)
        if rank <= previous:
            raise problem("units go from largest to smallest, each once")
        previous = rank
        try:
            total += int(part["number"]) * _UNITS[unit]
        except OverflowError:
            raise problem("too long") from None
    return total


class Schedule(Protocol):
    """Ticks in time."""

    def next_after(self, moment: datetime) -> datetime:
        """The first tick strictly after ``moment`` (timezone-aware, UTC)."""
        ...


@dataclass(frozen=True, slots=True)
class Every:
    """Ticks at ``anchor + k * interval`` for every whole k: a fixed grid in time."""

    interval: timedelta
    anchor: datetime

    def __post_init__(self) -> None:
        if self.interval <= timedelta(0):
            raise UsageError(f"--every {self.interval}: the interval must be longer than zero")
        if self.anchor.utcoffset() is None:
            raise ValueError(f"anchor {self.anchor.isoformat()} must be timezone-aware")

    def next_after(self, moment: datetime) -> datetime:
        steps = (moment - self.anchor) // self.interval + 1
        return (self.anchor + steps * self.interval).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Cron:
    """Ticks of a cron expression (``minute hour day month weekday``), read in ``zone``.

    ``zone`` is UTC unless the caller passes another (e.g. a ZoneInfo for local
    time, so that ``0 3 * * *`` is 03:00 on the wall across DST changes).
    """

    expression: str
    zone: tzinfo = UTC

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.expression):
            raise UsageError(
                f"--cron {self.expression!r}: not a cron expression"
                " (five fields: minute hour day-of-month month day-of-week)"
            )

    def next_after(self, moment: datetime) -> datetime:
        following: datetime = croniter(self.expression, moment.astimezone(self.zone)).get_next(
            datetime
        )
        return following.astimezone(UTC)


def with_jitter(moment: datetime, jitter: timedelta, rng: random.Random) -> datetime:
    """``moment`` delayed by a random part of ``jitter``, uniform in [0, jitter)."""
    if jitter < timedelta(0):
        raise ValueError(f"jitter {jitter} must not be negative")
    return moment + jitter * rng.random()


def utc_now() -> datetime:
    """The real clock, for :func:`run_schedule`."""
    return datetime.now(UTC)


async def sleep_until(moment: datetime) -> None:
    """Wait until the wall clock reaches ``moment``, for :func:`run_schedule`.

    The monotonic clock stops while a machine is suspended, so long waits are cut
    into pieces that each look at the wall clock again.
    """
    while True:
        remaining = (moment - utc_now()).total_seconds()
        if remaining <= 0:
            return
        await asyncio.sleep(min(remaining, WALL_CLOCK_RECHECK))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def run_schedule(
    schedule: Schedule,
    job: Callable[[], Awaitable[Any]],
    *,
    clock: Callable[[], datetime],
    sleep_until: Callable[[datetime], Awaitable[None]],
    stop: asyncio.Event,
    log: logging.Logger,
    jitter: timedelta = timedelta(0),
    rng: random.Random | None = None,
) -> None:
    """Start ``job`` on every tick of ``schedule`` until ``stop`` is set.

    The job runs as a task, so ticks keep being watched while it runs; a tick that
    comes while it still runs is skipped and logged.  A job that raises is logged
    and the schedule goes on.  Once ``stop`` is set no tick is planned any more; a
    run in progress is waited for, not cancelled: the job decides how to end early
    (it may watch ``stop`` itself).  Cancelling this coroutine cancels the job too.
    """
    rng = rng or random.Random()
    running: asyncio.Task[None] | None = None
    tick = schedule.next_after(clock())
    try:
        while True:
            fire_at = with_jitter(tick, jitter, rng)
            log.info("next run at %s", _stamp(fire_at))
            if not await _wait(fire_at, sleep_until, stop):
                break
            if running is not None and not running.done():
                log.warning("skipped tick at %s: previous run still going", _stamp(tick))
            else:
                running = asyncio.create_task(_run_job(job, tick, log))
            tick = _following(schedule, tick, clock(), jitter, log)
        if running is not None and not running.done():
            log.info("stopping: waiting for the current run to finish")
            await running
    except BaseException:
        if running is not None and not running.done():
            running.cancel()
            await asyncio.wait([running])
        raise
    log.info("schedule stopped")


async def _wait(
    moment: datetime, sleep_until: Callable[[datetime], Awaitable[None]], stop: asyncio.Event
) -> bool:
    """Wait for ``moment``; False when ``stop`` was set first (or at the same time)."""
    if stop.is_set():
        return False
    sleeping = asyncio.ensure_future(sleep_until(moment))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([sleeping, stopping], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in (sleeping, stopping):
            waiter.cancel()
        await asyncio.wait([sleeping, stopping])
    if stop.is_set():
        return False
    sleeping.result()  # a sleep that failed is a bug worth seeing
    return True


def _following(
    schedule: Schedule, tick: datetime, now: datetime, jitter: timedelta, log: logging.Logger
) -> datetime:
    following = schedule.next_after(tick)
    if following + jitter < now:
        # The loop itself fell behind (a suspended machine): resume on the schedule
        # rather than fire every missed tick in a burst.
        resumed = schedule.next_after(now)
        log.warning("missed ticks from %s until %s", _stamp(following), _stamp(resumed))
        return resumed
    return following


async def _run_job(job: Callable[[], Awaitable[Any]], tick: datetime, log: logging.Logger) -> None:
    log.info("run for tick at %s started", _stamp(tick))
    try:
        await job()
    except CrawlerError as exc:  # e.g. LockHeld: another crawl is in the way
        log.error("run for tick at %s failed: %s", _stamp(tick), exc)
    except Exception:
        log.exception("run for tick at %s failed", _stamp(tick))
    else:
        log.info("run for tick at %s finished", _stamp(tick))
