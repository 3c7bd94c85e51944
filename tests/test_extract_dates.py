"""parse_date: the date shapes pages write, all reported in UTC."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extract.dates import parse_date

CASES = {
    "iso-zulu": ("2021-01-28T04:51:00Z", "2021-01-28T04:51:00Z"),
    "iso-offset-converted-to-utc": ("2021-01-28T05:51:00+01:00", "2021-01-28T04:51:00Z"),
    "iso-offset-without-colon": ("2021-01-28T04:51:00+0000", "2021-01-28T04:51:00Z"),
    "iso-hour-only-offset": ("2021-01-28T13:51:00+09", "2021-01-28T04:51:00Z"),
    "iso-fraction-dropped": ("2021-01-28T04:51:00.123456-05:00", "2021-01-28T09:51:00Z"),
    "iso-without-seconds": ("2021-01-28T04:51Z", "2021-01-28T04:51:00Z"),
    "space-separated-with-offset": ("2021-01-28 04:51:00 +0100", "2021-01-28T03:51:00Z"),
    "no-zone-taken-as-utc": ("2021-01-28T04:51:00", "2021-01-28T04:51:00Z"),
    "zone-abbreviation": ("2021-01-28T04:51:00 PST", "2021-01-28T12:51:00Z"),
    "date-only-stays-a-date": ("2021-01-28", "2021-01-28"),
    "slashes": ("2021/01/28 04:51", "2021-01-28T04:51:00Z"),
    "compact": ("20210128", "2021-01-28"),
    "rfc-2822": ("Thu, 28 Jan 2021 04:51:00 GMT", "2021-01-28T04:51:00Z"),
    "rfc-2822-offset": ("28 Jan 2021 04:51:00 -0500", "2021-01-28T09:51:00Z"),
    "epoch-seconds": ("1611809460", "2021-01-28T04:51:00Z"),
    "epoch-milliseconds": ("1611809460000", "2021-01-28T04:51:00Z"),
    "english-month-first": ("January 28, 2021 4:51 PM EST", "2021-01-28T21:51:00Z"),
    "english-abbreviated": ("Jan. 28, 2021", "2021-01-28"),
    "english-day-first": ("28th January 2021", "2021-01-28"),
    "surrounded-by-words": ("Published 2021-01-28T04:51:00Z by staff", "2021-01-28T04:51:00Z"),
    "impossible-date": ("2021-13-45", None),
    "words": ("last Tuesday", None),
    "blank": ("   ", None),
    "epoch-out-of-range": ("9999999999999", None),
}


@pytest.mark.parametrize(("raw", "expected"), CASES.values(), ids=CASES.keys())
def test_parse_date(raw: str, expected: str | None) -> None:
    assert parse_date(raw) == expected


def test_json_numbers_are_epoch_values() -> None:
    assert parse_date(1611809460) == "2021-01-28T04:51:00Z"
    assert parse_date(True) is None


@given(st.text(max_size=60))
def test_parse_date_never_raises(raw: str) -> None:
    result = parse_date(raw)
    assert result is None or len(result) in (10, 20)
