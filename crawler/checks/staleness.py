"""Staleness: which stored front-matter fields the live page no longer agrees with.

The front matter was copied from a feed; :func:`stale_fields` compares it with
the :class:`~crawler.extract.PageMetadata` of the article's page and returns one
:class:`Staleness` per field that disagrees.  ``enrich`` records them in the
``crawl`` block, with :func:`page_says`; ``--refresh`` may then replace them.

Each field is compared after the normalisation that matters for it, so that a
difference in spelling never counts as a change of content:

======================  =====================  ==========================================
field                   page value             equal when
======================  =====================  ==========================================
``title``               ``title``              same text once entities, whitespace,
                                               typographic quotes/dashes and a " | Site"
                                               suffix naming the site are set aside
``excerpt``             ``description``        same text, or one is a truncation of the
                                               other (ending in "…", "...", ","...)
``publishedDateTime``   ``published_at``       same instant to the minute, in any zone or
                                               format; a date alone matches any instant
                                               that falls on that day in some UTC offset
``images[0].url``       ``image``              same URL (:func:`comparable_url`)
``provider.domain``     host of ``url``        same registrable domain, "www." aside
======================  =====================  ==========================================

A field absent (or empty) on either side is not compared.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

from crawler.checks.findings import comparable_url
from crawler.extract import PageMetadata
from crawler.extract.dates import parse_date
from crawler.extract.normalize import clean_text, site_names_for, strip_site_name

SAME_INSTANT: Final = timedelta(minutes=1)  # feeds keep minutes, pages often add seconds
# UTC offsets in use run from -12:00 to +14:00, so a calendar day covers the
# instants from its midnight minus 14 hours to its end plus 12 hours.
EARLIEST_OFFSET: Final = timedelta(hours=-12)
LATEST_OFFSET: Final = timedelta(hours=14)
TRUNCATION_MIN_CHARS: Final = 40  # a live description shorter than this is not a truncation

_TYPOGRAPHY: Final = str.maketrans(
    {
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
        "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-",
        "…": "...",
    }
)  # fmt: skip
_TRUNCATION_MARKS: Final = ("[...]", "...", ",", ";", ":", "-", "(")
# Second-level labels under which names are registered, as in "example.co.uk".
_SECOND_LEVEL: Final = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "ne", "or"})


class StaleField(enum.StrEnum):
    """The front-matter fields compared, named by their path as the report names fields."""

    TITLE = "title"
    EXCERPT = "excerpt"
    PUBLISHED = "publishedDateTime"
    IMAGE = "images[0].url"
    PROVIDER = "provider.domain"


@dataclass(frozen=True, slots=True)
class Staleness:
    """One stored field the live page disagrees with: the value kept and the page's value.

    ``stored`` is the front matter's value as read, except that a YAML timestamp
    becomes its ISO 8601 text, so the record stays plain data.
    """

    field: str
    stored: Any
    live: Any


def stale_fields(article: Mapping[str, Any], page: PageMetadata) -> dict[str, Staleness]:
    """The fields of ``article`` that ``page`` contradicts, keyed by :class:`StaleField`."""
    pairs: list[tuple[StaleField, Any, Any, bool]] = []
    title = _text(article.get("title"))
    if title is not None and page.title:
        names = _site_names(article, page)
        pairs.append((StaleField.TITLE, title, page.title, _same_title(title, page.title, names)))
    excerpt = _text(article.get("excerpt"))
    if excerpt is not None and page.description:
        same = _same_excerpt(excerpt, page.description)
        pairs.append((StaleField.EXCERPT, excerpt, page.description, same))
    published = article.get("publishedDateTime")
    if _present(published) and page.published_at:
        same = _same_publication(published, page.published_at)
        pairs.append((StaleField.PUBLISHED, _plain(published), page.published_at, same))
    image = _first_image_url(article)
    if image is not None and page.image:
        same = (comparable_url(image) or image) == comparable_url(page.image)
        pairs.append((StaleField.IMAGE, image, page.image, same))
    provider = _provider_domain(article)
    live_domain = _registrable(_host(page.url))
    if provider is not None and live_domain is not None:
        same = _registrable(_host(provider)) == live_domain
        pairs.append((StaleField.PROVIDER, provider, live_domain, same))
    return {
        field.value: Staleness(field.value, stored, live)
        for field, stored, live, same in pairs
        if not same
    }


def page_says(page: PageMetadata) -> dict[str, Any]:
    """What the page says about itself, camelCase as ``crawler extract --json``, None dropped."""
    return {key: value for key, value in page.to_json().items() if value is not None}


# --- title and excerpt ------------------------------------------------------


def _text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(value)
    return clean_text(value)


def _plain_text(text: str) -> str:
    return " ".join((clean_text(text) or "").translate(_TYPOGRAPHY).split())


def _site_names(article: Mapping[str, Any], page: PageMetadata) -> set[str]:
    provider = article.get("provider")
    provider_name = provider_domain = None
    if isinstance(provider, Mapping):
        provider_name = _text(provider.get("name"))
        provider_domain = _text(provider.get("domain"))
    return site_names_for(_host(page.url), page.site_name) | site_names_for(
        _host(provider_domain) or provider_domain, provider_name
    )


def _same_title(stored: str, live: str, names: set[str]) -> bool:
    return _plain_text(strip_site_name(stored, names)) == _plain_text(strip_site_name(live, names))


def _same_excerpt(stored: str, live: str) -> bool:
    stored, live = _plain_text(stored), _plain_text(live)
    if stored == live:
        return True
    stored_cut, live_cut = _untruncated(stored), _untruncated(live)
    if stored_cut and live.startswith(stored_cut):
        return True  # the feed cut the page's description short
    # The page's description is itself cut (CMSs trim meta descriptions to ~155 characters).
    return len(live_cut) >= TRUNCATION_MIN_CHARS and stored.startswith(live_cut)


def _untruncated(text: str) -> str:
    """``text`` without the marks a truncation leaves at its end ("…", "[...]", ",")."""
    previous = None
    while previous != text:
        previous = text
        for mark in _TRUNCATION_MARKS:
            text = text.removesuffix(mark).rstrip()
    return text


# --- publication date -------------------------------------------------------


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _moment(value: object) -> datetime | date | None:
    """A stored or live date as an aware UTC datetime, or a date when it has no time."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return value
    text = parse_date(value)
    if text is None:
        return None
    if "T" not in text:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text).astimezone(UTC)


