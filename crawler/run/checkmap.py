"""The run-wide map from each distinct URL to its check: recent ones as objects, the rest on disk.

Each distinct URL is checked once per run, so the coordinator answers "was this
URL checked, and what did it find?" for every URL of the run: 400,000 URLs at
100,000 articles, about 1.7 KB each as objects (what each page said about
itself).  :class:`CheckMap` keeps the most recently used ``recent`` checks as
objects, since the files in the window mostly name URLs checked moments ago,
and moves older ones, a batch at a time, into SQLite, compactly encoded.

The disk part is SQLite's anonymous temporary database: a file created with mode
0600 (under ``$SQLITE_TMPDIR`` or ``$TMPDIR``) and unlinked as soon as it is
opened, so no other process can open it by name, and closing the map, an
exception or a kill -9 leaves nothing behind.  A run whose URLs fit in memory
never creates it.  Each operation is a few microseconds against SQLite's cache
and the page cache, with no fsync (a temporary database is never synced), so the
map stays on the event loop like the dict it replaces.
"""

from __future__ import annotations

import dataclasses
import marshal
import sqlite3
from collections import OrderedDict
from collections.abc import Collection, Iterator, MutableMapping
from typing import Any

from crawler.checks.image_probe import ImageProbe
from crawler.checks.images.info import ImageInfo
from crawler.checks.url_check import UrlCheck
from crawler.extract import PageMetadata
from crawler.outcomes import LinkResult, Result

RECENT = 4096  # checks kept as objects, the most recently used
SPILL = 256  # checks moved to disk together, in one transaction
_QUERY = 500  # URLs per membership query (SQLite's oldest limit of parameters is 999)


class CheckMap(MutableMapping[str, UrlCheck]):
    """URL -> its check for the whole run, in bounded memory; see the module docstring."""

    def __init__(self, recent: int = RECENT, spill: int = SPILL) -> None:
        self._recent: OrderedDict[str, UrlCheck] = OrderedDict()  # least recently used first
        self._clean: set[str] = set()  # in _recent as read from disk: nothing to write back
        self._capacity = recent
        self._spill = spill
        self._size = 0
        self._db: sqlite3.Connection | None = None

    def __len__(self) -> int:
        return self._size

    def __contains__(self, url: object) -> bool:
        return url in self._recent or (isinstance(url, str) and self._is_stored(url))

    def __getitem__(self, url: str) -> UrlCheck:
        check = self._recent.get(url)
        if check is not None:
            self._recent.move_to_end(url)
            return check
        data = self._load(url)
        if data is None:
            raise KeyError(url)
        check = decode(data)
        self._recent[url] = check
        self._clean.add(url)
        self._spill_if_full()
        return check

    def __setitem__(self, url: str, check: UrlCheck) -> None:
        if url in self._recent:
            self._recent.move_to_end(url)
            self._clean.discard(url)
        elif not self._is_stored(url):
            self._size += 1
        self._recent[url] = check
        self._spill_if_full()

    def __delitem__(self, url: str) -> None:
        stored = self._is_stored(url)
        if self._recent.pop(url, None) is None and not stored:
            raise KeyError(url)
        self._clean.discard(url)
        if stored and self._db is not None:
            with self._db:
                self._db.execute("DELETE FROM checks WHERE url = ?", (_key(url),))
        self._size -= 1

    def __iter__(self) -> Iterator[str]:
        """Every URL: reads the whole disk part, so only for tests and small maps."""
        urls = list(self._recent)
        if self._db is not None:
            stored = (_url(key) for (key,) in self._db.execute("SELECT url FROM checks"))
            urls += [url for url in stored if url not in self._recent]
        return iter(urls)

    def known(self, urls: Collection[str]) -> set[str]:
        """Those of ``urls`` that have a check, with one query per few hundred not in memory."""
        found = {url for url in urls if url in self._recent}
        if self._db is not None:
            rest = [url for url in urls if url not in found]
            for start in range(0, len(rest), _QUERY):
                chunk = rest[start : start + _QUERY]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT url FROM checks WHERE url IN ({marks})"
                found.update(
                    _url(key) for (key,) in self._db.execute(query, list(map(_key, chunk)))
                )
        return found

    def close(self) -> None:
        """Forget everything and delete the disk part (the map can be used again, empty)."""
        self._recent.clear()
        self._clean.clear()
        self._size = 0
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> CheckMap:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _is_stored(self, url: str) -> bool:
        if self._db is None:
            return False
        query = "SELECT 1 FROM checks WHERE url = ?"
        return self._db.execute(query, (_key(url),)).fetchone() is not None

    def _load(self, url: str) -> bytes | None:
        if self._db is None:
            return None
        row = self._db.execute("SELECT data FROM checks WHERE url = ?", (_key(url),)).fetchone()
        return None if row is None else bytes(row[0])

    def _spill_if_full(self) -> None:
        if len(self._recent) <= self._capacity + self._spill:
            return
        rows = []
        while len(self._recent) > self._capacity:
            url, check = self._recent.popitem(last=False)
            if url in self._clean:
                self._clean.discard(url)
            else:
                rows.append((_key(url), encode(check)))
        db = self._open()
        with db:
            db.executemany("INSERT OR REPLACE INTO checks (url, data) VALUES (?, ?)", rows)

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            # "" is SQLite's private temporary database: see the module docstring.
            db = sqlite3.connect("")
            db.execute("PRAGMA journal_mode = OFF")  # never rolled back: each batch is new rows
            db.execute("PRAGMA cache_size = -4096")  # KiB of pages kept in memory
            db.execute("CREATE TABLE checks (url BLOB PRIMARY KEY, data BLOB NOT NULL)")
            self._db = db
        return self._db


