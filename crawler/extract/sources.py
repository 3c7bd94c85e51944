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

from crawler.extract.evidence import Evidence, ImageCandidate
from crawler.extract.markup import Element, elements, has_ancestor, text_of, tokens
from crawler.extract.microdata import read_microdata
from crawler.extract.normalize import clean_text, to_dimension

XML_LANG: Final = "{http://www.w3.org/XML/1998/namespace}lang"
_PARSELY_PAGE_KEYS: Final = {
    "title": "parsely-title", "link": "parsely-link", "image_url": "parsely-image-url",
    "pub_date": "parsely-pub-date", "author": "parsely-author", "type": "parsely-type",
}  # fmt: skip


def _read_meta(root: Element, evidence: Evidence, *, in_body: bool) -> None:
    images: list[dict[str, str]] = []
    for meta in elements(root, "meta"):
        content = meta.get("content")
        if content is None:
            content = meta.get("value")
        if content is None or not content.strip():
            continue
        sources = ["property", "name", "http-equiv"]
        # In the body, <meta itemprop> belongs to whichever item surrounds it (an
        # embedded video, a related story); module microdata reads it in scope.
        if not in_body and not has_ancestor(meta, "body"):
            sources.append("itemprop")
        keys = {
            key.strip().lower() for source in sources for key in (meta.get(source) or "").split()
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


def _read_links(root: Element, evidence: Evidence) -> None:
    for link in elements(root, "link"):
        href = link.get("href")
        if not href:
            continue
        for rel in tokens(link, "rel"):
            if rel in ("canonical", "amphtml", "image_src"):
                evidence.add(f"link:{rel}", href)


def _read_document(root: Element, evidence: Evidence) -> None:
    for html in elements(root, "html")[:1]:
        evidence.add("html:lang", html.get("lang") or html.get(XML_LANG) or html.get("xml:lang"))
    for title in elements(root, "title"):
        if not has_ancestor(title, "svg"):
            evidence.add("html:title", text_of(title))
            break


def _read_body_fallbacks(root: Element, evidence: Evidence) -> None:
    for heading in elements(root, "h1"):
        evidence.add("html:h1", clean_text(text_of(heading)))
    times = elements(root, "time")
    for attribute in ("pubdate", "datetime"):
        for time in times:
            if time.get(attribute) is not None:
                evidence.add("html:time", time.get("datetime"))


def base_href(root: Element | None) -> str | None:
    """The document's ``<base href>``, if it declares one."""
    if root is None:
        return None
    return next(
        (href for base in elements(root, "base") if (href := base.get("href")) is not None), None
    )


def read_head(root: Element, evidence: Evidence) -> None:
    """Record what the parsed head declares (and the body, if the head never closed)."""
    _read_document(root, evidence)
    _read_markup(root, evidence, in_body=False)


def read_body(root: Element, evidence: Evidence) -> None:
    """Record what a parsed body prefix adds: stray meta tags, microdata, h1, time."""
    _read_markup(root, evidence, in_body=True)


def _read_markup(root: Element, evidence: Evidence, *, in_body: bool) -> None:
    _read_meta(root, evidence, in_body=in_body)
    _read_links(root, evidence)
    read_microdata(root, evidence)
    _read_body_fallbacks(root, evidence)
