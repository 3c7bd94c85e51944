"""Split an article file into its YAML front matter and body, and parse the YAML.

The first stage after discovery: every later stage reads :class:`FrontMatter`, and
``crawler.write.splice`` uses its offsets to change the file without re-dumping
the user's YAML.  The file's text is kept whole, so nothing outside the YAML
region is ever interpreted.

Layout accepted (Jekyll/Hugo style)::

    [UTF-8 BOM] ---[spaces]EOL  YAML...  ---|...[spaces]EOL  body (may hold more ---)

A file without the opening fence raises :class:`~crawler.errors.NoFrontMatter`
(skipped); anything else unreadable raises a one-line
:class:`~crawler.errors.FrontMatterError` (rejected).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
import yaml.resolver
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.reader import Reader, ReaderError

from crawler.defaults import MAX_FRONT_MATTER_BYTES
from crawler.errors import FrontMatterError, NoFrontMatter

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # PyYAML built without libyaml: same results, slower
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

BOM = b"\xef\xbb\xbf"
_OPENING = re.compile(rb"(?:\xef\xbb\xbf)?---[ \t]*(\r?\n|\Z)")
# ``^`` with re.M only matches after "\n", so a fence must start a line.
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*(\r?\n|\Z)", re.M)


_STOCK_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_PLAIN_TAGS: dict[str, str] = {}  # plain scalar text -> the tag it resolves to
_PLAIN_TAGS_KEPT = 20_000  # entries; short texts only, so a few MB at most
_PLAIN_TAG_TEXT = 40  # characters: keys, words, numbers and dates, not titles


class QuickResolver(yaml.resolver.Resolver):
    """The resolver, answering at once for the scalars whose tag cannot be implicit.

    Every scalar of every file is resolved, in Python even under libyaml: a quoted
    scalar is always a string (YAML 1.1 resolves only plain ones), and the short
    plain texts that make up most of a file (keys, words, numbers) are remembered.
    """

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> Any:
        resolve = super().resolve
        if (
            kind is not ScalarNode
            or self.yaml_path_resolvers
            # The texts remembered are the stock resolvers' answers.
            or self.yaml_implicit_resolvers is not _STOCK_RESOLVERS
        ):
            return resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        if not implicit[0]:
            return self.DEFAULT_SCALAR_TAG
        tag = _PLAIN_TAGS.get(value)
        if tag is None:
            tag = resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            if len(value) <= _PLAIN_TAG_TEXT and len(_PLAIN_TAGS) < _PLAIN_TAGS_KEPT:
                _PLAIN_TAGS[value] = tag
        return tag


class YamlLoader(QuickResolver, _BaseLoader):
    """The safe loader (libyaml when available) whose every failure is a YAMLError."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as exc:
            # PyYAML lets some bad explicit values escape as bare exceptions
            # ("!!int abc", "!!bool maybe", the date 2021-02-30); give them a
            # position like every other YAML error instead of crashing the crawl.
            tag = node.tag.rsplit(":", 1)[-1]
            shown = f" {node.value!r}" if isinstance(node.value, str) else ""
            # Only the date check says something useful: "day is out of range for month".
            detail = f": {exc}" if tag == "timestamp" and isinstance(exc, ValueError) else ""
            problem = f"invalid {tag}{shown}{detail}"
            raise ConstructorError(None, None, problem, node.start_mark) from None


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """An article file, split.  Offsets index ``text`` (characters, BOM removed)."""

    text: str  # the whole file decoded (UTF-8), BOM removed
    bom: bool  # the file started with a UTF-8 BOM
    yaml_start: int  # where the YAML starts: just after the opening fence line
    yaml_end: int  # where the closing fence line ('---' or '...') starts
    newline: str  # "\r\n" or "\n", the line ending the front matter uses
    data: dict[str, Any]  # the parsed top-level mapping
    # Each top-level key as written, before merge keys are applied: its text when it
    # is a scalar (else None) and where it starts in ``yaml_text``.  An alias key
    # shows the scalar it names and where that is anchored.
    keys: tuple[tuple[str | None, int], ...]

    @property
    def yaml_text(self) -> str:
        """The YAML between the fences, each line with its line ending."""
        return self.text[self.yaml_start : self.yaml_end]


