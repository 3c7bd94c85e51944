"""Turn the bytes of a fetched page into text, the way a browser would.

First step of ``extract``: the fetch layer hands over raw bytes and the
``Content-Type`` header; everything after this module works on ``str``.

The order follows the HTML standard's encoding sniffing algorithm
(https://html.spec.whatwg.org/multipage/parsing.html#encoding-sniffing-algorithm):

1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE);
2. the ``charset`` parameter of the HTTP ``Content-Type`` header;
3. ``<meta charset>`` or ``<meta http-equiv=content-type>`` in the first
   :data:`PRESCAN_BYTES` bytes;
4. strict UTF-8, when the bytes decode as UTF-8 (a truncated last character is
   allowed, since the fetcher may stop mid-page);
5. a wider meta prescan (:data:`LATE_PRESCAN_BYTES`), for pages whose
   declaration sits behind large inline scripts; browsers would miss it, but a
   page that is neither UTF-8 nor declared early is better read by its own
   late declaration than as windows-1252;
6. windows-1252, the web's default for legacy Western pages.

Labels are mapped per the WHATWG Encoding Standard
(https://encoding.spec.whatwg.org/#names-and-labels), so ``iso-8859-1`` and
``ascii`` decode as windows-1252, ``shift_jis`` as Python's ``cp932``, ``gb2312``
as ``gb18030`` and ``euc-kr`` as ``cp949``: what browsers actually do.  The
"replacement" encodings (ISO-2022-KR, HZ...) are treated as unknown labels.
"""

from __future__ import annotations

import codecs
import re
from typing import Final

PRESCAN_BYTES: Final = 4096  # bytes searched for a <meta> charset declaration
LATE_PRESCAN_BYTES: Final = 64 * 1024  # bytes searched when nothing else decided