def _same_publication(stored: object, live: str) -> bool:
    stored_moment, live_moment = _moment(stored), _moment(live)
    if stored_moment is None or live_moment is None:
        return False  # a stored value that is no date at all does not describe the page
    if isinstance(stored_moment, datetime) and isinstance(live_moment, datetime):
        return abs(stored_moment - live_moment) < SAME_INSTANT
    if isinstance(stored_moment, datetime):
        return _on_day(stored_moment, live_moment)
    if isinstance(live_moment, datetime):
        return _on_day(live_moment, stored_moment)
    return stored_moment == live_moment


def _on_day(moment: datetime, day: date) -> bool:
    """Whether ``moment`` falls on ``day`` in some UTC offset in use."""
    midnight = datetime.combine(day, time(), tzinfo=UTC)
    return midnight - LATEST_OFFSET <= moment < midnight + timedelta(days=1) - EARLIEST_OFFSET


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        return moment.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- image and provider -----------------------------------------------------


def _first_image_url(article: Mapping[str, Any]) -> str | None:
    images = article.get("images")
    if not isinstance(images, list) or not images or not isinstance(images[0], Mapping):
        return None
    url = images[0].get("url")
    return url.strip() if isinstance(url, str) and url.strip() else None


def _provider_domain(article: Mapping[str, Any]) -> str | None:
    provider = article.get("provider")
    if not isinstance(provider, Mapping):
        return None
    domain = provider.get("domain")
    return domain.strip() if isinstance(domain, str) and domain.strip() else None


def _host(value: str | None) -> str | None:
    """The host of a URL, or of a bare domain written with a path ("example.com/news")."""
    if not value:
        return None
    text = value.strip()
    if "//" not in text:
        text = f"//{text}"
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return host.rstrip(".") if host else None


def _registrable(host: str | None) -> str | None:
    """The name a site registered: ``www.bbc.co.uk`` -> ``bbc.co.uk``.

    Without the Public Suffix List (no new dependency for one comparison), the
    common shapes are covered: one label under a generic or country domain, and
    two under a country's ``co``/``com``/``org``... second level.
    """
    if not host:
        return None
    host = host.lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    labels = [label for label in host.split(".") if label]
    keep = 3 if len(labels) > 2 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:]) or None
