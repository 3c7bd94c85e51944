"""What the user asked to count and send: ``--accept`` statuses and ``-H`` headers.

Small values parsed once from the command line or the config file (held by
:class:`crawler.config.Config`), validated with a one-line
:class:`~crawler.errors.UsageError`, and applied by the Fetcher.

``--accept`` takes lychee's notation: ``200``, ``200..=204`` (inclusive), ``200..300``
(end excluded), plus ``200-204`` (inclusive), comma-separated.  ``-H/--header`` keeps
curl's: ``Name: value`` sends it (replacing the crawler's own), ``Name:`` removes a
header the crawler would send, ``Name;`` sends it empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.errors import UsageError

_RANGE = re.compile(r"(\d{3})(?:(\.\.=|\.\.|-)(\d{3}))?")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 section 5.1 field-name
_RESERVED = {
    "host": "use --connect-to to reach another address under the same name",
    "accept-encoding": "the crawler decodes bodies itself, within its limits",
}


def parse_accept(specs: Iterable[str | int]) -> tuple[int, ...]:
    """The status codes named by ``specs`` (each a code, a range or a comma list), sorted."""
    codes: set[int] = set()
    for spec in specs:
        for part in str(spec).split(","):
            text = part.strip()
            if not text:
                continue
            match = _RANGE.fullmatch(text)
            if match is None:
                raise UsageError(f"accept: {text!r} is not a status code or range like 200..=299")
            low, kind, high = match.groups()
            first = int(low)
            last = first if high is None else int(high) - (1 if kind == ".." else 0)
            if not 100 <= first <= last <= 999:
                raise UsageError(f"accept: {text!r} is not a range of status codes 100 to 999")
            codes.update(range(first, last + 1))
    return tuple(sorted(codes))


@dataclass(frozen=True, slots=True)
class Header:
    """One ``-H`` value: ``value`` None removes the header the crawler would send."""

    name: str
    value: str | None

    @classmethod
    def parse(cls, spec: str) -> Header:
        value: str | None
        if spec.endswith(";") and ":" not in spec:
            name, value = spec[:-1].strip(), ""
        elif ":" in spec:
            name, _, rest = spec.partition(":")
            name, value = name.strip(), rest.strip() or None
        else:
            raise UsageError(f"header {spec!r}: expected 'Name: value', 'Name:' or 'Name;'")
        if not _TOKEN.fullmatch(name):
            raise UsageError(f"header {spec!r}: {name!r} is not a header name")
        if value is not None and any(char in value for char in "\r\n\0"):
            raise UsageError(f"header {name}: a value cannot hold a line break")
        why = _RESERVED.get(name.lower())
        if why is not None:
            raise UsageError(f"header {name}: cannot be set with -H: {why}")
        return cls(name, value)


def apply_headers(
    base: dict[str, str], headers: Iterable[Header]
) -> tuple[dict[str, str], list[str]]:
    """``base`` with ``headers`` applied, and the names to keep aiohttp from adding."""
    result = dict(base)
    skipped: list[str] = []
    for header in headers:
        for existing in [key for key in result if key.lower() == header.name.lower()]:
            del result[existing]
        if header.value is None:
            skipped.append(header.name)
        else:
            result[header.name] = header.value
    return result, skipped


__all__ = ["Header", "apply_headers", "parse_accept"]
