"""The sans-IO input of the image prober: bytes known at some offsets of a resource.

A driver (``probe_file``, or the HTTP layer with Range requests) owns the I/O; the
format parsers only *read* from a :class:`SparseBuffer`.  When a parser needs bytes
the buffer lacks, the buffer raises :class:`NeedBytes` naming the exact range, the
driver fetches it, :meth:`SparseBuffer.add` records it, and the parse is re-run from
scratch.  Parsers are deterministic functions of the buffer, so re-running is safe.

When the total size is known, a read past it is not a request for more input but
proof that the image is cut short: :class:`TruncatedError` (an ``ImageError``).
"""

from __future__ import annotations

import bisect
import struct
from typing import Any

from crawler.errors import ImageError

MAX_READ = 1 << 20  # bytes: the largest single read a parser may ask for


class NeedBytes(Exception):
    """A request for more input: fetch ``length`` bytes at ``offset``, add them, parse again.

    This is not an :class:`ImageError`.  A driver that cannot serve the whole range
    because the resource ends first must set :attr:`SparseBuffer.size`, so that the
    next parse can tell truncation from missing input.
    """

    def __init__(self, offset: int, length: int) -> None:
        super().__init__(f"need {length} bytes at offset {offset}")
        self.offset = offset
        self.length = length


class TruncatedError(ImageError):
    """The data ends before the bytes a parser needs: the image is cut short."""

    def __init__(self, what: str, offset: int, end: int, size: int, label: str = "") -> None:
        self.what = what
        self.offset = offset
        self.end = end
        self.size = size
        self.label = label
        name = f"truncated {label}" if label else "truncated image"
        super().__init__(
            f"{name}: {what} incomplete (needs bytes up to {end}, data ends at {size})"
        )

    def with_label(self, label: str) -> TruncatedError:
        """The same error, naming the format once the dispatcher knows it."""
        return TruncatedError(self.what, self.offset, self.end, self.size, label)


class SparseBuffer:
    """Bytes known at some offsets of one resource, plus its total size when known."""

    __slots__ = ("_chunks", "_size", "_starts")

    def __init__(self, data: bytes = b"", size: int | None = None) -> None:
        self._starts: list[int] = []
        self._chunks: list[bytes] = []
        self._size: int | None = None
        if size is not None:
            self.size = size
        if data:
            self.add(0, data)

    @property
    def size(self) -> int | None:
        """The total size of the resource in bytes, or ``None`` while unknown."""
        return self._size

    @size.setter
    def size(self, value: int | None) -> None:
        if value is not None:
            if value < 0:
                raise ValueError(f"negative size {value}")
            if self._starts and self._starts[-1] + len(self._chunks[-1]) > value:
                raise ValueError(f"size {value} is smaller than the bytes already known")
        self._size = value

    @property
    def bytes_known(self) -> int:
        return sum(len(chunk) for chunk in self._chunks)

    def add(self, offset: int, data: bytes) -> None:
        """Record ``data`` found at ``offset``; overlapping ranges are merged."""
        if offset < 0:
            raise ValueError(f"negative offset {offset}")
        if not data:
            return
        end = offset + len(data)
        if self._size is not None and end > self._size:
            raise ValueError(f"bytes {offset}..{end} lie beyond the size {self._size}")
        # Every chunk that overlaps or touches [offset, end) is merged into one.
        first = bisect.bisect_right(self._starts, offset) - 1
        if first < 0 or self._starts[first] + len(self._chunks[first]) < offset:
            first += 1
        last = first
        while last < len(self._starts) and self._starts[last] <= end:
            last += 1
        if first == last:
            self._starts.insert(first, offset)
            self._chunks.insert(first, bytes(data))
            return
        start = min(offset, self._starts[first])
        stop = max(end, self._starts[last - 1] + len(self._chunks[last - 1]))
        merged = bytearray(stop - start)
        for index in range(first, last):
            at = self._starts[index] - start
            merged[at : at + len(self._chunks[index])] = self._chunks[index]
        merged[offset - start : end - start] = data
        self._starts[first:last] = [start]
        self._chunks[first:last] = [bytes(merged)]

    def known(self, offset: int, limit: int) -> bytes:
        """The known bytes that follow ``offset`` without a gap, at most ``limit`` of them."""
        index = bisect.bisect_right(self._starts, offset) - 1
        if index < 0:
            return b""
        chunk = self._chunks[index]
        at = offset - self._starts[index]
        if at >= len(chunk):
            return b""
        return chunk[at : at + limit]

    def read(self, offset: int, length: int, what: str = "data") -> bytes:
        """Exactly ``length`` bytes at ``offset``, or NeedBytes / TruncatedError."""
        if offset < 0 or length < 0:
            raise ImageError(f"corrupt header: {what} at offset {offset}")
        if length > MAX_READ:
            raise ImageError(f"corrupt header: {what} of {length} bytes is implausibly large")
        end = offset + length
        if self._size is not None and end > self._size:
            raise TruncatedError(what, offset, end, self._size)
        have = self.known(offset, length)
        if len(have) == length:
            return have
        missing = offset + len(have)
        stop = end
        # Ask only for the gap: bytes already known at the end of the range are not fetched again.
        index = bisect.bisect_right(self._starts, end - 1) - 1
        if (
            index >= 0
            and self._starts[index] > missing
            and self._starts[index] + len(self._chunks[index]) >= end
        ):
            stop = self._starts[index]
        raise NeedBytes(missing, stop - missing)

    def read_upto(self, offset: int, length: int, what: str = "data") -> bytes:
        """Up to ``length`` bytes at ``offset``: fewer only where the known size ends first."""
        if self._size is not None:
            length = max(0, min(length, self._size - offset))
        return self.read(offset, length, what)

    def tail(self, length: int) -> bytes | None:
        """The last ``length`` bytes (fewer if the data is shorter); ``None`` if size is unknown."""
        if self._size is None:
            return None
        length = min(length, self._size)
        return self.read(self._size - length, length, "end of data")

    def unpack(self, fmt: str, offset: int, what: str = "data") -> tuple[Any, ...]:
        """``struct.unpack`` of the bytes at ``offset``."""
        return struct.unpack(fmt, self.read(offset, struct.calcsize(fmt), what))

    def fits(self, end: int) -> bool:
        """Whether the resource extends at least to ``end``; true while the size is unknown."""
        return self._size is None or end <= self._size
