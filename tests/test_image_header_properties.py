"""Property-based tests of the image prober: any input gives an answer or an ImageError.

Arbitrary bytes, bytes behind every signature the prober knows, and mutated or cut
valid files: ``probe_bytes`` never raises anything but ImageError and never answers
an implausible size; and the incremental path (a SparseBuffer fed only the ranges
that NeedBytes asks for) reaches exactly the answer the whole file gives.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from images.corpus import valid_files

from crawler.checks.images import ImageInfo, NeedBytes, SparseBuffer, parse, probe_bytes
from crawler.checks.images.info import FORMATS, MAX_SIDE
from crawler.checks.images.sniff import SIGNATURES
from crawler.errors import ImageError

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAGICS = sorted({magic if offset == 0 else bytes(4) + magic for offset, magic, _, _ in SIGNATURES})
MAGICS += [b"P4\n", b"P7\n", b"PF\n", b"<svg ", b"\x00\x00\x02\x00", b"\x00\x01\x01\x00"]
CORPUS = valid_files()


def outcome(probe: object) -> ImageInfo | str:
    """The answer, or the error message: both must be deterministic."""
    try:
        result = probe() if callable(probe) else None
    except ImageError as error:
        return f"ImageError: {error}"
    assert isinstance(result, ImageInfo)
    assert result.format in FORMATS
    assert 1 <= result.width <= MAX_SIDE and 1 <= result.height <= MAX_SIDE
    assert 1 <= result.orientation <= 8
    return result


def incremental(data: bytes, size_known: bool) -> ImageInfo:
    buffer = SparseBuffer(size=len(data) if size_known else None)
    for _ in range(2000):
        try:
            return parse(buffer)
        except NeedBytes as need:
            assert need.offset >= 0 and need.length > 0
            assert not size_known or need.offset + need.length <= len(data)
            chunk = data[need.offset : need.offset + need.length]
            buffer.add(need.offset, chunk)
            if len(chunk) < need.length:
                buffer.size = len(data)
    raise AssertionError("the parser kept asking for bytes")


@SETTINGS
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_give_an_answer_or_an_image_error(data: bytes) -> None:
    outcome(lambda: probe_bytes(data))


@SETTINGS
@given(st.sampled_from(MAGICS), st.binary(max_size=2048))
def test_bytes_behind_a_signature_give_an_answer_or_an_image_error(
    magic: bytes, rest: bytes
) -> None:
    data = magic + rest
    whole = outcome(lambda: probe_bytes(data))
    assert outcome(lambda: incremental(data, size_known=True)) == whole


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    data = bytearray(CORPUS[draw(st.sampled_from(sorted(CORPUS)))])
    for _ in range(draw(st.integers(0, 4))):
        position = draw(st.integers(0, min(len(data) - 1, 600)))
        data[position] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data))) :]
    return bytes(data)


@SETTINGS
@given(mutated_files())
def test_mutated_files_give_the_same_outcome_whole_and_incrementally(data: bytes) -> None:
    whole = outcome(lambda: probe_bytes(data))
    assert outcome(lambda: incremental(data, size_known=True)) == whole


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_incremental_parse_without_a_known_size_matches_the_whole_file(name: str) -> None:
    data = CORPUS[name]
    assert incremental(data, size_known=False) == probe_bytes(data)
    assert incremental(data, size_known=True) == probe_bytes(data)
