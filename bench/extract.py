"""Extraction benchmark: pages/s and MB/s, as the crawl reads pages (head-only) vs whole page.

    python bench/extract.py [--pages N] [--seed S] [--rounds R]

Generates N article pages of 100-300 KB, deterministically (fixed seed), shaped like
what news CMSs serve: a head with charset, viewport, meta description, Open Graph,
Twitter card, canonical and amphtml links, preloads, inline critical CSS and
analytics/ad/consent scripts; a long body with a navigation bar, the article's
paragraphs and figures, a related-stories rail, a footer full of links and more
inline scripts.  Four publisher shapes, one page in four each:

- ``wordpress``: Yoast-style JSON-LD ``@graph`` in the head, 20-60 KB of global styles;
- ``arc``: the head has Open Graph and Twitter tags only; the JSON-LD ``NewsArticle``
  and a 40-90 KB ``__NEXT_DATA__``-style JSON blob sit at the end of the body, as on
  Arc XP and Next.js sites;
- ``legacy``: 60-120 KB of inline scripts in the head (tag managers, ad stacks,
  polyfills, with ``</head>`` and ``<body`` inside string literals), meta tags in the
  head, the byline only in the body;
- ``bare``: a theme with no SEO metadata at all: only ``<title>`` ("Headline | Site")
  and a canonical link in the head; a logo whose alt text is the site's name, 20-80 KB
  of mega-menu (inline SVG icons) before the article, a byline with a job title, the
  date as text in US Eastern time, a lead paragraph and a sized first image.

Each page is then extracted two ways, over R rounds (the fastest round is kept):

1. **head-only**, as the crawl reads a page: the bytes arrive in 16 KiB chunks (the
   fetch layer's read size), the crawl's stop rule ``crawler.checks.pages.PageStop``
   is asked after each one (the head, or the head and up to 96 KiB of body when the
   head leaves a field empty), and ``crawler.extract.extract`` gets what was read when
   it says yes;
2. **whole page**: ``extract`` on every byte.

It prints pages/s and MB/s for each (MB = 10^6 bytes of the pages, so the two MB/s
figures are comparable: both count the full page size), the bytes given to the
extractor per shape, the stop rule's own cost, whether the two ways give the same
fields (naming the fields that differ and the shapes they differ on), and which fields
differ from what the generator wrote.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime
import json
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from crawler.checks.pages import PageStop
from crawler.extract import PageMetadata, extract

CHUNK = 16 * 1024  # bytes per read, as crawler.fetch.client reads bodies
SHAPES = ("wordpress", "arc", "legacy", "bare")
VOCABULARY = """
    the a of to and in for on with that is was are as by from at this its their more than
    government minister council company market investors shares growth energy climate
    police court judge election voters campaign hospital patients doctors school students
    city residents housing prices inflation bank rates economy workers union strike talks
    research scientists study university data report analysis technology software model
    said says told according spokesperson statement announced expected week month year
    new first last major local national international global public private security
