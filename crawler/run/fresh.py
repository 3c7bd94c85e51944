"""Fresh files: a file the run leaves as it is, shown in the reports without parsing it again.

A file checked within ``--stale-after`` and unchanged since (or written by the run
being resumed) is neither requested nor written; the run shows its rows all the
same.  Parsing its YAML only to learn which URL sits in which field would be most
of the cost of such a re-crawl, so the state store keeps, with each file's record,
what its rows need (:func:`field_plans`): per URL field, in document order, the key
its URL is checked under, the image size it declares, and for a value that is no
URL what the row shows instead.  :func:`fresh_results` turns that back into the
results :func:`crawler.enrich.results.result_of` would give the parsed fields.

No password is kept: keys and values are stored redacted, as every URL in the
store is, so a URL with a password is shown from its last check in the store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from crawler.checks.url_check import UrlCheck
from crawler.enrich.results import FieldResult, shown
from crawler.fetch.urls import invalid_reason, is_http_url, redact_url, request_key
from crawler.outcomes import LinkResult, Result
from crawler.read.article import DeclaredSize, UrlField
from crawler.run.writeback import ReadArticle, Results
from crawler.state.store import FileRecord

FieldPlan = list[Any]  # JSON: [field, key or None, [width, height] or None, shown, detail]


@dataclass(frozen=True, slots=True)
class FreshFile:
    """A file the run leaves as it is, and the record that makes it fresh."""

    display: str
    key: str  # the file's real path, as the store knows it
    record: FileRecord
    article: ReadArticle | None = None  # parsed only when the record has no field plans

    def plans(self) -> Sequence[FieldPlan]:
        if self.article is not None:
            return field_plans(self.article.fields)
        return self.record.fields or ()


def field_plans(fields: Sequence[UrlField]) -> list[FieldPlan]:
    """What the store keeps of an article's URL fields, for :func:`fresh_results`."""
    plans: list[FieldPlan] = []
    for item in fields:
        value = item.value
        declared = None if item.declared is None else [item.declared.width, item.declared.height]
        key = redact_url(request_key(value)) if isinstance(value, str) else None
        text = redact_url(str(value))
        # Most values are URLs named as they are checked: then the key says it all.
        detail = None if isinstance(value, str) and is_http_url(value) else invalid_reason(value)
        plans.append([item.field, key, declared, None if text == key else text, detail])
    return plans


def plan_keys(plans: Sequence[FieldPlan]) -> list[str]:
    """The URLs whose checks the rows show."""
    return [plan[1] for plan in plans if plan[1] is not None]


def url_result(check: UrlCheck) -> FieldResult:
    """What a check shows in every row that names its URL, but for a declared size."""
    return FieldResult(shown(check.link), check.image, None, check.page, check.soft_404)


def fresh_results(
    plans: Sequence[FieldPlan], result_of: Callable[[str], FieldResult | None]
) -> Results:
    """Each field's result: its URL's (:func:`url_result`), else ``invalid`` saying why."""
    results: Results = {}
    for name, key, declared, text, detail in plans:
        found = None if key is None else result_of(key)
        if found is not None:
            if declared is not None:
                size = DeclaredSize(declared[0], declared[1])
                found = FieldResult(found.link, found.image, size, found.page, found.soft_404)
            results[name] = found
            continue
        text = key if text is None else text
        reason = invalid_reason(text) if detail is None else detail
        results[name] = FieldResult(LinkResult(text, Result.INVALID, detail=reason))
    return results


__all__ = ["FieldPlan", "FreshFile", "field_plans", "fresh_results", "plan_keys", "url_result"]
