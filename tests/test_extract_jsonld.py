"""JSON-LD: graph shapes, @id references and the lenient reading of broken blocks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crawler.extract.evidence import Evidence, ImageCandidate
from crawler.extract.jsonld import read_linked_data
from crawler.extract.lenient_json import loads_lenient


def read(*documents: Any) -> Evidence:
    evidence = Evidence()
    read_linked_data([json.dumps(document) for document in documents], evidence)
    return evidence


BROKEN = {
    "trailing-commas": ('{"a": [1, 2,], "b": {"c": 3,},}', {"a": [1, 2], "b": {"c": 3}}),
    "line-and-block-comments": (
        '{"a": 1, // why\n /* note */ "b": "http://x/y"}',
        {"a": 1, "b": "http://x/y"},
    ),
    "raw-newline-and-tab-in-string": ('{"a": "one\ntwo\tthree"}', {"a": "one\ntwo\tthree"}),
    "invalid-escape": ('{"a": "it\\\'s"}', {"a": "it's"}),
    "html-comment-wrapper": ('<!--\n{"a": 1}\n-->', {"a": 1}),
    "cdata-wrapper": ('//<![CDATA[\n{"a": 1}\n//]]>', {"a": 1}),
    "block-comment-cdata-wrapper": ('/*<![CDATA[*/{"a": 1}/*]]>*/', {"a": 1}),
    "html-escaped": ("{&quot;a&quot;: &quot;b&quot;}", {"a": "b"}),
}


@pytest.mark.parametrize(("text", "value"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_blocks_are_repaired(text: str, value: Any) -> None:
    assert loads_lenient(text) == [value]


def test_blocks_back_to_back_are_all_read() -> None:
    assert loads_lenient('{"a": 1}\n{"b": 2}') == [{"a": 1}, {"b": 2}]


def test_hopeless_block_is_skipped() -> None:
    assert loads_lenient('{"name": "Broken "Quotes" Inc"') == []


def test_yoast_graph_author_publisher_and_image_resolved_by_id() -> None:
    evidence = read(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "Organization", "@id": "#org", "name": "Example Daily"},
                {"@type": "WebSite", "@id": "#site", "name": "Example Daily Online"},
                {
                    "@type": "WebPage",
                    "@id": "https://example.com/a/#webpage",
                    "url": "https://example.com/a/",
                    "name": "A headline - Example Daily",
                    "description": "From the page node.",
                    "isPartOf": {"@id": "#site"},
                },
                {
                    "@type": "ImageObject",
                    "@id": "#img",
                    "url": "https://example.com/a.jpg",
                    "width": 800,
                    "height": {"@type": "QuantitativeValue", "value": 600},
                },
                {
                    "@type": "Article",
                    "headline": "A headline",
                    "author": {"@id": "#person"},
                    "publisher": {"@id": "#org"},
                    "image": {"@id": "#img"},
                    "isPartOf": {"@id": "https://example.com/a/#webpage"},
                },
                {"@type": "Person", "@id": "#person", "name": "Ada Lovelace"},
            ],
        }
    )

    assert evidence.get("jsonld:headline") == ["A headline"]
    assert evidence.get("jsonld:description") == ["From the page node."]
    assert evidence.get("jsonld:author") == ["Ada Lovelace"]
    assert evidence.get("jsonld:publisher") == ["Example Daily"]
    assert evidence.get("jsonld:image") == [ImageCandidate("https://example.com/a.jpg", 800, 600)]
    assert evidence.get("jsonld:url") == ["https://example.com/a/"]
    assert evidence.get("jsonld:type") == ["article"]
    assert "Example Daily Online" in evidence.get("jsonld:website")


def test_article_nested_as_main_entity_of_a_web_page() -> None:
    evidence = read(
        {
            "@type": "WebPage",
            "name": "Section front",
            "mainEntity": {
                "@type": "LiveBlogPosting",
                "headline": "Election night live",
                "datePublished": "2020-11-03T23:00:00Z",
            },
        }
    )

    assert evidence.get("jsonld:headline") == ["Election night live"]
    assert evidence.get("jsonld:type") == ["article"]


@pytest.mark.parametrize(
    ("author", "names"),
    [
        ({"@type": "Person", "name": "Ada Lovelace"}, ["Ada Lovelace"]),
        ({"@type": "Organization", "name": "Newsroom"}, ["Newsroom"]),
        ("Grace Hopper", ["Grace Hopper"]),
        ([{"name": "A One"}, "B Two", {"name": ["C Three"]}], ["A One", "B Two", "C Three"]),
        ({"@type": "Person", "givenName": "Alan", "familyName": "Turing"}, ["Alan Turing"]),
    ],
    ids=["person", "organization", "string", "mixed-array", "given-and-family-name"],
)
def test_author_shapes(author: Any, names: list[str]) -> None:
    evidence = read({"@type": "NewsArticle", "headline": "h", "author": author})

    assert evidence.get("jsonld:author") == names


def test_image_array_keeps_each_image_with_its_own_size() -> None:
    evidence = read(
        {
            "@type": "BlogPosting",
            "image": [
                "https://x.example/a.jpg",
                {
                    "@type": "ImageObject",
                    "contentUrl": "https://x.example/b.jpg",
                    "width": "640",
                    "height": "480",
                },
            ],
        }
    )

    assert evidence.get("jsonld:image") == [
        ImageCandidate("https://x.example/a.jpg"),
        ImageCandidate("https://x.example/b.jpg", 640, 480),
    ]


def test_article_outranks_earlier_breadcrumbs_and_pages() -> None:
    evidence = read(
        {"@type": "BreadcrumbList", "itemListElement": []},
        {"@type": "CollectionPage", "name": "Business", "datePublished": "2019-01-01"},
        {
            "@type": ["NewsArticle", "AnalysisNewsArticle"],
            "headline": "The story",
            "datePublished": "2021-05-05",
        },
    )

    assert evidence.get("jsonld:headline") == ["The story"]
    assert evidence.get("jsonld:datePublished") == ["2021-05-05"]


def test_website_name_is_kept_even_without_an_article() -> None:
    evidence = read({"@type": "WebSite", "name": "Just A Site", "url": "https://a.example/"})

    assert evidence.get("jsonld:website") == ["Just A Site"]
    assert "jsonld:headline" not in evidence


def test_blank_field_on_the_article_falls_back_to_the_page_node() -> None:
    evidence = read(
        {"@type": "NewsArticle", "headline": "  ", "description": ""},
        {"@type": "WebPage", "name": "From the page", "description": "Page description"},
    )

    assert evidence.get("jsonld:headline") == ["From the page"]
    assert evidence.get("jsonld:description") == ["Page description"]
