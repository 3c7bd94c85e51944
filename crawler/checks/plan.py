"""Which URLs a run requests, and which it answers from the state store instead.

A pure policy over the last check of each URL (:class:`UrlCheckRecord`):

- ``--stale-after``: a URL checked within the window is not requested again; its
  last check stands.  So a second crawl of an unchanged corpus inside the window
  makes no request at all.
- ``--only-failed``: only URLs whose last check failed are requested; the others'
  last checks stand, and a URL never checked before is left for a full run.
- ``--max-urls``: the stalest URLs first (never checked, then oldest check); the
  rest keep their last check, or are ``skipped`` when they have none.
- A URL named only by files that are themselves fresh is not requested.

Everything requested is requested afresh or conditionally
(:func:`crawler.checks.reuse.conditions_for`): a failure is never reused except by
these explicit limits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from crawler.checks.reuse import from_record
from crawler.checks.url_check import UrlCheck
from crawler.fetch.urls import redact_url
from crawler.outcomes import LinkResult, Result
from crawler.read.article import UrlKind
from crawler.state.store import UrlCheckRecord


@dataclass(frozen=True, slots=True)
class Limits:
    """The options that bound a run (see crawler.config.Config)."""

    stale_after: timedelta | None = None
    only_failed: bool = False
    max_urls: int | None = None


@dataclass(slots=True)
class CheckPlan:
    to_check: dict[str, UrlKind] = field(default_factory=dict)  # in the order to request them
    reused: dict[str, UrlCheck] = field(default_factory=dict)  # answered without a request


def deferred(url: str, previous: UrlCheckRecord | None, reason: str) -> UrlCheck:
    """A URL this run does not request: its last check, or ``skipped`` saying why."""
    if previous is not None:
        return from_record(previous)
    return UrlCheck(LinkResult(url, Result.SKIPPED, detail=f"not checked: {reason}"))


def plan_checks(
    targets: Mapping[str, UrlKind],
    active: Collection[str],
    previous: Mapping[str, UrlCheckRecord],
    now: datetime,
    limits: Limits,
    done: Collection[str] = (),
) -> CheckPlan:
    """Split ``targets`` into URLs to request and URLs answered from ``previous``.

    ``active`` are the URLs named by files this run processes (not fresh ones);
    ``done`` those a resumed run already checked: their check stands.
    """
    plan = CheckPlan()
    wanted: list[str] = []
    cutoff = now - limits.stale_after if limits.stale_after is not None else None
    for url in targets:
        record = previous.get(url)
        # The store names URLs with any password masked, and so does ``done``.
        if redact_url(url) in done and record is not None:
            plan.reused[url] = from_record(record)
        elif url not in active:
            plan.reused[url] = deferred(url, record, "only fresh files name it")
        elif cutoff is not None and record is not None and record.checked_at >= cutoff:
            plan.reused[url] = from_record(record)
        elif limits.only_failed and (record is None or not record.result.is_failure):
            plan.reused[url] = deferred(url, record, "--only-failed: no failure on record")
        else:
            wanted.append(url)
    if limits.max_urls is not None and len(wanted) > limits.max_urls:
        # Never checked first, then the oldest checks.
        wanted.sort(key=lambda url: _age_key(previous.get(url)))
        for url in wanted[limits.max_urls :]:
            plan.reused[url] = deferred(url, previous.get(url), "--max-urls reached")
        wanted = wanted[: limits.max_urls]
    plan.to_check = {url: targets[url] for url in wanted}
    return plan


def _age_key(record: UrlCheckRecord | None) -> tuple[bool, datetime]:
    if record is None:
        return False, datetime.min.replace(tzinfo=None)
    return True, record.checked_at.replace(tzinfo=None)
