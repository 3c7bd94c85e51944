"""A small corpus of valid images of every format, for property-based tests to mutate."""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, features

from . import craft


def _pillow(
    fmt: str, mode: str = "RGB", size: tuple[int, int] = (13, 7), **options: object
) -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert(mode).save(out, fmt, **options)
    return out.getvalue()


@cache
def valid_files() -> dict[str, bytes]:
    exif = Image.Exif()
    exif[0x0112] = 6
    files = {
        "jpeg": _pillow("JPEG", exif=exif.tobytes()),
        "png": _pillow("PNG"),
        "apng": _pillow("PNG", save_all=True, append_images=[Image.new("RGB", (13, 7))]),
        "gif": _pillow("GIF"),
        "webp": _pillow("WEBP"),
        "webp-lossless": _pillow("WEBP", lossless=True),
        "webp-exif": _pillow("WEBP", exif=exif.tobytes()),
        "bmp": _pillow("BMP", "P"),
        "tiff": _pillow("TIFF", compression="tiff_lzw"),
        "ico": _pillow("ICO", "RGBA", (16, 16)),
        "pnm": _pillow("PPM", "L"),
        "tga": _pillow("TGA", rle=True),
        "jp2": _pillow("JPEG2000"),
        "j2k": _pillow("JPEG2000", no_jp2=True),
        "dds": _pillow("DDS", "RGBA", (8, 8)),
        "icns": _pillow("ICNS", "RGBA", (16, 16)),
        "bigtiff": craft.bigtiff(9, 5, True, 6),
        "tiff-ifd-at-end": craft.tiff_ifd_at_end(9, 5, False, 3),
        "bmp-os2": craft.os2_v1_bmp(9, 5),
        "bmp-v5": craft.v5_bmp(9, -5),
        "cgbi": craft.cgbi_png(9, 5),
        "heic": craft.heif((b"heic", b"mif1"), 64, 48, clap=(60, 1, 40, 1), irot=1, imir=0),
        "jxl": craft.jxl_codestream(100, 50, orientation=5),
        "jxl-container": craft.jxl_container(craft.jxl_codestream(100, 50), split=True),
        "psd": craft.psd(9, 5),
        "ktx": craft.ktx1(8, 4),
        "ktx2": craft.ktx2(8, 4),
        "pam": craft.pam(9, 5),
        "pfm": craft.pfm(9, 5),
        "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
        b'width="10mm" viewBox="0 0 20 10"><rect/></svg>',
    }
    if features.check("avif"):
        files["avif"] = _pillow("AVIF", exif=exif.tobytes())
    return files
