"""Byte-by-byte builders of image files, for formats and variants Pillow does not write.

Each builder follows the structure its format's specification gives, with the
smallest valid payload; the tests then read the header back.
"""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def cgbi_png(width: int, height: int) -> bytes:
    """Apple's iPhone PNG: a CgBI chunk before IHDR, raw deflate image data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00\x00\x00\xff" * width for _ in range(height))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    idat = deflate.compress(raw) + deflate.flush()
    return (
        PNG_SIGNATURE
        + png_chunk(b"CgBI", b"\x50\x00\x20\x02")
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def exif_block(orientation: int, big_endian: bool) -> bytes:
    """A TIFF structure whose IFD0 holds only Orientation (CIPA DC-008)."""
    e = ">" if big_endian else "<"
    header = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(e + "I", 8)
    entry = struct.pack(e + "HHI", 0x0112, 3, 1) + struct.pack(e + "HH", orientation, 0)
    return header + struct.pack(e + "H", 1) + entry + struct.pack(e + "I", 0)


def jpeg_with_app1(jpeg: bytes, payload: bytes) -> bytes:
    """``jpeg`` with an APP1 segment holding ``payload`` right after SOI."""
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def tiff_ifd_at_end(width: int, height: int, big_endian: bool, orientation: int = 1) -> bytes:
    """A greyscale TIFF whose only IFD follows the strip, at the end of the file."""
    e = ">" if big_endian else "<"
    strip = bytes(width * height)
    ifd_offset = 8 + len(strip) + (len(strip) & 1)
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8),
        (274, 3, 1, orientation),
        (277, 3, 1, 1),
        (278, 4, 1, height),
        (279, 4, 1, len(strip)),
    ]
    ifd = struct.pack(e + "H", len(entries))
    for tag, kind, count, value in entries:
        packed = (
            struct.pack(e + "H", value) + b"\x00\x00" if kind == 3 else struct.pack(e + "I", value)
        )
        ifd += struct.pack(e + "HHI", tag, kind, count) + packed
    ifd += struct.pack(e + "I", 0)
    order = b"MM\x00*" if big_endian else b"II*\x00"
    return order + struct.pack(e + "I", ifd_offset) + strip + bytes(len(strip) & 1) + ifd


def bigtiff(width: int, height: int, big_endian: bool, orientation: int = 1) -> bytes:
    """A BigTIFF (version 43, 8-byte offsets) with the IFD at offset 16."""
    e = ">" if big_endian else "<"
    entries = [
        (256, 3, 1, width),
        (257, 16, 1, height),
        (258, 3, 1, 8),
        (273, 16, 1, 0),
        (274, 3, 1, orientation),
        (279, 16, 1, width * height),
    ]
    ifd_size = 8 + 20 * len(entries) + 8
    data_offset = 16 + ifd_size
    ifd = struct.pack(e + "Q", len(entries))
    for tag, kind, count, value in entries:
        if tag == 273:
            value = data_offset
        packed = (
            struct.pack(e + "H", value) + bytes(6) if kind == 3 else struct.pack(e + "Q", value)
        )
        ifd += struct.pack(e + "HHQ", tag, kind, count) + packed
    ifd += struct.pack(e + "Q", 0)
    order = b"MM\x00+" if big_endian else b"II+\x00"
    return order + struct.pack(e + "HHQ", 8, 0, 16) + ifd + bytes(width * height)


def bmp(info_header: bytes, width: int, height: int, bits: int, palette: bytes = b"") -> bytes:
    """A BMP file around ``info_header``, with zeroed pixel rows."""
    row = (abs(width) * bits + 31) // 32 * 4
    offset = 14 + len(info_header) + len(palette)
    size = offset + row * abs(height)
    return (
        b"BM"
        + struct.pack("<IHHI", size, 0, 0, offset)
        + info_header
        + palette
        + bytes(size - offset)
    )


def os2_v1_bmp(width: int, height: int) -> bytes:
    return bmp(struct.pack("<IHHHH", 12, width, height, 1, 24), width, height, 24)


def os2_v2_bmp(width: int, height: int, header_size: int = 64) -> bytes:
    header = struct.pack("<IiiHH", header_size, width, height, 1, 24)
    return bmp(header + bytes(header_size - len(header)), width, height, 24)


def v5_bmp(width: int, height: int) -> bytes:
    """A BITMAPV5HEADER bitmap; a negative height stores rows top-down."""
    header = struct.pack("<IiiHHIIiiII", 124, width, height, 1, 32, 3, 0, 2835, 2835, 0, 0)
    masks = struct.pack("<IIII", 0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000)
    header += masks + b"BGRs" + bytes(124 - len(header) - 20)
    return bmp(header, width, height, 32)


def riff_chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + bytes(len(data) & 1)


def webp_vp8x(width: int, height: int, image_chunk: bytes, exif: bytes | None = None) -> bytes:
    """An extended WebP: VP8X canvas, the image chunk, and optionally an EXIF chunk."""
    flags = 0x08 if exif is not None else 0
    vp8x = struct.pack("<B3x", flags) + (width - 1).to_bytes(3, "little")
    vp8x += (height - 1).to_bytes(3, "little")
    body = b"WEBP" + riff_chunk(b"VP8X", vp8x) + image_chunk
    if exif is not None:
        body += riff_chunk(b"EXIF", exif)
    return b"RIFF" + struct.pack("<I", len(body)) + body


class BitWriter:
    """Least-significant-bit-first bit packing, as JPEG XL headers use."""

    def __init__(self) -> None:
        self.value = 0
        self.count = 0

    def bits(self, value: int, count: int) -> None:
        assert 0 <= value < 1 << count
        self.value |= value << self.count
        self.count += count

    def u32(self, value: int) -> None:
        for selector, count in enumerate((9, 13, 18, 30)):
            if value - 1 < 1 << count:
                self.bits(selector, 2)
                self.bits(value - 1, count)
                return
        raise ValueError(value)

    def data(self) -> bytes:
        return self.value.to_bytes((self.count + 7) // 8 + 8, "little")


def jxl_codestream(height: int, width: int | None, ratio: int = 0, orientation: int = 1) -> bytes:
    """FF 0A, SizeHeader (small form when it fits, ratio 1-7 or explicit width), metadata."""
    writer = BitWriter()
    small = (
        height % 8 == 0
        and height <= 256
        and (ratio or ((width or 0) % 8 == 0 and (width or 0) <= 256))
    )
    small = bool(small)
    writer.bits(int(small), 1)
    if small:
        writer.bits(height // 8 - 1, 5)
    else:
        writer.u32(height)
    writer.bits(ratio, 3)
    if ratio == 0:
        assert width is not None
        if small:
            writer.bits(width // 8 - 1, 5)
        else:
            writer.u32(width)
    if orientation == 1:
        writer.bits(1, 1)  # all_default
    else:
        writer.bits(0, 1)
        writer.bits(1, 1)  # extra_fields
        writer.bits(orientation - 1, 3)
    return b"\xff\x0a" + writer.data()


def isobmff_box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def full_box(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return isobmff_box(kind, bytes([version]) + flags.to_bytes(3, "big") + payload)


def jxl_container(codestream: bytes, split: bool = False) -> bytes:
    boxes = b"\x00\x00\x00\x0cJXL \r\n\x87\n" + isobmff_box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ")
    if split:
        half = len(codestream) // 2 + 8
        boxes += isobmff_box(b"jxlp", struct.pack(">I", 0) + codestream[:half])
        boxes += isobmff_box(b"jxlp", struct.pack(">I", 0x80000001) + codestream[half:])
    else:
        boxes += isobmff_box(b"jxlc", codestream)
    return boxes


def heif(
    brands: tuple[bytes, ...],
    width: int,
    height: int,
    clap: tuple[int, int, int, int] | None = None,
    irot: int | None = None,
    imir: int | None = None,
    extra_first: bool = False,
) -> bytes:
    """A one-item HEIF: ftyp, meta (hdlr pitm iloc iprp), mdat; ``extra_first`` adds an
    unrelated item 2 listed first in ipma, as multi-item files have."""
    ftyp = isobmff_box(b"ftyp", brands[0] + bytes(4) + b"".join(brands))
    hdlr = full_box(b"hdlr", 0, 0, bytes(4) + b"pict" + bytes(13))
    pitm = full_box(b"pitm", 0, 0, struct.pack(">H", 1))
    properties = [full_box(b"ispe", 0, 0, struct.pack(">II", width, height))]
    if clap is not None:
        width_n, width_d, height_n, height_d = clap
        properties.append(
            isobmff_box(
                b"clap", struct.pack(">8I", width_n, width_d, height_n, height_d, 0, 1, 0, 1)
            )
        )
    if irot is not None:
        properties.append(isobmff_box(b"irot", bytes([irot])))
    if imir is not None:
        properties.append(isobmff_box(b"imir", bytes([imir])))
    ipco = isobmff_box(b"ipco", b"".join(properties))
    associations = bytes(range(1, len(properties) + 1))
    entries = struct.pack(">HB", 1, len(associations)) + associations
    if extra_first:
        entries = struct.pack(">HB", 2, 1) + b"\x81" + entries
    ipma = full_box(b"ipma", 0, 0, struct.pack(">I", 2 if extra_first else 1) + entries)
    iprp = isobmff_box(b"iprp", ipco + ipma)
    payload = bytes(32)

    def meta_with(offset: int) -> bytes:
        iloc = full_box(
            b"iloc", 0, 0, b"\x44\x00" + struct.pack(">HHHHII", 1, 1, 0, 1, offset, len(payload))
        )
        return full_box(b"meta", 0, 0, hdlr + pitm + iloc + iprp)

    offset = len(ftyp) + len(meta_with(0)) + 8
    return ftyp + meta_with(offset) + isobmff_box(b"mdat", payload)


def psd(width: int, height: int, version: int = 1, channels: int = 3) -> bytes:
    header = b"8BPS" + struct.pack(">H6xHIIHH", version, channels, height, width, 8, 3)
    sections = struct.pack(">II", 0, 0) + (
        struct.pack(">I", 0) if version == 1 else struct.pack(">Q", 0)
    )
    return header + sections + struct.pack(">H", 0) + bytes(channels * width * height)


def ktx1(width: int, height: int, big_endian: bool = False) -> bytes:
    e = ">" if big_endian else "<"
    image = bytes(width * max(height, 1) * 4)
    fields = (0x1401, 1, 0x1908, 0x8058, 0x1908, width, height, 0, 0, 1, 1, 0)
    header = (
        b"\xabKTX 11\xbb\r\n\x1a\n"
        + struct.pack(e + "I", 0x04030201)
        + struct.pack(e + "12I", *fields)
    )
    return header + struct.pack(e + "I", len(image)) + image


def ktx2(width: int, height: int) -> bytes:
    image = bytes(width * max(height, 1) * 4)
    header = b"\xabKTX 20\xbb\r\n\x1a\n" + struct.pack("<9I", 37, 1, width, height, 0, 0, 1, 1, 0)
    index = struct.pack("<IIIIQQ", 0, 0, 0, 0, 0, 0)
    level = struct.pack("<QQQ", 104, len(image), len(image))
    return header + index + level + image


def pam(width: int, height: int, depth: int = 4, maxval: int = 255) -> bytes:
    header = f"P7\nWIDTH {width}\nHEIGHT {height}\n# a comment\nDEPTH {depth}\nMAXVAL {maxval}\n"
    header += "TUPLTYPE RGB_ALPHA\nENDHDR\n"
    sample = 1 if maxval < 256 else 2
    return header.encode() + bytes(width * height * depth * sample)


def pfm(width: int, height: int, colour: bool = True, scale: str = "-1.0") -> bytes:
    header = f"{'PF' if colour else 'Pf'}\n{width} {height}\n{scale}\n".encode()
    return header + bytes(width * height * (3 if colour else 1) * 4)
