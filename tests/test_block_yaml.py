"""The crawl block renders byte for byte the same by libyaml as by the pure-Python emitter.

``render_crawl_block`` dumps with libyaml and moves list items under their key
(``indent_sequences``); these properties hold that text equal to what PyYAML's
own emitter writes, on blocks shaped like the real ones (``build_block``) and on
any nesting of the types a block holds, strings full of YAML's indicators.
"""

from __future__ import annotations

import enum
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.write.block_yaml import (
    is_printable,
    is_printable_text,
    libyaml_lines,
    python_lines,
    render_crawl_block,
)

pytestmark = pytest.mark.skipif(
    not hasattr(yaml, "CSafeDumper"), reason="PyYAML built without libyaml"
)

PROPERTY = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Strings YAML reads as something else, or that start or hold an indicator.
TRICKY = [
    "",
    " ",
    "a b",
    " leading",
    "trailing ",
    "-",
    "- item",
    "-x",
    "--- ",
    "---",
    "...",
    "?",
    "? key",
    ":",
    "a: b",
    "a:",
    "key:value",
    "#",
    "a #b",
    "a#b",
    "'",
    '"',
    "it's",
    '"quoted"',
    "&anchor",
    "*alias",
    "!tag",
    "|",
    ">",
    "%",
    "@",
    "`",
    "[a]",
    "{a: 1}",
    "a, b",
    "1",
    "-1",
    "0x1F",
    "0o17",
    "1_000",
    "1e3",
    ".5",
    "1:20",
    ".inf",
    ".NaN",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "~",
    "null",
    "Null",
    "true",
    "2026-11-22",
    "2026-11-22T01:02:03Z",
    "<<",
    "=",
    "a\tb",
    "\t",
    "a\nb",
    "line\r\n",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "a\udc80b",
    "\x00",
    "\x07",
    "\x7f",
    "\x9f",
    "\xa0",
    "\ufffe",
    "\uffff",
    "东京",
    "ça va: oui",
    "🚀",
    "a 🚀 b",
    "https://user:***@example.org/a?b=c#d",
    "https://example.org/" + "segment/" * 40,
]
INDICATORS = [*" -?:#'\"&*!|>%@`[]{},.~=ab1é\xa0\t\n", "\x85", "\u2028"]
TEXT = (
    st.sampled_from(TRICKY)
    | st.text(st.sampled_from(INDICATORS), max_size=8)
    | st.text(st.characters(max_codepoint=0xFFFF, exclude_categories={"Cs"}), max_size=8)
)
# Mostly keys libyaml lays out as PyYAML does, so that the fast path is well tried.
KEYS = (
    st.sampled_from(["originalUrl", "images[0].url", "related[2].title", "x" * 100, "é" * 50])
    | st.text(st.sampled_from(INDICATORS[:-5]), min_size=1, max_size=8)
    | st.text(
        st.characters(max_codepoint=0xFFFF, exclude_categories={"Cs", "Cc"}), min_size=1, max_size=8
    )
    | TEXT.filter(len)
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.sampled_from([0.0, -0.0, 1.0, 1e20, 1e-7, float("inf"), float("nan")])
    | TEXT
)
NESTED = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)


class Result(enum.StrEnum):
    OK = "ok"
    BROKEN = "broken"


def link_entries() -> st.SearchStrategy[dict[str, Any]]:
    image = st.fixed_dictionaries(
        {"format": st.sampled_from(["jpeg", "png"]), "width": st.integers(0, 5000)},
        optional={"sizeMatches": st.booleans(), "bytesRead": st.integers(0, 10**6)},
    )
    return st.fixed_dictionaries(
        {"result": st.sampled_from(list(Result))},
        optional={
            "status": st.integers(100, 599),
            "redirects": st.integers(1, 10),
            "finalUrl": TEXT,
            "detail": TEXT,
            "image": image | st.fixed_dictionaries({"error": TEXT, "bytesRead": st.integers()}),
            "soft404": TEXT,
        },
    )


