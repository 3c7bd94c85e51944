"""The summary printed on the terminal at the end of a crawl."""

from __future__ import annotations

from crawler.reports.model import finding_rows, image_rows, problem_rows, stale_rows, summarize
from crawler.run.records import CrawlRun, LinkRow

MAX_LISTED = 50  # links listed on the terminal; the reports list them all


def render(run: CrawlRun) -> str:
    summary = summarize(run)
    elapsed = ((run.finished_at or run.started_at) - run.started_at).total_seconds()
    lines = [
        f"Checked {summary.urls} URLs named by {summary.files} files "
        f"({summary.files_rejected} rejected, {summary.files_skipped} skipped) "
        f"in {elapsed:.1f} s",
        "  " + "  ".join(f"{name} {count}" for name, count in summary.by_result.items()),
    ]
    rows = problem_rows(run)
    by_url: dict[str, list[LinkRow]] = {}
    for row in rows:
        by_url.setdefault(row.link.url, []).append(row)
    if by_url:
        lines.append("Links that are not ok:")
    for url, named_by in list(by_url.items())[:MAX_LISTED]:
        link = named_by[0].link
        status = "" if link.status is None else str(link.status)
        detail = f"  ({link.detail})" if link.detail else ""
        lines.append(f"  {link.result.value:<8} {status:>3}  {url}{detail}")
        lines += [f"           {row.file}: {row.field}" for row in named_by]
    if len(by_url) > MAX_LISTED:
        lines.append(f"  ... and {len(by_url) - MAX_LISTED} more URLs (see --report)")
    images = image_rows(run)
    if images:
        lines.append(
            f"Images: {summary.images_probed} probed, {summary.images_invalid} not valid, "
            f"{summary.size_mismatches} fields not the declared size:"
        )
    for row, problem in images[:MAX_LISTED]:
        lines.append(f"  {row.file}: {row.field}: {problem}")
    if len(images) > MAX_LISTED:
        lines.append(f"  ... and {len(images) - MAX_LISTED} more (see --report)")
    findings = finding_rows(run)
    if findings:
        lines.append("Findings:")
    for file, item in findings[:MAX_LISTED]:
        lines.append(f"  {item.code:<24} {file}: {item.field}: {item.detail}")
    if len(findings) > MAX_LISTED:
        lines.append(f"  ... and {len(findings) - MAX_LISTED} more (see --report)")
    if summary.files_stale:
        stale = stale_rows(run)
        fields = ", ".join(sorted({item.field for _, item in stale}))
        lines.append(
            f"Stale: {len(stale)} fields in {summary.files_stale} files ({fields}); "
            "--refresh updates title, excerpt and image sizes"
        )
    return "\n".join(lines) + "\n"
