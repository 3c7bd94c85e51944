"""Choose, field by field, what a page says about itself: the trust order.

The last step of ``extract``: ``sources`` and ``jsonld`` have recorded every
candidate under a source key; for each field the first source in the table
below whose value survives normalisation wins.  The order is per field because
the best source differs: Open Graph is what publishers curate for titles,
descriptions and share images (and what Facebook, Slack and most metadata
libraries read first), while JSON-LD is the most precise for dates, authors and
the publisher, and ``<link rel=canonical>`` is the one signal search engines
honour for the canonical URL (RFC 6596).

============  ==============================================================
field         sources, most trusted first
============  ==============================================================
title         og:title, twitter:title, JSON-LD headline/name, parsely-title,
              sailthru.title, DC.title, dcterms.title, meta title, microdata
              headline, ``<title>``, microdata name, ``<h1>``
description   og:description, twitter:description, meta description, JSON-LD
              description, DC/dcterms.description, sailthru.description,
              microdata description
url           ``<link rel=canonical>``, og:url, JSON-LD url/mainEntityOfPage,
              parsely-link, twitter:url, microdata mainEntityOfPage/url
amp_url       ``<link rel=amphtml>``
image         og:image (with its own og:image:width/height), twitter:image,
              JSON-LD image (with its ImageObject size), microdata image,
              parsely-image-url, sailthru.image.full, ``<link rel=image_src>``
published_at  JSON-LD datePublished, article:published_time (and og: variants),
              parsely-pub-date, sailthru.date, pubdate/publishdate/date metas,
              DC.date(.issued), dcterms.issued/created/date, microdata
              datePublished, JSON-LD dateCreated/uploadDate,
              citation_publication_date, ``<time pubdate>``, ``<time datetime>``
modified_at   JSON-LD dateModified, article:modified_time, og:updated_time,
              dcterms.modified, microdata dateModified, last-modified meta
author        JSON-LD author (Person/Organization names, ``@id`` resolved,
              several joined with ", "), meta author, article:author (names
              only, never profile URLs), parsely-author, sailthru.author,
              DC/dcterms.creator, byl, microdata author, ``rel=author``, author
              and byline class conventions
site_name     og:site_name, JSON-LD publisher.name, application-name, JSON-LD
              WebSite name, apple-mobile-web-app-title, meta publisher,
              DC/dcterms.publisher, microdata publisher
lang          ``<html lang>``, og:locale (``en_US`` -> ``en-US``), meta
              content-language, DC/dcterms.language, JSON-LD inLanguage,
              microdata inLanguage
type          og:type, JSON-LD @type (article types -> "article", page types ->
              "website", others lower-cased)
============  ==============================================================

Normalisation (``normalize``, ``dates``): URLs are made absolute against
``<base href>`` and the page URL; text has entities decoded and whitespace
collapsed; a title loses a " | Site" style suffix or "Site: " prefix naming the
site itself (its site name, or its host without ``www.`` and TLD); dates become
UTC ``YYYY-MM-DDTHH:MM:SSZ``, or ``YYYY-MM-DD`` when only a day is given (a time
without a zone is taken as UTC, and a bare day yields to a less trusted source
that gives a time on the same day); ``lang`` is the tag as given, trimmed, with
``_`` read as ``-``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from crawler.extract.bylines import read_bylines
from crawler.extract.charset import decode_html
from crawler.extract.dates import parse_date
from crawler.extract.evidence import Evidence, ImageCandidate
from crawler.extract.head import BODY_PREFIX_CHARS, ld_json_blocks, split_document
from crawler.extract.jsonld import read_linked_data
from crawler.extract.normalize import (
    absolute_url,
    clean_author,
    clean_lang,
    clean_text,
    site_names_for,
    strip_site_name,
)
from crawler.extract.sources import BodyStrainer, base_href, read_body, read_head

TRUST: Final[dict[str, tuple[str, ...]]] = {
    "title": (
        "og:title", "twitter:title", "jsonld:headline", "parsely-title", "sailthru.title",
        "dc.title", "dcterms.title", "title", "microdata:headline", "html:title",
        "microdata:name", "html:h1",
    ),
    "description": (
        "og:description", "twitter:description", "description", "jsonld:description",
        "dc.description", "dcterms.description", "sailthru.description",
        "microdata:description",
    ),
    "url": (
        "link:canonical", "og:url", "jsonld:url", "parsely-link", "twitter:url",
        "microdata:mainEntityOfPage", "microdata:url",
    ),
    "amp_url": ("link:amphtml",),
    "image": (
        "og:image:image", "twitter:image", "twitter:image:src", "jsonld:image", "microdata:image",
        "parsely-image-url", "sailthru.image.full", "sailthru.image", "link:image_src",
    ),
    "published_at": (
        "jsonld:datePublished", "article:published_time", "og:article:published_time",
        "og:published_time", "published_time", "parsely-pub-date", "sailthru.date", "pubdate",
        "publishdate", "publish-date", "publish_date", "article.published", "datepublished",
        "date", "dc.date.issued", "dc.date", "dcterms.issued", "dcterms.created", "dcterms.date",
        "microdata:datePublished", "jsonld:dateCreated", "microdata:dateCreated",
        "citation_publication_date", "html:time",
    ),
    "modified_at": (
        "jsonld:dateModified", "article:modified_time", "og:article:modified_time",
        "og:updated_time", "modified_time", "dcterms.modified", "microdata:dateModified",
        "datemodified", "last-modified",
    ),
    "author": (
        "jsonld:author", "author", "article:author", "parsely-author", "sailthru.author",
        "dc.creator", "dcterms.creator", "byl", "microdata:author", "byline:rel",
        "byline:class", "byline:href",
    ),
    "site_name": (
        "og:site_name", "jsonld:publisher", "application-name", "jsonld:website",
        "apple-mobile-web-app-title", "publisher", "dc.publisher", "dcterms.publisher",
        "microdata:publisher",
    ),
    "lang": (
        "html:lang", "og:locale", "content-language", "dc.language", "dcterms.language",
        "jsonld:inLanguage", "microdata:inLanguage",
    ),
    "type": ("og:type", "jsonld:type"),
}  # fmt: skip

# Sources where several values mean several people (one <meta name=author> per
# author, a JSON-LD author array); elsewhere a second value is someone else's byline.
_ALL_AUTHORS: Final = frozenset(
    {"jsonld:author", "author", "article:author", "parsely-author", "dc.creator", "dcterms.creator"}
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)


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
        """The camelCase record ``crawler extract --json`` prints and ``crawl`` stores."""
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


def _first(evidence: Evidence, field: str, clean: Callable[[str], str | None]) -> str | None:
    """The most trusted value for ``field`` that survives ``clean``."""
    for key in TRUST[field]:
        for value in evidence.get(key):
            if isinstance(value, str):
                cleaned = clean(value)
                if cleaned is not None:
                    return cleaned
    return None


def _candidates(evidence: Evidence, field: str, clean: Callable[[str], str | None]) -> list[str]:
    """Every value for ``field`` that survives ``clean``, most trusted first."""
    return [
        cleaned
        for key in TRUST[field]
        for value in evidence.get(key)
        if isinstance(value, str) and (cleaned := clean(value)) is not None
    ]


def _date(evidence: Evidence, field: str) -> str | None:
    """The most trusted date, made precise by a less trusted source on the same day.

    JSON-LD often gives ``2021-01-28`` where ``article:published_time`` has the
    time of day.  A day and an instant are compared with a day of slack, since
    the page's local day may differ from the UTC day of the instant.
    """
    dates = _candidates(evidence, field, parse_date)
    if not dates or len(dates[0]) > len("YYYY-MM-DD"):
        return dates[0] if dates else None
    day = date.fromisoformat(dates[0])
    for instant in dates[1:]:
        if (
            len(instant) > len("YYYY-MM-DD")
            and abs(date.fromisoformat(instant[:10]) - day).days <= 1
        ):
            return instant
    return dates[0]


def _authors(evidence: Evidence) -> str | None:
    for key in TRUST["author"]:
        names: list[str] = []
        for value in evidence.get(key):
            name = clean_author(value)
            if name is not None and name.casefold() not in {known.casefold() for known in names}:
                names.append(name)
                if key not in _ALL_AUTHORS:
                    break
        if names:
            return ", ".join(names)
    return None


def _image(evidence: Evidence, base: str) -> ImageCandidate | None:
    for key in TRUST["image"]:
        for value in evidence.get(key):
            candidate = value if isinstance(value, ImageCandidate) else ImageCandidate(value)
            url = absolute_url(candidate.url, base)
            if url is not None:
                return ImageCandidate(url, candidate.width, candidate.height)
    return None


def _is_amp(soup: BeautifulSoup) -> bool:
    # AMP documents mark themselves with <html ⚡> or <html amp>
    # (https://amp.dev/documentation/guides-and-tutorials/learn/spec/amphtml).
    html = soup.find("html")
    return isinstance(html, Tag) and ("⚡" in html.attrs or "amp" in html.attrs)


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


def _parse(markup: str, **options: Any) -> BeautifulSoup:
    # An XHTML declaration would make Beautiful Soup warn that XML is parsed as
    # HTML; browsers parse such pages as HTML too, so it is simply dropped.
    return BeautifulSoup(_XML_DECLARATION.sub("", markup), "lxml", **options)


def _read(text: str) -> tuple[Evidence, BeautifulSoup]:
    """Every candidate the page offers, and its parsed head."""
    parts = split_document(text)
    evidence = Evidence()
    head = _parse(parts.head)
    read_head(head, evidence)
    read_linked_data(ld_json_blocks(text), evidence)
    soups = [head]
    if parts.body:
        soups.append(_parse(parts.body[:BODY_PREFIX_CHARS], parse_only=BodyStrainer()))
        read_body(soups[-1], evidence)
    if _authors(evidence) is None:
        for soup in soups:
            read_bylines(soup, evidence)
    return evidence, head


def extract(html: bytes, url: str, content_type: str | None = None) -> PageMetadata:
    """What the page ``html``, fetched from ``url``, says about itself. Never raises on markup."""
    text = decode_html(html, content_type)
    if "<" not in text:
        return PageMetadata()
    evidence, head = _read(text)
    base = _base_url(url, base_href(head))

    def to_url(value: str) -> str | None:
        return absolute_url(value, base)

    site_name = _first(evidence, "site_name", clean_text)
    canonical = _first(evidence, "url", to_url)
    names = site_names_for(_host(canonical or url), site_name) | site_names_for(_host(url), None)

    def to_title(value: str) -> str | None:
        title = clean_text(value)
        return strip_site_name(title, names) if title else None

    image = _image(evidence, base)
    kind = _first(evidence, "type", clean_text)
    return PageMetadata(
        title=_first(evidence, "title", to_title),
        description=_first(evidence, "description", clean_text),
        url=canonical,
        amp_url=_first(evidence, "amp_url", to_url),
        image=image.url if image else None,
        image_width=image.width if image else None,
        image_height=image.height if image else None,
        published_at=_date(evidence, "published_at"),
        modified_at=_date(evidence, "modified_at"),
        site_name=site_name,
        author=_authors(evidence),
        lang=_first(evidence, "lang", clean_lang),
        type=kind.lower() if kind else None,
        is_amp=_is_amp(head),
    )
