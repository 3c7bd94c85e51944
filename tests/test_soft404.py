"""Soft 404s: pages that say "not found", and the host's answer for a path that cannot exist."""

from __future__ import annotations

import random
import re

import pytest

from crawler.checks.soft404 import (
    Fingerprint,
    fingerprint,
    is_same_page,
    random_probe_path,
    soft_404_reason,
)
from crawler.extract import PageMetadata, extract

SITE = "https://www.dailycourier.example"
ARTICLE_URL = f"{SITE}/2021/06/09/four-day-week-pilot/"
NAV = (
    "Home\nNews\nSport\nBusiness\nCulture\nOpinion\nSubscribe\n"
    "About us · Contact · Privacy policy · Terms of use · Advertise with us · Careers\n"
    "© 2021 The Daily Courier. All rights reserved. Registered in England and Wales."
)
ARTICLE_TEXT = (
    "Four-day week pilot begins\n"
    "Seventy companies will trial a four-day week from Monday, in the largest experiment of "
    "its kind, with staff keeping full pay for eighty per cent of their hours.\n"
    "Organisers said the six-month pilot would measure productivity, wellbeing and the "
    "effect on the environment, and that results would be published next year.\n"
    "One chief executive said the change had already helped recruitment, after a rival "
    "website returned a 404 error page not found to applicants for weeks.\n" + NAV
)


def page_titled(title: str | None) -> PageMetadata:
    """The page extract() reads from a document with this <title> on the Courier's site."""
    head = f"<title>{title}</title>" if title is not None else ""
    site = '<meta property="og:site_name" content="The Daily Courier">'
    markup = f"<!doctype html><html><head>{head}{site}</head><body></body></html>"
    return extract(markup.encode(), ARTICLE_URL, "text/html; charset=utf-8")


NOT_FOUND_TITLES = {
    "en-page-not-found-with-site": "Page not found | The Daily Courier",
    "en-bare-404": "404",
    "en-error-404-not-found": "Error 404 - Not Found",
    "nginx-default": "404 Not Found",
    "wordpress-oops": "Oops! That page can’t be found.",
    "en-not-found": "Not Found",
    "en-no-longer-available": "This article is no longer available",
    "en-could-not-find": "Sorry, we couldn't find that page",
    "de": "Seite nicht gefunden - The Daily Courier",
    "de-fehler": "Fehler 404",
    "fr": "Page introuvable",
    "fr-n-existe-plus": "Cette page n’existe plus",
    "es": "Página no encontrada",
    "it": "Pagina non trovata",
    "pt": "Página não encontrada",
    "nl": "Pagina niet gevonden",
    "ja": "ページが見つかりません",
    "ja-polite": "お探しのページは見つかりませんでした",
}


@pytest.mark.parametrize("title", NOT_FOUND_TITLES.values(), ids=NOT_FOUND_TITLES.keys())
def test_a_title_that_says_not_found_is_a_soft_404(title: str) -> None:
    reason = soft_404_reason(page_titled(title), ARTICLE_TEXT)
    assert reason is not None
    assert reason.startswith("title says not found: ")


ARTICLE_TITLES = {
    "about-404-pages": "Why 404 pages matter for SEO, and how to design them",
    "hiker-not-found": "Missing hiker not found after three-day search in the Alps",
    "show-no-longer-available": "Netflix show no longer available in the UK, fans say",
    "does-not-exist-essay": "The perfect commute does not exist, and that is fine",
    "german-news": "Vermisster Wanderer auch nach drei Tagen nicht gefunden",
    "plain-headline": "Four-day week pilot begins",
}


@pytest.mark.parametrize("title", ARTICLE_TITLES.values(), ids=ARTICLE_TITLES.keys())
def test_an_article_that_mentions_404_is_not_a_soft_404(title: str) -> None:
    assert soft_404_reason(page_titled(title), ARTICLE_TEXT) is None


NOT_FOUND_TEXTS = {
    "heading-on-a-long-page": (
        "The Daily Courier",
        "Sorry, the page you requested could not be found.\n" + NAV,
        "heading",
    ),
    "heading-page-does-not-exist": (
        "The Daily Courier",
        "This page doesn't exist\n" + NAV,
        "heading",
    ),
    "heading-german": ("The Daily Courier", "Die Seite wurde nicht gefunden\n" + NAV, "heading"),
    "heading-japanese": ("デイリー", "お探しのページは見つかりませんでした。\n" + NAV, "heading"),
    "heading-removed": (
        "The Daily Courier",
        "The article you are looking for may have been removed.\n" + NAV,
        "heading",
    ),
    "short-page-bare-phrase": (None, "Not found\nBack to the home page", "short page"),
    "short-page-long-sentence": (
        None,
        "We looked everywhere, but the page you asked for could not be found on this server, "
        "perhaps because it moved during our redesign.",
        "short page",
    ),
}


@pytest.mark.parametrize(("title", "text", "where"), NOT_FOUND_TEXTS.values(), ids=NOT_FOUND_TEXTS)
def test_a_heading_or_short_page_that_says_not_found_is_a_soft_404(
    title: str | None, text: str, where: str
) -> None:
    reason = soft_404_reason(page_titled(title), text)
    assert reason is not None
    assert reason.startswith(f"{where} says not found: ")