def parse_front_matter(
    raw: bytes, path: Path, max_yaml_bytes: int = MAX_FRONT_MATTER_BYTES
) -> FrontMatter:
    """Split and parse ``raw``; ``path`` only names the file in errors.

    YAML longer than ``max_yaml_bytes`` is rejected unparsed: parsed YAML takes
    about twenty times its size in memory.
    """
    # The fence is checked on bytes first so that a binary or Latin-1 file without
    # front matter is skipped, not rejected.
    opening = _OPENING.match(raw)
    if opening is None:
        raise NoFrontMatter(path, "no front matter")
    bom = raw.startswith(BOM)
    text = _decode(raw, bom, path)
    yaml_start = opening.end() - (len(BOM) if bom else 0)
    closing = _CLOSING.search(text, yaml_start) if opening.group(1) else None
    if closing is None:
        raise FrontMatterError(path, "unclosed front matter: no closing '---' line")
    # A closing fence on the last line has no line ending; the opening one always has.
    newline = closing.group(1) or opening.group(1).decode()
    yaml_end = closing.start()
    size = len(text[yaml_start:yaml_end].encode("utf-8"))
    if size > max_yaml_bytes:
        reason = (
            f"front matter is larger than max-front-matter-bytes ({size:,} > "
            f"{max_yaml_bytes:,} bytes); raise --max-front-matter-bytes to crawl it"
        )
        raise FrontMatterError(path, reason)
    data, keys = _load_mapping(text, yaml_start, yaml_end, path)
    return FrontMatter(text, bom, yaml_start, yaml_end, newline, data, keys)


def _decode(raw: bytes, bom: bool, path: Path) -> str:
    skip = len(BOM) if bom else 0
    try:
        return raw[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skip
        reason = f"not UTF-8 text: invalid byte 0x{raw[offset]:02x} at offset {offset}"
        raise FrontMatterError(path, reason) from None


def _load_mapping(
    text: str, yaml_start: int, yaml_end: int, path: Path
) -> tuple[dict[str, Any], tuple[tuple[str | None, int], ...]]:
    loader = YamlLoader(text[yaml_start:yaml_end])
    try:
        node = loader.get_single_node()
        if node is None:
            raise FrontMatterError(path, "front matter is empty")
        # Read before constructing: the constructor rewrites the pairs to apply merges.
        keys = _keys_of(node)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise FrontMatterError(path, yaml_error_reason(exc, text, yaml_start)) from None
    except RecursionError:
        raise FrontMatterError(path, "YAML error: nested too deeply") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise FrontMatterError(path, f"front matter is {_kind(data)}, not a mapping")
    if isinstance(node, MappingNode) and node.flow_style:
        # The crawl block is appended as a block-style key; inside {...} it would
        # be a syntax error, so such files are refused up front.
        reason = "front matter is a flow mapping ({...}); the crawl block needs key: value lines"
        raise FrontMatterError(path, reason)
    return data, keys


def _keys_of(node: Node) -> tuple[tuple[str | None, int], ...]:
    if not isinstance(node, MappingNode):
        return ()
    return tuple(
        (key.value if isinstance(key, ScalarNode) else None, int(key.start_mark.index))
        for key, _ in node.value
    )


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, date):
        return "a date"
    return f"a {type(value).__name__}"


def yaml_error_reason(exc: yaml.YAMLError, text: str, yaml_start: int) -> str:
    """A one-line reason whose line and column are those of the whole file."""
    if isinstance(exc, ReaderError):
        # libyaml reports a byte position here; find the character ourselves.
        found = Reader.NON_PRINTABLE.search(text, yaml_start)
        index = found.start() if found else yaml_start
        problem = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
        return f"YAML error at {_position(text, index)}: {problem}"
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            # "but found another document" reads better without its "but".
            problem = problem.removeprefix("but ") + f" ({exc.context}"
            if exc.context_mark is not None:
                problem += f", {_position(text, yaml_start + exc.context_mark.index)}"
            problem += ")"
        problem = " ".join(problem.split())
        if mark is not None:
            return f"YAML error at {_position(text, yaml_start + mark.index)}: {problem}"
        return f"YAML error: {problem}"
    return "YAML error: " + " ".join(str(exc).split())


def _position(text: str, index: int) -> str:
    # Counted from the text rather than taken from the mark: the mark's line is
    # relative to the YAML region and counts YAML's extra line breaks (U+2028...).
    line_start = text.rfind("\n", 0, index) + 1
    return f"line {text.count(chr(10), 0, index) + 1}, column {index - line_start + 1}"


__all__ = [
    "BOM",
    "FrontMatter",
    "QuickResolver",
    "YamlLoader",
    "parse_front_matter",
    "yaml_error_reason",
]
