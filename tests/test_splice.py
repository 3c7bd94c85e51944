"""The crawl block is spliced in, and every byte outside it survives (CONTRACT.md).

For every good fixture: the block lands at the end of the front matter, the rest
is byte-identical, a second crawl replaces the block, the block reads back equal.
Then ``replace_scalars`` (``--refresh``), and properties over generated files.
"""

from __future__ import annotations

import copy
import enum
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_frontmatter import KEYS, VALUES, render_entry

from crawler.errors import FrontMatterError
from crawler.read.frontmatter import BOM, FrontMatter, parse_front_matter
from crawler.write.refresh import replace_scalars
from crawler.write.splice import (
    _check_spliced,
    _crawl_spans,
    _top_level_entries,
    is_same_value,
    old_block_spans,
    render_crawl_block,
    with_crawl_block,
    without_crawl_block,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "frontmatter"
GOOD = sorted((FIXTURES / "good").iterdir())
IDS = [path.name for path in GOOD]
BLOCK: dict[str, Any] = {
    "checkedAt": "2026-03-01T12:00:00Z",
    "health": "broken",
    "counts": {"ok": 2, "broken": 1},
    "links": {
        "originalUrl": {"result": "ok", "status": 200, "redirects": 0},
        "images[0].url": {"result": "broken", "status": 404, "detail": "Not Found: it's gone"},
        "related[0].webUrl": {"result": "ok", "finalUrl": "https://example.org/" + "x" * 300},
    },
    "notes": ["first", "second: with a colon", "multi\nline", None, True, 1.5],
}
SECOND_BLOCK: dict[str, Any] = {"checkedAt": "2026-03-02T12:00:00Z", "health": "ok", "links": {}}
# What a crawl block may carry: page titles and details hold any character at all.
ANY_TEXT = st.text(st.characters(exclude_categories={"Cs"}), max_size=12)
ANY_SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT
BLOCKS = st.dictionaries(
    ANY_TEXT,
    st.recursive(
        ANY_SCALAR,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
        max_leaves=6,
    ),
    max_size=4,
)
PROPERTY = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def parse(raw: bytes) -> FrontMatter:
    return parse_front_matter(raw, Path("article.md"))


def crawl(front: FrontMatter, block: dict[str, Any]) -> bytes:
    return with_crawl_block(front, block, Path("article.md"))


def indent_of(front: FrontMatter) -> str:
    """The indentation of the first key: of the first line with more than a comment."""
    for line in front.yaml_text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return " " * (len(line) - len(line.lstrip(" ")))
    return ""


def expected_bytes(front: FrontMatter, block: dict[str, Any]) -> bytes:
    """The original text minus old crawl entries, the new block just before the fence."""
    kept = without_crawl_block(front)
    yaml_end = front.yaml_end - (len(front.text) - len(kept))
    rendered = render_crawl_block(block, front.newline, indent_of(front))
    text = kept[:yaml_end] + rendered + kept[yaml_end:]
    return (BOM if front.bom else b"") + text.encode()


@pytest.mark.parametrize("path", GOOD, ids=IDS)
def test_every_byte_outside_the_block_is_kept(path: Path) -> None:
    front = parse(path.read_bytes())
    assert crawl(front, BLOCK) == expected_bytes(front, BLOCK)
    if "crawl" not in front.data:
        assert without_crawl_block(front) == front.text


@pytest.mark.parametrize("path", GOOD, ids=IDS)
def test_block_reads_back_equal_and_other_keys_do_not_change(path: Path) -> None:
    front = parse(path.read_bytes())
    after = parse(crawl(front, BLOCK))
    assert is_same_value(after.data["crawl"], BLOCK)
    assert list(after.data)[-1] == "crawl"
    assert {k: v for k, v in after.data.items() if k != "crawl"} == {
        k: v for k, v in front.data.items() if k != "crawl"
    }


@pytest.mark.parametrize("path", GOOD, ids=IDS)
def test_second_crawl_replaces_the_block(path: Path) -> None:
    front = parse(path.read_bytes())
    once = parse(crawl(front, BLOCK))
    twice_raw = crawl(once, SECOND_BLOCK)
    twice = parse(twice_raw)
    assert twice.data["crawl"] == SECOND_BLOCK
    assert twice.yaml_text.count("crawl:") == 1
    assert without_crawl_block(twice) == without_crawl_block(once) == without_crawl_block(front)
    assert crawl(twice, SECOND_BLOCK) == twice_raw  # a crawl with the same results is a no-op


@pytest.mark.parametrize("path", GOOD, ids=IDS)
def test_block_lines_use_the_front_matter_line_ending(path: Path) -> None:
    front = parse(path.read_bytes())
    after = parse(crawl(front, BLOCK))
    block_text = after.text[after.text.index("crawl:", after.yaml_start) : after.yaml_end]
    lines = block_text.split("\n")[:-1]
    assert lines
    assert all(line.endswith("\r") == (front.newline == "\r\n") for line in lines)


@pytest.mark.parametrize("name", ["bom.md", "bom-crlf.md"])
def test_bom_is_kept(name: str) -> None:
    raw = crawl(parse((FIXTURES / "good" / name).read_bytes()), BLOCK)
    assert raw.startswith(BOM + b"---")
    assert not raw[3:].startswith(BOM)


def test_indented_top_level_mapping_gets_an_indented_block() -> None:
    after = parse(crawl(parse((FIXTURES / "good" / "indented-mapping.md").read_bytes()), BLOCK))
    assert "\n  crawl:\n    checkedAt: " in after.text


def test_old_block_goes_but_a_comment_after_it_stays() -> None:
    front = parse((FIXTURES / "good" / "crawl-trailing-comment.md").read_bytes())
    kept = without_crawl_block(front)
    assert "# keep this comment: it belongs to no key" in kept
    assert "written by feed-crawler" not in kept  # indented under the block: part of it
    assert "images[0].url" not in kept


@pytest.mark.parametrize(
    "name", ["crawl-in-middle.md", "crawl-duplicate.md", "crawl-indentless-list.md"]
)
def test_old_blocks_anywhere_leave_no_trace(name: str) -> None:
    front = parse((FIXTURES / "good" / name).read_bytes())
    kept = without_crawl_block(front)
    assert "checkedAt" not in kept and "health" not in kept
    assert parse(kept.encode()).data == {k: v for k, v in front.data.items() if k != "crawl"}


def test_safety_net_refuses_a_splice_that_would_break_an_alias() -> None:
    path = FIXTURES / "unsafe" / "alias-into-crawl.md"
    with pytest.raises(FrontMatterError, match="cannot write the crawl block safely"):
        with_crawl_block(parse(path.read_bytes()), BLOCK, path)


def written_at(raw: bytes) -> int:
    """Where the last ``crawl:`` line starts in the YAML text: the block just written."""
    return parse(raw).yaml_text.rfind("crawl:")


def test_safety_net_accepts_the_one_crawl_key_where_it_was_written() -> None:
    raw = b"---\ntitle: a\ncrawl:\n  health: ok\n---\n"
    _check_spliced(parse(b"---\ntitle: a\n---\n"), raw, {"health": "ok"}, Path("a.md"), 9)
    assert written_at(raw) == 9


@pytest.mark.parametrize(
    ("title", "raw", "shift"),
    [
        ("a", b"---\ntitle: a\ncrawl: {health: ok}\ncrawl:\n  health: ok\n---\n", 0),
        ("a", b"---\ntitle: a\ncrawl:\n  health: ok\n---\n", 1),
        ("crawl", b"---\ntitle: &k crawl\n*k : 1\ncrawl:\n  health: ok\n---\n", 0),
    ],
    ids=["a second crawl key", "not where written", "an alias key reading crawl"],
)
def test_safety_net_refuses_any_crawl_key_but_the_one_written(
    title: str, raw: bytes, shift: int
) -> None:
    before = parse(f"---\ntitle: {title}\n---\n".encode())
    with pytest.raises(FrontMatterError, match="the new block would not be the only crawl key"):
        _check_spliced(before, raw, {"health": "ok"}, Path("a.md"), written_at(raw) + shift)


class Result(enum.StrEnum):
    OK = "ok"


def test_rendered_block_never_folds_and_keeps_strings_on_one_line() -> None:
    url = "https://example.org/" + "segment/" * 200
    rendered = render_crawl_block(
        {"url": url, "text": "a\nb\u2028c\x00", "result": Result.OK, "title": "東京 🚀"},
        "\r\n",
        "  ",
    )
    lines = rendered.split("\r\n")
    assert lines[0] == "  crawl:" and lines[-1] == ""
    assert f"    url: {url}" in lines
    assert "    result: ok" in lines and "    title: 東京 🚀" in lines
    assert len(lines) == 6
    assert yaml.safe_load(rendered) == {
        "crawl": {"url": url, "text": "a\nb\u2028c\x00", "result": "ok", "title": "東京 🚀"}
    }


def test_list_items_are_indented_under_their_key_as_in_the_seeds() -> None:
    assert render_crawl_block({"a": [1]}, "\n") == "crawl:\n  a:\n    - 1\n"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (1, 1, True),
        (1, 1.0, False),
        (1, True, False),
        (0, False, False),
        (math.nan, math.nan, True),
        ("ok", Result.OK, True),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}, False),
        ([1, [2]], [1, [2]], True),
        (None, None, True),
        (None, "", False),
    ],
)
def test_is_same_value_tells_types_apart(a: object, b: object, same: bool) -> None:
    assert is_same_value(a, b) is same


