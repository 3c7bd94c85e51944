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
* ``microdata:*`` through module ``microdata``; ``byline:*`` come from module
  ``bylines``, which ``metadata`` runs only when no declared author was found.
"""

from __future__ import annotations

import json
from typing import Final

from bs4 import BeautifulSoup, Tag
from bs4.filter import SoupStrainer

from crawler.extract.evidence import Evidence, ImageCandidate
from crawler.extract.markup import attribute, text_of, tokens
from crawler.extract.microdata import read_microdata
from crawler.extract.normalize import clean_text, to_dimension

_BODY_TAGS: Final = frozenset({"h1", "time", "meta", "link"})
# Class, rel or href fragments that mark a byline (class="byline", rel="author",
# href="/author/...").
_BODY_MARKERS: Final = ("author", "byline")
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


def _read_meta(soup: BeautifulSoup, evidence: Evidence, *, in_body: bool) -> None:
    images: list[dict[str, str]] = []
    for meta in soup.find_all("meta"):
        content = attribute(meta, "content")
        if content is None:
            content = attribute(meta, "value")
        if content is None or not content.strip():
            continue
        sources = ["property", "name", "http-equiv"]
        # In the body, <meta itemprop> belongs to whichever item surrounds it (an
        # embedded video, a related story); module microdata reads it in scope.
        if not in_body and meta.find_parent("body") is None:
            sources.append("itemprop")
        keys = {
            key.strip().lower()
            for source in sources
            for key in (attribute(meta, source) or "").split()
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
            # og:image:url is an alias of og:image; sites that write both for one
            # image must not split its width and height off onto a phantom second.
            if not images or images[-1].get("url", content) != content:
                images.append({})
            images[-1]["url"] = content
        elif key in ("og:image:secure_url", "og:image:width", "og:image:height"):
            part = key.rsplit(":", 1)[-1]
            if not images:
                images.append({})
            images[-1].setdefault(part, content)


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
        href = attribute(link, "href")
        if not href:
            continue
        for rel in tokens(link, "rel"):
            if rel in ("canonical", "amphtml", "image_src"):
                evidence.add(f"link:{rel}", href)


def _read_document(soup: BeautifulSoup, evidence: Evidence) -> None:
    html = soup.find("html")
    if isinstance(html, Tag):
        evidence.add("html:lang", attribute(html, "lang") or attribute(html, "xml:lang"))
    for title in soup.find_all("title"):
        if title.find_parent("svg") is None:
            evidence.add("html:title", text_of(title))
            break


def _read_body_fallbacks(soup: BeautifulSoup, evidence: Evidence) -> None:
    for heading in soup.find_all("h1"):
        evidence.add("html:h1", clean_text(text_of(heading)))
    times = soup.find_all("time", attrs={"pubdate": True}) + soup.find_all(
        "time", attrs={"datetime": True}
    )
    for time in times:
        evidence.add("html:time", attribute(time, "datetime"))


def base_href(soup: BeautifulSoup) -> str | None:
    """The document's ``<base href>``, if it declares one."""
    base = soup.find("base", href=True)
    return attribute(base, "href") if isinstance(base, Tag) else None


def read_head(soup: BeautifulSoup, evidence: Evidence) -> None:
    """Record what the parsed head declares (and the body, if the head never closed)."""
    _read_document(soup, evidence)
    _read_markup(soup, evidence, in_body=False)


def read_body(soup: BeautifulSoup, evidence: Evidence) -> None:
    """Record what a parsed body prefix adds: stray meta tags, microdata, h1, time."""
    _read_markup(soup, evidence, in_body=True)


def _read_markup(soup: BeautifulSoup, evidence: Evidence, *, in_body: bool) -> None:
    _read_meta(soup, evidence, in_body=in_body)
    _read_links(soup, evidence)
    read_microdata(soup, evidence)
    _read_body_fallbacks(soup, evidence)
