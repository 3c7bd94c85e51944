"""robots.txt (RFC 9309), fetched once per origin and cached for the run.

Protego parses the file.  Per RFC 9309 section 2.3.1: a 4xx answer means no
rules (everything allowed); a 5xx answer means "assume complete disallow".  A
robots.txt that cannot be fetched at all (refused, reset, timed out) is treated
as no rules, so the link's own check reports the real network failure instead of
hiding it behind "skipped".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

RobotsFetch = Callable[[str], Awaitable[tuple[int | None, bytes]]]  # status (None: no answer), body


@dataclass(frozen=True, slots=True)
class RobotsRules:
    parser: Protego | None  # None: no rules apply
    disallow_all: str | None = None  # why everything is disallowed (5xx answer)

    def verdict(self, url: str, token: str) -> str | None:
        """Why ``url`` may not be fetched, or None when it may."""
        if self.disallow_all is not None:
            return self.disallow_all
        if self.parser is not None and not self.parser.can_fetch(url, token):
            return "robots.txt disallows it"
        return None

    def crawl_delay(self, token: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(token)
        return float(delay) if delay is not None else None


def rules_from_answer(status: int | None, body: bytes) -> RobotsRules:
    """The rules an answer to ``GET /robots.txt`` establishes (RFC 9309 2.3.1)."""
    if status is None or 400 <= status < 500:
        return RobotsRules(None)
    if status >= 500:
        return RobotsRules(None, f"robots.txt unavailable ({status}): complete disallow")
    if not 200 <= status < 300:
        return RobotsRules(None)
    text = body.decode("utf-8", errors="replace")
    return RobotsRules(Protego.parse(text))


class RobotsCache:
    """One robots.txt fetch per origin, shared by every concurrent request to it."""

    def __init__(self, fetch: RobotsFetch, token: str) -> None:
        self._fetch = fetch
        self._token = token
        self._rules: dict[str, asyncio.Task[RobotsRules]] = {}

    async def rules_for(self, url: str) -> RobotsRules:
        parts = urlsplit(url)
        # The origin is scheme, host and port: user info is neither sent nor part of the key.
        host_and_port = parts.netloc.rpartition("@")[2].lower()
        origin = f"{parts.scheme.lower()}://{host_and_port}"
        task = self._rules.get(origin)
        if task is None:
            task = asyncio.ensure_future(self._load(origin + "/robots.txt"))
            self._rules[origin] = task
        # shield: one caller's timeout must not cancel the fetch others wait on.
        return await asyncio.shield(task)

    async def _load(self, robots_url: str) -> RobotsRules:
        status, body = await self._fetch(robots_url)
        return rules_from_answer(status, body)

    async def verdict(self, url: str) -> tuple[str | None, float | None]:
        """(why the URL is disallowed or None, the origin's Crawl-delay or None)."""
        rules = await self.rules_for(url)
        return rules.verdict(url, self._token), rules.crawl_delay(self._token)

    async def close(self) -> None:
        for task in self._rules.values():
            if not task.done():
                task.cancel()
        await asyncio.gather(*self._rules.values(), return_exceptions=True)
