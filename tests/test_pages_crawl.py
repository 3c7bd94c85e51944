"""Page checks over the example site: what each page says, stale fields, AMP and soft-404 findings.

Whole crawls of bundled articles against ``serve_example_site()`` on 127.0.0.1,
each article chosen for one behaviour the catalog gives its pages
(``crawler.demo.catalog``): an edited headline or standfirst (stale fields),
each AMP fault, a "Page not found" title, and a catch-all host whose soft 404
only the random-path probe recognises.  The site counts every request it gets
(``/__stats``), so a test can say which paths the crawler asked for.  Then
``--refresh`` of titles and excerpts, byte for byte, and the ``extract`` and
``refresh`` commands as real processes.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from test_cli import FIXTURES, outside_block, run_crawler, site_options
from test_refresh_images import front_data, site_config

from crawler.checks.amp import amp_cache_url
from crawler.config import Config
from crawler.demo.catalog import AMP_CANONICALS, AMPHTML_LINKS, CATCH_ALL_HOSTS, EDITS
from crawler.demo.site import (
    LOOPBACK,
    STATS_PATH,
    RunningSite,
    example_articles,
    serve_example_site,
)
from crawler.errors import UsageError
from crawler.pipeline import CrawlOptions, FileOutcome, crawl

CONTROL = "013_8c2d5e71a0f94b36.md"  # redirected originalUrl; its page agrees with it
STALE_TITLE = "009_3f1a7c2e9b40d815.md"  # retitled page; related[0]'s title and excerpt edited
STALE_EXCERPT = "017_b5e09d4c2a7f1e83.md"  # corrected standfirst; comments in its front matter
SOFT_404_TITLE = "053_4e9b1d6f3c8a0725.md"  # 200 "Page not found"
NOT_AMP = "095_c1522f717f65fddf.md"  # ampWebUrl serves the regular page
CANONICAL_ELSEWHERE = "097_6bccf46265347b0a.md"  # the AMP copy's canonical is an old permalink
NOT_ADVERTISED = "099_cfbbce0d8ac5be70.md"  # no rel=amphtml; related[0] advertises another
WRONG_CACHE_URL = "102_c06271c6982f675c.md"  # cdnAmpWebUrl's host prefix misses the "--"
SOFT_404_PROBE = "104_fe0f95be8ab03d6a.md"  # taken down; the host answers any path with 200

VERGE = (
    "https://www.theverge.com/2021/11/1/22756437/meta-ai-research-tactile-sensing-robot-touch-digit"
)
ZDNET = "https://www.zdnet.com/article/what-is-ai-heres-everything-you-need-to-know-about-artificial-intelligence/"
VENTUREBEAT = "https://venturebeat.com/2021/12/08/deepmind-unveils-gopher-a-280-billion-parameter-language-model/"
CATCH_ALL_HOST = "www.computing.co.uk"
PROBE_PATH = re.compile(r"/[0-9a-f]{32}-crawler-probe")
PROBE_FOUND = "the same page the host serves for a path that does not exist"


def title_of(url: str) -> str:
    title = EDITS[url].title
    assert title is not None
    return title


def description_of(url: str) -> str:
    description = EDITS[url].description
    assert description is not None
    return description


@dataclass(frozen=True)
class Expected:
    """What one article's crawl block should hold."""

    health: str
    pages: frozenset[str]  # page fields with a "what the page says" record
    stale: dict[str, str]  # stale field -> the live page's value
    findings: tuple[tuple[str, str], ...]  # (code, field), in block order


