"""SVG documents: the root element's width, height and viewBox (SVG 1.1/2, CSS Values 3).

A bounded prefix is read, growing until the root start tag is complete: XML
declaration, comments, processing instructions and DOCTYPE (with an internal subset)
are skipped, then the root's attributes are parsed strictly as XML (quoted values
without ``<``, whitespace between attributes), so a garbled tag is rejected instead
of half-read.  The root must be ``svg`` in any namespace prefix; an HTML page or
another XML document is "not an image".  Lengths convert to CSS pixels (96 per inch;
em and ex taken as 16px and 8px, the browser defaults); a missing or percentage
size falls back on the viewBox, keeping its aspect ratio when one side is given.
When the size is known the document must end with the root's end tag.

Strict where browsers are strict (measured in Chromium 156 with ``<img>``): a
lowercase ``viewbox`` is ignored (SVG files are XML, attribute names are
case-sensitive; only the HTML parser fixes the case of inline ``<svg>``), and a file
cut before ``</svg>`` or with a ``<`` in an attribute value is a broken image, so
each is reported as unusable, with the reason, rather than given a size no browser
shows.
"""

from __future__ import annotations

import codecs
import re

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo

PREFIXES = (512, 4096, 16384, 65536)  # bytes tried in turn for the prolog and root tag
TAIL = 512  # bytes read at the end to find the root's end tag
MAX_NODES = 1024  # prolog items (comments, PIs, DOCTYPE) before the root
UNITS = {
    "": 1.0, "px": 1.0, "pt": 96 / 72, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54,
    "in": 96.0, "q": 96 / 101.6, "em": 16.0, "rem": 16.0, "ex": 8.0, "ch": 8.0,
}  # fmt: skip
LENGTH = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z]*|%)")
END_TAG = re.compile(r"</\s*(?:[\w.\-]+:)?svg\s*>$")
TRAILING_COMMENT = re.compile(r"<!--(?:(?!<!--).)*-->$", re.S)
DOCTYPE_SUBSET_END = re.compile(r"\]\s*>")


class Incomplete(Exception):
    """The root start tag continues past the bytes at hand."""


