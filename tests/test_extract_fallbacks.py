"""Fallbacks from the visible page (issue 13): one small page per behaviour.

Each page leaves a field undeclared (no Open Graph, no JSON-LD for it) and writes
it the way real pages do for readers; a second page per field shows that
declared metadata still wins.
"""

from __future__ import annotations

from crawler.extract import PageMetadata, extract

URL = "https://www.dailyplanet.example/news/2024/07/harbour-bridge.html"


def page(body: str, head: str = "<title>Harbour bridge reopens</title>") -> PageMetadata:
    html = f"<!doctype html><html><head><meta charset=utf-8>{head}</head><body>{body}</body></html>"
    return extract(html.encode(), URL, "text/html")


LEAD = (
    "The harbour bridge reopened on Tuesday after eleven months of repairs, "
    "cutting the morning commute for forty thousand drivers by half an hour."
)

# --- dates -------------------------------------------------------------------------------


def test_visible_date_in_a_date_classed_element_is_the_published_date() -> None:
    body = '<article><h1>Bridge</h1><div class="post-meta">July 9, 2024 10:15 AM</div></article>'
    assert page(body).published_at == "2024-07-09T10:15:00Z"


def test_visible_date_in_a_time_element_without_datetime_is_read() -> None:
    assert page("<article><time>3 February 2024</time></article>").published_at == "2024-02-03"


def test_blogger_abbr_title_gives_the_published_instant() -> None:
    body = (
        '<div class="post"><abbr class="published" itemprop="datePublished" '
        'title="2024-02-03T20:38:00Z">February 03, 2024</abbr></div>'
    )
    assert page(body).published_at == "2024-02-03T20:38:00Z"


def test_visible_date_in_eastern_time_follows_daylight_saving() -> None:
    summer = page('<article><span class="date">July 9, 2024 10:15 AM ET</span></article>')
    winter = page('<article><span class="date">January 9, 2024 10:15 AM ET</span></article>')
    assert summer.published_at == "2024-07-09T14:15:00Z"
    assert winter.published_at == "2024-01-09T15:15:00Z"


def test_updated_date_is_not_taken_for_the_published_date() -> None:
    body = (
        '<article><span class="updated-date">July 11, 2024</span>'
        '<span class="byline__date">Published July 9, 2024</span></article>'
    )
    assert page(body).published_at == "2024-07-09"


def test_date_in_a_related_stories_rail_is_not_the_article_date() -> None:
    body = (
        '<aside class="related"><span class="date">June 1, 2024</span></aside>'
        '<article><p class="dateline">July 9, 2024</p></article>'
    )
    assert page(body).published_at == "2024-07-09"


def test_declared_published_time_beats_a_visible_date() -> None:
    head = '<meta property="article:published_time" content="2024-07-08T06:00:00Z">'
    body = '<article><span class="date">July 9, 2024</span></article>'
    assert page(body, head).published_at == "2024-07-08T06:00:00Z"


# --- site name ---------------------------------------------------------------------------


def test_site_name_from_the_title_suffix_naming_the_host() -> None:
    metadata = page("", "<title>Harbour bridge reopens | Daily Planet</title>")
    assert metadata.site_name == "Daily Planet"
    assert metadata.title == "Harbour bridge reopens"


def test_site_name_from_the_title_suffix_after_the_declared_headline() -> None:
    head = (
        '<meta property="og:title" content="Harbour bridge reopens">'
        "<title>Harbour bridge reopens - Metropolis Evening News</title>"
    )
    assert page("", head).site_name == "Metropolis Evening News"


def test_title_suffix_that_is_part_of_the_headline_is_not_a_site_name() -> None:
    assert page("", "<title>Bridge reopens - and traffic halves</title>").site_name is None


def test_application_name_is_the_site_name_when_open_graph_names_none() -> None:
    head = '<meta name="application-name" content="Planet Live"><title>Bridge | Planet</title>'
    assert page("", head).site_name == "Planet Live"


