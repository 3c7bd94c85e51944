"""A URL's ``elapsedMs`` is its own time: attempts and backoff, not its host's queue.

With one request at a time per host, a URL that waits behind a slow one must not
report the slow one's time as its own (issue 11.8).  The slow request times out
after its budget, so the comparison holds without any sleep in the test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from failure_site import FailureSite

from crawler.fetch import Fetcher
from crawler.outcomes import Result

MakeFetcher = Callable[..., Fetcher]


async def test_elapsed_time_leaves_out_the_wait_for_the_hosts_slot(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    slow, quick = site.url("/hang"), site.url("/ok")
    options = {"per_host": 1, "min_interval": 0.0, "robots": False, "retries": 0}
    async with make_fetcher(timeout=0.3, **options) as fetcher:
        first, second = await asyncio.gather(fetcher.fetch(slow), fetcher.fetch(quick))
    assert first.link.result is Result.TIMEOUT and first.link.elapsed_ms >= 300
    assert second.link.result is Result.OK
    # Queued behind the first for 300 ms or more; its own request is a local round trip.
    assert second.link.elapsed_ms < first.link.elapsed_ms
