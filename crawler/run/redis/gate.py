"""Politeness for the whole fleet: each host's slots and interval decided in Redis.

:class:`RedisHostGate` is the :class:`~crawler.fetch.hosts.HostGate` of a worker
in the distributed mode.  Every decision is one Lua script on the Redis server
(:mod:`.scripts`), on the server's clock, so two workers can never both be
admitted to a host past its ``--per-host`` limit or inside its interval: the
reservation of the next start and of a slot happen in one atomic step.  A slot
is a lease that lapses by itself, so a crashed worker's slot frees itself.  A
429 or a robots.txt Crawl-delay changes the host's interval in Redis for every
worker; :meth:`policy` answers from what this worker last heard (the frontier
only uses it to order hosts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from crawler import defaults
from crawler.config import Config
from crawler.fetch.hosts import HostPolicy
from crawler.run.redis import scripts
from crawler.run.redis.keys import RunKeys

log = logging.getLogger("crawler")
POLL = 0.02  # seconds between two tries for a host whose every slot is held elsewhere
SLOT_MARGIN = 5.0  # seconds a slot outlives the longest request it can carry
OUTAGE_POLL = 0.5  # seconds between two tries while Redis is unreachable
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisHostGate:
    """Admits requests to each host under the fleet's shared limits."""

    def __init__(self, client: Any, keys: RunKeys, config: Config) -> None:
        self._client = client
        self._keys = keys
        self._per_host = config.per_host
        self._interval_ms = round(config.min_interval * 1000)
        self._hold_ms = round((config.timeout + SLOT_MARGIN) * 1000)
        self._acquire = client.register_script(scripts.ACQUIRE)
        self._start = client.register_script(scripts.START)
        self._release = client.register_script(scripts.RELEASE)
        self._slow = client.register_script(scripts.SLOW_DOWN)
        self._delay = client.register_script(scripts.CRAWL_DELAY)
        self._hold = client.register_script(scripts.HOLD)
        self._policies: dict[str, HostPolicy] = {}
        self._local: dict[str, asyncio.Semaphore] = {}
        self._changes: dict[str, list[asyncio.Task[None]]] = {}

    def policy(self, host: str) -> HostPolicy:
        return self._policies.get(host) or HostPolicy(self._interval_ms / 1000)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        # This worker's own requests to the host queue here first, so only as many
        # as the limit allows ask Redis at once.
        local = self._local.setdefault(host, asyncio.Semaphore(self._per_host))
        async with local:
            for change in self._changes.pop(host, []):
                await change  # a 429 or Crawl-delay seen here counts before the next start
            token = secrets.token_hex(8)
            keys = [self._keys.settings, self._keys.host(host), self._keys.slots(host)]
            args = [token, self._per_host, self._interval_ms, self._hold_ms]
            while True:
                wait_ms, interval = await self._call(host, self._acquire, keys, args)
                if wait_ms != -1:
                    break
                await asyncio.sleep(POLL)
            start_keys = [self._keys.settings, self._keys.host(host)]
            while wait_ms >= 0:
                self._remember(host, int(interval))
                # The start was reserved on the server's clock; only the wait before
                # it is measured here, so the workers' clocks need not agree.  Then
                # the start is confirmed there, in case this worker woke late.
                await asyncio.sleep(wait_ms / 1000)
                wait_ms = await self._call(host, self._start, start_keys, [self._interval_ms])
                if wait_ms == 0:
                    break
            try:
                yield
            finally:
                # Unreleased (Redis down), the slot frees itself when its lease lapses.
                with contextlib.suppress(*UNREACHABLE):
                    await self._release(
                        keys=[self._keys.settings, self._keys.slots(host)], args=[token]
                    )

    def slow_down(self, host: str) -> None:
        floor = round(defaults.SLOWDOWN_INTERVAL * 1000)
        cap = round(defaults.SLOWDOWN_CAP * 1000)
        self._change(host, self._slow, [self._interval_ms, floor, cap], slowed=True)

    def honour_crawl_delay(self, host: str, seconds: float) -> None:
        self._change(host, self._delay, [self._interval_ms, round(seconds * 1000)], slowed=False)

    def hold(self, host: str, seconds: float) -> None:
        self._change(host, self._hold, [self._interval_ms, round(seconds * 1000)], slowed=False)

    async def _call(self, host: str, script: AsyncScript, keys: list[str], args: list[Any]) -> Any:
        while True:
            try:
                return await script(keys=keys, args=args)
            except UNREACHABLE as exc:
                # No request starts while the fleet cannot agree on it.
                log.warning("Redis unreachable (%s); %s waits", exc, host)
                await asyncio.sleep(OUTAGE_POLL)

    async def settle(self) -> None:
        """Waits for the slow-downs still on their way to Redis."""
        changes = [task for tasks in self._changes.values() for task in tasks]
        self._changes.clear()
        if changes:
            await asyncio.wait(changes)

    def _change(self, host: str, script: AsyncScript, args: list[int], *, slowed: bool) -> None:
        keys = [self._keys.settings, self._keys.host(host)]

        async def apply() -> None:
            try:
                interval = await script(keys=keys, args=args)
            except UNREACHABLE as exc:
                log.warning("Redis unreachable (%s): %s not slowed down for the fleet", exc, host)
                return
            if interval >= 0:
                self._remember(host, int(interval), slowed=slowed)

        self._changes.setdefault(host, []).append(asyncio.ensure_future(apply()))

    def _remember(self, host: str, interval_ms: int, *, slowed: bool = False) -> None:
        known = self.policy(host)
        self._policies[host] = HostPolicy(interval_ms / 1000, known.slowed or slowed)


__all__ = ["RedisHostGate"]
