"""Assemble :class:`PageMetadata` from a page: the order in which ``extract`` works.

Decode the bytes (``charset``), cut the head (``head``), parse it and a bounded
body prefix with lxml (``markup``), let the readers record every candidate
(``sources``, ``microdata``, ``jsonld``, and ``bylines`` only when no author was
declared), run the ``fallbacks`` for the description, image, publication date and
site name only when no declared source gave them, then pick each field by the
trust order of ``trust``, whose module docstring has the table.  Titles lose a
suffix or prefix naming the site, so the site name and the canonical host are
chosen first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.extract.bylines import read_bylines
from crawler.extract.charset import decode_html
from crawler.extract.evidence import Evidence
from crawler.extract.fallbacks import (
    Article,
    read_date_fallbacks,
    read_image_fallbacks,
    read_lead_paragraph,
    read_logo_alt,
    site_from_title,
)
from crawler.extract.head import BODY_PREFIX_CHARS, ld_json_blocks, split_document
from crawler.extract.jsonld import read_linked_data
from crawler.extract.markup import Element, elements, parse
from crawler.extract.normalize import (
    absolute_url,
    clean_lang,
    clean_text,
    site_names_for,
    strip_site_name,
)
from crawler.extract.sources import base_href, read_body, read_head
from crawler.extract.trust import choose_authors, choose_date, choose_image, first_value


@dataclass(frozen=True, slots=True)
class PageMetadata:
    """What an HTML page says about itself; None wherever the page is silent."""

    title: str | None = None
    description: str | None = None
    url: str | None = None  # canonical, absolute
    amp_url: str | None = None
    image: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    published_at: str | None = None  # UTC "YYYY-MM-DDTHH:MM:SSZ", or "YYYY-MM-DD"
    modified_at: str | None = None  # same format as published_at
    site_name: str | None = None
    author: str | None = None  # several authors joined with ", "
    lang: str | None = None  # BCP 47 tag as the page gives it, e.g. "en-US"
    type: str | None = None  # lower-case, e.g. "article", "website"
    is_amp: bool = False  # <html ⚡> or <html amp>

    def to_json(self) -> dict[str, Any]:
        """The camelCase record of the public contract, as ``crawler extract --json`` prints it."""
        return {
            "title": self.title,
            "description": self.description,
            "url": self.url,
            "ampUrl": self.amp_url,
            "image": self.image,
            "imageWidth": self.image_width,
            "imageHeight": self.image_height,
            "publishedAt": self.published_at,
            "modifiedAt": self.modified_at,
            "siteName": self.site_name,
            "author": self.author,
            "lang": self.lang,
            "type": self.type,
        }


def _is_amp(head: Element | None) -> bool:
    # AMP documents mark themselves with <html ⚡> or <html amp>
    # (https://amp.dev/documentation/guides-and-tutorials/learn/spec/amphtml).
    html = elements(head, "html")[:1] if head is not None else []
    return any("⚡" in element.attrib or "amp" in element.attrib for element in html)


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _base_url(url: str, declared: str | None) -> str:
    """The document's base URL: ``<base href>`` resolved against the page URL.

    A malformed page URL or ``<base href>`` is ignored rather than raised:
    relative URLs then stay unresolved and are dropped, absolute ones still work.
    """
    if not declared:
        return url
    try:
        return urljoin(url, declared.strip())
    except ValueError:
        return url


def _read(text: str) -> tuple[Evidence, Element | None, list[Element]]:
    """Every candidate the page offers, and its parsed head."""
    parts = split_document(text)
    evidence = Evidence()
    head = parse(parts.head)
    if head is not None:
        read_head(head, evidence)
    read_linked_data(ld_json_blocks(text), evidence)
    roots = [head]
    if parts.body:
        roots.append(parse(parts.body[:BODY_PREFIX_CHARS]))
        if roots[-1] is not None:
            read_body(roots[-1], evidence)
    if choose_authors(evidence) is None:
        for root in roots:
            if root is not None:
                read_bylines(root, evidence)
    return evidence, head, [root for root in roots if root is not None]


def _instant(value: str | None) -> str | None:
    return value if value and len(value) > len("YYYY-MM-DD") else None


def _read_fallbacks(evidence: Evidence, articles: list[Article], base: str) -> None:
    """What the visible page says, for each field no declared source gave (``fallbacks``)."""
    readers = (
        (lambda: first_value(evidence, "description", clean_text), read_lead_paragraph),
        (lambda: choose_image(evidence, base), read_image_fallbacks),
        # A bare day may gain its time from the same element's <abbr title>.
        (lambda: _instant(choose_date(evidence, "published_at")), read_date_fallbacks),
    )
    for answer, reader in readers:
        # The body first, when the head closed: the head has no article.
        for article in reversed(articles):
            if answer() is not None:
                break
            reader(article, evidence)


def _fallback_site_name(
    evidence: Evidence, articles: list[Article], host: str | None
) -> str | None:
    """The site name from the title's suffix, else from the logo's alt text."""
    headlines = [
        value
        for key in ("og:title", "twitter:title", "jsonld:headline", "html:h1")
        for value in evidence.get(key)
        if isinstance(value, str)
    ]
    for title in evidence.get("html:title")[:1]:
        evidence.add("fallback:title-suffix", site_from_title(str(title), headlines, host))
    if "fallback:title-suffix" not in evidence:
        for article in articles:
            read_logo_alt(article, evidence)
            if "fallback:logo" in evidence:
                break
    return first_value(evidence, "site_name", clean_text)


def extract(html: bytes, url: str, content_type: str | None = None) -> PageMetadata:
    """What the page ``html``, fetched from ``url``, says about itself. Never raises on markup."""
    text = decode_html(html, content_type)
    if "<" not in text:
        return PageMetadata()
    evidence, head, roots = _read(text)
    base = _base_url(url, base_href(head))

    def to_url(value: str) -> str | None:
        return absolute_url(value, base)

    articles = [Article(root) for root in roots]
    _read_fallbacks(evidence, articles, base)
    canonical = first_value(evidence, "url", to_url)
    site_name = first_value(evidence, "site_name", clean_text)
    if site_name is None:
        site_name = _fallback_site_name(evidence, articles, _host(canonical or url))
    names = site_names_for(_host(canonical or url), site_name) | site_names_for(_host(url), None)

    def to_title(value: str) -> str | None:
        title = clean_text(value)
        return strip_site_name(title, names) if title else None

    image = choose_image(evidence, base)
    kind = first_value(evidence, "type", clean_text)
    return PageMetadata(
        title=first_value(evidence, "title", to_title),
        description=first_value(evidence, "description", clean_text),
        url=canonical,
        amp_url=first_value(evidence, "amp_url", to_url),
        image=image.url if image else None,
        image_width=image.width if image else None,
        image_height=image.height if image else None,
        published_at=choose_date(evidence, "published_at"),
        modified_at=choose_date(evidence, "modified_at"),
        site_name=site_name,
        author=choose_authors(evidence),
        lang=first_value(evidence, "lang", clean_lang),
        type=kind.lower() if kind else None,
        is_amp=_is_amp(head),
    )
