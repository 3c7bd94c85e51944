"""The run's spool: reports alike in memory and on disk, order, privacy, cleanup, flat memory.

:func:`rich_run` grows the HTML report's sample run (one of everything a report
shows) into many files, with what only a big run has: a URL whose rows disagree,
refreshed fields, lone findings, ties in every sort.  The same records are
rendered from a spool that stays in memory and from one that spilled to disk
after a few records; every format must come out byte for byte the same.
"""

from __future__ import annotations

import gc
import os
import stat
import tempfile
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from crawler.checks.findings import Finding
from crawler.enrich.results import FieldResult
from crawler.errors import StorageError
from crawler.outcomes import LinkResult, Result
from crawler.reports import RENDERERS, write_to
from crawler.reports import summary as summary_report
from crawler.run import spool as spool_module
from crawler.run.records import CrawlRun, FileOutcome, LinkRow
from crawler.run.spool import Spool
from tests.test_html_report import GONE, sample_run

FORMATS = [".json", ".csv", ".md", ".html", ".xml"]


def _elsewhere(row: LinkRow, name: str) -> LinkRow:
    link = replace(row.link, url=f"{GONE}/{name}", final_url=f"{GONE}/{name}")
    return replace(row, result=replace(row.result, link=link))


def rich_run(copies: int = 40, *, spill_after: int | None = None) -> CrawlRun:
    """``copies`` of the sample run's files, filed out of order as a crawl would."""
    sample = sample_run()
    files, links = list(sample.files), list(sample.links)
    run = CrawlRun(
        sample.started_at,
        sample.finished_at,
        run_id=sample.run_id,
        history=sample.history,
        trend=sample.trend,
        spill_after=spill_after,
    )
    places = list(range(copies * len(files)))
    # Files finish out of order; the reports list them by place all the same.
    order = places[1::2][::-1] + places[::2]
    for place in order:
        copy, which = divmod(place, len(files))
        outcome = files[which]
        name = f"articles/{copy:03d}-{Path(outcome.file).name}"
        if copy % 3 == 0 and outcome.status == "enriched":
            outcome = replace(outcome, refreshed=("title", "images[0].width"))
        if copy % 5 == 0 and outcome.status == "enriched":
            lone = Finding("amp-invalid", "cdnAmpWebUrl", f"copy {copy} has no AMP cache URL")
            outcome = replace(outcome, findings=(*outcome.findings, lone))
        rows = [replace(row, file=name) for row in links if row.file == outcome.file]
        if copy % 3:  # more URLs not ok than the terminal lists, some with a history
            rows = [_elsewhere(row, name) if row.link.url == GONE else row for row in rows]
        if copy % 4 == 1 and rows:  # the same URL, another result in this file
            changed = replace(rows[0].link, result=Result.ERROR, detail="connection reset")
            rows[0] = LinkRow(name, rows[0].field, FieldResult(changed))
        run.files[place] = (replace(outcome, file=name), f"--- {name}\n" if copy % 7 else "")
        run.links[place] = rows
    return run


def _render(run: CrawlRun) -> dict[str, str]:
    reports = {ext: RENDERERS[ext](run) for ext in FORMATS}
    reports["summary"] = summary_report.render(run)
    reports["diffs"] = "".join(run.diffs)
    return reports


def test_every_report_is_the_same_from_a_spool_in_memory_and_on_disk() -> None:
    with rich_run() as held, rich_run(spill_after=5) as spilled:
        assert held.spool.folder is None
        assert spilled.spool.folder is not None and spilled.spool.folder.is_dir()
        in_memory, on_disk = _render(held), _render(spilled)
    for name, text in in_memory.items():
        assert on_disk[name] == text, name
    assert "more URLs (see --report)" in in_memory["summary"]
    assert in_memory["diffs"].startswith("--- articles/001-a.md\n--- articles/001-b.md\n")


def test_reports_list_files_by_place_and_links_by_file_then_field() -> None:
    with rich_run(copies=3, spill_after=2) as run:
        files = [outcome.file for outcome in run.files]
        assert files == sorted(files)
        rows = [(row.file, row.field) for row in run.links]
        sample = [(row.file, row.field) for row in sample_run().links]
        expected = [
            (f"articles/{copy:03d}-{Path(file).name}", field)
            for copy in range(3)
            for file, field in sample
        ]
        assert rows == expected


def test_filing_a_file_again_replaces_its_outcome_and_rows() -> None:
    link = LinkResult("https://a.example/", Result.OK)
    with CrawlRun(sample_run().started_at, spill_after=1) as run:
        run.files[0] = (FileOutcome("a.md", "rejected", "interrupted"), None)
        run.links[0] = [
            LinkRow("a.md", "webUrl", FieldResult(link)),
            LinkRow("a.md", "x", FieldResult(link)),
        ]
        run.files[0] = (FileOutcome("a.md", "enriched"), None)
        run.links[0] = [LinkRow("a.md", "webUrl", FieldResult(link))]
        assert [outcome.status for outcome in run.files] == ["enriched"]
        assert [row.field for row in run.links] == ["webUrl"]


def test_the_spool_on_disk_is_private_and_removed_when_closed() -> None:
    run = rich_run(copies=2, spill_after=3)
    folder = run.spool.folder
    assert folder is not None
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (database,) = folder.iterdir()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    run.close()
    assert not folder.exists()