ARTICLE_TEXTS = {
    "article-mentioning-404-in-prose": ARTICLE_TEXT,
    "broken-embed-line-in-article": ARTICLE_TEXT.replace("Home\n", "Video not found\nHome\n"),
    "tweet-unavailable-line": ARTICLE_TEXT.replace("Home\n", "This Tweet is unavailable\nHome\n"),
    "short-brief-with-bare-phrase": (
        "Council update\nThe council said a plan for the bypass does not exist yet, and that "
        "consultation would begin in the spring."
    ),
    "empty": "",
}


@pytest.mark.parametrize("text", ARTICLE_TEXTS.values(), ids=ARTICLE_TEXTS.keys())
def test_text_of_a_real_article_is_not_a_soft_404(text: str) -> None:
    assert soft_404_reason(page_titled("Four-day week pilot begins"), text) is None


def test_the_reason_quotes_a_long_heading_shortened() -> None:
    heading = "Sorry, the page you were looking for could not be found anywhere on our site today"
    reason = soft_404_reason(PageMetadata(), heading + "\n" + NAV)
    assert reason is not None
    assert len(reason) < len(heading) + 30
    assert reason.endswith("…'")


# ---------------------------------------------------------------------------
# The random-path probe
# ---------------------------------------------------------------------------


def test_random_probe_path_cannot_exist_and_is_reproducible() -> None:
    path = random_probe_path(random.Random(7))
    assert re.fullmatch(r"/[0-9a-f]{32}-crawler-probe", path)
    assert path == random_probe_path(random.Random(7))
    assert path != random_probe_path(random.Random(8))


PROBE_URL = f"{SITE}{random_probe_path(random.Random(1))}"


def template(url: str, *, visited: str = "12:04") -> str:
    """The Courier's not-found page, echoing the requested path and a clock."""
    path = url.removeprefix(SITE)
    return (
        f"Sorry, we could not find {path}\n"
        "It may have moved, or the address may be mistyped. Try our search, or start again "
        f"from the home page. Page generated at {visited}.\n" + NAV
    )


def probe(url: str = PROBE_URL, status: int = 200, text: str | None = None) -> Fingerprint:
    body = template(url) if text is None else text
    return fingerprint(url, status, body, "Not found | The Daily Courier")


SAME_PAGES: dict[str, tuple[Fingerprint, Fingerprint, bool]] = {
    "template-echoing-each-path": (probe(), probe(ARTICLE_URL), True),
    "template-echoing-the-slug-as-words": (
        probe(text=template(PROBE_URL).replace(PROBE_URL.removeprefix(SITE), "crawler probe")),
        probe(ARTICLE_URL, text=template(ARTICLE_URL).replace(
            ARTICLE_URL.removeprefix(SITE), "2021 06 09 four day week pilot")),
        True,
    ),
    "clock-changed-between-requests": (
        probe(),
        probe(ARTICLE_URL, text=template(ARTICLE_URL, visited="12:05")),
        True,
    ),
    "both-redirected-to-home": (
        fingerprint(f"{SITE}/", 200, "Front page\n" + NAV, "The Daily Courier"),
        fingerprint(f"{SITE}/", 200, "Front page, a minute later\n" + NAV, "The Daily Courier"),
        True,
    ),
    "host-answers-404-to-the-probe": (probe(status=404), probe(ARTICLE_URL), False),
    "real-article-against-template": (
        probe(),
        fingerprint(ARTICLE_URL, 200, ARTICLE_TEXT, "Four-day week pilot begins"),
        False,
    ),
    "same-template-other-title": (
        probe(),
        fingerprint(ARTICLE_URL, 200, template(ARTICLE_URL), "Four-day week pilot begins"),
        False,
    ),
    "same-chrome-other-content": (
        probe(),
        probe(ARTICLE_URL, text=ARTICLE_TEXT),
        False,
    ),
    "two-empty-shells": (
        fingerprint(PROBE_URL, 200, "", "The Daily Courier"),
        fingerprint(ARTICLE_URL, 200, "", "The Daily Courier"),
        False,
    ),
}  # fmt: skip


@pytest.mark.parametrize(("a", "b", "same"), SAME_PAGES.values(), ids=SAME_PAGES.keys())
def test_is_same_page_recognises_the_hosts_not_found_template(
    a: Fingerprint, b: Fingerprint, same: bool
) -> None:
    assert is_same_page(a, b) is same
    assert is_same_page(b, a) is same


def test_fingerprint_sets_the_echoed_path_aside() -> None:
    first = probe()
    second = probe(f"{SITE}{random_probe_path(random.Random(2))}")
    assert first.shingles == second.shingles
    assert first.final_url != second.final_url
    assert first.title == "not found the daily courier"


def test_fingerprint_keeps_short_runs_of_path_words() -> None:
    # "the" and "in" from a slug are also the template's own words.
    text = "Sorry, the story you want is not in our archive"
    url = f"{SITE}/the-story-in-the-archive-x/"
    words_kept = fingerprint(url, 200, text, None)
    words_all = fingerprint(f"{SITE}/elsewhere/", 200, text, None)
    assert words_kept.shingles == words_all.shingles


def test_an_h1_stands_in_for_a_missing_title() -> None:
    markup = b"<!doctype html><html><head></head><body><h1>Page not found</h1></body></html>"
    page = extract(markup, ARTICLE_URL, "text/html")
    assert soft_404_reason(page, ARTICLE_TEXT) == "title says not found: 'Page not found'"
