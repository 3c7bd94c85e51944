"""The JUnit XML report, for CI: one test case per link row, failing as a reader would want.

    <testsuites name="feed-crawler" tests= failures= errors="0" skipped= time=>
      <testsuite name="feed-crawler" ...same counts... timestamp=>
        <testcase classname=FILE name=FIELD time=>   one per (file, field) of the links list
          <failure type=RESULT message=...>          the link fails (Result.is_failure), its
                                                     image is not valid or not the declared
                                                     size, or a finding names the field
          <skipped message=.../>                     the link was skipped by policy
        <testcase classname=FILE name="front matter">  a file that was not processed:
          <failure type="rejected">, or <skipped/> for a file without front matter

A finding whose field is not a URL field of the file (an AMP check on a missing
``ampWebUrl``...) gets a test case of its own, named after that field.  CI tools
(GitLab, Jenkins, GitHub test reporters) read both the wrapper and the suite.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import TextIO

from crawler.checks.findings import Finding
from crawler.outcomes import Result
from crawler.reports.model import image_problem
from crawler.run.records import CrawlRun, LinkRow, utc_stamp

SUITE = "feed-crawler"
FRONT_MATTER = "front matter"  # the test case name of a file-level outcome
_PLACE = "cases-go-here"  # a placeholder element while the suite is laid out

# Characters XML 1.0 cannot carry at all; a URL or detail holding one is still reported.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Case:
    """One test case: where it is, and why it failed or was skipped (nothing when it passed)."""

    file: str
    name: str
    seconds: float = 0.0
    failures: tuple[str, ...] = ()  # one line each; the first kind names the failure type
    kind: str = ""  # the failure type: a result class, "image", a finding code, "rejected"
    skipped: str | None = None
    details: tuple[str, ...] = ()  # the failure's body text


def _clean(value: object) -> str:
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def _since(run: CrawlRun, url: str) -> str | None:
    history = run.history.get(url)
    if history is None or history.first_failed_at is None:
        return None
    streak = history.consecutive_failures
    return f"failing since {utc_stamp(history.first_failed_at)} ({streak} runs in a row)"


def _link_case(run: CrawlRun, row: LinkRow, findings: Sequence[Finding]) -> Case:
    link = row.link
    failures: list[str] = []
    kind = ""
    if link.result.is_failure:
        status = "" if link.status is None else f" {link.status}"
        failures.append(f"{link.result.value}{status}: {link.detail or link.url}")
        kind = link.result.value
    problem = image_problem(row)
    if problem is not None:
        failures.append(f"image: {problem}")
        kind = kind or "image"
    for item in findings:
        failures.append(f"{item.code}: {item.detail}")
        kind = kind or item.code
    details = [f"url: {link.url}"]
    if link.final_url and link.final_url != link.url:
        details.append(f"final url: {link.final_url} after {link.redirects} redirects")
    since = _since(run, link.url) if link.result.is_failure else None
    details += [since] if since else []
    skipped = None
    if link.result is Result.SKIPPED and not failures:
        skipped = f"skipped: {link.detail or 'by policy'}"
    return Case(
        row.file, row.field, link.elapsed_ms / 1000, tuple(failures), kind, skipped, tuple(details)
    )


def cases(run: CrawlRun) -> Iterator[Case]:
    """Every test case of the run: link rows in order, then lone findings, then files."""
    findings: dict[tuple[str, str], list[Finding]] = {}
    for outcome in run.files.where("findings"):
        for item in outcome.findings:
            findings.setdefault((outcome.file, item.field), []).append(item)
    for row in run.links:
        yield _link_case(run, row, findings.pop((row.file, row.field), []))
    for (file, field), items in findings.items():
        lines = tuple(f"{item.code}: {item.detail}" for item in items)
        yield Case(file, field, failures=lines, kind=items[0].code)
    for outcome in run.files.where("unprocessed"):
        reason = outcome.error or outcome.status
        if outcome.status == "rejected":
            yield Case(
                outcome.file, FRONT_MATTER, failures=(f"rejected: {reason}",), kind="rejected"
            )
        else:
            yield Case(outcome.file, FRONT_MATTER, skipped=reason)


def _element(case: Case) -> ET.Element:
    element = ET.Element(
        "testcase", classname=_clean(case.file), name=_clean(case.name), time=f"{case.seconds:.3f}"
    )
    if case.failures:
        failure = ET.SubElement(
            element, "failure", message=_clean("; ".join(case.failures)), type=_clean(case.kind)
        )
        failure.text = _clean("\n".join([*case.failures, *case.details]))
    elif case.skipped is not None:
        ET.SubElement(element, "skipped", message=_clean(case.skipped))
    return element


def render(run: CrawlRun) -> str:
    buffer = io.StringIO()
    write(run, buffer)
    return buffer.getvalue()


def write(run: CrawlRun, out: TextIO) -> None:
    """The report into ``out``, case by case: the bytes ``ET.indent`` gives the whole tree.

    The cases are read twice (the suite's counts come first), never held together.
    """
    tests = failures = skipped = 0
    for case in cases(run):
        tests += 1
        failures += bool(case.failures)
        skipped += case.skipped is not None and not case.failures
    finished = run.finished_at or run.started_at
    counts = {
        "tests": str(tests),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(skipped),
        "time": f"{(finished - run.started_at).total_seconds():.3f}",
    }
    root = ET.Element("testsuites", {"name": SUITE, **counts})
    stamp = run.started_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    suite = ET.SubElement(root, "testsuite", {"name": SUITE, "timestamp": stamp, **counts})
    if run.run_id is not None:
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="runId", value=str(run.run_id))
    if tests:
        ET.SubElement(suite, _PLACE)  # where the cases go, indented as a case would be
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    head, _, tail = text.partition(f"<{_PLACE} />")
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n' + head)
    for number, case in enumerate(cases(run)):
        element = _element(case)
        ET.indent(element, level=2)
        out.write(("" if number == 0 else "\n    ") + ET.tostring(element, encoding="unicode"))
    out.write(tail + "\n")
