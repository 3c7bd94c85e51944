"""Refresh stale values in place: ``--refresh`` edits single scalars of the front matter.

Like the crawl block's splice, the user's YAML is never re-dumped: only the
characters of each target scalar change, written in the old quoting style where
that reads back as intended (double quotes otherwise), and the whole result is
parsed again and compared with the expected data before it is returned.
"""

from __future__ import annotations

import copy
import itertools
import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from crawler.errors import FrontMatterError
from crawler.read.article import KeyPath, Scalar
from crawler.read.frontmatter import FrontMatter, YamlLoader
from crawler.write.splice import (
    encode_front,
    is_printable,
    is_same_value,
    mark_index,
    reparse,
)

_STR_TAG = "tag:yaml.org,2002:str"
log = logging.getLogger("crawler")


def replace_scalars(
    front: FrontMatter, changes: Mapping[KeyPath, Scalar], path: Path
) -> FrontMatter:
    """Give existing scalars new values in place, each written in its old quoting style.

    Only the characters of each target scalar change.  A path must name a scalar
    written in the file that nothing else shares: block scalars, anchored, tagged
    and aliased values (and values inside anchored collections) are refused.
    """
    if not changes:
        return front
    yaml_text = front.yaml_text
    root = yaml.compose(yaml_text, Loader=YamlLoader)
    edits = sorted(
        (_plan_edit(yaml_text, root, key_path, value, path) for key_path, value in changes.items()),
        key=lambda edit: (edit[0], edit[1]),
    )
    for previous, edit in itertools.pairwise(edits):
        if edit[0] < previous[1] or edit[0] == previous[0]:
            raise FrontMatterError(path, f"{key_name(edit[3])} and {key_name(previous[3])} overlap")
    expected: Any = copy.deepcopy(front.data)
    for key_path, value in changes.items():
        container = expected
        for part in key_path[:-1]:
            container = container[part]
        container[key_path[-1]] = value
    what = "cannot replace values safely"
    # Old styles first; double quotes are valid anywhere, so they are the fallback.
    for styled in (True, False):
        pieces, position = [], 0
        for start, end, (in_style, quoted), _ in edits:
            pieces += [yaml_text[position:start], in_style if styled else quoted]
            position = end
        after = reparse(encode_front(front, "".join(pieces) + yaml_text[position:]), path, what)
        if is_same_value(after.data, expected):
            return after
    raise FrontMatterError(path, f"{what}: the result does not read back as intended")


def _plan_edit(
    yaml_text: str, root: Node | None, key_path: KeyPath, value: Scalar, path: Path
) -> tuple[int, int, tuple[str, str], KeyPath]:
    node, in_flow = _find(yaml_text, root, key_path, path)
    start, end = mark_index(node.start_mark), mark_index(node.end_mark)
    in_style = _render_scalar(value, node.style or None, in_flow)
    quoted = _render_scalar(value, '"', in_flow)
    if start == end and start > 0 and yaml_text[start - 1] not in " \t\n":
        # An empty value ("key:") is positioned right after the colon.
        in_style, quoted = " " + in_style, " " + quoted
    return start, end, (in_style, quoted), key_path


def _find(
    yaml_text: str, root: Node | None, key_path: KeyPath, path: Path
) -> tuple[ScalarNode, bool]:
    """The node ``key_path`` names, and whether it sits inside a flow collection."""
    node, in_flow, name = root, False, key_name(key_path)
    for depth, part in enumerate(key_path):
        if not isinstance(node, MappingNode | SequenceNode):
            raise FrontMatterError(path, f"{name}: {key_name(key_path[:depth])} is {_kind(node)}")
        in_flow = in_flow or bool(node.flow_style)
        node = _child(node, part)
        if node is None:
            raise FrontMatterError(path, f"{name}: no such value is written in the front matter")
        # An alias is composed into the very node it names, so a node whose text
        # starts with an anchor is shared: changing it would change other places.
        if yaml_text.startswith(("&", "*"), mark_index(node.start_mark)):
            raise FrontMatterError(path, f"{name}: an anchored or aliased value is left alone")
    if not isinstance(node, ScalarNode):
        raise FrontMatterError(path, f"{name} is {_kind(node)}, not a scalar")
    if node.style in ("|", ">"):
        raise FrontMatterError(path, f"{name}: a block scalar is left alone")
    if yaml_text.startswith("!", mark_index(node.start_mark)):
        raise FrontMatterError(path, f"{name}: a value with an explicit tag is left alone")
    return node, in_flow


def _child(node: MappingNode | SequenceNode, part: str | int) -> Node | None:
    if isinstance(node, MappingNode) and isinstance(part, str):
        values = [
            value
            for key, value in node.value
            if isinstance(key, ScalarNode) and key.tag == _STR_TAG and key.value == part
        ]
        return values[-1] if values else None  # with duplicate keys, YAML keeps the last
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        child: Node = node.value[part]
        return child
    return None


def _kind(node: Node | None) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    return "a list" if isinstance(node, SequenceNode) else "a scalar"


def key_name(key_path: KeyPath) -> str:
    """A path as the JSON report writes fields: related[1].images[0].url."""
    text = ""
    for part in key_path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text or "(top level)"


def _render_scalar(value: Scalar, style: str | None, in_flow: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if style is None and _is_plain_safe(value, in_flow):
        return value
    if style == "'" and all(is_printable(ch) for ch in value):
        return "'" + value.replace("'", "''") + "'"
    return _double_quoted(value)


def _float_text(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    # YAML 1.1 (PyYAML) reads "1e+20" as a string: its floats need a dot.
    return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text


def _is_plain_safe(value: str, in_flow: bool) -> bool:
    """Whether ``value`` written bare reads back as this very string (conservatively)."""
    if not value or value != value.strip() or not all(is_printable(ch) for ch in value):
        return False
    if value[0] in "-?:,[]{}#&*!|>'\"%@`" or value.endswith(":"):
        return False
    if (
        ": " in value
        or " #" in value
        or "\t" in value
        or (in_flow and any(ch in value for ch in ",[]{}"))
    ):
        return False
    # Loading it as a document settles both the syntax and the implicit type
    # (YAML 1.1 reads yes, ~, 0x1F, 2021-01-28 as bool, null, int, date).
    try:
        return bool(yaml.load(value, Loader=YamlLoader) == value)
    except yaml.YAMLError:
        return False


def _double_quoted(value: str) -> str:
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    out = []
    for ch in value:
        if ch in escapes:
            out.append(escapes[ch])
        elif is_printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def apply_refresh(
    front: FrontMatter, changes: Mapping[KeyPath, Scalar], path: Path
) -> tuple[FrontMatter, dict[KeyPath, Scalar]]:
    """Make as many of ``changes`` as can be made safely; returns the result and those made.

    All at once first; if that is refused, one at a time, so that one value the
    file shares through an anchor does not hold back the others.  Each refusal is
    logged in one line naming the file and the value.
    """
    try:
        return replace_scalars(front, changes, path), dict(changes)
    except FrontMatterError:
        pass
    made: dict[KeyPath, Scalar] = {}
    for key_path, value in changes.items():
        try:
            front = replace_scalars(front, {key_path: value}, path)
        except FrontMatterError as exc:
            log.warning("%s", exc)
            continue
        made[key_path] = value
    return front, made


__all__ = ["apply_refresh", "key_name", "replace_scalars"]
