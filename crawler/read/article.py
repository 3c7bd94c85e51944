"""Which values of an article's front matter are URLs to check, and under which field name.

Field names are the contract's: ``originalUrl``, ``images[0].url``,
``related[1].webUrl``, ``related[1].images[0].url``.  A key that is absent or
null is not a URL claim and is not checked; any other value is, so an empty or
relative one comes out ``invalid``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

PAGE_KEYS = ("originalUrl", "webUrl", "ampWebUrl", "cdnAmpWebUrl")


class UrlKind(enum.StrEnum):
    PAGE = "page"  # an HTML document: its head is read
    IMAGE = "image"  # an image: its header is read


KeyPath = tuple[str | int, ...]  # keys and list indexes from the top of the front matter
Scalar = str | int | float | bool | None  # a front-matter value that --refresh may write


@dataclass(frozen=True, slots=True)
class DeclaredSize:
    """The width and height an image entry declares, as written (any YAML value)."""

    width: Any
    height: Any


@dataclass(frozen=True, slots=True)
class UrlField:
    field: str  # where the value sits, e.g. "related[0].images[1].url"
    value: Any  # the value as written (usually a str)
    kind: UrlKind
    path: KeyPath = ()  # the same place as keys, e.g. ("related", 0, "images", 1, "url")
    declared: DeclaredSize | None = None  # an image entry's width and height keys, if any


def url_fields(data: Mapping[str, Any]) -> list[UrlField]:
    """Every URL field of an article, in document order of the contract's fields."""
    return list(_article_fields(data, "", ()))


def _article_fields(data: Mapping[str, Any], prefix: str, path: KeyPath) -> Iterator[UrlField]:
    for key in PAGE_KEYS:
        value = data.get(key)
        if value is not None:
            yield UrlField(f"{prefix}{key}", value, UrlKind.PAGE, (*path, key))
    yield from _image_fields(data.get("images"), f"{prefix}images", (*path, "images"))
    if prefix:
        return
    related = data.get("related")
    if isinstance(related, list):
        for index, item in enumerate(related):
            if isinstance(item, Mapping):
                yield from _article_fields(item, f"related[{index}].", ("related", index))


def _image_fields(images: Any, prefix: str, path: KeyPath) -> Iterator[UrlField]:
    if not isinstance(images, list):
        return
    for index, image in enumerate(images):
        if isinstance(image, Mapping):
            value = image.get("url")
            if value is not None:
                declared = None
                if "width" in image or "height" in image:
                    declared = DeclaredSize(image.get("width"), image.get("height"))
                name = f"{prefix}[{index}].url"
                yield UrlField(name, value, UrlKind.IMAGE, (*path, index, "url"), declared)
        elif isinstance(image, str):
            yield UrlField(f"{prefix}[{index}]", image, UrlKind.IMAGE, (*path, index))
