"""decode_html: the WHATWG order of BOM, header, <meta>, UTF-8, windows-1252."""

from __future__ import annotations

import codecs

import pytest

from crawler.extract import decode_html
from crawler.extract.charset import codec_for_label, sniff_encoding

JAPANESE = "東京都の発表①"  # ① exists in Windows-31J only, not in strict Shift_JIS


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("utf-8", "utf-8"),
        ("UTF8", "utf-8"),
        ("iso-8859-1", "cp1252"),
        ("latin1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("ascii", "cp1252"),
        ("Shift_JIS", "cp932"),
        ("sjis", "cp932"),
        ("x-sjis", "cp932"),
        ("windows-31j", "cp932"),
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("euc-kr", "cp949"),
        ("ks_c_5601-1987", "cp949"),
        ("big5", "big5hkscs"),
        ("iso-8859-9", "cp1254"),
        ("tis-620", "cp874"),
        (' "koi8-r" ', "koi8_r"),
        ("iso-2022-kr", None),
        ("made-up", None),
    ],
    ids=lambda value: str(value),
)
def test_labels_map_like_the_whatwg_encoding_standard(label: str, codec: str | None) -> None:
    assert codec_for_label(label) == codec


@pytest.mark.parametrize(
    ("data", "content_type", "codec"),
    [
        (codecs.BOM_UTF8 + b"<meta charset=windows-1252>", "text/html; charset=gbk", "utf-8"),
        (codecs.BOM_UTF16_LE + "<p>".encode("utf-16-le"), None, "utf-16-le"),
        (codecs.BOM_UTF16_BE + "<p>".encode("utf-16-be"), None, "utf-16-be"),
        (b"<meta charset=utf-8>", "text/html; charset=ISO-8859-1", "cp1252"),
        (b"<meta charset=utf-8>", 'text/html; charset="Shift_JIS"', "cp932"),
        (b"<meta charset=utf-8>", "text/html; charset=bogus", "utf-8"),
        (b'<meta charset="EUC-KR">', "text/html", "cp949"),
        (b"<META HTTP-EQUIV=Content-Type CONTENT='text/html; charset=gb2312'>", None, "gb18030"),
        (b'<meta content="text/html;charset=koi8-r" http-equiv="content-type">', None, "koi8_r"),
        (b"<!-- <meta charset=koi8-r> --><p>caf\xc3\xa9</p>", None, "utf-8"),
        (b"<meta charset=utf-16>", None, "utf-8"),
        (b"<p>caf\xc3\xa9</p>", None, "utf-8"),
        (b"<p>caf\xc3", None, "utf-8"),
        (b"<p>caf\xe9</p>", None, "cp1252"),
        (b"<p>" + b" " * 5000 + b"<meta charset=shift_jis>\x82\xa0", None, "cp932"),
    ],
    ids=[
        "utf8-bom-beats-header-and-meta",
        "utf16le-bom",
        "utf16be-bom",
        "header-beats-meta",
        "quoted-header-charset",
        "unknown-header-label-falls-through-to-meta",
        "meta-charset",
        "meta-http-equiv-upper-case",
        "meta-http-equiv-content-first",
        "meta-inside-comment-ignored",
        "meta-utf16-read-as-utf8",
        "valid-utf8-undeclared",
        "utf8-cut-mid-character",
        "invalid-utf8-undeclared-is-windows-1252",
        "late-meta-used-only-when-not-utf8",
    ],
)
def test_encoding_is_sniffed_in_the_standard_order(
    data: bytes, content_type: str | None, codec: str
) -> None:
    assert sniff_encoding(data, content_type) == codec


def test_shift_jis_declared_in_meta_decodes_as_windows_31j() -> None:
    page = '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
    data = page.encode("ascii") + JAPANESE.encode("cp932")

    assert decode_html(data, "text/html").endswith(JAPANESE)


def test_iso_8859_1_header_decodes_windows_1252_punctuation() -> None:
    data = "“Café” – 5 €".encode("cp1252")

    assert decode_html(data, "text/html; charset=iso-8859-1") == "“Café” – 5 €"


def test_windows_1252_undefined_bytes_become_c1_controls_not_errors() -> None:
    assert decode_html(b"a\x81b\x9dc", "text/html; charset=windows-1252") == "a\x81b\x9dc"


def test_bom_is_not_part_of_the_text() -> None:
    assert decode_html(codecs.BOM_UTF8 + b"<html>", None) == "<html>"


def test_undecodable_bytes_are_replaced_not_raised() -> None:
    assert (
        decode_html(b"<p>\xff\xfe\xfd</p>", "text/html; charset=utf-8")
        == "<p>\ufffd\ufffd\ufffd</p>"
    )
