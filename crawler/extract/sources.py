"""Read the metadata a page's markup declares into evidence, source by source.

Part of ``extract``: given the parsed head (and a bounded prefix of the body),
record every candidate value under a source key, with no judgement about which
one wins; ``metadata`` holds the trust order.  Source keys:

* ``<meta>`` tags under their lower-cased ``property``/``name``/``itemprop``:
  Open Graph (https://ogp.me), Twitter cards, ``description``, ``author``,
  Parse.ly (``parsely-*``, and the legacy ``parsely-page`` JSON), Sailthru,
  Dublin Core (``dc.*``, ``dcterms.*``), ``pubdate`` and friends;
* ``og:image`` as structured images (``og:image:image``): per the Open Graph
  protocol, ``og:image:width``/``height``/``secure_url`` describe the most
  recent ``og:image`` before them, so each image keeps only its own size;
* ``link:canonical``, ``link:amphtml``, ``link:image_src`` from ``<link rel>``;
* ``html:lang``, ``html:title``, ``html:h1``, ``html:time``;
* ``microdata:*`` from the HTML microdata of an article item, or from
  anywhere in the page when no article item is declared
  (https://html.spec.whatwg.org/multipage/microdata.html);
* ``byline:*``: bylines recognised by markup conventions (``rel=author``,
  ``class="author"``, ``class="byline"``), kept only when they read as names.
"""

from __future__ import annotations

import json
import re
from typing import Final

from bs4 import BeautifulSoup, Tag
from bs4.filter import SoupStrainer

from crawler.extract.evidence import Evidence, ImageCandidate
from crawler.extract.normalize import clean_text, to_dimension

_ARTICLE_ITEMTYPE = re.compile(r"(Article|BlogPosting|Report|WebPage)\b", re.IGNORECASE)
_BODY_TAGS: Final = frozenset({"h1", "time", "meta", "link"})
# Class, rel or href fragments that mark a byline (class="byline", rel="author",
# href="/author/...").
_BODY_MARKERS: Final = ("author", "byline")
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
_PARSELY_PAGE_KEYS: Final = {
    "title": "parsely-title", "link": "parsely-link", "image_url": "parsely-image-url",
    "pub_date": "parsely-pub-date", "author": "parsely-author", "type": "parsely-type",
}  # fmt: skip


class BodyStrainer(SoupStrainer):
    """Builds only the body elements metadata fallbacks read, to keep big pages fast."""

    def allow_tag_creation(
        self,
        nsprefix: str | None,
        name: str,
        attrs: dict[str, str] | None,  # type: ignore[override]
    ) -> bool:
        if name in _BODY_TAGS:
            return True
        attributes = attrs or {}
        if "itemprop" in attributes or "itemscope" in attributes:
            return True
        marked = " ".join(str(attributes.get(key, "")) for key in ("class", "rel", "href"))
        return any(marker in marked.lower() for marker in _BODY_MARKERS)

    def allow_string_creation(self, string: str) -> bool:
        return False


def _attribute(tag: Tag, name: str) -> str | None:
    value = tag.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return value


def _tokens(tag: Tag, name: str) -> list[str]:
    return (_attribute(tag, name) or "").lower().split()


def _text(tag: Tag) -> str:
    return tag.get_text(" ")


def _read_meta(soup: BeautifulSoup, evidence: Evidence) -> None:
    images: list[dict[str, str]] = []
    for meta in soup.find_all("meta"):
        content = _attribute(meta, "content")
        if content is None:
            content = _attribute(meta, "value")
        if content is None or not content.strip():
            continue
        keys = {
            key.strip().lower()
            for attribute in ("property", "name", "itemprop", "http-equiv")
            for key in (_attribute(meta, attribute) or "").split()
        }
        for key in sorted(keys):
            evidence.add(key, content)
            if key == "parsely-page":
                _read_parsely_page(content, evidence)
        _group_open_graph_image(keys, content, images)
    for image in images:
        url = image.get("secure_url") or image.get("url")
        if url and url.lower().startswith("http:") and image.get("secure_url"):
            url = image["secure_url"]
        if url:
            width, height = to_dimension(image.get("width")), to_dimension(image.get("height"))
            evidence.add("og:image:image", ImageCandidate(url, width, height))


def _group_open_graph_image(keys: set[str], content: str, images: list[dict[str, str]]) -> None:
    """Attach each og:image:* property to the og:image it follows (ogp.me, "Arrays")."""
    for key in keys:
        if key in ("og:image", "og:image:url"):
            if not images or "url" in images[-1]:
                images.append({})
            images[-1]["url"] = content
        elif key in ("og:image:secure_url", "og:image:width", "og:image:height"):
            attribute = key.rsplit(":", 1)[-1]
            if not images:
                images.append({})
            images[-1].setdefault(attribute, content)


