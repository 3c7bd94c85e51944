"""Per-host politeness observed at the server: concurrency per host, and start spacing.

The concurrency test holds requests at a gate (an asyncio.Event) that opens only
once the expected number are waiting, so it needs no sleeps: a Fetcher that
allowed too many per host would open the gate with one host over its limit, and
one that serialised different hosts would never open it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from conftest import StaticResolver
from failure_site import BLOG, NEWS, FailureSite, assert_spaced

from crawler.fetch import Fetcher
from crawler.outcomes import Result

MakeFetcher = Callable[..., Fetcher]


async def test_per_host_limit_holds_at_the_server_while_two_hosts_run_in_parallel(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    site.state.gate_opens_at = 4  # two in flight for each of two hosts
    urls = [site.url(f"/gate?n={n}", host) for n in range(5) for host in (NEWS, BLOG)]
    async with make_fetcher(per_host=2, robots=False, timeout=10.0, retries=0) as fetcher:
        links = [f.link for f in await asyncio.gather(*(fetcher.fetch(url) for url in urls))]
    assert {link.result for link in links} == {Result.OK}
    assert dict(site.state.peak_in_flight) == {NEWS: 2, BLOG: 2}


async def test_per_host_limit_of_one_serialises_a_host(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    site.state.gate_opens_at = 2  # one for each host
    urls = [site.url(f"/gate?n={n}", host) for n in range(3) for host in (NEWS, BLOG)]
    async with make_fetcher(per_host=1, robots=False, timeout=10.0, retries=0) as fetcher:
        await asyncio.gather(*(fetcher.fetch(url) for url in urls))
    assert dict(site.state.peak_in_flight) == {NEWS: 1, BLOG: 1}


async def test_request_starts_to_one_host_are_at_least_min_interval_apart(
    site: FailureSite, resolver: StaticResolver
) -> None:
    interval = 0.1
    config = site.config(min_interval=interval, per_host=4, robots=False)
    async with Fetcher(config, resolver=resolver) as fetcher:  # the real asyncio.sleep
        urls = [site.url(f"/ok?n={n}") for n in range(4)] + [site.url("/ok", BLOG)]
        await asyncio.gather(*(fetcher.fetch(url) for url in urls))
    starts = site.state.starts[NEWS]
    assert len(starts) == 4
    assert_spaced(starts, interval)
    # Another host has its own spacing: its one request did not queue behind NEWS.
    assert site.state.starts[BLOG][0] < starts[-1]
