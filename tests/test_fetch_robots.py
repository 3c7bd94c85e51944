"""Fetcher and robots.txt (RFC 9309) against real HTTP on 127.0.0.1.

The site's robots.txt depends on the Host header (see failure_site.ROBOTS):
404 on news/blog, rules on strict/picky/sluggish, 503 on down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from conftest import SleepRecorder
from failure_site import CLOSED, DOWN, NEWS, PICKY, SLUGGISH, STRICT, FailureSite

from crawler.fetch import Fetcher
from crawler.outcomes import Result

MakeFetcher = Callable[..., Fetcher]


async def test_path_disallowed_by_robots_txt_is_skipped_without_a_request(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/private/page", STRICT))).link
    assert (link.result, link.detail, link.status) == (
        Result.SKIPPED,
        "robots.txt disallows it",
        None,
    )
    assert site.state.count("/private/page") == 0


async def test_path_allowed_by_robots_txt_is_fetched(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/ok", STRICT))).link
    assert link.result is Result.OK


async def test_rules_for_our_product_token_apply_even_when_others_are_allowed(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(user_agent="SomethingElse/1.0") as fetcher:
        link = (await fetcher.fetch(site.url("/ok", PICKY))).link
    assert (link.result, link.detail) == (Result.SKIPPED, "robots.txt disallows it")


async def test_robots_txt_server_error_disallows_the_whole_origin(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        links = [(await fetcher.fetch(site.url(path, DOWN))).link for path in ("/ok", "/echo")]
    assert {link.result for link in links} == {Result.SKIPPED}
    assert links[0].detail == "robots.txt unavailable (503): complete disallow"
    assert site.state.requests == [(DOWN, "/robots.txt")]


async def test_robots_txt_not_found_allows_everything(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/private/page", NEWS))).link
    assert link.result is Result.OK
    assert site.state.requests == [(NEWS, "/robots.txt"), (NEWS, "/private/page")]


async def test_unreachable_robots_txt_leaves_the_link_to_report_its_own_failure(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/ok", CLOSED))).link
    assert (link.result, link.detail) == (Result.ERROR, "connection failed: Connection refused")


async def test_no_robots_fetches_no_robots_txt(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(robots=False) as fetcher:
        link = (await fetcher.fetch(site.url("/private/page", STRICT))).link
    assert link.result is Result.OK
    assert site.state.count("/robots.txt") == 0


async def test_robots_txt_is_fetched_once_per_origin_under_twenty_concurrent_fetches(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    urls = [site.url(f"/ok?n={n}", host) for host in (NEWS, STRICT) for n in range(20)]
    async with make_fetcher(per_host=20) as fetcher:
        links = [f.link for f in await asyncio.gather(*(fetcher.fetch(url) for url in urls))]
    assert {link.result for link in links} == {Result.OK}
    assert site.state.count("/robots.txt", NEWS) == 1
    assert site.state.count("/robots.txt", STRICT) == 1


# ---------------------------------------------------------------------------
# Crawl-delay
# ---------------------------------------------------------------------------


async def test_crawl_delay_becomes_the_hosts_interval(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher() as fetcher:
        await fetcher.fetch(site.url("/ok", STRICT))
        assert fetcher.hosts.policy(STRICT).interval == 2.0
        assert fetcher.hosts.policy(NEWS).interval == 0.0
        sleeps.delays.clear()
        await fetcher.fetch(site.url("/echo", STRICT))
    assert len(sleeps.delays) == 1 and 1.5 <= sleeps.delays[0] <= 2.0


async def test_crawl_delay_is_capped(make_fetcher: MakeFetcher, site: FailureSite) -> None:
    async with make_fetcher(crawl_delay_cap=3.0) as fetcher:
        await fetcher.fetch(site.url("/ok", SLUGGISH))
        assert fetcher.hosts.policy(SLUGGISH).interval == 3.0


async def test_exclude_rule_matching_robots_txt_does_not_switch_robots_off(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(exclude=(r"\.txt$",)) as fetcher:
        link = (await fetcher.fetch(site.url("/private/page", STRICT))).link
    assert (link.result, link.detail) == (Result.SKIPPED, "robots.txt disallows it")
    assert site.state.count("/robots.txt", STRICT) == 1
    assert site.state.count("/private/page") == 0


async def test_robots_txt_is_asked_per_origin_without_the_links_user_info(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        await fetcher.fetch(f"http://editor:secret@{NEWS}/ok")
        await fetcher.fetch(site.url("/echo", NEWS))
    assert site.state.count("/robots.txt", NEWS) == 1
    assert len(site.state.authorizations) == 1  # the link itself, not robots.txt
