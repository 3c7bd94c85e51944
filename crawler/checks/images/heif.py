"""HEIF, HEIC and AVIF still images (ISO/IEC 23008-12 HEIF, MIAF, AV1 Image File Format).

The ``ftyp`` brands name the format.  The size is the ``ispe`` property of the
primary item (``pitm``), found through the item property associations (``ipma``)
into the property container (``ipco``); only ``meta`` and those boxes are read,
never ``iinf`` or the media data.  When the total size is known, ``iloc`` is read
too, and every item extent and top-level box must fit, so a cut file is caught.
The transformative properties then apply in their listed order (HEIF 6.5.10-12;
MIAF fixes it to clap, irot, imir): ``clap`` crops the reported size; ``irot`` and
``imir`` become an EXIF-style orientation.  irot/imir are normative for HEIF
readers, so an EXIF orientation in the file is ignored, as libheif and browsers do.
"""

from __future__ import annotations

import struct

from crawler.errors import ImageError

from .buffer import SparseBuffer
from .info import ImageFormat, ImageInfo
from .isobmff import Box, find_child, iter_boxes, read_box

AVIF_BRANDS = frozenset({b"avif", b"avis"})
HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2", b"miaf"})
VIDEO_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"qt  ", b"M4V "}
    | {b"M4A ", b"3gp4", b"3gp5", b"dash"}
)
MAX_FTYP = 4096  # bytes of brand list read
MAX_PROPERTIES = 1 << 20  # bytes of ipco or ipma read in one go

# An orientation as (quarter turns counter-clockwise, mirrored left-right first), indexed by
# EXIF value 1..8 (CIPA DC-008 tag 274): e.g. 6 ("rotate 90 CW") is three CCW quarter turns.
EXIF_TRANSFORMS: dict[int, tuple[int, bool]] = {
    1: (0, False), 2: (0, True), 3: (2, False), 4: (2, True),
    5: (1, True), 6: (3, False), 7: (3, True), 8: (1, False),
}  # fmt: skip
EXIF_BY_TRANSFORM = {transform: value for value, transform in EXIF_TRANSFORMS.items()}


def compose(first: tuple[int, bool], then: tuple[int, bool]) -> tuple[int, bool]:
    """``first`` then ``then``: a mirror after a turn is the opposite turn after a mirror."""
    turns, mirrored = first
    more, mirror = then
    if mirror:
        return (more - turns) % 4, not mirrored
    return (turns + more) % 4, mirrored


def brand_format(buf: SparseBuffer, ftyp: Box) -> ImageFormat:
    end = ftyp.end if ftyp.end is not None else ftyp.body + 8
    if end - ftyp.body < 8 or end - ftyp.body > MAX_FTYP:
        raise ImageError("HEIF: corrupt ftyp box")
    data = buf.read(ftyp.body, end - ftyp.body, "ftyp")
    brands = [data[:4]] + [data[index : index + 4] for index in range(8, len(data) - 3, 4)]
    for brand in brands:
        if brand in AVIF_BRANDS:
            return "avif"
        if brand in HEIC_BRANDS:
            return "heic"
    if any(brand in HEIF_BRANDS for brand in brands):
        return "heif"
    if any(brand in VIDEO_BRANDS for brand in brands):
        raise ImageError("not an image: looks like an MP4/QuickTime video")
    raise ImageError(f"not an image: ISO media file of brand {data[:4]!r}")


def parse_heif(buf: SparseBuffer) -> ImageInfo:
    ftyp = read_box(buf, 0, buf.size, "HEIF")
    if ftyp.kind != b"ftyp":
        raise ImageError("HEIF: first box is not ftyp")
    kind = brand_format(buf, ftyp)
    label = kind.upper()
    info: ImageInfo | None = None
    for box in iter_boxes(buf, 0, None, label):
        if box.kind == b"meta" and info is None:
            info = read_meta(buf, box, kind, label)
            if buf.size is None:
                return info
        # With the size known, the remaining top-level boxes are walked (headers only)
        # so that media data cut short is noticed.
    if info is None:
        raise ImageError(f"{label}: no meta box")
    return info


def read_meta(buf: SparseBuffer, meta: Box, kind: ImageFormat, label: str) -> ImageInfo:
    primary: int | None = None
    iprp: Box | None = None
    data_end = 0
    for box in iter_boxes(buf, meta.body + 4, meta.end, label):
        if box.kind == b"hdlr":
            if buf.read(box.body + 8, 4, "hdlr") != b"pict":
                raise ImageError(f"{label}: meta handler is not 'pict'")
        elif box.kind == b"pitm":
            (version,) = buf.read(box.body, 1, "pitm")
            fmt = ">H" if version == 0 else ">I"
            (primary,) = buf.unpack(fmt, box.body + 4, "pitm")
        elif box.kind == b"iprp":
            iprp = box
        elif box.kind == b"iloc" and buf.size is not None:
            data_end = item_data_end(buf, box, label)
    if primary is None:
        raise ImageError(f"{label}: no primary item (pitm)")
    if iprp is None:
        raise ImageError(f"{label}: no item properties (iprp)")
    ipco = find_child(buf, iprp, b"ipco", 0, label)
    if ipco is None:
        raise ImageError(f"{label}: no property container (ipco)")
    indices = primary_properties(buf, iprp, primary, label)
    properties = list_properties(buf, ipco, label)
    width = height = 0
    transform = (0, False)
    for index in indices:
        if not 0 < index <= len(properties):
            if index == 0:
                continue
            raise ImageError(f"{label}: association to missing property {index}")
        prop_kind, body = properties[index - 1]
        if prop_kind == b"ispe" and width == 0 and len(body) >= 12:
            width, height = struct.unpack_from(">II", body, 4)
        elif prop_kind == b"clap" and width and len(body) >= 32:
            width, height = clean_aperture(body, width, height)
        elif prop_kind == b"irot" and body:
            transform = compose(transform, (body[0] & 3, False))
        elif prop_kind == b"imir" and body:
            # ISO/IEC 23008-12:2022 6.5.12: axis 0 exchanges top and bottom (EXIF 4),
            # axis 1 exchanges left and right (EXIF 2).
            transform = compose(transform, (2, True) if body[0] & 1 == 0 else (0, True))
    if width == 0 and height == 0:
        raise ImageError(f"{label}: primary item has no spatial extent (ispe)")
    if buf.size is not None and data_end > buf.size:
        raise ImageError(
            f"truncated {label}: item data needs {data_end} bytes, data ends at {buf.size}"
        )
    return ImageInfo(kind, width, height, EXIF_BY_TRANSFORM[transform])


