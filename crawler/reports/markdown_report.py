"""The Markdown report: summary, rejected files, links not ok, images, findings, stale fields."""

from __future__ import annotations

from crawler.reports.model import (
    finding_rows,
    image_rows,
    problem_rows,
    stale_rows,
    summarize,
    times,
)
from crawler.run.records import CrawlRun


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def render(run: CrawlRun) -> str:
    summary = summarize(run)
    started, finished = times(run)
    lines = [
        "# Crawl report",
        "",
        f"Started {started}, finished {finished}.",
        f"{summary.files} files ({summary.files_rejected} rejected, "
        f"{summary.files_skipped} skipped), {summary.urls} distinct URLs.",
        "",
        "| result | URLs |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {count} |" for name, count in summary.by_result.items()]
    problems = list(run.files.where("unprocessed"))
    if problems:
        lines += ["", "## Files not processed", "", "| file | status | reason |", "|---|---|---|"]
        lines += [f"| {_cell(o.file)} | {o.status} | {_cell(o.error)} |" for o in problems]
    rows = problem_rows(run)
    if rows:
        lines += [
            "",
            "## Links that are not ok",
            "",
            "| result | status | url | file | field | detail |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {row.link.result.value} | {_cell(row.link.status)} | {_cell(row.link.url)} "
            f"| {_cell(row.file)} | {_cell(row.field)} | {_cell(row.link.detail)} |"
            for row in rows
        ]
    images = image_rows(run)
    if images:
        lines += [
            "",
            "## Images that are not valid or not the declared size",
            "",
            "| problem | url | file | field |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(problem)} | {_cell(row.link.url)} | {_cell(row.file)} | {_cell(row.field)} |"
            for row, problem in images
        ]
    findings = finding_rows(run)
    if findings:
        lines += ["", "## Findings", "", "| code | file | field | detail |", "|---|---|---|---|"]
        lines += [
            f"| {item.code} | {_cell(file)} | {_cell(item.field)} | {_cell(item.detail)} |"
            for file, item in findings
        ]
    stale = stale_rows(run)
    if stale:
        lines += ["", "## Stale fields", "", "| file | field | stored | live page |"]
        lines.append("|---|---|---|---|")
        lines += [
            f"| {_cell(file)} | {_cell(item.field)} | {_cell(item.stored)} | {_cell(item.live)} |"
            for file, item in stale
        ]
    return "\n".join(lines) + "\n"
