"""The per-host breakdown the reports share: URLs, failures and timings per host.

Every distinct URL of the run counts once, under the host it names (as the
fetch layer's per-host pool sees it), so a host that many files link to is not
counted many times.  Timings are those of URLs that were requested: an invalid
or skipped URL costs no time and would only pull the median down.
"""

from __future__ import annotations

import statistics
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from crawler.outcomes import Result
from crawler.run.records import CrawlRun

NO_HOST: Final = "(no host)"  # where URL values without a host are counted


@dataclass(frozen=True, slots=True)
class HostFigures:
    """One host's distinct URLs per result class, and the time spent on them."""

    host: str
    by_result: dict[str, int]  # distinct URLs per result class, every class present
    median_ms: int | None  # of the requested URLs, if any was requested
    slowest_ms: int | None
    slowest_url: str | None  # the URL that took longest (the first by name among equals)

    @property
    def urls(self) -> int:
        return sum(self.by_result.values())

    @property
    def failures(self) -> int:
        return sum(count for name, count in self.by_result.items() if Result(name).is_failure)


@dataclass(slots=True)
class _Tally:
    """A host's figures while the run's distinct URLs stream by."""

    counts: Counter[Result] = field(default_factory=Counter)
    elapsed: array[int] = field(default_factory=lambda: array("q"))  # compact: one per URL
    slowest: tuple[int, str] | None = None  # (-elapsed ms, URL): the least is the slowest


def host_of(url: str) -> str:
    """The host a URL names, lower-case, or :data:`NO_HOST` for a value without one."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return NO_HOST
    return host or NO_HOST


def host_figures(run: CrawlRun) -> list[HostFigures]:
    """Figures per host, the host with most URLs first (then by name).

    Each distinct URL counts as the first row naming it says; a URL was timed
    when it was requested (attempts > 0).
    """
    tallies: dict[str, _Tally] = {}
    for url, result, elapsed_ms, attempts in run.links.by_url():
        host = host_of(url)
        tally = tallies.get(host)
        if tally is None:
            tally = tallies[host] = _Tally()
        tally.counts[result] += 1
        if attempts > 0:
            tally.elapsed.append(elapsed_ms)
            key = (-elapsed_ms, url)
            if tally.slowest is None or key < tally.slowest:
                tally.slowest = key
    figures = [
        HostFigures(
            host=host,
            by_result={result.value: tally.counts[result] for result in Result},
            median_ms=round(statistics.median(tally.elapsed)) if tally.elapsed else None,
            slowest_ms=None if tally.slowest is None else -tally.slowest[0],
            slowest_url=None if tally.slowest is None else tally.slowest[1],
        )
        for host, tally in tallies.items()
    ]
    return sorted(figures, key=lambda item: (-item.urls, item.host))