EXPECTED: dict[str, Expected] = {
    CONTROL: Expected("ok", frozenset({"webUrl"}), {}, ()),
    STALE_TITLE: Expected(
        "ok",
        frozenset({"webUrl", "related[0].webUrl"}),
        {
            "title": title_of(VERGE),
            "related[0].title": title_of(ZDNET),
            "related[0].excerpt": description_of(ZDNET),
        },
        (),
    ),
    STALE_EXCERPT: Expected(
        "ok",
        frozenset({"webUrl", "related[0].webUrl", "related[1].webUrl"}),
        {"excerpt": description_of(VENTUREBEAT)},
        (),
    ),
    SOFT_404_TITLE: Expected(
        "dead",
        frozenset({"related[0].webUrl"}),  # a soft 404 says nothing about the article
        {},
        (("soft-404", "originalUrl"), ("soft-404", "webUrl")),
    ),
    NOT_AMP: Expected(
        "degraded", frozenset({"webUrl"}), {}, (("amp-not-amp-document", "ampWebUrl"),)
    ),
    CANONICAL_ELSEWHERE: Expected(
        "degraded", frozenset({"webUrl"}), {}, (("amp-canonical-mismatch", "ampWebUrl"),)
    ),
    NOT_ADVERTISED: Expected(
        "degraded",
        frozenset({"webUrl", "related[0].webUrl"}),
        {},
        (("amp-not-advertised", "ampWebUrl"), ("amp-not-advertised", "related[0].ampWebUrl")),
    ),
    WRONG_CACHE_URL: Expected(
        "degraded", frozenset({"webUrl"}), {}, (("amp-cache-url-mismatch", "cdnAmpWebUrl"),)
    ),
    SOFT_404_PROBE: Expected(
        "dead",
        frozenset({"related[0].webUrl"}),
        {},
        (("soft-404", "originalUrl"), ("soft-404", "webUrl")),
    ),
}
CASE_IDS = {
    CONTROL: "013-page-agrees",
    STALE_TITLE: "009-stale-title-and-related",
    STALE_EXCERPT: "017-stale-excerpt",
    SOFT_404_TITLE: "053-soft-404-by-title",
    NOT_AMP: "095-amp-not-amp-document",
    CANONICAL_ELSEWHERE: "097-amp-canonical-mismatch",
    NOT_ADVERTISED: "099-amp-not-advertised",
    WRONG_CACHE_URL: "102-amp-cache-url-mismatch",
    SOFT_404_PROBE: "104-soft-404-by-probe",
}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


@pytest.fixture
async def site() -> AsyncIterator[RunningSite]:
    async with serve_example_site() as running:
        yield running


def config_for(site: RunningSite, **changes: Any) -> Config:
    """The example site's config, without a state store: each crawl starts afresh."""
    return site_config(site, state=None, **changes)


