"""Fetcher against real HTTP on 127.0.0.1: statuses, bot walls, retries and Retry-After.

Every wait goes through the sleep recorder, so retry timing is asserted from the
delays the Fetcher asked for, and the tests take no wall time for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from conftest import SleepRecorder, StaticResolver
from failure_site import BLOG, NEWS, FailureSite

from crawler import __version__
from crawler.fetch import Fetcher
from crawler.outcomes import Result

MakeFetcher = Callable[..., Fetcher]


def whole_body(headers: Mapping[str, str], data: bytes) -> bool:
    return False  # read to the end (or a cap)


STATUSES = [
    ("/ok", Result.OK, 200),
    ("/status/204", Result.OK, 204),
    ("/status/404", Result.BROKEN, 404),
    ("/status/410", Result.BROKEN, 410),
    ("/status/418", Result.BROKEN, 418),
    ("/status/401", Result.BLOCKED, 401),
    ("/status/403", Result.BLOCKED, 403),
    ("/status/407", Result.BLOCKED, 407),
    ("/status/999", Result.BLOCKED, 999),
]


@pytest.mark.parametrize(
    ("path", "expected", "status"), STATUSES, ids=[f"{s}-{r.value}" for _, r, s in STATUSES]
)
async def test_final_status_gives_the_contract_result_in_one_attempt(
    make_fetcher: MakeFetcher, site: FailureSite, path: str, expected: Result, status: int
) -> None:
    async with make_fetcher() as fetcher:
        fetched = await fetcher.fetch(site.url(path))
    link = fetched.link
    assert (link.result, link.status, link.attempts, link.redirects) == (expected, status, 1, 0)
    assert link.final_url == site.url(path)
    assert site.state.count(path) == 1


async def test_ok_result_carries_media_type_and_no_detail(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/ok"))).link
    assert link.content_type == "text/html"
    assert link.detail is None
    assert link.elapsed_ms >= 0


async def test_gzip_body_is_decoded_for_the_caller(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        fetched = await fetcher.fetch(site.url("/gzip-page"), stop=whole_body)
    assert fetched.link.result is Result.OK
    assert fetched.body.startswith(b"<!doctype html>") and fetched.complete
    assert fetched.link.content_type == "text/html"


async def test_no_stop_rule_reads_no_body(make_fetcher: MakeFetcher, site: FailureSite) -> None:
    async with make_fetcher() as fetcher:
        fetched = await fetcher.fetch(site.url("/endless-body"))
    assert fetched.link.result is Result.OK
    assert fetched.body == b""


@pytest.mark.parametrize(
    "value", ["mailto:editor@example.com", "/relative/path", "", "news.example.com/ok"]
)
async def test_value_that_is_not_an_http_url_is_invalid_without_a_request(
    make_fetcher: MakeFetcher, site: FailureSite, value: str
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(value)).link
    assert (link.result, link.attempts, link.status) == (Result.INVALID, 0, None)
    assert site.state.requests == []


async def test_exclude_rule_skips_without_a_request(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(exclude=(r"/ok$",)) as fetcher:
        link = (await fetcher.fetch(site.url("/ok"))).link
    assert link.result is Result.SKIPPED
    assert link.detail == "excluded by rule '/ok$'"
    assert site.state.requests == []


# ---------------------------------------------------------------------------
# User-Agent
# ---------------------------------------------------------------------------


async def test_default_user_agent_names_the_tool_and_its_version(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        fetched = await fetcher.fetch(site.url("/echo"), stop=whole_body)
    assert fetched.body.decode().startswith(f"feed-crawler/{__version__} ")
    assert set(site.state.user_agents) == {fetched.body.decode()}  # robots.txt too


async def test_custom_user_agent_is_sent_on_every_request(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(user_agent="ExampleBot/2.0 (+https://example.org/bot)") as fetcher:
        await fetcher.fetch(site.url("/echo"))
    assert site.state.user_agents == ["ExampleBot/2.0 (+https://example.org/bot)"] * 2


# ---------------------------------------------------------------------------
# Bot walls: blocked, and never retried
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [("/wall/cloudflare-header", 403), ("/wall/just-a-moment", 503)],
    ids=["cf-mitigated-403", "just-a-moment-503"],
)
async def test_bot_wall_is_blocked_and_not_retried(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder, path: str, status: int
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url(path))).link
    assert (link.result, link.status, link.attempts) == (Result.BLOCKED, status, 1)
    assert link.detail == f"bot wall: Cloudflare challenge ({status})"
    assert site.state.count(path) == 1
    assert sleeps.delays == []


# ---------------------------------------------------------------------------
# Retries and backoff
# ---------------------------------------------------------------------------


async def test_server_error_then_success_is_ok_on_the_second_attempt(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/flaky/500-then-200"))).link
    assert (link.result, link.status, link.attempts) == (Result.OK, 200, 2)
    assert len(sleeps.delays) == 1 and 0.5 <= sleeps.delays[0] <= 0.5 * 1.25


async def test_persistent_server_error_is_broken_after_retries_with_doubling_backoff(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher(retries=3) as fetcher:
        link = (await fetcher.fetch(site.url("/always/503"))).link
    assert (link.result, link.status, link.attempts) == (Result.BROKEN, 503, 4)
    assert link.detail == "503 Service Unavailable"
    assert site.state.count("/always/503") == 4
    first, second, third = sleeps.delays
    assert 0.5 <= first <= 0.625 and 1.0 <= second <= 1.25 and 2.0 <= third <= 2.5


async def test_jitter_is_reproducible_with_a_fixed_seed(
    site: FailureSite, resolver: StaticResolver
) -> None:
    schedules = []
    for _ in range(2):
        recorder = SleepRecorder()
        async with Fetcher(site.config(seed=99), resolver=resolver, sleep=recorder) as fetcher:
            await fetcher.fetch(site.url("/always/503"))
        schedules.append(recorder.delays)
    assert schedules[0] == schedules[1]
    assert len(schedules[0]) == 2


async def test_zero_retries_means_one_attempt(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher(retries=0) as fetcher:
        link = (await fetcher.fetch(site.url("/always/503"))).link
    assert (link.result, link.attempts) == (Result.BROKEN, 1)
    assert sleeps.delays == []


# ---------------------------------------------------------------------------
# 429 and Retry-After
# ---------------------------------------------------------------------------


async def test_retry_after_seconds_is_waited_before_the_retry(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/retry-after/seconds"))).link
    assert (link.result, link.attempts) == (Result.OK, 2)
    # The retry waits; the host is held as long for every other URL (the recorder's
    # clock does not move, so the slot sees the hold still on and records it too).
    assert sleeps.delays[0] >= 3.0


async def test_retry_after_http_date_is_waited_before_the_retry(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/retry-after/date"))).link
    assert (link.result, link.attempts) == (Result.OK, 2)
    # The header names a whole second at least 10 s ahead.
    assert 9.5 <= sleeps.delays[0] <= 11.5


async def test_retry_after_beyond_the_cap_waits_only_the_cap(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher(retry_after_cap=5.0) as fetcher:
        link = (await fetcher.fetch(site.url("/retry-after/hour"))).link
    assert link.result is Result.OK
    assert sleeps.delays[0] == 5.0 and max(sleeps.delays) <= 5.0


async def test_persistent_429_is_blocked_after_retries_and_slows_the_host_down(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/always/429"))).link
        assert (link.result, link.status, link.attempts) == (Result.BLOCKED, 429, 3)
        assert link.detail == "429 Too Many Requests"
        slowed = fetcher.hosts.policy(NEWS)
        assert slowed.slowed and slowed.interval >= 1.0
        assert not fetcher.hosts.policy(BLOG).slowed
    assert site.state.count("/always/429") == 3
    assert sleeps.delays[0] >= 1.0  # Retry-After: 1


async def test_slowed_host_spaces_its_next_requests_by_the_new_interval(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher(retries=0) as fetcher:
        await fetcher.fetch(site.url("/always/429"))
        interval = fetcher.hosts.policy(NEWS).interval
        sleeps.delays.clear()
        await fetcher.fetch(site.url("/ok"))
        await fetcher.fetch(site.url("/ok"))
    # The recorder does not advance the clock: the first request waits out the host's
    # Retry-After hold, the second one interval more, less the little real time that
    # passed between the two requests.
    first, second = sleeps.delays[-2:]
    assert interval - 0.5 <= second - first <= interval


async def test_redirect_without_location_is_an_error_not_ok(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/redirect-without-location"))).link
    assert (link.result, link.status, link.redirects) == (Result.ERROR, 302, 0)
    assert link.detail == "302 Found without a usable Location"


async def test_a_retry_after_holds_the_whole_host_not_just_its_url(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher(retries=0, min_interval=0.0) as fetcher:
        await fetcher.fetch(site.url("/always/429"))  # Retry-After: 1
        sleeps.delays.clear()
        await fetcher.fetch(site.url("/ok"))
    # Another URL of the host does not start before the host's Retry-After has passed.
    assert len(sleeps.delays) == 1 and 0.5 <= sleeps.delays[0] <= 1.0
