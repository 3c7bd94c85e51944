"""JPEG (ITU T.81 / ISO 10918-1) frame size and EXIF orientation.

The parser walks marker segments by their length fields (T.81 B.1.1.4) and never
reads a payload it does not need: an APP1 EXIF block, an ICC profile or XMP of tens
of kilobytes before the frame header costs one jump, not its bytes.  From the first
EXIF APP1 only the TIFF header and the IFD0 Orientation entry are read.  The frame
header (any SOFn, T.81 B.2.2) gives the size; a scan (SOS) or EOI first means the
file has none.  When the total size is known the end of the data must hold the EOI
marker after the frame header, which is how a cut-off download is recognised.
"""

from __future__ import annotations

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageInfo
from .tiff import exif_orientation

# SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), plus SOF55 of JPEG-LS (ITU T.87),
# which shares the frame header layout.
FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC} | {0xF7}
# Markers without a length field: TEM and RST0..RST7 (T.81 B.1.1.3), and a stray SOI.
STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8), 0xD8})
SOS, EOI, APP1 = 0xDA, 0xD9, 0xE1
MAX_SEGMENTS = 4096  # segments before the frame header; real files have tens
MAX_FILL = 64  # fill bytes (0xFF) or stray bytes tolerated before one marker
TAIL = 64  # bytes read at the end of the data to find EOI despite trailing padding


def parse_jpeg(buf: SparseBuffer) -> ImageInfo:
    if buf.read(0, 3, "start of image") != b"\xff\xd8\xff":
        raise ImageError("JPEG: bad start-of-image marker")
    at = 2
    orientation: int | None = None
    for _ in range(MAX_SEGMENTS):
        at, marker = next_marker(buf, at)
        if marker in STANDALONE_MARKERS:
            at += 2
            continue
        if marker in (EOI, SOS):
            raise ImageError("JPEG: no frame header before the image data")
        if not buf.fits(at + 4):
            raise ImageError("JPEG: no frame header before end of data")
        (length,) = buf.unpack(">H", at + 2, "segment length")
        if length < 2:
            raise ImageError(f"JPEG: corrupt segment length {length} at offset {at}")
        if marker in FRAME_MARKERS:
            width, height = read_frame_header(buf, at, length)
            check_end(buf, at + 2 + length)
            return ImageInfo("jpeg", width, height, orientation or 1)
        is_app1 = marker == APP1 and orientation is None and length >= 16
        if is_app1 and buf.read(at + 4, 6, "APP1 identifier") == b"Exif\x00\x00":
            orientation = exif_orientation(buf, at + 10, at + 2 + length)
        at += 2 + length
    raise ImageError("JPEG: too many segments before the frame header")


def next_marker(buf: SparseBuffer, at: int) -> tuple[int, int]:
    """The offset and code of the marker at ``at``, past fill bytes (T.81 B.1.1.2)."""
    if not buf.fits(at + 2):
        raise ImageError("JPEG: no frame header before end of data")
    window = buf.read_upto(at, MAX_FILL + 2, "marker")
    # Some encoders leave a few stray bytes between segments; decoders skip them with a
    # warning, so a short run is tolerated but a long one is corruption.
    start = window.find(b"\xff")
    while 0 <= start < len(window) - 1 and window[start + 1] == 0xFF:
        start += 1
    if start < 0 or start >= len(window) - 1:
        if len(window) < MAX_FILL + 2:
            raise ImageError("JPEG: no frame header before end of data")
        raise ImageError(f"JPEG: no marker at offset {at}")
    marker = window[start + 1]
    if marker == 0x00:
        raise ImageError(f"JPEG: corrupt marker at offset {at + start}")
    return at + start, marker


def read_frame_header(buf: SparseBuffer, at: int, length: int) -> tuple[int, int]:
    precision, height, width, components = buf.unpack(">BHHB", at + 4, "frame header")
    if length != 8 + 3 * components or components == 0:
        raise ImageError("JPEG: corrupt frame header (length does not match components)")
    if not 2 <= precision <= 16:
        raise ImageError(f"JPEG: bad sample precision {precision}")
    if height == 0:
        # T.81 allows the height to come later in a DNL segment; nobody writes that.
        raise ImageError("JPEG: zero height (DNL-defined height is not supported)")
    return width, height


def check_end(buf: SparseBuffer, frame_end: int) -> None:
    """Require EOI after the frame header in the last bytes, when the size is known."""
    tail = buf.tail(TAIL)
    if tail is None or buf.size is None:
        return
    start = buf.size - len(tail)
    eoi = tail.rfind(b"\xff\xd9")
    if eoi >= 0 and start + eoi >= frame_end:
        return
    if tail.strip(b"\x00\xff") == b"" and start > frame_end:
        return  # zero padding after the image, as some cameras write
    raise ImageError("truncated JPEG: no end-of-image marker at the end of the data")
