"""Fallbacks from the visible page, for fields its metadata leaves empty.

Part of ``extract``: ``metadata`` runs a reader here only when no declared
source (``<meta>``, JSON-LD, microdata) gave the field, and records what it
finds under ``fallback:*`` keys, which come last in the trust order (``trust``),
so declared metadata always wins.  Each reader looks at the article first
(``itemprop=articleBody``, ``<article>``, the usual CMS body classes, then
``<main>``) and never at navigation, headers, footers, asides or "related"
rails:

* **date**: a Blogger-style ``<abbr title="2024-02-03T20:38:00Z">`` or
  ``<time title>``, then the text of the first element whose class, id or
  itemprop names a date (``date``, ``time``, ``published``, ``byline``,
  ``post-meta``...) and reads as one;
* **description**: the article's lead paragraph, the first ``<p>`` of
  :data:`LEAD_MIN_CHARS` or more that is not a notice, caption or byline;
* **image**: a ``<video poster>``, then the article's first content image that
  is not a logo, avatar, icon, emoji, tracking pixel or ``data:`` placeholder
  (lazy-loading ``data-src``/``srcset`` are read), and not declared smaller than
  :data:`IMAGE_MIN_PIXELS` on a side;
* **site name**: the part of ``<title>`` after the headline (``Headline | Site``)
  when it names the host or follows the declared headline, then a logo's alt text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Final

from crawler.extract.dates import parse_date
from crawler.extract.evidence import Evidence, ImageCandidate
from crawler.extract.markup import Element, text_of
from crawler.extract.normalize import clean_text, site_names_for, squash, to_dimension

LEAD_MIN_CHARS: Final = 80  # a shorter paragraph is a label, a credit or a teaser
LEAD_MAX_CHARS: Final = 500  # a longer lead is cut at a word, as descriptions are
IMAGE_MIN_PIXELS: Final = 200  # a declared side below this is an icon, not the story's image
DATE_TEXT_MAX_CHARS: Final = 200  # longer text is a paragraph that mentions a date

_BODY_CLASSES = re.compile(
    r"article[-_]?body|article__body|article[-_]content|entry[-_]content|post[-_](?:content|body)"
    r"|story[-_](?:body|content)|rich[-_]?text"
)
# Regions that are not the article: their dates, paragraphs and images are someone else's.
_OUTSIDE: Final = frozenset({"nav", "header", "footer", "aside", "form", "noscript", "template"})
_OUTSIDE_CLASSES = re.compile(
    r"related|recommend|sidebar|widget|comment|newsletter|subscribe|promo|cookie|consent"
    r"|banner|advert|\bads?\b|share|social|popular|trending|breadcrumb|menu"
)
_NOT_LEAD_CLASSES = re.compile(
    r"notice|alert|caption|credit|byline|meta|disclaimer|editor|note|correction|update"
    r"|summary-label|kicker|tag"
)
_NOT_LEAD_PARENTS: Final = frozenset({"figure", "figcaption", "blockquote", "li", "td", "th"})
_DATE_MARKERS = re.compile(
    r"date|time|publish|posted|byline|post-meta|entry-meta|article-meta|dateline"
)
_NOT_PUBLISHED = re.compile(r"updat|modif|revis|edited|reading|read-time|readtime|runtime")
_NOT_CONTENT_IMAGE = re.compile(
    r"logo|avatar|gravatar|author|profile|emoji|icon|sprite|pixel|spacer|blank|badge"
    r"|placeholder|tracking|beacon|1x1|transparent|loading|spinner|\bads?\b|doubleclick",
    re.IGNORECASE,
)
_LAZY_SOURCES: Final = ("data-src", "data-lazy-src", "data-original", "data-url")
_LOGO = re.compile(r"logo", re.IGNORECASE)
_LOGO_WORDS = re.compile(r"\s*(?:(?:site|brand|main|header)\s+)?logo\b\s*(?:image)?", re.I)
_TITLE_SEPARATORS: Final = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", " / ", " ~ ")


def _classes(element: Element) -> str:
    values = (element.get("class"), element.get("id"))
    return " ".join(value for value in values if value).lower()


def _marks(element: Element) -> str:
    return _classes(element) + " " + (element.get("itemprop") or "").lower()


def _is_outside(element: Element, region: Element) -> bool:
    """Whether ``element`` sits in a part of ``region`` that is not the article.

    A ``<header>`` inside an article is the article's own (headline, byline,
    date); only the site's header, outside any article, is left out.
    """
    site_level = region.tag in ("body", "main", "html")
    for node in (element, *element.iterancestors()):
        if node is region:
            return False
        if node.tag in _OUTSIDE and (site_level or node.tag != "header"):
            return True
        if _OUTSIDE_CLASSES.search(_classes(node)):
            return True
    return False


def article_regions(root: Element) -> list[Element]:
    """Where the article's own content is, most specific first, ending with the body."""
    regions: list[Element] = list(root.xpath('//*[@itemprop="articleBody"]'))
    regions += [
        element
        for element in root.iter("div", "section")
        if _BODY_CLASSES.search(_classes(element))
    ]
    regions += [*root.iter("article"), *root.iter("main"), *root.iter("body")]
    body = [region for region in regions if region.tag == "body"]
    kept = [region for region in regions if body or region.tag != "body"]
    kept = [region for region in kept if not _is_outside(region, body[0] if body else root)]
    return kept or [root]


