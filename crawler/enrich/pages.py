"""Page findings: what each article's live page says, which stored fields are stale, AMP.

An article and each of its related articles is an :class:`Entry`.  Its own page
is ``webUrl``, else ``originalUrl``; what that page says is compared with the
entry's stored title, excerpt, publishedDateTime, first image and provider
(:mod:`crawler.checks.staleness`), and its AMP URLs are checked against the pages
(:mod:`crawler.checks.amp`).  Soft 404s found by the page checks become findings
here too, so the block and the reports have one list of named findings.

Findings and stale fields are shown and stored, and they quote front-matter
URLs: a password in one is masked here (``https://user:***@host/``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crawler.checks.amp import check_amp
from crawler.checks.findings import Finding
from crawler.checks.staleness import Staleness, page_says, stale_fields
from crawler.enrich.results import FieldResult
from crawler.fetch.urls import redact_text
from crawler.read.article import KeyPath

# What an entry keeps of its front matter for the comparisons: small, so 100k fit.
STORED_KEYS = ("title", "excerpt", "publishedDateTime", "provider", "webUrl", "originalUrl")
AMP_KEYS = ("ampWebUrl", "cdnAmpWebUrl")


class PageFinding(enum.StrEnum):
    SOFT_404 = "soft-404"  # a page answered 2xx but is really "not found"


@dataclass(frozen=True, slots=True)
class Entry:
    """An article or one of its related articles: where it sits and what it stores."""

    prefix: str  # "" for the article, "related[0]." for a related one
    path: KeyPath  # () or ("related", 0)
    stored: Mapping[str, Any]

    @property
    def own_page_field(self) -> str:
        key = "webUrl" if self.stored.get("webUrl") is not None else "originalUrl"
        return self.prefix + key


def entries_of(data: Mapping[str, Any]) -> tuple[Entry, ...]:
    """The article and its related articles, each with the values the page checks compare."""
    entries = [Entry("", (), _stored(data))]
    related = data.get("related")
    if isinstance(related, list):
        for index, item in enumerate(related):
            if isinstance(item, Mapping):
                entries.append(Entry(f"related[{index}].", ("related", index), _stored(item)))
    return tuple(entries)


def _stored(data: Mapping[str, Any]) -> dict[str, Any]:
    stored = {key: data[key] for key in (*STORED_KEYS, *AMP_KEYS) if key in data}
    images = data.get("images")
    if isinstance(images, list) and images:
        stored["images"] = images[:1]
    return stored


@dataclass(frozen=True, slots=True)
class PageReview:
    """What an article's pages say, its stale fields and its findings."""

    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # page field -> record
    stale: dict[str, Staleness] = field(default_factory=dict)  # e.g. "related[0].title"
    findings: tuple[Finding, ...] = ()

    def block_entries(self) -> dict[str, Any]:
        """The crawl block's ``pages``, ``stale`` and ``findings`` keys (those not empty)."""
        entries: dict[str, Any] = {}
        if self.pages:
            entries["pages"] = self.pages
        if self.stale:
            entries["stale"] = {name: item.live for name, item in self.stale.items()}
        if self.findings:
            entries["findings"] = [item.to_json() for item in self.findings]
        return entries


def review_pages(entries: Sequence[Entry], results: Mapping[str, FieldResult]) -> PageReview:
    review = PageReview()
    findings: list[Finding] = []
    for entry in entries:
        own_field = entry.own_page_field
        own = results.get(own_field)
        own_page = own.page if own is not None and own.soft_404 is None else None
        if own_page is not None:
            review.pages[own_field] = page_says(own_page)
            for name, item in stale_fields(entry.stored, own_page).items():
                review.stale[entry.prefix + name] = Staleness(
                    entry.prefix + name, _shown(item.stored), item.live
                )
        amp = results.get(entry.prefix + "ampWebUrl")
        for finding in check_amp(
            _text(entry.stored.get(own_field.removeprefix(entry.prefix))),
            _text(entry.stored.get("ampWebUrl")),
            _text(entry.stored.get("cdnAmpWebUrl")),
            amp.page if amp is not None else None,
            own_page,
        ):
            detail = redact_text(finding.detail)
            findings.append(Finding(finding.code, entry.prefix + finding.field, detail))
    for name, result in results.items():
        if result.soft_404 is not None:
            findings.append(Finding(PageFinding.SOFT_404, name, result.soft_404))
    return PageReview(review.pages, review.stale, tuple(findings))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _shown(value: Any) -> Any:
    return redact_text(value) if isinstance(value, str) else value
