"""The HTML report: one self-contained page that opens offline.

Inline CSS, charts as inline SVG (:mod:`crawler.reports.svg`), and a small inline
script that sorts a table when its header is clicked and filters every table by
text and result class.  A Content-Security-Policy pins the style and the script by
their SHA-256, so the page can fetch nothing; the only URLs in it are the links
the crawl checked, in table cells.  The filter can be set from the address:
``report.html#result=broken&q=example.com``.  Every value from the run is escaped.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from crawler.outcomes import Result
from crawler.reports import svg
from crawler.reports.hosts import host_figures
from crawler.reports.html_page import (
    NONE,
    POLICY,
    SCRIPT,
    STYLE,
    Row,
    named_by,
    number,
    result,
    section,
    section_parts,
    table_parts,
    text,
    texts,
    url,
)
from crawler.reports.model import (
    Summary,
    by_url,
    finding_rows,
    image_rows,
    problem_rows,
    redirect_rows,
    stale_rows,
    summarize,
    times,
)
from crawler.reports.summary import plural
from crawler.run.records import CrawlRun, utc_stamp

TREND_RUNS = 30  # runs shown in the results-over-time chart, this one included
CHART_HOSTS = 15  # hosts shown in the results-per-host chart, most URLs first


def _summary(run: CrawlRun, summary: Summary) -> str:
    started, finished = times(run)
    label = "" if run.run_id is None else f"Run {run.run_id}: "
    counts = "".join(
        f'<tr><td class="{name}">{name}</td><td class="num">{count}</td></tr>'
        for name, count in summary.by_result.items()
    )
    return section(
        "summary",
        "Summary",
        f"<p>{label}started {started}, finished {finished}. {plural(summary.files, 'file')} "
        f"({summary.files_rejected} rejected, {summary.files_skipped} skipped), "
        f"{plural(summary.urls, 'distinct URL')}; {plural(summary.images_probed, 'image')} "
        f"probed ({summary.images_invalid} not valid, "
        f"{plural(summary.size_mismatches, 'field')} not the declared size); "
        f"{plural(summary.files_stale, 'file')} with stale fields; "
        f"{plural(sum(summary.findings.values()), 'finding')}.</p>"
        f'<table id="summary-table"><tr class="head"><th>result</th><th>URLs</th></tr>'
        f"{counts}</table>",
    )


def _charts(run: CrawlRun, summary: Summary) -> str:
    series = [item.value for item in Result]
    earlier = reversed(run.trend[: TREND_RUNS - 1])
    bars: list[svg.Bar] = []
    dates: list[str] = []
    for record in earlier:
        bars.append((f"#{record.id}", record.counts))
        dates.append(_short_date(record.started_at))
    bars.append(("this run" if run.run_id is None else f"#{run.run_id}", summary.by_result))
    dates.append(_short_date(run.started_at))
    hosts = [(item.host, item.by_result) for item in host_figures(run)[:CHART_HOSTS]]
    over_time = svg.columns(bars, series, title="URLs per result class, run by run", notes=dates)
    per_host = svg.rows(hosts, series, title=f"URLs per result class, top {CHART_HOSTS} hosts")
    return section(
        "charts",
        "Charts",
        f'{svg.legend(series)}<figure id="trend-chart">{over_time}<figcaption>Results over '
        f'time (distinct URLs per run)</figcaption></figure><figure id="hosts-chart">{per_host}'
        f"<figcaption>Results per host (the {CHART_HOSTS} hosts with most URLs)</figcaption>"
        "</figure>",
    )


def _short_date(moment: datetime) -> str:
    """``11-22`` over ``06:00``: month, day and UTC time, narrow enough for one bar."""
    return moment.astimezone(UTC).strftime("%m-%d\n%H:%M")


def _failing(run: CrawlRun) -> list[Row]:
    """One row per URL that is not ok, with the files naming it and its failing streak."""
    rows: list[Row] = []
    for link_url, named in by_url(problem_rows(run)).items():
        link, history = named[0].link, run.history.get(link_url)
        since = None if history is None else history.first_failed_at
        streak = None if history is None else history.consecutive_failures
        when = f'<td data-sort="">{NONE}</td>' if since is None else text(utc_stamp(since))
        cells = [result(link.result.value), number(link.status), url(link_url), named_by(named)]
        rows.append((link.result.value, [*cells, text(link.detail), when, number(streak)]))
    return rows


def _redirects(run: CrawlRun) -> list[Row]:
    """One row per ok URL reached through redirects: the stored value and where it ends."""
    rows: list[Row] = []
    for link_url, named in by_url(redirect_rows(run)).items():
        link = named[0].link
        cells = [url(link_url), url(link.final_url or ""), number(link.redirects), named_by(named)]
        rows.append(("ok", cells))
    return rows


def _images(run: CrawlRun) -> list[Row]:
    return [
        (row.link.result.value, [text(problem), url(row.link.url), text(row.file), text(row.field)])
        for row, problem in image_rows(run)
    ]


def _stale(run: CrawlRun) -> list[Row]:
    return [
        (None, texts(file, item.field, item.stored, item.live)) for file, item in stale_rows(run)
    ]


def _findings(run: CrawlRun) -> list[Row]:
    rows = finding_rows(run)
    return [(None, texts(item.code, file, item.field, item.detail)) for file, item in rows]


def _hosts(run: CrawlRun) -> list[Row]:
    return [
        (
            None,
            [
                text(item.host),
                *map(number, (item.urls, item.failures, item.median_ms, item.slowest_ms)),
                url(item.slowest_url or ""),
            ],
        )
        for item in host_figures(run)
    ]


def _unprocessed(run: CrawlRun) -> list[Row]:
    files = run.files.where("unprocessed")
    return [(None, texts(item.file, item.status, item.error)) for item in files]


_HOST_HEADERS = ["host", "URLs", "failures", "median ms", "slowest ms", "slowest URL"]
# id, title, column headers, the columns that sort as numbers, the rows
_Section = tuple[str, str, list[str], list[str], Callable[[CrawlRun], list[Row]]]
_SECTIONS: list[_Section] = [
    (
        "failing",
        "Links that are not ok",
        ["result", "status", "URL", "named by", "detail", "failing since", "runs failing"],
        ["status", "runs failing"],
        _failing,
    ),
    ("unprocessed", "Files to fix: not processed", ["file", "status", "reason"], [], _unprocessed),
    (
        "images",
        "Images that are not valid or not the declared size",
        ["problem", "URL", "file", "field"],
        [],
        _images,
    ),
    (
        "redirects",
        "Redirects worth updating in the metadata",
        ["stored URL", "final URL", "redirects", "named by"],
        ["redirects"],
        _redirects,
    ),
    ("stale", "Stale fields", ["file", "field", "stored", "live page"], [], _stale),
    ("findings", "Findings (AMP, soft 404)", ["code", "file", "field", "detail"], [], _findings),
]
_FIGURES: list[_Section] = [
    ("hosts", "Hosts", _HOST_HEADERS, _HOST_HEADERS[1:5], _hosts),
]


def _filters() -> str:
    options = "".join(f'<option value="{item.value}">{item.value}</option>' for item in Result)
    return (
        '<div class="filters"><label>Filter <input id="filter-text" type="search" '
        'placeholder="text in any row"></label> <label>Result <select id="filter-result">'
        f'<option value="">any</option>{options}</select></label></div>'
    )


def render(run: CrawlRun) -> str:
    buffer = io.StringIO()
    write(run, buffer)
    return buffer.getvalue()


def write(run: CrawlRun, out: TextIO) -> None:
    """The page into ``out``, a table row at a time (the rows of a section are held)."""
    summary = summarize(run)
    head = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Crawl report</title><style>{STYLE}</style></head>",
        "<body><h1>Crawl report</h1>",
        _filters(),
        _summary(run, summary),
    ]
    out.write("\n".join(head))
    _write_sections(run, _SECTIONS, out)  # what to fix first; the figures after
    out.write("\n" + _charts(run, summary))
    _write_sections(run, _FIGURES, out)
    out.write(f"\n<script>{SCRIPT}</script></body></html>\n")


def _write_sections(run: CrawlRun, sections: list[_Section], out: TextIO) -> None:
    for name, title, headers, numeric, rows in sections:
        out.write("\n")
        for part in section_parts(name, title, table_parts(name, headers, rows(run), numeric)):
            out.write(part)
