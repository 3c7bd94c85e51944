"""head_complete and the head cut: where a fetcher may stop and what extract parses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extract import head_complete
from crawler.extract.head import HeadScanner, head_end, ld_json_blocks, split_document


@pytest.mark.parametrize(
    ("prefix", "complete"),
    [
        (b"", False),
        (b"<!doctype html><html><head><title>x</title><meta charset=utf-8>", False),
        (b"<html><head><title>x</title></head>", True),
        (b"<HTML><HEAD><TITLE>x</TITLE></HEAD >", True),
        (b"<html><head><title>x</title><Body class=home>", True),
        (b"<html><head><title>x</title><body>", True),
        (b"<html><head><header>", False),
        (b"<html><head><bodyguard>", False),
        (b"<head><script>var s = '</head><body>';</script>", False),
        (b"<head><script>document.write('<body>')", False),
        (b"<head><!-- </head> -->", False),
        (b"<head><style>/* <body> */</style></head>", True),
        (b"<head><title>a </head> b</title>", False),
        (b"<head><script>x()</script></head>", True),
    ],
    ids=[
        "empty",
        "head-still-open",
        "head-closed",
        "upper-case-close-with-space",
        "body-start-mixed-case",
        "body-start-plain",
        "header-is-not-head",
        "bodyguard-is-not-body",
        "markup-inside-script-ignored",
        "unterminated-script-is-not-complete",
        "comment-ignored",
        "style-skipped-then-closed",
        "title-text-ignored",
        "after-script",
    ],
)
def test_head_complete(prefix: bytes, complete: bool) -> None:
    assert head_complete(prefix) is complete


def test_head_complete_stays_true_as_more_bytes_arrive() -> None:
    page = b"<html><head><title>t</title><script>a='</head>'</script></head><body><p>x</p></body>"
    answers = [head_complete(page[:end]) for end in range(len(page) + 1)]

    first_true = answers.index(True)
    assert all(answers[first_true:])
    assert page[:first_true].endswith(b"</head>")


def test_split_document_cuts_after_the_head() -> None:
    parts = split_document("<html><head><title>t</title></head><body><h1>h</h1></body></html>")

    assert parts.head == "<html><head><title>t</title></head>"
    assert parts.body == "<body><h1>h</h1></body></html>"
    assert parts.head_closed


def test_split_document_without_head_end_keeps_everything_as_head() -> None:
    parts = split_document("<title>t</title><p>text")

    assert (parts.head, parts.body, parts.head_closed) == ("<title>t</title><p>text", "", False)


def test_ld_json_blocks_found_anywhere_with_any_attribute_order() -> None:
    text = (
        '<head><script type="application/ld+json">{"a": 1}</script></head><body>'
        "<script data-x=1 type='application/ld+json' nonce=abc>[2]</script>"
        '<script type="text/javascript">{"not": "this"}</script>'
        "<SCRIPT TYPE=application/ld+json>{}</SCRIPT></body>"
    )

    assert ld_json_blocks(text) == ['{"a": 1}', "[2]", "{}"]


_PIECES = st.sampled_from(
    ["<head>", "</head>", "</head >", "<body>", "<body", "<script>", "</script>", "<title>",
     "</title>", "<!--", "-->", "<style>", "</style>", "x", " ", "'", "<", ">", "/"]
)  # fmt: skip


@given(st.lists(_PIECES, max_size=30).map("".join))
def test_head_complete_never_turns_false_as_bytes_arrive(markup: str) -> None:
    data = markup.encode()
    answers = [head_complete(data[:end]) for end in range(len(data) + 1)]

    assert answers == sorted(answers)


_SCANNED_PIECES = st.sampled_from(
    ["<head>", "</head>", "</head >", "</HEAD\t\n>", "</head", "<body>", "<body", "<Body/",
     "<bodyguard>", "<script>", "<script", "<scripts>", "</script>", "</script  >", "</scrip",
     "<title>", "</title>", "<textarea>", "</textarea     >", "<template>", "</template>",
     "<!--", "-->", "--", "<style>", "</style>", "x", " ", "\xa0", "\x1c", "'", "<", ">",
     "/", "-", "<!-->", "</", "\u00e9"]
)  # fmt: skip


@given(
    st.lists(_SCANNED_PIECES, max_size=40).map("".join),
    st.lists(st.integers(min_value=0, max_value=200), max_size=12),
)
def test_head_scanner_fed_growing_prefixes_answers_as_head_end(
    markup: str, cuts: list[int]
) -> None:
    data = markup.encode("utf-8")
    scanner = HeadScanner()
    for end in [*sorted(cuts), len(data)]:
        assert scanner.feed(data[:end]) == head_end(data[:end])


def test_head_scanner_fed_byte_by_byte_answers_as_head_end() -> None:
    page = (
        b"<html><head><!-- </head> --><script>a='</head><body>'; b = x </script  "
        b"</script \t><title>t</title><style>/* <body> */</style ></HEAD  \n><body>"
    )
    scanner = HeadScanner()

    assert [scanner.feed(page[:end]) for end in range(len(page) + 1)] == [
        head_end(page[:end]) for end in range(len(page) + 1)
    ]
