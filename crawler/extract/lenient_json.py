"""Parse the JSON that pages put in ld+json blocks, broken or not.

Used by ``jsonld``.  Browsers never parse these blocks, so nothing forces them
to be valid, and many are not.  A block is first read as JSON (raw control
characters in strings allowed); failing that, it is retried after a cleanup of
what JavaScript or template engines tolerate and JSON does not: HTML comment and
CDATA wrappers, ``//`` and ``/* */`` comments, trailing commas, raw newlines and
invalid escapes (``\\'``) in strings, HTML-escaped text (``&quot;``), and several
values back to back.  What still does not parse yields no values.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Final

_WRAPPER_START = re.compile(r"^\s*(?:<!--|(?://|/\*)?\s*<!\[CDATA\[\s*(?:\*/)?)\s*")
_WRAPPER_END = re.compile(r"\s*(?:-->|(?://|/\*)?\s*\]\]>\s*(?:\*/)?)\s*$")
_JSON_ESCAPES: Final = frozenset('"\\/bfnrtu')


def _relax(text: str) -> str:
    """Remove what JavaScript tolerates and JSON does not, outside of strings."""
    out: list[str] = []
    index, length, in_string = 0, len(text), False
    while index < length:
        char = text[index]
        if in_string:
            if char == "\\" and index + 1 < length:
                following = text[index + 1]
                out.append("\\" + following if following in _JSON_ESCAPES else following)
                index += 2
                continue
            if char == '"':
                in_string = False
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, char))
        elif char == '"':
            in_string = True
            out.append(char)
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
            continue
        elif text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = length if close < 0 else close + 2
            continue
        elif char in "}]":
            while out and out[-1].isspace():
                out.pop()
            if out and out[-1] == ",":
                out.pop()
            out.append(char)
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _decode_all(text: str) -> list[Any] | None:
    """Every JSON value in ``text`` (some sites concatenate objects); None if none parse."""
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    position, length = 0, len(text)
    while position < length:
        while position < length and (text[position].isspace() or text[position] in ",;"):
            position += 1
        if position >= length:
            break
        try:
            value, position = decoder.raw_decode(text, position)
        except (json.JSONDecodeError, RecursionError):
            return values or None
        values.append(value)
    return values or None


def loads_lenient(text: str) -> list[Any]:
    """The JSON values of one ld+json block, after a lenient cleanup if needed."""
    stripped = _WRAPPER_END.sub("", _WRAPPER_START.sub("", text.strip()))
    values = _decode_all(stripped)
    if values is None:
        # The cleanup walks the block character by character in Python: only
        # the blocks that need it pay for it.
        values = _decode_all(_relax(stripped))
    if values is None and ("&quot;" in stripped or "&#" in stripped):
        values = _decode_all(_relax(html.unescape(stripped)))
    return values or []
