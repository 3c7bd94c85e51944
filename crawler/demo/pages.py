"""HTML of the example site: article pages, AMP copies and the error pages.

Pure functions from content to text, no HTTP.  Article pages carry what real
news sites put in their head and what the extractor reads: ``<title>``, meta
description, Open Graph (https://ogp.me/) with ``og:image:width``/``height``,
``article:published_time``, a Twitter card, JSON-LD ``NewsArticle``
(https://schema.org/NewsArticle), ``rel=canonical`` and, when there is an AMP
copy, ``rel=amphtml``.  Bodies are filler text, generated deterministically from
the URL, sized like real pages (20-60 KB).
"""

from __future__ import annotations

import hashlib
import json
import random
from html import escape

from crawler.demo.content import Page, Picture

_VOCABULARY = """
    model data training research chips compute cloud inference latency accuracy benchmark
    startup investors regulators policy privacy developers engineers researchers platform
    network sensors robots automation language vision speech customers enterprise market
    billion percent quarter revenue growth hardware software open source dataset labs team
    results paper study university government industry scale energy efficient faster new
    said according analysts expect while however because across within during before after
    the a of to and in for on with that is was are as by from at this its their more than
"""
_WORDS = _VOCABULARY.split()

_AMP_BOILERPLATE = (
    "<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "animation:-amp-start 8s steps(1,end) 0s 1 normal both}@keyframes -amp-start{from{visibility:"
    "hidden}to{visibility:visible}}</style><noscript><style amp-boilerplate>body{-webkit-animation:"
    "none;animation:none}</style></noscript>"
)


def article(page: Page, picture: Picture | None) -> str:
    """The canonical article page."""
    head = [
        '<meta charset="utf-8">',
        f"<title>{escape(page.title)} | {escape(page.site_name)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        _meta("name", "description", page.description),
        f'<link rel="canonical" href="{escape(page.url)}">',
    ]
    if page.amp_url:
        head.append(f'<link rel="amphtml" href="{escape(page.amp_url)}">')
    head += _social(page, picture)
    head.append(_json_ld(page))
    image = ""
    if page.image_url:
        size = f' width="{picture.width}" height="{picture.height}"' if picture else ""
        image = f'<figure><img src="{escape(page.image_url)}"{size} alt=""></figure>'
    return _document(
        '<html lang="en">',
        head,
        f"{_masthead(page.site_name)}<main><article><h1>{escape(page.title)}</h1>"
        f'<p class="standfirst">{escape(page.description)}</p>'
        f'<time datetime="{page.published}">{page.published[:10]}</time>'
        f"{image}{_paragraphs(page.url, 20_000, 60_000)}</article></main>{_footer(page)}",
    )


def amp(page: Page, picture: Picture | None) -> str:
    """The AMP copy (https://amp.dev/documentation/guides-and-tutorials/learn/spec/amphtml)."""
    head = [
        '<meta charset="utf-8">',
        '<script async src="https://cdn.ampproject.org/v0.js"></script>',
        f"<title>{escape(page.title)} | {escape(page.site_name)}</title>",
        f'<link rel="canonical" href="{escape(page.url)}">',
        '<meta name="viewport" content="width=device-width">',
        _meta("name", "description", page.description),
        *_social(page, picture),
        _json_ld(page),
        _AMP_BOILERPLATE,
    ]
    image = ""
    if page.image_url and picture:
        image = (
            f'<amp-img src="{escape(page.image_url)}" width="{picture.width}" '
            f'height="{picture.height}" layout="responsive" alt=""></amp-img>'
        )
    return _document(
        '<html ⚡ lang="en">',
        head,
        f"<header>{escape(page.site_name)}</header><article><h1>{escape(page.title)}</h1>"
        f"{image}{_paragraphs(page.url + '#amp', 8_000, 16_000)}</article>",
    )


def home(site_name: str, pages: list[Page]) -> str:
    items = "".join(f'<li><a href="{escape(p.url)}">{escape(p.title)}</a></li>' for p in pages)
    return _document(
        '<html lang="en">',
        ['<meta charset="utf-8">', f"<title>{escape(site_name)}</title>"],
        f"{_masthead(site_name)}<main><h1>Latest</h1><ul>{items}</ul></main>",
    )


def catch_all(site_name: str, title: str, description: str, latest: list[Page]) -> str:
    """What a catch-all host serves, with 200, for any path it has no page for: a search page.

    The same bytes whatever the path (the request is not echoed back), as long
    as an article page, and nothing in it says "not found": a soft 404 only a
    comparison with another unknown path can recognise.
    """
    head = [
        '<meta charset="utf-8">',
        f"<title>{escape(title)} | {escape(site_name)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        _meta("name", "description", description),
        _meta("name", "robots", "noindex, follow"),
        _meta("property", "og:type", "website"),
        _meta("property", "og:site_name", site_name),
        _meta("property", "og:title", title),
    ]
    items = "".join(
        f'<li><a href="{escape(page.url)}">{escape(page.title)}</a>'
        f"<p>{escape(page.description)}</p></li>"
        for page in latest
    )
    most_read = _paragraphs(site_name + "#most-read", 12_000, 16_000)
    footer = f"<footer><p>© 2021 {escape(site_name)}. All rights reserved.</p></footer>"
    return _document(
        '<html lang="en">',
        head,
        f"{_masthead(site_name)}<main><h1>{escape(title)}</h1>"
        '<form role="search" action="/search"><input type="search" name="q" '
        'placeholder="Search"><button type="submit">Search</button></form>'
        f"<section><h2>Latest news</h2><ul>{items}</ul></section>"
        f"<section><h2>Most read</h2>{most_read}</section></main>{footer}",
    )


def message(title: str, text: str, site_name: str = "") -> str:
    """A plain page for errors: 404, 410, 503, 429, a soft 404 and the like."""
    return _document(
        '<html lang="en">',
        [
            '<meta charset="utf-8">',
            f"<title>{escape(title)}</title>",
            '<meta name="robots" content="noindex">',
        ],
        f"{_masthead(site_name) if site_name else ''}<main><h1>{escape(title)}</h1>"
        f"<p>{escape(text)}</p></main>",
    )


def bot_wall(host: str) -> str:
    """A Cloudflare-style interstitial, as served with ``cf-mitigated: challenge``."""
    return _document(
        '<html lang="en-US">',
        [
            '<meta charset="utf-8">',
            "<title>Just a moment...</title>",
            '<meta name="robots" content="noindex,nofollow">',
        ],
        f'<div class="main-wrapper" role="main"><h1>{escape(host)}</h1>'
        "<h2>Checking if the site connection is secure</h2>"
        "<noscript>Enable JavaScript and cookies to continue</noscript>"
        '<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></div>',
    )


def _document(opening: str, head: list[str], body: str) -> str:
    return (
        f"<!doctype html>\n{opening}\n<head>\n"
        + "\n".join(head)
        + f"\n</head>\n<body>{body}</body>\n</html>\n"
    )


def _meta(attribute: str, name: str, content: str) -> str:
    return f'<meta {attribute}="{name}" content="{escape(content)}">'


def _social(page: Page, picture: Picture | None) -> list[str]:
    tags = [
        _meta("property", "og:type", "article"),
        _meta("property", "og:site_name", page.site_name),
        _meta("property", "og:title", page.title),
        _meta("property", "og:description", page.description),
        _meta("property", "og:url", page.url),
    ]
    if page.image_url:
        tags.append(_meta("property", "og:image", page.image_url))
        if picture is not None:
            tags.append(_meta("property", "og:image:width", str(picture.width)))
            tags.append(_meta("property", "og:image:height", str(picture.height)))
    tags.append(_meta("property", "article:published_time", page.published))
    tags += [_meta("property", "article:tag", topic) for topic in page.topics]
    tags += [
        _meta("name", "twitter:card", "summary_large_image"),
        _meta("name", "twitter:title", page.title),
        _meta("name", "twitter:description", page.description),
    ]
    if page.image_url:
        tags.append(_meta("name", "twitter:image", page.image_url))
    return tags


def _json_ld(page: Page) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.title,
        "description": page.description,
        "datePublished": page.published,
        "mainEntityOfPage": {"@type": "WebPage", "@id": page.url},
        "publisher": {"@type": "Organization", "name": page.site_name},
        "image": [page.image_url] if page.image_url else [],
    }
    # "</" would end the script element early (HTML spec, script data state).
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def _masthead(site_name: str) -> str:
    return (
        f'<header><a href="/" class="logo">{escape(site_name)}</a><nav><a href="/news/">News</a>'
        ' <a href="/about/">About</a></nav></header>'
    )


def _footer(page: Page) -> str:
    return f"<footer><p>© 2021 {escape(page.site_name)}. All rights reserved.</p></footer>"


def _paragraphs(seed: str, low: int, high: int) -> str:
    """Filler paragraphs totalling between ``low`` and ``high`` bytes, the same for a seed."""
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    target = rng.randrange(low, high)
    parts: list[str] = []
    size = 0
    while size < target:
        sentences = []
        for _ in range(rng.randrange(3, 8)):
            words = [rng.choice(_WORDS) for _ in range(rng.randrange(8, 22))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = f"<p>{' '.join(sentences)}</p>\n"
        parts.append(paragraph)
        size += len(paragraph)
    return "".join(parts)
