"""Read HTML microdata (schema.org ``itemprop``) into evidence.

Part of ``extract``, for pages that describe their article with ``itemscope``
and ``itemprop`` attributes instead of (or besides) JSON-LD.  Properties are
read from the first article item (``*Article``, ``BlogPosting``, ``Report``),
else the first ``WebPage`` or media item, so the headline and byline of a
"related stories" item further down are not taken for the page's own; a page
with no such item gets only the properties that sit outside every item, never
``name``, which could name anything.  Values
follow the HTML standard's rules for a property's value
(https://html.spec.whatwg.org/multipage/microdata.html#values).
"""

from __future__ import annotations

import re
from typing import Final

from bs4 import BeautifulSoup, Tag

from crawler.extract.evidence import Evidence
from crawler.extract.markup import attribute, text_of, tokens

# The item that describes the page, best first: an article, then the page itself
# or the media it presents.  Pages often wrap <body itemscope itemtype=WebPage>
# around an <article itemscope itemtype=NewsArticle>; the article wins.
_MAIN_ITEMTYPES: Final = (
    re.compile(r"(Article|BlogPosting|Report)\b", re.IGNORECASE),
    re.compile(r"(WebPage|VideoObject|AudioObject|PodcastEpisode)\b", re.IGNORECASE),
)
# Where the microdata value of an element lives, per the HTML standard.
_URL_ATTRIBUTES: Final = {
    "img": "src", "audio": "src", "video": "src", "source": "src", "embed": "src",
    "iframe": "src", "track": "src", "a": "href", "area": "href", "link": "href",
    "object": "data",
}  # fmt: skip
_MICRODATA_PROPERTIES: Final = (
    "headline", "name", "description", "datePublished", "dateCreated", "dateModified",
    "inLanguage", "url", "mainEntityOfPage", "image",
)  # fmt: skip


def _microdata_value(tag: Tag) -> str | None:
    if tag.has_attr("content"):
        return attribute(tag, "content")
    if tag.name in _URL_ATTRIBUTES:
        return attribute(tag, _URL_ATTRIBUTES[tag.name])
    if tag.name == "time" and tag.has_attr("datetime"):
        return attribute(tag, "datetime")
    if tag.name in ("data", "meter") and tag.has_attr("value"):
        return attribute(tag, "value")
    return text_of(tag)


class _Items:
    """Microdata properties grouped by the item that owns them, read in one pass.

    A property belongs to the nearest ancestor with ``itemscope``
    (https://html.spec.whatwg.org/multipage/microdata.html#associating-names-with-items).
    """

    def __init__(self, soup: BeautifulSoup) -> None:
        self.found = False
        self.by_owner: dict[int | None, dict[str, list[Tag]]] = {}
        for tag in soup.find_all(True, attrs={"itemprop": True}):
            self.found = True
            owner = tag.find_parent(attrs={"itemscope": True})
            properties = self.by_owner.setdefault(None if owner is None else id(owner), {})
            for name in tokens(tag, "itemprop"):
                properties.setdefault(name, []).append(tag)

    def of(self, scope: Tag | None, name: str) -> list[Tag]:
        """Property ``name`` of item ``scope``; with None, of no item at all.

        Itemprops outside any ``itemscope`` are invalid microdata but common in
        hand-made templates (``<time itemprop=datePublished>``).
        """
        return self.by_owner.get(None if scope is None else id(scope), {}).get(name.lower(), [])

    def names(self, tag: Tag) -> list[str]:
        """The name of an item-valued property (a Person or Organization), or its text."""
        if not tag.has_attr("itemscope"):
            return [_microdata_value(tag) or ""]
        return [_microdata_value(name) or "" for name in self.of(tag, "name")[:1]]


def read_microdata(soup: BeautifulSoup, evidence: Evidence) -> None:
    """Record the article item's properties under ``microdata:*`` source keys."""
    items = _Items(soup)
    if not items.found:
        return
    scopes = soup.find_all(True, attrs={"itemscope": True})
    scope = next(
        (
            scope
            for pattern in _MAIN_ITEMTYPES
            for scope in scopes
            if pattern.search(attribute(scope, "itemtype") or "")
        ),
        None,
    )
    for name in _MICRODATA_PROPERTIES:
        if scope is None and name == "name":
            continue  # outside any item, "name" names anything at all
        for tag in items.of(scope, name):
            if name == "image" and tag.has_attr("itemscope"):
                for url in items.of(tag, "url") + items.of(tag, "contentUrl"):
                    evidence.add("microdata:image", _microdata_value(url))
            else:
                evidence.add(f"microdata:{name}", _microdata_value(tag))
    for role in ("author", "publisher"):
        for tag in items.of(scope, role):
            for name in items.names(tag):
                evidence.add(f"microdata:{role}", name)
