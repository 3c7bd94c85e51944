"""Icon containers: Windows ICO/CUR and Apple ICNS.

ICO and CUR (the ICONDIR of the Win32 resource format) list their images in a
directory; the largest entry is the answer, a size byte of 0 meaning 256.  That
entry's own header is then read, a PNG's IHDR or a DIB's info header, both to
confirm the directory and because icons of 256 pixels and more only say so there.
ICNS (Apple Icon Image format) is a list of typed entries whose type fixes the
pixel size; a leading ``TOC `` entry lists them all, otherwise they are walked.
"""

from __future__ import annotations

import struct

from crawler.errors import ImageError

from .bmp import read_info_header
from .buffer import SparseBuffer
from .info import ImageInfo

MAX_ICONS = 1024  # directory entries; real icons have a dozen at most
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# ICNS entry types and the side of the square image each holds.
ICNS_SIZES: dict[bytes, int] = {
    b"ICON": 32, b"ICN#": 32, b"icm#": 16, b"icm4": 16, b"icm8": 16,
    b"ics#": 16, b"ics4": 16, b"ics8": 16, b"is32": 16, b"s8mk": 16,
    b"icl4": 32, b"icl8": 32, b"il32": 32, b"l8mk": 32,
    b"ich#": 48, b"ich4": 48, b"ich8": 48, b"ih32": 48, b"h8mk": 48,
    b"it32": 128, b"t8mk": 128,
    b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256,
    b"ic09": 512, b"ic10": 1024, b"ic11": 32, b"ic12": 64, b"ic13": 256,
    b"ic14": 512, b"ic04": 16, b"ic05": 32, b"icsB": 36, b"icsb": 18,
}  # fmt: skip
MAX_ICNS_ENTRIES = 256


def parse_ico(buf: SparseBuffer) -> ImageInfo:
    reserved, kind, count = buf.unpack("<HHH", 0, "icon directory")
    if reserved != 0 or kind not in (1, 2):
        raise ImageError("ICO: bad directory header")
    if not 0 < count <= MAX_ICONS:
        raise ImageError(f"ICO: implausible image count {count}")
    name = "ICO" if kind == 1 else "CUR"
    directory = buf.read(6, 16 * count, "icon directory")
    best: tuple[int, int, int, int, int] | None = None
    for index in range(count):
        width, height, _, _, planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", directory, 16 * index
        )
        if length == 0 or offset < 6 + 16 * count:
            raise ImageError(f"{name}: entry {index} points into the directory")
        if not buf.fits(offset + length):
            raise ImageError(f"truncated {name}: image {index} lies beyond the end of the data")
        # CUR stores the hotspot where ICO has planes and bit count.
        if kind == 1 and (planes > 1 or bits not in (0, 1, 2, 4, 8, 16, 24, 32)):
            raise ImageError(f"{name}: entry {index} has {planes} planes, {bits} bits")
        key = (width or 256) * (height or 256), bits if kind == 1 else 0
        if best is None or key > (best[0], best[1]):
            best = (key[0], key[1], width or 256, height or 256, offset)
    assert best is not None
    width, height = read_entry_size(buf, best[4], best[2], best[3], name)
    return ImageInfo("ico" if kind == 1 else "cur", width, height)


def read_entry_size(
    buf: SparseBuffer, offset: int, width: int, height: int, name: str
) -> tuple[int, int]:
    """The size an icon image declares itself: PNG IHDR or DIB header (height holds 2 masks)."""
    start = buf.read(offset, 8, "icon image")
    if start == PNG_SIGNATURE:
        ihdr = buf.read(offset + 8, 16, "PNG in icon")
        if ihdr[4:8] != b"IHDR":
            raise ImageError(f"{name}: embedded PNG without IHDR")
        return int.from_bytes(ihdr[8:12], "big"), int.from_bytes(ihdr[12:16], "big")
    info = read_info_header(buf, offset)
    if info.width == 0 or info.height < 2:
        raise ImageError(f"{name}: embedded bitmap with zero size")
    # The directory's byte cannot say 256 or more; the bitmap header can.
    if width == 256 and info.width > 256:
        return info.width, info.height // 2
    return width, height


def parse_icns(buf: SparseBuffer) -> ImageInfo:
    magic, total = buf.unpack(">4sI", 0, "ICNS header")
    if magic != b"icns" or total < 8:
        raise ImageError("ICNS: bad header")
    if not buf.fits(total):
        raise ImageError(f"truncated ICNS: header declares {total} bytes, data ends at {buf.size}")
    kinds: list[bytes] = []
    at = 8
    first_kind, first_length = buf.unpack(">4sI", at, "ICNS entry") if total >= 16 else (b"", 0)
    if first_kind == b"TOC " and 8 <= first_length <= total - 8:
        toc = buf.read(at + 8, (first_length - 8) // 8 * 8, "ICNS table of contents")
        at += first_length
        for index in range(0, len(toc), 8):
            kind, length = struct.unpack_from(">4sI", toc, index)
            kinds.append(kind)
            at = check_entry(at, length, total)
    else:
        for _ in range(MAX_ICNS_ENTRIES):
            if at + 8 > total:
                break
            kind, length = buf.unpack(">4sI", at, "ICNS entry")
            kinds.append(kind)
            at = check_entry(at, length, total)
    sizes = [ICNS_SIZES[kind] for kind in kinds if kind in ICNS_SIZES]
    if not sizes:
        raise ImageError("ICNS: no icon of a known type")
    side = max(sizes)
    return ImageInfo("icns", side, side)


def check_entry(at: int, length: int, total: int) -> int:
    if length < 8 or at + length > total:
        raise ImageError(f"ICNS: corrupt entry length {length} at offset {at}")
    return at + length
