"""Which parser reads an image, from its first bytes; and what a non-image looks like.

Every format with a signature is matched on its magic bytes.  Markup (after a BOM
and whitespace) goes to the SVG parser, which tells an SVG from an HTML page.
TGA, which has no signature, is left to the caller to try last.  Whatever is left
is described ("looks like text", "a PDF document") so that the error says what the
bytes were instead of only what they were not.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from .bmp import parse_bmp
from .buffer import SparseBuffer
from .gif import parse_gif
from .heif import parse_heif
from .icon import parse_icns, parse_ico
from .info import ImageInfo
from .jpeg import parse_jpeg
from .jpeg2000 import parse_j2k, parse_jp2
from .jxl import parse_jxl_codestream, parse_jxl_container
from .netpbm import parse_netpbm
from .png import parse_png
from .psd import parse_psd
from .svg import parse_svg
from .texture import parse_dds, parse_ktx, parse_ktx2
from .tiff import parse_tiff
from .webp import parse_webp

Parser = Callable[[SparseBuffer], ImageInfo]
HEAD = 32  # bytes enough for every signature below

# (offset, magic, label used in messages, parser); the first match wins.
SIGNATURES: tuple[tuple[int, bytes, str, Parser], ...] = (
    (0, b"\xff\xd8\xff", "JPEG", parse_jpeg),
    (0, b"\x89PNG", "PNG", parse_png),
    (0, b"GIF8", "GIF", parse_gif),
    (0, b"RIFF", "WebP", parse_webp),
    (0, b"II*\x00", "TIFF", parse_tiff),
    (0, b"MM\x00*", "TIFF", parse_tiff),
    (0, b"II+\x00", "BigTIFF", parse_tiff),
    (0, b"MM\x00+", "BigTIFF", parse_tiff),
    (4, b"ftyp", "HEIF", parse_heif),
    (0, b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JXL", parse_jxl_container),
    (0, b"\xff\x0a", "JXL", parse_jxl_codestream),
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JP2", parse_jp2),
    (0, b"\xff\x4f\xff\x51", "J2K", parse_j2k),
    (0, b"8BPS", "PSD", parse_psd),
    (0, b"DDS ", "DDS", parse_dds),
    (0, b"icns", "ICNS", parse_icns),
    (0, b"\xabKTX 11\xbb\r\n\x1a\n", "KTX", parse_ktx),
    (0, b"\xabKTX 20\xbb\r\n\x1a\n", "KTX2", parse_ktx2),
    (0, b"\x00\x00\x01\x00", "ICO", parse_ico),
    (0, b"\x00\x00\x02\x00", "CUR", parse_ico),
    (0, b"BM", "BMP", parse_bmp),
)
NETPBM_MAGICS = frozenset({b"P1", b"P2", b"P3", b"P4", b"P5", b"P6", b"P7", b"PF", b"Pf"})
NETPBM_SEPARATORS = b" \t\n\v\f\r#"
TEXT_BYTES = frozenset(b"\t\n\r\f\x1b") | frozenset(range(0x20, 0x7F))

# Signatures of common non-image payloads, for a useful error message.
NOT_IMAGES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"%!PS", "a PostScript document"),
    (b"\x00\x00\x00\x14ftypqt", "a QuickTime video"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
    (b"ID3", "an MP3 file"),
    (b"OggS", "an Ogg file"),
    (b"wOFF", "a WOFF font"),
    (b"wOF2", "a WOFF2 font"),
)


def find_parser(head: bytes) -> tuple[str, Parser] | None:
    for offset, magic, label, parser in SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return label, parser
    if head[:2] in NETPBM_MAGICS and len(head) > 2 and head[2] in NETPBM_SEPARATORS:
        return "PNM", parse_netpbm
    if is_markup(head):
        return "SVG", parse_svg
    return None


def strip_text_start(head: bytes) -> bytes:
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    return head.replace(b"\x00", b"").lstrip(b" \t\r\n")


def is_markup(head: bytes) -> bool:
    return strip_text_start(head).startswith(b"<")


def describe(head: bytes) -> str:
    """Why these bytes are not an image, as the tail of an error message."""
    if not head:
        return "not an image: empty data"
    for magic, name in NOT_IMAGES:
        if head.startswith(magic):
            return f"not an image: {name}"
    text = strip_text_start(head)
    if text[:1] in (b"{", b"["):
        return "not an image: looks like JSON"
    if all(byte in TEXT_BYTES or byte >= 0x80 for byte in head) and not head.startswith(b"\x00"):
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 3:
                return f"not an image: starts with {head[:8].hex(' ')}"
        return "not an image: looks like text"
    return f"not an image: starts with {head[:8].hex(' ')}"