FIELDS = st.sampled_from(["originalUrl", "webUrl", "ampWebUrl", "images[0].url"]) | KEYS
# What build_block writes: links, pages, stale values, findings, previous values.
BLOCKS = st.fixed_dictionaries(
    {
        "checkedAt": st.just("2026-11-22T01:02:03Z"),
        "health": st.sampled_from(["ok", "degraded", "dead"]),
        "counts": st.dictionaries(st.sampled_from(list(Result)), st.integers(1, 9)),
        "links": st.dictionaries(FIELDS, link_entries(), max_size=4),
    },
    optional={
        "pages": st.dictionaries(FIELDS, st.dictionaries(KEYS, TEXT, max_size=4), max_size=2),
        "stale": st.dictionaries(FIELDS, SCALARS, max_size=3),
        "findings": st.lists(
            st.fixed_dictionaries({"code": TEXT, "field": FIELDS, "detail": TEXT}), max_size=3
        ),
        "previous": st.dictionaries(FIELDS, NESTED, max_size=3),
    },
)


def assert_same_as_python_emitter(block: dict[str, Any]) -> None:
    data = {"crawl": block}
    python = python_lines(data)
    fast = libyaml_lines(data)
    assert fast is None or fast == python
    assert render_crawl_block(block, "\n") == "".join(line + "\n" for line in python)


@PROPERTY
@given(BLOCKS)
def test_real_shaped_blocks_render_as_the_python_emitter_writes_them(block: dict[str, Any]) -> None:
    assert_same_as_python_emitter(block)


@PROPERTY
@given(st.dictionaries(KEYS, NESTED, max_size=5))
def test_any_nesting_renders_as_the_python_emitter_writes_it(block: dict[str, Any]) -> None:
    assert_same_as_python_emitter(block)


@PROPERTY
@given(st.lists(st.lists(NESTED, max_size=3) | NESTED, min_size=1, max_size=3), KEYS)
def test_lists_of_lists_under_keys_render_as_the_python_emitter_writes_them(
    items: list[Any], key: str
) -> None:
    assert_same_as_python_emitter({key: items, "after": {key: [items, {key: items}]}})


def test_a_realistic_block_takes_the_libyaml_path() -> None:
    block = {
        "checkedAt": "2026-11-22T01:02:03Z",
        "links": {"webUrl": {"result": Result.OK, "status": 200}},
        "findings": [{"code": "amp-missing", "field": "ampWebUrl", "detail": "No page: 東京"}],
    }
    assert libyaml_lines({"crawl": block}) is not None
    assert render_crawl_block(block, "\r\n", "  ").split("\r\n") == [
        "  crawl:",
        "    checkedAt: '2026-11-22T01:02:03Z'",
        "    links:",
        "      webUrl:",
        "        result: ok",
        "        status: 200",
        "    findings:",
        "      - code: amp-missing",
        "        field: ampWebUrl",
        "        detail: 'No page: 東京'",
        "",
    ]


@pytest.mark.parametrize(
    "block",
    [
        {"title": "launch 🚀"},
        {"": 1},
        {"k" * 101: 1},
        {"a\nb": 1},
        {"when": __import__("datetime").date(2026, 1, 1)},
        {1: "int key"},
    ],
    ids=["beyond-bmp", "empty-key", "long-key", "multiline-key", "date", "int-key"],
)
def test_what_libyaml_would_write_differently_takes_the_python_emitter(
    block: dict[Any, Any],
) -> None:
    assert libyaml_lines({"crawl": block}) is None


def test_a_list_met_twice_takes_the_python_emitter() -> None:
    shared = ["a"]
    assert libyaml_lines({"crawl": {"x": shared, "y": shared}}) is None


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(st.characters(exclude_categories={"Cs"})))
def test_printable_text_is_every_character_printable(text: str) -> None:
    assert is_printable_text(text) == all(is_printable(ch) for ch in text)


def test_printable_text_at_the_edges_of_the_ranges() -> None:
    edges = "\t\n\r\x1f\x20\x7e\x7f\x85\x9f\xa0\u2027\u2028\u2029\u202a\ud7ff\ue000\ufefe"
    edges += "\ufeff\uff00\ufffd\ufffe\uffff\U00010000\U0010ffff"
    for ch in edges:
        assert is_printable_text(ch) == is_printable(ch), repr(ch)


def test_a_lone_surrogate_is_written_escaped_not_a_crash() -> None:
    # libyaml cannot encode it; the pure-Python emitter escapes it.
    assert render_crawl_block({"title": "a\udc80"}, "\n") == 'crawl:\n  title: "a\\uDC80"\n'