def test_is_same_value_survives_recursive_data() -> None:
    first = yaml.safe_load("a: &x [1, *x]")
    second = yaml.safe_load("a: &y [1, *y]")
    assert is_same_value(first, second)


# ---------------------------------------------------------------------------
# replace_scalars (--refresh)
# ---------------------------------------------------------------------------

REFRESH = """\
---
title: Plain title   # a comment
quoted: 'single'
double: "double"
images:
  - {url: "https://example.org/a.jpg", width: 450, height: 300}
  - url: https://example.org/b.jpg
    width: 10
tags: [a, b]
empty:
anchored: &a 5
alias: *a
literal: |
  text
tagged: !!str 12
---
Body.
"""


def refresh(changes: dict[tuple[str | int, ...], Any]) -> FrontMatter:
    return replace_scalars(parse(REFRESH.encode()), changes, Path("article.md"))


@pytest.mark.parametrize(
    ("target", "value", "written"),
    [
        (("title",), "New title", "title: New title   # a comment"),
        (("title",), "yes", 'title: "yes"   # a comment'),
        (("title",), "a: b", 'title: "a: b"   # a comment'),
        (("quoted",), "it's", "quoted: 'it''s'"),
        (("quoted",), "two\nlines", 'quoted: "two\\nlines"'),
        (("double",), 'say "hi"', 'double: "say \\"hi\\""'),
        (("images", 0, "width"), 451, "width: 451, height: 300}"),
        (("images", 0, "url"), "https://example.org/c.jpg", '{url: "https://example.org/c.jpg",'),
        (("images", 1, "width"), None, "    width: null"),
        (("images", 1, "width"), 2.5, "    width: 2.5"),
        (("images", 1, "width"), 1e20, "    width: 1.0e+20"),
        (("tags", 1), "c, d", 'tags: [a, "c, d"]'),
        (("tags", 1), "c", "tags: [a, c]"),
        (("empty",), "filled", "empty: filled"),
        (("title",), False, "title: false   # a comment"),
    ],
)
def test_replace_scalars_writes_the_new_value_in_the_old_style(
    target: tuple[str | int, ...], value: Any, written: str
) -> None:
    before = parse(REFRESH.encode())
    after = refresh({target: value})
    assert written in after.text
    container: Any = after.data
    for part in target:
        container = container[part]
    assert is_same_value(container, value)
    changed = [line for line in after.text.split("\n") if line not in before.text.split("\n")]
    assert len(changed) == 1