class Article:
    """A parsed page (or body prefix), with its article regions found once for every reader."""

    def __init__(self, root: Element) -> None:
        self.root = root

    @cached_property
    def regions(self) -> list[Element]:
        return article_regions(self.root)

    def within(
        self, *names: str, keep: Callable[[Element], bool] | None = None
    ) -> Iterator[Element]:
        """Elements named ``names`` (any, without) that ``keep`` accepts, best region first."""
        seen: set[Element] = set()
        for region in self.regions:
            for element in region.iter(*names):
                if not isinstance(element.tag, str) or element in seen:
                    continue
                seen.add(element)
                if (keep is None or keep(element)) and not _is_outside(element, region):
                    yield element


def _dated(element: Element) -> bool:
    """Whether an element's class, id or itemprop names a publication date."""
    if element.tag != "time" and not (
        element.get("class") or element.get("id") or element.get("itemprop")
    ):
        return False
    marks = _marks(element)
    return (element.tag == "time" or bool(_DATE_MARKERS.search(marks))) and not (
        _NOT_PUBLISHED.search(marks)
    )


def read_date_fallbacks(article: Article, evidence: Evidence) -> None:
    """A date written for readers: an ``<abbr title>``, else a date-classed element's text."""
    for element in article.within("abbr", "time", "span", keep=_dated):
        title = element.get("title")
        if title and parse_date(title):
            evidence.add("fallback:date-title", title)
            break
    for element in article.within(keep=_dated):
        text = clean_text(text_of(element))
        if text and len(text) <= DATE_TEXT_MAX_CHARS and parse_date(_published_part(text)):
            evidence.add("fallback:date", _published_part(text))
            return


def _published_part(text: str) -> str:
    """ "Published May 1, 2024 · Updated May 3" -> the part before "Updated"."""
    return re.split(r"\b(?:updated|modified|edited)\b", text, maxsplit=1, flags=re.I)[0] or text


def read_lead_paragraph(article: Article, evidence: Evidence) -> None:
    """The article's first substantial paragraph, as a description."""
    for paragraph in article.within("p"):
        if _NOT_LEAD_CLASSES.search(_classes(paragraph)):
            continue
        if any(
            ancestor.tag in _NOT_LEAD_PARENTS or _NOT_LEAD_CLASSES.search(_classes(ancestor))
            for ancestor in paragraph.iterancestors()
            if ancestor.tag not in ("body", "html")
        ):
            continue
        text = clean_text(text_of(paragraph))
        if text is None or len(text) < LEAD_MIN_CHARS or len(text.split()) < 12:
            continue
        links = sum(len(text_of(link)) for link in paragraph.iter("a"))
        if links * 2 > len(text):
            continue  # a list of links written as a paragraph
        evidence.add("fallback:lead", _shorten(text))
        return