def test_site_name_from_the_logo_alt_text() -> None:
    logo = '<img class="site-logo" src="/l.svg" alt="Daily Planet logo">'
    body = f'<header><a href="/">{logo}</a></header>'
    assert page(body).site_name == "Daily Planet"


def test_open_graph_site_name_beats_the_title_suffix() -> None:
    head = '<meta property="og:site_name" content="The Planet"><title>Bridge | Daily Planet</title>'
    assert page("", head).site_name == "The Planet"


# --- description -------------------------------------------------------------------------


def test_lead_paragraph_is_the_description_when_no_meta_description() -> None:
    assert page(f"<article><h1>Bridge</h1><p>{LEAD}</p><p>More.</p></article>").description == LEAD


def test_lead_paragraph_skips_notices_captions_and_short_lines() -> None:
    body = (
        "<article><p>By Jane Doe</p>"
        '<p class="editor-note">This article was amended on 10 July 2024 to correct the '
        "number of lanes that reopened on the northern approach of the bridge.</p>"
        "<figure><img src=/b.jpg><figcaption><p>The bridge at dawn, seen from the northern "
        "shore, where the repair barges were moored for most of the year.</p></figcaption>"
        f"</figure><p>{LEAD}</p></article>"
    )
    assert page(body).description == LEAD


def test_lead_paragraph_skips_navigation_and_footer_paragraphs() -> None:
    chrome = (
        "<p>Subscribe to our newsletter for the latest local news, sport and weather "
        "delivered to your inbox every single morning of the week.</p>"
    )
    body = f"<nav>{chrome}</nav><main><p>{LEAD}</p></main><footer>{chrome}</footer>"
    assert page(body).description == LEAD


def test_article_body_paragraph_beats_an_earlier_paragraph_outside_the_article() -> None:
    other = "A promotional paragraph that sits above the article " * 3
    body = f'<div class="intro"><p>{other}</p></div><div class="entry-content"><p>{LEAD}</p></div>'
    assert page(body).description == LEAD


def test_long_lead_paragraph_is_cut_at_a_word() -> None:
    description = page(f"<article><p>{LEAD * 6}</p></article>").description
    assert description is not None
    assert len(description) <= 501
    assert description.endswith("…")
    assert LEAD.startswith(description[:100])


def test_meta_description_beats_the_lead_paragraph() -> None:
    head = '<meta name="description" content="Bridge reopens.">'
    assert page(f"<article><p>{LEAD}</p></article>", head).description == "Bridge reopens."


# --- image -------------------------------------------------------------------------------


def test_video_poster_is_the_image_when_no_meta_image() -> None:
    body = '<article><video poster="/media/bridge.jpg" src="/media/bridge.mp4"></video></article>'
    assert page(body).image == "https://www.dailyplanet.example/media/bridge.jpg"


def test_first_large_content_image_skips_logos_avatars_pixels_and_placeholders() -> None:
    body = (
        '<header><img src="/logo.png" alt="Daily Planet"></header><article>'
        '<img class="avatar" src="/people/jane.jpg" width="48" height="48">'
        '<img src="/emoji/1f600.png"><img src="https://t.example/p.gif" width="1" height="1">'
        '<img src="data:image/gif;base64,R0lGOD">'
        '<img src="/img/bridge-wide.jpg" width="1200" height="675"></article>'
    )
    metadata = page(body)
    assert metadata.image == "https://www.dailyplanet.example/img/bridge-wide.jpg"
    assert (metadata.image_width, metadata.image_height) == (1200, 675)


def test_lazy_loaded_image_gives_its_real_source() -> None:
    body = '<article><img src="data:image/svg+xml,%3Csvg%3E" data-src="/img/lazy.jpg"></article>'
    assert page(body).image == "https://www.dailyplanet.example/img/lazy.jpg"


def test_image_declared_small_is_not_the_content_image() -> None:
    assert (
        page('<article><img src="/img/thumb.jpg" width="150" height="100"></article>').image is None
    )


