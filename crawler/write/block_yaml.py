"""Render the ``crawl`` block as YAML lines in the seeds' style.

Part of the write stage: ``crawler.write.splice`` pastes these lines into the
front matter.  The seeds indent list items under their key::

    findings:
      - code: amp-missing

PyYAML's pure-Python emitter can be told to do that; libyaml's, about ten times
faster, always writes them level with the key.  So a block's nodes are built
here (the safe representer's, without its bookkeeping), emitted by libyaml, and
list items moved right afterwards (:func:`indent_sequences`), which is exact
because every scalar in a block is one physical line.  What that cannot make
identical, the pure-Python emitter renders: characters beyond the BMP (libyaml
escapes them) and lone surrogates, keys libyaml and PyYAML lay out differently
(empty, long, or not printable), values of types the block never holds, and a
container met twice (it would get an anchor).  ``tests/test_block_yaml.py`` holds the two
paths equal on generated blocks.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from crawler.read.frontmatter import QuickResolver

CRAWL_KEY = "crawl"
_NO_WRAP = 2**31 - 1  # emitter line width: URLs must never be folded
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_LINE_BREAKS = "\n\r\x85\u2028\u2029"
# The complement of is_printable, for whole strings at C speed.
_UNPRINTABLE = re.compile(
    "[^\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_NOT_FOR_LIBYAML = re.compile(
    "[\ud800-\udfff\U00010000-\U0010ffff]"
)  # escaped by libyaml, or not UTF-8
# PyYAML writes a key as "key: value" below 128 characters, libyaml up to 128
# bytes; keys are field names, far shorter, so anything long takes the slow path.
_LONGEST_FAST_KEY = 100  # bytes of UTF-8


def is_printable(ch: str) -> bool:
    """A character YAML may hold unescaped on one line (YAML 1.1, section 5.1)."""
    if ch in _LINE_BREAKS or ch == "\ufeff":
        return False
    return (
        "\x20" <= ch <= "\x7e"
        or ch == "\t"
        or "\xa0" <= ch <= "\ud7ff"
        or "\ue000" <= ch <= "\ufffd"
        or ch >= "\U00010000"
    )


def is_printable_text(text: str) -> bool:
    """Every character of ``text`` is :func:`is_printable`."""
    return _UNPRINTABLE.search(text) is None


class _BlockDumper(yaml.SafeDumper):
    """The safe dumper, with list items indented under their key as in the seeds."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> Node:
    # Double quotes escape line breaks and control characters, so every string is
    # one physical line and the block can be indented line by line.
    style = None if _UNPRINTABLE.search(value) is None else '"'
    return dumper.represent_scalar(_STR_TAG, str(value), style=style)


_BlockDumper.add_representer(str, _represent_str)
_BlockDumper.add_multi_representer(str, _represent_str)  # StrEnum values, written as text

_FastDumper: type[Any] | None = getattr(yaml, "CSafeDumper", None)
if _FastDumper is not None:
    _FastDumper = type("_FastBlockDumper", (QuickResolver, _FastDumper), {})


def render_crawl_block(block: Mapping[str, Any], newline: str, indent: str = "") -> str:
    """``{"crawl": block}`` as block-style YAML lines, each indented and ended by ``newline``."""
    data = {CRAWL_KEY: dict(block)}
    lines = libyaml_lines(data)
    if lines is None:
        lines = python_lines(data)
    return "".join((indent + line if line else "") + newline for line in lines)


def python_lines(data: dict[str, Any]) -> list[str]:
    """``data`` in block style by the pure-Python emitter, list items under their key."""
    dumped = yaml.dump(
        data,
        Dumper=_BlockDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=_NO_WRAP,
    )
    return dumped.splitlines()


