"""Read the many ways pages write a date and report it as UTC ISO 8601.

``extract`` passes every candidate publication or modification date through
:func:`parse_date`.  Output is ``YYYY-MM-DDTHH:MM:SSZ`` when the value has a
time of day, and ``YYYY-MM-DD`` when the page gives only a date (a day has no
instant to convert to UTC, so none is invented).  A time without a zone is taken
as UTC: pages rarely say which local time they mean, and UTC keeps the value
stable whatever machine runs the crawl.

Accepted shapes: ISO 8601 and its common relaxations (RFC 3339, a space
instead of ``T``, ``+0100``, ``+01``, fractional seconds, a trailing zone
abbreviation), RFC 2822 (``Thu, 28 Jan 2021 04:51:00 GMT``), epoch seconds or
milliseconds, ``YYYYMMDD``, ``YYYY/MM/DD``, and English month names
(``January 28, 2021 4:51 PM EST``, ``28 Jan 2021``).
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final

EARLIEST_YEAR: Final = 1990  # epoch numbers before this are not publication dates
LATEST_YEAR: Final = 2100  # nor after this

# Abbreviations news sites actually print; ambiguous ones (IST, CST) take the
# reading most common on English-language news pages.
_ZONES: Final[dict[str, float]] = {
    "Z": 0, "UT": 0, "UTC": 0, "GMT": 0, "WET": 0, "BST": 1, "CET": 1, "WEST": 1,
    "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5, "SGT": 8, "HKT": 8,
    "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10,
}  # fmt: skip
# US sites write "ET"/"PT" all year for whichever of standard and daylight time
# is in force: the offset depends on the date (:func:`_us_offset`).
_US_STANDARD: Final[dict[str, int]] = {"ET": -5, "CT": -6, "MT": -7, "PT": -8}
_MONTHS: Final = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip

_ZONE = r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?|[A-Z]{1,5})?"
_TIME = (
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<meridiem>[ap]\.?m\.?)?"
)
_ISO = re.compile(
    r"(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    rf"(?:(?:T|\s+|,\s*)(?:{_TIME})\s*{_ZONE})?(?![\d:])",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})")
_MONTH = r"(?P<month>[a-z]{3,9})\.?"
_NAMED = (
    re.compile(
        rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
        rf"(?:(?:\s+|\s*,\s*|\s+at\s+)(?:{_TIME})\s*{_ZONE})?",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<year>\d{{4}})"
        rf"(?:(?:\s+|\s*,\s*|\s+at\s+)(?:{_TIME})\s*{_ZONE})?",
        re.IGNORECASE,
    ),
)
_EPOCH = re.compile(r"\d{9,13}(?:\.\d+)?")


def _format(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _us_offset(standard: int, moment: datetime) -> int:
    """Hours from UTC of a US zone at local wall time ``moment`` (naive).

    Daylight time runs from 2:00 on the second Sunday of March to 2:00 on the
    first Sunday of November (the rule since 2007).
    """
    march = datetime(moment.year, 3, 8 + (6 - date(moment.year, 3, 8).weekday()) % 7, 2)
    november = datetime(moment.year, 11, 1 + (6 - date(moment.year, 11, 1).weekday()) % 7, 2)
    return standard + 1 if march <= moment < november else standard


def _zone(text: str | None, local: datetime | None = None) -> timezone | None:
    """The offset a zone designator names at local time ``local``; None for an unknown word."""
    if not text:
        return UTC
    upper = text.upper()
    if upper in _US_STANDARD:
        hours = _US_STANDARD[upper]
        return timezone(timedelta(hours=_us_offset(hours, local) if local else hours))
    if upper in _ZONES:
        return timezone(timedelta(hours=_ZONES[upper]))
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", upper)
    if match is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    if minutes > 18 * 60:
        return None
    return timezone(sign * timedelta(minutes=minutes))


def _build(parts: dict[str, str | None], month: int) -> str | None:
    try:
        day = date(int(parts["year"] or 0), month, int(parts["day"] or 0))
    except ValueError:
        return None
    if parts.get("hour") is None:
        return day.isoformat()
    hour = int(parts["hour"] or 0)
    meridiem = (parts.get("meridiem") or "").lower().replace(".", "")
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    try:
        local = datetime(
            day.year, day.month, day.day, hour, int(parts["minute"] or 0),
            int(parts.get("second") or 0),
        )  # fmt: skip
    except ValueError:
        return None
    return _format(local.replace(tzinfo=_zone(parts.get("zone"), local) or UTC))


def _from_epoch(text: str) -> str | None:
    number = float(text)
    if number >= 1e11:  # milliseconds
        number /= 1000
    try:
        moment = datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        return None
    return _format(moment)


def _from_rfc2822(text: str) -> str | None:
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _format(moment)


def parse_date(value: object) -> str | None:
    """UTC ``YYYY-MM-DDTHH:MM:SSZ`` (or ``YYYY-MM-DD``) for a date a page wrote, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(str(value))
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text:
        return None
    if _EPOCH.fullmatch(text):
        return _from_epoch(text)
    compact = _COMPACT.fullmatch(text)
    if compact is not None:
        return _build(compact.groupdict(), int(compact.group("month")))
    iso = _ISO.search(text)
    if iso is not None:
        return _build(iso.groupdict(), int(iso.group("month")))
    if re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", text):
        parsed = _from_rfc2822(text)
        if parsed is not None:
            return parsed
    for pattern in _NAMED:
        named = pattern.search(text)
        if named is None:
            continue
        month = _MONTHS.get(named.group("month").lower())
        if month is not None:
            return _build(named.groupdict(), month)
    return None
