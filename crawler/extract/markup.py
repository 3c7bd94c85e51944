"""Small accessors over Beautiful Soup tags, shared by the markup readers.

Beautiful Soup returns multi-valued attributes (``class``, ``rel``) as lists and
the others as strings; these helpers give ``sources``, ``microdata`` and
``bylines`` one shape to work with.
"""

from __future__ import annotations

from bs4 import Tag


def attribute(tag: Tag, name: str) -> str | None:
    """An attribute's value as one string (list values joined with spaces)."""
    value = tag.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return value


def tokens(tag: Tag, name: str) -> list[str]:
    """A space-separated attribute (``rel``, ``itemprop``, ``class``) as lower-case tokens."""
    return (attribute(tag, name) or "").lower().split()


def text_of(tag: Tag) -> str:
    """The element's text, with a space where elements meet (``clean_text`` collapses it)."""
    return tag.get_text(" ")
