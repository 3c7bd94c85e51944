"""Whatever string an article holds, fetch() answers with a result and never raises.

Property-based: hypothesis writes odd URLs (bad hosts, IDNA, IP literal forms,
control characters, ports); names resolve through the static table, in which
nothing but localhost exists, so no example leaves the machine.
"""

from __future__ import annotations

import asyncio

import pytest
from conftest import SleepRecorder, StaticResolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.config import Config
from crawler.fetch import Fetcher
from crawler.fetch.urls import invalid_reason, is_http_url
from crawler.outcomes import Result

HOST_CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cs",))
HOSTS = st.one_of(
    st.text(HOST_CHARACTERS, max_size=20),
    st.sampled_from(
        [
            "127.0.0.1",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "0x7f000001",
            "2130706433",
            "127.1",
            "[fe80::1%25eth0]",
            "10.0.0.1",
            "localhost",
            "xn--",
            "a..b",
            "例え.テスト",
            "example.com:0",
            "example.com:99999",
            "user:pw@example.com",
            "用户:密码@example.com",
            "Ā@0",
            "[v1.fe]",
        ]
    ),
)
URLS = st.one_of(
    st.text(max_size=40),
    st.builds(
        "{}://{}{}".format,
        st.sampled_from(["http", "https", "HTTP", "ftp", "mailto", ""]),
        HOSTS,
        st.text(max_size=15),
    ),
)


async def _fetch(url: str) -> Result:
    config = Config(timeout=1.0, retries=0, min_interval=0.0)
    async with Fetcher(config, resolver=StaticResolver(), sleep=SleepRecorder()) as fetcher:
        return (await fetcher.fetch(url)).link.result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(URLS)
def test_fetch_never_raises_and_invalid_means_no_http_url(url: str) -> None:
    result = asyncio.run(_fetch(url))
    assert result in (Result.INVALID, Result.ERROR, Result.SKIPPED)
    if not is_http_url(url):
        assert result is Result.INVALID


@given(st.one_of(st.text(max_size=40), st.integers(), st.none(), st.binary(max_size=10)))
def test_invalid_reason_always_explains(value: object) -> None:
    if not is_http_url(value):
        assert invalid_reason(value)


@pytest.mark.parametrize("value", ["http://[", "A://[", "https://]example.com/"])
def test_unbalanced_ipv6_bracket_is_invalid_not_a_crash(value: str) -> None:
    assert not is_http_url(value)
    assert invalid_reason(value) == "malformed URL"
    assert asyncio.run(_fetch(value)) is Result.INVALID


# (The host is a name: "0" would be the address 0.0.0.0, which the guard refuses first.)
@pytest.mark.parametrize("value", ["HTTP://Ā@a.example", "http://用户:密码@example.com/"])
def test_user_info_basic_auth_cannot_encode_is_invalid_not_a_crash(value: str) -> None:
    assert asyncio.run(_fetch(value)) is Result.INVALID