def test_open_graph_image_beats_a_content_image() -> None:
    head = '<meta property="og:image" content="https://cdn.example/share.jpg">'
    body = '<article><img src="/img/bridge-wide.jpg" width="1200" height="675"></article>'
    assert page(body, head).image == "https://cdn.example/share.jpg"


# --- JSON-LD beyond articles ---------------------------------------------------------------


def ld(data: str) -> str:
    return f'<script type="application/ld+json">{data}</script>'


def test_video_object_is_the_main_entity_of_a_video_page() -> None:
    head = ld(
        '{"@context": "https://schema.org", "@type": "VideoObject", "name": "Bridge timelapse",'
        ' "uploadDate": "2024-07-09T08:00:00+01:00", "author": {"@type": "Person", "name": '
        '"Ann Lee"}, "thumbnailUrl": "https://cdn.example/thumb.jpg", "description": "Timelapse."}'
    )
    metadata = page("", head)
    assert (metadata.title, metadata.description) == ("Bridge timelapse", "Timelapse.")
    assert (metadata.published_at, metadata.author) == ("2024-07-09T07:00:00Z", "Ann Lee")
    assert (metadata.image, metadata.type) == ("https://cdn.example/thumb.jpg", "videoobject")


def test_podcast_episode_is_the_main_entity_with_its_thumbnail_object() -> None:
    head = ld(
        '{"@type": "PodcastEpisode", "name": "Episode 12: Bridges", "datePublished": '
        '"2024-05-01", "thumbnail": {"@type": "ImageObject", "url": "https://cdn.example/e12.jpg",'
        ' "width": 600, "height": 600}}'
    )
    metadata = page("", head)
    assert (metadata.title, metadata.published_at) == ("Episode 12: Bridges", "2024-05-01")
    assert (metadata.image, metadata.image_width) == ("https://cdn.example/e12.jpg", 600)


def test_video_embedded_in_an_article_does_not_fill_the_articles_gaps() -> None:
    head = (
        ld(
            '[{"@type": "NewsArticle", "headline": "Bridge reopens"}, {"@type": "VideoObject", '
            '"name": "Clip", "author": "Video Desk", "uploadDate": "2020-01-01"}]'
        )
        + '<meta name="author" content="Jane Doe">'
    )
    metadata = page("", head)
    assert (metadata.author, metadata.published_at) == ("Jane Doe", None)


# --- bylines -----------------------------------------------------------------------------


def test_job_title_after_the_byline_name_is_cut() -> None:
    body = '<div class="byline">Jane Doe, Vice President, Cloud</div>'
    assert page(body).author == "Jane Doe"


def test_job_title_after_a_declared_author_is_cut() -> None:
    head = '<meta name="author" content="Jane Doe - Senior Correspondent">'
    assert page("", head).author == "Jane Doe"


def test_several_authors_are_not_taken_for_a_job_title() -> None:
    assert (
        page("", '<meta name="author" content="Jane Doe, John Roe">').author == "Jane Doe, John Roe"
    )


def test_link_in_the_author_bio_is_not_the_author() -> None:
    body = (
        '<div class="author-box"><div class="author-bio">Jane covers transport for '
        '<a href="https://other.example/">Metro Weekly</a> and us.</div>'
        '<a class="author-name" href="/people/jane">Jane Doe</a></div>'
    )
    assert page(body).author == "Jane Doe"


# --- parsing -----------------------------------------------------------------------------


def test_byline_written_after_the_end_of_the_document_is_still_read() -> None:
    html = '<html><head><title>T</title></head><body></body></html><p class="byline">By Ann Lee</p>'
    assert extract(html.encode(), URL).author == "Ann Lee"


def test_byline_inside_an_inert_template_is_not_read() -> None:
    body = '<template><p class="byline">By Ann Lee</p></template><p class="byline">By Bo Chen</p>'
    assert page(body).author == "Bo Chen"
