"""``--refresh`` of image sizes: declared width/height corrected in place, the old ones kept.

Unit tests of the size comparison (orientation applied), then whole crawls of
example articles against the example site: only the wrong numbers change, every
other byte stays, ``crawl.previous`` keeps the first values and survives later crawls.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from test_cli import run_crawler, site_options

from crawler.checks.image_probe import ImageProbe
from crawler.checks.images import ImageInfo
from crawler.config import Config
from crawler.demo.site import RunningSite, example_articles, serve_example_site
from crawler.enrich.images import declared_numbers, size_fixes, size_matches
from crawler.pipeline import CrawlOptions, crawl
from crawler.read.article import DeclaredSize, UrlField, UrlKind
from crawler.read.frontmatter import parse_front_matter
from crawler.write.splice import without_crawl_block

WRONG_SIZE = "071_5b8e2d0f7c3a1964.md"  # declares 760x380 for a 450x300 JPEG
MANY_WRONG = "075_f2a6c9e3d0b75814.md"  # EXIF-rotated images declared with their stored size


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (450, 300, (450, 300)),
        ("450", "300", (450, 300)),
        (" 450 ", "300", (450, 300)),
        (450.0, 300, (450, 300)),
        (450.5, 300, None),
        (True, 300, None),
        (None, 300, None),
        ("wide", 300, None),
        ("４５０", 300, None),
    ],
    ids=[
        "ints",
        "digit strings",
        "padded string",
        "whole float",
        "fraction",
        "bool",
        "null",
        "word",
        "fullwidth digits",
    ],
)
def test_declared_numbers_accept_only_whole_numbers(
    width: Any, height: Any, expected: tuple[int, int] | None
) -> None:
    assert declared_numbers(DeclaredSize(width, height)) == expected


def test_size_match_compares_the_displayed_size() -> None:
    rotated = ImageInfo("jpeg", 800, 600, orientation=6)
    assert size_matches(rotated, DeclaredSize(600, 800)) is True
    assert size_matches(rotated, DeclaredSize(800, 600)) is False
    assert size_matches(ImageInfo("jpeg", 800, 600, orientation=3), DeclaredSize(800, 600))
    assert size_matches(rotated, None) is None
    assert size_matches(rotated, DeclaredSize("?", 800)) is None


def image_field(declared: DeclaredSize | None) -> UrlField:
    path = ("related", 1, "images", 0, "url")
    return UrlField(
        "related[1].images[0].url", "https://x.test/a.jpg", UrlKind.IMAGE, path, declared
    )


def probe_of(info: ImageInfo | None) -> ImageProbe:
    return ImageProbe(info, None if info else "not an image: empty data", 600, 2)


def test_size_fixes_keep_each_value_type_and_change_only_wrong_sides() -> None:
    info = ImageInfo("png", 450, 300)
    fixes = size_fixes(image_field(DeclaredSize("450", 380.0)), probe_of(info))
    assert fixes == {("related", 1, "images", 0, "height"): 300.0}
    fixes = size_fixes(image_field(DeclaredSize(760, "380")), probe_of(info))
    assert fixes == {
        ("related", 1, "images", 0, "width"): 450,
        ("related", 1, "images", 0, "height"): "300",
    }


@pytest.mark.parametrize(
    ("declared", "info"),
    [
        (DeclaredSize(450, 300), ImageInfo("png", 450, 300)),
        (None, ImageInfo("png", 450, 300)),
        (DeclaredSize("auto", 300), ImageInfo("png", 450, 300)),
        (DeclaredSize(760, 380), None),
    ],
    ids=["already right", "nothing declared", "not a number", "not an image"],
)
def test_size_fixes_change_nothing_they_cannot_justify(
    declared: DeclaredSize | None, info: ImageInfo | None
) -> None:
    assert size_fixes(image_field(declared), probe_of(info)) == {}


@pytest.fixture
async def site() -> AsyncIterator[RunningSite]:
    async with serve_example_site() as running:
        yield running


def site_config(site: RunningSite, **changes: Any) -> Config:
    return Config(
        connect_to=site.connect_to(),
        cacert=site.cacert,
        timeout=2.0,
        retries=1,
        backoff_base=0.0,
        min_interval=0.0,
        seed=3,
        **changes,
    )


def copy_example(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in names:
        shutil.copy(example_articles() / name, folder / name)
    return folder


def front_data(path: Path) -> dict[str, Any]:
    return parse_front_matter(path.read_bytes(), path).data


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


async def test_refresh_corrects_wrong_sizes_in_place_and_keeps_the_old_values(
    site: RunningSite, tmp_path: Path
) -> None:
    folder = copy_example(tmp_path, WRONG_SIZE, MANY_WRONG)
    config = site_config(site, refresh=True, refresh_fields=("images",))
    run = await crawl(CrawlOptions((str(folder),)), config)

    refreshed = {outcome.file.rsplit("/", 1)[-1]: outcome.refreshed for outcome in run.files}
    assert refreshed[WRONG_SIZE] == ("images[0].width", "images[0].height")
    assert set(refreshed[MANY_WRONG]) == {
        "images[0].width",
        "images[0].height",
        "related[1].images[0].width",
        "related[1].images[0].height",
        "related[2].images[0].width",
        "related[2].images[0].height",
    }
    path = folder / WRONG_SIZE
    original = (example_articles() / WRONG_SIZE).read_bytes()
    after = path.read_bytes()
    outside_before = without_crawl_block(parse_front_matter(original, path))
    outside_after = without_crawl_block(parse_front_matter(after, path))
    assert changed_lines(outside_before, outside_after) == [
        ("    width: 760", "    width: 450"),
        ("    height: 380", "    height: 300"),
    ]
    assert after.startswith(b"\xef\xbb\xbf---")  # the BOM stays
    data = front_data(path)
    assert data["crawl"]["previous"] == {"images[0].width": 760, "images[0].height": 380}
    assert data["images"][0]["width"] == 450

    rotated = front_data(folder / MANY_WRONG)
    # An EXIF-6 photo stored 800x600 is shown 600x800: the declaration follows the display.
    assert (rotated["images"][0]["width"], rotated["images"][0]["height"]) == (600, 800)
    assert rotated["crawl"]["previous"]["related[2].images[0].width"] == 640
    assert rotated["secured"] == front_data(example_articles() / MANY_WRONG)["secured"]


async def test_a_later_crawl_keeps_the_first_previous_values_and_finds_the_sizes_right(
    site: RunningSite, tmp_path: Path
) -> None:
    folder = copy_example(tmp_path, WRONG_SIZE)
    await crawl(CrawlOptions((str(folder),)), site_config(site, refresh=True))
    await crawl(CrawlOptions((str(folder),)), site_config(site))

    block = front_data(folder / WRONG_SIZE)["crawl"]
    assert block["previous"] == {"images[0].width": 760, "images[0].height": 380}
    assert block["links"]["images[0].url"]["image"]["sizeMatches"] is True
    assert block["health"] == "ok"


async def test_without_refresh_a_wrong_size_is_reported_and_left_alone(
    site: RunningSite, tmp_path: Path
) -> None:
    folder = copy_example(tmp_path, WRONG_SIZE)
    await crawl(CrawlOptions((str(folder),)), site_config(site))

    data = front_data(folder / WRONG_SIZE)
    assert (data["images"][0]["width"], data["images"][0]["height"]) == (760, 380)
    image = data["crawl"]["links"]["images[0].url"]["image"]
    assert image == {
        "format": "jpeg",
        "width": 450,
        "height": 300,
        "orientation": 1,
        "displayWidth": 450,
        "displayHeight": 300,
        "sizeMatches": False,
        "bytesRead": image["bytesRead"],
    }
    assert 0 < image["bytesRead"] <= 1024
    assert data["crawl"]["health"] == "degraded"
    assert "previous" not in data["crawl"]


async def test_refresh_fields_without_images_changes_no_size(
    site: RunningSite, tmp_path: Path
) -> None:
    folder = copy_example(tmp_path, WRONG_SIZE)
    config = site_config(site, refresh=True, refresh_fields=())
    await crawl(CrawlOptions((str(folder),)), config)

    assert front_data(folder / WRONG_SIZE)["images"][0]["width"] == 760


async def test_a_shared_anchored_size_is_left_alone_and_the_rest_refreshed(
    site: RunningSite, tmp_path: Path
) -> None:
    folder = copy_example(tmp_path, WRONG_SIZE)
    path = folder / WRONG_SIZE
    text = path.read_bytes().decode("utf-8-sig")
    text = text.replace("    width: 760\n", "    width: &w 760\n").replace(
        "\nsecured:", "\nlayoutWidth: *w\nsecured:"
    )
    path.write_text(text, encoding="utf-8")
    await crawl(CrawlOptions((str(folder),)), site_config(site, refresh=True))

    data = front_data(path)
    assert (data["images"][0]["width"], data["layoutWidth"]) == (760, 760)
    assert data["images"][0]["height"] == 300
    assert data["crawl"]["previous"] == {"images[0].height": 380}


async def test_cli_refresh_dry_run_prints_the_diff_and_writes_nothing(
    site: RunningSite, tmp_path: Path
) -> None:
    folder = copy_example(tmp_path, WRONG_SIZE)
    before = (folder / WRONG_SIZE).read_bytes()
    code, stdout, stderr = await run_crawler(
        ["crawl", "articles", "--refresh", "--dry-run", "--report", "r.json", *site_options(site)],
        tmp_path,
    )
    assert code == 0, stderr
    assert (folder / WRONG_SIZE).read_bytes() == before
    assert "\n-    width: 760\n" in stdout
    assert "\n+    width: 450\n" in stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["files"][0]["refreshed"] == ["images[0].width", "images[0].height"]
    assert report["summary"]["images"] == {"probed": 1, "invalid": 0, "sizeMismatches": 1}
    row = report["links"][-1]
    assert row["field"] == "images[0].url"
    assert row["image"]["format"] == "jpeg"


async def test_cli_rejects_an_unknown_refresh_field(tmp_path: Path) -> None:
    code, _, stderr = await run_crawler(
        ["crawl", str(tmp_path), "--refresh", "--refresh-fields", "images,secured"], tmp_path
    )
    assert code == 2
    assert stderr.strip().splitlines() == [
        "crawler: error: refresh-fields: unknown secured (known: excerpt, images, title)"
    ]