def clean_aperture(body: bytes, width: int, height: int) -> tuple[int, int]:
    """The clap crop (HEIF 6.5.9, ISO/IEC 14496-12 12.1.4), rounded as libheif does."""
    width_n, width_d, height_n, height_d = struct.unpack_from(">IIII", body)
    if width_d == 0 or height_d == 0:
        return width, height  # an unusable crop is ignored rather than guessed at
    crop_width = (width_n + width_d // 2) // width_d
    crop_height = (height_n + height_d // 2) // height_d
    if not (0 < crop_width <= width and 0 < crop_height <= height):
        return width, height
    return crop_width, crop_height


def primary_properties(buf: SparseBuffer, iprp: Box, primary: int, label: str) -> list[int]:
    """The ipco indices (1-based) associated with the primary item, in listed order."""
    for box in iter_boxes(buf, iprp.body, iprp.end, label):
        if box.kind != b"ipma" or box.end is None:
            continue
        if box.end - box.body > MAX_PROPERTIES:
            raise ImageError(f"{label}: ipma box too large")
        data = buf.read(box.body, box.end - box.body, "ipma")
        if len(data) < 8:
            raise ImageError(f"{label}: corrupt ipma box")
        version, flags = data[0], int.from_bytes(data[1:4], "big")
        count = int.from_bytes(data[4:8], "big")
        at = 8
        try:
            for _ in range(count):
                if version < 1:
                    item, at = int.from_bytes(data[at : at + 2], "big"), at + 2
                else:
                    item, at = int.from_bytes(data[at : at + 4], "big"), at + 4
                associations, at = data[at], at + 1
                width = 2 if flags & 1 else 1
                entries = [
                    int.from_bytes(data[at + width * i : at + width * (i + 1)], "big")
                    for i in range(associations)
                ]
                at += width * associations
                if at > len(data):
                    raise IndexError
                if item == primary:
                    mask = 0x7FFF if width == 2 else 0x7F
                    return [entry & mask for entry in entries]
        except IndexError:
            raise ImageError(f"{label}: corrupt ipma box") from None
    raise ImageError(f"{label}: primary item has no properties")


def list_properties(buf: SparseBuffer, ipco: Box, label: str) -> list[tuple[bytes, bytes]]:
    """Every property in ipco as (type, payload); payloads are small, the box is read whole."""
    if ipco.end is None or ipco.end - ipco.body > MAX_PROPERTIES:
        raise ImageError(f"{label}: ipco box too large")
    data = buf.read(ipco.body, ipco.end - ipco.body, "ipco")
    properties = []
    at = 0
    while at + 8 <= len(data):
        size, kind = int.from_bytes(data[at : at + 4], "big"), data[at + 4 : at + 8]
        body = at + 8
        if size == 1 and at + 16 <= len(data):
            size, body = int.from_bytes(data[at + 8 : at + 16], "big"), at + 16
        elif size == 0:
            size = len(data) - at
        if size < body - at or at + size > len(data):
            raise ImageError(f"{label}: corrupt property box in ipco")
        properties.append((kind, data[body : at + size]))
        at += size
    return properties


def item_data_end(buf: SparseBuffer, iloc: Box, label: str) -> int:
    """The end of the furthest item extent stored at a file offset (ISO/IEC 14496-12 8.11.3)."""
    if iloc.end is None or iloc.end - iloc.body > MAX_PROPERTIES:
        raise ImageError(f"{label}: iloc box too large")
    data = buf.read(iloc.body, iloc.end - iloc.body, "iloc")
    if len(data) < 8:
        raise ImageError(f"{label}: corrupt iloc box")
    version = data[0]
    offset_size, length_size = data[4] >> 4, data[4] & 15
    base_size, index_size = data[5] >> 4, (data[5] & 15) if version in (1, 2) else 0
    if any(size not in (0, 4, 8) for size in (offset_size, length_size, base_size, index_size)):
        raise ImageError(f"{label}: corrupt iloc field sizes")
    at = 6
    furthest = 0

    def field(size: int) -> int:
        nonlocal at
        if at + size > len(data):
            raise ImageError(f"{label}: corrupt iloc box")
        value = int.from_bytes(data[at : at + size], "big")
        at += size
        return value

    count = field(4 if version == 2 else 2)
    for _ in range(count):
        field(4 if version == 2 else 2)  # item_ID
        method = field(2) & 15 if version in (1, 2) else 0
        field(2)  # data_reference_index
        base = field(base_size)
        for _ in range(field(2)):
            field(index_size)
            offset, length = field(offset_size), field(length_size)
            if method == 0:
                furthest = max(furthest, base + offset + length)
    return furthest
