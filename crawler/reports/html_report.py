"""The HTML report: one self-contained page that opens offline.

Inline CSS, charts as inline SVG (:mod:`crawler.reports.svg`), and a small inline
script that sorts a table when its header is clicked and filters every table by
text and result class.  A Content-Security-Policy pins the style and the script by
their SHA-256, so the page can fetch nothing; the only URLs in it are the links
the crawl checked, in table cells.  The filter can be set from the address:
``report.html#result=broken&q=example.com``.  Every value from the run is escaped.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from html import escape
from typing import TextIO

from crawler.fetch.urls import is_http_url
from crawler.outcomes import Result
from crawler.reports import svg
from crawler.reports.hosts import host_figures
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
from crawler.run.records import CrawlRun, LinkRow, utc_stamp

TREND_RUNS = 30  # runs shown in the results-over-time chart, this one included
CHART_HOSTS = 15  # hosts shown in the results-per-host chart, most URLs first
NONE = "—"  # a cell with nothing to say

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:1rem 2rem;color:#222;background:#fff}
h1{margin:0 0 .25rem;font-size:1.6rem}h2{margin:1.5rem 0 .25rem;border-bottom:1px solid #ddd}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.25rem 0}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#f3f3f3;cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
caption{text-align:left;color:#555;padding:2px 0}td.num{text-align:right}
td.url{overflow-wrap:anywhere;min-width:min(22rem,60vw);max-width:44rem}
td.named{overflow-wrap:anywhere;min-width:12rem}tr[hidden]{display:none}
#summary-table tbody{display:flex;flex-wrap:wrap;gap:.25rem .75rem}
#summary-table tr{display:flex}#summary-table tr.head{display:none}
#summary-table td{border:0;padding:0 .25rem}#summary p{margin:.25rem 0}
@media (max-width:900px){body{margin:.75rem}h2{font-size:1.2rem}}
.ok{color:#1b7837}.broken,.error,.invalid{color:#c51b1b}.blocked,.timeout{color:#9a6700}
.skipped{color:#555}.filters{position:sticky;top:0;background:#fff;padding:.5rem 0;
border-bottom:1px solid #ddd}.legend{list-style:none;padding:0;display:flex;gap:1rem}
.chart text{font:11px system-ui,sans-serif;fill:#333}.empty{color:#555}
"""

_SCRIPT = """
(function () {
  "use strict";
  var text = document.getElementById("filter-text");
  var result = document.getElementById("filter-result");
  var tables = Array.prototype.slice.call(document.querySelectorAll("table.data"));
  function key(row, index, numeric) {
    var cell = row.cells[index], value = "";
    if (cell) { value = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort")
                                                       : cell.textContent.trim().toLowerCase(); }
    return numeric ? (value === "" ? -1 : Number(value)) : value;
  }
  function sortBy(table, th) {
    var index = th.cellIndex, numeric = th.getAttribute("data-type") === "number";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, index, numeric), y = key(b, index, numeric);
      var order = numeric ? x - y : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  function applyFilter() {
    var words = text.value.trim().toLowerCase(), wanted = result.value;
    tables.forEach(function (table) {
      var rows = table.tBodies[0].rows, shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var kind = rows[i].getAttribute("data-result");
        var visible = (!words || rows[i].textContent.toLowerCase().indexOf(words) >= 0) &&
                      (!wanted || kind === null || kind === wanted);
        rows[i].hidden = !visible;
        if (visible) { shown++; }
      }
      table.setAttribute("data-shown", String(shown));
      table.caption.textContent = shown + " of " + rows.length + " rows shown";
    });
  }
  function remember() {
    var params = new URLSearchParams();
    if (text.value) { params.set("q", text.value); }
    if (result.value) { params.set("result", result.value); }
    try { history.replaceState(null, "", "#" + params.toString()); } catch (e) { /* file: */ }
  }
  var start = new URLSearchParams(location.hash.slice(1));
  text.value = start.get("q") || "";
  result.value = start.get("result") || "";
  tables.forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.addEventListener("click", function () { sortBy(table, th); });
    });
  });
  text.addEventListener("input", function () { applyFilter(); remember(); });
  result.addEventListener("change", function () { applyFilter(); remember(); });
  applyFilter();
  document.body.setAttribute("data-ready", "1");
})();
"""


