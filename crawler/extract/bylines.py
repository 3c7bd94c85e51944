"""Find bylines by markup convention when a page declares no author.

Part of ``extract``: the last resort for the author field, which ``metadata``
runs only when JSON-LD, ``<meta>`` and microdata named nobody.  It looks at
``rel="author"`` links, links inside or classed ``author``, links to
``/author/`` pages and elements classed ``byline`` or ``author``, in that order,
and keeps a text only when it reads as people's names (capitalised words, no
digits, no link labels such as "View all posts").
"""

from __future__ import annotations

import re
from typing import Final

from crawler.extract.evidence import Evidence
from crawler.extract.markup import Element, elements, text_of
from crawler.extract.normalize import clean_text

_BIO = re.compile(r"bio|description|about|summary", re.IGNORECASE)
_NAME_LIKE = re.compile(r"^[^\d|@:/<>{}()]{3,80}$")
_BYLINE_PREFIX = re.compile(
    r"^(?:by|written by|posted by|words by|author|authors|di|por|von|par)\s*:?\s+", re.I
)
_NAME_PARTICLES: Final = frozenset(
    {"and", "&", "van", "von", "der", "den", "de", "da", "di", "del", "della", "du", "la", "le",
     "bin", "binti", "al", "el", "y", "e", "und", "et"}
)  # fmt: skip
_NOT_NAMES: Final = frozenset(
    {"view", "all", "posts", "more", "articles", "stories", "follow", "about", "read",
     "contact", "email", "share", "comments", "author", "authors", "profile", "menu",
     "subscribe", "newsletter", "login", "home", "latest", "news"}
)  # fmt: skip


def looks_like_name(text: str) -> bool:
    """Whether a byline reads as one or a few people's names, not a link label."""
    words = text.replace(",", " ").split()
    if not 2 <= len(words) <= 8 or not _NAME_LIKE.match(text):
        return False
    for word in words:
        lowered = word.lower()
        if lowered in _NOT_NAMES:
            return False
        # Names are capitalised in cased scripts; "and", "van", "de" are not.
        if word[0].islower() and lowered not in _NAME_PARTICLES:
            return False
    return True


def _classed(element: Element, word: str) -> bool:
    return word in (element.get("class") or "").lower()


def _by_rel(root: Element) -> list[Element]:
    """``a[rel~=author]`` and ``link[rel~=author][title]``."""
    return [
        element
        for element in elements(root, "a", "link")
        if "author" in (element.get("rel") or "").lower().split()
        and (element.tag == "a" or element.get("title") is not None)
    ]


def _author_links(root: Element) -> list[Element]:
    """Links classed ``author`` or inside an element classed ``author``, but not in a bio.

    An author box's biography links to the outlets and books it names; those
    are not the author.
    """
    links = elements(root, "a")
    order = {link: index for index, link in enumerate(links)}
    found = {link for link in links if _classed(link, "author")}
    for box in _classed_elements(root, "author"):
        found.update(link for link in box.iter("a") if link in order)
    return [
        link
        for link in sorted(found, key=order.__getitem__)
        if not any(_BIO.search(up.get("class") or "") for up in link.iterancestors())
    ]


def _classed_elements(root: Element, *words: str) -> list[Element]:
    """Elements whose class contains any of ``words``, in document order."""
    return [
        element
        for element in root.xpath("descendant-or-self::*[@class]")
        if any(word in (element.get("class") or "").lower() for word in words)
    ]


def _author_pages(root: Element) -> list[Element]:
    """Links to an ``/author/`` page."""
    return [link for link in elements(root, "a") if "/author/" in (link.get("href") or "").lower()]


def _bylines(root: Element) -> list[Element]:
    """Elements classed ``byline`` or ``author``."""
    return _classed_elements(root, "byline", "author")


def read_bylines(root: Element, evidence: Evidence) -> None:
    """Record bylines found by markup conventions; costly, so only run when needed."""
    candidates: list[tuple[str, list[Element]]] = [
        ("byline:rel", _by_rel(root)),
        ("byline:class", _author_links(root)),
        ("byline:href", _author_pages(root)),
        ("byline:class", _bylines(root)),
    ]
    for key, tags in candidates:
        for tag in tags:
            text = clean_text(tag.get("title") if tag.tag == "link" else text_of(tag))
            if text is None:
                continue
            text = _BYLINE_PREFIX.sub("", text)
            if looks_like_name(text):
                evidence.add(key, text)
