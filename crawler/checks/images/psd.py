"""Adobe Photoshop documents, PSD (version 1) and PSB (version 2).

The 26-byte file header (Adobe Photoshop File Formats Specification, "File Header
Section") gives height then width.  When the total size is known the three
length-prefixed sections that follow are skipped by their lengths, and the image
data section must fit, which catches a cut download.
"""

from __future__ import annotations

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo

MAX_SIDE = {1: 30_000, 2: 300_000}  # pixels per side: PSD and PSB limits from the spec
DEPTHS = frozenset({1, 8, 16, 32})
COLOUR_MODES = frozenset({0, 1, 2, 3, 4, 7, 8, 9})


def parse_psd(buf: SparseBuffer) -> ImageInfo:
    header = buf.read(0, 26, "file header")
    if header[:4] != b"8BPS":
        raise ImageError("PSD: bad signature")
    version = int.from_bytes(header[4:6], "big")
    if version not in MAX_SIDE or header[6:12] != bytes(6):
        raise ImageError(f"PSD: unknown version {version}")
    channels = int.from_bytes(header[12:14], "big")
    height = int.from_bytes(header[14:18], "big")
    width = int.from_bytes(header[18:22], "big")
    depth = int.from_bytes(header[22:24], "big")
    mode = int.from_bytes(header[24:26], "big")
    if not 1 <= channels <= 56 or depth not in DEPTHS or mode not in COLOUR_MODES:
        raise ImageError("PSD: corrupt header (channels, depth or colour mode)")
    if width > MAX_SIDE[version] or height > MAX_SIDE[version]:
        raise ImageError(f"PSD: size {width}x{height} exceeds the version {version} limit")
    if buf.size is not None and width and height:
        check_sections(buf, version, channels, width, height, depth)
    return ImageInfo("psd", width, height)


def check_sections(
    buf: SparseBuffer, version: int, channels: int, width: int, height: int, depth: int
) -> None:
    at = 26
    for index, length_size in enumerate((4, 4, 4 if version == 1 else 8)):
        length = int.from_bytes(buf.read(at, length_size, "section length"), "big")
        at += length_size + length
        if not buf.fits(at):
            raise ImageError(f"truncated PSD: section {index + 1} runs past the end of the data")
    (compression,) = buf.unpack(">H", at, "image data")
    if compression > 3:
        raise ImageError(f"PSD: unknown image data compression {compression}")
    if compression == 0:
        end = at + 2 + channels * height * ((width * depth + 7) // 8)
    elif compression == 1:
        end = at + 2 + channels * height * (2 if version == 1 else 4)
    else:
        end = at + 3
    if not buf.fits(end):
        raise ImageError(f"truncated PSD: image data needs {end} bytes, data ends at {buf.size}")
