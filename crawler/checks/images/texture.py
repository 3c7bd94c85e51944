"""GPU texture containers: DirectDraw Surface (DDS) and Khronos KTX 1 and KTX 2.

DDS (Microsoft "DDS file layout"): a 124-byte DDS_HEADER after the magic, height
before width, an optional DX10 extension; the first mip level's byte size is known
for block-compressed and plain RGB formats and must fit in the data.  KTX 1
(Khronos KTX File Format Specification) and KTX 2 (KTX 2.0 specification) put the
pixel size after the identifier; a height of 0 is a 1D texture, one pixel high.
Their image sizes or level index say how long the file must be.
"""

from __future__ import annotations

from typing import Literal

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo

KTX1_IDENTIFIER = b"\xabKTX 11\xbb\r\n\x1a\n"
KTX2_IDENTIFIER = b"\xabKTX 20\xbb\r\n\x1a\n"
DDPF_ALPHA, DDPF_FOURCC, DDPF_RGB, DDPF_LUMINANCE = 0x2, 0x4, 0x40, 0x20000
# Bytes per 4x4 block of the block-compressed formats, by FourCC and by DXGI_FORMAT code.
BLOCK_BYTES_BY_FOURCC = {
    b"DXT1": 8, b"ATI1": 8, b"BC4U": 8, b"BC4S": 8,
    b"DXT2": 16, b"DXT3": 16, b"DXT4": 16, b"DXT5": 16,
    b"ATI2": 16, b"BC5U": 16, b"BC5S": 16,
}  # fmt: skip
BLOCK_BYTES_BY_DXGI = {
    **dict.fromkeys(range(70, 73), 8),  # BC1
    **dict.fromkeys(range(79, 82), 8),  # BC4
    **dict.fromkeys((*range(73, 79), *range(82, 85), *range(94, 100)), 16),  # BC2 BC3 BC5 BC6H BC7
}
PIXEL_BYTES_BY_DXGI = {
    **dict.fromkeys(range(1, 5), 16),  # R32G32B32A32
    **dict.fromkeys(range(9, 15), 8),  # R16G16B16A16
    **dict.fromkeys(range(23, 33), 4),  # R10G10B10A2, R11G11B10, R8G8B8A8
    **dict.fromkeys(range(87, 94), 4),  # B8G8R8A8, B8G8R8X8
    **dict.fromkeys(range(60, 66), 1),  # R8, A8
}
MAX_KTX_LEVELS = 32  # mip levels: 2^31 pixels need 32


def parse_dds(buf: SparseBuffer) -> ImageInfo:
    header = buf.read(0, 128, "DDS header")
    if header[:4] != b"DDS " or int.from_bytes(header[4:8], "little") != 124:
        raise ImageError("DDS: bad header size")
    height = int.from_bytes(header[12:16], "little")
    width = int.from_bytes(header[16:20], "little")
    if int.from_bytes(header[76:80], "little") != 32:
        raise ImageError("DDS: bad pixel format size")
    flags = int.from_bytes(header[80:84], "little")
    fourcc = header[84:88]
    rgb_bits = int.from_bytes(header[88:92], "little")
    start, level = 128, None
    blocks = max(1, (width + 3) // 4) * max(1, (height + 3) // 4)
    if flags & DDPF_FOURCC and fourcc == b"DX10":
        (dxgi,) = buf.unpack("<I", 128, "DX10 header")
        start = 148
        if dxgi in BLOCK_BYTES_BY_DXGI:
            level = blocks * BLOCK_BYTES_BY_DXGI[dxgi]
        elif dxgi in PIXEL_BYTES_BY_DXGI:
            level = width * height * PIXEL_BYTES_BY_DXGI[dxgi]
    elif flags & DDPF_FOURCC:
        if fourcc in BLOCK_BYTES_BY_FOURCC:
            level = blocks * BLOCK_BYTES_BY_FOURCC[fourcc]
    elif flags & (DDPF_RGB | DDPF_LUMINANCE | DDPF_ALPHA):
        if rgb_bits not in (8, 16, 24, 32, 48, 64, 128):
            raise ImageError(f"DDS: invalid bit count {rgb_bits}")
        level = width * height * rgb_bits // 8
    if level is not None and width and height and not buf.fits(start + level):
        raise ImageError(
            f"truncated DDS: first level needs {start + level} bytes, data ends at {buf.size}"
        )
    return ImageInfo("dds", width, height)


def parse_ktx(buf: SparseBuffer) -> ImageInfo:
    header = buf.read(0, 64, "KTX header")
    if header[:12] != KTX1_IDENTIFIER:
        raise ImageError("KTX: bad identifier")
    endianness = header[12:16]
    if endianness not in (b"\x01\x02\x03\x04", b"\x04\x03\x02\x01"):
        raise ImageError("KTX: bad endianness field")
    order: Literal["little", "big"] = "little" if endianness == b"\x01\x02\x03\x04" else "big"
    fields = [int.from_bytes(header[at : at + 4], order) for at in range(16, 64, 4)]
    width, height, faces, key_value_bytes = fields[5], fields[6], fields[9], fields[11]
    if faces not in (1, 6) or fields[10] > MAX_KTX_LEVELS:
        raise ImageError("KTX: corrupt face or level count")
    if buf.size is not None:
        at = 64 + key_value_bytes
        image_size = int.from_bytes(buf.read(at, 4, "image size"), order)
        if not buf.fits(at + 4 + image_size):
            raise ImageError(f"truncated KTX: first level needs {at + 4 + image_size} bytes")
    return ImageInfo("ktx", width, height or 1)


def parse_ktx2(buf: SparseBuffer) -> ImageInfo:
    header = buf.read(0, 80, "KTX2 header")
    if header[:12] != KTX2_IDENTIFIER:
        raise ImageError("KTX2: bad identifier")
    fields = [int.from_bytes(header[at : at + 4], "little") for at in range(12, 48, 4)]
    width, height, faces, levels, scheme = fields[2], fields[3], fields[6], fields[7], fields[8]
    if faces not in (1, 6) or levels > MAX_KTX_LEVELS or scheme > 3:
        raise ImageError("KTX2: corrupt face count, level count or supercompression")
    count = max(1, levels)
    index = buf.read(80, 24 * count, "level index")
    for level in range(count):
        offset = int.from_bytes(index[24 * level : 24 * level + 8], "little")
        length = int.from_bytes(index[24 * level + 8 : 24 * level + 16], "little")
        if offset < 80 + 24 * count and length:
            raise ImageError("KTX2: level data overlaps the header")
        if not buf.fits(offset + length):
            raise ImageError(f"truncated KTX2: level {level} needs {offset + length} bytes")
    return ImageInfo("ktx2", width, height or 1)
