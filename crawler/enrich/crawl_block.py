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
          result: ok
          status: 206
          image:
            format: jpeg
            width: 1024
            height: 681
            orientation: 1
            displayWidth: 1024
            displayHeight: 681
            sizeMatches: false
            bytesRead: 1090
      previous:
        images[0].width: 1280
        images[0].height: 640

``checkedAt`` is when a crawl last found something new about the article: the
time of the first crawl that produced the rest of the block as it stands.  A
later crawl that finds the same keeps it, so the file is left byte-identical.

``health`` is ``dead`` when the article's own page (webUrl, else originalUrl) is
broken, error or invalid; ``ok`` when every link is ok and every image is a valid
image of the declared size; ``degraded`` otherwise.  ``previous`` holds the values
``--refresh`` replaced, as the file had them before the first refresh of each
(later crawls carry it forward, so the original is never lost).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from crawler.checks.findings import Finding
from crawler.enrich.images import image_entry
from crawler.enrich.pages import PageReview
from crawler.enrich.results import FieldResult
from crawler.outcomes import LinkResult, Result

_DEAD = frozenset({Result.BROKEN, Result.ERROR, Result.INVALID})


class Health(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DEAD = "dead"


def health_of(results: Mapping[str, FieldResult], findings: Sequence[Finding] = ()) -> Health:
    main = results.get("webUrl") or results.get("originalUrl")
    if main is not None and (main.link.result in _DEAD or main.soft_404 is not None):
        return Health.DEAD
    if all(result.is_sound for result in results.values()) and not findings:
        return Health.OK
    return Health.DEGRADED


def field_entry(result: FieldResult) -> dict[str, Any]:
    entry = link_entry(result.link)
    if result.image is not None:
        entry["image"] = image_entry(result.image, result.declared)
    if result.soft_404 is not None:
        entry["soft404"] = result.soft_404
    return entry


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


def build_block(
    results: Mapping[str, FieldResult],
    checked_at: str,
    review: PageReview | None = None,
    previous: Mapping[str, Any] | None = None,
    earlier: Any = None,
) -> dict[str, Any]:
    """The ``crawl`` block's content for an article, given each URL field's result.

    ``earlier`` is the block the file holds now (as parsed).  When the new block
    says the same in every key but ``checkedAt``, it keeps the earlier time: a
    crawl that learned nothing new about the file leaves it byte-identical (the
    state store and the reports still record when each URL was checked).
    """
    counts = Counter(result.link.result.value for result in results.values())
    findings = review.findings if review is not None else ()
    block = {
        "checkedAt": checked_at,
        "health": health_of(results, findings).value,
        "counts": {result.value: counts[result.value] for result in Result if counts[result.value]},
        "links": {name: field_entry(result) for name, result in results.items()},
    }
    if review is not None:
        block |= review.block_entries()
    if previous:
        block["previous"] = dict(previous)
    if _says_the_same(earlier, block):
        block["checkedAt"] = earlier["checkedAt"]
    return block


def _says_the_same(earlier: Any, block: Mapping[str, Any]) -> bool:
    if not isinstance(earlier, dict) or not isinstance(earlier.get("checkedAt"), str):
        return False
    return {k: v for k, v in earlier.items() if k != "checkedAt"} == {
        k: v for k, v in block.items() if k != "checkedAt"
    }
