"""Normalisation of the raw strings pages declare."""

from __future__ import annotations

import pytest

from crawler.extract.bylines import looks_like_name
from crawler.extract.normalize import (
    absolute_url,
    clean_author,
    clean_lang,
    clean_text,
    site_names_for,
    strip_site_name,
    to_dimension,
)

TITLES = {
    "pipe-site-name": (
        "Rates held | The Guardian",
        "theguardian.com",
        "The Guardian",
        "Rates held",
    ),
    "site-name-without-the": (
        "Rates held | Guardian",
        "theguardian.com",
        "The Guardian",
        "Rates held",
    ),
    "dash-host-name": ("Rates held - TechWire Asia", "techwireasia.com", None, "Rates held"),
    "em-dash": ("Rates held — Daily Courier", "dailycourier.example", None, "Rates held"),
    "en-dash-case-insensitive": (
        "Rates held – DAILY COURIER",
        "x.example",
        "Daily Courier",
        "Rates held",
    ),
    "host-with-tld": ("Rates held | techwireasia.com", "techwireasia.com", None, "Rates held"),
    "co-uk-host": ("Rates held - BBC", "www.bbc.co.uk", None, "Rates held"),
    "prefix-site-colon": ("Reuters: Rates held", "reuters.com", None, "Rates held"),
    "section-kept": (
        "Rates held | Business | The Guardian",
        "theguardian.com",
        None,
        "Rates held | Business",
    ),
    "other-suffix-kept": (
        "Rates held - analysis",
        "example.com",
        "Example",
        "Rates held - analysis",
    ),
    "title-that-is-only-the-site": (
        "The Guardian",
        "theguardian.com",
        "The Guardian",
        "The Guardian",
    ),
    "colon-in-headline-kept": (
        "Markets: oil rises",
        "energymonitor.example",
        None,
        "Markets: oil rises",
    ),
}


@pytest.mark.parametrize(("title", "host", "site", "expected"), TITLES.values(), ids=TITLES.keys())
def test_site_name_stripped_from_titles(
    title: str, host: str, site: str | None, expected: str
) -> None:
    assert strip_site_name(title, site_names_for(host, site)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Rates\n\theld\u00a0today ", "Rates held today"),
        ("It&amp;#8217;s", "It’s"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("<p>Rates <b>held</b></p>", "Rates held"),
        ("a < b and c > d", "a < b and c > d"),
        ("zero\u200bwidth", "zerowidth"),
        ("   ", None),
        ("", None),
    ],
    ids=[
        "whitespace",
        "double-encoded",
        "amp",
        "tags",
        "comparison-signs",
        "invisible",
        "blank",
        "empty",
    ],
)
def test_clean_text(raw: str, expected: str | None) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/a/b.jpg", "https://news.example/a/b.jpg"),
        ("//cdn.example/x.jpg", "https://cdn.example/x.jpg"),
        ("img.jpg", "https://news.example/section/img.jpg"),
        ("https://x.example/a.jpg?w=1&amp;region=eu", "https://x.example/a.jpg?w=1&region=eu"),
        ("https://x.example/a.jpg?w=1&region=eu", "https://x.example/a.jpg?w=1&region=eu"),
        ("https://x.example/a b.jpg", "https://x.example/a%20b.jpg"),
        (" https://x.example/\n\tstory ", "https://x.example/story"),
        ("https://x.example/page#comments", "https://x.example/page"),
        ("HTTPS://X.example", "https://X.example/"),
        ("javascript:void(0)", None),
        ("data:image/gif;base64,R0lGOD", None),
        ("mailto:desk@news.example", None),
        ("null", None),
        ("#", None),
        ("", None),
    ],
    ids=[
        "root-relative",
        "protocol-relative",
        "path-relative",
        "encoded-ampersand",
        "region-param-not-an-entity",
        "space",
        "newline",
        "fragment",
        "scheme-case",
        "javascript",
        "data",
        "mailto",
        "placeholder",
        "fragment-only",
        "empty",
    ],
)
def test_absolute_url(raw: str, expected: str | None) -> None:
    assert absolute_url(raw, "https://news.example/section/page.html") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("by: Jane Doe", "Jane Doe"),
        ("@janedoe", "janedoe"),
        ("https://www.facebook.com/janedoe", None),
        ("www.example.com/people/jane", None),
        ("example.com/people/jane", None),
        ("jane@example.com", None),
        ("x" * 200, None),
        ("Jane Doe, John Roe", "Jane Doe, John Roe"),
    ],
    ids=["by", "by-colon", "handle", "url", "www", "bare-domain-path", "email", "too-long", "two"],
)
def test_clean_author(raw: str, expected: str | None) -> None:
    assert clean_author(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" en-US ", "en-US"),
        ("en_US", "en-US"),
        ("de", "de"),
        ("zh-Hant-TW", "zh-Hant-TW"),
        ("en-US,en;q=0.9", "en-US"),
        ("{{ lang }}", None),
        ("x-default", None),
        ("english", None),
    ],
    ids=[
        "trimmed",
        "underscore",
        "two-letter",
        "script-subtag",
        "list",
        "template",
        "x-default",
        "word",
    ],
)
def test_clean_lang(raw: str, expected: str | None) -> None:
    assert clean_lang(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1200, 1200),
        ("1200", 1200),
        ("1200px", 1200),
        (1200.0, 1200),
        ("0", None),
        ("auto", None),
        (True, None),
    ],
    ids=["int", "string", "px", "float", "zero", "word", "bool"],
)
def test_to_dimension(raw: object, expected: int | None) -> None:
    assert to_dimension(raw) == expected


@pytest.mark.parametrize(
    ("text", "is_name"),
    [
        ("Rosa Delgado", True),
        ("Rosa Delgado and Kwame Mensah", True),
        ("Ludwig van Beethoven", True),
        ("View all posts", False),
        ("Follow Rosa Delgado", False),
        ("Updated 5 minutes ago", False),
        ("Madonna", False),
    ],
    ids=["name", "two-names", "particle", "link-label", "follow", "timestamp", "one-word"],
)
def test_bylines_are_kept_only_when_they_read_as_names(text: str, is_name: bool) -> None:
    assert looks_like_name(text) is is_name
