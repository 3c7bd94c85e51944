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


@dataclass(frozen=True, slots=True)
class UrlField:
    field: str  # where the value sits, e.g. "related[0].images[1].url"
    value: Any  # the value as written (usually a str)
    kind: UrlKind


def url_fields(data: Mapping[str, Any]) -> list[UrlField]:
    """Every URL field of an article, in document order of the contract's fields."""
    return list(_article_fields(data, ""))


def _article_fields(data: Mapping[str, Any], prefix: str) -> Iterator[UrlField]:
    for key in PAGE_KEYS:
        value = data.get(key)
        if value is not None:
            yield UrlField(f"{prefix}{key}", value, UrlKind.PAGE)
    yield from _image_fields(data.get("images"), f"{prefix}images")
    if prefix:
        return
    related = data.get("related")
    if isinstance(related, list):
        for index, item in enumerate(related):
            if isinstance(item, Mapping):
                yield from _article_fields(item, f"related[{index}].")


def _image_fields(images: Any, prefix: str) -> Iterator[UrlField]:
    if not isinstance(images, list):
        return
    for index, image in enumerate(images):
        if isinstance(image, Mapping):
            value = image.get("url")
            if value is not None:
                yield UrlField(f"{prefix}[{index}].url", value, UrlKind.IMAGE)
        elif isinstance(image, str):
            yield UrlField(f"{prefix}[{index}]", image, UrlKind.IMAGE)