def copy_articles(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(example_articles() / name, folder / name)
    return folder


async def requested_paths(site: RunningSite) -> dict[str, dict[str, int]]:
    """host -> path -> requests, as the site counted them."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://{LOOPBACK}:{site.http_port}{STATS_PATH}") as response,
    ):
        stats: dict[str, Any] = await response.json()
    requests: dict[str, dict[str, int]] = stats["requests"]
    return requests


def probes(requests: dict[str, dict[str, int]]) -> dict[str, int]:
    """host -> requests for a random path: the soft-404 probe."""
    counts = {
        host: sum(count for path, count in paths.items() if PROBE_PATH.fullmatch(path))
        for host, paths in requests.items()
    }
    return {host: count for host, count in counts.items() if count}


def block_of(path: Path) -> dict[str, Any]:
    block: dict[str, Any] = front_data(path)["crawl"]
    return block


def finding_pairs(block: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((item["code"], item["field"]) for item in block.get("findings", ()))


def findings_by_field(block: dict[str, Any]) -> dict[str, str]:
    return {item["field"]: item["detail"] for item in block.get("findings", ())}


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """The lines that differ, line endings included; the line count must not change."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


# ---------------------------------------------------------------------------
# One crawl of every case, shared by the per-article tests
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleCrawl:
    blocks: dict[str, dict[str, Any]]  # file name -> its crawl block
    outcomes: dict[str, FileOutcome]
    requests: dict[str, dict[str, int]]  # host -> path -> count, from the site


async def crawl_cases(folder: Path) -> ExampleCrawl:
    async with serve_example_site() as running:
        run = await crawl(CrawlOptions((str(folder),)), config_for(running))
        requests = await requested_paths(running)
    return ExampleCrawl(
        blocks={name: block_of(folder / name) for name in EXPECTED},
        outcomes={Path(outcome.file).name: outcome for outcome in run.files},
        requests=requests,
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> ExampleCrawl:
    # Its own event loop, once for the module: the per-article tests only read the result.
    folder = copy_articles(tmp_path_factory.mktemp("pages") / "articles", *EXPECTED)
    return asyncio.run(crawl_cases(folder))


@pytest.mark.parametrize("name", list(EXPECTED), ids=CASE_IDS.get)
def test_crawl_block_records_pages_stale_fields_and_findings(
    example: ExampleCrawl, name: str
) -> None:
    block, expected = example.blocks[name], EXPECTED[name]
    assert block["health"] == expected.health
    assert set(block.get("pages", {})) == expected.pages
    assert block.get("stale", {}) == expected.stale
    assert finding_pairs(block) == expected.findings
    outcome = example.outcomes[name]
    assert tuple((item.code, item.field) for item in outcome.findings) == expected.findings
    assert {item.field: item.live for item in outcome.stale} == expected.stale


def test_pages_record_what_the_live_page_says(example: ExampleCrawl) -> None:
    article = front_data(example_articles() / NOT_AMP)
    assert example.blocks[NOT_AMP]["pages"]["webUrl"] == {
        "title": article["title"],
        "description": article["excerpt"],
        "url": article["webUrl"],
        "ampUrl": article["ampWebUrl"],
        "image": article["images"][0]["url"],
        "imageWidth": 900,
        "imageHeight": 500,
        "publishedAt": "2021-09-29T15:00:00Z",
        "siteName": "The Independent",
        "lang": "en",
        "type": "article",
    }


def test_stale_titles_are_recorded_for_related_articles_too(example: ExampleCrawl) -> None:
    pages = example.blocks[STALE_TITLE]["pages"]
    assert pages["webUrl"]["title"] == title_of(VERGE)
    assert pages["related[0].webUrl"]["description"] == description_of(ZDNET)


def test_amp_findings_name_what_disagrees(example: ExampleCrawl) -> None:
    canonical = findings_by_field(example.blocks[CANONICAL_ELSEWHERE])["ampWebUrl"]
    (old_permalink,) = AMP_CANONICALS.values()
    assert old_permalink in canonical

    advertised = findings_by_field(example.blocks[NOT_ADVERTISED])
    assert advertised["ampWebUrl"] == "the article page has no <link rel=amphtml>"
    other = next(url for url in AMPHTML_LINKS.values() if url is not None)
    assert other in advertised["related[0].ampWebUrl"]

    amp_url = front_data(example_articles() / WRONG_CACHE_URL)["ampWebUrl"]
    cache = findings_by_field(example.blocks[WRONG_CACHE_URL])["cdnAmpWebUrl"]
    assert cache == f"the AMP cache URL of ampWebUrl is {amp_cache_url(amp_url)}"
    assert "https://www-the--scientist-com.cdn.ampproject.org/c/s/" in cache


def test_soft_404s_say_how_they_were_recognised(example: ExampleCrawl) -> None:
    by_title = example.blocks[SOFT_404_TITLE]
    assert findings_by_field(by_title)["webUrl"] == "title says not found: 'Page not found'"
    assert by_title["links"]["webUrl"]["soft404"] == "title says not found: 'Page not found'"
    by_probe = example.blocks[SOFT_404_PROBE]
    assert findings_by_field(by_probe) == {"originalUrl": PROBE_FOUND, "webUrl": PROBE_FOUND}
    # The live story on the same catch-all host is not mistaken for its not-found page.
    assert "soft404" not in by_probe["links"]["related[0].webUrl"]
    assert CATCH_ALL_HOST in by_probe["pages"]["related[0].webUrl"]["url"]


def test_each_host_is_probed_once_and_only_when_its_title_does_not_say_not_found(
    example: ExampleCrawl,
) -> None:
    probed = probes(example.requests)
    assert set(probed.values()) == {1}
    assert probed[CATCH_ALL_HOST] == 1  # two pages on it, one probe
    assert "www.techrepublic.com" not in probed  # "Page not found" needed no comparison
    image_hosts = {"cdn.vox-cdn.com", "image.computing.co.uk", "regmedia.co.uk"}
    assert not image_hosts & set(probed)


# ---------------------------------------------------------------------------
# Without the probe
# ---------------------------------------------------------------------------


async def test_without_the_probe_no_random_path_is_requested_and_the_title_check_remains(
    site: RunningSite, tmp_path: Path
) -> None:
    folder = copy_articles(tmp_path / "articles", SOFT_404_TITLE, SOFT_404_PROBE)
    await crawl(CrawlOptions((str(folder),)), config_for(site, soft404_probe=False))

    assert probes(await requested_paths(site)) == {}
    assert finding_pairs(block_of(folder / SOFT_404_TITLE)) == EXPECTED[SOFT_404_TITLE].findings
    block = block_of(folder / SOFT_404_PROBE)
    assert "findings" not in block
    assert block["health"] == "ok"
    # Taken at face value, the catch-all page contradicts the stored title.
    assert block["pages"]["webUrl"]["title"] == CATCH_ALL_HOSTS[CATCH_ALL_HOST].title
    assert block["stale"]["title"] == CATCH_ALL_HOSTS[CATCH_ALL_HOST].title


async def test_cli_no_soft404_probe_drops_the_probe_finding_from_the_report(
    site: RunningSite, tmp_path: Path
) -> None:
    copy_articles(tmp_path / "articles", SOFT_404_PROBE)
    code, _, stderr = await run_crawler(
        ["crawl", "articles", "--no-soft404-probe", "--report", "r.json", *site_options(site)],
        tmp_path,
    )
    assert code == 0, stderr
    assert probes(await requested_paths(site)) == {}
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["files"][0]["findings"] == []
    assert "soft-404" not in report["summary"]["findings"]


# ---------------------------------------------------------------------------
# --refresh of titles and excerpts
# ---------------------------------------------------------------------------


async def test_refresh_replaces_only_stale_titles_and_excerpts_and_keeps_the_old_values(
    site: RunningSite, tmp_path: Path
) -> None:
    folder = copy_articles(tmp_path / "articles", STALE_TITLE, STALE_EXCERPT)
    run = await crawl(CrawlOptions((str(folder),)), config_for(site, refresh=True))

    refreshed = {Path(outcome.file).name: outcome.refreshed for outcome in run.files}
    assert refreshed == {
        STALE_TITLE: ("title", "related[0].title", "related[0].excerpt"),
        STALE_EXCERPT: ("excerpt",),
    }
    original = front_data(example_articles() / STALE_TITLE)
    before = (example_articles() / STALE_TITLE).read_bytes()
    after = (folder / STALE_TITLE).read_bytes()
    # The file's CRLF line endings stay, on the changed lines too.
    assert changed_lines(outside_block(before), outside_block(after)) == [
        (f'title: "{original["title"]}"\r\n', f'title: "{title_of(VERGE)}"\r\n'),
        (
            f'  - title: "{original["related"][0]["title"]}"\r\n',
            f'  - title: "{title_of(ZDNET)}"\r\n',
        ),
        (
            f'    excerpt: "{original["related"][0]["excerpt"]}"\r\n',
            f'    excerpt: "{description_of(ZDNET)}"\r\n',
        ),
    ]
    data = front_data(folder / STALE_TITLE)
    assert data["crawl"]["previous"] == {
        "title": original["title"],
        "related[0].title": original["related"][0]["title"],
        "related[0].excerpt": original["related"][0]["excerpt"],
    }
    assert data["secured"] == original["secured"]

    stored = front_data(example_articles() / STALE_EXCERPT)
    before = (example_articles() / STALE_EXCERPT).read_bytes()
    after = (folder / STALE_EXCERPT).read_bytes()
    assert changed_lines(outside_block(before), outside_block(after)) == [
        (f'excerpt: "{stored["excerpt"]}"\n', f'excerpt: "{description_of(VENTUREBEAT)}"\n')
    ]
    data = front_data(folder / STALE_EXCERPT)
    assert data["crawl"]["previous"] == {"excerpt": stored["excerpt"]}
    assert data["secured"] == stored["secured"]


async def test_a_crawl_after_refresh_finds_nothing_stale_and_keeps_the_previous_values(
    site: RunningSite, tmp_path: Path
) -> None:
    folder = copy_articles(tmp_path / "articles", STALE_TITLE)
    path = folder / STALE_TITLE
    await crawl(CrawlOptions((str(folder),)), config_for(site, refresh=True))
    refreshed = path.read_bytes()
    previous = block_of(path)["previous"]
    await crawl(CrawlOptions((str(folder),)), config_for(site, refresh=True))

    assert outside_block(path.read_bytes()) == outside_block(refreshed)
    block = block_of(path)
    assert "stale" not in block
    assert block["previous"] == previous
    assert previous["title"] == front_data(example_articles() / STALE_TITLE)["title"]


async def test_refresh_fields_images_leaves_titles_and_excerpts_alone(
    site: RunningSite, tmp_path: Path
) -> None:
    folder = copy_articles(tmp_path / "articles", STALE_TITLE, STALE_EXCERPT)
    config = config_for(site, refresh=True, refresh_fields=("images",))
    run = await crawl(CrawlOptions((str(folder),)), config)

    assert [outcome.refreshed for outcome in run.files] == [(), ()]
    for name in (STALE_TITLE, STALE_EXCERPT):
        original = (example_articles() / name).read_bytes()
        assert outside_block((folder / name).read_bytes()) == outside_block(original)
        block = block_of(folder / name)
        assert "previous" not in block
        assert block["stale"] == EXPECTED[name].stale  # still reported, not changed


async def test_refresh_takes_nothing_from_a_soft_404_page(
    site: RunningSite, tmp_path: Path
) -> None:
    folder = copy_articles(tmp_path / "articles", SOFT_404_TITLE, SOFT_404_PROBE)
    config = config_for(site, refresh=True, refresh_fields=("title", "excerpt"))
    run = await crawl(CrawlOptions((str(folder),)), config)

    assert [outcome.refreshed for outcome in run.files] == [(), ()]
    for name in (SOFT_404_TITLE, SOFT_404_PROBE):
        original = (example_articles() / name).read_bytes()
        assert outside_block((folder / name).read_bytes()) == outside_block(original)
        assert "previous" not in block_of(folder / name)


@pytest.mark.parametrize(
    "fields",
    [("secured",), ("title", "secured"), ("webUrl",)],
    ids=["secured", "secured-among-others", "url-field"],
)
def test_refresh_fields_refuse_anything_but_title_excerpt_and_images(
    fields: tuple[str, ...],
) -> None:
    with pytest.raises(UsageError, match="refresh-fields: unknown"):
        Config(refresh=True, refresh_fields=fields)


async def test_cli_refresh_is_crawl_refresh(site: RunningSite, tmp_path: Path) -> None:
    folder = copy_articles(tmp_path / "articles", STALE_EXCERPT)
    stored = front_data(folder / STALE_EXCERPT)
    code, stdout, stderr = await run_crawler(
        ["refresh", "articles", "--report", "r.json", *site_options(site)], tmp_path
    )
    assert code == 0, stderr
    data = front_data(folder / STALE_EXCERPT)
    assert data["excerpt"] == description_of(VENTUREBEAT)
    assert data["crawl"]["previous"] == {"excerpt": stored["excerpt"]}
    assert data["secured"] == stored["secured"]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["files"][0]["refreshed"] == ["excerpt"]
    assert report["files"][0]["stale"] == {
        "excerpt": {"stored": stored["excerpt"], "live": description_of(VENTUREBEAT)}
    }
    assert report["summary"]["filesStale"] == 1
    # The terminal lists what the refresh corrected as corrected, not as stale.
    assert "Refreshed: 1 field in 1 file" in stdout
    assert "Stale:" not in stdout


# ---------------------------------------------------------------------------
# crawler extract
# ---------------------------------------------------------------------------

EXTRACT_KEYS = [
    "title",
    "description",
    "url",
    "ampUrl",
    "image",
    "imageWidth",
    "imageHeight",
    "publishedAt",
    "modifiedAt",
    "siteName",
    "author",
    "lang",
    "type",
]


async def test_cli_extract_of_a_saved_page_resolves_against_url_and_prints_13_keys(
    tmp_path: Path,
) -> None:
    page = FIXTURES / "pages" / "relative_urls_without_base.html"
    url = "https://www.localnews.example/news/local/riverside-flood-wall/"
    code, stdout, stderr = await run_crawler(
        ["extract", str(page), "--url", url, "--json"], tmp_path
    )
    assert (code, stderr) == (0, "")
    record = json.loads(stdout)
    assert list(record) == EXTRACT_KEYS
    assert record == {
        "title": "Council approves riverside flood wall",
        "description": None,
        "url": "https://www.localnews.example/news/local/riverside-flood-wall",
        "ampUrl": "https://www.localnews.example/news/local/riverside-flood-wall/amp/",
        "image": "https://www.localnews.example/media/2021/04/flood-wall.jpg",
        "imageWidth": 1024,
        "imageHeight": 576,
        "publishedAt": "2021-04-12",
        "modifiedAt": None,
        "siteName": None,
        "author": None,
        "lang": "en-GB",
        "type": None,
    }


async def test_cli_extract_of_a_live_url_reads_the_page_through_connect_to(
    site: RunningSite, tmp_path: Path
) -> None:
    amp_url, old_permalink = next(iter(AMP_CANONICALS.items()))
    code, stdout, stderr = await run_crawler(
        ["extract", amp_url, "--json", *site_options(site)], tmp_path
    )
    assert (code, stderr) == (0, "")
    record = json.loads(stdout)
    assert list(record) == EXTRACT_KEYS
    article = front_data(example_articles() / CANONICAL_ELSEWHERE)
    assert record["url"] == old_permalink  # the AMP copy's canonical, not the article
    assert record["title"] == article["title"]
    assert record["siteName"] == "New Scientist"
    assert record["publishedAt"] == "2021-12-01T16:00:00Z"


async def test_cli_extract_of_a_missing_file_exits_1_with_one_line(tmp_path: Path) -> None:
    code, stdout, stderr = await run_crawler(["extract", "missing.html", "--json"], tmp_path)
    assert code == 1
    assert stdout == ""
    assert stderr.splitlines() == [
        "crawler: error: missing.html: cannot read: No such file or directory"
    ]
