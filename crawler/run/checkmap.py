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
from operator import attrgetter

from crawler.checks.image_probe import ImageProbe
from crawler.checks.images.info import ImageInfo
from crawler.checks.url_check import UrlCheck
from crawler.extract import PageMetadata
from crawler.outcomes import LinkResult, Result

RECENT = 4096  # checks kept as objects, the most recently used
SPILL = 256  # checks moved to disk together, in one transaction
_QUERY = 500  # URLs per membership query (SQLite's oldest limit of parameters is 999)


class CheckMap(MutableMapping[str, UrlCheck]):
    """URL -> its check for the whole run, in bounded memory; see the module docstring.

    A check read from disk is decoded for the caller and left there.  A URL set
    again after its check went to disk has two until the newer one follows it:
    the one in memory is the one that counts.
    """

    def __init__(self, recent: int = RECENT, spill: int = SPILL) -> None:
        self._recent: OrderedDict[str, UrlCheck] = OrderedDict()  # least recently used first
        self._capacity = recent
        self._spill = spill
        self._stored = 0  # rows on disk, one per URL
        self._db: sqlite3.Connection | None = None

    def __len__(self) -> int:
        return self._stored + len(self._recent) - len(self._stored_of(self._recent))

    def __contains__(self, url: object) -> bool:
        return url in self._recent or (isinstance(url, str) and self._load(url) is not None)

    def __getitem__(self, url: str) -> UrlCheck:
        check = self._recent.get(url)
        if check is not None:
            self._recent.move_to_end(url)
            return check
        data = self._load(url)
        if data is None:
            raise KeyError(url)
        return decode(data)

    def __setitem__(self, url: str, check: UrlCheck) -> None:
        self._recent[url] = check
        self._recent.move_to_end(url)
        if len(self._recent) > self._capacity + self._spill:
            self._move_to_disk()

    def __delitem__(self, url: str) -> None:
        in_memory = self._recent.pop(url, None) is not None
        if self._db is not None and self._load(url) is not None:
            with self._db:
                self._db.execute(_DELETE, (hash(url), _key(url)))
            self._stored -= 1
        elif not in_memory:
            raise KeyError(url)

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
        return found | self._stored_of([url for url in urls if url not in found])

    def close(self) -> None:
        """Forget everything and delete the disk part (the map can be used again, empty)."""
        self._recent.clear()
        self._stored = 0
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> CheckMap:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _stored_of(self, urls: Collection[str]) -> set[str]:
        """Those of ``urls`` on disk."""
        found: set[str] = set()
        if self._db is None or not urls:
            return found
        asked, order = set(urls), list(urls)
        for start in range(0, len(order), _QUERY):
            hashes = [hash(url) for url in order[start : start + _QUERY]]
            query = f"SELECT url FROM checks WHERE hash IN ({','.join('?' * len(hashes))})"
            stored = (_url(key) for (key,) in self._db.execute(query, hashes))
            found.update(url for url in stored if url in asked)
        return found

    def _load(self, url: str) -> bytes | None:
        if self._db is None:
            return None
        row = self._db.execute(_SELECT, (hash(url), _key(url))).fetchone()
        return None if row is None else bytes(row[0])

    def _move_to_disk(self) -> None:
        leaving = [
            self._recent.popitem(last=False) for _ in range(len(self._recent) - self._capacity)
        ]
        again = self._stored_of([url for url, _ in leaving])  # rare: a URL answered twice
        new = [(hash(url), _key(url), encode(check)) for url, check in leaving if url not in again]
        db = self._open()
        with db:
            db.executemany("INSERT INTO checks (hash, url, data) VALUES (?, ?, ?)", new)
            db.executemany(_UPDATE, [(encode(check), hash(url), _key(url))
                                     for url, check in leaving if url in again])  # fmt: skip
        self._stored += len(new)

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            # "" is SQLite's private temporary database: see the module docstring.
            db = sqlite3.connect("")
            db.execute("PRAGMA journal_mode = OFF")  # never rolled back
            # KiB of pages kept in memory: the index of 400,000 URLs (~7 MiB) stays in it.
            db.execute("PRAGMA cache_size = -8192")
            # Rows are appended in rowid order; the index holds only str's hash (this
            # process's own: the database lives no longer than the process), so it stays small.
            db.execute("CREATE TABLE checks (hash INTEGER NOT NULL, url BLOB NOT NULL, data BLOB)")
            db.execute("CREATE INDEX checks_by_hash ON checks (hash)")
            self._db = db
        return self._db


_SELECT = "SELECT data FROM checks WHERE hash = ? AND url = ?"
_UPDATE = "UPDATE checks SET data = ? WHERE hash = ? AND url = ?"
_DELETE = "DELETE FROM checks WHERE hash = ? AND url = ?"


def _key(url: str) -> bytes:
    # As bytes: a URL read from a file may hold a lone surrogate, which SQLite's text cannot.
    return url.encode("utf-8", "surrogatepass")


def _url(key: bytes) -> str:
    return key.decode("utf-8", "surrogatepass")


# A check as nested tuples of plain values in each class's field order, marshalled:
# lossless for these frozen records and several times faster than pickle or JSON.
def _fields(cls: type) -> tuple[str, ...]:
    return tuple(item.name for item in dataclasses.fields(cls))


_LINK, _PROBE, _INFO, _PAGE = (
    attrgetter(*_fields(cls)) for cls in (LinkResult, ImageProbe, ImageInfo, PageMetadata)
)
_CHECK_REST = attrgetter(*_fields(UrlCheck)[3:])  # after link, image and page


def encode(check: UrlCheck) -> bytes:
    """``check`` as compact bytes for :func:`decode`, valid in this process only."""
    url, result, *link = _LINK(check.link)
    probe = None
    if check.image is not None:
        info, *rest = _PROBE(check.image)
        probe = (None if info is None else _INFO(info), *rest)
    page = None if check.page is None else _PAGE(check.page)
    return marshal.dumps(((url, result.value, *link), probe, page, _CHECK_REST(check)))


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