def test_replace_scalars_changes_several_values_at_once() -> None:
    after = refresh({("images", 0, "width"): 1, ("images", 0, "height"): 2, ("title",): "T"})
    assert after.data["images"][0] == {"url": "https://example.org/a.jpg", "width": 1, "height": 2}
    assert after.text.endswith("Body.\n") and "# a comment" in after.text


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        (("missing",), "missing: no such value is written"),
        (("images", 5), "images[5]: no such value"),
        (("images", "url"), "no such value"),
        (("title", "x"), "title.x: title is a scalar"),
        (("images",), "images is a list, not a scalar"),
        (("images", 0), "images[0] is a mapping, not a scalar"),
        (("anchored",), "anchored: an anchored or aliased value is left alone"),
        (("alias",), "alias: an anchored or aliased value is left alone"),
        (("literal",), "literal: a block scalar is left alone"),
        (("tagged",), "tagged: a value with an explicit tag is left alone"),
    ],
)
def test_replace_scalars_refuses_what_it_cannot_change_alone(
    target: tuple[str | int, ...], reason: str
) -> None:
    with pytest.raises(FrontMatterError) as caught:
        refresh({target: "x"})
    assert reason in caught.value.reason


def test_replace_scalars_without_changes_returns_the_same_front_matter() -> None:
    front = parse(REFRESH.encode())
    assert replace_scalars(front, {}, Path("article.md")) is front


