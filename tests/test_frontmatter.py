"""Splitting and parsing front matter: the awkward fixtures, the rejections, and a property.

Fixtures live in fixtures/frontmatter/: ``good`` files must parse, ``bad`` files
must be refused with a one-line reason, ``unsafe`` files parse but cannot take a
crawl block (see test_splice).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.errors import FrontMatterError, NoFrontMatter
from crawler.read.frontmatter import (
    BOM,
    FrontMatter,
    QuickResolver,
    YamlLoader,
    parse_front_matter,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "frontmatter"
GOOD = sorted((FIXTURES / "good").iterdir())
PROPERTY = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def parse(path: Path) -> FrontMatter:
    return parse_front_matter(path.read_bytes(), path)


@pytest.mark.parametrize("path", GOOD, ids=[path.name for path in GOOD])
def test_good_fixture_splits_at_its_fences(path: Path) -> None:
    front = parse(path)
    raw = path.read_bytes()
    assert front.bom == raw.startswith(BOM)
    assert (BOM if front.bom else b"") + front.text.encode() == raw
    opening = front.text[: front.yaml_start]
    assert opening.rstrip(" \t\r\n") == "---"
    assert opening.endswith(front.newline)
    closing = front.text[front.yaml_end :].split("\n", 1)[0].rstrip(" \t\r")
    assert closing in ("---", "...")
    assert front.data == yaml.load(front.yaml_text, Loader=YamlLoader)
    assert isinstance(front.data, dict) and front.data


def test_the_c_loader_is_used_when_pyyaml_has_it() -> None:
    if yaml.__with_libyaml__:
        assert issubclass(YamlLoader, yaml.CSafeLoader)


@pytest.mark.parametrize(
    ("name", "bom", "newline"),
    [
        ("crlf.md", False, "\r\n"),
        ("bom.md", True, "\n"),
        ("bom-crlf.md", True, "\r\n"),
        ("no-final-newline-crlf.md", False, "\r\n"),
        ("mixed-endings.md", False, "\r\n"),
    ],
)
def test_bom_and_line_ending_are_detected(name: str, bom: bool, newline: str) -> None:
    front = parse(FIXTURES / "good" / name)
    assert (front.bom, front.newline) == (bom, newline)
    assert not front.text.startswith("\ufeff")


def test_body_fences_after_the_closing_one_are_body() -> None:
    front = parse(FIXTURES / "good" / "body-with-fences.md")
    assert front.text[front.yaml_end :].startswith("---\n\nSome text.")
    assert "title" in front.data and front.data["title"] != "not front matter"


def test_three_dots_close_the_front_matter() -> None:
    front = parse(FIXTURES / "good" / "dots-closing-fence.md")
    assert front.text[front.yaml_end :].startswith("...\n")
    assert front.text.endswith("---\n")  # a later '---' line is body


def test_closing_fence_on_the_last_line_needs_no_line_ending() -> None:
    front = parse(FIXTURES / "good" / "no-final-newline.md")
    assert front.text[front.yaml_end :] == "---"
    assert front.newline == "\n"


def test_fence_lines_may_carry_trailing_whitespace() -> None:
    front = parse(FIXTURES / "good" / "tabs-trailing-spaces.md")
    assert front.text.startswith("--- \t\n")
    assert front.text[front.yaml_end :].startswith("---  \t\n")


def test_timestamps_become_datetimes() -> None:
    front = parse(FIXTURES / "good" / "crlf.md")
    assert front.data["publishedDateTime"] == datetime(2021, 1, 28, 4, 51, tzinfo=UTC)


def test_non_ascii_values_are_decoded() -> None:
    front = parse(FIXTURES / "good" / "non-ascii.md")
    assert front.data["title"].startswith("人工知能")
    assert "🧠" in front.data["topics"]


BAD = {
    "unclosed.md": (FrontMatterError, "unclosed front matter: no closing '---' line"),
    "yaml-error.md": (
        FrontMatterError,
        "YAML error at line 11, column 7: mapping values are not allowed",
    ),
    "tab-only-line.md": (FrontMatterError, "YAML error at line 3, column 1: "),
    "bad-date.md": (
        FrontMatterError,
        "YAML error at line 3, column 20: invalid timestamp '2021-02-30': day is out of range",
    ),
    "second-document.md": (FrontMatterError, "YAML error at line 3, column 1: "),
    "list-top-level.md": (FrontMatterError, "front matter is a list, not a mapping"),
    "scalar-top-level.md": (FrontMatterError, "front matter is a string, not a mapping"),
    "empty.md": (FrontMatterError, "front matter is empty"),
    "comments-only.md": (FrontMatterError, "front matter is empty"),
    "flow-mapping.md": (FrontMatterError, "front matter is a flow mapping"),
    "latin1.md": (FrontMatterError, "not UTF-8 text: invalid byte 0xe9 at offset 15"),
    "no-front-matter.md": (NoFrontMatter, "no front matter"),
    "empty-file.md": (NoFrontMatter, "no front matter"),
}


def test_every_bad_fixture_has_an_expected_reason() -> None:
    assert sorted(BAD) == sorted(path.name for path in (FIXTURES / "bad").iterdir())


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_fixture_is_refused_with_a_one_line_reason(name: str) -> None:
    path = FIXTURES / "bad" / name
    kind, reason = BAD[name]
    with pytest.raises(kind) as caught:
        parse(path)
    assert type(caught.value) is kind
    assert caught.value.reason.startswith(reason)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"{path}: ")


def test_yaml_error_line_is_counted_in_the_file_not_the_snippet() -> None:
    path = FIXTURES / "bad" / "yaml-error.md"
    line = path.read_text().splitlines()[10]
    assert line == "  heat: [69"


@pytest.mark.parametrize(
    "raw",
    [b"", b"--", b"----\n---\n", b"---x\na: 1\n---\n", b"\n---\na: 1\n---\n", b"\xff\xfe---\n"],
    ids=["empty", "short", "four-dashes", "text-after-dashes", "blank-first-line", "utf16-bom"],
)
def test_no_opening_fence_means_no_front_matter(raw: bytes) -> None:
    with pytest.raises(NoFrontMatter):
        parse_front_matter(raw, Path("x.md"))


@pytest.mark.parametrize("raw", [b"---", b"---\n", b"---\na: 1\n----\n"])
def test_opening_fence_alone_is_unclosed(raw: bytes) -> None:
    with pytest.raises(FrontMatterError, match="unclosed front matter"):
        parse_front_matter(raw, Path("x.md"))


def test_undecodable_byte_offset_counts_the_bom() -> None:
    raw = BOM + b"---\na: \xff\n---\n"
    with pytest.raises(FrontMatterError) as caught:
        parse_front_matter(raw, Path("x.md"))
    assert caught.value.reason == "not UTF-8 text: invalid byte 0xff at offset 10"


def test_control_character_is_located_in_the_file() -> None:
    raw = "---\ntitle: é\nbad: a\x01b\n---\n".encode()
    with pytest.raises(FrontMatterError) as caught:
        parse_front_matter(raw, Path("x.md"))
    assert caught.value.reason.startswith("YAML error at line 3, column 7: unacceptable character")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("!!int abc", "invalid int 'abc'"),
        ("!!float x", "invalid float 'x'"),
        ("!!bool maybe", "invalid bool 'maybe'"),
        ("!!timestamp nope", "invalid timestamp 'nope'"),
        ("[1, !!int 0b2]", "invalid int '0b2'"),
    ],
)
def test_bad_explicit_value_is_a_yaml_error_not_a_crash(value: str, problem: str) -> None:
    raw = f"---\ntitle: x\nvalue: {value}\n---\n".encode()
    with pytest.raises(FrontMatterError) as caught:
        parse_front_matter(raw, Path("x.md"))
    assert caught.value.reason.startswith("YAML error at line 3, column ")
    assert caught.value.reason.endswith(problem)


def test_unconstructible_value_is_a_yaml_error_with_position() -> None:
    raw = b"---\na: 1\nb: !!python/object:os.system x\n---\n"
    with pytest.raises(FrontMatterError) as caught:
        parse_front_matter(raw, Path("x.md"))
    assert caught.value.reason.startswith("YAML error at line 3, column 4: could not determine")


# ---------------------------------------------------------------------------
# Property: wherever comments, blank lines, line endings and body '---' lines
# fall, the split finds exactly the YAML that was written between the fences.
# ---------------------------------------------------------------------------

SAFE_TEXT = st.text(
    st.characters(exclude_categories={"Cs", "Cc", "Zl", "Zp"}, exclude_characters="\ufeff"),
    max_size=12,
)
KEYS = st.text("abcdefghijklmnopqrstuvwxyzAZ0_-", min_size=1, max_size=8)
SCALARS = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | SAFE_TEXT
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=6,
)


def render_entry(key: str, value: object, flow: bool) -> str:
    """``key: value`` as PyYAML writes it, the value in block or in flow style."""
    if not flow:
        return yaml.safe_dump({key: value}, allow_unicode=True, width=10**6, sort_keys=False)
    # Dumped inside a one-item flow list, then unwrapped: a flow value on the key's line.
    key_text, value_text = (
        yaml.safe_dump([item], allow_unicode=True, width=10**6, default_flow_style=True).strip()[
            1:-1
        ]
        for item in (key, value)
    )
    return f"{key_text}: {value_text}\n"


@st.composite
def front_matter_files(draw: st.DrawFn) -> tuple[bytes, str, dict[str, object]]:
    data = draw(st.dictionaries(KEYS, VALUES, min_size=1, max_size=5))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = []
    for key, value in data.items():
        lines += draw(st.lists(st.sampled_from(["", "   ", "# note", "#", "# --- not a fence"])))
        lines += render_entry(key, value, draw(st.booleans())).splitlines()
    lines += draw(st.lists(st.sampled_from(["", "# last", "  # indented"]), max_size=2))
    yaml_text = "".join(line + newline for line in lines)
    body = draw(st.lists(st.sampled_from(["---", "...", "--- ", "text", "", "a: b", "----"])))
    closing = draw(st.sampled_from(["---", "...", "--- \t"]))
    body_text = "".join(draw(st.sampled_from(["\n", "\r\n"])) + line for line in body)
    end = draw(st.sampled_from(["", "\n"])) if body else ""
    text = "---" + draw(st.sampled_from(["", " ", "\t "])) + newline + yaml_text + closing
    raw = (BOM if draw(st.booleans()) else b"") + (text + body_text + end).encode()
    return raw, yaml_text, yaml.safe_load(yaml_text)


@PROPERTY
@given(front_matter_files())
def test_split_finds_the_yaml_that_was_written(case: tuple[bytes, str, dict[str, object]]) -> None:
    raw, yaml_text, data = case
    front = parse_front_matter(raw, Path("generated.md"))
    assert front.yaml_text == yaml_text
    assert front.data == data


SCALAR_TEXTS = (
    st.sampled_from(
        [
            "",
            "~",
            "null",
            "yes",
            "No",
            "on",
            "y",
            "1",
            "-1",
            "0x1F",
            "0o7",
            "1_000",
            "1e3",
            ".5",
            "1:20",
            ".inf",
            "-.Inf",
            ".NaN",
            "2026-11-22",
            "2026-11-22T01:02:03Z",
            "<<",
            "=",
            "title",
            "x" * 41 + "1",
        ]
    )
    | st.text("0123456789.:-+_eExXoOabTtYyNn~ ", max_size=12)
    | st.text(max_size=50)
)


@settings(max_examples=500, derandomize=True, database=None)
@given(SCALAR_TEXTS, st.booleans(), st.booleans())
def test_quick_resolver_tags_every_scalar_as_the_stock_resolver(
    text: str, plain: bool, quoted: bool
) -> None:
    for _ in range(2):  # the second answer may come from what the first remembered
        assert QuickResolver().resolve(yaml.ScalarNode, text, (plain, quoted)) == (
            yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (plain, quoted))
        )