def decode(data: bytes) -> tuple[str, str]:
    """The text and the codec name, from the byte-order mark or the first bytes."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), "utf-8"
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body = data[2 : len(data) - (len(data) % 2)]
            return body.decode(codec, "replace"), codec
    if data[:2] == b"<\x00":
        return data[: len(data) - len(data) % 2].decode("utf-16-le", "replace"), "utf-16-le"
    if data[:2] == b"\x00<":
        return data[: len(data) - len(data) % 2].decode("utf-16-be", "replace"), "utf-16-be"
    return data.decode("utf-8", "replace"), "utf-8"


def parse_svg(buf: SparseBuffer) -> ImageInfo:
    for limit in PREFIXES:
        data = buf.read_upto(0, limit, "prolog")
        text, codec = decode(data)
        try:
            name, attributes, self_closing = find_root(text)
            break
        except Incomplete:
            if len(data) < limit:
                raise ImageError("truncated SVG: root element incomplete") from None
    else:
        raise ImageError(f"SVG: no complete root element in the first {PREFIXES[-1]} bytes")
    local = name.rpartition(":")[2]
    if local != "svg":
        if local.lower() == "html":
            raise ImageError("not an image: looks like an HTML page")
        raise ImageError(f"not an image: XML document with root <{name}>")
    width, height = size_of(attributes)
    check_end(buf, codec, self_closing)
    return ImageInfo("svg", width, height)


def find_root(text: str) -> tuple[str, dict[str, str], bool]:
    at = 0
    for _ in range(MAX_NODES):
        while at < len(text) and text[at] in " \t\r\n\ufeff":
            at += 1
        if at >= len(text):
            raise Incomplete
        if text.startswith("<?", at):
            at = skip_to(text, "?>", at)
        elif text.startswith("<!--", at):
            at = skip_to(text, "-->", at)
        elif text[at : at + 9].upper() == "<!DOCTYPE":
            close, subset = text.find(">", at), text.find("[", at)
            if 0 <= subset < close or (close < 0 <= subset):
                match = DOCTYPE_SUBSET_END.search(text, subset)
                if match is None:
                    raise Incomplete
                at = match.end()
            elif close < 0:
                raise Incomplete
            else:
                if "html" in text[at:close].lower():
                    raise ImageError("not an image: looks like an HTML page")
                at = close + 1
        elif text.startswith("<", at):
            return read_start_tag(text, at + 1)
        else:
            raise ImageError("not an image: text before the first element")
    raise ImageError("SVG: too many nodes before the root element")


def skip_to(text: str, end: str, at: int) -> int:
    found = text.find(end, at)
    if found < 0:
        raise Incomplete
    return found + len(end)


def is_name_start(char: str) -> bool:
    return char.isalpha() or char in "_:" or ord(char) > 0x7F


def read_name(text: str, at: int) -> int:
    """The end of the XML name at ``at`` (``at`` itself when there is none)."""
    if at >= len(text):
        raise Incomplete
    if not is_name_start(text[at]):
        return at
    end = at + 1
    while end < len(text) and (
        is_name_start(text[end]) or text[end].isdigit() or text[end] in ".-"
    ):
        end += 1
    if end >= len(text):
        raise Incomplete
    return end


def read_start_tag(text: str, at: int) -> tuple[str, dict[str, str], bool]:
    end = read_name(text, at)
    if end == at:
        raise ImageError("SVG: malformed root element")
    name = text[at:end]
    attributes: dict[str, str] = {}
    at = end
    while True:
        start = at
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if at >= len(text):
            raise Incomplete
        if text[at] == ">":
            return name, attributes, False
        if text[at] == "/":
            if at + 1 >= len(text):
                raise Incomplete
            if text[at + 1] == ">":
                return name, attributes, True
            raise ImageError("SVG: malformed root element")
        end = read_name(text, at)
        if end == at or start == at:
            raise ImageError("SVG: malformed root element attributes")
        key, at = text[at:end], end
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if at >= len(text):
            raise Incomplete
        if text[at] != "=":
            raise ImageError(f"SVG: attribute {key} without a value")
        at += 1
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if at >= len(text):
            raise Incomplete
        quote = text[at]
        if quote not in "\"'":
            raise ImageError(f"SVG: unquoted value of attribute {key}")
        close = text.find(quote, at + 1)
        value = text[at + 1 : close] if close >= 0 else text[at + 1 :]
        if "<" in value:
            raise ImageError(f"SVG: '<' in the value of attribute {key}")
        if close < 0:
            raise Incomplete
        if key in attributes:
            raise ImageError(f"SVG: duplicate attribute {key}")
        attributes[key] = value
        at = close + 1


def length(value: str | None, name: str) -> float | None:
    """A length in CSS pixels; ``None`` for a missing, ``auto`` or percentage value."""
    if value is None or value.strip() in ("", "auto") or value.strip().endswith("%"):
        return None
    match = LENGTH.fullmatch(value.strip())
    if match is None or match.group(2).lower() not in UNITS:
        raise ImageError(f"SVG: bad {name} {value!r}")
    pixels = float(match.group(1)) * UNITS[match.group(2).lower()]
    if not 0 < pixels < 1 << 31:
        raise ImageError(f"SVG: zero or negative {name}" if pixels <= 0 else f"SVG: huge {name}")
    return pixels


def view_box(value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    parts = re.split(r"[\s,]+", value.strip())
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise ImageError(f"SVG: bad viewBox {value!r}") from None
    if len(numbers) != 4 or not (0 < numbers[2] < 1 << 31 and 0 < numbers[3] < 1 << 31):
        raise ImageError(f"SVG: bad viewBox {value!r}")
    return numbers[2], numbers[3]


def size_of(attributes: dict[str, str]) -> tuple[int, int]:
    width = length(attributes.get("width"), "width")
    height = length(attributes.get("height"), "height")
    box = view_box(attributes.get("viewBox"))
    if width is None or height is None:
        if box is None:
            miscased = next((key for key in attributes if key.lower() == "viewbox"), None)
            hint = f" ({miscased!r} is ignored: attribute names are case-sensitive)"
            raise ImageError(
                "SVG: no width and height, and no viewBox" + (hint if miscased else "")
            )
        if width is not None:
            height = width * box[1] / box[0]
        elif height is not None:
            width = height * box[0] / box[1]
        else:
            width, height = box
    return max(1, int(width + 0.5)), max(1, int(height + 0.5))


def check_end(buf: SparseBuffer, codec: str, self_closing: bool) -> None:
    """With the size known, the document must end with the root's end tag (or a lone root)."""
    if buf.size is None or self_closing:
        return
    start = max(0, buf.size - TAIL)
    if codec.startswith("utf-16"):
        start += start % 2
    tail = buf.read(start, buf.size - start, "end of document")
    text = tail.decode(codec, "replace").rstrip(" \t\r\n\x00")
    for _ in range(MAX_NODES):
        match = TRAILING_COMMENT.search(text)
        if match is None:
            break
        text = text[: match.start()].rstrip(" \t\r\n")
    if END_TAG.search(text) is None:
        raise ImageError("truncated SVG: no closing </svg> at the end of the document")
