"""The HTML report: one self-contained page (inline CSS, no scripts fetched)."""

from __future__ import annotations

from html import escape

from crawler.pipeline import CrawlRun
from crawler.reports.model import (
    finding_rows,
    image_rows,
    problem_rows,
    stale_rows,
    summarize,
    times,
)

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f3f3f3}.ok{color:#186a3b}
.broken,.error,.invalid{color:#a01818}.blocked,.timeout{color:#9a6700}.skipped{color:#555}
td.url{word-break:break-all;max-width:40rem}
"""


def _row(cells: list[str]) -> str:
    return "<tr>" + "".join(cells) + "</tr>"


def render(run: CrawlRun) -> str:
    summary = summarize(run)
    started, finished = times(run)
    parts = [
        "<!doctype html><html lang=en><meta charset=utf-8><title>Crawl report</title>",
        f"<style>{_STYLE}</style><h1>Crawl report</h1>",
        f"<p>Started {started}, finished {finished}. {summary.files} files "
        f"({summary.files_rejected} rejected, {summary.files_skipped} skipped), "
        f"{summary.urls} distinct URLs.</p>",
        "<table><tr><th>result</th><th>URLs</th></tr>",
    ]
    parts += [
        _row([f'<td class="{name}">{name}</td>', f"<td>{count}</td>"])
        for name, count in summary.by_result.items()
    ]
    parts.append("</table>")
    rows = problem_rows(run)
    if rows:
        parts.append(
            "<h2>Links that are not ok</h2><table><tr><th>result</th><th>status</th>"
            "<th>url</th><th>file</th><th>field</th><th>detail</th></tr>"
        )
        for row in rows:
            link = row.link
            parts.append(
                _row(
                    [
                        f'<td class="{link.result.value}">{link.result.value}</td>',
                        f"<td>{'' if link.status is None else link.status}</td>",
                        f'<td class="url">{escape(link.url)}</td>',
                        f"<td>{escape(row.file)}</td>",
                        f"<td>{escape(row.field)}</td>",
                        f"<td>{escape(link.detail or '')}</td>",
                    ]
                )
            )
        parts.append("</table>")
    images = image_rows(run)
    if images:
        parts.append(
            "<h2>Images that are not valid or not the declared size</h2><table><tr>"
            "<th>problem</th><th>url</th><th>file</th><th>field</th></tr>"
        )
        parts += [
            _row(
                [
                    f"<td>{escape(problem)}</td>",
                    f'<td class="url">{escape(row.link.url)}</td>',
                    f"<td>{escape(row.file)}</td>",
                    f"<td>{escape(row.field)}</td>",
                ]
            )
            for row, problem in images
        ]
        parts.append("</table>")
    findings = finding_rows(run)
    if findings:
        parts.append(
            "<h2>Findings</h2><table><tr><th>code</th><th>file</th><th>field</th>"
            "<th>detail</th></tr>"
        )
        parts += [
            _row(
                [f"<td>{escape(cell)}</td>" for cell in (item.code, file, item.field, item.detail)]
            )
            for file, item in findings
        ]
        parts.append("</table>")
    stale = stale_rows(run)
    if stale:
        parts.append(
            "<h2>Stale fields</h2><table><tr><th>file</th><th>field</th><th>stored</th>"
            "<th>live page</th></tr>"
        )
        parts += [
            _row(
                [
                    f"<td>{escape(str(cell))}</td>"
                    for cell in (file, item.field, item.stored, item.live)
                ]
            )
            for file, item in stale
        ]
        parts.append("</table>")
    return "\n".join(parts) + "\n"
