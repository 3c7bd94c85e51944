"""The HTML report in a real browser: headless Chromium opens the file offline,
runs its script, and draws a page that is not blank.

Skipped, saying why, when no Chromium is installed (``.ci/run`` installs Debian's).
Each run gets a fresh profile folder and no background networking, so nothing
but the report's own file is loaded.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from PIL import Image
from test_html_report import GONE, HOSTILE, sample_run

from crawler.enrich.results import FieldResult
from crawler.outcomes import LinkResult, Result
from crawler.reports import html_report
from crawler.run.records import CrawlRun, LinkRow

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
WIDTH, HEIGHT = 1280, 2000  # px, the window and so the screenshot
BROWSER_TIMEOUT = 60  # seconds for one headless run; a cold start takes a few


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"no Chromium binary on PATH (looked for {', '.join(BROWSERS)})")


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.html"
    path.write_text(html_report.render(sample_run()), encoding="utf-8")
    return path


def _headless(
    tmp_path: Path, profile: str, *args: str, size: tuple[int, int] = (WIDTH, HEIGHT)
) -> subprocess.CompletedProcess[str]:
    command = [
        _browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / profile}",
        f"--window-size={size[0]},{size[1]}",
        *args,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _dom(tmp_path: Path, profile: str, address: str) -> BeautifulSoup:
    return BeautifulSoup(_headless(tmp_path, profile, "--dump-dom", address).stdout, "html.parser")


def test_the_screenshot_is_a_page_of_the_window_size_and_not_blank(
    report: Path, tmp_path: Path
) -> None:
    shot = tmp_path / "shot.png"
    _headless(tmp_path, "profile", f"--screenshot={shot}", report.as_uri())
    with Image.open(shot) as image:
        assert image.format == "PNG"
        assert image.size == (WIDTH, HEIGHT)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    # None means more than 65536 colours; otherwise text, tables and charts give many
    assert colours is None or len(colours) > 16, colours


def test_the_script_runs_and_the_tables_are_rendered(report: Path, tmp_path: Path) -> None:
    dom = _dom(tmp_path, "profile", report.as_uri())
    body = dom.find("body")
    assert isinstance(body, Tag) and body.get("data-ready") == "1"
    failing = dom.select("#failing-table tbody tr")
    assert len(failing) == 5
    assert all(not row.has_attr("hidden") for row in failing)
    assert GONE in dom.get_text() and HOSTILE in dom.get_text()
    assert len(dom.select("#trend-chart svg g.bar")) == 3
    caption = dom.select_one("#failing-table caption")
    assert caption is not None and caption.get_text() == "5 of 5 rows shown"


def test_the_filter_from_the_address_hides_other_result_classes(
    report: Path, tmp_path: Path
) -> None:
    dom = _dom(tmp_path, "profile", report.as_uri() + "#result=broken")
    shown = [row for row in dom.select("#failing-table tbody tr") if not row.has_attr("hidden")]
    assert [row["data-result"] for row in shown] == ["broken"]
    select = dom.select_one("#filter-result")
    assert select is not None
    caption = dom.select_one("#failing-table caption")
    assert caption is not None and caption.get_text() == "1 of 5 rows shown"
    # tables without a result column are filtered by text only
    assert len(dom.select("#hosts-table tbody tr:not([hidden])")) == 6


def test_the_text_filter_matches_any_cell(report: Path, tmp_path: Path) -> None:
    dom = _dom(tmp_path, "profile", report.as_uri() + "#q=slow.example")
    shown = [row for row in dom.select("#failing-table tbody tr") if not row.has_attr("hidden")]
    assert [row["data-result"] for row in shown] == ["timeout"]
    assert len(dom.select("#hosts-table tbody tr:not([hidden])")) == 1


# Clicks a header twice, noting the column's order after each click.  The report's
# policy admits only its own script, so the test page is a copy without the policy.
_CLICKS = """<script>
var header = document.querySelectorAll("#failing-table thead th")[COLUMN];
function order() {
  return Array.prototype.map.call(document.querySelectorAll("#failing-table tbody tr"),
    function (row) { return row.cells[COLUMN].textContent; }).join(",");
}
header.click();
document.body.setAttribute("data-ascending", order() + ";" + header.getAttribute("aria-sort"));
header.click();
document.body.setAttribute("data-descending", order() + ";" + header.getAttribute("aria-sort"));
</script>"""


@pytest.mark.parametrize(
    "column, ascending",
    [
        pytest.param(1, "—,—,—,403,404", id="numbers"),
        pytest.param(0, "blocked,broken,invalid,skipped,timeout", id="text"),
    ],
)
def test_a_click_on_a_header_sorts_the_table(
    report: Path, tmp_path: Path, column: int, ascending: str
) -> None:
    page = report.read_text(encoding="utf-8")
    start = page.index('<meta http-equiv="Content-Security-Policy"')
    page = page[:start] + page[page.index(">", start) + 1 :]
    page = page.replace("</body>", _CLICKS.replace("COLUMN", str(column)) + "</body>")
    clicked = tmp_path / "clicked.html"
    clicked.write_text(page, encoding="utf-8")
    body = _dom(tmp_path, "profile", clicked.as_uri()).find("body")
    assert isinstance(body, Tag) and body.get("data-ready") == "1"
    descending = ",".join(reversed(ascending.split(",")))
    assert body.get("data-ascending") == f"{ascending};ascending"
    assert body.get("data-descending") == f"{descending};descending"


# Measures the layout once the page has drawn: where the first failing link and the
# files to fix start, and how wide the URL column is.  Same policy-free copy as above.
_MEASURE = """<script>
function offset(selector) {
  return Math.round(document.querySelector(selector).getBoundingClientRect().top);
}
var cell = document.querySelector("#failing-table tbody td.url");
document.body.setAttribute("data-failing-top", offset("#failing-table tbody tr"));
document.body.setAttribute("data-fix-top", offset("#unprocessed-table tbody tr"));
document.body.setAttribute("data-hosts-top", offset("#hosts-table"));
document.body.setAttribute("data-url-width", Math.round(cell.getBoundingClientRect().width));
document.body.setAttribute("data-page-width", document.documentElement.clientWidth);
</script>"""


def _many_hosts_run() -> CrawlRun:
    """The sample run with sixty more hosts, as in a real corpus, and a long URL."""
    run = sample_run()
    for index in range(60):
        link = LinkResult(f"https://host{index}.example/", Result.OK, 200, None, 0, 1, 20)
        run.links.append(
            LinkRow("articles/b.md", f"related[{index + 1}].webUrl", FieldResult(link))
        )
    long_url = "https://news.example/" + "/".join(f"section-{n}" for n in range(20))
    broken = LinkResult(long_url, Result.BROKEN, 404, long_url, 0, 1, 30, "404 Not Found")
    run.links.append(LinkRow("articles/b.md", "related[70].webUrl", FieldResult(broken)))
    return run


@pytest.mark.parametrize("width", [1400, 800])
def test_what_to_fix_comes_first_and_urls_stay_readable_at_desktop_and_narrow_widths(
    width: int, tmp_path: Path
) -> None:
    page = html_report.render(_many_hosts_run())
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    shot = tmp_path / f"at-{width}.png"
    _headless(tmp_path, "shot", f"--screenshot={shot}", report.as_uri(), size=(width, 900))
    with Image.open(shot) as image:
        assert image.size == (width, 900)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 16
    start = page.index('<meta http-equiv="Content-Security-Policy"')
    measured = page[:start] + page[page.index(">", start) + 1 :]
    copy = tmp_path / "measured.html"
    copy.write_text(measured.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    dom = BeautifulSoup(
        _headless(tmp_path, "dom", "--dump-dom", copy.as_uri(), size=(width, 900)).stdout,
        "html.parser",
    )
    body = dom.find("body")
    assert isinstance(body, Tag) and body.get("data-ready") == "1"
    figures = {name: int(str(body.get(f"data-{name}"))) for name in
               ("failing-top", "fix-top", "hosts-top", "url-width", "page-width")}  # fmt: skip
    assert figures["page-width"] <= width
    # The first failing link and the files to fix are on the first screen.
    assert figures["failing-top"] < 450, figures
    assert figures["fix-top"] < 900, figures
    assert figures["hosts-top"] > figures["fix-top"]
    # A URL column wide enough to read a path, not a few characters per line.
    assert figures["url-width"] >= min(340, width * 0.4), figures
