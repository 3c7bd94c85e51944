"""``crawler worker``: takes URL checks from Redis and answers them, for any run.

A worker serves the runs listed in Redis (:data:`.keys.RUNS`) one after another,
each in a :class:`~.session.Session`, and waits out a Redis restart with backoff.
For a run it reads the run's settings, opens one Fetcher whose politeness is the
fleet's (:class:`.gate.RedisHostGate`), and keeps up to ``--concurrency`` checks
in flight: entries read from the work stream with XREADGROUP, or taken over with
XAUTOCLAIM once another worker's lease on them has lapsed.  Each answer goes on
the results stream and its entry is acknowledged in one atomic step
(:data:`.scripts.ANSWER`).  While a check runs its lease is renewed, up to the
longest time a check can honestly take; an entry delivered more than
:data:`MAX_DELIVERIES` times (its workers died or hung each time) is answered as
an ``error`` instead of looping.  SIGTERM stops the reading; checks in flight get
``grace`` seconds to finish, and what is still held then is handed back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis

from crawler.errors import UsageError
from crawler.run.redis.gate import UNREACHABLE
from crawler.run.redis.keys import RUNS, RunKeys
from crawler.run.redis.session import MAX_DELIVERIES, Session

log = logging.getLogger("crawler")
IDLE_POLL = 0.5  # seconds between two looks for a run with work, when there is none
BACKOFF_CAP = 5.0  # seconds, the longest wait before trying an unreachable Redis again
T = TypeVar("T")


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"


async def serve(
    url: str,
    *,
    concurrency: int,
    stop: asyncio.Event,
    exit_when_idle: bool = False,
    grace: float = 10.0,
    name: str | None = None,
) -> None:
    """Serve runs until ``stop`` is set (or, ``exit_when_idle``, until none has work)."""
    worker = Worker(url, name or worker_name(), concurrency, stop, grace)
    await worker.serve(exit_when_idle)


class Worker:
    def __init__(
        self, url: str, name: str, concurrency: int, stop: asyncio.Event, grace: float
    ) -> None:
        self.url = url
        self.name = name
        self.concurrency = concurrency
        self.stop = stop
        self.grace = grace
        self.backoff = 0.1
        # Set after an outage: entries Redis delivered while the reply was lost are
        # pending to this worker unknown to it, until it looks (not a lease later).
        self.reconnected = False

    async def serve(self, exit_when_idle: bool) -> None:
        client: Any = Redis.from_url(self.url, decode_responses=True)
        try:
            while not self.stop.is_set():
                try:
                    runs = sorted(await client.smembers(RUNS))
                    self.backoff = 0.1
                    served = False
                    for run_id in runs:
                        if self.stop.is_set():
                            break
                        try:
                            session = Session(self, client, RunKeys(run_id))
                            served = await session.serve() or served
                        except UsageError as exc:
                            # One run's unusable settings must not stop the fleet's other runs.
                            log.error("run %s skipped: %s", run_id, exc)
                except UNREACHABLE as exc:
                    await self.unreachable(exc)
                    continue
                if not served:
                    if exit_when_idle:
                        return
                    await self.pause(IDLE_POLL)
        finally:
            await client.aclose()

    async def unreachable(self, exc: BaseException) -> None:
        log.warning("Redis at %s unreachable (%s); again in %.1fs", self.url, exc, self.backoff)
        await self.pause(self.backoff)
        self.backoff = min(BACKOFF_CAP, self.backoff * 2)

    async def pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)

    async def retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()`` until Redis answers it: a Redis restart is waited out."""
        while True:
            try:
                result = await call()
            except UNREACHABLE as exc:
                await self.unreachable(exc)
                self.reconnected = True
                continue
            self.backoff = 0.1
            return result


__all__ = ["MAX_DELIVERIES", "UNREACHABLE", "Worker", "serve", "worker_name"]
