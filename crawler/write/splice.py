"""Splice the ``crawl`` block into a file's front matter, changing nothing else.

The write stage.  The user's YAML is never re-dumped: the old top-level ``crawl``
entries are cut out of the text, a freshly rendered block is pasted just before
the closing fence, and the result is parsed again and compared with what it must
be (the safety net) before a single byte is returned.  ``write.refresh`` edits
single scalar values in place the same way, for ``--refresh``.

Where an old block ends is read from the YAML event stream (exact positions of
every scalar, alias and flow collection), then extended over the lines indented
deeper than its key; comments and blank lines after it at the key's column stay.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from crawler.errors import ArticleError, FrontMatterError
from crawler.read.frontmatter import BOM, FrontMatter, YamlLoader, parse_front_matter
from crawler.write.block_yaml import CRAWL_KEY, is_printable, render_crawl_block


def with_crawl_block(front: FrontMatter, block: Mapping[str, Any], path: Path) -> bytes:
    """The file's new bytes: old ``crawl`` entries removed, ``block`` appended at the end."""
    yaml_text = front.yaml_text
    spans = old_block_spans(front)
    if spans is None:
        entries = _top_level_entries(yaml_text)
        first_key = entries[0].key_start if entries else None
        spans = _crawl_spans(yaml_text, entries)
    else:
        first_key = front.keys[0][1] if front.keys else None
    kept = _remove(yaml_text, spans)
    indent = "" if first_key is None else " " * _indent(_line_at(yaml_text, first_key))
    if kept and not kept.endswith("\n"):
        kept += front.newline
    new_yaml = kept + render_crawl_block(block, front.newline, indent)
    raw = encode_front(front, new_yaml)
    _check_spliced(front, raw, block, path, len(kept) + len(indent))
    return raw


def without_crawl_block(front: FrontMatter) -> str:
    """The whole text with every top-level ``crawl`` entry cut out."""
    yaml_text = front.yaml_text
    kept = _remove(yaml_text, _crawl_spans(yaml_text, _top_level_entries(yaml_text)))
    return front.text[: front.yaml_start] + kept + front.text[front.yaml_end :]


def old_block_spans(front: FrontMatter) -> list[tuple[int, int]] | None:
    """Where the old ``crawl`` entries are, without an event pass over the whole text.

    ``front.keys`` says which top-level keys read "crawl" (an alias key shows the
    scalar it names, so none is missed) and where the next key starts; only the
    lines from such a key up to the next key are parsed for events.  None when the
    keys do not line up plainly (a key not first on its line, an alias key): the
    whole text's event stream then decides.
    """
    yaml_text, keys = front.yaml_text, front.keys
    spans: list[tuple[int, int]] = []
    for number, (key, start) in enumerate(keys):
        if key != CRAWL_KEY:
            continue
        following = [start for _, start in keys[number + 1 : number + 2]]
        region_start = _line_start(yaml_text, start)
        column = start - region_start
        # Each key first on its line, at the mapping's column, in order.
        if any(_column_alone(yaml_text, at) != column for at in (start, *following)):
            return None
        if following and following[0] <= start:
            return None
        region_end = _line_start(yaml_text, following[0]) if following else len(yaml_text)
        try:
            entries = _top_level_entries(yaml_text[region_start:region_end])
        except yaml.YAMLError:
            return None
        if len(entries) != 1 or entries[0].key_start != start - region_start:
            return None
        if entries[0].key != CRAWL_KEY:
            continue  # an alias key reading "crawl": not an old block
        entry = _Entry(CRAWL_KEY, start, region_start + entries[0].content_end)
        spans.append(_entry_span(yaml_text, entry, region_end))
    return spans


def _column_alone(text: str, index: int) -> int | None:
    """The column of ``index`` if only spaces precede it on its line."""
    start = _line_start(text, index)
    return None if text[start:index].strip(" ") else index - start


@dataclass(frozen=True, slots=True)
class _Entry:
    """One top-level key and its value, as positions in the YAML text."""

    key: str | None  # the key when it is written as a scalar
    key_start: int  # the key's first character (its anchor or tag, if any)
    content_end: int  # just after the value's last character, comments not counted


def _top_level_entries(yaml_text: str) -> list[_Entry]:
    entries: list[_Entry] = []
    flow_stack: list[bool] = []  # one entry per open collection; [0] is the top level
    is_key = True
    key: str | None = None
    key_start = end = 0
    for event in yaml.parse(yaml_text, Loader=YamlLoader):
        if isinstance(
            event, StreamStartEvent | StreamEndEvent | DocumentStartEvent | DocumentEndEvent
        ):
            continue
        if not flow_stack:
            if not isinstance(event, MappingStartEvent):
                return []
            flow_stack.append(bool(event.flow_style))
            continue
        if len(flow_stack) == 1:
            if isinstance(event, MappingEndEvent):
                break
            if is_key:
                key = event.value if isinstance(event, ScalarEvent) else None
                key_start = end = mark_index(event.start_mark)
        if isinstance(event, CollectionStartEvent):
            flow_stack.append(bool(event.flow_style))
        # Only a flow collection's end is a character ("]" or "}"); a block
        # collection ends where the next token starts, past any comments.
        if not isinstance(event, CollectionEndEvent) or flow_stack.pop():
            end = max(end, mark_index(event.end_mark))
        if len(flow_stack) == 1:
            if not is_key:
                while end > key_start and yaml_text[end - 1] in " \t\r\n":
                    end -= 1
                entries.append(_Entry(key, key_start, end))
            is_key = not is_key
    return entries


