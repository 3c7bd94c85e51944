"""Staleness: stored front matter against what the live page says, field by field."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
import yaml

from crawler.checks.staleness import StaleField, Staleness, page_says, stale_fields
from crawler.extract import PageMetadata, extract

URL = "https://techwireasia.com/2021/01/which-country-leads-the-innovation-charge-in-ai-research/"
TITLE = "Which country leads the innovation charge in AI research?"
EXCERPT = (
    "New discoveries and understanding of AI capabilities are ever-evolving, much like the "
    "technology itself. Hence many national and private interests are charging ahead with AI "
    "research and development in a dizzying assortment of fields,"
)
DESCRIPTION = EXCERPT.removesuffix(",") + " from healthcare to defence."
IMAGE = "https://cdn.techwireasia.com/wp-content/uploads/2021/01/000_8ZH7HR-450x300.jpg"

# The front matter of ../shared/seeds/000_*.txt, as the reader parses it (YAML timestamps
# become datetimes).
SEED = yaml.safe_load(
    f"""
title: "{TITLE}"
excerpt: "{EXCERPT}"
publishedDateTime: 2021-01-28T04:51:00Z
webUrl: "{URL}"
provider:
  name: techwireasia.com
  domain: techwireasia.com
images:
  - url: "{IMAGE}"
    width: 450
    height: 300
