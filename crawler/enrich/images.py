"""Image findings: what an image URL really holds, against what the article declares.

Declared ``width`` and ``height`` are layout numbers, so they are compared with
the *displayed* size: a JPEG stored 4032x3024 with EXIF orientation 6 is shown
3024x4032 (CIPA DC-008, TIFF tag 274).  A declaration that is not a pair of
whole numbers cannot be compared and is left alone, also by ``--refresh``.
"""

from __future__ import annotations

from typing import Any

from crawler.checks.image_probe import ImageProbe
from crawler.checks.images import ImageInfo
from crawler.read.article import DeclaredSize, KeyPath, Scalar, UrlField


def declared_numbers(declared: DeclaredSize | None) -> tuple[int, int] | None:
    """The declared width and height as whole numbers; None unless both are."""
    if declared is None:
        return None
    numbers = [_whole_number(value) for value in (declared.width, declared.height)]
    if numbers[0] is None or numbers[1] is None:
        return None
    return numbers[0], numbers[1]


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def size_matches(info: ImageInfo, declared: DeclaredSize | None) -> bool | None:
    """Whether the declared size is the displayed size; None when nothing comparable is declared."""
    numbers = declared_numbers(declared)
    if numbers is None:
        return None
    return numbers == (info.display_width, info.display_height)


def image_entry(probe: ImageProbe, declared: DeclaredSize | None) -> dict[str, Any]:
    """The ``image`` part of an image field's entry in the crawl block."""
    info = probe.info
    if info is None:
        return {"error": probe.error, "bytesRead": probe.bytes_read}
    entry: dict[str, Any] = info.to_json()
    matches = size_matches(info, declared)
    if matches is not None:
        entry["sizeMatches"] = matches
    entry["bytesRead"] = probe.bytes_read
    return entry


def size_fixes(field: UrlField, probe: ImageProbe | None) -> dict[KeyPath, Scalar]:
    """The scalar changes that make a wrong declared size the displayed size.

    Each new value keeps the old one's type: a size written as a string stays a
    string.  Only sizes the file writes are changed; a missing key is not added.
    """
    if probe is None or probe.info is None or field.declared is None:
        return {}
    if size_matches(probe.info, field.declared) is not False:
        return {}
    real = {"width": probe.info.display_width, "height": probe.info.display_height}
    declared = {"width": field.declared.width, "height": field.declared.height}
    changes: dict[KeyPath, Scalar] = {}
    for key in ("width", "height"):
        old = declared[key]
        if _whole_number(old) != real[key]:
            changes[(*field.path[:-1], key)] = _like(old, real[key])
    return changes


def _like(old: Any, value: int) -> Scalar:
    if isinstance(old, str):
        return str(value)
    return float(value) if isinstance(old, float) else value
