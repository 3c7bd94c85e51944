"""Maintainer tool: draws the example site's images into ``crawler/demo/static/``.

The files are committed; this module is not imported at run time and nothing in
the crawler depends on Pillow.  Run it only to change the set of images::

    python -m crawler.demo.make_static

Drawing is deterministic (no randomness, fixed encoder settings), so a re-run
produces the same pictures; byte-identical output is not promised across Pillow
versions.  The set covers what the image checker must tell apart: four formats
(JPEG, PNG, WebP, GIF), a progressive JPEG, and two JPEGs whose EXIF Orientation
is 6 ("rotate 90° clockwise to display"), so their stored width and height are
swapped on screen.  ``crawler.demo.content.STATIC_FILES`` lists the stored sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).parent / "static"
EXIF_ORIENTATION = 0x0112  # TIFF tag 274, https://www.cipa.jp/std/documents/e/DC-008-2012_E.pdf
ROTATE_90_CW = 6  # Orientation value: the stored image must be turned 90° clockwise


@dataclass(frozen=True)
class Picture:
    name: str
    width: int
    height: int
    top: tuple[int, int, int]  # gradient colours, RGB
    bottom: tuple[int, int, int]
    progressive: bool = False
    orientation: int | None = None  # EXIF Orientation tag value, JPEG only
    alpha: bool = False  # PNG with a transparent corner


PICTURES = (
    Picture("newsroom-450x300.jpg", 450, 300, (20, 60, 120), (200, 220, 240)),
    Picture("faces-1024x681.jpg", 1024, 681, (90, 40, 30), (230, 200, 170)),
    Picture("skyline-900x500.jpg", 900, 500, (10, 20, 60), (250, 160, 80), progressive=True),
    Picture("circuit-1920x1280.jpg", 1920, 1280, (0, 70, 40), (120, 220, 160)),
    Picture("forum-400x225.jpg", 400, 225, (60, 0, 80), (200, 150, 230)),
    Picture("paid-700x450.png", 700, 450, (240, 240, 240), (180, 190, 200)),
    Picture("robot-1200x675.webp", 1200, 675, (30, 30, 30), (90, 200, 250)),
    Picture("chart-640x360.gif", 640, 360, (255, 255, 255), (220, 230, 255)),
    Picture("phone-800x600.jpg", 800, 600, (50, 50, 90), (220, 210, 180), orientation=6),
    Picture("datacenter-640x480.jpg", 640, 480, (20, 20, 20), (80, 140, 200), orientation=6),
    Picture("logo-256x256.png", 256, 256, (255, 120, 0), (255, 220, 0), alpha=True),
)


def draw(picture: Picture) -> Image.Image:
    """A smooth gradient with a few shapes: photo-like, yet small once compressed."""
    image = Image.new("RGB", (picture.width, picture.height))
    pen = ImageDraw.Draw(image)
    for y in range(picture.height):
        share = y / max(picture.height - 1, 1)
        colour = tuple(
            round(a + (b - a) * share) for a, b in zip(picture.top, picture.bottom, strict=True)
        )
        pen.line([(0, y), (picture.width, y)], fill=colour)
    w, h = picture.width, picture.height
    pen.ellipse([w * 0.10, h * 0.20, w * 0.45, h * 0.80], fill=(240, 240, 240))
    pen.rectangle([w * 0.55, h * 0.30, w * 0.90, h * 0.70], fill=(40, 40, 40))
    pen.line([(0, h - 1), (w - 1, 0)], fill=(255, 255, 255), width=max(2, w // 200))
    if picture.orientation == ROTATE_90_CW:
        # An arrow pointing along the stored "up", so a viewer shows whether it rotated.
        pen.polygon([(w * 0.5, h * 0.05), (w * 0.45, h * 0.15), (w * 0.55, h * 0.15)], fill=0)
    if not picture.alpha:
        return image
    rgba = image.convert("RGBA")
    ImageDraw.Draw(rgba).rectangle([0, 0, w // 4, h // 4], fill=(0, 0, 0, 0))
    return rgba


def save(picture: Picture, folder: Path) -> Path:
    path = folder / picture.name
    image = draw(picture)
    suffix = path.suffix
    if suffix == ".jpg":
        exif = Image.Exif()
        if picture.orientation is not None:
            exif[EXIF_ORIENTATION] = picture.orientation
        image.save(
            path,
            "JPEG",
            quality=70,
            optimize=True,
            progressive=picture.progressive,
            exif=exif.tobytes() if picture.orientation is not None else b"",
        )
    elif suffix == ".png":
        image.save(path, "PNG", optimize=True)
    elif suffix == ".webp":
        image.save(path, "WEBP", quality=60, method=6)
    elif suffix == ".gif":
        image.convert("P", palette=Image.Palette.ADAPTIVE, colors=32).save(path, "GIF")
    else:
        raise ValueError(f"{path}: no encoder for {suffix}")
    return path


def main() -> None:
    STATIC.mkdir(exist_ok=True)
    for picture in PICTURES:
        path = save(picture, STATIC)
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
