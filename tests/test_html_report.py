"""The HTML report: sections and figures, escaping, no external resource, the SVG charts.

:func:`sample_run` builds a CrawlRun by hand with one of everything the report
shows; the JUnit and browser tests use it too.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup, Tag

from crawler.checks.findings import Finding
from crawler.checks.image_probe import ImageProbe
from crawler.checks.images import ImageInfo
from crawler.checks.staleness import Staleness
from crawler.enrich.results import FieldResult
from crawler.outcomes import LinkResult, Result
from crawler.read.article import DeclaredSize
from crawler.reports import html_report
from crawler.reports.hosts import NO_HOST, host_figures
from crawler.reports.model import summarize
from crawler.run.records import CrawlRun, FileOutcome, LinkRow
from crawler.state.store import RunRecord, UrlHistory

STARTED = datetime(2024, 5, 6, 7, 0, tzinfo=UTC)
GONE = "https://news.example/gone"
HOSTILE = "https://amp.example/<script>alert(1)</script>"
FAILING_SINCE = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _row(
    file: str,
    field: str,
    link: LinkResult,
    image: ImageProbe | None = None,
    declared: DeclaredSize | None = None,
) -> LinkRow:
    return LinkRow(file, field, FieldResult(link, image, declared))


def sample_run(*, trend: bool = True) -> CrawlRun:
    """Four files (one rejected, one without front matter) naming one URL of each kind."""
    ok = LinkResult("https://news.example/a", Result.OK, 200, "https://news.example/a", 0, 1, 40)
    moved = LinkResult(
        "http://news.example/old", Result.OK, 200, "https://news.example/new", 2, 1, 120
    )
    gone = LinkResult(GONE, Result.BROKEN, 404, GONE, 0, 1, 30, "404 Not Found")
    walled = LinkResult(HOSTILE, Result.BLOCKED, 403, HOSTILE, 0, 1, 55, "403 <Forbidden>")
    slow = LinkResult("https://slow.example/x", Result.TIMEOUT, None, None, 0, 3, 9000, "timed out")
    skipped = LinkResult("https://private.example/y", Result.SKIPPED, detail="robots.txt")
    invalid = LinkResult("not a url", Result.INVALID, detail="not an absolute http(s) URL")
    photo = LinkResult("https://cdn.example/a.jpg", Result.OK, 200, "https://cdn.example/a.jpg")
    fake = LinkResult("https://cdn.example/b.jpg", Result.OK, 200, "https://cdn.example/b.jpg")
    mismatch = ImageProbe(ImageInfo("jpeg", 800, 600), None, 1024, 1)
    not_image = ImageProbe(None, "not an image: looks like an HTML page", 512, 1)
    run = CrawlRun(
        started_at=STARTED,
        finished_at=STARTED + timedelta(seconds=12),
        files=[
            FileOutcome(
                "articles/a.md",
                "enriched",
                stale=(Staleness("title", "Old <b>title</b>", "New title"),),
                findings=(
                    Finding("soft-404", "webUrl", "the title says 'Page not found'"),
                    Finding("amp-missing", "ampWebUrl", "the page names no AMP version"),
                ),
            ),
            FileOutcome("articles/b.md", "enriched"),
            FileOutcome("articles/bad.md", "rejected", "YAML error at line 3, column 33"),
            FileOutcome("articles/plain.md", "skipped", "no front matter"),
        ],
        links=[
            _row("articles/a.md", "originalUrl", ok),
            _row("articles/a.md", "webUrl", moved),
            _row("articles/a.md", "ampWebUrl", walled),
            _row(
                "articles/a.md",
                "images[0].url",
                photo,
                image=mismatch,
                declared=DeclaredSize(100, 100),
            ),
            _row("articles/a.md", "images[1].url", fake, image=not_image),
            _row("articles/a.md", "related[0].webUrl", gone),
            _row("articles/b.md", "originalUrl", gone),
            _row("articles/b.md", "webUrl", slow),
            _row("articles/b.md", "ampWebUrl", skipped),
            _row("articles/b.md", "related[0].webUrl", invalid),
        ],
        run_id=3,
        history={
            GONE: UrlHistory(GONE, FAILING_SINCE, FAILING_SINCE, 3, None, Result.BROKEN),
        },
    )
    if trend:
        run.trend = [
            RunRecord(2, STARTED - timedelta(hours=6), None, {}, {"ok": 5, "broken": 2}),
            RunRecord(1, STARTED - timedelta(hours=12), None, {}, {"ok": 6, "timeout": 1}),
        ]
    return run


def _soup(run: CrawlRun) -> BeautifulSoup:
    return BeautifulSoup(html_report.render(run), "html.parser")


def _table(soup: BeautifulSoup, name: str) -> list[list[str]]:
    table = soup.find("table", id=f"{name}-table")
    assert isinstance(table, Tag), f"no {name} table"
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
        for row in table.find_all("tr")
        if row.find("td")
    ]


def test_every_section_is_there_even_when_empty() -> None:
    soup = _soup(CrawlRun(started_at=STARTED))
    sections = [section["id"] for section in soup.find_all("section")]
    # What to fix first (issue 11.10); the figures after.
    assert sections == [
        "summary",
        "failing",
        "unprocessed",
        "images",
        "redirects",
        "stale",
        "findings",
        "charts",
        "hosts",
    ]
    assert soup.select_one("#failing .empty") is not None


def test_summary_counts_distinct_urls_per_result_class() -> None:
    run = sample_run()
    counts = {name: int(count) for name, count in _table(_soup(run), "summary")}
    assert counts == summarize(run).by_result
    assert counts == {
        "ok": 4,
        "broken": 1,
        "blocked": 1,
        "timeout": 1,
        "error": 0,
        "invalid": 1,
        "skipped": 1,
    }


def test_failing_links_name_their_files_and_since_when_they_fail() -> None:
    rows = {row[2]: row for row in _table(_soup(sample_run()), "failing")}
    assert set(rows) == {
        GONE,
        HOSTILE,
        "https://slow.example/x",
        "not a url",
        "https://private.example/y",
    }
    gone = rows[GONE]
    assert gone[0] == "broken" and gone[1] == "404"
    assert "articles/a.md: related[0].webUrl" in gone[3]
    assert "articles/b.md: originalUrl" in gone[3]
    assert gone[5:] == ["2024-05-01T12:00:00Z", "3"]
    assert rows[HOSTILE][5:] == ["—", "—"]  # no history for this URL


def test_rows_carry_their_result_class_for_the_filter() -> None:
    soup = _soup(sample_run())
    kinds = [row["data-result"] for row in soup.select("#failing-table tbody tr")]
    assert sorted(kinds) == ["blocked", "broken", "invalid", "skipped", "timeout"]
    options = [option["value"] for option in soup.select("#filter-result option")]
    assert options == ["", *(result.value for result in Result)]


def test_redirects_show_the_stored_and_the_final_url() -> None:
    rows = _table(_soup(sample_run()), "redirects")
    assert rows == [
        ["http://news.example/old", "https://news.example/new", "2", "articles/a.md: webUrl"]
    ]


def test_images_stale_fields_findings_and_unprocessed_files_are_listed() -> None:
    soup = _soup(sample_run())
    images = _table(soup, "images")
    assert [row[3] for row in images] == ["images[0].url", "images[1].url"]
    assert images[0][0].startswith("declared 100x100, shown 800x600")
    assert images[1][0] == "not an image: looks like an HTML page"
    assert _table(soup, "stale") == [["articles/a.md", "title", "Old <b>title</b>", "New title"]]
    assert [row[0] for row in _table(soup, "findings")] == ["amp-missing", "soft-404"]
    assert _table(soup, "unprocessed") == [
        ["articles/bad.md", "rejected", "YAML error at line 3, column 33"],
        ["articles/plain.md", "skipped", "no front matter"],
    ]


def test_hosts_table_counts_urls_failures_and_timings() -> None:
    rows = {row[0]: row for row in _table(_soup(sample_run()), "hosts")}
    assert rows["news.example"][1:5] == ["3", "1", "40", "120"]
    assert rows["slow.example"][1:5] == ["1", "1", "9000", "9000"]
    assert rows["private.example"][1:5] == ["1", "0", "—", "—"]  # skipped: no request
    assert rows[NO_HOST][1:3] == ["1", "1"]


def test_host_figures_take_the_median_of_requested_urls_only() -> None:
    run = CrawlRun(started_at=STARTED)
    for index, elapsed in enumerate([10, 30, 20, 1000]):
        link = LinkResult(f"https://h.example/{index}", Result.OK, 200, None, 0, 1, elapsed)
        run.links.append(_row("a.md", f"related[{index}].webUrl", link))
    run.links.append(_row("a.md", "webUrl", LinkResult("https://h.example/s", Result.SKIPPED)))
    (figures,) = host_figures(run)
    assert (figures.urls, figures.failures, figures.median_ms, figures.slowest_ms) == (
        5,
        0,
        25,
        1000,
    )
    assert figures.slowest_url == "https://h.example/3"


def test_values_from_the_run_are_escaped() -> None:
    page = html_report.render(sample_run())
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>title</b>" not in page and "403 <Forbidden>" not in page
    soup = BeautifulSoup(page, "html.parser")
    assert len(soup.find_all("script")) == 1  # only the report's own
    assert HOSTILE in soup.get_text()


def test_only_http_values_become_links() -> None:
    run = CrawlRun(started_at=STARTED)
    run.links.append(
        _row("a.md", "webUrl", LinkResult("javascript:alert(1)", Result.INVALID, detail="no"))
    )
    soup = _soup(run)
    assert soup.select("#failing-table a") == []
    assert "javascript:alert(1)" in soup.get_text()


def test_the_page_fetches_nothing() -> None:
    soup = _soup(sample_run())
    assert soup.find("link") is None
    assert all(not script.get("src") for script in soup.find_all("script"))
    for tag in soup.find_all(True):
        for attribute in ("src", "srcset", "data", "poster", "action", "formaction"):
            assert attribute not in tag.attrs, tag.name
        href = tag.get("href")
        if href is not None:
            # The only URLs are the checked links, as anchors in table cells.
            assert tag.name == "a" and tag.find_parent("td") is not None, tag
    style = soup.find("style")
    assert isinstance(style, Tag) and "url(" not in style.get_text()
    assert "@import" not in style.get_text()


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_content_security_policy_allows_exactly_the_inline_style_and_script() -> None:
    soup = _soup(sample_run())
    meta = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert isinstance(meta, Tag)
    policy = dict(
        (part.split()[0], part.split()[1:]) for part in str(meta["content"]).split(";") if part
    )
    assert policy["default-src"] == ["'none'"]
    style, script = soup.find("style"), soup.find("script")
    assert isinstance(style, Tag) and isinstance(script, Tag)
    assert policy["style-src"] == [_digest(style.get_text())]
    assert policy["script-src"] == [_digest(script.get_text())]


def _bars(soup: BeautifulSoup, chart: str) -> list[Tag]:
    return soup.select(f"#{chart} svg g.bar")


def test_the_trend_chart_has_one_bar_per_run_oldest_first() -> None:
    bars = _bars(_soup(sample_run()), "trend-chart")
    assert [bar["data-label"] for bar in bars] == ["#1", "#2", "#3"]
    assert [bar["data-total"] for bar in bars] == ["7", "7", "9"]
    # one rect per non-zero result class, coloured by class
    assert [rect["data-series"] for rect in bars[0].find_all("rect")] == ["ok", "timeout"]


def test_the_trend_chart_dates_each_run_and_keeps_a_few_failures_visible() -> None:
    run = sample_run()
    run.trend = [RunRecord(2, STARTED - timedelta(hours=6), None, {}, {"ok": 5000, "broken": 2})]
    bars = _bars(_soup(run), "trend-chart")
    notes = [[text.get_text() for text in bar.find_all("text", class_="note")] for bar in bars]
    assert notes == [["05-06", "01:00"], ["05-06", "07:00"]]
    broken = bars[0].find("rect", attrs={"data-series": "broken"})
    assert float(broken["height"]) >= 5  # 2 of 5002 would be a 0.06 px sliver


def test_without_earlier_runs_the_trend_chart_shows_this_run() -> None:
    run = sample_run(trend=False)
    run.run_id = None
    bars = _bars(_soup(run), "trend-chart")
    assert [bar["data-label"] for bar in bars] == ["this run"]


def test_the_host_chart_shows_the_fifteen_hosts_with_most_urls() -> None:
    run = CrawlRun(started_at=STARTED)
    for host in range(20):
        for page in range(host + 1):
            link = LinkResult(f"https://h{host:02}.example/{page}", Result.OK, 200, None, 0, 1, 5)
            run.links.append(_row("a.md", f"related[{page}].webUrl", link))
    bars = _bars(_soup(run), "hosts-chart")
    assert len(bars) == html_report.CHART_HOSTS == 15
    assert [bar["data-label"] for bar in bars][:2] == ["h19.example", "h18.example"]
    assert bars[0]["data-total"] == "20"
    # every host is still in the table
    assert len(_table(_soup(run), "hosts")) == 20


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param(None, "—", id="none"),
        pytest.param(0, "0", id="zero"),
        pytest.param(1234, "1234", id="number"),
    ],
)
def test_number_cells_sort_as_numbers(value: int | None, expected: str) -> None:
    cell = BeautifulSoup(html_report.number(value), "html.parser").td
    assert cell is not None and cell.get_text() == expected
    numeric = re.fullmatch(r"\d+", expected) is not None
    assert ("data-sort" in cell.attrs) is not numeric