def _read_parsely_page(content: str, evidence: Evidence) -> None:
    try:
        page = json.loads(content)
    except ValueError:
        return
    if not isinstance(page, dict):
        return
    for field, key in _PARSELY_PAGE_KEYS.items():
        value = page.get(field)
        if isinstance(value, str):
            evidence.add(key, value)
    authors = page.get("authors")
    if isinstance(authors, list):
        for author in authors:
            evidence.add("parsely-author", author)


def _read_links(soup: BeautifulSoup, evidence: Evidence) -> None:
    for link in soup.find_all("link"):
        href = _attribute(link, "href")
        if not href:
            continue
        for rel in _tokens(link, "rel"):
            if rel in ("canonical", "amphtml", "image_src"):
                evidence.add(f"link:{rel}", href)


def _microdata_value(tag: Tag) -> str | None:
    if tag.has_attr("content"):
        return _attribute(tag, "content")
    if tag.name in _URL_ATTRIBUTES:
        return _attribute(tag, _URL_ATTRIBUTES[tag.name])
    if tag.name == "time" and tag.has_attr("datetime"):
        return _attribute(tag, "datetime")
    if tag.name in ("data", "meter") and tag.has_attr("value"):
        return _attribute(tag, "value")
    return _text(tag)


class _Items:
    """Microdata properties grouped by the item that owns them, read in one pass.

    A property belongs to the nearest ancestor with ``itemscope``
    (https://html.spec.whatwg.org/multipage/microdata.html#associating-names-with-items).
    """

    def __init__(self, soup: BeautifulSoup) -> None:
        self.anywhere: dict[str, list[Tag]] = {}
        self.by_owner: dict[int, dict[str, list[Tag]]] = {}
        for tag in soup.find_all(True, attrs={"itemprop": True}):
            owner = tag.find_parent(attrs={"itemscope": True})
            for name in _tokens(tag, "itemprop"):
                self.anywhere.setdefault(name, []).append(tag)
                if owner is not None:
                    self.by_owner.setdefault(id(owner), {}).setdefault(name, []).append(tag)

    def of(self, scope: Tag | None, name: str) -> list[Tag]:
        """Property ``name`` of item ``scope``, or of any item when ``scope`` is None."""
        if scope is None:
            return self.anywhere.get(name.lower(), [])
        return self.by_owner.get(id(scope), {}).get(name.lower(), [])

    def names(self, tag: Tag) -> list[str]:
        """The name of an item-valued property (a Person or Organization), or its text."""
        if not tag.has_attr("itemscope"):
            return [_microdata_value(tag) or ""]
        return [_microdata_value(name) or "" for name in self.of(tag, "name")[:1]]


def _read_microdata(soup: BeautifulSoup, evidence: Evidence) -> None:
    items = _Items(soup)
    if not items.anywhere:
        return
    scope = next(
        (
            scope
            for scope in soup.find_all(True, attrs={"itemscope": True})
            if _ARTICLE_ITEMTYPE.search(_attribute(scope, "itemtype") or "")
        ),
        None,
    )
    for name in _MICRODATA_PROPERTIES:
        if scope is None and name == "name":
            continue  # outside an article item, "name" names anything at all
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
            text = clean_text(_attribute(tag, "title") if tag.name == "link" else _text(tag))
            if text is None:
                continue
            text = _BYLINE_PREFIX.sub("", text)
            if looks_like_name(text):
                evidence.add(key, text)


def _read_document(soup: BeautifulSoup, evidence: Evidence) -> None:
    html = soup.find("html")
    if isinstance(html, Tag):
        evidence.add("html:lang", _attribute(html, "lang") or _attribute(html, "xml:lang"))
    for title in soup.find_all("title"):
        if title.find_parent("svg") is None:
            evidence.add("html:title", _text(title))
            break


def _read_body_fallbacks(soup: BeautifulSoup, evidence: Evidence) -> None:
    for heading in soup.find_all("h1"):
        evidence.add("html:h1", clean_text(_text(heading)))
    times = soup.find_all("time", attrs={"pubdate": True}) + soup.find_all(
        "time", attrs={"datetime": True}
    )
    for time in times:
        evidence.add("html:time", _attribute(time, "datetime"))


def base_href(soup: BeautifulSoup) -> str | None:
    """The document's ``<base href>``, if it declares one."""
    base = soup.find("base", href=True)
    return _attribute(base, "href") if isinstance(base, Tag) else None


def read_head(soup: BeautifulSoup, evidence: Evidence) -> None:
    """Record what the parsed head declares (and the body, if the head never closed)."""
    _read_document(soup, evidence)
    read_body(soup, evidence)


def read_body(soup: BeautifulSoup, evidence: Evidence) -> None:
    """Record what a parsed body prefix adds: stray meta tags, microdata, h1, time."""
    _read_meta(soup, evidence)
    _read_links(soup, evidence)
    _read_microdata(soup, evidence)
    _read_body_fallbacks(soup, evidence)