def mark_index(mark: Any) -> int:
    """A mark's offset: characters into the YAML text, for libyaml as for PyYAML."""
    return int(mark.index)


def _crawl_spans(yaml_text: str, entries: list[_Entry]) -> list[tuple[int, int]]:
    spans = []
    for number, entry in enumerate(entries):
        if entry.key != CRAWL_KEY:
            continue
        following = entries[number + 1 :]
        limit = _line_start(yaml_text, following[0].key_start) if following else len(yaml_text)
        spans.append(_entry_span(yaml_text, entry, limit))
    return spans


def _entry_span(yaml_text: str, entry: _Entry, limit: int) -> tuple[int, int]:
    """From the key's line start through the last line that belongs to the value."""
    start = _line_start(yaml_text, entry.key_start)
    column = _indent(_line_at(yaml_text, start))
    end = _line_end(yaml_text, max(entry.content_end - 1, start))
    position = end
    # Comment lines indented under the block belong to it; a blank line does not
    # end it, but trailing blank lines are left in place.
    while position < limit:
        line_end = _line_end(yaml_text, position)
        line = yaml_text[position:line_end]
        if line.strip():
            if _indent(line) <= column:
                break
            end = line_end
        position = line_end
    return start, end


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _line_at(text: str, index: int) -> str:
    start = _line_start(text, index)
    return text[start : _line_end(text, start)]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _remove(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, position = [], 0
    for start, end in sorted(spans):
        pieces.append(text[position:start])
        position = max(position, end)
    pieces.append(text[position:])
    return "".join(pieces)


def encode_front(front: FrontMatter, new_yaml: str) -> bytes:
    text = front.text[: front.yaml_start] + new_yaml + front.text[front.yaml_end :]
    return (BOM if front.bom else b"") + text.encode("utf-8")


def reparse(raw: bytes, path: Path, what: str) -> FrontMatter:
    try:
        return parse_front_matter(raw, path)
    except ArticleError as exc:
        raise FrontMatterError(path, f"{what}: the result does not parse ({exc.reason})") from None


def _check_spliced(
    front: FrontMatter, raw: bytes, block: Mapping[str, Any], path: Path, block_start: int
) -> None:
    """Parse ``raw`` again: the other keys as before, one ``crawl`` key, ours, reading ``block``.

    ``block_start`` is where the rendered block's key is in the new YAML text.
    """
    what = "cannot write the crawl block safely"
    after = reparse(raw, path, what)
    before_keys = [key for key in front.data if key != CRAWL_KEY]
    after_keys = [key for key in after.data if key != CRAWL_KEY]
    if before_keys != after_keys:
        raise FrontMatterError(path, f"{what}: the top-level keys would change")
    for key in before_keys:
        if not is_same_value(front.data[key], after.data[key]):
            raise FrontMatterError(path, f"{what}: the value of {key!r} would change")
    if not is_same_value(after.data.get(CRAWL_KEY), dict(block)):
        raise FrontMatterError(path, f"{what}: the block does not read back as written")
    # Every key reading "crawl", aliases included, must be the one just written.
    if [start for key, start in after.keys if key == CRAWL_KEY] != [block_start]:
        raise FrontMatterError(path, f"{what}: the new block would not be the only crawl key")


def is_same_value(a: object, b: object, _seen: set[tuple[int, int]] | None = None) -> bool:
    """Equality that also tells 1 from 1.0 from True and holds NaN equal to itself."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) or isinstance(b, float):
        if not (isinstance(a, float) and isinstance(b, float)):
            return False
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, str | int):
        return isinstance(b, str if isinstance(a, str) else int) and a == b
    if isinstance(a, dict | list):
        # Anchors can make YAML data recursive; a pair already under comparison is
        # assumed equal, which is the only consistent answer for a cycle.
        seen = set() if _seen is None else _seen
        if (id(a), id(b)) in seen:
            return True
        seen.add((id(a), id(b)))
        if isinstance(a, dict):
            return (
                isinstance(b, dict)
                and list(a) == list(b)
                and all(is_same_value(a[key], b[key], seen) for key in a)
            )
        return (
            isinstance(b, list)
            and len(a) == len(b)
            and all(is_same_value(x, y, seen) for x, y in zip(a, b, strict=True))
        )
    return type(a) is type(b) and a == b


__all__ = [
    "CRAWL_KEY",
    "encode_front",
    "is_printable",
    "is_same_value",
    "mark_index",
    "render_crawl_block",
    "reparse",
    "with_crawl_block",
    "without_crawl_block",
]
