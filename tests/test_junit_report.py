"""The JUnit XML report: well-formed, one test case per link row, counts that add up."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_html_report import GONE, STARTED, sample_run

from crawler.checks.findings import Finding
from crawler.enrich.results import FieldResult
from crawler.errors import UsageError
from crawler.outcomes import LinkResult, Result
from crawler.reports import check_report_path, junit_report, write_report
from crawler.run.records import CrawlRun, FileOutcome, LinkRow


def _parse(run: CrawlRun) -> ET.Element:
    root = ET.fromstring(junit_report.render(run))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "feed-crawler"
    for name in ("tests", "failures", "errors", "skipped", "time"):
        assert root.get(name) == suite.get(name), name
    return suite


def _cases(suite: ET.Element) -> dict[tuple[str | None, str | None], ET.Element]:
    return {(case.get("classname"), case.get("name")): case for case in suite.iter("testcase")}


def test_counts_match_the_test_cases() -> None:
    suite = _parse(sample_run())
    cases = list(suite.iter("testcase"))
    # 10 link rows + the rejected and the skipped file
    assert suite.get("tests") == str(len(cases)) == "12"
    assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None))
    assert suite.get("skipped") == str(sum(1 for c in cases if c.find("skipped") is not None))
    assert (suite.get("failures"), suite.get("skipped"), suite.get("errors")) == ("9", "2", "0")
    assert suite.get("time") == "12.000"
    assert suite.get("timestamp") == "2024-05-06T07:00:00"
    prop = suite.find("properties/property")
    assert prop is not None and prop.attrib == {"name": "runId", "value": "3"}


def test_a_failing_link_fails_with_its_result_class_and_streak() -> None:
    cases = _cases(_parse(sample_run()))
    failure = cases[("articles/b.md", "originalUrl")].find("failure")
    assert failure is not None
    assert failure.get("type") == "broken"
    assert failure.get("message") == "broken 404: 404 Not Found"
    assert f"url: {GONE}" in (failure.text or "")
    assert "failing since 2024-05-01T12:00:00Z (3 runs in a row)" in (failure.text or "")


def test_an_ok_link_passes_and_a_skipped_one_is_skipped() -> None:
    cases = _cases(_parse(sample_run()))
    assert list(cases[("articles/a.md", "originalUrl")]) == []
    skipped = cases[("articles/b.md", "ampWebUrl")].find("skipped")
    assert skipped is not None and skipped.get("message") == "skipped: robots.txt"


@pytest.mark.parametrize(
    "field, kind, message",
    [
        pytest.param(
            "images[0].url", "image", "image: declared 100x100, shown 800x600 (jpeg)", id="size"
        ),
        pytest.param(
            "images[1].url", "image", "image: not an image: looks like an HTML page", id="invalid"
        ),
        pytest.param(
            "webUrl", "soft-404", "soft-404: the title says 'Page not found'", id="soft-404"
        ),
    ],
)
def test_image_problems_and_findings_fail_an_ok_link(field: str, kind: str, message: str) -> None:
    failure = _cases(_parse(sample_run()))[("articles/a.md", field)].find("failure")
    assert failure is not None
    assert (failure.get("type"), failure.get("message")) == (kind, message)


def test_a_finding_joins_the_failure_of_its_link() -> None:
    failure = _cases(_parse(sample_run()))[("articles/a.md", "ampWebUrl")].find("failure")
    assert failure is not None and failure.get("type") == "blocked"
    assert failure.get("message") == (
        "blocked 403: 403 <Forbidden>; amp-missing: the page names no AMP version"
    )


def test_a_finding_on_a_field_without_a_link_gets_its_own_case() -> None:
    run = CrawlRun(
        started_at=STARTED,
        files=[
            FileOutcome("a.md", "enriched", findings=(Finding("amp-missing", "ampWebUrl", "x"),))
        ],
    )
    suite = _parse(run)
    failure = _cases(suite)[("a.md", "ampWebUrl")].find("failure")
    assert failure is not None and failure.get("type") == "amp-missing"
    assert (suite.get("tests"), suite.get("failures")) == ("1", "1")


def test_files_not_processed_fail_or_are_skipped() -> None:
    cases = _cases(_parse(sample_run()))
    rejected = cases[("articles/bad.md", "front matter")].find("failure")
    assert rejected is not None and rejected.get("type") == "rejected"
    assert rejected.get("message") == "rejected: YAML error at line 3, column 33"
    assert cases[("articles/plain.md", "front matter")].find("skipped") is not None


def test_values_xml_cannot_carry_still_give_well_formed_xml() -> None:
    url = "https://example.com/a\x00b<&>\"'\x1b"
    link = LinkResult(url, Result.ERROR, detail="reset \x07 by peer")
    run = CrawlRun(
        started_at=STARTED, links=[LinkRow("we<ird>\x01.md", "webUrl", FieldResult(link))]
    )
    (case,) = _parse(run).iter("testcase")
    assert case.get("classname") == "we<ird>\ufffd.md"
    failure = case.find("failure")
    assert failure is not None and failure.get("message") == "error: reset \ufffd by peer"
    assert "url: https://example.com/a\ufffdb<&>\"'\ufffd" in (failure.text or "")


def test_an_empty_run_is_an_empty_suite() -> None:
    suite = _parse(CrawlRun(started_at=STARTED))
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("0", "0", "0")


@pytest.mark.parametrize("name", ["report.xml", "report.junit.xml", "REPORT.JUNIT.XML"])
def test_report_files_ending_in_xml_are_junit(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    write_report(sample_run(), path)
    assert ET.parse(path).getroot().tag == "testsuites"


@pytest.mark.parametrize("name", ["report.txt", "xml", ".xml"])
def test_other_report_names_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="unknown format"):
        check_report_path(Path(name))
