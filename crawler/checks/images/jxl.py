"""JPEG XL (ISO/IEC 18181): the bare codestream and the ISOBMFF container.

The codestream starts FF 0A and a bit-packed SizeHeader (18181-1 section D.2): a
"small" form in multiples of 8, or U32-coded sizes, with the width possibly given as
one of seven fixed ratios of the height.  The ImageMetadata that follows carries the
orientation (section D.3) when not ``all_default``.  The container (18181-2) wraps
the codestream in a ``jxlc`` box, or splits it over ``jxlp`` boxes whose first four
bytes are an index.
"""

from __future__ import annotations

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo
from .isobmff import iter_boxes

CONTAINER_SIGNATURE = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
HEADER_BYTES = 16  # bytes enough for SizeHeader plus the orientation bits (at most ~80 bits)
# Width-to-height ratios for SizeHeader.ratio 1..7 (18181-1 table D.2).
RATIOS = ((1, 1), (12, 10), (4, 3), (3, 2), (16, 9), (5, 4), (2, 1))
SIZE_DISTRIBUTION = ((1, 9), (1, 13), (1, 18), (1, 30))


class BitReader:
    """Least-significant-bit-first reader (18181-1 section 4.3)."""

    def __init__(self, data: bytes) -> None:
        self.value = int.from_bytes(data, "little")
        self.limit = len(data) * 8
        self.position = 0

    def bits(self, count: int) -> int:
        if self.position + count > self.limit:
            raise ImageError("truncated JXL: image header incomplete")
        result = (self.value >> self.position) & ((1 << count) - 1)
        self.position += count
        return result

    def u32(self) -> int:
        offset, count = SIZE_DISTRIBUTION[self.bits(2)]
        return offset + self.bits(count)


def read_codestream_header(data: bytes) -> tuple[int, int, int]:
    """(width, height, orientation) from the codestream's first bytes."""
    if data[:2] != b"\xff\x0a":
        raise ImageError("JXL: codestream signature missing")
    reader = BitReader(data[2:])
    small = reader.bits(1)
    height = (reader.bits(5) + 1) * 8 if small else reader.u32()
    ratio = reader.bits(3)
    if ratio:
        numerator, denominator = RATIOS[ratio - 1]
        width = height * numerator // denominator
    else:
        width = (reader.bits(5) + 1) * 8 if small else reader.u32()
    orientation = 1
    if not reader.bits(1) and reader.bits(1):  # not all_default, then extra_fields
        orientation = 1 + reader.bits(3)
    return width, height, orientation


def parse_jxl_codestream(buf: SparseBuffer) -> ImageInfo:
    width, height, orientation = read_codestream_header(buf.read_upto(0, HEADER_BYTES, "header"))
    return ImageInfo("jxl", width, height, orientation)


def parse_jxl_container(buf: SparseBuffer) -> ImageInfo:
    if buf.read(0, 12, "signature box") != CONTAINER_SIGNATURE:
        raise ImageError("JXL: bad container signature")
    info: ImageInfo | None = None
    seen_ftyp = False
    for box in iter_boxes(buf, 12, None, "JXL"):
        if box.kind == b"ftyp":
            if buf.read(box.body, 4, "ftyp") != b"jxl ":
                raise ImageError("JXL: ftyp brand is not 'jxl '")
            seen_ftyp = True
        elif box.kind in (b"jxlc", b"jxlp") and info is None:
            if not seen_ftyp:
                raise ImageError("JXL: codestream box before ftyp")
            start = box.body + (4 if box.kind == b"jxlp" else 0)
            end = box.end if box.end is not None else start + HEADER_BYTES
            data = buf.read_upto(start, min(HEADER_BYTES, end - start), "codestream")
            width, height, orientation = read_codestream_header(data)
            info = ImageInfo("jxl", width, height, orientation)
            if buf.size is None:
                return info
    if info is None:
        raise ImageError("JXL: container without a codestream box")
    return info
