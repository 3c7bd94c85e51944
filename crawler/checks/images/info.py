"""What the image prober answers: :class:`ImageInfo`, and the checks every answer passes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from crawler.errors import ImageError

ImageFormat = Literal[
    "jpeg",
    "png",
    "apng",
    "gif",
    "webp",
    "bmp",
    "tiff",
    "bigtiff",
    "ico",
    "cur",
    "svg",
    "avif",
    "heic",
    "heif",
    "jxl",
    "psd",
    "jp2",
    "j2k",
    "dds",
    "icns",
    "ktx",
    "ktx2",
    "pnm",
    "pam",
    "pfm",
    "tga",
]
FORMATS: frozenset[str] = frozenset(get_args(ImageFormat))

MAX_SIDE = (1 << 31) - 1  # pixels: no format the prober knows can declare more per side

# EXIF orientations whose display swaps width and height (TIFF 6.0 tag 274 / CIPA DC-008).
TRANSPOSING_ORIENTATIONS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """An image's format and stored size, plus how it is meant to be shown."""

    format: ImageFormat
    width: int  # stored pixel width, before orientation is applied
    height: int  # stored pixel height, before orientation is applied
    orientation: int = 1  # EXIF orientation 1..8; 1 when the image has none

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown image format {self.format!r}")
        if not 1 <= self.orientation <= 8:
            raise ValueError(f"orientation {self.orientation} is not 1..8")
        for side, value in (("width", self.width), ("height", self.height)):
            if value <= 0:
                raise ImageError(f"{self.format.upper()}: zero {side}")
            if value > MAX_SIDE:
                raise ImageError(f"{self.format.upper()}: implausible {side} {value}")

    @property
    def display_width(self) -> int:
        return self.height if self.orientation in TRANSPOSING_ORIENTATIONS else self.width

    @property
    def display_height(self) -> int:
        return self.width if self.orientation in TRANSPOSING_ORIENTATIONS else self.height

    def to_json(self) -> dict[str, str | int]:
        """The camelCase record ``crawler probe --json`` prints (without ``bytesRead``)."""
        return {
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "orientation": self.orientation,
            "displayWidth": self.display_width,
            "displayHeight": self.display_height,
        }


def valid_orientation(value: int) -> int:
    """An orientation tag's value, or 1 when it is out of range: metadata is advisory."""
    return value if 1 <= value <= 8 else 1
