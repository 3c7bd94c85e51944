"""How much of a page the crawl reads: the head, and more only when the head left a gap.

The crawl's stop rule (``crawler.checks.pages.PageStop``) asks after every
read whether the page read so far is enough (:func:`read_enough`).  Before
``</head>`` the answer is no.  Once the head is complete, which fields it
declares is read once per page
(regular expressions find its ``<meta>`` names, ``<title>`` and JSON-LD
properties, checked against the trust table; values are not normalised): when it declares
a title, description, image, publication date, author and site name, reading
stops there, as it always did; otherwise the fallbacks of
``fallbacks`` and ``bylines`` need the article, and reading goes on until
:data:`BODY_BUDGET` bytes past the head (measured with ``bench/extract.py``:
the bylines, dates, lead paragraphs and first images of article pages sit in
the first tens of KiB of the body, after the navigation).

A fetch asks a :class:`PageReading` of its own, which remembers how far it has
scanned and its verdict on the head, so each byte of the head is scanned about
once however many reads the page takes.

A head may declare a field whose value extraction then rejects (an author
written as a profile URL is caught; a malformed date is not): the crawl then
stops at the head and reports the field empty where a whole-page read might
have found it in the body.
"""

from __future__ import annotations

import re
from typing import Final

from crawler.extract.head import HeadScanner, ld_json_blocks
from crawler.extract.normalize import is_url
from crawler.extract.trust import TRUST

BODY_BUDGET: Final = 96 * 1024  # bytes read past </head> when the head leaves a field empty
# The fields the fallbacks fill; the head must declare each for reading to stop there.
FIELDS: Final = ("title", "description", "image", "published_at", "author", "site_name")
_AUTHOR_KEYS: Final = frozenset(TRUST["author"])
_META = re.compile(rb"<meta\s[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb"""([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_TITLE = re.compile(rb"<title[^>]*>\s*[^<\s]", re.IGNORECASE)
_IMAGE_SRC = re.compile(rb"<link\s[^>]*\bimage_src\b", re.IGNORECASE)
# JSON-LD properties with a value, and the source keys ``jsonld`` records them under.
_LD_PROPERTY = re.compile(r'"(\w+)"\s*:\s*(?!null\b|""|\[\s*\]|\{\s*\})')
_LD_KEYS: Final = {
    "headline": "jsonld:headline", "name": "jsonld:headline",
    "description": "jsonld:description", "image": "jsonld:image",
    "thumbnailUrl": "jsonld:image", "thumbnail": "jsonld:image",
    "datePublished": "jsonld:datePublished", "dateCreated": "jsonld:dateCreated",
    "uploadDate": "jsonld:dateCreated", "author": "jsonld:author", "creator": "jsonld:author",
    "publisher": "jsonld:publisher",
}  # fmt: skip


def _declared_keys(head: bytes) -> set[str]:
    """The trust-table source keys the head gives a value for, read without normalising.

    A cheap stand-in for extracting the head, by regular expressions on its
    bytes: ``<meta>`` names with content, ``<title>``, ``<link rel=image_src>``,
    and the properties present in its JSON-LD blocks.
    """
    keys: set[str] = set()
    for tag in _META.findall(head):
        attributes = {name.lower(): value.strip(b"\"'") for name, value in _ATTRIBUTE.findall(tag)}
        content = (attributes.get(b"content") or attributes.get(b"value") or b"").strip()
        if not content:
            continue
        names = {
            name.decode("latin-1")
            for source in (b"property", b"name", b"itemprop")
            for name in attributes.get(source, b"").lower().split()
        }
        if is_url(content.decode("latin-1")):
            names -= _AUTHOR_KEYS  # a profile URL names nobody
        keys.update(names)
    if keys & {"og:image", "og:image:url", "og:image:secure_url"}:
        keys.add("og:image:image")
    if _TITLE.search(head):
        keys.add("html:title")
    if b"image_src" in head and _IMAGE_SRC.search(head):
        keys.add("link:image_src")
    # Found by exact bytes for speed: a head that spells it otherwise is only read further.
    if b"ld+json" in head or b"LD+JSON" in head:
        for block in ld_json_blocks(head.decode("utf-8", "replace")):
            keys.update(_LD_KEYS[name] for name in _LD_PROPERTY.findall(block) if name in _LD_KEYS)
    return keys


def _is_declaring_every_field(head: bytes) -> bool:
    keys = _declared_keys(head)
    return all(any(source in keys for source in TRUST[field]) for field in FIELDS)


class PageReading:
    """:func:`read_enough` for one body read chunk by chunk: each call extends the last prefix.

    A fresh one per response body (a retry's body starts again from its first byte).
    """

    __slots__ = ("_head", "_verdict")

    def __init__(self) -> None:
        self._head = HeadScanner()
        self._verdict: bool | None = None  # the head declares every field; None until judged

    def enough(self, prefix: bytes | bytearray) -> bool:
        """True once the crawl has what extraction needs from the page ``prefix`` begins."""
        end = self._head.feed(prefix)
        if end is None:
            return False
        if self._verdict is None:
            self._verdict = _is_declaring_every_field(bytes(prefix[:end]))
        return self._verdict or len(prefix) - end >= BODY_BUDGET


def read_enough(prefix: bytes | bytearray) -> bool:
    """True once the crawl has what extraction needs from the page ``prefix`` begins.

    That is the complete head when the head declares every field, else the head
    and :data:`BODY_BUDGET` bytes of body.  Pages in UTF-16 never answer
    (``head_complete`` cannot see their markup); the caller's byte cap ends them.
    """
    return PageReading().enough(prefix)