def libyaml_lines(data: dict[str, Any]) -> list[str] | None:
    """:func:`python_lines`, by libyaml; None when libyaml would write ``data`` otherwise."""
    if _FastDumper is None:
        return None
    stream = io.StringIO()
    dumper = _FastDumper(stream, allow_unicode=True, default_flow_style=False, width=_NO_WRAP)
    try:
        node = _node(data, dumper, set())
        if node is None:
            return None
        dumper.open()
        dumper.serialize(node)
        dumper.close()
    finally:
        dumper.dispose()
    return indent_sequences(stream.getvalue().splitlines())


def _node(value: Any, dumper: Any, seen: set[int]) -> Node | None:
    """The node the safe representer makes of ``value``, or None if it does not fit libyaml.

    Built here rather than by the representer, which costs as much again as
    libyaml's emitting: every container is a block (``default_flow_style=False``),
    in insertion order (``sort_keys=False``), and strings are styled as
    :func:`_represent_str` styles them.
    """
    kind = type(value)
    if isinstance(value, str):
        if _NOT_FOR_LIBYAML.search(value) is not None:
            return None
        style = None if _UNPRINTABLE.search(value) is None else '"'
        return ScalarNode(_STR_TAG, str(value), style=style)
    if kind is int:
        return dumper.represent_int(value)  # type: ignore[no-any-return]
    if kind is bool:
        return dumper.represent_bool(value)  # type: ignore[no-any-return]
    if kind is float:
        return dumper.represent_float(value)  # type: ignore[no-any-return]
    if value is None:
        return dumper.represent_none(value)  # type: ignore[no-any-return]
    if (kind is not dict and kind is not list) or id(value) in seen:
        return None  # a container met twice gets an anchor; other types, whatever PyYAML does
    seen.add(id(value))
    if kind is list:
        items = [_node(item, dumper, seen) for item in value]
        if None in items:
            return None
        return SequenceNode(_SEQ_TAG, items, flow_style=False)
    pairs = []
    for key, item in value.items():
        item_node = _node(item, dumper, seen) if _is_fast_key(key) else None
        if item_node is None:
            return None
        pairs.append((ScalarNode(_STR_TAG, str(key)), item_node))
    return MappingNode(_MAP_TAG, pairs, flow_style=False)


def _is_fast_key(key: Any) -> bool:
    # PyYAML writes an empty key as "? ''" and libyaml as "'':"; the length limits differ.
    return (
        isinstance(key, str)
        and 0 < len(key.encode("utf-8", "surrogatepass")) <= _LONGEST_FAST_KEY
        and _UNPRINTABLE.search(key) is None
        and _NOT_FOR_LIBYAML.search(key) is None
    )


def indent_sequences(lines: list[str]) -> list[str]:
    """libyaml's lines with each list that is a mapping's value moved under its key.

    libyaml writes such a list's ``- `` items at the column of the key; the seeds
    (and the pure-Python emitter, told so) two columns further right, and with
    them everything inside the items.  Every scalar is one line, so a line whose
    text ends with ``:`` is a key whose value starts on the next line (a plain
    scalar never ends with ``:``; a quoted one ends with its quote), and the list
    ends at the first line to its left, or at its column that is not an item.
    """
    moved: list[str] = []
    lists: list[int] = []  # libyaml columns of the open lists, innermost last
    key_column = -1  # where the previous line's key starts, if its value follows
    for line in lines:
        text = line.lstrip(" ")
        column = len(line) - len(text)
        is_item = text.startswith("- ") or text == "-"
        while lists and (column < lists[-1] or (column == lists[-1] and not is_item)):
            lists.pop()
        if is_item and column == key_column:
            lists.append(column)
        moved.append(" " * (2 * len(lists)) + line if lists else line)
        while text.startswith("- "):  # a key may follow the item marks: "- - key:"
            text = text[2:]
            column += 2
        key_column = column if text.endswith(":") else -1
    return moved


__all__ = [
    "CRAWL_KEY",
    "indent_sequences",
    "is_printable",
    "is_printable_text",
    "libyaml_lines",
    "python_lines",
    "render_crawl_block",
]
