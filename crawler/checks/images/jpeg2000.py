"""JPEG 2000 (ITU T.800 / ISO/IEC 15444-1): the JP2 container and the raw codestream.

A JP2 file is a signature box, ``ftyp``, then a ``jp2h`` header box whose first
child ``ihdr`` holds height then width (T.800 annex I.5.3.1); the ``jp2c`` box holds
the codestream.  A raw codestream (.j2k/.j2c) starts with SOC and the SIZ marker
segment (T.800 A.5.1), whose reference grid size minus the image offset is the
image size.  A codestream must end with EOC (FF D9), which reveals a cut download.
"""

from __future__ import annotations

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo
from .isobmff import find_child, iter_boxes

SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
BRANDS = frozenset({b"jp2 ", b"jpx ", b"jph ", b"jpm "})
TAIL = 16  # bytes read at the end of the data to find EOC


def parse_j2k(buf: SparseBuffer) -> ImageInfo:
    width, height = read_siz(buf, 0, "J2K")
    check_eoc(buf, "J2K")
    return ImageInfo("j2k", width, height)


def read_siz(buf: SparseBuffer, at: int, label: str) -> tuple[int, int]:
    header = buf.read(at, 42, "SIZ marker segment")
    if header[:4] != b"\xff\x4f\xff\x51":
        raise ImageError(f"{label}: codestream does not start with SOC and SIZ")
    length = int.from_bytes(header[4:6], "big")
    size = [int.from_bytes(header[8 + 4 * i : 12 + 4 * i], "big") for i in range(8)]
    x_size, y_size, x_offset, y_offset, tile_width, tile_height, _, _ = size
    components = int.from_bytes(header[40:42], "big")
    if not 1 <= components <= 16384 or length != 38 + 3 * components:
        raise ImageError(f"{label}: corrupt SIZ marker segment")
    if x_offset >= x_size or y_offset >= y_size or tile_width == 0 or tile_height == 0:
        raise ImageError(f"{label}: corrupt image or tile size in SIZ")
    return x_size - x_offset, y_size - y_offset


def check_eoc(buf: SparseBuffer, label: str) -> None:
    tail = buf.tail(TAIL)
    if tail is not None and b"\xff\xd9" not in tail:
        raise ImageError(f"truncated {label}: no end-of-codestream marker at the end of the data")


def parse_jp2(buf: SparseBuffer) -> ImageInfo:
    if buf.read(0, 12, "signature box") != SIGNATURE:
        raise ImageError("JP2: bad signature box")
    size: tuple[int, int] | None = None
    for box in iter_boxes(buf, 12, None, "JP2"):
        if box.kind == b"ftyp":
            if buf.read(box.body, 4, "ftyp") not in BRANDS:
                raise ImageError("JP2: unknown ftyp brand")
        elif box.kind == b"jp2h" and size is None:
            ihdr = find_child(buf, box, b"ihdr", 0, "JP2")
            if ihdr is None:
                raise ImageError("JP2: header box without ihdr")
            height, width, components, depth, compression = buf.unpack(">IIHBB", ihdr.body, "ihdr")
            if components == 0 or compression != 7 or ((depth & 0x7F) > 37 and depth != 255):
                raise ImageError("JP2: corrupt ihdr box")
            size = width, height
        elif box.kind == b"jp2c":
            if size is None:
                raise ImageError("JP2: codestream before the header box (no ihdr)")
            read_siz(buf, box.body, "JP2")
            if box.end is None or box.end == buf.size:
                check_eoc(buf, "JP2")
            return ImageInfo("jp2", *size)
    raise ImageError("JP2: no codestream box" if size else "JP2: no header box (ihdr)")
