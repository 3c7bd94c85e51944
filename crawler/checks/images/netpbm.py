"""Netpbm images: PBM/PGM/PPM (P1-P6), PAM (P7) and PFM (PF, Pf).

The headers are ASCII (Netpbm man pages pbm(5), pgm(5), ppm(5), pam(5); PFM as
defined by Debevec's HDRShop): whitespace-separated decimal fields with ``#``
comments, ending in a single whitespace before the raster.  A header is read in
growing prefixes up to a small bound, since real ones are a few dozen bytes.  The
raster size follows from the header (a lower bound for the ASCII variants), so a cut
file is caught when the total size is known.
"""

from __future__ import annotations

import re

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageFormat, ImageInfo

WHITESPACE = b" \t\n\v\f\r"
PREFIXES = (512, 4096)  # bytes of header tried in turn; a longer header is rejected
PAM_LINE = re.compile(rb"[ \t]*([A-Z]+)(?:[ \t]+([^\r\n]*?))?[ \t]*\r?$")


class Incomplete(Exception):
    """The header continues past the bytes at hand."""


def parse_netpbm(buf: SparseBuffer) -> ImageInfo:
    magic = buf.read(0, 2, "magic")
    for limit in PREFIXES:
        data = buf.read_upto(0, limit, "header")
        try:
            if magic == b"P7":
                return finish(buf, *read_pam(data))
            if magic in (b"PF", b"Pf"):
                return finish(buf, *read_pfm(data, magic == b"PF"))
            return finish(buf, *read_pnm(data, int(magic[1:])))
        except Incomplete:
            if len(data) < limit:
                raise ImageError("truncated PNM: header incomplete") from None
    raise ImageError(f"PNM: header longer than {PREFIXES[-1]} bytes")


def finish(buf: SparseBuffer, kind: ImageFormat, width: int, height: int, raster: int) -> ImageInfo:
    if width and height and not buf.fits(raster):
        raise ImageError(
            f"truncated {kind.upper()}: raster needs {raster} bytes, data ends at {buf.size}"
        )
    return ImageInfo(kind, width, height)


def tokens(data: bytes, at: int, count: int) -> tuple[list[int], int]:
    """``count`` decimal fields from ``at``, and the offset of the raster after them."""
    values: list[int] = []
    while len(values) < count:
        if at >= len(data):
            raise Incomplete
        byte = data[at]
        if byte in WHITESPACE:
            at += 1
        elif byte == ord("#"):
            end = min(
                (i for i in (data.find(b"\n", at), data.find(b"\r", at)) if i >= 0), default=-1
            )
            if end < 0:
                raise Incomplete
            at = end + 1
        elif 0x30 <= byte <= 0x39:
            start = at
            while at < len(data) and 0x30 <= data[at] <= 0x39:
                at += 1
            if at >= len(data):
                raise Incomplete
            if at - start > 10 or (data[at] not in WHITESPACE and data[at] != ord("#")):
                raise ImageError("PNM: corrupt header field")
            values.append(int(data[start:at]))
        else:
            raise ImageError(f"PNM: unexpected byte 0x{byte:02x} in the header")
    if at >= len(data):
        raise Incomplete
    return values, at + 1


def read_pnm(data: bytes, kind: int) -> tuple[ImageFormat, int, int, int]:
    if not 1 <= kind <= 6 or (len(data) > 2 and data[2] not in WHITESPACE):
        raise ImageError("PNM: bad magic")
    bitmap = kind in (1, 4)
    values, raster = tokens(data, 2, 2 if bitmap else 3)
    width, height = values[0], values[1]
    maxval = 1 if bitmap else values[2]
    if not 1 <= maxval <= 65535:
        raise ImageError(f"PNM: invalid maxval {maxval}")
    channels = 3 if kind in (3, 6) else 1
    sample = 1 if maxval < 256 else 2
    if kind == 4:
        raster += (width + 7) // 8 * height
    elif kind > 4:
        raster += width * height * channels * sample
    elif kind == 1:
        raster += width * height  # each pixel is at least one digit
    else:
        raster += max(0, 2 * width * height * channels - 1)  # digits and separators
    return "pnm", width, height, raster


def read_pam(data: bytes) -> tuple[ImageFormat, int, int, int]:
    if len(data) > 2 and data[2] != ord("\n"):
        raise ImageError("PAM: bad magic")
    fields: dict[bytes, int] = {}
    at = 3
    while True:
        end = data.find(b"\n", at)
        if end < 0:
            raise Incomplete
        line, at = data[at:end], end + 1
        if not line.strip() or line.lstrip().startswith(b"#"):
            continue
        match = PAM_LINE.fullmatch(line)
        if match is None:
            raise ImageError("PAM: corrupt header line")
        key, value = match.group(1), match.group(2) or b""
        if key == b"ENDHDR":
            break
        if key in (b"WIDTH", b"HEIGHT", b"DEPTH", b"MAXVAL"):
            if not value.isdigit() or len(value) > 10:
                raise ImageError(f"PAM: bad {key.decode()} value")
            fields[key] = int(value)
    if any(key not in fields for key in (b"WIDTH", b"HEIGHT", b"DEPTH", b"MAXVAL")):
        raise ImageError("PAM: header lacks WIDTH, HEIGHT, DEPTH or MAXVAL")
    if not 1 <= fields[b"MAXVAL"] <= 65535 or fields[b"DEPTH"] == 0:
        raise ImageError("PAM: invalid MAXVAL or DEPTH")
    sample = 1 if fields[b"MAXVAL"] < 256 else 2
    width, height = fields[b"WIDTH"], fields[b"HEIGHT"]
    return "pam", width, height, at + width * height * fields[b"DEPTH"] * sample


def read_pfm(data: bytes, colour: bool) -> tuple[ImageFormat, int, int, int]:
    if len(data) > 2 and data[2] not in WHITESPACE:
        raise ImageError("PFM: bad magic")
    values, at = tokens(data, 2, 2)
    while at < len(data) and data[at] in WHITESPACE:
        at += 1
    end = at
    while end < len(data) and data[end] not in WHITESPACE:
        end += 1
    if end >= len(data):
        raise Incomplete
    try:
        scale = float(data[at:end])
    except ValueError:
        raise ImageError("PFM: bad scale factor") from None
    if scale == 0 or scale != scale:
        raise ImageError("PFM: bad scale factor")
    width, height = values
    return "pfm", width, height, end + 1 + width * height * (3 if colour else 1) * 4
