"""Fetcher against real HTTP on 127.0.0.1: redirects, followed hop by hop.

Each hop meets the same policies as the first request: the private-address
guard (a public-looking host redirecting to 127.0.0.1 or to localhost is not
followed) and robots.txt.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from failure_site import BLOG, NEWS, FailureSite

from crawler.fetch import Fetcher
from crawler.outcomes import Result

MakeFetcher = Callable[..., Fetcher]


async def test_chain_of_301_302_307_308_with_relative_and_absolute_locations_is_ok(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/chain/301"))).link
    assert (link.result, link.status, link.redirects, link.attempts) == (Result.OK, 200, 4, 1)
    assert link.final_url == f"http://{NEWS}/ok"
    hops = [path for host, path in site.state.requests if path != "/robots.txt"]
    assert hops == ["/chain/301", "/chain/302", "/chain/307", "/chain/308", "/ok"]


async def test_redirect_to_another_host_is_followed(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/redirect/other-host"))).link
    assert (link.result, link.redirects, link.final_url) == (Result.OK, 1, f"http://{BLOG}/ok")
    assert (BLOG, "/robots.txt") in site.state.requests  # the new origin's robots.txt is asked


async def test_redirect_loop_is_an_error_and_not_retried(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/loop/a"))).link
    assert (link.result, link.status, link.redirects, link.attempts) == (Result.ERROR, 302, 2, 1)
    assert link.detail == f"redirect loop after 2 hops at http://{NEWS}/loop/a"


async def test_too_many_redirects_is_an_error_after_max_redirects_hops(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(max_redirects=3) as fetcher:
        link = (await fetcher.fetch(site.url("/endless-redirects/0"))).link
    assert (link.result, link.detail) == (Result.ERROR, "too many redirects (more than 3)")
    assert link.attempts == 1
    assert sum(path.startswith("/endless-redirects/") for _, path in site.state.requests) == 4


async def test_default_limit_follows_ten_redirects_and_refuses_the_eleventh(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/endless-redirects/0"))).link
    assert link.result is Result.ERROR and link.redirects == 11
    assert link.final_url == f"http://{NEWS}/endless-redirects/10"


async def test_zero_max_redirects_refuses_any_redirect(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(max_redirects=0) as fetcher:
        link = (await fetcher.fetch(site.url("/chain/301"))).link
    assert (link.result, link.status) == (Result.ERROR, 301)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/redirect/mailto", "mailto:editor@example.com"),
        ("/redirect/ftp", "ftp://files.example.com/archive.zip"),
    ],
    ids=["mailto", "ftp"],
)
async def test_redirect_to_a_non_http_scheme_is_invalid_and_not_followed(
    make_fetcher: MakeFetcher, site: FailureSite, path: str, target: str
) -> None:
    # Issue #2: "a redirect to a non-http(s) scheme is invalid".
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url(path))).link
    assert (link.result, link.status, link.redirects) == (Result.INVALID, 301, 1)
    assert link.detail == f"redirect to a non-http(s) URL: {target}"


async def test_redirect_from_a_public_host_to_a_loopback_ip_is_skipped_not_followed(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/redirect/loopback-ip"))).link
    assert (link.result, link.redirects) == (Result.SKIPPED, 1)
    assert link.detail == "private-address guard: 127.0.0.1 is a private address"
    assert site.state.count("/ok") == 0


async def test_redirect_from_a_public_host_to_localhost_is_skipped_not_followed(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/redirect/localhost"))).link
    assert (link.result, link.redirects) == (Result.SKIPPED, 1)
    assert link.detail == "private-address guard: localhost resolves to 127.0.0.1"
    assert site.state.count("/ok") == 0


async def test_allow_private_follows_a_redirect_to_loopback(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(allow_private=True) as fetcher:
        link = (await fetcher.fetch(site.url("/redirect/localhost"))).link
    assert (link.result, link.final_url) == (Result.OK, f"http://localhost:{site.port}/ok")


async def test_redirect_into_a_path_robots_txt_disallows_is_skipped(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/redirect/disallowed"))).link
    assert (link.result, link.redirects, link.detail) == (
        Result.SKIPPED,
        1,
        "robots.txt disallows it",
    )
    assert site.state.count("/private/page") == 0
