"""Image header probing: format, size and orientation from as few bytes as possible.

Pure Python, no pixel decoding, and sans-IO: :func:`parse` reads from a
:class:`SparseBuffer` and raises :class:`NeedBytes` for the exact range it lacks; a
driver fetches that range and calls :func:`parse` again from scratch.
:func:`probe_file` is such a driver for local files; the HTTP layer is another,
with Range requests.  One module per format family::

    buffer    SparseBuffer, NeedBytes, TruncatedError (the sans-IO seam)
    info      ImageInfo, the answer
    sniff     signature -> parser; what a non-image looks like
    jpeg png gif webp bmp tiff icon (ICO/CUR/ICNS) heif (AVIF/HEIC/HEIF) jxl
    jpeg2000 psd texture (DDS/KTX/KTX2) netpbm (PNM/PAM/PFM) svg tga
    isobmff   the box walker shared by heif, jxl and jpeg2000

Every failure is an :class:`~crawler.errors.ImageError` with a short reason:
truncated data, a corrupt header, zero sizes, or bytes that are not an image.
"""

from __future__ import annotations

import os
from pathlib import Path

from crawler.errors import ImageError

from .buffer import NeedBytes, SparseBuffer, TruncatedError
from .info import ImageFormat, ImageInfo
from .sniff import HEAD, describe, find_parser
from .tga import parse_tga

__all__ = [
    "ImageFormat",
    "ImageInfo",
    "NeedBytes",
    "SparseBuffer",
    "TruncatedError",
    "parse",
    "probe_bytes",
    "probe_file",
]

FIRST_READ = 512  # bytes read first: the header of most images, with the tail check after
READ_AHEAD = 512  # bytes read beyond each further request, to save round trips
MAX_ROUNDS = 256  # reads for one file; parsers need a handful


def parse(buffer: SparseBuffer) -> ImageInfo:
    """The image in ``buffer``; raises NeedBytes for missing input, ImageError if invalid."""
    head = buffer.read_upto(0, HEAD, "signature")
    found = find_parser(head)
    label = found[0] if found else "TGA"
    try:
        if found is not None:
            try:
                return found[1](buffer)
            except TruncatedError:
                raise
            except ImageError:
                # A TGA of type 1 or 2 without ID or colour map starts like an ICO or CUR,
                # and one with a 60-byte ID ("<") like markup.
                if label not in ("ICO", "CUR", "SVG") or (info := parse_tga(buffer)) is None:
                    raise
                return info
        info = parse_tga(buffer)
    except TruncatedError as error:
        raise error.with_label(label) from None
    if info is None:
        raise ImageError(describe(head))
    return info


def probe_bytes(data: bytes, complete: bool = True) -> ImageInfo:
    """The image in ``data``; with ``complete=False`` it may raise NeedBytes."""
    return parse(SparseBuffer(data, len(data) if complete else None))


def probe_file(path: Path) -> tuple[ImageInfo, int]:
    """The image in the file at ``path`` and the number of bytes read to find it."""
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            buffer = SparseBuffer(size=size)
            buffer.add(0, file.read(FIRST_READ))
            bytes_read = buffer.bytes_known
            for _ in range(MAX_ROUNDS):
                try:
                    return parse(buffer), bytes_read
                except NeedBytes as need:
                    file.seek(need.offset)
                    chunk = file.read(min(need.length + READ_AHEAD, size - need.offset))
                    if len(chunk) < need.length:
                        raise ImageError("file changed while it was read") from None
                    buffer.add(need.offset, chunk)
                    bytes_read += len(chunk)
            raise ImageError("too many reads")
    except ImageError as error:
        raise ImageError(f"{path}: {error}") from None
