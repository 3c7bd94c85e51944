"""How much of a page the crawl reads: the head, and more only when the head left a gap.

The crawl's stop rule (``crawler.checks.pages.page_ready``) asks
:func:`read_enough` after every read.  Before ``</head>`` the answer is no.
Once the head is complete, which fields it declares is read once per page
(regular expressions find its ``<meta>`` names, ``<title>`` and JSON-LD
properties, checked against the trust table; values are not normalised): when it declares
a title, description, image, publication date, author and site name, reading
stops there, as it always did; otherwise the fallbacks of
``fallbacks`` and ``bylines`` need the article, and reading goes on until
:data:`BODY_BUDGET` bytes past the head (measured with ``bench/extract.py``:
the bylines, dates, lead paragraphs and first images of article pages sit in
the first tens of KiB of the body, after the navigation).

The verdict on a head is remembered, filed under the page's first bytes with
the head's length and hash, so the reads that follow cost two hashes instead of
finding the head's end again.
A head may declare a field whose value extraction then rejects (an author
written as a profile URL is caught; a malformed date is not): the crawl then
stops at the head and reports the field empty where a whole-page read might
have found it in the body.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Final

from crawler.extract.head import head_end, ld_json_blocks
from crawler.extract.normalize import is_url
from crawler.extract.trust import TRUST

BODY_BUDGET: Final = 96 * 1024  # bytes read past </head> when the head leaves a field empty
_REMEMBERED: Final = 512  # heads whose verdict is kept (a crawl's pages in flight)
_PROBE_BYTES: Final = 4096  # leading bytes that file a judged head
# hash of a page's first bytes -> (head end, hash of the head, verdict) of heads judged
_verdicts: OrderedDict[int, list[tuple[int, int, bool]]] = OrderedDict()
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


def _remembered(prefix: bytes) -> tuple[int, bool] | None:
    """(head end, verdict) for a page whose head was judged already, by its first bytes.

    A head is the same head when the prefix repeats its bytes exactly up to its
    end, since where a head ends depends only on the bytes before that point.
    """
    for end, head_hash, verdict in _verdicts.get(hash(prefix[:_PROBE_BYTES]), ()):
        if len(prefix) >= end and hash(prefix[:end]) == head_hash:
            return end, verdict
    return None


def _judge(prefix: bytes, end: int) -> bool:
    head = prefix[:end]
    keys = _declared_keys(head)
    verdict = all(any(source in keys for source in TRUST[field]) for field in FIELDS)
    _verdicts.setdefault(hash(prefix[:_PROBE_BYTES]), []).append((end, hash(head), verdict))
    if len(_verdicts) > _REMEMBERED:
        _verdicts.popitem(last=False)
    return verdict


def read_enough(prefix: bytes) -> bool:
    """True once the crawl has what extraction needs from the page ``prefix`` begins.

    That is the complete head when the head declares every field, else the head
    and :data:`BODY_BUDGET` bytes of body.  Pages in UTF-16 never answer
    (``head_complete`` cannot see their markup); the caller's byte cap ends them.
    """
    known = _remembered(prefix)
    if known is None:
        end = head_end(prefix)
        if end is None:
            return False
        known = end, _judge(prefix, end)
    end, verdict = known
    return verdict or len(prefix) - end >= BODY_BUDGET
