"""Saved page shapes under fixtures/pages: every field ``extract`` reports, per page.

Each case names the publishing pattern it protects (Yoast's @graph, Arc XP's
body JSON-LD, a Shift_JIS page declared in <meta> only...).  Expectations list
every key of ``PageMetadata.to_json()``, so a field that starts appearing where
it should not fails as loudly as one that goes missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.extract import extract

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
FIELDS = (
    "title", "description", "url", "ampUrl", "image", "imageWidth", "imageHeight",
    "publishedAt", "modifiedAt", "siteName", "author", "lang", "type",
)  # fmt: skip


@dataclass(frozen=True)
class Page:
    file: str
    url: str
    expected: dict[str, Any]
    content_type: str | None = "text/html"
    is_amp: bool = False


TECHWIRE = (
    "https://techwireasia.com/2021/01/which-country-leads-the-innovation-charge-in-ai-research/"
)
TECHWIRE_EXCERPT = (
    "New discoveries and understanding of AI capabilities are ever-evolving, much like the "
    "technology itself. Hence many national and private interests are charging ahead with AI "
    "research and development in a dizzying assortment of fields,"
)
ANALYTICS = "https://www.analyticsinsight.net/top-ai-cities-to-know-across-the-globe-in-race-towards-advancement/"
GUARDIAN = "https://www.theguardian.com/business/2021/feb/04/bank-of-england-holds-interest-rates"
ESTAR = "https://www.eveningstar.example/local/2021/06/09/four-day-week-pilot/"
NYT = "https://www.nytimes.com/2021/03/06/us/politics/senate-covid-relief-bill.html"
BLOGGER = "https://trailnotes.blogspot.com/2024/02/winter-crossing-of-the-ridge.html"
GAZETTE = "https://lakesidegazette.example/2024/10/ferry-timetable-changes/"
MEDIUM = "https://medium.com/better-engineering/how-we-rebuilt-our-data-pipeline-1a2b3c4d5e6f"

CASES = {
    "wordpress-yoast-graph-author-by-id-matches-seed": Page(
        "wordpress_yoast_graph.html",
        TECHWIRE,
        {
            "title": "Which country leads the innovation charge in AI research?",
            "description": TECHWIRE_EXCERPT,
            "url": TECHWIRE,
            "ampUrl": "https://techwireasia.com/amp/2021/01/which-country-leads-the-innovation-charge-in-ai-research/",
            "image": "https://cdn.techwireasia.com/wp-content/uploads/2021/01/000_8ZH7HR-450x300.jpg",
            "imageWidth": 450,
            "imageHeight": 300,
            "publishedAt": "2021-01-28T04:51:00Z",
            "modifiedAt": "2021-01-29T10:02:13Z",
            "siteName": "TechWire Asia",
            "author": "Emily Wong",
            "lang": "en-US",
            "type": "article",
        },
    ),
    "jsonld-top-level-array-authors-joined-imageobject-size": Page(
        "jsonld_top_level_array.html",
        "https://www.wireservice.example/business/autos/global-chip-shortage-deepens-2021-01-28/",
        {
            "title": "Global chip shortage deepens as carmakers idle plants",
            "description": "Automakers from Detroit to Tokyo halted assembly lines on Friday as a "
            "shortage of semiconductors worsened.",
            "url": "https://www.wireservice.example/business/autos/global-chip-shortage-deepens-2021-01-28/",
            "image": "https://static.wireservice.example/resizer/chips-16x9.jpg",
            "imageWidth": 1920,
            "imageHeight": 1080,
            "publishedAt": "2021-01-28T16:05:12Z",
            "modifiedAt": "2021-01-28T18:40:00Z",
            "siteName": "Wire Service",
            "author": "Kanishka Singh, David Shepardson, Ben Klayman",
            "lang": "en",
            "type": "article",
        },
    ),
    "several-og-images-first-keeps-its-own-size": Page(
        "open_graph_several_images.html",
        "https://travel.example.org/galleries/northern-lights-tromso?ref=home",
        {
            "title": "Ten photos of the northern lights over Tromsø",
            "description": "Our photographer spent a week above the Arctic Circle.",
            "url": "https://travel.example.org/galleries/northern-lights-tromso",
            "image": "https://img.example.org/aurora-wide.jpg",
            "imageWidth": 1200,
            "imageHeight": 630,
            "publishedAt": "2020-12-03T08:00:00Z",
            "siteName": "Travel Weekly",
            "author": "Ingrid Solberg",
            "lang": "nb-NO",
            "type": "article",
        },
    ),
    "unsized-first-og-image-does-not-borrow-the-next-size": Page(
        "open_graph_first_image_unsized.html",
        "https://food.example.com/recipes/dal",
        {
            "title": "Recipe: a weeknight dal",
            "image": "https://food.example.com/dal.jpg",
            "lang": "en",
        },
    ),
    "relative-urls-resolved-against-base-href": Page(
        "relative_urls_with_base.html",
        "https://www.zeitung.example/politik/stadtrat-radwegenetz",
        {
            "title": "Stadtrat beschließt neues Radwegenetz",
            "url": "https://static.zeitung.example/politik/stadtrat-radwegenetz",
            "ampUrl": "https://static.zeitung.example/amp/politik/stadtrat-radwegenetz",
            "image": "https://static.zeitung.example/ausgabe/2021/bilder/radweg.jpg",
            "publishedAt": "2021-03-15T06:30:00Z",
            "author": "Lena Hoffmann",
            "lang": "de",
        },
    ),
    "relative-urls-resolved-against-page-url": Page(
        "relative_urls_without_base.html",
        "https://www.localnews.example/news/local/riverside-flood-wall/",
        {
            "title": "Council approves riverside flood wall",
            "url": "https://www.localnews.example/news/local/riverside-flood-wall",
            "ampUrl": "https://www.localnews.example/news/local/riverside-flood-wall/amp/",
            "image": "https://www.localnews.example/media/2021/04/flood-wall.jpg",
            "imageWidth": 1024,
            "imageHeight": 576,
            "publishedAt": "2021-04-12",
            "lang": "en-GB",
        },
    ),
    "shift-jis-declared-in-meta-only": Page(
        "shift_jis_meta_only.html",
        "https://www.maiasa.example.jp/articles/20210128/k0001.html",
        {
            "title": "東京都、新たな感染対策を発表",
            "description": "東京都は２８日、飲食店への営業時間短縮要請を延長すると発表した。",
            "url": "https://www.maiasa.example.jp/articles/20210128/k0001.html",
            "publishedAt": "2021-01-28T04:00:00Z",
            "siteName": "毎朝ニュース",
            "lang": "ja",
            "type": "article",
        },
    ),
    "windows-1252-bytes-served-as-iso-8859-1": Page(
        "windows_1252_declared_latin1.html",
        "http://www.dailycourier.example/news/cafe-rules.html",
        {
            "title": "Café owners “devastated” by new rules",
            "description": "Owners say the rules will cost them €2,000 a month – and that’s "
            "before rent.",
            "publishedAt": "2021-01-28T09:15:00Z",
            "siteName": "The Daily Courier",
            "author": "Seán Ó Brádaigh",
        },
        content_type="text/html; charset=ISO-8859-1",
    ),
    "utf8-bom-wins-over-a-wrong-meta-charset": Page(
        "utf8_bom_wrong_meta.html",
        "https://www.lequotidien.example/societe/rentree-scolaire",
        {
            "title": "Les élèves retournent à l’école",
            "publishedAt": "2021-09-02T04:00:00Z",
            "siteName": "Le Quotidien",
            "lang": "fr",
        },
        content_type=None,
    ),
    "broken-jsonld-repaired-or-skipped-block-by-block": Page(
        "broken_jsonld.html",
        "https://valleynews.example/2021/02/14/storm-power-outage/",
        {
            "title": "Storm knocks out power to 40,000 homes",
            "description": "Crews expect repairs to take until Sunday.",
            "image": "https://news.example.net/storm.jpg",
            "publishedAt": "2021-02-15T02:05:00Z",
            "siteName": "Valley News Network",
            "author": "Maria O'Neil",
            "lang": "en",
            "type": "article",
        },
    ),
    "amp-page-with-canonical-back-matches-seed": Page(
        "amp_page.html",
        ANALYTICS + "amp/",
        {
            "title": "These top AI cities are doing pretty well in the research and development "
            "of AI",
            "description": "As we say, data has become wealth today the potential of artificial "
            "intelligence is not ignorable under any circumstance. Let’s look at the top AI "
            "cities in the world that are doing pretty well to attain advancement in AI.",
            "url": ANALYTICS,
            "image": "https://analyticsinsight.b-cdn.net/wp-content/uploads/2021/10/"
            "Top-AI-Cities-to-Know-Across-the-Globe-in-Race-Towards-Advancement.jpg",
            "imageWidth": 900,
            "imageHeight": 500,
            "publishedAt": "2021-10-02T13:30:00Z",
            "modifiedAt": "2021-10-02T13:30:00Z",
            "siteName": "Analytics Insight",
            "author": "Apoorva Komarraju",
            "lang": "en",
            "type": "article",
        },
        is_amp=True,
    ),
    "non-amp-page-advertising-amphtml-guardian-style": Page(
        "amphtml_advertised.html",
        GUARDIAN,
        {
            "title": "Bank of England holds interest rates at 0.1%",
            "description": "Monetary policy committee votes unanimously to keep rates on hold "
            "amid Covid uncertainty",
            "url": GUARDIAN,
            "ampUrl": "https://amp.theguardian.com/business/2021/feb/04/bank-of-england-holds-interest-rates",
            "image": "https://i.guim.co.uk/img/media/boe/master/3000.jpg?width=1200&height=630"
            "&quality=85&auto=format&fit=crop&overlay-align=bottom%2Cleft&s=abc",
            "imageWidth": 1200,
            "imageHeight": 630,
            "publishedAt": "2021-02-04T12:00:27Z",
            "modifiedAt": "2021-02-04T14:21:50Z",
            "siteName": "the Guardian",
            "author": "Richard Partington, Phillip Inman",
            "lang": "en-GB",
            "type": "article",
        },
    ),
    "soft-404-page-not-found-extracted-as-is": Page(
        "soft_404.html",
        "https://www.analyticsinsight.net/this-story-was-removed/",
        {"title": "Page not found", "siteName": "Analytics Insight", "lang": "en-US"},
    ),
    "head-of-260-kb-with-markup-inside-inline-scripts": Page(
        "head_200kb_inline_scripts.html",
        "https://www.hfr.example/markets/asx-closes-higher-miners-rally-20210128",
        {
            "title": "ASX closes higher as miners rally",
            "description": "The benchmark index added 1.2 per cent, led by iron ore producers.",
            "url": "https://www.hfr.example/markets/asx-closes-higher-miners-rally-20210128",
            "image": "https://images.hfr.example/asx-board.jpg",
            "imageWidth": 1280,
            "imageHeight": 720,
            "publishedAt": "2021-01-27T19:30:00Z",
            "siteName": "Harbour Financial Review",
            "author": "Tom Nguyen",
            "lang": "en-AU",
            "type": "article",
        },
    ),
    "microdata-only-article-item-not-the-related-one": Page(
        "microdata_only.html",
        "https://coastaltimes.example.com/2022/06/harbour-festival-returns",
        {
            "title": "Harbour festival returns after two-year break",
            "description": "Thousands expected on the quayside this weekend.",
            "url": "https://coastaltimes.example.com/2022/06/harbour-festival-returns",
            "image": "https://coastaltimes.example.com/images/2022/06/festival-boats.jpg",
            "publishedAt": "2022-06-11T07:00:00Z",
            "modifiedAt": "2022-06-11T11:30:00Z",
            "siteName": "Coastal Times",
            "author": "Tom Baker",
        },
    ),
    "dublin-core-only": Page(
        "dublin_core_only.html",
        "https://www.northshire.example.gov/reports/water-quality-2020",
        {
            "title": "Annual report on regional water quality, 2020",
            "description": "Results of 1,240 samples taken from rivers and lakes during 2020.",
            "publishedAt": "2021-03-31",
            "modifiedAt": "2021-04-06T11:20:00Z",
            "siteName": "Northshire County Council",
            "author": "Environment Agency of Northshire",
            "lang": "en-GB",
        },
    ),
    "twitter-card-only-handle-is-not-an-author": Page(
        "twitter_card_only.html",
        "https://startupdaily.example/2021/05/robotics-seed-round/",
        {
            "title": "Seed round: Brisbane robotics start-up raises $12m",
            "description": "The company builds autonomous weeding machines for vegetable farms.",
            "url": "https://startupdaily.example/2021/05/robotics-seed-round/",
            "image": "https://startupdaily.example/wp-content/uploads/weeder.png",
        },
    ),
    "title-loses-site-suffix-named-after-the-host": Page(
        "title_site_suffix.html",
        "https://www.energymonitor.example/markets/oil-prices-opec/",
        {
            "title": "Markets: Oil prices rise as OPEC+ extends output cuts",
            "description": "Brent crude rose 2% to $66 a barrel.",
            "publishedAt": "2021-03-04T17:22:00Z",
            "author": "Priya Raman",
            "lang": "en-us",
            # No declared site name: the title's suffix names the host.
            "siteName": "Energy Monitor",
        },
    ),
    "arc-xp-jsonld-at-end-of-body-author-url-ignored": Page(
        "arc_xp_jsonld_in_body.html",
        ESTAR,
        {
            "title": "City to test four-day week for municipal staff",
            "description": "The six-month pilot covers 1,200 employees in parks, libraries and "
            "permitting.",
            "url": ESTAR,
            "ampUrl": ESTAR + "?outputType=amp",
            "image": "https://www.eveningstar.example/resizer/abc123=/1440x0/smart/"
            "cloudfront-us-east-1.images.arcpublishing.com/estar/IMG42.jpg",
            "imageWidth": 1440,
            "imageHeight": 960,
            "publishedAt": "2021-06-09T14:02:11Z",
            "modifiedAt": "2021-06-09T19:45:03Z",
            "siteName": "The Evening Star",
            "author": "Rosa Delgado, Kwame Mensah",
            "lang": "en",
            "type": "article",
        },
    ),
    "medium-post-og-title-over-decorated-jsonld-headline": Page(
        "medium_post.html",
        MEDIUM + "?source=rss",
        {
            "title": "How we rebuilt our data pipeline",
            "description": "Moving 4 TB a day off cron jobs and onto a streaming design.",
            "url": MEDIUM,
            "image": "https://miro.medium.com/v2/resize:fit:1200/1*pipeline.png",
            "publishedAt": "2020-11-12T16:02:33Z",
            "modifiedAt": "2020-11-13T08:11:02Z",
            "siteName": "Medium",
            "author": "Sam Lee",
            "lang": "en",
            "type": "article",
        },
    ),
    "no-og-site-name-falls-back-to-jsonld-publisher-and-jsonld-date-wins": Page(
        "wire_no_site_name_conflicting_dates.html",
        "https://www.globewire.example/business/factory-output-falls",
        {
            "title": "Factory output falls for third month",
            "image": "https://cdn.globewire.example/photos/factory.jpg",
            "publishedAt": "2021-04-01T10:00:00Z",
            "modifiedAt": "2021-04-01T11:00:00Z",
            "siteName": "Globe Wire Media",
            "author": "Globe Wire",
            "lang": "en",
            "type": "article",
        },
    ),
    "optional-head-and-body-tags-omitted": Page(
        "head_tags_omitted.html",
        "https://www.giornaledelporto.example/cronaca/maltempo-liguria",
        {
            "title": "Maltempo, allerta rossa in Liguria",
            "description": "La protezione civile ha chiuso le scuole a Genova e Savona.",
            "publishedAt": "2021-10-04T04:45:00Z",
            "siteName": "Il Giornale del Porto",
            "author": "Marco Rossi",
            "lang": "it",
        },
    ),
    "nyt-style-og-title-kept-as-declared-publisher-by-id-in-another-block": Page(
        "nyt_style_publisher_by_id_in_second_block.html",
        NYT,
        {
            "title": "Senate Passes $1.9 Trillion Relief Bill, Advancing Biden’s Plan "
            "(Published 2021)",
            "description": "The Senate voted 50 to 49 to approve the package, which includes "
            "$1,400 direct payments.",
            "url": NYT,
            "ampUrl": NYT.removesuffix(".html") + ".amp.html",
            "image": "https://static01.nyt.com/images/2021/03/06/us/politics/06dc-virus-senate/"
            "06dc-virus-senate-facebookJumbo.jpg?year=2021&h=550&w=1050&s=8d2&k=ZQJBKqZ0VN",
            "publishedAt": "2021-03-06T17:08:20Z",
            "modifiedAt": "2021-03-08T18:53:33Z",
            "siteName": "The New York Times",
            "author": "Emily Cochrane, Jonathan Weisman",
            "lang": "en",
            "type": "article",
        },
    ),
    "bbc-style-organisation-as-author-og-image-without-size": Page(
        "bbc_style_organisation_author.html",
        "https://www.bbc.co.uk/news/uk-56140830",
        {
            "title": "Covid: Schools in England to reopen on 8 March",
            "description": "Pupils will return from 8 March, with secondary students tested for "
            "the virus, the prime minister says.",
            "url": "https://www.bbc.co.uk/news/uk-56140830",
            "ampUrl": "https://www.bbc.co.uk/news/amp/uk-56140830",
            "image": "https://ichef.bbci.co.uk/news/1024/branded_news/1343F/production/"
            "_116978447_classroom.jpg",
            "publishedAt": "2021-02-22T18:13:43Z",
            "modifiedAt": "2021-02-22T18:13:43Z",
            "siteName": "BBC News",
            "author": "BBC News",
            "lang": "en-GB",
            "type": "article",
        },
    ),
    "wordpress-without-seo-plugin-byline-found-in-body": Page(
        "wordpress_byline_in_body_only.html",
        "https://ridgegazette.example/2021/07/14/why-our-council-rates-went-up/",
        {
            "title": "Why our council rates went up",
            "description": "A line-by-line look at the new budget.",
            "url": "https://ridgegazette.example/2021/07/14/why-our-council-rates-went-up/",
            "image": "https://i0.wp.com/ridgegazette.example/wp-content/uploads/2021/07/"
            "budget.jpg?fit=1200%2C800&ssl=1",
            "imageWidth": 1200,
            "imageHeight": 800,
            "publishedAt": "2021-07-14T02:00:21Z",
            "modifiedAt": "2021-07-14T05:12:09Z",
            "siteName": "The Ridge Gazette",
            "author": "Margaret Henderson",
            "lang": "en-AU",
            "type": "article",
        },
    ),
    "legacy-parsely-page-json": Page(
        "parsely_page_legacy.html",
        "https://northernpost.example/news/hydro-rates-april",
        {
            "title": "Hydro rates to climb 3% in April",
            "url": "https://northernpost.example/news/hydro-rates-april",
            "image": "https://northernpost.example/img/hydro.jpg",
            "publishedAt": "2022-02-17T11:00:00Z",
            "author": "Claire Tremblay, Dev Patel",
            "lang": "en-CA",
        },
    ),
    # Fallbacks from the visible page (issue 13).
    "blogger-abbr-title-gives-the-time-and-title-prefix-the-site": Page(
        "blogger_abbr_published.html",
        BLOGGER,
        {
            "title": "Winter crossing of the ridge",
            # microdata itemprop="description articleBody": the whole post, declared.
            "description": "We left the hut at five, with head torches and crampons, and reached "
            "the first saddle as the light came up over the valley; the snow was hard and the "
            "wind had dropped. The descent took longer than we planned.",
            "url": BLOGGER,
            "image": "https://blogger.googleusercontent.com/img/b/R29vZ2xl/s640/ridge.jpg",
            "imageWidth": 640,
            "publishedAt": "2024-02-03T19:38:00Z",
            "siteName": "Trail Notes",
            "author": "Maren Holt",
            "lang": "en",
        },
    ),
    "bare-theme-visible-date-lead-thumbnail-logo-byline-with-job-title": Page(
        "bare_theme_visible_date.html",
        GAZETTE,
        {
            "title": "Ferry timetable changes from Monday",
            "description": "The first ferry of the day will leave the north pier at 6.40am "
            "instead of 7.05am from Monday, when the winter timetable starts, and the last "
            "return crossing moves half an hour earlier.",
            "url": GAZETTE,
            "image": "https://lakesidegazette.example/wp-content/uploads/2024/10/ferry-1024x576.jpg",
            "imageWidth": 1024,
            "imageHeight": 576,
            "publishedAt": "2024-10-25T20:30:00Z",  # "4:30 PM ET" in October is EDT
            "siteName": "Lakeside Gazette",
            "author": "Tom Reyes",
            "lang": "en-GB",
        },
    ),
    "video-object-is-the-main-entity": Page(
        "video_page_jsonld.html",
        "https://coastline.example/video/wetland-reserve",
        {
            "title": "Drone footage of the new wetland reserve",
            "description": "The reserve opened to visitors this week after three years of "
            "restoration work.",
            "image": "https://media.coastline.example/thumbs/wetland-1280.jpg",
            "publishedAt": "2024-06-14T13:30:00Z",
            "siteName": "Coastline TV",
            "author": "Dana Whitfield",
            "lang": "en",
            "type": "videoobject",
        },
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_page_metadata_matches_what_the_page_declares(case: Page) -> None:
    metadata = extract((PAGES / case.file).read_bytes(), case.url, case.content_type)

    assert metadata.to_json() == {key: case.expected.get(key) for key in FIELDS}
    assert metadata.is_amp is case.is_amp


def test_every_saved_page_has_a_case() -> None:
    assert {path.name for path in PAGES.glob("*.html")} == {case.file for case in CASES.values()}
