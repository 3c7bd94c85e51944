"""The per-host breakdown the reports share: URLs, failures and timings per host.

Every distinct URL of the run counts once, under the host it names (as the
fetch layer's per-host pool sees it), so a host that many files link to is not
counted many times.  Timings are those of URLs that were requested: an invalid
or skipped URL costs no time and would only pull the median down.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from crawler.outcomes import LinkResult, Result
from crawler.run.records import CrawlRun

NO_HOST: Final = "(no host)"  # where URL values without a host are counted


@dataclass(frozen=True, slots=True)
class HostFigures:
    """One host's distinct URLs per result class, and the time spent on them."""

    host: str
    by_result: dict[str, int]  # distinct URLs per result class, every class present
    elapsed_ms: tuple[int, ...]  # one per requested URL, slowest first
    slowest_url: str | None  # the URL that took longest, if any was requested

    @property
    def urls(self) -> int:
        return sum(self.by_result.values())

    @property
    def failures(self) -> int:
        return sum(count for name, count in self.by_result.items() if Result(name).is_failure)

    @property
    def median_ms(self) -> int | None:
        return round(statistics.median(self.elapsed_ms)) if self.elapsed_ms else None

    @property
    def slowest_ms(self) -> int | None:
        return self.elapsed_ms[0] if self.elapsed_ms else None


def host_of(url: str) -> str:
    """The host a URL names, lower-case, or :data:`NO_HOST` for a value without one."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return NO_HOST
    return host or NO_HOST


def _was_requested(link: LinkResult) -> bool:
    return link.attempts > 0


def host_figures(run: CrawlRun) -> list[HostFigures]:
    """Figures per host, the host with most URLs first (then by name)."""
    links: dict[str, LinkResult] = {}
    for row in run.links:
        links.setdefault(row.link.url, row.link)
    per_host: dict[str, list[LinkResult]] = {}
    for link in links.values():
        per_host.setdefault(host_of(link.url), []).append(link)
    figures = []
    for host, named in per_host.items():
        counts = Counter(link.result.value for link in named)
        timed = sorted((link for link in named if _was_requested(link)), key=_slowest_first)
        figures.append(
            HostFigures(
                host=host,
                by_result={result.value: counts[result.value] for result in Result},
                elapsed_ms=tuple(link.elapsed_ms for link in timed),
                slowest_url=timed[0].url if timed else None,
            )
        )
    return sorted(figures, key=lambda item: (-item.urls, item.host))


def _slowest_first(link: LinkResult) -> tuple[int, str]:
    return -link.elapsed_ms, link.url