"""
WORDS = VOCABULARY.split()
FIRST_NAMES = ("Sarah", "James", "Amina", "Li", "Tomasz", "Priya", "Kwame", "Ines")
SURNAMES = ("Khan", "Okafor", "Brennan", "Nakamura", "Silva", "Novak", "Hughes", "Lindqvist")
CONTENT_TYPE = "text/html; charset=utf-8"
HEADERS = {"content-type": CONTENT_TYPE}
EASTERN_DST = (3, 11)  # months fully inside (Apr-Oct) or outside daylight time, for "ET"


@dataclass(frozen=True)
class Page:
    shape: str
    data: bytes
    truth: dict[str, object]  # what the generator wrote, as PageMetadata fields


def sentence(rng: random.Random, low: int = 8, high: int = 24) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def filler(rng: random.Random, size: int, make: Callable[[random.Random], str]) -> str:
    parts: list[str] = []
    total = 0
    while total < size:
        part = make(rng)
        parts.append(part)
        total += len(part)
    return "".join(parts)


def css_rule(rng: random.Random) -> str:
    name = f".{rng.choice(WORDS)}-{rng.choice(('card', 'rail', 'hero', 'nav', 'byline'))}"
    return (
        f"{name}{rng.randrange(999)}{{margin:{rng.randrange(40)}px {rng.randrange(40)}px;"
        f"padding:{rng.randrange(24)}px;color:#{rng.randrange(0x1000000):06x};"
        f"font:{rng.randrange(11, 40)}px/1.{rng.randrange(9)} var(--font-{rng.choice(WORDS)})}}\n"
    )


def js_statement(rng: random.Random) -> str:
    a, b = rng.choice(WORDS), rng.choice(WORDS)
    forms = (
        f"var {a}{rng.randrange(99)}=function(e,t){{return e&&e.{b}?t[{rng.randrange(64)}]:null}};",
        f'window.__{a}=window.__{a}||[];window.__{a}.push({{"slot":"{b}-{rng.randrange(9)}"}});',
        f"if(document.cookie.indexOf('{a}=')<0){{document.cookie='{a}={rng.randrange(10**9)}'}}",
        f"e.innerHTML='<div class=\"{a}\"><span>{b}</span></div>';",
        "document.write('<\\/head><body class=\"ad\">');",  # markup in a string literal
    )
    return rng.choice(forms) + "\n"


def json_ld(data: dict[str, object]) -> str:
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def article_ld(rng: random.Random, meta: dict[str, str], graph: bool) -> str:
    news = {
        "@type": "NewsArticle",
        "headline": meta["title"],
        "description": meta["description"],
        "datePublished": meta["published"],
        "dateModified": meta["modified"],
        "author": [{"@type": "Person", "name": meta["author"]}],
        "publisher": {"@type": "Organization", "name": meta["site"]},
        "image": {"@type": "ImageObject", "url": meta["image"], "width": 1200, "height": 675},
        "mainEntityOfPage": {"@type": "WebPage", "@id": meta["url"]},
        "inLanguage": "en-GB",
    }
    if not graph:
        return json_ld({"@context": "https://schema.org", **news})
    site = {"@type": "WebSite", "@id": f"{meta['home']}#website", "name": meta["site"]}
    crumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i + 1, "name": rng.choice(WORDS)} for i in range(3)
        ],
    }
    return json_ld({"@context": "https://schema.org", "@graph": [site, news, crumbs]})


def head_tags(meta: dict[str, str], with_author: bool) -> list[str]:
    def tag(attribute: str, name: str, value: str) -> str:
        return f'<meta {attribute}="{name}" content="{escape(value)}">'

    tags = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(meta['title'])} | {escape(meta['site'])}</title>",
        tag("name", "description", meta["description"]),
        f'<link rel="canonical" href="{meta["url"]}">',
        f'<link rel="amphtml" href="{meta["url"]}amp/">',
        '<link rel="preconnect" href="https://cdn.example-media.net">',
        '<link rel="preload" as="font" href="/fonts/serif.woff2" crossorigin>',
        tag("property", "og:type", "article"),
        tag("property", "og:site_name", meta["site"]),
        tag("property", "og:title", meta["title"]),
        tag("property", "og:description", meta["description"]),
        tag("property", "og:url", meta["url"]),
        tag("property", "og:image", meta["image"]),
        tag("property", "og:image:width", "1200"),
        tag("property", "og:image:height", "675"),
        tag("property", "article:published_time", meta["published"]),
        tag("name", "twitter:card", "summary_large_image"),
        tag("name", "twitter:title", meta["title"]),
        tag("name", "twitter:image", meta["image"]),
    ]
    if with_author:
        tags.append(tag("name", "author", meta["author"]))
    return tags


def body_html(rng: random.Random, meta: dict[str, str], size: int, byline: bool) -> str:
    nav = "".join(f'<li><a href="/{w}/">{w.title()}</a></li>' for w in rng.sample(WORDS, 24))
    by = f'<a rel="author" href="/author/x/">{escape(meta["author"])}</a>' if byline else ""
    rail = "".join(
        f'<li><a href="/news/{rng.randrange(10**7)}/">{sentence(rng, 6, 12)}</a></li>'
        for _ in range(12)
    )
    footer = "".join(f'<a href="/{w}/">{w}</a> ' for w in rng.sample(WORDS, 40))

    def block(r: random.Random) -> str:
        roll = r.random()
        if roll < 0.08:
            image = f'<img src="/img/{r.randrange(10**6)}.jpg" alt="">'
            return f"<figure>{image}<figcaption>{sentence(r)}</figcaption></figure>\n"
        if roll < 0.14:
            return f"<script>{filler(r, r.randrange(500, 3000), js_statement)}</script>\n"
        return "<p>" + " ".join(sentence(r) for _ in range(r.randint(3, 7))) + "</p>\n"

    return (
        f'<header><nav><ul class="nav">{nav}</ul></nav></header><main><article>'
        f'<h1>{escape(meta["title"])}</h1><p class="byline">By {by}</p>'
        f'<time datetime="{meta["published"]}">{meta["published"][:10]}</time>'
        f"{filler(rng, size, block)}</article>"
        f'<aside><h2>Most read</h2><ol class="rail">{rail}</ol></aside></main>'
        f"<footer>{footer}</footer>"
    )


def bare_head(rng: random.Random, meta: dict[str, str]) -> list[str]:
    """A theme with no SEO plugin: a title, a canonical link, styles and scripts, nothing else."""
    return [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(meta['title'])} | {escape(meta['site'])}</title>",
        f'<link rel="canonical" href="{meta["url"]}">',
        f"<style>{filler(rng, rng.randint(10_000, 30_000), css_rule)}</style>",
        f"<script>{filler(rng, rng.randint(2_000, 8_000), js_statement)}</script>",
    ]


def bare_truth(meta: dict[str, str]) -> dict[str, object]:
    """What a bare page says only to readers: its lead, its first image, a local date."""
    return {"description": meta["lead"], "image": meta["body_image"], "published_at": meta["utc"]}


def bare_body(rng: random.Random, meta: dict[str, str], size: int) -> str:
    """A mega-menu of 20-80 KB before the article; the date in Eastern time, byline with role."""
    icon = (
        '<svg viewBox="0 0 24 24"><path d="' + "M12 2l3 7h7l-5.5 4 2 7-6.5-4.5z " * 6 + '"/></svg>'
    )
    menu: list[str] = []
    menu_size = rng.randint(20_000, 80_000)
    while sum(map(len, menu)) < menu_size:
        links = "".join(
            f'<li><a href="/{w}/">{icon}{w.title()}</a></li>' for w in rng.sample(WORDS, 12)
        )
        menu.append(f'<div class="mega-menu__column"><ul>{links}</ul></div>')

    def block(r: random.Random) -> str:
        return "<p>" + " ".join(sentence(r) for _ in range(r.randint(3, 7))) + "</p>\n"

    return (
        f'<header class="site-header"><a href="/"><img class="logo" src="/logo.svg" '
        f'alt="{escape(meta["site"])}"></a><nav class="mega-menu">{"".join(menu)}</nav></header>'
        f"<main><article><h1>{escape(meta['title'])}</h1>"
        f'<div class="byline">{escape(meta["author"])}, Staff Writer</div>'
        f'<span class="date">{meta["local"]}</span>'
        f'<p>{escape(meta["lead"])}</p><figure><img src="{meta["body_image"]}" width="1200" '
        f'height="675"><figcaption>{sentence(rng)}</figcaption></figure>'
        f"{filler(rng, size - sum(map(len, menu)), block)}</article></main>"
        "<footer><p>All rights reserved.</p></footer>"
    )


def eastern(rng: random.Random, day: str) -> tuple[str, str]:
    """A time of ``day`` as a US page prints it ("July 9, 2021 4:05 PM ET") and in UTC."""
    moment = datetime.datetime.fromisoformat(day).replace(
        hour=rng.randint(6, 22), minute=rng.randint(0, 59)
    )
    offset = 4 if EASTERN_DST[0] < moment.month < EASTERN_DST[1] else 5
    utc = moment + datetime.timedelta(hours=offset)
    local = f"{moment:%B} {moment.day}, {moment.year} {moment.hour % 12 or 12}:{moment:%M %p} ET"
    return local, f"{utc:%Y-%m-%dT%H:%M:00Z}"


def generate(rng: random.Random, index: int) -> Page:
    shape = SHAPES[index % len(SHAPES)]
    site = f"The {rng.choice(WORDS).title()} {rng.choice(('Times', 'Post', 'Herald', 'Chronicle'))}"
    home = f"https://www.news{index % 17}.example/"
    slug = "-".join(rng.choice(WORDS) for _ in range(7))
    month = rng.choice([1, 2, 4, 5, 6, 7, 8, 9, 10, 12])  # not the months daylight time changes
    day = f"2021-{month:02d}-{rng.randint(1, 28):02d}"
    local, utc = eastern(rng, day)
    meta = {
        "title": sentence(rng, 7, 14).rstrip("."),
        "description": sentence(rng, 18, 30),
        "url": f"{home}news/{day[:7].replace('-', '/')}/{slug}/",
        "home": home,
        "site": site,
        "image": f"https://cdn.example-media.net/{day}/{slug}.jpg",
        "published": f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
        "modified": f"{day}T23:59:00Z",
        "author": f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
        "lead": sentence(rng, 20, 40),
        "body_image": f"https://cdn.example-media.net/{day}/{slug}-body.jpg",
        "local": local,
        "utc": utc,
    }
    target = rng.randint(100_000, 290_000)
    head = head_tags(meta, with_author=shape != "legacy")
    tail = ""
    truth: dict[str, object] = {
        "title": meta["title"],
        "description": meta["description"],
        "url": meta["url"],
        "image": meta["image"],
        "published_at": meta["published"],
        "site_name": site,
        "author": meta["author"],
        "lang": "en-GB",
    }
    if shape == "wordpress":
        styles = filler(rng, rng.randint(20_000, 60_000), css_rule)
        head.append(f'<style id="global-styles">{styles}</style>')
        head.append(article_ld(rng, meta, graph=True))
        head.append(f"<script>{filler(rng, 4_000, js_statement)}</script>")
    elif shape == "arc":
        head.append(f"<style>{filler(rng, rng.randint(8_000, 20_000), css_rule)}</style>")
        blob = {"props": {"pageProps": {"story": [sentence(rng) for _ in range(400)]}}}
        blob_size = rng.randint(40_000, 90_000)
        while len(json.dumps(blob)) < blob_size:
            blob["props"]["pageProps"]["story"] += [sentence(rng) for _ in range(100)]
        tail = article_ld(rng, meta, graph=False) + (
            f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(blob)}</script>'
        )
    elif shape == "legacy":
        head.append(f"<script>{filler(rng, rng.randint(60_000, 120_000), js_statement)}</script>")
        head.append(f"<style>{filler(rng, 3_000, css_rule)}</style>")
    else:
        head = bare_head(rng, meta)
        truth |= bare_truth(meta)
    opening = '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n' + "\n".join(head) + "\n</head>\n"
    room = max(20_000, target - len(opening) - len(tail))
    if shape == "bare":
        body = bare_body(rng, meta, room)
    else:
        body = body_html(rng, meta, room, byline=True)
    return Page(shape, f"{opening}<body>{body}{tail}</body>\n</html>\n".encode(), truth)


def crawl_prefix(data: bytes) -> bytes:
    """The bytes the crawl has read when its stop rule (``PageStop``) says yes (16 KiB reads)."""
    read, stop = b"", PageStop()
    for start in range(0, len(data), CHUNK):
        read += data[start : start + CHUNK]
        if stop(HEADERS, read):
            break
    return read


def head_only(page: Page) -> PageMetadata:
    return extract(crawl_prefix(page.data), "https://bench.example/", CONTENT_TYPE)


def whole(page: Page) -> PageMetadata:
    return extract(page.data, "https://bench.example/", CONTENT_TYPE)


def timed(pages: list[Page], how: Callable[[Page], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for page in pages:
            how(page)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=60, help="pages generated (default 60)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pages = [generate(rng, index) for index in range(args.pages)]
    sizes = [len(page.data) for page in pages]
    total = sum(sizes)
    read = [len(crawl_prefix(page.data)) for page in pages]
    print(
        f"{len(pages)} pages, {min(sizes) // 1000}-{max(sizes) // 1000} KB "
        f"(mean {statistics.mean(sizes) / 1000:.0f} KB), {total / 1e6:.1f} MB; "
        f"shapes: {', '.join(f'{s} {sum(p.shape == s for p in pages)}' for s in SHAPES)}"
    )
    shapes = {shape: [page for page in pages if page.shape == shape] for shape in SHAPES}
    print(
        f"{'':12} {'pages/s':>8} {'MB/s':>7} {'KB read/page':>15}"
        + "".join(f"{shape + ' pages/s':>20}" for shape in SHAPES)
    )
    for name, how, parsed in (
        ("head-only", head_only, statistics.mean(read)),
        ("whole page", whole, statistics.mean(sizes)),
    ):
        seconds = timed(pages, how, args.rounds)
        by_shape = [len(group) / timed(group, how, args.rounds) for group in shapes.values()]
        print(
            f"{name:12} {len(pages) / seconds:8.1f} {total / 1e6 / seconds:7.2f} "
            f"{parsed / 1000:15.0f}" + "".join(f"{rate:20.1f}" for rate in by_shape)
        )
    per_page = timed(pages, lambda page: crawl_prefix(page.data), args.rounds) / len(pages)
    print(f"(of head-only: the stop rule after each 16 KiB read, {per_page * 1e3:.2f} ms a page)")
    for shape, group in shapes.items():
        kb = statistics.mean(len(crawl_prefix(page.data)) for page in group) / 1000
        print(f"  {shape}: {kb:.0f} KB read a page on the crawl path")

    differ: collections.Counter[tuple[str, str]] = collections.Counter()
    wrong: collections.Counter[tuple[str, str]] = collections.Counter()
    same = 0
    for page in pages:
        results = {"head-only": head_only(page), "whole page": whole(page)}
        first, second = results.values()
        same += first == second
        for field in dataclasses.fields(PageMetadata):
            if getattr(first, field.name) != getattr(second, field.name):
                differ[field.name, page.shape] += 1
        for name, result in results.items():
            for key, value in page.truth.items():
                wrong[name, key] += getattr(result, key) != value
    print(f"same fields both ways: {same} of {len(pages)} pages")
    for (field_name, shape), count in sorted(differ.items()):
        print(f"  {field_name}: differs on {count} of the {len(shapes[shape])} {shape} pages")
    for name in ("head-only", "whole page"):
        misses = [f"{key} {count}" for (how, key), count in sorted(wrong.items()) if how == name]
        misses = [item for item in misses if not item.endswith(" 0")]
        print(f"{name}: fields unlike what the generator wrote: {', '.join(misses) or 'none'}")


if __name__ == "__main__":
    main()
