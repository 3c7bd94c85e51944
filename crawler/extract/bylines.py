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

from bs4 import BeautifulSoup, Tag

from crawler.extract.evidence import Evidence
from crawler.extract.markup import attribute, text_of
from crawler.extract.normalize import clean_text

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


def read_bylines(soup: BeautifulSoup, evidence: Evidence) -> None:
    """Record bylines found by markup conventions; costly, so only run when needed."""
    candidates: list[tuple[str, list[Tag]]] = [
        ("byline:rel", soup.select('a[rel~="author"], link[rel~="author"][title]')),
        ("byline:class", soup.select('[class*="author" i] a, a[class*="author" i]')),
        ("byline:href", soup.select('a[href*="/author/" i]')),
        ("byline:class", soup.select('[class*="byline" i], [class*="author" i]')),
    ]
    for key, tags in candidates:
        for tag in tags:
            text = clean_text(attribute(tag, "title") if tag.name == "link" else text_of(tag))
            if text is None:
                continue
            text = _BYLINE_PREFIX.sub("", text)
            if looks_like_name(text):
                evidence.add(key, text)