@pytest.mark.parametrize("path", GOOD, ids=IDS)
def test_replace_scalars_on_fixtures_keeps_the_rest(path: Path) -> None:
    front = parse(path.read_bytes())
    if not isinstance(front.data.get("title"), str):
        pytest.skip("no plain title")
    after = replace_scalars(front, {("title",): "Refreshed: title"}, path)
    assert after.data == {**front.data, "title": "Refreshed: title"}
    assert after.bom == front.bom and after.text.endswith(front.text[front.yaml_end :])


# ---------------------------------------------------------------------------
# Properties over generated files
# ---------------------------------------------------------------------------


@st.composite
def articles(draw: st.DrawFn) -> tuple[bytes, str]:
    """A front matter file, and its text as it must read once the old crawl entry is cut."""
    data = draw(st.dictionaries(KEYS.filter(lambda key: key != "crawl"), VALUES, min_size=1))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    items = []  # (lines, is the old crawl entry)
    for key, value in data.items():
        items.append(([draw(st.sampled_from(["", "  ", "# about " + key]))], False))
        lines = render_entry(key, value, draw(st.booleans())).splitlines()
        lines += draw(st.lists(st.sampled_from(["  # under " + key, "    #"]), max_size=1))
        items.append((lines, False))
    if draw(st.booleans()):
        old = render_entry("crawl", draw(VALUES), draw(st.booleans())).splitlines()
        old += draw(st.lists(st.just("  # indented under the old block"), max_size=1))
        items.insert(draw(st.integers(0, len(items))), (old, True))
    items.append((draw(st.lists(st.sampled_from(["", "# end"]), max_size=2)), False))
    body = draw(st.lists(st.sampled_from(["---", "...", "text", "", "crawl: x"])))
    ending = draw(st.sampled_from(["---", "..."])) + "".join(newline + line for line in body)

    def text(without_old: bool) -> str:
        yaml_lines = [line for lines, old in items if not (old and without_old) for line in lines]
        return "---" + newline + "".join(line + newline for line in yaml_lines) + ending

    bom = BOM if draw(st.booleans()) else b""
    return bom + text(False).encode(), text(True)


