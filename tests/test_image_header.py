"""Image header parsing: formats, sizes, orientation, truncation and the sans-IO seam.

Real files come from Pillow, written inside the tests; the formats and variants
Pillow cannot write are built byte by byte in :mod:`images.craft`.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from images import craft
from PIL import Image, ImageOps, features

from crawler.checks.images import (
    ImageInfo,
    NeedBytes,
    SparseBuffer,
    TruncatedError,
    parse,
    probe_bytes,
    probe_file,
)
from crawler.checks.images.heif import EXIF_BY_TRANSFORM, compose
from crawler.errors import ImageError

WIDTH, HEIGHT = 37, 23  # odd and unequal, so a swapped or rounded size shows


def picture(mode: str = "RGB", size: tuple[int, int] = (WIDTH, HEIGHT)) -> Image.Image:
    image = Image.linear_gradient("L").resize(size)
    return image.convert(mode)


def pillow(fmt: str, image: Image.Image | None = None, **options: object) -> bytes:
    out = io.BytesIO()
    (image or picture()).save(out, fmt, **options)
    return out.getvalue()


def incremental(data: bytes, size_known: bool = True) -> ImageInfo:
    """Parse as a Range-request driver would: start empty, fetch exactly what is asked."""
    buffer = SparseBuffer(size=len(data) if size_known else None)
    for _ in range(1000):
        try:
            return parse(buffer)
        except NeedBytes as need:
            assert need.length > 0
            chunk = data[need.offset : need.offset + need.length]
            buffer.add(need.offset, chunk)
            if len(chunk) < need.length:
                buffer.size = len(data)
    raise AssertionError("the parser kept asking for bytes")


has_avif = features.check("avif")
needs_avif = pytest.mark.skipif(not has_avif, reason="Pillow built without AVIF")

# (id, bytes builder, format, width, height)
PILLOW_CASES: list[tuple[str, Callable[[], bytes], str, int, int]] = [
    ("jpeg-baseline", lambda: pillow("JPEG"), "jpeg", WIDTH, HEIGHT),
    ("jpeg-progressive", lambda: pillow("JPEG", progressive=True), "jpeg", WIDTH, HEIGHT),
    ("jpeg-cmyk-adobe", lambda: pillow("JPEG", picture("CMYK")), "jpeg", WIDTH, HEIGHT),
    ("jpeg-greyscale", lambda: pillow("JPEG", picture("L")), "jpeg", WIDTH, HEIGHT),
    (
        "jpeg-optimized-420",
        lambda: pillow("JPEG", optimize=True, subsampling=2),
        "jpeg",
        WIDTH,
        HEIGHT,
    ),
    ("png-rgb", lambda: pillow("PNG"), "png", WIDTH, HEIGHT),
    ("png-rgba", lambda: pillow("PNG", picture("RGBA")), "png", WIDTH, HEIGHT),
    ("png-palette", lambda: pillow("PNG", picture("P")), "png", WIDTH, HEIGHT),
    ("png-1bit", lambda: pillow("PNG", picture("1")), "png", WIDTH, HEIGHT),
    ("png-16bit", lambda: pillow("PNG", picture("I;16")), "png", WIDTH, HEIGHT),
    ("png-interlaced-text", lambda: png_with_text(), "png", WIDTH, HEIGHT),
    (
        "apng",
        lambda: pillow("PNG", save_all=True, append_images=[picture()]),
        "apng",
        WIDTH,
        HEIGHT,
    ),
    ("gif", lambda: pillow("GIF"), "gif", WIDTH, HEIGHT),
    (
        "gif-animated",
        lambda: pillow("GIF", save_all=True, append_images=[picture()], loop=0),
        "gif",
        WIDTH,
        HEIGHT,
    ),
    ("webp-lossy", lambda: pillow("WEBP"), "webp", WIDTH, HEIGHT),
    ("webp-lossless", lambda: pillow("WEBP", lossless=True), "webp", WIDTH, HEIGHT),
    ("webp-alpha", lambda: pillow("WEBP", picture("RGBA")), "webp", WIDTH, HEIGHT),
    (
        "webp-animated",
        lambda: pillow("WEBP", save_all=True, append_images=[picture()]),
        "webp",
        WIDTH,
        HEIGHT,
    ),
    ("bmp-24", lambda: pillow("BMP"), "bmp", WIDTH, HEIGHT),
    ("bmp-8-palette", lambda: pillow("BMP", picture("P")), "bmp", WIDTH, HEIGHT),
    ("bmp-1", lambda: pillow("BMP", picture("1")), "bmp", WIDTH, HEIGHT),
    ("tiff-le", lambda: pillow("TIFF"), "tiff", WIDTH, HEIGHT),
    ("tiff-be", lambda: pillow("TIFF", tiffinfo={}, big_endian=True), "tiff", WIDTH, HEIGHT),
    ("tiff-lzw", lambda: pillow("TIFF", compression="tiff_lzw"), "tiff", WIDTH, HEIGHT),
    (
        "tiff-deflate",
        lambda: pillow("TIFF", compression="tiff_adobe_deflate"),
        "tiff",
        WIDTH,
        HEIGHT,
    ),
    ("tiff-jpeg", lambda: pillow("TIFF", compression="jpeg"), "tiff", WIDTH, HEIGHT),
    (
        "tiff-packbits-cmyk",
        lambda: pillow("TIFF", picture("CMYK"), compression="packbits"),
        "tiff",
        WIDTH,
        HEIGHT,
    ),
    (
        "ico-largest-entry",
        lambda: pillow("ICO", picture("RGBA", (64, 64)), sizes=[(16, 16), (48, 48), (32, 32)]),
        "ico",
        48,
        48,
    ),
    (
        "ico-256",
        lambda: pillow("ICO", picture("RGBA", (256, 256)), sizes=[(256, 256), (16, 16)]),
        "ico",
        256,
        256,
    ),
    (
        "ico-bmp-entries",
        lambda: pillow("ICO", picture("RGBA", (32, 32)), sizes=[(32, 32)], bitmap_format="bmp"),
        "ico",
        32,
        32,
    ),
    ("ppm-binary", lambda: pillow("PPM"), "pnm", WIDTH, HEIGHT),
    ("pgm-binary", lambda: pillow("PPM", picture("L")), "pnm", WIDTH, HEIGHT),
    ("pgm-16bit", lambda: pillow("PPM", picture("I;16")), "pnm", WIDTH, HEIGHT),
    ("pbm-binary", lambda: pillow("PPM", picture("1")), "pnm", WIDTH, HEIGHT),
    ("tga-truecolour", lambda: pillow("TGA"), "tga", WIDTH, HEIGHT),
    ("tga-rle", lambda: pillow("TGA", rle=True), "tga", WIDTH, HEIGHT),
    ("tga-greyscale", lambda: pillow("TGA", picture("L")), "tga", WIDTH, HEIGHT),
    ("tga-colour-mapped", lambda: pillow("TGA", picture("P")), "tga", WIDTH, HEIGHT),
    ("tga-rgba-rle", lambda: pillow("TGA", picture("RGBA"), rle=True), "tga", WIDTH, HEIGHT),
    ("jp2", lambda: pillow("JPEG2000"), "jp2", WIDTH, HEIGHT),
    ("j2k-codestream", lambda: pillow("JPEG2000", no_jp2=True), "j2k", WIDTH, HEIGHT),
    ("j2k-image-offset", lambda: j2k_with_offset(5, 3), "j2k", WIDTH, HEIGHT),
    ("dds-rgba", lambda: pillow("DDS", picture("RGBA")), "dds", WIDTH, HEIGHT),
    (
        "dds-dxt1",
        lambda: pillow("DDS", picture("RGB", (32, 16)), pixel_format="DXT1"),
        "dds",
        32,
        16,
    ),
    (
        "dds-dxt5",
        lambda: pillow("DDS", picture("RGBA", (32, 16)), pixel_format="DXT5"),
        "dds",
        32,
        16,
    ),
    ("icns", lambda: pillow("ICNS", picture("RGBA", (128, 128))), "icns", 1024, 1024),
    ("pdf-is-not", lambda: pillow("PDF"), "", 0, 0),
]
if has_avif:
    PILLOW_CASES.append(("avif", lambda: pillow("AVIF"), "avif", WIDTH, HEIGHT))
    PILLOW_CASES.append(
        ("avif-alpha", lambda: pillow("AVIF", picture("RGBA")), "avif", WIDTH, HEIGHT)
    )


def j2k_with_offset(x: int, y: int) -> bytes:
    """A codestream whose image area starts at (x, y) on the reference grid (T.800 B.2)."""
    data = pillow("JPEG2000", no_jp2=True)
    grid = struct.pack(">IIII", WIDTH + x, HEIGHT + y, x, y)
    return data[:8] + grid + data[24:]


def png_with_text() -> bytes:
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "x" * 5000)
    return pillow("PNG", interlace=1, pnginfo=text)


@pytest.mark.parametrize(
    ("build", "fmt", "width", "height"),
    [case[1:] for case in PILLOW_CASES],
    ids=[case[0] for case in PILLOW_CASES],
)
def test_pillow_written_files_report_their_format_and_size(
    build: Callable[[], bytes], fmt: str, width: int, height: int
) -> None:
    data = build()
    if not fmt:
        with pytest.raises(ImageError, match="not an image: a PDF document"):
            probe_bytes(data)
        return
    assert probe_bytes(data) == ImageInfo(fmt, width, height)  # type: ignore[arg-type]
    assert incremental(data) == probe_bytes(data)
    assert incremental(data, size_known=False) == probe_bytes(data)


def test_icns_size_matches_pillow() -> None:
    data = pillow("ICNS", picture("RGBA", (128, 128)))
    assert probe_bytes(data).width == Image.open(io.BytesIO(data)).size[0]


# --- orientation --------------------------------------------------------------------------

ORIENTATIONS = range(1, 9)


def exif_bytes(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


@pytest.mark.parametrize("orientation", ORIENTATIONS, ids=lambda o: f"orientation-{o}")
@pytest.mark.parametrize(
    "fmt",
    ["JPEG", "WEBP", "TIFF", pytest.param("AVIF", marks=needs_avif)],
    ids=str.lower,
)
def test_exif_orientation_sets_display_size(fmt: str, orientation: int) -> None:
    data = pillow(fmt, exif=exif_bytes(orientation))
    info = probe_bytes(data)
    assert (info.width, info.height, info.orientation) == (WIDTH, HEIGHT, orientation)
    swapped = orientation >= 5
    assert (info.display_width, info.display_height) == (
        (HEIGHT, WIDTH) if swapped else (WIDTH, HEIGHT)
    )
    # Pillow agrees on what the picture looks like once shown.
    shown = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).size
    assert shown == (info.display_width, info.display_height)


@pytest.mark.parametrize("big_endian", [False, True], ids=["exif-little-endian", "exif-big-endian"])
@pytest.mark.parametrize("orientation", ORIENTATIONS, ids=lambda o: f"orientation-{o}")
def test_jpeg_exif_orientation_in_both_byte_orders(big_endian: bool, orientation: int) -> None:
    data = craft.jpeg_with_app1(
        pillow("JPEG"), b"Exif\x00\x00" + craft.exif_block(orientation, big_endian)
    )
    assert probe_bytes(data).orientation == orientation


def test_jpeg_only_first_exif_block_counts_and_bad_values_mean_none() -> None:
    base = pillow("JPEG")
    bad = craft.jpeg_with_app1(base, b"Exif\x00\x00" + craft.exif_block(9, False))
    assert probe_bytes(bad).orientation == 1
    broken = craft.jpeg_with_app1(base, b"Exif\x00\x00II*\x00\xff\xff\x00\x00")
    assert probe_bytes(broken) == ImageInfo("jpeg", WIDTH, HEIGHT)


@pytest.mark.parametrize("orientation", [3, 6, 8], ids=lambda o: f"orientation-{o}")
def test_webp_vp8x_exif_chunk_gives_orientation(orientation: int) -> None:
    lossless = pillow("WEBP", lossless=True)
    data = craft.webp_vp8x(WIDTH, HEIGHT, lossless[12:], craft.exif_block(orientation, True))
    assert probe_bytes(data) == ImageInfo("webp", WIDTH, HEIGHT, orientation)
    with_prefix = craft.webp_vp8x(
        WIDTH, HEIGHT, lossless[12:], b"Exif\x00\x00" + craft.exif_block(orientation, False)
    )
    assert probe_bytes(with_prefix).orientation == orientation


METHODS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@pytest.mark.parametrize("irot", [None, 0, 1, 2, 3], ids=lambda a: f"irot-{a}")
@pytest.mark.parametrize("imir", [None, 0, 1], ids=lambda a: f"imir-{a}")
def test_heif_irot_imir_map_to_the_exif_orientation_showing_the_same_picture(
    irot: int | None, imir: int | None
) -> None:
    data = craft.heif((b"heic", b"mif1"), 40, 30, irot=irot, imir=imir)
    info = probe_bytes(data)
    # HEIF: irot turns anti-clockwise by 90 degrees per step, then imir mirrors
    # (ISO/IEC 23008-12:2022 6.5.11-12: axis 0 exchanges top and bottom).
    source = Image.new("L", (3, 2))
    source.putdata(range(6))
    expected = source
    if irot:
        expected = expected.rotate(90 * irot, expand=True)
    if imir is not None:
        method = Image.Transpose.FLIP_TOP_BOTTOM if imir == 0 else Image.Transpose.FLIP_LEFT_RIGHT
        expected = expected.transpose(method)
    method = METHODS[info.orientation]
    shown = source if method is None else source.transpose(method)
    assert shown.tobytes() == expected.tobytes()
    assert shown.size == expected.size


def test_heif_irot_angle_1_is_exif_8_and_angle_3_is_exif_6() -> None:
    assert EXIF_BY_TRANSFORM[compose((0, False), (1, False))] == 8
    assert EXIF_BY_TRANSFORM[compose((0, False), (3, False))] == 6


# --- hand-crafted formats ----------------------------------------------------------------

CRAFTED: list[tuple[str, Callable[[], bytes], ImageInfo]] = [
    ("bigtiff-le", lambda: craft.bigtiff(300, 200, False), ImageInfo("bigtiff", 300, 200)),
    (
        "bigtiff-be-oriented",
        lambda: craft.bigtiff(30, 20, True, 6),
        ImageInfo("bigtiff", 30, 20, 6),
    ),
    ("tiff-ifd-at-end-le", lambda: craft.tiff_ifd_at_end(31, 17, False), ImageInfo("tiff", 31, 17)),
    (
        "tiff-ifd-at-end-be-oriented",
        lambda: craft.tiff_ifd_at_end(31, 17, True, 8),
        ImageInfo("tiff", 31, 17, 8),
    ),
    ("bmp-os2-v1-core-header", lambda: craft.os2_v1_bmp(40, 30), ImageInfo("bmp", 40, 30)),
    ("bmp-os2-v1-large-unsigned", lambda: craft.os2_v1_bmp(40000, 1), ImageInfo("bmp", 40000, 1)),
    ("bmp-os2-v2-64", lambda: craft.os2_v2_bmp(40, 30), ImageInfo("bmp", 40, 30)),
    ("bmp-os2-v2-16", lambda: craft.os2_v2_bmp(40, 30, 16), ImageInfo("bmp", 40, 30)),
    ("bmp-v5-top-down", lambda: craft.v5_bmp(40, -30), ImageInfo("bmp", 40, 30)),
    ("png-apple-cgbi", lambda: craft.cgbi_png(20, 10), ImageInfo("png", 20, 10)),
    (
        "webp-vp8x-canvas",
        lambda: craft.webp_vp8x(WIDTH, HEIGHT, pillow("WEBP")[12:]),
        ImageInfo("webp", WIDTH, HEIGHT),
    ),
    ("jxl-codestream-small", lambda: craft.jxl_codestream(64, 128), ImageInfo("jxl", 128, 64)),
    ("jxl-codestream-u32", lambda: craft.jxl_codestream(1000, 1234), ImageInfo("jxl", 1234, 1000)),
    (
        "jxl-codestream-huge",
        lambda: craft.jxl_codestream(300000, 70000),
        ImageInfo("jxl", 70000, 300000),
    ),
    (
        "jxl-codestream-ratio-16-9",
        lambda: craft.jxl_codestream(999, None, ratio=5),
        ImageInfo("jxl", 1776, 999),
    ),
    (
        "jxl-codestream-small-ratio-2",
        lambda: craft.jxl_codestream(64, None, ratio=7),
        ImageInfo("jxl", 128, 64),
    ),
    (
        "jxl-codestream-oriented",
        lambda: craft.jxl_codestream(100, 50, orientation=6),
        ImageInfo("jxl", 50, 100, 6),
    ),
    (
        "jxl-container-jxlc",
        lambda: craft.jxl_container(craft.jxl_codestream(100, 50)),
        ImageInfo("jxl", 50, 100),
    ),
    (
        "jxl-container-jxlp",
        lambda: craft.jxl_container(craft.jxl_codestream(100, 50), split=True),
        ImageInfo("jxl", 50, 100),
    ),
    (
        "heic-plain",
        lambda: craft.heif((b"heic", b"mif1"), 4032, 3024),
        ImageInfo("heic", 4032, 3024),
    ),
    (
        "heic-clap-irot",
        lambda: craft.heif((b"heic", b"mif1"), 4032, 3024, clap=(4000, 1, 3000, 1), irot=3),
        ImageInfo("heic", 4000, 3000, 6),
    ),
    (
        "heic-clap-rational",
        lambda: craft.heif((b"mif1", b"heic"), 101, 51, clap=(201, 2, 99, 2)),
        ImageInfo("heic", 101, 50),
    ),
    (
        "heic-invalid-clap-ignored",
        lambda: craft.heif((b"heic",), 100, 50, clap=(1, 0, 1, 0)),
        ImageInfo("heic", 100, 50),
    ),
    (
        "heic-second-item-listed-first",
        lambda: craft.heif((b"heic",), 64, 48, extra_first=True, irot=1),
        ImageInfo("heic", 64, 48, 8),
    ),
    ("heif-mif1-only", lambda: craft.heif((b"mif1",), 64, 48), ImageInfo("heif", 64, 48)),
    (
        "avif-crafted",
        lambda: craft.heif((b"avif", b"mif1", b"miaf"), 64, 48, irot=2),
        ImageInfo("avif", 64, 48, 3),
    ),
    ("psd-v1", lambda: craft.psd(40, 30), ImageInfo("psd", 40, 30)),
    ("psb-v2", lambda: craft.psd(40, 30, version=2), ImageInfo("psd", 40, 30)),
    ("ktx1-le", lambda: craft.ktx1(16, 8), ImageInfo("ktx", 16, 8)),
    ("ktx1-be", lambda: craft.ktx1(16, 8, big_endian=True), ImageInfo("ktx", 16, 8)),
    ("ktx1-1d-texture", lambda: craft.ktx1(16, 0), ImageInfo("ktx", 16, 1)),
    ("ktx2", lambda: craft.ktx2(16, 8), ImageInfo("ktx2", 16, 8)),
    ("pam-rgba", lambda: craft.pam(7, 5), ImageInfo("pam", 7, 5)),
    ("pam-16bit", lambda: craft.pam(7, 5, depth=1, maxval=65535), ImageInfo("pam", 7, 5)),
    ("pfm-colour", lambda: craft.pfm(7, 5), ImageInfo("pfm", 7, 5)),
    (
        "pfm-grey-big-endian",
        lambda: craft.pfm(7, 5, colour=False, scale="1.0"),
        ImageInfo("pfm", 7, 5),
    ),
    (
        "ppm-ascii-comments",
        lambda: b"P3\n# made by hand\n3 2 # size\n255\n" + b"0 0 0 " * 6,
        ImageInfo("pnm", 3, 2),
    ),
    ("pbm-ascii", lambda: b"P1\n4 2\n0101\n1010\n", ImageInfo("pnm", 4, 2)),
    (
        "jpeg-fill-bytes-and-stray-markers",
        lambda: jpeg_with_fill(),
        ImageInfo("jpeg", WIDTH, HEIGHT),
    ),
    (
        "jpeg-trailing-zero-padding",
        lambda: pillow("JPEG") + bytes(100),
        ImageInfo("jpeg", WIDTH, HEIGHT),
    ),
]


def jpeg_with_fill() -> bytes:
    data = pillow("JPEG")
    sof = data.index(b"\xff\xc0")
    # T.81 B.1.1.2: any marker may be preceded by fill bytes; RST/TEM stand alone.
    return data[:sof] + b"\xff\xff\xff\xd0\xff\x01" + data[sof:]


@pytest.mark.parametrize(
    ("build", "expected"), [case[1:] for case in CRAFTED], ids=[case[0] for case in CRAFTED]
)
def test_hand_crafted_files_report_their_format_and_size(
    build: Callable[[], bytes], expected: ImageInfo
) -> None:
    data = build()
    assert probe_bytes(data) == expected
    assert incremental(data) == expected
    assert incremental(data, size_known=False) == expected


SOF_MARKERS = [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF]


@pytest.mark.parametrize("marker", SOF_MARKERS, ids=lambda m: f"SOF{m - 0xC0}")
def test_every_jpeg_frame_marker_gives_the_size(marker: int) -> None:
    data = bytearray(pillow("JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 1] = marker
    assert probe_bytes(bytes(data)) == ImageInfo("jpeg", WIDTH, HEIGHT)


SVGS: list[tuple[str, str, tuple[int, int]]] = [
    ("px", '<svg xmlns="http://www.w3.org/2000/svg" width="120px" height="80"/>', (120, 80)),
    ("pt", '<svg width="72pt" height="36pt"></svg>', (96, 48)),
    ("pc-in", '<svg width="1pc" height="1in"></svg>', (16, 96)),
    ("mm-cm", '<svg width="25.4mm" height="2.54cm"></svg>', (96, 96)),
    ("em-ex", '<svg width="2em" height="3ex"></svg>', (32, 24)),
    ("fraction-rounds", '<svg width="10.5" height="10.4"></svg>', (11, 10)),
    ("viewbox-only", '<svg viewBox="0 0 300 150"></svg>', (300, 150)),
    ("viewbox-commas", '<svg viewBox="0,0,30.5,15"></svg>', (31, 15)),
    ("percent-falls-back", '<svg width="100%" height="100%" viewBox="0 0 64 32"></svg>', (64, 32)),
    ("width-and-viewbox-ratio", '<svg width="200" viewBox="0 0 100 50"></svg>', (200, 100)),
    ("height-and-viewbox-ratio", "<svg height='100' viewBox='0 0 100 50'></svg>", (200, 100)),
    (
        "namespaced-root",
        '<svg:svg xmlns:svg="http://www.w3.org/2000/svg" width="5" height="6"></svg:svg>',
        (5, 6),
    ),
    (
        "prolog-comment-doctype",
        '<?xml version="1.0"?>\n<!-- hi > there -->\n'
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [ <!ENTITY ns "x"> ]>\n'
        '<svg\n  width="7"\n  height="8">\n<rect/></svg>\n<!-- trailing -->\n',
        (7, 8),
    ),
    ("attribute-with-gt", '<svg onload="a > b" width="9" height="9"></svg>', (9, 9)),
    ("long-root", '<svg data-x="' + "y" * 20000 + '" width="9" height="4"></svg>', (9, 4)),
]


@pytest.mark.parametrize(
    ("text", "size"), [case[1:] for case in SVGS], ids=[case[0] for case in SVGS]
)
def test_svg_sizes_in_css_pixels(text: str, size: tuple[int, int]) -> None:
    assert probe_bytes(text.encode()) == ImageInfo("svg", *size)
    assert incremental(text.encode()) == ImageInfo("svg", *size)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"], ids=["utf8-bom", "utf16-bom"])
def test_svg_with_byte_order_mark(encoding: str) -> None:
    data = '<?xml version="1.0"?><svg width="3" height="4"></svg>'.encode(encoding)
    assert probe_bytes(data) == ImageInfo("svg", 3, 4)


BAD_SVGS = [
    ("html-page", "<!DOCTYPE html><html><body></body></html>", "looks like an HTML page"),
    ("html-no-doctype", "<html><svg width='1' height='1'></svg></html>", "looks like an HTML page"),
    ("rss", '<?xml version="1.0"?><rss version="2.0"></rss>', "XML document with root <rss>"),
    ("width-only", '<svg width="100"></svg>', "no width and height"),
    (
        "unterminated-quote",
        '<svg xmlns="http://www.w3.org/2000/svg viewBox="0 0 100 100>/svg>\n',
        "SVG",
    ),
    ("lt-in-attribute", '<svg onclick=\'alert("<(*-*)>")\' width="1" height="1"></svg>', "'<'"),
    ("no-close", '<svg width="5" height="5"><rect/>', "truncated SVG"),
    ("zero-width", '<svg width="0" height="5"></svg>', "zero or negative width"),
    ("bad-unit", '<svg width="5furlong" height="5"></svg>', "bad width"),
    ("duplicate-attribute", '<svg width="5" width="6" height="5"></svg>', "duplicate"),
]


@pytest.mark.parametrize(
    ("text", "reason"), [case[1:] for case in BAD_SVGS], ids=[case[0] for case in BAD_SVGS]
)
def test_svg_that_is_not_usable_is_rejected_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ImageError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        probe_bytes(text.encode())


# --- reading little ----------------------------------------------------------------------


def test_probe_file_skips_a_large_exif_block_before_the_frame(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x9286] = "x" * 60000  # UserComment
    exif[0x0112] = 6
    path = tmp_path / "big-exif.jpg"
    path.write_bytes(pillow("JPEG", exif=exif.tobytes()))
    info, read = probe_file(path)
    assert info == ImageInfo("jpeg", WIDTH, HEIGHT, 6)
    assert path.stat().st_size > 60000
    assert read < 2500


def test_probe_file_skips_a_large_icc_profile(tmp_path: Path) -> None:
    path = tmp_path / "big-icc.jpg"
    path.write_bytes(pillow("JPEG", icc_profile=b"\x00" * 200_000))
    info, read = probe_file(path)
    assert info == ImageInfo("jpeg", WIDTH, HEIGHT)
    assert read < 3000


def test_probe_file_jumps_to_a_tiff_ifd_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "end.tif"
    path.write_bytes(craft.tiff_ifd_at_end(300, 300, False))
    info, read = probe_file(path)
    assert info == ImageInfo("tiff", 300, 300)
    assert read < 2000 < path.stat().st_size


def test_probe_file_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    path.write_bytes(b"<!doctype html><title>x</title>")
    with pytest.raises(ImageError, match=r"page\.png: not an image: looks like an HTML page"):
        probe_file(path)


def test_a_small_png_is_probed_in_one_read(tmp_path: Path) -> None:
    path = tmp_path / "small.png"
    path.write_bytes(pillow("PNG"))
    assert probe_file(path) == (ImageInfo("png", WIDTH, HEIGHT), path.stat().st_size)


# --- truncation, corruption, garbage --------------------------------------------------------

TRUNCATED: list[tuple[str, Callable[[], bytes]]] = [
    ("jpeg", lambda: pillow("JPEG")),
    ("jpeg-exif", lambda: pillow("JPEG", exif=exif_bytes(6))),
    ("png", lambda: pillow("PNG")),
    ("apng", lambda: pillow("PNG", save_all=True, append_images=[picture()])),
    ("png-cgbi", lambda: craft.cgbi_png(20, 10)),
    ("gif", lambda: pillow("GIF")),
    ("webp-lossy", lambda: pillow("WEBP")),
    ("webp-lossless", lambda: pillow("WEBP", lossless=True)),
    ("webp-exif", lambda: pillow("WEBP", exif=exif_bytes(6))),
    ("bmp", lambda: pillow("BMP", picture("P"))),
    ("bmp-os2", lambda: craft.os2_v1_bmp(10, 10)),
    ("tiff", lambda: pillow("TIFF", compression="tiff_lzw")),
    ("tiff-ifd-at-end", lambda: craft.tiff_ifd_at_end(20, 20, True)),
    ("bigtiff", lambda: craft.bigtiff(20, 20, False)),
    ("ico", lambda: pillow("ICO", picture("RGBA", (32, 32)))),
    ("ppm", lambda: pillow("PPM", picture("L"))),
    ("pam", lambda: craft.pam(7, 5)),
    ("pfm", lambda: craft.pfm(7, 5)),
    ("psd", lambda: craft.psd(10, 10)),
    ("ktx", lambda: craft.ktx1(8, 8)),
    ("ktx2", lambda: craft.ktx2(8, 8)),
    ("jp2", lambda: pillow("JPEG2000")),
    ("j2k", lambda: pillow("JPEG2000", no_jp2=True)),
    ("dds", lambda: pillow("DDS", picture("RGBA", (16, 16)))),
    ("icns", lambda: pillow("ICNS", picture("RGBA", (16, 16)))),
    ("heic", lambda: craft.heif((b"heic",), 64, 48, clap=(60, 1, 40, 1), irot=1)),
    ("jxl-container", lambda: craft.jxl_container(craft.jxl_codestream(100, 50))),
    ("svg", lambda: b'<?xml version="1.0"?>\n<svg width="5" height="6"><rect width="1"/></svg>'),
    ("tga-rle", lambda: pillow("TGA", rle=True)),
    ("tga", lambda: pillow("TGA", picture("RGB", (8, 8)))),
]
if has_avif:
    TRUNCATED.append(("avif", lambda: pillow("AVIF")))

TGA_FOOTER = 26  # a TGA 2.0 footer is optional, so a file cut just before it is a valid TGA 1


def is_complete_without_optional_end(data: bytes, length: int) -> bool:
    """A cut that only drops an optional ending: a TGA 2.0 footer, a GIF trailer."""
    if data.endswith(b"TRUEVISION-XFILE.\x00"):
        return length >= len(data) - TGA_FOOTER
    if data.startswith(b"GIF8"):
        return length == len(data) - 1
    return False


@pytest.mark.parametrize(
    "build", [case[1] for case in TRUNCATED], ids=[case[0] for case in TRUNCATED]
)
def test_every_truncation_of_a_valid_file_is_an_image_error(build: Callable[[], bytes]) -> None:
    data = build()
    accepted = []
    for length in range(len(data)):
        if is_complete_without_optional_end(data, length):
            continue
        try:
            answer = probe_bytes(data[:length])
        except ImageError:
            continue
        accepted.append((length, answer))
    assert accepted == []


def test_gif_without_trailer_is_accepted_when_its_blocks_are_complete() -> None:
    data = pillow("GIF", save_all=True, append_images=[picture("L")])
    assert data.endswith(b"\x00;")
    assert probe_bytes(data[:-1]) == ImageInfo("gif", WIDTH, HEIGHT)
    with pytest.raises(ImageError, match="truncated GIF"):
        probe_bytes(data[:-3])


def test_truncated_errors_say_truncated_and_name_the_format() -> None:
    data = pillow("PNG")
    with pytest.raises(TruncatedError, match=r"truncated PNG: IHDR incomplete"):
        probe_bytes(data[:20])
    with pytest.raises(ImageError, match=r"truncated PNG"):
        probe_bytes(data[:-5])
    with pytest.raises(ImageError, match=r"truncated JPEG"):
        probe_bytes(pillow("JPEG")[:-10])


def patched(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


CORRUPT: list[tuple[str, Callable[[], bytes], str]] = [
    ("png-ihdr-crc", lambda: patched(pillow("PNG"), 29, b"\x00\x00\x00\x00"), "IHDR CRC"),
    ("png-bit-depth-3", lambda: png_ihdr(depth=3), "invalid bit depth"),
    ("png-colour-type-1", lambda: png_ihdr(colour=1), "invalid bit depth"),
    ("png-zero-width", lambda: png_ihdr(width=0), "zero width"),
    ("png-crlf-signature", lambda: b"\x89PNG\r\r\n\x1a\n" + pillow("PNG")[8:], "corrupt signature"),
    (
        "png-no-idat",
        lambda: craft.PNG_SIGNATURE + pillow("PNG")[8:33] + craft.png_chunk(b"IEND", b""),
        "no image data",
    ),
    (
        "jpeg-no-frame",
        lambda: b"\xff\xd8\xff\xe0\x00\x04ab\xff\xda\x00\x02\xff\xd9",
        "no frame header",
    ),
    (
        "jpeg-zero-height",
        lambda: patched(pillow("JPEG"), pillow("JPEG").index(b"\xff\xc0") + 5, b"\x00\x00"),
        "zero height",
    ),
    (
        "jpeg-bad-frame-length",
        lambda: patched(pillow("JPEG"), pillow("JPEG").index(b"\xff\xc0") + 2, b"\x00\x09"),
        "frame header",
    ),
    ("gif-zero-size", lambda: patched(pillow("GIF"), 6, b"\x00\x00"), "zero width"),
    (
        "gif-garbage-block",
        lambda: b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x99" + bytes(20),
        "corrupt block",
    ),
    (
        "webp-riff-too-long",
        lambda: patched(pillow("WEBP"), 4, b"\xff\xff\x00\x00"),
        "truncated WebP",
    ),
    ("webp-no-start-code", lambda: patched(pillow("WEBP"), 23, b"\x00\x00\x00"), "start code"),
    (
        "webp-vp8x-too-large",
        lambda: craft.webp_vp8x(1 << 24, 1 << 24, pillow("WEBP")[12:]),
        "2\\^32",
    ),
    ("bmp-bad-planes", lambda: patched(pillow("BMP"), 26, b"\x02\x00"), "planes"),
    ("bmp-bad-bit-count", lambda: patched(pillow("BMP"), 28, b"\x07\x00"), "bit count"),
    (
        "bmp-rle-top-down",
        lambda: patched(
            patched(pillow("BMP", picture("P")), 22, struct.pack("<i", -HEIGHT)), 30, b"\x01"
        ),
        "top-down",
    ),
    ("tiff-ifd-in-header", lambda: patched(pillow("TIFF"), 4, b"\x02\x00\x00\x00"), "IFD offset"),
    ("tiff-no-width", lambda: tiff_without_width(), "ImageWidth"),
    ("ico-zero-count", lambda: b"\x00\x00\x01\x00\x00\x00" + bytes(40), "image count"),
    ("psd-bad-depth", lambda: patched(craft.psd(4, 4), 22, b"\x00\x07"), "depth"),
    ("pnm-bad-maxval", lambda: b"P5\n2 2\n0\n" + bytes(4), "maxval"),
    (
        "pnm-long-header",
        lambda: b"P5\n" + b"#" * 5000 + b"\n2 2\n255\n" + bytes(4),
        "header longer",
    ),
    ("jp2-no-ihdr", lambda: jp2_without_ihdr(), "without ihdr"),
    ("j2k-bad-siz", lambda: patched(pillow("JPEG2000", no_jp2=True), 4, b"\x00\x05"), "SIZ"),
    ("dds-bad-header-size", lambda: patched(pillow("DDS"), 4, b"\x00\x00\x00\x00"), "header size"),
    (
        "ktx-bad-endianness",
        lambda: patched(craft.ktx1(4, 4), 12, b"\x00\x00\x00\x00"),
        "endianness",
    ),
    ("heif-no-ispe", lambda: heif_without_ispe(), "no spatial extent|ispe"),
    (
        "heif-mp4-video",
        lambda: craft.isobmff_box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + bytes(16),
        "video",
    ),
    (
        "jxl-bad-ftyp",
        lambda: craft.jxl_container(craft.jxl_codestream(8, 8)).replace(b"jxl \x00", b"jxx \x00"),
        "brand",
    ),
]


def png_ihdr(width: int = WIDTH, depth: int = 8, colour: int = 2) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, HEIGHT, depth, colour, 0, 0, 0)
    return craft.PNG_SIGNATURE + craft.png_chunk(b"IHDR", ihdr) + pillow("PNG")[33:]


def tiff_without_width() -> bytes:
    data = craft.tiff_ifd_at_end(4, 4, False)
    ifd = struct.unpack("<I", data[4:8])[0]
    return patched(data, ifd + 2, struct.pack("<H", 999))


def jp2_without_ihdr() -> bytes:
    data = pillow("JPEG2000")
    return data.replace(b"ihdr", b"ihdx", 1)


def heif_without_ispe() -> bytes:
    return craft.heif((b"heic",), 64, 48).replace(b"ispe", b"ispx")


@pytest.mark.parametrize(
    ("build", "reason"), [case[1:] for case in CORRUPT], ids=[case[0] for case in CORRUPT]
)
def test_corrupt_headers_are_rejected_with_a_reason(
    build: Callable[[], bytes], reason: str
) -> None:
    with pytest.raises(ImageError, match=reason):
        probe_bytes(build())


GARBAGE = [
    ("empty", b"", "empty data"),
    (
        "html",
        b"<!DOCTYPE html>\n<html lang='en'><head><title>Not found</title></head></html>",
        "HTML page",
    ),
    ("html-with-bom", b"\xef\xbb\xbf\n  <html><body>oops</body></html>", "HTML page"),
    ("json", b'{"error": "not found"}', "JSON"),
    ("text", b"404 page not found\n", "looks like text"),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    ("zip", b"PK\x03\x04" + bytes(40), "ZIP"),
    ("binary", bytes(range(200, 256)) * 3, "starts with c8 c9"),
    ("zeros", bytes(1000), "not an image"),
]


@pytest.mark.parametrize(
    ("data", "reason"), [case[1:] for case in GARBAGE], ids=[case[0] for case in GARBAGE]
)
def test_non_images_say_what_they_look_like(data: bytes, reason: str) -> None:
    with pytest.raises(ImageError, match=reason):
        probe_bytes(data)


# --- the sans-IO seam ----------------------------------------------------------------------


def test_sparse_buffer_asks_only_for_the_missing_part() -> None:
    buffer = SparseBuffer(b"abcdef")
    buffer.add(10, b"klmn")
    assert buffer.read(1, 3) == b"bcd"
    with pytest.raises(NeedBytes) as need:
        buffer.read(4, 10)
    assert (need.value.offset, need.value.length) == (6, 4)
    with pytest.raises(NeedBytes) as need:
        buffer.read(4, 12)
    assert (need.value.offset, need.value.length) == (6, 10)
    buffer.add(6, b"ghij")
    assert buffer.read(0, 14) == b"abcdefghijklmn"
    assert buffer.bytes_known == 14


def test_sparse_buffer_merges_overlapping_ranges() -> None:
    buffer = SparseBuffer()
    buffer.add(5, b"56789")
    buffer.add(0, b"0123")
    buffer.add(3, b"345")
    buffer.add(20, b"x")
    assert buffer.read(0, 10) == b"0123456789"
    assert buffer.bytes_known == 11


def test_sparse_buffer_reading_past_a_known_size_is_truncation() -> None:
    buffer = SparseBuffer(b"abc", size=3)
    with pytest.raises(TruncatedError, match="needs bytes up to 5"):
        buffer.read(2, 3)
    assert buffer.read_upto(1, 10) == b"bc"
    assert buffer.tail(2) == b"bc"


def test_probe_bytes_of_a_prefix_asks_for_more() -> None:
    data = craft.tiff_ifd_at_end(100, 100, False)
    with pytest.raises(NeedBytes) as need:
        probe_bytes(data[:512], complete=False)
    assert need.value.offset >= 10000
    assert need.value.length < 256


def test_display_size_swaps_for_transposing_orientations() -> None:
    assert (
        ImageInfo("jpeg", 4, 3, 6).display_width,
        ImageInfo("jpeg", 4, 3, 6).display_height,
    ) == (3, 4)
    assert ImageInfo("jpeg", 4, 3, 3).display_width == 4
    with pytest.raises(ImageError, match="zero height"):
        ImageInfo("png", 4, 0)
