"""The crawler's outcome vocabulary: one result class per checked URL.

Expected failures (a 404, a timeout, a bot wall) are values, not exceptions.  The
fetch layer produces a :class:`LinkResult` for every URL; every later stage (the
``crawl`` block, reports, exit codes) reads only these records.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Result(enum.StrEnum):
    """The seven result classes of the public contract (CONTRACT.md)."""

    OK = "ok"  # final response 2xx, after any redirects
    BROKEN = "broken"  # 404, 410, other 4xx not blocked, 5xx after retries
    BLOCKED = "blocked"  # 401, 403, 407, 429 after retries, 999, bot walls
    TIMEOUT = "timeout"  # no complete answer within the time budget, after retries
    ERROR = "error"  # DNS, refused/reset, TLS, redirect loop, malformed response
    INVALID = "invalid"  # not an absolute http(s) URL; no request made
    SKIPPED = "skipped"  # not requested by policy (robots, private-address guard, exclude)

    @property
    def is_failure(self) -> bool:
        """Whether this result makes a crawl exit with status 1.

        ``skipped`` is the user's own policy (robots.txt, the guard, an exclude
        rule), not evidence that the link is bad, so it does not fail a run.
        """
        return self not in (Result.OK, Result.SKIPPED)


@dataclass(frozen=True, slots=True)
class LinkResult:
    """The outcome of checking one distinct URL."""

    url: str
    result: Result
    status: int | None = None  # HTTP status of the final response, if any arrived
    final_url: str | None = None  # URL after redirects (None when no response)
    redirects: int = 0  # redirect hops followed
    attempts: int = 0  # requests made for the URL itself, retries included
    elapsed_ms: int = 0  # wall time spent on the URL, waits between retries included
    detail: str | None = None  # short human reason for anything but a plain ok
    content_type: str | None = None  # media type of the final response, lower-case

    @property
    def is_ok(self) -> bool:
        return self.result is Result.OK
