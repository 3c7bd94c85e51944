"""Boxes of the ISO base media file format (ISO/IEC 14496-12 section 4.2), walked by size.

HEIF/AVIF, the JPEG XL container and JP2 (whose boxes have the same header) share
this walker.  A box's size covers its header; 1 means a 64-bit size follows, 0 means
the box runs to the end of its container.  Walks are bounded in count, and a box that
overruns its container (or the known end of the data) is rejected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from crawler.errors import ImageError

from .buffer import SparseBuffer

MAX_BOXES = 4096  # boxes walked in one container; real files have tens


@dataclass(frozen=True, slots=True)
class Box:
    kind: bytes
    start: int
    body: int  # offset of the payload, after the header
    end: int | None  # None: runs to the end of a resource whose size is unknown


def read_box(buf: SparseBuffer, at: int, limit: int | None, label: str) -> Box:
    """The box whose header starts at ``at`` inside a container ending at ``limit``."""
    header = buf.read(at, 8, "box header")
    size, kind = int.from_bytes(header[:4], "big"), header[4:]
    if any(byte < 0x20 for byte in kind):
        raise ImageError(f"{label}: corrupt box type at offset {at}")
    body = at + 8
    end: int | None
    if size == 1:
        size = int.from_bytes(buf.read(at + 8, 8, "box size"), "big")
        body = at + 16
        end = at + size
    elif size == 0:
        end = limit
    else:
        end = at + size
    if end is not None and end < body:
        raise ImageError(f"{label}: corrupt {kind!r} box size {size} at offset {at}")
    if end is not None and limit is not None and end > limit:
        if limit == buf.size:
            raise ImageError(
                f"truncated {label}: {kind.decode('latin-1')} box needs {end} bytes, "
                f"data ends at {buf.size}"
            )
        raise ImageError(f"{label}: {kind!r} box overruns its container")
    return Box(kind, at, body, end)


def iter_boxes(buf: SparseBuffer, start: int, end: int | None, label: str) -> Iterator[Box]:
    """The boxes from ``start`` to ``end`` (the end of the data when ``None`` and known)."""
    at = start
    limit = end if end is not None else buf.size
    for _ in range(MAX_BOXES):
        if limit is not None and at >= limit:
            return
        if limit is not None and at + 8 > limit:
            raise ImageError(f"{label}: {limit - at} stray bytes after the last box")
        box = read_box(buf, at, limit, label)
        yield box
        if box.end is None:
            return
        at = box.end
    raise ImageError(f"{label}: too many boxes")


def find_child(buf: SparseBuffer, parent: Box, kind: bytes, skip: int, label: str) -> Box | None:
    """The first child of ``parent`` of type ``kind``; ``skip`` is the FullBox header (4) or 0."""
    for box in iter_boxes(buf, parent.body + skip, parent.end, label):
        if box.kind == kind:
            return box
    return None