def _key(url: str) -> bytes:
    # As bytes: a URL read from a file may hold a lone surrogate, which SQLite's text cannot.
    return url.encode("utf-8", "surrogatepass")


def _url(key: bytes) -> str:
    return key.decode("utf-8", "surrogatepass")


# A check as nested tuples of plain values in each class's field order, marshalled:
# lossless for these frozen records and several times faster than pickle or JSON.
def _fields(cls: type) -> tuple[str, ...]:
    return tuple(item.name for item in dataclasses.fields(cls))


_LINK, _PROBE, _INFO, _PAGE = map(_fields, (LinkResult, ImageProbe, ImageInfo, PageMetadata))
_CHECK = _fields(UrlCheck)


def encode(check: UrlCheck) -> bytes:
    """``check`` as compact bytes for :func:`decode`, valid in this process only."""
    link = [getattr(check.link, name) for name in _LINK]
    link[1] = check.link.result.value
    probe: list[Any] | None = None
    if check.image is not None:
        probe = [getattr(check.image, name) for name in _PROBE]
        info = check.image.info
        probe[0] = None if info is None else tuple(getattr(info, name) for name in _INFO)
    page = None if check.page is None else tuple(getattr(check.page, name) for name in _PAGE)
    rest = tuple(getattr(check, name) for name in _CHECK[3:])
    return marshal.dumps((tuple(link), None if probe is None else tuple(probe), page, rest))


def decode(data: bytes) -> UrlCheck:
    """The check :func:`encode` was given."""
    link, probe, page, rest = marshal.loads(data)  # only ever this process's own bytes
    image = None
    if probe is not None:
        info = None if probe[0] is None else ImageInfo(*probe[0])
        image = ImageProbe(info, *probe[1:])
    return UrlCheck(
        LinkResult(link[0], Result(link[1]), *link[2:]),
        image,
        None if page is None else PageMetadata(*page),
        *rest,
    )


__all__ = ["RECENT", "SPILL", "CheckMap", "decode", "encode"]