def test_the_spool_is_removed_when_the_reports_fail() -> None:
    folder = None
    with pytest.raises(ZeroDivisionError), rich_run(copies=2, spill_after=3) as run:
        folder = run.spool.folder
        assert folder is not None and folder.exists()
        _ = 1 / 0
    assert folder is not None and not folder.exists()


def test_a_spool_nobody_closed_is_removed_when_it_is_dropped() -> None:
    spool = Spool(spill_after=0)
    spool.files.append(FileOutcome("a.md", "enriched"))
    folder = spool.folder
    assert folder is not None and folder.exists()
    del spool
    gc.collect()
    assert not folder.exists()


def test_a_forked_child_never_removes_its_parents_spool() -> None:
    with Spool(spill_after=0) as spool:
        spool.files.append(FileOutcome("a.md", "enriched"))
        folder = spool.folder
        assert folder is not None
        child = os.fork()
        if child == 0:  # pragma: no cover - the child only closes its copy and leaves
            spool.close()
            os._exit(0)
        os.waitpid(child, 0)
        assert folder.exists()
        assert [outcome.file for outcome in spool.files] == ["a.md"]
    assert not folder.exists()


def test_a_spool_that_cannot_spill_names_the_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no such folder"
    monkeypatch.setattr(tempfile, "tempdir", str(missing))
    with Spool(spill_after=1) as spool:
        spool.files.append(FileOutcome("a.md", "enriched"))
        with pytest.raises(StorageError, match=r"no such folder.*cannot spool.*TMPDIR"):
            spool.files.append(FileOutcome("b.md", "enriched"))


def _rows(number: int, start: int) -> list[LinkRow]:
    rows = []
    for index in range(start, start + number):
        link = LinkResult(
            f"https://host{index % 50}.example/page/{index}",
            Result.BROKEN if index % 20 == 0 else Result.OK,
            200,
            None,
            0,
            1,
            index % 900,
        )
        rows.append(LinkRow(f"articles/{index // 4:06d}.md", f"related[{index % 4}].webUrl",
                            FieldResult(link)))  # fmt: skip
    return rows


def _grow(run: CrawlRun, rows: int, start: int) -> None:
    for first in range(start, start + rows, 4):
        run.files[first // 4] = (FileOutcome(f"articles/{first // 4:06d}.md", "enriched"), None)
        run.links[first // 4] = _rows(4, first)


def test_python_memory_stays_flat_as_rows_pass_the_threshold() -> None:
    with CrawlRun(sample_run().started_at, spill_after=500) as run:
        _grow(run, 2_000, 0)  # past the threshold, and every code path warmed
        assert run.spool.folder is not None
        gc.collect()
        tracemalloc.start()
        try:
            objects = len(gc.get_objects())
            before, _ = tracemalloc.get_traced_memory()
            _grow(run, 5_000, 2_000)
            gc.collect()
            after, _ = tracemalloc.get_traced_memory()
            grown = len(gc.get_objects()) - objects
        finally:
            tracemalloc.stop()
        assert len(run.links) == 7_000
        # And SQLite's own memory is a bounded page cache: the rows went to the file.
        (database,) = run.spool.folder.iterdir()
        assert database.stat().st_size > 5_000 * 300
        assert after - before < 64 * 1024, "Python memory grew with the rows"
        assert grown < 50, f"{grown} more objects held"


def _peak(run: CrawlRun, ext: str) -> int:
    class Sink:
        def write(self, text: str) -> int:
            return len(text)

    gc.collect()
    tracemalloc.start()
    try:
        write_to(run, RENDERERS[ext], Sink())  # type: ignore[arg-type]
        summary_report.render(run)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("ext", [".json", ".csv", ".xml"])
def test_reports_listing_every_row_stream_them(ext: str) -> None:
    with (
        CrawlRun(sample_run().started_at, spill_after=100) as small,
        CrawlRun(sample_run().started_at, spill_after=100) as big,
    ):
        _grow(small, 1_000, 0)
        _grow(big, 4_000, 0)
        assert _peak(big, ext) < 1.5 * _peak(small, ext) + 256 * 1024


def _spools(folder: Path) -> list[Path]:
    return [path for path in folder.iterdir() if path.name.startswith("crawler-spool-")]


def _watch_spills(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders the spools of the test spill to, as they are made."""
    made: list[Path] = []
    spill = Spool._spill

    def watched(self: Spool) -> None:
        spill(self)
        assert self.folder is not None
        made.append(self.folder)

    monkeypatch.setattr(Spool, "_spill", watched)
    return made


def test_a_crawl_leaves_no_spool_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.cli import main

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(spool_module, "SPILL_AFTER", 0)
    spilled = _watch_spills(monkeypatch)
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: A\nwebUrl: not a url\n---\nbody\n", encoding="utf-8")
    report = tmp_path / "r.json"
    assert main(["crawl", str(article), "--no-state", "--report", str(report), "-q"]) == 1
    assert '"invalid": 1' in report.read_text(encoding="utf-8")
    assert spilled and _spools(scratch) == []


class _Broken:
    def info(self, *args: object) -> None:
        raise RuntimeError("the crawl failed after spooling its rows")


def test_a_crawl_that_fails_leaves_no_spool_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crawler import pipeline
    from crawler.cli import main

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(spool_module, "SPILL_AFTER", 0)
    spilled = _watch_spills(monkeypatch)
    monkeypatch.setattr(pipeline, "log", _Broken())  # its line after the last file is spooled
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: A\nwebUrl: not a url\n---\nbody\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="after spooling"):
        main(["crawl", str(article), "--no-state", "-q"])
    assert spilled and _spools(scratch) == []
