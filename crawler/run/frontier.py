"""The frontier: which URL to check next, so that no host holds the run's concurrency.

URLs wait in one queue per host.  :meth:`Frontier.take` hands out a URL only for
a host that can take a request now (fewer than ``per_host`` checks of it in
flight, its interval since the last start passed), visiting the hosts with work
round robin.  So 128 check slots are spread over every host that has work, and a
big or slow host never makes the others wait behind its own politeness queue.

The frontier only chooses; the fetch layer's :class:`~crawler.fetch.hosts.HostPool`
still enforces every limit per request (redirect hops, image ranges, robots.txt
fetches and Crawl-delay or 429 slow-downs learned mid-run included), so
politeness stays exact whatever the frontier decides.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

Interval = Callable[[str], float]  # host -> seconds between request starts, as it is now


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class Frontier:
    """Per-host queues of URLs, handed out round robin to hosts that are ready."""

    def __init__(self, per_host: int, interval: Interval) -> None:
        self._per_host = per_host
        self._interval = interval
        self._queues: dict[str, deque[str]] = {}
        self._rotation: deque[str] = deque()  # hosts with queued URLs, in visiting order
        self._in_flight: dict[str, int] = {}
        self._not_before: dict[str, float] = {}
        self._queued = 0

    def __len__(self) -> int:
        """URLs waiting to be handed out."""
        return self._queued

    def add(self, url: str) -> None:
        host = host_of(url)
        queue = self._queues.get(host)
        if queue is None:
            queue = self._queues[host] = deque()
            self._rotation.append(host)
        queue.append(url)
        self._queued += 1

    def take(self, now: float) -> str | None:
        """A URL whose host can take a request at ``now``, or None if no host can."""
        for _ in range(len(self._rotation)):
            host = self._rotation[0]
            self._rotation.rotate(-1)
            if not self._is_ready(host, now):
                continue
            queue = self._queues[host]
            url = queue.popleft()
            self._queued -= 1
            if not queue:
                del self._queues[host]
                self._rotation.remove(host)
            self._in_flight[host] = self._in_flight.get(host, 0) + 1
            self._not_before[host] = now + self._interval(host)
            return url
        return None

    def done(self, url: str) -> None:
        """The check of ``url`` has finished: its host has a slot again."""
        host = host_of(url)
        left = self._in_flight.get(host, 0) - 1
        if left > 0:
            self._in_flight[host] = left
        else:
            self._in_flight.pop(host, None)

    def next_ready_at(self) -> float | None:
        """When the earliest waiting host's interval ends (None: none waits on time)."""
        times = [
            self._not_before.get(host, 0.0)
            for host in self._rotation
            if self._in_flight.get(host, 0) < self._per_host
        ]
        return min(times) if times else None

    def _is_ready(self, host: str, now: float) -> bool:
        if self._in_flight.get(host, 0) >= self._per_host:
            return False
        return self._not_before.get(host, 0.0) <= now
