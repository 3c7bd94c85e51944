"""Bounded body reading: stop as soon as enough has arrived, and never past the caps.

Bodies are decoded here rather than by aiohttp so that decompression itself is
bounded: ``zlib``'s ``max_length`` keeps a gzip bomb from expanding beyond
``max_decoded`` bytes in memory, whatever its compressed size.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass

_INFLATED = ("gzip", "x-gzip", "deflate")  # the codings we ask for (Accept-Encoding)

# Given the response headers (lower-case names) and the decoded prefix, True once it is enough.
# The prefix is lent, not given: it is the reader's own buffer, which grows after the call
# returns (copying it for every read would copy a page's head once per read), so a rule
# that keeps any of it keeps a copy (``bytes(prefix[...])``).
Prefix = bytes | bytearray
StopRule = Callable[[Mapping[str, str], Prefix], bool]


@dataclass(frozen=True, slots=True)
class Body:
    data: bytes  # the decoded prefix that was read
    wire_bytes: int  # bytes read from the connection
    complete: bool  # the whole body was read (False: a cap or the stop rule ended it)


class UndecodableBody(ValueError):
    """The body's Content-Encoding is not one we decode, or its bytes do not inflate."""

    def __init__(self, encoding: str, reason: BaseException | str) -> None:
        super().__init__(f"body cannot be decoded ({encoding}: {reason})")
        self.encoding = encoding


class _Decoder:
    def __init__(self, encoding: str) -> None:
        # RFC 9110 8.4: codings are listed in the order they were applied; identity is a no-op.
        codings = [c.strip() for c in encoding.lower().split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self._encoding = ", ".join(codings)
        self.passthrough = not codings
        if len(codings) > 1 or (codings and codings[0] not in _INFLATED):
            raise UndecodableBody(self._encoding, "unsupported content-encoding")
        # 47 = 32 + 15: accept a gzip or a zlib header; raw deflate is tried on error.
        self._inflate = None if self.passthrough else zlib.decompressobj(47)
        self._raw_fallback = codings == ["deflate"]
        self.exhausted = False  # output cap reached with input left over

    def feed(self, chunk: bytes, room: int) -> bytes:
        if self._inflate is None:
            return chunk[:room]
        try:
            out = self._inflate.decompress(chunk, max(room, 1))
        except zlib.error as exc:
            if not self._raw_fallback:
                raise UndecodableBody(self._encoding, exc) from None
            self._raw_fallback = False
            self._inflate = zlib.decompressobj(-15)
            try:
                out = self._inflate.decompress(chunk, max(room, 1))
            except zlib.error as raw_exc:
                raise UndecodableBody(self._encoding, raw_exc) from None
        if out:
            self._raw_fallback = False  # a zlib stream that decodes is not raw deflate
        if self._inflate.unconsumed_tail:
            self.exhausted = True
        return out[:room]


async def read_body(
    chunks: AsyncIterator[bytes],
    headers: Mapping[str, str],
    stop: StopRule | None,
    max_wire: int,
    max_decoded: int,
) -> Body:
    """Read decoded bytes until ``stop`` says enough, the body ends, or a cap is hit.

    Raises :class:`UndecodableBody` for a Content-Encoding it cannot decode.
    """
    decoder = _Decoder(headers.get("content-encoding", ""))
    data = bytearray()
    wire = 0
    async for received in chunks:
        chunk = received[: max_wire - wire]  # what arrived past the cap is not kept
        wire += len(chunk)
        data += decoder.feed(chunk, max_decoded - len(data))
        if decoder.exhausted or len(data) >= max_decoded:
            break
        if wire >= max_wire:
            break
        if stop is not None and stop(headers, data):
            break
    else:
        return Body(bytes(data), wire, True)
    return Body(bytes(data), wire, False)


def media_type(headers: Mapping[str, str]) -> str | None:
    """The lower-case media type of a response's Content-Type, without parameters."""
    value = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return value or None
