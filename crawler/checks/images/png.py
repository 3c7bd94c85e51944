"""PNG and APNG (PNG spec, ISO/IEC 15948 / W3C PNG 3rd edition), and Apple's CgBI variant.

The size is in IHDR, which must be the first chunk (after Apple's CgBI chunk in
iPhone-optimised files) and whose CRC is checked.  The chunks before the first IDAT
are walked by their lengths: an ``acTL`` among them makes the file an APNG (APNG
spec: acTL must precede IDAT), and reaching IEND without IDAT means there is no
image.  Small chunks (and a small first IDAT) have their CRC checked since their
bytes are cheap, and when the size is known the data must end with IEND.
"""

from __future__ import annotations

import zlib

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo

SIGNATURE = b"\x89PNG\r\n\x1a\n"
IEND_CHUNK = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# Allowed bit depths per colour type (PNG spec 11.2.2, table 11.1).
BIT_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
MAX_CHUNKS = 1024  # chunks before the first IDAT; real files have a handful
CRC_CHECKED = 2048  # bytes: chunks up to this length before image data get their CRC checked
TAIL = 64  # bytes read at the end of the data to find IEND despite trailing junk


def parse_png(buf: SparseBuffer) -> ImageInfo:
    signature = buf.read(0, 8, "signature")
    if signature != SIGNATURE:
        raise ImageError("PNG: corrupt signature (file transferred in text mode?)")
    at = 8
    length, kind = read_chunk_header(buf, at)
    cgbi = kind == b"CgBI"
    if cgbi:
        # Apple's CgBI chunk precedes IHDR; its IDAT is raw deflate and its IHDR CRC
        # is still standard, so only the chunk order differs here.
        at += 12 + length
        length, kind = read_chunk_header(buf, at)
    if kind != b"IHDR" or length != 13:
        raise ImageError("PNG: first chunk is not IHDR")
    ihdr = buf.read(at + 4, 21, "IHDR")
    if zlib.crc32(ihdr[:17]) != int.from_bytes(ihdr[17:], "big"):
        raise ImageError("PNG: IHDR CRC mismatch")
    width, height = int.from_bytes(ihdr[4:8], "big"), int.from_bytes(ihdr[8:12], "big")
    depth, colour, compression, filtering, interlace = ihdr[12:17]
    if depth not in BIT_DEPTHS.get(colour, ()):
        raise ImageError(f"PNG: invalid bit depth {depth} for colour type {colour}")
    if compression != 0 or filtering != 0 or interlace > 1:
        raise ImageError("PNG: unknown compression, filter or interlace method")
    if width > 0x7FFFFFFF or height > 0x7FFFFFFF:
        raise ImageError("PNG: size exceeds 2^31-1")
    animated = find_image_data(buf, at + 25, cgbi)
    check_end(buf)
    return ImageInfo("apng" if animated else "png", width, height)


def read_chunk_header(buf: SparseBuffer, at: int) -> tuple[int, bytes]:
    header = buf.read(at, 8, "chunk header")
    length, kind = int.from_bytes(header[:4], "big"), header[4:]
    if length > 0x7FFFFFFF or not kind.isalpha() or not kind.isascii():
        raise ImageError(f"PNG: corrupt chunk at offset {at}")
    return length, kind


def find_image_data(buf: SparseBuffer, at: int, cgbi: bool) -> bool:
    """Walk to the first IDAT; whether an acTL came before it."""
    animated = False
    for _ in range(MAX_CHUNKS):
        length, kind = read_chunk_header(buf, at)
        if kind == b"IEND":
            raise ImageError("PNG: no image data (IEND before IDAT)")
        if kind == b"IHDR":
            raise ImageError("PNG: duplicate IHDR")
        if kind == b"acTL":
            animated = True
        if not buf.fits(at + 12 + length):
            raise ImageError(f"truncated PNG: {kind.decode()} chunk incomplete")
        if length <= CRC_CHECKED:
            data = buf.read(at + 4, length + 8, f"{kind.decode()} chunk")
            if zlib.crc32(data[:-4]) != int.from_bytes(data[-4:], "big"):
                raise ImageError(f"PNG: {kind.decode()} CRC mismatch")
        if kind == b"IDAT":
            if length >= 2 and not cgbi:
                check_zlib_header(buf.read(at + 8, 2, "IDAT"))
            return animated
        at += 12 + length
    raise ImageError("PNG: too many chunks before the image data")


def check_zlib_header(header: bytes) -> None:
    # RFC 1950 section 2.2: deflate (CM 8), window <= 32K, FCHECK makes CMF*256+FLG % 31 == 0.
    cmf, flg = header
    if cmf & 0x0F != 8 or cmf >> 4 > 7 or (cmf << 8 | flg) % 31 or flg & 0x20:
        raise ImageError("PNG: corrupt zlib header in IDAT")


def check_end(buf: SparseBuffer) -> None:
    tail = buf.tail(TAIL)
    if tail is not None and IEND_CHUNK not in tail:
        raise ImageError("truncated PNG: no IEND chunk at the end of the data")
