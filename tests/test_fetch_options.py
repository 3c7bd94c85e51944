"""The request options people bring from lychee and curl (issue 11.12), at the server.

``--accept`` counts named statuses as ok (and does not retry them), ``--include``
picks the URLs to check and wins over ``--exclude``, ``-H`` adds, replaces and
removes request headers with curl's meanings.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from failure_site import FailureSite

from crawler.checks.pages import PageChecker
from crawler.config import from_mapping
from crawler.errors import UsageError
from crawler.fetch import Fetcher
from crawler.outcomes import Result
from crawler.request_settings import Header, parse_accept

MakeFetcher = Callable[..., Fetcher]


@pytest.mark.parametrize(
    ("specs", "codes"),
    [
        pytest.param(["429"], (429,), id="one-code"),
        pytest.param(["200..=202,429"], (200, 201, 202, 429), id="inclusive-range-and-list"),
        pytest.param(["300..302"], (300, 301), id="end-excluded-range"),
        pytest.param(["403-404", 500], (403, 404, 500), id="dash-range-and-int"),
    ],
)
def test_accept_reads_lychees_notation(specs: list[str | int], codes: tuple[int, ...]) -> None:
    assert parse_accept(specs) == codes


@pytest.mark.parametrize("spec", ["abc", "99", "200..=100", "600..=1000"])
def test_accept_refuses_what_is_not_a_status_range(spec: str) -> None:
    with pytest.raises(UsageError, match=r"^accept: "):
        parse_accept([spec])


@pytest.mark.parametrize(
    ("spec", "header"),
    [
        pytest.param("X-Team: news", Header("X-Team", "news"), id="sends"),
        pytest.param("User-Agent:", Header("User-Agent", None), id="colon-removes"),
        pytest.param("X-Empty;", Header("X-Empty", ""), id="semicolon-sends-empty"),
    ],
)
def test_header_reads_curls_notation(spec: str, header: Header) -> None:
    assert Header.parse(spec) == header


@pytest.mark.parametrize(
    "spec", ["no colon", "Bad Name: x", "Host: a.example", "Accept-Encoding: br"]
)
def test_header_refuses_what_curl_would_not_send_or_the_crawler_cannot_honour(spec: str) -> None:
    with pytest.raises(UsageError, match=r"^header "):
        Header.parse(spec)


def test_config_file_keys_for_accept_include_and_headers() -> None:
    config = from_mapping(
        {"accept": ["429", "500..=503"], "include": ["^https://"], "headers": ["X-A: 1"]}, "t"
    )
    assert config.accept == (429, 500, 501, 502, 503)
    assert config.include == ("^https://",)
    assert config.headers == (Header("X-A", "1"),)


async def test_accepted_status_is_ok_at_the_first_attempt(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(accept=(429, 404)) as fetcher:
        throttled = (await fetcher.fetch(site.url("/always/429"))).link
        missing = (await fetcher.fetch(site.url("/status/404"))).link
    assert (throttled.result, throttled.attempts, throttled.status) == (Result.OK, 1, 429)
    assert throttled.detail == "429 Too Many Requests, accepted by --accept"
    assert missing.result is Result.OK
    assert site.state.count("/always/429") == 1


async def test_include_checks_only_matching_urls_and_wins_over_exclude(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(include=("/ok$",), exclude=("ok",), robots=False) as fetcher:
        included = (await fetcher.fetch(site.url("/ok"))).link
        other = (await fetcher.fetch(site.url("/status/404"))).link
    assert included.result is Result.OK
    assert (other.result, other.detail) == (Result.SKIPPED, "matched by no --include rule")
    assert site.state.count("/status/404") == 0


async def test_headers_are_sent_replaced_and_removed_as_curl_does(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    headers = (
        Header("X-Team", "news"),
        Header("accept-language", "de"),
        Header("User-Agent", None),
        Header("X-Empty", ""),
    )
    async with make_fetcher(headers=headers, robots=False) as fetcher:
        await fetcher.fetch(site.url("/ok"))
    [seen] = site.state.headers
    assert seen["X-Team"] == "news"
    assert seen["Accept-Language"] == "de"
    assert "User-Agent" not in seen
    assert seen["X-Empty"] == ""


async def test_an_accepted_error_page_is_ok_but_says_nothing_about_the_article(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(accept=(404,), robots=False) as fetcher:
        checker = PageChecker(fetcher, soft_404_probe=False, rng=random.Random(1))
        check = await checker.check(site.url("/missing-page"))
    assert check.link.result is Result.OK
    assert check.page is None  # so its title never becomes a stale value, or a --refresh
