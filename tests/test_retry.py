"""retry: whether to try again (a pure function) and how long to wait (data), from tables."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.fetch.retry import AttemptOutcome, Backoff, is_retryable, parse_retry_after

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

RETRYABLE = [
    pytest.param(AttemptOutcome(status=408), True, id="408-request-timeout"),
    pytest.param(AttemptOutcome(status=429), True, id="429-too-many-requests"),
    pytest.param(AttemptOutcome(status=500), True, id="500"),
    pytest.param(AttemptOutcome(status=502), True, id="502"),
    pytest.param(AttemptOutcome(status=503), True, id="503"),
    pytest.param(AttemptOutcome(status=504), True, id="504"),
    pytest.param(AttemptOutcome(status=522), True, id="522-cloudflare-origin-timeout"),
    pytest.param(AttemptOutcome(timed_out=True), True, id="timeout"),
    pytest.param(AttemptOutcome(reset=True), True, id="reset"),
    pytest.param(AttemptOutcome(status=200, reset=True), True, id="reset-mid-body"),
    pytest.param(AttemptOutcome(status=200), False, id="200"),
    pytest.param(AttemptOutcome(status=301), False, id="301"),
    pytest.param(AttemptOutcome(status=404), False, id="404"),
    pytest.param(AttemptOutcome(status=410), False, id="410"),
    pytest.param(AttemptOutcome(status=403), False, id="403"),
    pytest.param(AttemptOutcome(status=401), False, id="401"),
    pytest.param(AttemptOutcome(status=501), False, id="501-not-implemented"),
    pytest.param(AttemptOutcome(status=999), False, id="999"),
    pytest.param(AttemptOutcome(), False, id="no-answer-not-transient-dns-or-refused"),
    pytest.param(AttemptOutcome(status=503, bot_wall=True), False, id="503-challenge-page"),
    pytest.param(AttemptOutcome(status=429, bot_wall=True), False, id="429-challenge-page"),
    pytest.param(AttemptOutcome(timed_out=True, bot_wall=True), False, id="bot-wall-wins"),
]


@pytest.mark.parametrize(("outcome", "expected"), RETRYABLE)
def test_only_transient_outcomes_are_retried(outcome: AttemptOutcome, expected: bool) -> None:
    assert is_retryable(outcome) is expected


# ---------------------------------------------------------------------------
# Backoff
# ---------------------------------------------------------------------------

NO_JITTER = Backoff(base=0.5, cap=8.0, jitter=0.0, retry_after_cap=30.0)


@pytest.mark.parametrize(
    ("retry_number", "expected"),
    [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 8.0), (50, 8.0), (5000, 8.0)],
    ids=lambda value: str(value),
)
def test_backoff_doubles_from_base_up_to_cap(retry_number: int, expected: float) -> None:
    assert NO_JITTER.delay(retry_number, AttemptOutcome(status=503), random.Random(0)) == expected


@pytest.mark.parametrize("retry_number", [1, 2, 3, 4, 5, 6])
def test_jitter_stretches_each_delay_by_at_most_its_fraction(retry_number: int) -> None:
    backoff = Backoff(base=0.5, cap=8.0, jitter=0.25, retry_after_cap=30.0)
    base = NO_JITTER.delay(retry_number, AttemptOutcome(), random.Random(0))
    rng = random.Random(7)
    delays = [backoff.delay(retry_number, AttemptOutcome(), rng) for _ in range(200)]
    assert all(base <= delay <= base * 1.25 for delay in delays)
    assert len(set(delays)) > 100  # it does vary


def test_jitter_is_reproducible_with_a_fixed_seed() -> None:
    backoff = Backoff(base=0.5, cap=8.0, jitter=0.25, retry_after_cap=30.0)

    def schedule(seed: int) -> list[float]:
        rng = random.Random(seed)
        return [backoff.delay(n, AttemptOutcome(), rng) for n in range(1, 6)]

    assert schedule(42) == schedule(42)
    assert schedule(42) != schedule(43)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        pytest.param(3.0, 3.0, id="longer-than-backoff-is-honoured"),
        pytest.param(0.1, 0.5, id="shorter-than-backoff-keeps-backoff"),
        pytest.param(0.0, 0.5, id="zero-keeps-backoff"),
        pytest.param(30.0, 30.0, id="at-the-cap"),
        pytest.param(3600.0, 30.0, id="beyond-the-cap-is-capped"),
    ],
)
def test_retry_after_is_honoured_up_to_its_cap(retry_after: float, expected: float) -> None:
    outcome = AttemptOutcome(status=429, retry_after=retry_after)
    assert NO_JITTER.delay(1, outcome, random.Random(0)) == expected


# ---------------------------------------------------------------------------
# Retry-After (RFC 9110 section 10.2.3)
# ---------------------------------------------------------------------------

RETRY_AFTER = [
    pytest.param("120", 120.0, id="delay-seconds"),
    pytest.param(" 7 ", 7.0, id="surrounding-space"),
    pytest.param("0", 0.0, id="zero"),
    pytest.param("Sun, 01 Mar 2026 12:00:30 GMT", 30.0, id="imf-fixdate"),
    pytest.param("Sunday, 01-Mar-26 12:01:00 GMT", 60.0, id="rfc850-date"),
    pytest.param("Sun Mar  1 12:00:10 2026", 10.0, id="asctime-date"),
    pytest.param("Sun, 01 Mar 2026 11:00:00 GMT", 0.0, id="date-in-the-past-means-now"),
    pytest.param(None, None, id="absent"),
    pytest.param("", None, id="empty"),
    pytest.param("soon", None, id="not-a-date"),
    pytest.param("-5", None, id="negative"),
    pytest.param("1.5", None, id="fraction"),
    pytest.param("²", None, id="unicode-superscript-digit"),
    pytest.param("٣", None, id="arabic-indic-digit"),
]


@pytest.mark.parametrize(("value", "expected"), RETRY_AFTER)
def test_retry_after_header_gives_seconds_to_wait(
    value: str | None, expected: float | None
) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_retry_after_date_is_measured_from_now() -> None:
    value = (datetime.now(UTC) + timedelta(seconds=100)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    seconds = parse_retry_after(value)
    assert seconds is not None and 98 <= seconds <= 100


@given(st.text(max_size=40))
def test_retry_after_never_raises_on_any_header_text(value: str) -> None:
    seconds = parse_retry_after(value, now=NOW)
    assert seconds is None or seconds >= 0
