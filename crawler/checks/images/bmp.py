"""Windows and OS/2 bitmaps (BMP/DIB): the size from the info header after the file header.

Header variants by their size field: 12 (BITMAPCOREHEADER, OS/2 1.x: unsigned 16-bit
sizes), 16 and 64 (OS/2 2.x), 40 (BITMAPINFOHEADER) and its extensions 52, 56
(Adobe V2/V3), 108 (V4) and 124 (V5), whose signed height is negative for top-down
rows.  Planes, bit count and compression must agree, and an uncompressed image must
fit in the data, so a cut or mislabelled file is rejected.  The ICO parser reuses
:func:`read_info_header` for the bitmaps inside icons.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo

INFO_HEADER_SIZES = frozenset({40, 52, 56, 108, 124})
OS2_HEADER_SIZES = frozenset({16, 64})
# Compression codes (MS-WMF 2.1.1.7; OS/2 2.x reuses 3 as Huffman and 4 as RLE24).
RGB, RLE8, RLE4, BITFIELDS, JPEG, PNG, ALPHABITFIELDS = 0, 1, 2, 3, 4, 5, 6
MAX_COMPRESSION = 13  # CMYK variants of Windows Metafile DIBs go up to BI_CMYKRLE4 (13)


@dataclass(frozen=True, slots=True)
class BitmapHeader:
    width: int
    height: int  # absolute value; rows may be stored top-down
    bit_count: int
    compression: int
    top_down: bool
    header_size: int
    colours_used: int


def read_info_header(buf: SparseBuffer, at: int) -> BitmapHeader:
    (size,) = buf.unpack("<I", at, "info header")
    if size == 12:
        width, height, planes, bits = buf.unpack("<HHHH", at + 4, "core header")
        if bits not in (1, 4, 8, 24):
            raise ImageError(f"BMP: invalid bit count {bits}")
        compression, top_down, used = RGB, False, 0
    elif size in INFO_HEADER_SIZES or size in OS2_HEADER_SIZES:
        fields = buf.unpack("<iiHHI", at + 4, "info header")
        width, signed_height, planes, bits, compression = fields
        if size == 16:
            compression = RGB
        used = 0 if size == 16 else buf.unpack("<I", at + 32, "info header")[0]
        top_down = signed_height < 0 and size not in OS2_HEADER_SIZES
        height = abs(signed_height)
        if width < 0:
            raise ImageError("BMP: negative width")
        check_bit_count(bits, compression, top_down, size)
    else:
        raise ImageError(f"BMP: unknown info header size {size}")
    if planes != 1:
        raise ImageError(f"BMP: {planes} planes (must be 1)")
    if used and bits <= 8 and used > 1 << bits:
        raise ImageError(f"BMP: palette of {used} colours for {bits}-bit pixels")
    return BitmapHeader(width, height, bits, compression, top_down, size, used)


def check_bit_count(bits: int, compression: int, top_down: bool, size: int) -> None:
    if compression > MAX_COMPRESSION:
        raise ImageError(f"BMP: unknown compression {compression}")
    if compression in (JPEG, PNG) and size not in OS2_HEADER_SIZES:
        if bits != 0:
            raise ImageError("BMP: embedded JPEG/PNG with a non-zero bit count")
        return
    if bits not in (1, 2, 4, 8, 16, 24, 32, 64):
        raise ImageError(f"BMP: invalid bit count {bits}")
    if (compression == RLE8 and bits != 8) or (compression == RLE4 and bits != 4):
        raise ImageError(f"BMP: RLE compression with {bits}-bit pixels")
    bit_fields = compression in (BITFIELDS, ALPHABITFIELDS) and size not in OS2_HEADER_SIZES
    if bit_fields and bits not in (16, 32):
        raise ImageError(f"BMP: bit fields with {bits}-bit pixels")
    # Run-length data cannot be stored top-down (BITMAPINFOHEADER documentation).
    if top_down and compression in (RLE8, RLE4):
        raise ImageError("BMP: top-down bitmap with RLE compression")


def row_bytes(width: int, bits: int) -> int:
    return (width * bits + 31) // 32 * 4


def parse_bmp(buf: SparseBuffer) -> ImageInfo:
    header = buf.read(0, 14, "file header")
    if header[:2] != b"BM":
        raise ImageError("BMP: bad signature")
    data_offset = int.from_bytes(header[10:14], "little")
    info = read_info_header(buf, 14)
    if data_offset < 14 + info.header_size:
        raise ImageError(f"BMP: pixel data offset {data_offset} points into the headers")
    if buf.size is not None and info.width and info.height:
        # OS/2 2.x reuses code 3 for Huffman 1D, which is compressed.
        packed = info.compression == RGB or (
            info.compression in (BITFIELDS, ALPHABITFIELDS)
            and info.header_size not in OS2_HEADER_SIZES
        )
        if packed and info.bit_count:
            end = data_offset + row_bytes(info.width, info.bit_count) * info.height
        else:
            end = data_offset + 1
        if end > buf.size:
            raise ImageError(
                f"truncated BMP: pixel data needs {end} bytes, data ends at {buf.size}"
            )
    return ImageInfo("bmp", info.width, info.height)