@PROPERTY
@given(articles(), BLOCKS)
def test_splice_round_trip_keeps_the_rest_exactly(
    article: tuple[bytes, str], block: dict[str, Any]
) -> None:
    raw, expected_without = article
    front = parse(raw)
    assert without_crawl_block(front) == expected_without
    new = crawl(front, block)
    assert new == expected_bytes(front, block)
    after = parse(new)
    assert is_same_value(after.data["crawl"], block)
    assert without_crawl_block(after) == expected_without
    assert crawl(after, block) == new


@PROPERTY
@given(articles())
def test_front_matter_keys_are_the_top_level_keys_of_the_event_stream(
    article: tuple[bytes, str],
) -> None:
    front = parse(article[0])
    entries = _top_level_entries(front.yaml_text)
    assert len(front.keys) == len(entries)
    assert front.keys[0][1] == entries[0].key_start
    for (key, start), entry in zip(front.keys, entries, strict=True):
        # An alias key shows what it names; the event stream shows no scalar.
        assert (key, start) == (entry.key, entry.key_start) or entry.key is None


@PROPERTY
@given(articles())
def test_old_blocks_are_found_where_the_whole_event_stream_finds_them(
    article: tuple[bytes, str],
) -> None:
    front = parse(article[0])
    spans = old_block_spans(front)
    assert spans is None or spans == _crawl_spans(
        front.yaml_text, _top_level_entries(front.yaml_text)
    )


@pytest.mark.parametrize(
    "path", GOOD + sorted((FIXTURES / "unsafe").iterdir()), ids=lambda p: p.name
)
def test_old_blocks_of_the_fixtures_are_found_where_the_event_stream_finds_them(
    path: Path,
) -> None:
    front = parse(path.read_bytes())
    spans = old_block_spans(front)
    assert spans is None or spans == _crawl_spans(
        front.yaml_text, _top_level_entries(front.yaml_text)
    )


@pytest.mark.parametrize(
    "text",
    [
        "crawl:\n  &k a: 1\n*k : 2\n",
        "crawl:\n- &k x\n*k : 1\n",
        "a: &k crawl\n*k : 1\nb: 2\n",
        "&k crawl: 1\n*k : 2\n",
        "? crawl\n: 1\nb: 2\n",
        "crawl: [a,\n  b]\nnext: 1\n",
        "b: 1\ncrawl:\n  health: ok\n  # a comment under it\n\n# a comment after it\nc: 2\n",
    ],
)
def test_old_blocks_behind_aliases_and_odd_keys_are_found_as_the_event_stream_finds_them(
    text: str,
) -> None:
    front = parse(f"---\n{text}---\n".encode())
    spans = old_block_spans(front)
    assert spans is None or spans == _crawl_spans(
        front.yaml_text, _top_level_entries(front.yaml_text)
    )


def scalar_paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in scalar_paths(item, (*prefix, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in scalar_paths(item, (*prefix, index))]
    return [prefix]


@PROPERTY
@given(articles(), st.data())
def test_replace_scalars_changes_only_the_target(article: tuple[bytes, str], data: Any) -> None:
    front = parse(article[0])
    paths = [p for p in scalar_paths(front.data) if p and p[0] != "crawl"]
    assume(paths and "&id" not in front.text)
    target = data.draw(st.sampled_from(paths))
    value = data.draw(ANY_SCALAR)
    after = replace_scalars(front, {target: value}, Path("article.md"))
    expected: Any = copy.deepcopy(front.data)
    container = expected
    for part in target[:-1]:
        container = container[part]
    container[target[-1]] = value
    assert is_same_value(after.data, expected)
    old, new = front.text, after.text
    prefix = _common_prefix(old, new)
    suffix = _common_prefix(old[prefix:][::-1], new[prefix:][::-1])
    assert "\n" not in old[prefix : len(old) - suffix]
    assert "\n" not in new[prefix : len(new) - suffix]


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length