def _digest(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


_POLICY = (
    f"default-src 'none'; style-src {_digest(_STYLE)}; script-src {_digest(_SCRIPT)}; img-src data:"
)


# A table cell is its escaped ``<td>`` markup; a row is its result class (for the
# filter; None in tables without one) and its cells.
Row = tuple[str | None, Sequence[str]]


def text(value: object) -> str:
    return "<td></td>" if value is None else f"<td>{escape(str(value))}</td>"


def texts(*values: object) -> list[str]:
    return [text(value) for value in values]


def number(value: int | None) -> str:
    """A number, sorted as one; the sort key of "nothing" is empty, which sorts first."""
    return (
        f'<td class="num" data-sort="">{NONE}</td>'
        if value is None
        else f'<td class="num">{value}</td>'
    )


def url(value: str) -> str:
    """A checked URL, as a link only when it is http(s): a ``javascript:`` value stays text."""
    shown = escape(value)
    if is_http_url(value):
        return f'<td class="url"><a href="{shown}" rel="noreferrer">{shown}</a></td>'
    return f'<td class="url">{shown}</td>'


def result(name: str) -> str:
    return f'<td class="{escape(name)}">{escape(name)}</td>'


def named_by(rows: Iterable[LinkRow]) -> str:
    return (
        '<td class="named">'
        + "<br>".join(f"{escape(row.file)}: {escape(row.field)}" for row in rows)
        + "</td>"
    )


def table(name: str, headers: Sequence[str], rows: Sequence[Row], numeric: Sequence[str]) -> str:
    """A sortable, filterable table; the headers listed in ``numeric`` sort as numbers."""
    return "".join(table_parts(name, headers, rows, numeric))


def table_parts(
    name: str, headers: Sequence[str], rows: Sequence[Row], numeric: Sequence[str]
) -> Iterator[str]:
    """:func:`table`'s markup, row by row: a long table is never one more string."""
    if not rows:
        yield '<p class="empty">None.</p>'
        return
    head = "".join(
        f'<th scope="col"{" data-type=number" if header in numeric else ""}>{escape(header)}</th>'
        for header in headers
    )
    yield (
        f'<div class="scroll"><table class="data" id="{name}-table">'
        f"<caption>{len(rows)} rows</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>"
    )
    for kind, cells in rows:
        yield (
            ("<tr>" if kind is None else f'<tr data-result="{escape(kind)}">')
            + "".join(cells)
            + "</tr>"
        )
    yield "</tbody></table></div>"


def section(name: str, title: str, body: str) -> str:
    return "".join(section_parts(name, title, [body]))


def section_parts(name: str, title: str, body: Iterable[str]) -> Iterator[str]:
    yield f'<section id="{name}"><h2>{escape(title)}</h2>'
    yield from body
    yield "</section>"


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
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Crawl report</title><style>{_STYLE}</style></head>",
        "<body><h1>Crawl report</h1>",
        _filters(),
        _summary(run, summary),
    ]
    out.write("\n".join(head))
    _write_sections(run, _SECTIONS, out)  # what to fix first; the figures after
    out.write("\n" + _charts(run, summary))
    _write_sections(run, _FIGURES, out)
    out.write(f"\n<script>{_SCRIPT}</script></body></html>\n")


def _write_sections(run: CrawlRun, sections: list[_Section], out: TextIO) -> None:
    for name, title, headers, numeric, rows in sections:
        out.write("\n")
        for part in section_parts(name, title, table_parts(name, headers, rows(run), numeric)):
            out.write(part)
