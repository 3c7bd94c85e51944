"""GIF87a and GIF89a: the logical screen size (GIF89a specification, section 18).

The blocks up to the first image descriptor are walked, since a header alone is only
six letters: an extension or image block that is malformed, or a trailer before any
image, marks a corrupt file.  When the size is known the data must end with a block
terminator and the trailer (0x00 0x3B).
"""

from __future__ import annotations

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo

MAX_BLOCKS = 4096  # extension blocks and sub-blocks walked before the first image
TAIL = 16  # bytes read at the end of the data to find the trailer despite trailing junk


def parse_gif(buf: SparseBuffer) -> ImageInfo:
    header = buf.read(0, 13, "logical screen descriptor")
    if header[:6] not in (b"GIF87a", b"GIF89a"):
        raise ImageError("GIF: unknown version")
    width = int.from_bytes(header[6:8], "little")
    height = int.from_bytes(header[8:10], "little")
    flags = header[10]
    at = 13
    if flags & 0x80:
        at += 3 << ((flags & 7) + 1)
    find_first_image(buf, at)
    tail = buf.tail(TAIL)
    if tail is not None and b"\x00;" not in tail:
        raise ImageError("truncated GIF: no trailer at the end of the data")
    return ImageInfo("gif", width, height)


def find_first_image(buf: SparseBuffer, at: int) -> None:
    for _ in range(MAX_BLOCKS):
        (kind,) = buf.read(at, 1, "block")
        if kind == 0x2C:
            descriptor = buf.read(at, 11, "image descriptor")
            if descriptor[5:7] == b"\x00\x00" or descriptor[7:9] == b"\x00\x00":
                raise ImageError("GIF: image with zero size")
            at += 10
            if descriptor[9] & 0x80:
                at += 3 << ((descriptor[9] & 7) + 1)
            (code_size,) = buf.read(at, 1, "image data")
            # LZW codes are at most 12 bits (GIF89a appendix F), so the initial size is below.
            if not 1 <= code_size <= 11:
                raise ImageError(f"GIF: invalid LZW code size {code_size}")
            return
        if kind == 0x21:
            at += 2
            for _ in range(MAX_BLOCKS):
                (length,) = buf.read(at, 1, "extension")
                at += 1 + length
                if length == 0:
                    break
            else:
                raise ImageError("GIF: extension too long")
            continue
        if kind == 0x3B:
            raise ImageError("GIF: no image before the trailer")
        raise ImageError(f"GIF: corrupt block 0x{kind:02x} at offset {at}")
    raise ImageError("GIF: too many blocks before the first image")
