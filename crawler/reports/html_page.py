"""The HTML report's page parts: its style, script and policy, and escaped cell markup.

Every value from the run passes through one of these helpers into a ``<td>``;
tables and sections are yielded piece by piece, so a long table is never held as
one string.  :mod:`crawler.reports.html_report` puts the sections together.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from html import escape

from crawler.fetch.urls import is_http_url
from crawler.run.records import LinkRow

NONE = "—"  # a cell with nothing to say

STYLE = """
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

SCRIPT = """
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


POLICY = (
    f"default-src 'none'; style-src {_digest(STYLE)}; script-src {_digest(SCRIPT)}; img-src data:"
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
