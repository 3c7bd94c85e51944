"""GIF87a and GIF89a: the logical screen size (GIF89a specification, section 18).

The blocks up to the first image descriptor are walked, since a header alone is only
six letters: an extension or image block that is malformed, or a trailer before any
image, marks a corrupt file.  When the size is known the data must end with a block
terminator and the trailer (0x00 0x3B).  Some encoders omit the trailer, and
decoders accept that; such a file is walked block by block to its end instead, which
tells a complete file from a cut one at the cost of reading it.
"""

from __future__ import annotations

from crawler.errors import ImageError

from .buffer import MAX_READ, SparseBuffer
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
    first_image = find_first_image(buf, at)
    tail = buf.tail(TAIL)
    if tail is not None and b"\x00;" not in tail:
        check_blocks_end_cleanly(buf, first_image)
    return ImageInfo("gif", width, height)


def check_blocks_end_cleanly(buf: SparseBuffer, at: int) -> None:
    """Walk every block from ``at``: the data must end exactly after a complete block."""
    assert buf.size is not None
    if buf.size - at > MAX_READ:
        raise ImageError("truncated GIF: no trailer at the end of the data")
    data = buf.read(at, buf.size - at, "blocks")
    position = 0
    while position < len(data):
        kind = data[position]
        if kind == 0x2C:
            if position + 11 > len(data):
                break
            flags = data[position + 9]
            position += 11 + ((3 << ((flags & 7) + 1)) if flags & 0x80 else 0)
        elif kind == 0x21:
            position += 2
        elif kind == 0x3B:
            return
        else:
            raise ImageError(f"GIF: corrupt block 0x{kind:02x} at offset {at + position}")
        while position < len(data) and data[position]:
            position += 1 + data[position]
        if position >= len(data):
            break
        position += 1
    else:
        return
    raise ImageError("truncated GIF: data ends inside a block")


def find_first_image(buf: SparseBuffer, at: int) -> int:
    """The offset of the first image descriptor, after validating the blocks before it."""
    for _ in range(MAX_BLOCKS):
        (kind,) = buf.read(at, 1, "block")
        if kind == 0x2C:
            start = at
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
            return start
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
