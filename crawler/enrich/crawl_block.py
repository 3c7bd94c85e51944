"""The ``crawl`` block: what one crawl learned about one article.

Example (YAML, as written at the end of the front matter)::

    crawl:
      checkedAt: '2026-11-22T01:02:03Z'
      health: degraded
      counts:
        ok: 5
        broken: 1
      links:
        originalUrl:
          result: ok
          status: 200
        images[0].url:
          result: broken
          status: 404
          detail: 404 Not Found

``health`` is ``dead`` when the article's own page (webUrl, else originalUrl) is
broken, error or invalid; ``ok`` when every link is ok; ``degraded`` otherwise.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping
from typing import Any

from crawler.checks.links import UrlCheck
from crawler.fetch.urls import invalid_reason, request_key
from crawler.outcomes import LinkResult, Result
from crawler.read.article import UrlField

_DEAD = frozenset({Result.BROKEN, Result.ERROR, Result.INVALID})


class Health(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DEAD = "dead"


def link_of(field: UrlField, checks: Mapping[str, UrlCheck]) -> LinkResult:
    """The result for one field; invalid values never reach the checks."""
    value = field.value
    if isinstance(value, str):
        check = checks.get(request_key(value))
        if check is not None:
            return check.link
    return LinkResult(str(value), Result.INVALID, detail=invalid_reason(value))


def health_of(links: Mapping[str, LinkResult]) -> Health:
    main = links.get("webUrl") or links.get("originalUrl")
    if main is not None and main.result in _DEAD:
        return Health.DEAD
    if all(link.result is Result.OK for link in links.values()):
        return Health.OK
    return Health.DEGRADED


def link_entry(link: LinkResult) -> dict[str, Any]:
    entry: dict[str, Any] = {"result": link.result.value}
    if link.status is not None:
        entry["status"] = link.status
    if link.redirects:
        entry["redirects"] = link.redirects
        entry["finalUrl"] = link.final_url
    if link.detail:
        entry["detail"] = link.detail
    return entry


def build_block(links: Mapping[str, LinkResult], checked_at: str) -> dict[str, Any]:
    """The ``crawl`` block's content for an article, given each URL field's result."""
    counts = Counter(link.result.value for link in links.values())
    return {
        "checkedAt": checked_at,
        "health": health_of(links).value,
        "counts": {result.value: counts[result.value] for result in Result if counts[result.value]},
        "links": {name: link_entry(link) for name, link in links.items()},
    }
