"""SVG sizing follows what browsers do with the odd files editors write.

Measured in Chromium 156 (``<img src=file.svg>``, ``naturalWidth``): a lowercase
``viewbox`` is ignored, and a file cut before ``</svg>`` or with ``<`` inside an
attribute value is a broken image.  The probe must not give those a size.
"""

from __future__ import annotations

import pytest

from crawler.checks.images import ImageInfo, probe_bytes
from crawler.errors import ImageError


def test_lowercase_viewbox_is_ignored_and_named_in_the_reason() -> None:
    data = b'<svg xmlns="http://www.w3.org/2000/svg" viewbox="0 0 40 20"><rect/></svg>'
    with pytest.raises(ImageError, match="'viewbox' is ignored: attribute names are case"):
        probe_bytes(data)


def test_lowercase_viewbox_does_not_give_the_missing_height_its_ratio() -> None:
    data = b'<svg width="200" viewbox="0 0 100 50"></svg>'
    with pytest.raises(ImageError, match="no width and height"):
        probe_bytes(data)


def test_lowercase_viewbox_beside_a_full_size_changes_nothing() -> None:
    data = b'<svg width="20" height="10" viewbox="0 0 100 100"></svg>'
    assert probe_bytes(data) == ImageInfo("svg", 20, 10)


def test_file_cut_inside_an_element_after_the_root_is_truncated() -> None:
    data = b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"><rect width="10" hei'
    with pytest.raises(ImageError, match="truncated SVG"):
        probe_bytes(data)


def test_lt_in_a_data_attribute_value_is_rejected_like_any_attribute() -> None:
    with pytest.raises(ImageError, match="'<' in the value of attribute data-x"):
        probe_bytes(b'<svg data-x="a<b" width="90" height="40"></svg>')
