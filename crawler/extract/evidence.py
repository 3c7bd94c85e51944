"""The candidate values a page offers for each field, before any is chosen.

``jsonld`` and ``sources`` read the page and record what each source says under
a source key (``og:title``, ``jsonld:headline``, ``html:title``...);
``metadata`` then walks its trust order over these keys and keeps the first
value that survives normalisation.  Keeping the raw candidates apart from the
choice makes the trust order one table instead of a cascade of ``or``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ImageCandidate:
    """An image URL as written in the page, with the size declared for that image."""

    url: str
    width: int | None = None
    height: int | None = None


Clue = str | ImageCandidate


@dataclass(slots=True)
class Evidence:
    """Raw values by source key, each list in document order."""

    _values: dict[str, list[Clue]] = field(default_factory=dict)

    def add(self, key: str, value: object) -> None:
        """Record ``value`` under ``key``; non-strings and blank strings are ignored."""
        if isinstance(value, ImageCandidate):
            if value.url.strip():
                self._values.setdefault(key, []).append(value)
        elif isinstance(value, str) and value.strip():
            self._values.setdefault(key, []).append(value)

    def get(self, key: str) -> list[Clue]:
        """Every value recorded under ``key`` (empty when the source said nothing)."""
        return self._values.get(key, [])

    def __contains__(self, key: str) -> bool:
        return key in self._values