# WHATWG encoding name -> (Python codec, space-separated labels).  Only the Python codec matters
# here; the WHATWG name documents which row of the standard the labels come from.
_ENCODINGS: Final[dict[str, tuple[str, str]]] = {
    "utf-8": ("utf-8", "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8"),
    "ibm866": ("cp866", "866 cp866 csibm866 ibm866"),
    "iso-8859-2": (
        "iso8859_2",
        "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2",
    ),
    "iso-8859-3": (
        "iso8859_3",
        "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3",
    ),
    "iso-8859-4": (
        "iso8859_4",
        "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4",
    ),
    "iso-8859-5": (
        "iso8859_5",
        "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 "
        "iso_8859-5:1988",
    ),
    "iso-8859-6": (
        "iso8859_6",
        "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 "
        "iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    ),
    "iso-8859-7": (
        "iso8859_7",
        "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 "
        "iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    ),
    "iso-8859-8": (
        "iso8859_8",
        "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 "
        "iso88598 iso_8859-8 iso_8859-8:1988 visual",
    ),
    "iso-8859-8-i": ("iso8859_8", "csiso88598i iso-8859-8-i logical"),
    "iso-8859-10": (
        "iso8859_10",
        "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    ),
    "iso-8859-13": ("iso8859_13", "iso-8859-13 iso8859-13 iso885913"),
    "iso-8859-14": ("iso8859_14", "iso-8859-14 iso8859-14 iso885914"),
    "iso-8859-15": ("iso8859_15", "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9"),
    "iso-8859-16": ("iso8859_16", "iso-8859-16"),
    "koi8-r": ("koi8_r", "cskoi8r koi koi8 koi8-r koi8_r"),
    "koi8-u": ("koi8_u", "koi8-ru koi8-u"),
    "macintosh": ("mac_roman", "csmacintosh mac macintosh x-mac-roman"),
    "windows-874": ("cp874", "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874"),
    "windows-1250": ("cp1250", "cp1250 windows-1250 x-cp1250"),
    "windows-1251": ("cp1251", "cp1251 windows-1251 x-cp1251"),
    "windows-1252": (
        "cp1252",
        "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 "
        "iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
    ),
    "windows-1253": ("cp1253", "cp1253 windows-1253 x-cp1253"),
    "windows-1254": (
        "cp1254",
        "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 iso_8859-9:1989 "
        "l5 latin5 windows-1254 x-cp1254",
    ),
    "windows-1255": ("cp1255", "cp1255 windows-1255 x-cp1255"),
    "windows-1256": ("cp1256", "cp1256 windows-1256 x-cp1256"),
    "windows-1257": ("cp1257", "cp1257 windows-1257 x-cp1257"),
    "windows-1258": ("cp1258", "cp1258 windows-1258 x-cp1258"),
    "x-mac-cyrillic": ("mac_cyrillic", "x-mac-cyrillic x-mac-ukrainian"),
    "gbk": (
        "gb18030",
        "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk",
    ),
    "gb18030": ("gb18030", "gb18030"),
    "big5": ("big5hkscs", "big5 big5-hkscs cn-big5 csbig5 x-x-big5"),
    "euc-jp": ("euc_jp", "cseucpkdfmtjapanese euc-jp x-euc-jp"),
    "iso-2022-jp": ("iso2022_jp", "csiso2022jp iso-2022-jp"),
    # Browsers decode every Shift_JIS label as Microsoft's superset (Windows-31J).
    "shift_jis": ("cp932", "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis"),
    # Likewise EUC-KR is decoded as Microsoft's Unified Hangul Code superset.
    "euc-kr": (
        "cp949",
        "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 "
        "ksc_5601 windows-949",
    ),
    "utf-16be": ("utf-16-be", "unicodefffe utf-16be"),
    "utf-16le": (
        "utf-16-le",
        "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le",
    ),
    "x-user-defined": ("cp1252", "x-user-defined"),
}

_LABELS: Final[dict[str, str]] = {
    label: codec for codec, labels in _ENCODINGS.values() for label in labels.split()
}

_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.DOTALL)
_META = re.compile(rb"<meta[\s/]([^>]*)", re.IGNORECASE)
_ATTRIBUTE = re.compile(
    rb"""([^\s=/>]+)\s*(?:=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s>]*)))?""", re.IGNORECASE
)
# The "algorithm for extracting a character encoding from a meta element":
# https://html.spec.whatwg.org/multipage/urls-and-fetching.html#extracting-character-encodings-from-meta-elements
_CHARSET_PARAMETER = re.compile(
    r"""charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))""", re.IGNORECASE
)


def _windows_1252_gaps(error: UnicodeError) -> tuple[str, int]:
    # WHATWG's windows-1252 maps the five bytes Python's cp1252 leaves undefined
    # (0x81, 0x8D, 0x8F, 0x90, 0x9D) to the C1 controls of the same value.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    gap = error.object[error.start : error.end]
    return "".join(chr(byte) for byte in gap), error.end


codecs.register_error("crawler-windows-1252", _windows_1252_gaps)


def codec_for_label(label: str) -> str | None:
    """The Python codec for a WHATWG encoding label, or None for an unknown one."""
    return _LABELS.get(label.strip(" \t\n\f\r\"'").lower())


def charset_from_content_type(content_type: str | None) -> str | None:
    """The Python codec named by a ``Content-Type`` value's charset, if any."""
    if not content_type:
        return None
    match = _CHARSET_PARAMETER.search(content_type)
    if match is None:
        return None
    return codec_for_label(next(group for group in match.groups() if group is not None))


def charset_from_meta(data: bytes, limit: int = PRESCAN_BYTES) -> str | None:
    """The codec declared by ``<meta charset>`` or ``http-equiv`` in ``data[:limit]``."""
    window = _COMMENT.sub(b"", data[:limit])
    for meta in _META.finditer(window):
        attributes: dict[bytes, bytes] = {}
        for match in _ATTRIBUTE.finditer(meta.group(1)):
            name = match.group(1).lower()
            value = next((group for group in match.groups()[1:] if group is not None), b"")
            attributes.setdefault(name, value)
        label: str | None = None
        if b"charset" in attributes:
            label = attributes[b"charset"].decode("latin-1")
        elif attributes.get(b"http-equiv", b"").strip().lower() == b"content-type":
            content = attributes.get(b"content", b"").decode("latin-1")
            found = _CHARSET_PARAMETER.search(content)
            if found is not None:
                label = next(group for group in found.groups() if group is not None)
        if label is None:
            continue
        codec = codec_for_label(label)
        if codec is None:
            continue
        # A page that has been decoded far enough to read its own <meta> is not
        # UTF-16, so the standard reads such a declaration as UTF-8.
        if codec.startswith("utf-16"):
            return "utf-8"
        return codec
    return None


def _is_utf8(data: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # final=False tolerates a character cut in half by a bounded read.
        decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def sniff_encoding(data: bytes, content_type: str | None = None) -> str:
    """The Python codec a browser would use for ``data`` (see the module docstring)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return (
        charset_from_content_type(content_type)
        or charset_from_meta(data)
        or ("utf-8" if _is_utf8(data) else None)
        or charset_from_meta(data, LATE_PRESCAN_BYTES)
        or "cp1252"
    )


def decode_html(data: bytes, content_type: str | None) -> str:
    """Decode a page's bytes to text; undecodable bytes become U+FFFD, never an error."""
    codec = sniff_encoding(data, content_type)
    for bom, bom_codec in _BOMS:
        if bom_codec == codec and data.startswith(bom):
            data = data[len(bom) :]
            break
    if codec == "cp1252":
        return data.decode(codec, errors="crawler-windows-1252")
    return data.decode(codec, errors="replace")