"""
)


def page(
    title: str | None = f"{TITLE} | TechWire Asia",
    description: str | None = DESCRIPTION,
    published: str | None = "2021-01-28T12:51:00+08:00",
    image: str | None = IMAGE,
    canonical: str | None = URL,
    site_name: str | None = "TechWire Asia",
    url: str = URL,
) -> PageMetadata:
    """The page as extract() reads it from a small head with these declarations."""
    tags = []
    if title is not None:
        tags.append(f"<title>{html.escape(title)}</title>")
    if site_name is not None:
        tags.append(f'<meta property="og:site_name" content="{site_name}">')
    if description is not None:
        tags.append(f'<meta name="description" content="{html.escape(description)}">')
    if published is not None:
        tags.append(f'<meta property="article:published_time" content="{published}">')
    if image is not None:
        tags.append(f'<meta property="og:image" content="{image}">')
    if canonical is not None:
        tags.append(f'<link rel="canonical" href="{canonical}">')
    markup = f"<!doctype html><html><head>{''.join(tags)}</head><body></body></html>"
    return extract(markup.encode(), url, "text/html; charset=utf-8")


def article(**changes: Any) -> dict[str, Any]:
    result = dict(SEED)
    result.update(changes)
    return {key: value for key, value in result.items() if value is not None}


def test_the_seed_article_is_fresh_against_its_own_page() -> None:
    assert stale_fields(SEED, page()) == {}


TITLES = {
    "identical": (TITLE, f"{TITLE} | TechWire Asia", False),
    "stored-with-site-suffix": (f"{TITLE} - TechWire Asia", TITLE, False),
    "stored-with-host-suffix": (f"{TITLE} | techwireasia.com", TITLE, False),
    "entities": ("Rock &amp; roll&#8217;s return", "Rock & roll’s return", False),
    "typographic-quotes": ("Biden’s “plan” — explained", 'Biden\'s "plan" - explained', False),
    "whitespace": ("  Rates   held\n today ", "Rates held today", False),
    "suffix-naming-another-site": (f"{TITLE} | Reuters", TITLE, True),
    "retitled": (TITLE, "Which country leads AI research in 2021?", True),
    "case-changed": (TITLE, TITLE.upper(), True),
}


@pytest.mark.parametrize(("stored", "live", "stale"), TITLES.values(), ids=TITLES.keys())
def test_title_is_stale_only_when_the_words_changed(stored: str, live: str, stale: bool) -> None:
    result = stale_fields(article(title=stored), page(title=live))
    assert ("title" in result) is stale


EXCERPTS = {
    "feed-cut-at-comma": (EXCERPT, DESCRIPTION, False),
    "feed-cut-with-ellipsis": (EXCERPT[:120] + "…", DESCRIPTION, False),
    "feed-cut-with-dots-mid-word": (EXCERPT[:97] + "...", DESCRIPTION, False),
    "feed-cut-wordpress-more": (EXCERPT[:150] + " [&hellip;]", DESCRIPTION, False),
    "page-description-cut": (EXCERPT, EXCERPT[:155] + "…", False),
    "entities-and-whitespace": ("Rock &amp; roll\n  is back.", "Rock & roll is back.", False),
    "typographic-apostrophe": ("It’s back.", "It's back.", False),
    "page-description-too-short-to-be-a-cut": (EXCERPT, "New discoveries…", True),
    "rewritten": (EXCERPT, "An entirely different summary of the story.", True),
    "page-says-the-first-sentences": (DESCRIPTION + " And more.", DESCRIPTION, False),
    "same-opening-other-ending": (EXCERPT, EXCERPT[:80] + " and then something new.", True),
}


@pytest.mark.parametrize(("stored", "live", "stale"), EXCERPTS.values(), ids=EXCERPTS.keys())
def test_excerpt_tolerates_truncation_on_either_side(stored: str, live: str, stale: bool) -> None:
    result = stale_fields(article(excerpt=stored), page(description=live))
    assert ("excerpt" in result) is stale


NINE = timezone(timedelta(hours=9))
DATES: dict[str, tuple[object, str, bool]] = {
    "yaml-datetime-same-instant": (SEED["publishedDateTime"], "2021-01-28T04:51:00Z", False),
    "other-zone-same-instant": ("2021-01-28T13:51:00+09:00", "2021-01-28T04:51:00Z", False),
    "yaml-aware-datetime": (datetime(2021, 1, 28, 13, 51, tzinfo=NINE), "2021-01-28T04:51Z", False),
    "naive-stored-is-utc": (datetime(2021, 1, 28, 4, 51), "2021-01-28T04:51:00+00:00", False),
    "rfc-2822-stored": ("Thu, 28 Jan 2021 04:51:00 GMT", "2021-01-28T04:51:00Z", False),
    "page-adds-seconds": ("2021-01-28T04:51:00Z", "2021-01-28T04:51:23Z", False),
    "two-minutes-apart": ("2021-01-28T04:51:00Z", "2021-01-28T04:53:00Z", True),
    "republished-next-day": ("2021-01-28T04:51:00Z", "2021-01-29T04:51:00Z", True),
    "page-date-only-same-day": ("2021-01-28T04:51:00Z", "2021-01-28", False),
    "page-date-only-local-day-ahead-of-utc": ("2021-01-27T20:00:00Z", "2021-01-28", False),
    "page-date-only-two-days-off": ("2021-01-28T04:51:00Z", "2021-01-30", True),
    "stored-yaml-date-same-day": (date(2021, 1, 28), "2021-01-28T04:51:00Z", False),
    "stored-date-other-day": (date(2021, 1, 26), "2021-01-28T04:51:00Z", True),
    "both-dates-equal": ("2021-01-28", "2021-01-28", False),
    "stored-not-a-date": ("soon", "2021-01-28T04:51:00Z", True),
}


@pytest.mark.parametrize(("stored", "live", "stale"), DATES.values(), ids=DATES.keys())
def test_published_date_compares_instants_not_spellings(
    stored: object, live: str, stale: bool
) -> None:
    result = stale_fields(article(publishedDateTime=stored), page(published=live))
    assert ("publishedDateTime" in result) is stale


def test_a_stale_yaml_timestamp_is_recorded_as_iso_text() -> None:
    result = stale_fields(SEED, page(published="2021-02-01T10:00:00Z"))
    assert result == {
        "publishedDateTime": Staleness(
            "publishedDateTime", "2021-01-28T04:51:00Z", "2021-02-01T10:00:00Z"
        )
    }


IMAGES = {
    "same": (IMAGE, IMAGE, False),
    "http-and-https": (IMAGE.replace("https:", "http:"), IMAGE, False),
    "host-case": (IMAGE.replace("cdn.techwireasia.com", "CDN.TechWireAsia.com"), IMAGE, False),
    "relative-on-page": ("https://techwireasia.com/img/a.jpg", "/img/a.jpg", False),
    "swapped": (IMAGE, IMAGE.replace("000_8ZH7HR", "001_NEWHERO"), True),
    "other-size-suffix": (IMAGE, IMAGE.replace("-450x300", "-1024x683"), True),
    "other-query": (IMAGE + "?w=450", IMAGE + "?w=1200", True),
    "stored-not-a-url": ("not a url", IMAGE, True),
}


@pytest.mark.parametrize(("stored", "live", "stale"), IMAGES.values(), ids=IMAGES.keys())
def test_image_compares_normalised_urls(stored: str, live: str, stale: bool) -> None:
    result = stale_fields(article(images=[{"url": stored}]), page(image=live))
    assert ("images[0].url" in result) is stale


PROVIDERS = {
    "same": ("techwireasia.com", URL, False),
    "www-on-page": ("ibtimes.com", "https://www.ibtimes.com/story", False),
    "www-stored": ("www.ibtimes.com", "https://ibtimes.com/story", False),
    "subdomain-on-page": ("cnn.com", "https://edition.cnn.com/story", False),
    "country-second-level": ("bbc.co.uk", "https://www.bbc.co.uk/news/1", False),
    "stored-as-url": ("https://www.techwireasia.com/", URL, False),
    "stored-upper-case": ("TechWireAsia.com", URL, False),
    "moved-to-other-domain": ("bbc.co.uk", "https://www.bbc.com/news/1", True),
    "syndicated-elsewhere": ("techwireasia.com", "https://www.msn.com/en-us/story", True),
}


@pytest.mark.parametrize(("stored", "canonical", "stale"), PROVIDERS.values(), ids=PROVIDERS)
def test_provider_domain_compares_registrable_domains(
    stored: str, canonical: str, stale: bool
) -> None:
    provider = {"name": "Provider", "domain": stored}
    result = stale_fields(article(provider=provider), page(canonical=canonical))
    assert ("provider.domain" in result) is stale


def test_provider_is_not_compared_without_a_canonical_url() -> None:
    live = PageMetadata(title=TITLE)
    assert stale_fields(article(provider={"domain": "elsewhere.com"}), live) == {}


def test_stale_fields_record_stored_and_live_values() -> None:
    live = page(
        title="AI research: who leads?",
        description="Something else entirely.",
        image="https://techwireasia.com/new.jpg",
        canonical="https://www.msn.com/en-us/story",
    )
    assert stale_fields(SEED, live) == {
        "title": Staleness("title", TITLE, "AI research: who leads?"),
        "excerpt": Staleness("excerpt", EXCERPT, "Something else entirely."),
        "images[0].url": Staleness("images[0].url", IMAGE, "https://techwireasia.com/new.jpg"),
        "provider.domain": Staleness("provider.domain", "techwireasia.com", "msn.com"),
    }
    assert {field.value for field in StaleField} >= set(stale_fields(SEED, live))


ABSENT = {
    "page-says-nothing": (SEED, PageMetadata()),
    "article-has-nothing": ({}, page(title="Other", description="Other", image=IMAGE + "x")),
    "empty-stored-values": (
        {"title": " ", "excerpt": "", "publishedDateTime": "", "images": [], "provider": {}},
        page(title="Other", description="Other", published="2030-01-01"),
    ),
    "images-not-a-list": ({"images": {"url": IMAGE}}, page(image=IMAGE + "x")),
    "first-image-without-url": ({"images": [{"width": 1}]}, page(image=IMAGE + "x")),
    "provider-not-a-mapping": ({"provider": "techwireasia.com"}, page(canonical=URL)),
}


@pytest.mark.parametrize(("stored", "live"), ABSENT.values(), ids=ABSENT.keys())
def test_fields_absent_on_either_side_are_not_compared(
    stored: dict[str, Any], live: PageMetadata
) -> None:
    assert stale_fields(stored, live) == {}


def test_page_says_is_camel_case_without_nones() -> None:
    assert page_says(page(image=None)) == {
        "title": TITLE,
        "description": DESCRIPTION,
        "url": URL,
        "publishedAt": "2021-01-28T04:51:00Z",
        "siteName": "TechWire Asia",
    }
    assert page_says(PageMetadata()) == {}
