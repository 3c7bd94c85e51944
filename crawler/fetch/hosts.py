"""Politeness per host: how many requests at once, and how far apart they start.

:class:`HostGate` is what the Fetcher asks before each request; :class:`HostPool`
is the in-process gate, and the distributed mode has a gate that decides in Redis
for every worker at once (:mod:`crawler.run.redis.gate`).  Each host has a
semaphore (``per_host`` requests in flight) and a :class:`HostPolicy` giving the
minimum interval between request starts.  A 429 answer or a robots.txt
Crawl-delay replaces the host's policy with a slower one for the rest of the run;
policies are frozen values, replaced and never mutated.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Protocol


@dataclass(frozen=True, slots=True)
class HostPolicy:
    interval: float  # seconds between the starts of two requests to the host
    slowed: bool = False  # the host answered 429 at least once


class HostGate(Protocol):
    """Decides when a request to a host may start: concurrency, interval, slow-downs."""

    def policy(self, host: str) -> HostPolicy:
        """The host's policy as last known here (the frontier orders its hosts by it)."""
        ...

    def slot(self, host: str) -> AbstractAsyncContextManager[None]:
        """Hold one of the host's request slots, from the start its interval allows."""
        ...

    def slow_down(self, host: str) -> None:
        """A 429 from the host: start its requests further apart."""
        ...

    def honour_crawl_delay(self, host: str, seconds: float) -> None:
        """A robots.txt Crawl-delay: never start requests closer together than that."""
        ...

    def hold(self, host: str, seconds: float) -> None:
        """A Retry-After: no request to the host starts for that long (RFC 9110 10.2.3)."""
        ...


@dataclass(slots=True)
class _HostState:
    policy: HostPolicy
    gate: asyncio.Semaphore
    next_start: float = 0.0


class HostPool:
    """Admits requests to each host under its concurrency limit and interval."""

    def __init__(
        self,
        per_host: int,
        interval: float,
        slowdown_floor: float,
        slowdown_cap: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._per_host = per_host
        self._default = HostPolicy(interval)
        self._slowdown_floor = slowdown_floor
        self._slowdown_cap = slowdown_cap
        self._sleep = sleep
        self._hosts: dict[str, _HostState] = {}

    def policy(self, host: str) -> HostPolicy:
        return self._state(host).policy

    def _state(self, host: str) -> _HostState:
        state = self._hosts.get(host)
        if state is None:
            state = _HostState(self._default, asyncio.Semaphore(self._per_host))
            self._hosts[host] = state
        return state

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold one of the host's request slots, starting no sooner than its interval allows."""
        state = self._state(host)
        async with state.gate:
            loop = asyncio.get_running_loop()
            now = loop.time()
            # Reserve the start time before sleeping, so concurrent waiters queue up
            # one interval apart instead of all waking at once.
            start = max(now, state.next_start)
            state.next_start = start + state.policy.interval
            if start > now:
                await self._sleep(start - now)
            yield

    def slow_down(self, host: str) -> None:
        """A 429 from the host: double its interval (at least the floor, at most the cap)."""
        state = self._state(host)
        slower = min(self._slowdown_cap, max(self._slowdown_floor, state.policy.interval * 2))
        state.policy = replace(state.policy, interval=slower, slowed=True)

    def honour_crawl_delay(self, host: str, seconds: float) -> None:
        """A robots.txt Crawl-delay: never start requests closer together than that."""
        state = self._state(host)
        if seconds > state.policy.interval:
            state.policy = replace(state.policy, interval=seconds)

    def hold(self, host: str, seconds: float) -> None:
        """A Retry-After: no request to the host starts for that long."""
        state = self._state(host)
        state.next_start = max(state.next_start, asyncio.get_running_loop().time() + seconds)
