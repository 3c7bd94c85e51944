"""Truevision TGA: no magic number, so only a fully consistent header is accepted.

The 18-byte header (Truevision TGA File Format Specification 2.0) is checked field
by field: colour map type 0 or 1, image type 1-3 or 9-11, a colour map where the
type needs one, a pixel depth that fits the type, reserved descriptor bits clear.
The prober tries TGA last, after every format with a signature, and when the size is
known the pixel data must fit.  Anything implausible is "not an image" rather than
a broken TGA, since the bytes most likely were never meant as one.
"""

from __future__ import annotations

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo

RLE_WALKED = 64 * 1024  # bytes: run-length files up to this size have their packets walked
COLOUR_MAPPED, TRUE_COLOUR, GREYSCALE = (1, 9), (2, 10), (3, 11)
MAP_ENTRY_BITS = frozenset({15, 16, 24, 32})


def parse_tga(buf: SparseBuffer) -> ImageInfo | None:
    """The TGA's size, or ``None`` when the header is not a plausible TGA header."""
    header = buf.read_upto(0, 18, "header")
    if len(header) < 18:
        return None
    id_length, map_type, image_type = header[0], header[1], header[2]
    map_first = int.from_bytes(header[3:5], "little")
    map_length = int.from_bytes(header[5:7], "little")
    map_bits = header[7]
    width = int.from_bytes(header[12:14], "little")
    height = int.from_bytes(header[14:16], "little")
    depth, descriptor = header[16], header[17]
    if map_type not in (0, 1) or image_type not in (*COLOUR_MAPPED, *TRUE_COLOUR, *GREYSCALE):
        return None
    if map_type == 1:
        if map_bits not in MAP_ENTRY_BITS or map_length == 0 or map_first >= map_length:
            return None
    elif map_length or map_first or map_bits not in (0, *MAP_ENTRY_BITS):
        return None
    if image_type in COLOUR_MAPPED and (map_type != 1 or depth not in (8, 16)):
        return None
    if image_type in TRUE_COLOUR and depth not in (15, 16, 24, 32):
        return None
    if image_type in GREYSCALE and depth not in (8, 16):
        return None
    alpha_bits = descriptor & 0x0F
    if descriptor & 0xC0 or alpha_bits > 8 or (alpha_bits > depth - 8 and alpha_bits > 1):
        return None
    if width == 0 or height == 0:
        return None
    data = 18 + id_length + map_length * ((map_bits + 7) // 8)
    pixel = (depth + 7) // 8
    if image_type < 9:
        end = data + width * height * pixel
    elif buf.size is not None and buf.size <= RLE_WALKED:
        end = rle_end(buf, data, width * height, pixel)
    else:
        # Each run-length packet covers at most 128 pixels and holds at least one pixel value.
        end = data + -(-width * height // 128) * (1 + pixel)
    if not buf.fits(end):
        raise ImageError(f"truncated TGA: pixel data needs {end} bytes, data ends at {buf.size}")
    return ImageInfo("tga", width, height)


def rle_end(buf: SparseBuffer, at: int, pixels: int, pixel: int) -> int:
    """Where the run-length packets covering ``pixels`` end (TGA 2.0, image types 9-11)."""
    assert buf.size is not None
    data = buf.read(at, max(0, buf.size - at), "run-length data") if at < buf.size else b""
    position = 0
    while pixels > 0:
        if position >= len(data):
            return buf.size + 1
        header = data[position]
        count = (header & 0x7F) + 1
        position += 1 + (pixel if header & 0x80 else count * pixel)
        pixels -= count
    return at + position
