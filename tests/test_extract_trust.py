"""The per-field trust order of ``extract``, one small page per rule.

Each case builds a minimal head with two competing sources and asserts which
one wins; the table in ``crawler.extract.metadata`` is the specification.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract import PageMetadata, extract

URL = "https://news.example/world/story-1"


def page(head: str = "", body: str = "", html_attributes: str = "") -> bytes:
    return (
        f"<!DOCTYPE html><html{html_attributes}><head><meta charset=utf-8>{head}</head>"
        f"<body>{body}</body></html>"
    ).encode()


def ld(document: dict[str, Any]) -> str:
    return f'<script type="application/ld+json">{json.dumps(document)}</script>'


def meta(key: str, content: str, attribute: str = "property") -> str:
    return f'<meta {attribute}="{key}" content="{content}">'


CASES: dict[str, tuple[bytes, str, Any]] = {
    "og-title-beats-jsonld-headline": (
        page(meta("og:title", "Social title") + ld({"@type": "NewsArticle", "headline": "LD"})),
        "title",
        "Social title",
    ),
    "jsonld-headline-beats-title-element": (
        page("<title>Raw | News</title>" + ld({"@type": "Article", "headline": "Clean"})),
        "title",
        "Clean",
    ),
    "h1-when-nothing-else": (
        page(body="<h1> Only <em>heading</em> </h1>"),
        "title",
        "Only heading",
    ),
    "og-description-beats-meta-description": (
        page(meta("description", "Plain", "name") + meta("og:description", "Social")),
        "description",
        "Social",
    ),
    "canonical-beats-og-url": (
        page(
            '<link rel="canonical" href="/world/story-1">'
            + meta("og:url", "https://m.news.example/x")
        ),
        "url",
        "https://news.example/world/story-1",
    ),
    "og-url-when-no-canonical": (
        page(meta("og:url", "https://news.example/og")),
        "url",
        "https://news.example/og",
    ),
    "jsonld-date-beats-article-published-time": (
        page(
            meta("article:published_time", "2021-01-01T00:00:00Z")
            + ld({"@type": "NewsArticle", "datePublished": "2021-01-02T00:00:00Z"})
        ),
        "published_at",
        "2021-01-02T00:00:00Z",
    ),
    "unparseable-jsonld-date-falls-through": (
        page(
            meta("article:published_time", "2021-01-01T00:00:00Z")
            + ld({"@type": "NewsArticle", "datePublished": "soon"})
        ),
        "published_at",
        "2021-01-01T00:00:00Z",
    ),
    "jsonld-bare-day-made-precise-by-og-time-on-that-day": (
        page(
            meta("article:published_time", "2021-01-27T23:30:00-05:00")
            + ld({"@type": "NewsArticle", "datePublished": "2021-01-27"})
        ),
        "published_at",
        "2021-01-28T04:30:00Z",
    ),
    "jsonld-bare-day-kept-when-og-time-is-another-day": (
        page(
            meta("article:published_time", "2021-03-01T10:00:00Z")
            + ld({"@type": "NewsArticle", "datePublished": "2021-01-27"})
        ),
        "published_at",
        "2021-01-27",
    ),
    "time-element-last-resort": (
        page(body='<time datetime="2021-03-03T10:00:00+02:00">3 March</time>'),
        "published_at",
        "2021-03-03T08:00:00Z",
    ),
    "jsonld-author-beats-meta-author": (
        page(
            meta("author", "Desk", "name")
            + ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "Ann Lee"}})
        ),
        "author",
        "Ann Lee",
    ),
    "article-author-url-skipped-for-meta-name": (
        page(
            meta("article:author", "https://www.facebook.com/ann")
            + meta("parsely-author", "Ann Lee", "name")
        ),
        "author",
        "Ann Lee",
    ),
    "article-author-name-used": (page(meta("article:author", "Ann Lee")), "author", "Ann Lee"),
    "several-meta-authors-joined": (
        page(meta("author", "Ann Lee", "name") + meta("author", "Bo Chen", "name")),
        "author",
        "Ann Lee, Bo Chen",
    ),
    "rel-author-byline-in-body": (
        page(body='<p class="byline">By <a rel="author" href="/staff/ann">Ann Lee</a></p>'),
        "author",
        "Ann Lee",
    ),
    "first-byline-only-not-related-stories": (
        page(
            body='<span class="author-name">Ann Lee</span>'
            '<aside><span class="author-name">Bo Chen</span></aside>'
        ),
        "author",
        "Ann Lee",
    ),
    "embedded-video-microdata-is-not-the-page-description": (
        page(
            body='<div itemscope itemtype="https://schema.org/ImageGallery">'
            '<meta itemprop="description" content="Gallery blurb">'
            '<span itemprop="author">Photo Desk</span></div>'
        ),
        "description",
        None,
    ),
    "article-item-beats-the-web-page-item-around-it": (
        page(
            body='<div itemscope itemtype="https://schema.org/WebPage">'
            '<span itemprop="headline">Section</span>'
            '<article itemscope itemtype="https://schema.org/NewsArticle">'
            '<h2 itemprop="headline">The story</h2></article></div>'
        ),
        "title",
        "The story",
    ),
    "itemprop-outside-any-item-still-read": (
        page(body='<span itemprop="datePublished" content="2021-05-05T10:00:00Z">5 May</span>'),
        "published_at",
        "2021-05-05T10:00:00Z",
    ),
    "og-site-name-beats-jsonld-publisher": (
        page(
            meta("og:site_name", "News")
            + ld({"@type": "NewsArticle", "publisher": {"name": "News Corp"}})
        ),
        "site_name",
        "News",
    ),
    "jsonld-publisher-when-no-og-site-name": (
        page(
            meta("application-name", "News App", "name")
            + ld({"@type": "NewsArticle", "publisher": {"name": "News Corp"}})
        ),
        "site_name",
        "News Corp",
    ),
    "application-name-when-nothing-else": (
        page(meta("application-name", "News App", "name")),
        "site_name",
        "News App",
    ),
    "html-lang-beats-og-locale": (
        page(meta("og:locale", "fr_FR"), html_attributes=' lang="en-GB"'),
        "lang",
        "en-GB",
    ),
    "og-locale-hyphenated": (page(meta("og:locale", "fr_FR")), "lang", "fr-FR"),
    "content-language-http-equiv": (
        page(meta("content-language", "pt-BR", "http-equiv")),
        "lang",
        "pt-BR",
    ),
    "jsonld-in-language-last": (page(ld({"@type": "Article", "inLanguage": "es"})), "lang", "es"),
    "og-type-beats-jsonld-type": (
        page(meta("og:type", "video.other") + ld({"@type": "NewsArticle"})),
        "type",
        "video.other",
    ),
    "jsonld-type-lower-cased": (
        page(ld({"@type": "VideoObject", "name": "Clip", "datePublished": "2021"})),
        "type",
        "videoobject",
    ),
    "og-image-beats-twitter-image": (
        page(meta("twitter:image", "/t.jpg", "name") + meta("og:image", "/o.jpg")),
        "image",
        "https://news.example/o.jpg",
    ),
    "og-image-url-alias-keeps-the-size-with-its-image": (
        page(
            meta("og:image", "https://cdn.example/a.jpg")
            + meta("og:image:url", "https://cdn.example/a.jpg")
            + meta("og:image:width", "1200")
            + meta("og:image:height", "630")
            + meta("og:image", "https://cdn.example/b.jpg")
        ),
        "image_width",
        1200,
    ),
    "twitter-image-beats-jsonld-image": (
        page(meta("twitter:image", "/t.jpg", "name") + ld({"@type": "Article", "image": "/l.jpg"})),
        "image",
        "https://news.example/t.jpg",
    ),
    "empty-og-title-is-absent": (
        page(meta("og:title", "  ") + "<title>Fallback</title>"),
        "title",
        "Fallback",
    ),
    "amp-html-attribute": (page(html_attributes=" amp"), "is_amp", True),
    "amp-lightning-attribute": (page(html_attributes=" ⚡ lang=en"), "is_amp", True),
    "not-amp": (page(html_attributes=' lang="en" class="amp-ready"'), "is_amp", False),
}


@pytest.mark.parametrize(("html", "field", "value"), CASES.values(), ids=CASES.keys())
def test_trust_order(html: bytes, field: str, value: Any) -> None:
    assert getattr(extract(html, URL), field) == value


def test_xhtml_declaration_parses_without_warnings() -> None:
    html = (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>X</title></head></html>'
    )

    assert extract(html, URL).title == "X"


@pytest.mark.parametrize(
    "html",
    [b"", b"   ", b"https://news.example/not-a-page", b"%PDF-1.7\n\x00\x01", b"{}"],
    ids=["empty", "blank", "looks-like-a-url", "binary", "json"],
)
def test_non_html_yields_empty_metadata(html: bytes) -> None:
    assert extract(html, URL) == PageMetadata()


def test_to_json_has_exactly_the_contract_keys() -> None:
    assert list(PageMetadata().to_json()) == [
        "title", "description", "url", "ampUrl", "image", "imageWidth", "imageHeight",
        "publishedAt", "modifiedAt", "siteName", "author", "lang", "type",
    ]  # fmt: skip


_MARKUP = st.lists(
    st.sampled_from(
        [
            "<html lang=en>", "<head>", "</head>", "<body>", "<title>", "</title>", "<script>",
            "</script>", '<script type="application/ld+json">', '{"@type":"Article",',
            '"headline":', '"x"', "}", "]", "[", '<meta property="og:title" content="',
            '<meta property="og:image" content="', '">', "<base href=", "//", "&amp;", "&#",
            "<!--", "-->", "<h1>", "<time datetime=", "2021-01-28", "\x00", "é", "\ufeff",
        ]
    ),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(_MARKUP, st.sampled_from(["utf-8", "cp1252", "utf-16-le"]))
def test_extract_never_raises_on_arbitrary_markup(markup: str, encoding: str) -> None:
    metadata = extract(markup.encode(encoding, errors="replace"), URL)

    for value in (metadata.url, metadata.image, metadata.amp_url):
        assert value is None or value.startswith(("http://", "https://"))


@pytest.mark.parametrize(
    ("html", "url", "image"),
    [
        (page('<base href="http://[broken">' + meta("og:image", "/a.jpg")), URL, "https://news.example/a.jpg"),
        (page(meta("og:url", "http://[broken") + meta("og:title", "T")), URL, None),
        (page(meta("og:image", "/a.jpg")), "http://[broken", None),
        (page(ld({"@type": "Article"})[:-9] + "[" * 100_000 + "</script>"), URL, None),
    ],
    ids=["malformed-base-href", "malformed-og-url", "malformed-page-url", "deeply-nested-json"],
)  # fmt: skip
def test_malformed_urls_and_json_are_dropped_not_raised(
    html: bytes, url: str, image: str | None
) -> None:
    metadata = extract(html, url)

    assert (metadata.url, metadata.image) == (None, image)


def test_absolute_urls_survive_a_malformed_page_url() -> None:
    html = page(meta("og:image", "https://cdn.example/a.jpg") + meta("og:image", "/b.jpg"))

    assert extract(html, "http://[broken").image == "https://cdn.example/a.jpg"
