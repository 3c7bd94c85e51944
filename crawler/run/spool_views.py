"""The spool as the reports read it: ``run.files`` and ``run.links``.

Each is a collection in report order (iterate it, take its ``len``, ``append`` to it,
or file a file's records under its place in the run with ``[place] = ...``), plus
the subsets and figures the reports need, selected and counted by SQL over the
spool (:mod:`crawler.run.spool`) so that no report holds every row.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Final, Literal

from crawler.outcomes import Result

if TYPE_CHECKING:
    from crawler.run.records import FileOutcome, LinkRow
    from crawler.run.spool import Spool

RANK: Final = {result: rank for rank, result in enumerate(Result)}  # the reports' order
OK: Final = RANK[Result.OK]

FileSubset = Literal["all", "unprocessed", "findings", "stale", "refreshed"]
LinkSubset = Literal["all", "images", "redirected"]

_FILES_WHERE: Final[dict[FileSubset, str]] = {
    "all": "",
    "unprocessed": "WHERE status IN ('rejected', 'skipped')",
    "findings": "WHERE findings > 0",
    "stale": "WHERE stale > 0",
    "refreshed": "WHERE refreshed > 0",
}
_LINKS_WHERE: Final[dict[LinkSubset, str]] = {
    "all": "",
    "images": "WHERE image = 2 OR (image = 1 AND NOT sound)",  # not valid, or not as declared
    "redirected": "WHERE moved",
}


class Files:
    """The run's file outcomes, by place in the run: ``run.files``."""

    def __init__(self, spool: Spool) -> None:
        self._spool = spool

    def append(self, outcome: FileOutcome) -> None:
        self._spool.put_file(None, outcome, None)

    def __setitem__(self, place: int, item: tuple[FileOutcome, str | None]) -> None:
        """The file at ``place`` in the run: its outcome and its diff (``--dry-run``)."""
        self._spool.put_file(place, *item)

    def __iter__(self) -> Iterator[FileOutcome]:
        return self.where("all")

    def __len__(self) -> int:
        return self.count("all")

    def where(self, subset: FileSubset) -> Iterator[FileOutcome]:
        """The outcomes of one subset (files not processed, with findings...), in order."""
        sql = f"SELECT outcome FROM files {_FILES_WHERE[subset]} ORDER BY place"
        for (blob,) in self._spool.query(sql):
            yield pickle.loads(blob)

    def count(self, subset: FileSubset) -> int:
        (count,) = self._spool.query(
            f"SELECT COUNT(*) FROM files {_FILES_WHERE[subset]}"
        ).fetchone()
        return int(count)

    def statuses(self) -> Counter[str]:
        rows = self._spool.query("SELECT status, COUNT(*) FROM files GROUP BY status")
        return Counter({status: count for status, count in rows})

    def diffs(self) -> Iterator[str]:
        """The ``--dry-run`` diffs, file by file (files left as they were have none)."""
        for (blob,) in self._spool.query(
            "SELECT diff FROM files WHERE diff IS NOT NULL ORDER BY place"
        ):
            diff: str = pickle.loads(blob)
            if diff:
                yield diff


class Links:
    """The run's link rows, by file then field: ``run.links``."""

    def __init__(self, spool: Spool) -> None:
        self._spool = spool

    def append(self, row: LinkRow) -> None:
        self._spool.put_links(None, [row])

    def __setitem__(self, place: int, rows: Sequence[LinkRow]) -> None:
        """The link rows of the file at ``place`` in the run, in field order."""
        self._spool.put_links(place, rows)

    def __iter__(self) -> Iterator[LinkRow]:
        return self.where("all")

    def __len__(self) -> int:
        (count,) = self._spool.query("SELECT COUNT(*) FROM links").fetchone()
        return int(count)

    def where(self, subset: LinkSubset) -> Iterator[LinkRow]:
        """The rows of one subset (image problems, redirected), in order."""
        sql = (
            "SELECT row FROM link_rows ORDER BY place"
            if subset == "all"
            else f"SELECT row FROM links JOIN link_rows USING (place) {_LINKS_WHERE[subset]} "
            "ORDER BY place"
        )
        for (blob,) in self._spool.query(sql):
            yield pickle.loads(blob)

    def problems(self) -> Iterator[LinkRow]:
        """Rows whose link is not ok: by result class (in Result's order), URL, file, place."""
        sql = (
            f"SELECT row FROM links JOIN link_rows USING (place) WHERE rank != {OK} "
            "ORDER BY rank, url, file, place"
        )
        for (blob,) in self._spool.query(sql):
            yield pickle.loads(blob)

    def problem_urls(self) -> list[str]:
        """The distinct URLs of the rows whose link is not ok."""
        sql = f"SELECT DISTINCT url FROM links WHERE rank != {OK}"
        return [bytes(url).decode("utf-8", "surrogatepass") for (url,) in self._spool.query(sql)]

    def url_count(self) -> int:
        (count,) = self._spool.query("SELECT COUNT(DISTINCT url) FROM links").fetchone()
        return int(count)

    def by_url(self, *, last: bool = False) -> Iterator[tuple[str, Result, int, int]]:
        """Each distinct URL with the result, elapsed ms and attempts of its first row (or last)."""
        pick = "MAX" if last else "MIN"  # SQLite takes the other columns from that row
        sql = f"SELECT url, rank, elapsed, attempts, {pick}(place) FROM links GROUP BY url"
        results = list(Result)
        for url, rank, elapsed, attempts, _ in self._spool.query(sql):
            yield bytes(url).decode("utf-8", "surrogatepass"), results[rank], elapsed, attempts

    def result_counts(self, *, last: bool = False) -> dict[str, int]:
        """Distinct URLs per result class (every class, in order), by each URL's first row."""
        pick = "MAX" if last else "MIN"
        sql = (
            f"SELECT rank, COUNT(*) FROM (SELECT rank, {pick}(place) FROM links GROUP BY url) "
            "GROUP BY rank"
        )
        counts = dict(self._spool.query(sql).fetchall())
        return {result.value: counts.get(rank, 0) for result, rank in RANK.items()}

    def image_counts(self) -> tuple[int, int]:
        """Distinct image URLs probed, and how many of those are not a valid image.

        Each URL counts as its last row with a probe says.
        """
        sql = (
            "SELECT COUNT(*), COALESCE(SUM(image = 2), 0) FROM "
            "(SELECT image, MAX(place) FROM links WHERE image > 0 GROUP BY url)"
        )
        probed, invalid = self._spool.query(sql).fetchone()
        return int(probed), int(invalid)

    def size_mismatches(self) -> int:
        """Rows whose image is valid but the field is not sound (not the declared size...)."""
        (count,) = self._spool.query(
            "SELECT COUNT(*) FROM links WHERE image = 1 AND NOT sound"
        ).fetchone()
        return int(count)


__all__ = ["OK", "RANK", "FileSubset", "Files", "LinkSubset", "Links"]
