"""The trust order: which source wins, field by field.

Used by ``metadata``, the last step of ``extract``: the readers (``sources``,
``microdata``, ``jsonld``, ``bylines``) have recorded every candidate under a
source key; for each field the first source in the table below whose value
survives normalisation wins.  The order is per field because the best source
differs: Open Graph is what publishers curate for titles,
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
              microdata description; then the article's lead paragraph
url           ``<link rel=canonical>``, og:url, JSON-LD url/mainEntityOfPage,
              parsely-link, twitter:url, microdata mainEntityOfPage/url
amp_url       ``<link rel=amphtml>``
image         og:image (with its own og:image:width/height), twitter:image,
              JSON-LD image (with its ImageObject size), microdata image,
              parsely-image-url, sailthru.image.full, ``<link rel=image_src>``;
              then a ``<video poster>``, the article's first large image
published_at  JSON-LD datePublished, article:published_time (and og: variants),
              parsely-pub-date, sailthru.date, pubdate/publishdate/date metas,
              DC.date(.issued), dcterms.issued/created/date, microdata
              datePublished, JSON-LD dateCreated/uploadDate,
              citation_publication_date, ``<time pubdate>``, ``<time datetime>``;
              then a date-classed ``<abbr title>``, a date-classed text
modified_at   JSON-LD dateModified, article:modified_time, og:updated_time,
              dcterms.modified, microdata dateModified, last-modified meta
author        JSON-LD author (Person/Organization names, ``@id`` resolved,
              several joined with ", "), meta author, article:author (names
              only, never profile URLs), parsely-author, sailthru.author,
              DC/dcterms.creator, byl, microdata author, ``rel=author``, author
              and byline class conventions
site_name     og:site_name, JSON-LD publisher.name, application-name, JSON-LD
              WebSite name, apple-mobile-web-app-title, meta publisher,
              DC/dcterms.publisher, microdata publisher; then the site name
              beside the headline in ``<title>``, the logo's alt text
lang          ``<html lang>``, og:locale (``en_US`` -> ``en-US``), meta
              content-language, DC/dcterms.language, JSON-LD inLanguage,
              microdata inLanguage
type          og:type, JSON-LD @type (article types -> "article", page types ->
              "website", others lower-cased)
============  ==============================================================

The entries after "then" are fallbacks from the visible page (``fallbacks``),
read only when no source before them gave the field.

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

from collections.abc import Callable
from datetime import date
from typing import Final

from crawler.extract.dates import parse_date
from crawler.extract.evidence import Evidence, ImageCandidate
from crawler.extract.normalize import absolute_url, clean_author

TRUST: Final[dict[str, tuple[str, ...]]] = {
    "title": (
        "og:title", "twitter:title", "jsonld:headline", "parsely-title", "sailthru.title",
        "dc.title", "dcterms.title", "title", "microdata:headline", "html:title",
        "microdata:name", "html:h1",
    ),
    "description": (
        "og:description", "twitter:description", "description", "jsonld:description",
        "dc.description", "dcterms.description", "sailthru.description",
        "microdata:description", "fallback:lead",
    ),
    "url": (
        "link:canonical", "og:url", "jsonld:url", "parsely-link", "twitter:url",
        "microdata:mainEntityOfPage", "microdata:url",
    ),
    "amp_url": ("link:amphtml",),
    "image": (
        "og:image:image", "twitter:image", "twitter:image:src", "jsonld:image", "microdata:image",
        "parsely-image-url", "sailthru.image.full", "sailthru.image", "link:image_src",
        "fallback:poster", "fallback:image",
    ),
    "published_at": (
        "jsonld:datePublished", "article:published_time", "og:article:published_time",
        "og:published_time", "published_time", "parsely-pub-date", "sailthru.date", "pubdate",
        "publishdate", "publish-date", "publish_date", "article.published", "datepublished",
        "date", "dc.date.issued", "dc.date", "dcterms.issued", "dcterms.created", "dcterms.date",
        "microdata:datePublished", "jsonld:dateCreated", "microdata:dateCreated",
        "citation_publication_date", "html:time", "fallback:date-title", "fallback:date",
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
        "microdata:publisher", "fallback:title-suffix", "fallback:logo",
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


def first_value(evidence: Evidence, field: str, clean: Callable[[str], str | None]) -> str | None:
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


def choose_date(evidence: Evidence, field: str) -> str | None:
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


def choose_authors(evidence: Evidence) -> str | None:
    """The names from the most trusted source that names anyone, joined with ", "."""
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


def choose_image(evidence: Evidence, base: str) -> ImageCandidate | None:
    """The most trusted image that resolves to an http(s) URL, with its own size."""
    for key in TRUST["image"]:
        for value in evidence.get(key):
            candidate = value if isinstance(value, ImageCandidate) else ImageCandidate(value)
            url = absolute_url(candidate.url, base)
            if url is not None:
                return ImageCandidate(url, candidate.width, candidate.height)
    return None
