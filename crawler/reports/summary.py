"""The summary printed on the terminal at the end of a crawl.

Short by design: every URL and detail is cut to a terminal line's worth (the
reports keep them whole), counts agree in number ("1 file", "2 files"), what
``--refresh`` just corrected is listed as corrected rather than stale, the reports
written are named, and the last line is the verdict that the exit code gives.
Colour (result classes, the verdict) only when asked, i.e. on a terminal without
``NO_COLOR``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from crawler.outcomes import Result
from crawler.reports.model import (
    Summary,
    finding_rows,
    image_rows,
    stale_rows,
    summarize,
)
from crawler.run.records import CrawlRun, LinkRow

MAX_LISTED = 50  # links listed on the terminal; the reports list them all
MAX_URL = 120  # characters of a URL shown; the middle of a longer one is cut
MAX_DETAIL = 160  # characters of a detail or finding shown

_COLOURS = {
    Result.OK: "32",  # green
    Result.BROKEN: "31",  # red
    Result.ERROR: "31",
    Result.BLOCKED: "33",  # yellow
    Result.TIMEOUT: "33",
    Result.INVALID: "35",  # magenta
    Result.SKIPPED: "2",  # dim
}


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``; ``URL`` and ``field`` alike."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def shorten(text: str, limit: int) -> str:
    """``text`` whole when short, else its start and end around the count of what was cut."""
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    marker = f"…[{cut} chars]…"
    head = (limit - len(marker)) * 2 // 3
    return text[:head] + marker + text[len(text) - (limit - len(marker) - head) :]


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def result(self, result: Result, text: str | None = None) -> str:
        return self(text if text is not None else result.value, _COLOURS[result])


def render(
    run: CrawlRun,
    *,
    reports: Sequence[Path] = (),
    empty_paths: Sequence[str] = (),
    colour: bool = False,
) -> str:
    """The summary; ``reports`` were written, ``empty_paths`` named no article file."""
    paint = _Paint(colour)
    summary = summarize(run)
    elapsed = ((run.finished_at or run.started_at) - run.started_at).total_seconds()
    lines = [
        f"Checked {plural(summary.urls, 'URL')} named by {plural(summary.files, 'file')} "
        f"({summary.files_rejected} rejected, {summary.files_skipped} skipped) "
        f"in {elapsed:.1f} s",
        "  "
        + "  ".join(
            paint.result(Result(name), f"{name} {count}") if count else f"{name} {count}"
            for name, count in summary.by_result.items()
        ),
    ]
    lines += _links(run, paint)
    lines += _images(run, summary)
    lines += _findings(run)
    lines += _refreshed_and_stale(run)
    if reports:
        lines.append("Reports: " + ", ".join(str(path) for path in reports))
    lines.append(_verdict(summary, empty_paths, paint))
    return "\n".join(lines) + "\n"


def _links(run: CrawlRun, paint: _Paint) -> list[str]:
    # Only the URLs listed are held (with every row naming them, wherever it sorts).
    by_url: dict[str, list[LinkRow]] = {}
    for row in run.links.problems():
        named_by = by_url.get(row.link.url)
        if named_by is not None:
            named_by.append(row)
        elif len(by_url) < MAX_LISTED:
            by_url[row.link.url] = [row]
    lines = ["Links that are not ok:"] if by_url else []
    for url, named_by in by_url.items():
        link = named_by[0].link
        status = "" if link.status is None else str(link.status)
        detail = f"  ({shorten(link.detail, MAX_DETAIL)})" if link.detail else ""
        label = paint.result(link.result, f"{link.result.value:<8}")
        lines.append(f"  {label} {status:>3}  {shorten(url, MAX_URL)}{detail}")
        lines += [f"           {row.file}: {row.field}" for row in named_by]
    more = len(run.links.problem_urls()) - len(by_url) if len(by_url) == MAX_LISTED else 0
    if more:
        lines.append(f"  ... and {more} more URLs (see --report)")
    return lines


def _images(run: CrawlRun, summary: Summary) -> list[str]:
    found = image_rows(run)
    files = {row.file for row, _ in found}
    refreshed = {
        (outcome.file, name)
        for outcome in run.files.where("refreshed")
        if outcome.file in files
        for name in outcome.refreshed
    }
    images = [
        (row, problem)
        for row, problem in found
        if (row.file, row.field.removesuffix(".url") + ".width") not in refreshed
    ]
    if not images:
        return []
    lines = [
        f"Images: {summary.images_probed} probed, {summary.images_invalid} not valid, "
        f"{plural(len(images), 'field')} with a problem:"
    ]
    lines += [f"  {row.file}: {row.field}: {problem}" for row, problem in images[:MAX_LISTED]]
    if len(images) > MAX_LISTED:
        lines.append(f"  ... and {len(images) - MAX_LISTED} more (see --report)")
    return lines


def _findings(run: CrawlRun) -> list[str]:
    findings = finding_rows(run)
    lines = ["Findings:"] if findings else []
    for file, item in findings[:MAX_LISTED]:
        detail = shorten(item.detail, MAX_DETAIL)
        lines.append(f"  {item.code:<24} {file}: {item.field}: {detail}")
    if len(findings) > MAX_LISTED:
        lines.append(f"  ... and {len(findings) - MAX_LISTED} more (see --report)")
    return lines


def _refreshed_and_stale(run: CrawlRun) -> list[str]:
    lines = []
    stale_files = {file for file, _ in stale_rows(run)}
    corrected, corrected_files = 0, set[str]()
    done = set[tuple[str, str]]()  # fields refreshed in files with stale fields
    for outcome in run.files.where("refreshed"):
        corrected += len(outcome.refreshed)
        corrected_files.add(outcome.file)
        if outcome.file in stale_files:
            done.update((outcome.file, name) for name in outcome.refreshed)
    if corrected:
        files = len(corrected_files)
        lines.append(
            f"Refreshed: {plural(corrected, 'field')} in {plural(files, 'file')}, "
            "each old value kept under crawl.previous"
        )
    stale = [(file, item) for file, item in stale_rows(run) if (file, item.field) not in done]
    if stale:
        files = len({file for file, _ in stale})
        fields = ", ".join(sorted({item.field for _, item in stale}))
        lines.append(
            f"Stale: {plural(len(stale), 'field')} in {plural(files, 'file')} ({fields}); "
            "--refresh updates title, excerpt and image sizes"
        )
    return lines


def _verdict(summary: Summary, empty_paths: Sequence[str], paint: _Paint) -> str:
    """The last line: what the exit code says, in words."""
    failing = {
        name: count
        for name, count in summary.by_result.items()
        if count and Result(name).is_failure
    }
    problems = []
    if failing:
        classes = ", ".join(f"{count} {name}" for name, count in failing.items())
        problems.append(f"{plural(sum(failing.values()), 'URL')} not ok ({classes})")
    if summary.files_rejected:
        problems.append(f"{plural(summary.files_rejected, 'file')} rejected")
    if empty_paths:
        problems.append(f"{plural(len(empty_paths), 'path')} with no article file")
    if problems:
        return paint("FAILED: " + "; ".join(problems), "1;31")
    return paint(
        f"OK: every URL ok or skipped by policy, {plural(summary.files, 'file')} processed",
        "1;32",
    )


__all__ = ["MAX_LISTED", "plural", "render", "shorten"]
