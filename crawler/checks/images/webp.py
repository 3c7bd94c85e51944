"""WebP (RFC 9649): RIFF container with a VP8, VP8L or VP8X first chunk.

VP8 (lossy) carries a key frame header with the start code 9D 01 2A and 14-bit sizes
(RFC 6386 section 9.1); VP8L (lossless) a 0x2F signature and 14-bit sizes minus one
(RFC 9649 section 3.1); VP8X (extended) the 24-bit canvas size minus one and a flag
saying an EXIF chunk exists, whose IFD0 orientation is read.  The RIFF size field
tells how long the file must be, so a cut download is caught without reading it.
"""

from __future__ import annotations

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo
from .tiff import exif_orientation

EXIF_FLAG = 0x08  # VP8X flags, RFC 9649 section 2.7
MAX_CHUNKS = 256  # chunks walked to find EXIF


def parse_webp(buf: SparseBuffer) -> ImageInfo:
    riff = buf.read(0, 20, "RIFF header")
    if riff[:4] != b"RIFF" or riff[8:12] != b"WEBP":
        raise ImageError("WebP: not a RIFF WEBP file")
    riff_end = 8 + int.from_bytes(riff[4:8], "little")
    kind, length = riff[12:16], int.from_bytes(riff[16:20], "little")
    if 20 + length > riff_end:
        raise ImageError("WebP: first chunk is larger than the RIFF container")
    if not buf.fits(riff_end):
        raise ImageError(
            f"truncated WebP: RIFF data needs {riff_end} bytes, data ends at {buf.size}"
        )
    if kind == b"VP8 ":
        width, height = read_lossy(buf, length)
        return ImageInfo("webp", width, height)
    if kind == b"VP8L":
        width, height = read_lossless(buf, length)
        return ImageInfo("webp", width, height)
    if kind == b"VP8X":
        return read_extended(buf, length, riff_end)
    raise ImageError(f"WebP: unknown first chunk {kind!r}")


def read_lossy(buf: SparseBuffer, length: int) -> tuple[int, int]:
    if length < 10:
        raise ImageError("WebP: VP8 chunk too short")
    frame = buf.read(20, 10, "VP8 frame header")
    tag = int.from_bytes(frame[:3], "little")
    if tag & 1:
        raise ImageError("WebP: VP8 first frame is not a key frame")
    if (tag >> 1) & 7 > 3 or (tag >> 5) > length:
        raise ImageError("WebP: corrupt VP8 frame tag")
    if frame[3:6] != b"\x9d\x01\x2a":
        raise ImageError("WebP: VP8 start code missing")
    width = int.from_bytes(frame[6:8], "little") & 0x3FFF
    height = int.from_bytes(frame[8:10], "little") & 0x3FFF
    return width, height


def read_lossless(buf: SparseBuffer, length: int) -> tuple[int, int]:
    if length < 5:
        raise ImageError("WebP: VP8L chunk too short")
    header = buf.read(20, 5, "VP8L header")
    if header[0] != 0x2F:
        raise ImageError("WebP: VP8L signature missing")
    bits = int.from_bytes(header[1:], "little")
    if bits >> 29:
        raise ImageError("WebP: unknown VP8L version")
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1


def read_extended(buf: SparseBuffer, length: int, riff_end: int) -> ImageInfo:
    if length < 10:
        raise ImageError("WebP: VP8X chunk too short")
    header = buf.read(20, 10, "VP8X header")
    flags = header[0]
    width = int.from_bytes(header[4:7], "little") + 1
    height = int.from_bytes(header[7:10], "little") + 1
    if width * height > 0xFFFFFFFF:
        raise ImageError("WebP: canvas larger than 2^32-1 pixels (RFC 9649 section 2.7)")
    at = 20 + length + (length & 1)
    if at + 8 > riff_end:
        raise ImageError("WebP: VP8X without image data")
    orientation = 1
    for _ in range(MAX_CHUNKS):
        if at + 8 > riff_end:
            break
        chunk = buf.read(at, 8, "chunk header")
        kind, size = chunk[:4], int.from_bytes(chunk[4:], "little")
        if not all(32 <= byte < 127 for byte in kind):
            raise ImageError(f"WebP: corrupt chunk at offset {at}")
        if kind == b"EXIF":
            start, end = at + 8, min(at + 8 + size, riff_end)
            # Some writers keep the JPEG APP1 identifier in front of the TIFF header.
            if buf.read_upto(start, 6, "EXIF chunk") == b"Exif\x00\x00":
                start += 6
            orientation = exif_orientation(buf, start, end)
            break
        if not flags & EXIF_FLAG:
            break  # only the chunk after VP8X is validated when there is no EXIF to find
        at += 8 + size + (size & 1)
    return ImageInfo("webp", width, height, orientation)
