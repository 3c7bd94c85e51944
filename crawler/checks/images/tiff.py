"""TIFF and BigTIFF files, and the TIFF structure inside EXIF blocks.

Only the first IFD matters: its ImageWidth (256), ImageLength (257) and Orientation
(274) tags, per TIFF 6.0 section 2 and the BigTIFF extension (version 43, 8-byte
offsets).  The IFD may sit anywhere, often after the strips at the end of the file,
so the parser jumps straight to it.  EXIF (CIPA DC-008) embeds the same structure,
which is why JPEG, WebP and HEIF read their orientation through
:func:`exif_orientation`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo, valid_orientation

IMAGE_WIDTH = 256
IMAGE_LENGTH = 257
ORIENTATION = 274
STRIP_OFFSETS = 273
STRIP_BYTE_COUNTS = 279
TILE_OFFSETS = 324
TILE_BYTE_COUNTS = 325

# Field type -> (struct code, size in bytes), for the integer types only (TIFF 6.0 section 2,
# BigTIFF adds LONG8 16 and IFD8 18).  Other types never carry the values read here.
INTEGER_TYPES: dict[int, tuple[str, int]] = {
    1: ("B", 1),
    3: ("H", 2),
    4: ("I", 4),
    13: ("I", 4),
    16: ("Q", 8),
    18: ("Q", 8),
}
# Bytes per value of every field type (TIFF 6.0 section 2; BigTIFF 16-18).
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
TYPE_SIZES |= {16: 8, 17: 8, 18: 8}
FIRST_PRIVATE_TAG = 32768  # TIFF 6.0 section 2: private tags are 32768 and above
MAX_ENTRIES = 4096  # entries in one IFD: real files have tens
WHOLE_ARRAY_LIMIT = 256  # strips/tiles whose offsets are all read; past it, first and last


@dataclass(frozen=True, slots=True)
class TiffHeader:
    endian: str  # "<" or ">" for struct
    bigtiff: bool
    ifd_offset: int  # relative to the start of the TIFF structure


@dataclass(frozen=True, slots=True)
class Entry:
    tag: int
    type: int
    count: int
    value: bytes  # the inline value field: 4 bytes, or 8 in BigTIFF


def read_header(buf: SparseBuffer, base: int) -> TiffHeader:
    """The byte order, variant and first IFD offset of the TIFF structure at ``base``."""
    order = buf.read(base, 4, "TIFF header")
    if order == b"II*\x00" or order == b"MM\x00*":
        endian = "<" if order[0] == ord("I") else ">"
        (offset,) = buf.unpack(endian + "I", base + 4, "TIFF header")
        return TiffHeader(endian, False, offset)
    if order == b"II+\x00" or order == b"MM\x00+":
        endian = "<" if order[0] == ord("I") else ">"
        byte_size, zero, offset = buf.unpack(endian + "HHQ", base + 4, "BigTIFF header")
        if byte_size != 8 or zero != 0:
            raise ImageError("BigTIFF: corrupt header (offset size is not 8)")
        return TiffHeader(endian, True, offset)
    raise ImageError("TIFF: bad byte-order mark")


def read_ifd(buf: SparseBuffer, base: int, header: TiffHeader, limit: int | None) -> list[Entry]:
    """The entries of the IFD the header points to; ``limit`` bounds where they may lie."""
    first = 16 if header.bigtiff else 8
    if header.ifd_offset < first:
        raise ImageError(f"TIFF: IFD offset {header.ifd_offset} points into the header")
    at = base + header.ifd_offset
    count_format, entry_size, entry_format = (
        ("Q", 20, "HHQ8s") if header.bigtiff else ("H", 12, "HHI4s")
    )
    count_size = struct.calcsize(count_format)
    (count,) = buf.unpack(header.endian + count_format, at, "IFD entry count")
    if not 0 < count <= MAX_ENTRIES:
        raise ImageError(f"TIFF: implausible IFD entry count {count}")
    table = at + count_size
    # The entries are followed by the next IFD's offset, which a complete IFD includes.
    length = count * entry_size + (8 if header.bigtiff else 4)
    if limit is not None and table + length > limit:
        raise ImageError("TIFF: IFD runs past the end of its block")
    raw = buf.read(table, length, "IFD")
    return [
        Entry(*struct.unpack_from(header.endian + entry_format, raw, index * entry_size))
        for index in range(count)
    ]


def entry_values(
    buf: SparseBuffer, base: int, header: TiffHeader, entry: Entry, indices: list[int]
) -> list[int]:
    """The integer values of ``entry`` at ``indices`` (inline or out of line)."""
    if entry.type not in INTEGER_TYPES:
        raise ImageError(f"TIFF: tag {entry.tag} has non-integer type {entry.type}")
    code, size = INTEGER_TYPES[entry.type]
    if entry.count * size <= len(entry.value):
        inline = struct.unpack_from(f"{header.endian}{entry.count}{code}", entry.value)
        return [inline[index] for index in indices]
    (offset,) = struct.unpack(header.endian + ("Q" if header.bigtiff else "I"), entry.value)
    values = []
    for index in indices:
        (value,) = buf.unpack(header.endian + code, base + offset + index * size, "TIFF array")
        values.append(value)
    return values


def single_value(buf: SparseBuffer, header: TiffHeader, entry: Entry) -> int:
    if entry.count < 1:
        raise ImageError(f"TIFF: tag {entry.tag} has no value")
    return entry_values(buf, 0, header, entry, [0])[0]


def parse_tiff(buf: SparseBuffer) -> ImageInfo:
    header = read_header(buf, 0)
    entries = {entry.tag: entry for entry in reversed(read_ifd(buf, 0, header, buf.size))}
    name = "BigTIFF" if header.bigtiff else "TIFF"
    try:
        width = single_value(buf, header, entries[IMAGE_WIDTH])
        height = single_value(buf, header, entries[IMAGE_LENGTH])
    except KeyError:
        raise ImageError(f"{name}: first IFD has no ImageWidth/ImageLength") from None
    orientation = 1
    if ORIENTATION in entries and entries[ORIENTATION].type in INTEGER_TYPES:
        orientation = valid_orientation(single_value(buf, header, entries[ORIENTATION]))
    check_values_fit(buf, header, entries.values(), name)
    check_image_data(buf, header, entries, name)
    return ImageInfo("bigtiff" if header.bigtiff else "tiff", width, height, orientation)


def check_values_fit(
    buf: SparseBuffer, header: TiffHeader, entries: Iterable[Entry], name: str
) -> None:
    """Reject an IFD whose out-of-line values lie past the known end of the data.

    Only the tags of TIFF 6.0 and its public extensions count: private tags (32768 and
    up: ICC, Photoshop, DNG...) are often left dangling by editors without harm.
    """
    if buf.size is None:
        return
    for entry in entries:
        if entry.tag >= FIRST_PRIVATE_TAG:
            continue
        size = TYPE_SIZES.get(entry.type, 0) * entry.count
        if size <= len(entry.value):
            continue
        (offset,) = struct.unpack(header.endian + ("Q" if header.bigtiff else "I"), entry.value)
        if offset + size > buf.size:
            raise ImageError(
                f"truncated {name}: tag {entry.tag} values lie past the end of the data"
            )


def check_image_data(
    buf: SparseBuffer, header: TiffHeader, entries: dict[int, Entry], name: str
) -> None:
    """Reject a file cut before the end of its strips or tiles (when the size is known)."""
    if buf.size is None:
        return
    for offsets_tag, counts_tag in (
        (STRIP_OFFSETS, STRIP_BYTE_COUNTS),
        (TILE_OFFSETS, TILE_BYTE_COUNTS),
    ):
        offsets, counts = entries.get(offsets_tag), entries.get(counts_tag)
        if offsets is None or counts is None:
            continue
        number = min(offsets.count, counts.count)
        if number < 1:
            raise ImageError(f"{name}: empty strip or tile table")
        # Reading every offset of a huge table would cost more than the rest of the probe;
        # the last strip is the last one written in practice.
        indices = list(range(number)) if number <= WHOLE_ARRAY_LIMIT else [0, number - 1]
        starts = entry_values(buf, 0, header, offsets, indices)
        lengths = entry_values(buf, 0, header, counts, indices)
        end = max(start + length for start, length in zip(starts, lengths, strict=True))
        if end > buf.size:
            raise ImageError(
                f"truncated {name}: image data needs bytes up to {end}, data ends at {buf.size}"
            )


def exif_orientation(buf: SparseBuffer, base: int, end: int) -> int:
    """The IFD0 Orientation of the EXIF TIFF structure in ``[base, end)``; 1 when unreadable.

    EXIF is advisory metadata: a damaged block leaves the image valid, so anything
    unexpected means "no orientation" rather than an error.
    """
    if base + 8 > end:
        return 1
    try:
        header = read_header(buf, base)
        if header.bigtiff or base + header.ifd_offset + 2 > end:
            return 1
        entries = read_ifd(buf, base, header, end)
    except ImageError as error:
        if error.__class__ is ImageError:
            return 1
        raise
    for entry in entries:
        if entry.tag == ORIENTATION and entry.type in (3, 4) and entry.count == 1:
            code = "H" if entry.type == 3 else "I"
            (value,) = struct.unpack_from(header.endian + code, entry.value)
            return valid_orientation(value)
    return 1
