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

from crawler.extract.evidence import Evidence
from crawler.extract.markup import Element, text_of, tokens

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


def _microdata_value(tag: Element) -> str | None:
    content = tag.get("content")
    if content is not None:
        return content
    name = str(tag.tag)
    if name in _URL_ATTRIBUTES:
        return tag.get(_URL_ATTRIBUTES[name])
    if name == "time" and tag.get("datetime") is not None:
        return tag.get("datetime")
    if name in ("data", "meter") and tag.get("value") is not None:
        return tag.get("value")
    return text_of(tag)


class _Items:
    """Microdata properties grouped by the item that owns them, read in one pass.

    A property belongs to the nearest ancestor with ``itemscope``
    (https://html.spec.whatwg.org/multipage/microdata.html#associating-names-with-items).
    """

    def __init__(self, root: Element) -> None:
        self.found = False
        # Keyed by the owner element itself: the dict keeps its lxml proxy alive,
        # so the same element always hashes the same.
        self.by_owner: dict[Element | None, dict[str, list[Element]]] = {}
        for tag in root.xpath("descendant-or-self::*[@itemprop]"):
            self.found = True
            owner = next(
                (parent for parent in tag.iterancestors() if parent.get("itemscope") is not None),
                None,
            )
            properties = self.by_owner.setdefault(owner, {})
            for name in tokens(tag, "itemprop"):
                properties.setdefault(name, []).append(tag)

    def of(self, scope: Element | None, name: str) -> list[Element]:
        """Property ``name`` of item ``scope``; with None, of no item at all.

        Itemprops outside any ``itemscope`` are invalid microdata but common in
        hand-made templates (``<time itemprop=datePublished>``).
        """
        return self.by_owner.get(scope, {}).get(name.lower(), [])

    def names(self, tag: Element) -> list[str]:
        """The name of an item-valued property (a Person or Organization), or its text."""
        if tag.get("itemscope") is None:
            return [_microdata_value(tag) or ""]
        return [_microdata_value(name) or "" for name in self.of(tag, "name")[:1]]


def read_microdata(root: Element, evidence: Evidence) -> None:
    """Record the article item's properties under ``microdata:*`` source keys."""
    items = _Items(root)
    if not items.found:
        return
    scopes: list[Element] = root.xpath("descendant-or-self::*[@itemscope]")
    scope = next(
        (
            scope
            for pattern in _MAIN_ITEMTYPES
            for scope in scopes
            if pattern.search(scope.get("itemtype") or "")
        ),
        None,
    )
    for name in _MICRODATA_PROPERTIES:
        if scope is None and name == "name":
            continue  # outside any item, "name" names anything at all
        for tag in items.of(scope, name):
            if name == "image" and tag.get("itemscope") is not None:
                for url in items.of(tag, "url") + items.of(tag, "contentUrl"):
                    evidence.add("microdata:image", _microdata_value(url))
            else:
                evidence.add(f"microdata:{name}", _microdata_value(tag))
    for role in ("author", "publisher"):
        for tag in items.of(scope, role):
            for name in items.names(tag):
                evidence.add(f"microdata:{role}", name)