def _shorten(text: str) -> str:
    if len(text) <= LEAD_MAX_CHARS:
        return text
    return text[:LEAD_MAX_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def read_image_fallbacks(article: Article, evidence: Evidence) -> None:
    """A video's poster, then the article's first large content image."""
    for video in article.within("video"):
        poster = video.get("poster")
        if poster and not poster.strip().lower().startswith("data:"):
            evidence.add("fallback:poster", ImageCandidate(poster))
            break
    for image in article.within("img"):
        url = _image_url(image)
        if url is None:
            continue
        names = " ".join((url, _classes(image), image.get("alt") or ""))
        parent = image.getparent()
        if parent is not None:
            names += " " + _classes(parent)
        if _NOT_CONTENT_IMAGE.search(names):
            continue
        width, height = to_dimension(image.get("width")), to_dimension(image.get("height"))
        if any(side is not None and side < IMAGE_MIN_PIXELS for side in (width, height)):
            continue
        evidence.add("fallback:image", ImageCandidate(url, width, height))
        return


def _image_url(image: Element) -> str | None:
    """The URL a browser ends up showing: ``src``, or the lazy loader's real source."""
    src = (image.get("src") or "").strip()
    if src and not src.lower().startswith("data:"):
        return src
    for attribute in _LAZY_SOURCES:
        value = (image.get(attribute) or "").strip()
        if value and not value.lower().startswith("data:"):
            return value
    for attribute in ("srcset", "data-srcset"):
        first = (image.get(attribute) or "").strip().split(",")[0].split()
        if first and not first[0].lower().startswith("data:"):
            return first[0]
    return None


def read_logo_alt(article: Article, evidence: Evidence) -> None:
    """The site's name as its logo's alt text ("The Daily Planet logo" -> "The Daily Planet")."""
    for image in article.root.iter("img"):
        alt = clean_text(image.get("alt"))
        if not alt or (_is_outside(image, article.root) and not _in_header(image)):
            continue
        parent = image.getparent()
        names = " ".join(
            (
                image.get("src") or "",
                _classes(image),
                alt,
                _classes(parent) if parent is not None else "",
            )
        )
        if _LOGO.search(names):
            name = clean_text(_LOGO_WORDS.sub(" ", alt))
            if name:
                evidence.add("fallback:logo", name)
                return


def _in_header(element: Element) -> bool:
    return any(
        node.tag == "header" or "header" in _classes(node) or "masthead" in _classes(node)
        for node in (element, *element.iterancestors())
    )


def site_from_title(title: str | None, headlines: list[str], host: str | None) -> str | None:
    """The site name a ``<title>`` carries after (or before) its headline.

    Taken when the part names the host (``| The Verge`` on theverge.com) or when
    the rest of the title is the page's declared headline (``og:title``), as in
    Blogger's ``Blog Name: Post title``.
    """
    text = clean_text(title)
    if text is None:
        return None
    hosts = site_names_for(host, None)
    squashed_headlines = {squash(headline) for headline in headlines}
    for separator in _TITLE_SEPARATORS:
        head, found, tail = text.rpartition(separator)
        named = squash(tail) in hosts or squash(head) in squashed_headlines
        if found and head.strip() and tail.strip() and named:
            return tail.strip()
    for separator in (": ", *_TITLE_SEPARATORS):
        head, found, tail = text.partition(separator)
        named = squash(head) in hosts or squash(tail) in squashed_headlines
        if found and head.strip() and tail.strip() and named:
            return head.strip()
    return None
