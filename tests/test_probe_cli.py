"""``crawler probe`` run as a real process: local files, and URLs of the example site.

The example site runs in the test's event loop on 127.0.0.1; the probe reaches its
real-looking hostnames through ``--connect-to`` and trusts its CA with ``--cacert``.
A valid image prints one line (or one JSON object) on stdout and exits 0; anything
else prints exactly one line on stderr, naming the file or URL and the reason, and
exits 1.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from test_cli import run_crawler, site_options

from crawler.checks.image_probe import FIRST_RANGE
from crawler.checks.images import probe_file
from crawler.demo.site import RunningSite, serve_example_site

STATIC = Path(__file__).resolve().parent.parent / "crawler" / "demo" / "static"

JSON_KEYS = [
    "format",
    "width",
    "height",
    "orientation",
    "displayWidth",
    "displayHeight",
    "bytesRead",
]
# URLs of the bundled articles, answered by the example site.
CIRCUIT = "https://www.eweek.com/wp-content/uploads/2021/04/circuit-board.jpg"
CIRCUIT_SIZE = (STATIC / "circuit-1920x1280.jpg").stat().st_size  # the file it serves
HTML_AS_IMAGE = "https://analyticsindiamag.com/wp-content/uploads/2021/12/ai-chips-india.jpg"
RANGE_IGNORED = (  # s1.ibtimes.com answers 200 with the whole file, whatever the Range
    "https://s1.ibtimes.com/sites/www.ibtimes.com/files/styles/full/public/"
    "2021/11/02/warehouse-robot-arm.jpg"
)
RANGE_IGNORED_SIZE = (STATIC / "phone-800x600.jpg").stat().st_size


@pytest.fixture
async def example_site() -> AsyncIterator[RunningSite]:
    async with serve_example_site() as running:
        yield running


def example_options(site: RunningSite) -> list[str]:
    return site_options(site, timeout="2", retries="0")


async def run_probe(args: Sequence[str], cwd: Path) -> tuple[int, str, str]:
    return await run_crawler(["probe", *args], cwd)


@dataclass(frozen=True)
class LocalImage:
    path: Path
    size: int  # bytes in the file
    bytes_read: int  # what the library's probe_file reads to answer


@pytest.fixture
def rotated_jpeg(tmp_path: Path) -> LocalImage:
    """A 37x23 JPEG whose EXIF orientation 6 displays it 23x37."""
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    Image.linear_gradient("L").resize((37, 23)).convert("RGB").save(out, "JPEG", exif=exif)
    path = tmp_path / "rotated.jpg"
    path.write_bytes(out.getvalue())
    return LocalImage(path, len(out.getvalue()), probe_file(path)[1])


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("Remember to resize the banner.\n")
    return path


def one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("crawler: error: "), stderr
    return lines[0]


# ---------------------------------------------------------------------------
# Local files
# ---------------------------------------------------------------------------


async def test_local_file_as_json_has_exactly_the_contract_keys(
    rotated_jpeg: LocalImage, tmp_path: Path
) -> None:
    code, stdout, stderr = await run_probe([str(rotated_jpeg.path), "--json"], tmp_path)
    assert (code, stderr) == (0, "")
    printed = json.loads(stdout)
    assert list(printed) == JSON_KEYS
    assert printed == {
        "format": "jpeg",
        "width": 37,
        "height": 23,
        "orientation": 6,
        "displayWidth": 23,
        "displayHeight": 37,
        "bytesRead": rotated_jpeg.bytes_read,
    }
    assert 0 < rotated_jpeg.bytes_read <= rotated_jpeg.size


async def test_local_file_as_text_is_one_line_with_the_displayed_size(
    rotated_jpeg: LocalImage, tmp_path: Path
) -> None:
    code, stdout, stderr = await run_probe([rotated_jpeg.path.name], tmp_path)
    assert (code, stderr) == (0, "")
    read = rotated_jpeg.bytes_read
    assert (
        stdout == f"rotated.jpg: jpeg 37x23 (displayed 23x37), orientation 6; {read} bytes read\n"
    )


async def test_file_that_is_not_an_image_exits_1_with_one_line_naming_it(
    text_file: Path, tmp_path: Path
) -> None:
    code, stdout, stderr = await run_probe([text_file.name], tmp_path)
    assert (code, stdout) == (1, "")
    assert one_error_line(stderr) == "crawler: error: notes.txt: not an image: looks like text"


async def test_missing_file_exits_1_with_one_line_naming_it(tmp_path: Path) -> None:
    code, stdout, stderr = await run_probe(["missing.png", "--json"], tmp_path)
    assert (code, stdout) == (1, "")
    line = one_error_line(stderr)
    assert line.startswith("crawler: error: missing.png: "), line
    assert "No such file" in line


# ---------------------------------------------------------------------------
# URLs of the example site
# ---------------------------------------------------------------------------


async def test_url_on_a_range_server_reads_its_first_range_and_tail(
    example_site: RunningSite, tmp_path: Path
) -> None:
    code, stdout, stderr = await run_probe(
        [CIRCUIT, "--json", *example_options(example_site)], tmp_path
    )
    assert (code, stderr) == (0, "")
    printed = json.loads(stdout)
    assert list(printed) == JSON_KEYS
    bytes_read = printed.pop("bytesRead")
    assert printed == {
        "format": "jpeg",
        "width": 1920,
        "height": 1280,
        "orientation": 1,
        "displayWidth": 1920,
        "displayHeight": 1280,
    }
    assert FIRST_RANGE < bytes_read <= 1024 < CIRCUIT_SIZE


async def test_html_page_served_as_an_image_exits_1_saying_not_an_image(
    example_site: RunningSite, tmp_path: Path
) -> None:
    code, stdout, stderr = await run_probe(
        [HTML_AS_IMAGE, "--json", *example_options(example_site)], tmp_path
    )
    assert (code, stdout) == (1, "")
    line = one_error_line(stderr)
    assert line.startswith(f"crawler: error: {HTML_AS_IMAGE}: not an image"), line


async def test_url_on_a_host_that_ignores_range_reads_at_most_the_file(
    example_site: RunningSite, tmp_path: Path
) -> None:
    code, stdout, stderr = await run_probe(
        [RANGE_IGNORED, "--json", *example_options(example_site)], tmp_path
    )
    assert (code, stderr) == (0, "")
    printed = json.loads(stdout)
    bytes_read = printed.pop("bytesRead")
    assert printed == {
        "format": "jpeg",
        "width": 800,
        "height": 600,
        "orientation": 6,
        "displayWidth": 600,
        "displayHeight": 800,
    }
    # More than the range asked for came back (the whole body, up to a socket read),
    # and reading stopped there: never more than the file.
    assert FIRST_RANGE < bytes_read <= RANGE_IGNORED_SIZE
