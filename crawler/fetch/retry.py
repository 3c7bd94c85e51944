"""Retry policy: whether an attempt's outcome is worth another try, and when.

The decision is a pure function of the outcome and the backoff schedule is data,
so both are tested from tables; ``client`` only applies them.  Transient
failures per RFC 9110: 408 Request Timeout, 429 Too Many Requests (RFC 6585),
5xx server errors, timeouts and connection resets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """What one attempt came to, as far as retrying is concerned."""

    status: int | None = None  # final HTTP status, None when no response arrived
    timed_out: bool = False
    reset: bool = False  # the connection was reset or dropped mid-answer
    bot_wall: bool = False  # a challenge page: asking again does not help
    retry_after: float | None = None  # seconds the server asked us to wait


def is_retryable(outcome: AttemptOutcome) -> bool:
    """Whether asking again could give a different answer."""
    if outcome.bot_wall:
        return False
    if outcome.timed_out or outcome.reset:
        return True
    return outcome.status in RETRYABLE_STATUSES


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter: base * 2**n, capped, stretched by up to ``jitter``."""

    base: float  # seconds before the first retry
    cap: float  # seconds, the longest computed delay
    jitter: float  # fraction of random stretch, 0.25 = up to +25 %
    retry_after_cap: float  # seconds, the longest Retry-After honoured

    def delay(self, retry_number: int, outcome: AttemptOutcome, rng: random.Random) -> float:
        """Seconds to wait before retry ``retry_number`` (1 for the first retry)."""
        # The exponent is bounded so that a large --retries cannot overflow the float.
        computed = min(self.cap, self.base * 2.0 ** min(retry_number - 1, 64))
        computed *= 1 + self.jitter * rng.random()
        if outcome.retry_after is not None:
            return max(computed, min(outcome.retry_after, self.retry_after_cap))
        return computed


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    # delay-seconds is 1*DIGIT in ASCII; str.isdigit() alone also accepts "²" or "٣".
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
