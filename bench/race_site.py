"""The race benchmark's synthetic news web: article files, static site files, nginx config.

:func:`build` writes N articles in the seeds' format (``NNNNNN_hex.md``, front matter
rendered by ``bench/generate.py``) whose URLs are ``http://127.0.0.X:PORT/...`` over H
hosts with a Zipf spread, and the files nginx serves for every one of those URLs:

- each article has four URLs of its own: ``originalUrl`` (``/story/...``), ``webUrl``,
  ``ampWebUrl`` (``/amp/...``) and one image (``/uploads/...-WxH.jpg``); related
  entries name other articles' ``webUrl`` and image, so URLs are shared between files;
- pages are 100-300 KB of HTML in ``bench/extract.py``'s three publisher shapes.  Each
  article's page file holds only its own head tags (title, description, Open Graph,
  canonical, amphtml, JSON-LD); the bulk (inline styles and scripts of the head, the body)
  comes from a small pool of shared files through SSI includes, so 100,000 articles take
  about 1 GB of disk, not 40;
- images are real JPEGs with an EXIF block in a few sizes, one file per size;
- the URL's first path segment decides how it answers, drawn per URL: 90 % as above,
  2 % ``/missing/`` (404), 1 % ``/gone/`` (410), 2 % ``/broken/`` (500), 4 % ``/moved/``
  (301 to the same path without the prefix) and 1 % ``/slow/`` (the same content at
  ``SLOW_RATE`` bytes/s, 1-3 s for a whole page).
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import random
from dataclasses import dataclass
from html import escape
from pathlib import Path

from extract import SHAPES, body_html, css_rule, filler, js_statement, sentence
from generate import OBJECTS, SUBJECTS, VERBS, _render
from PIL import Image

LAYOUTS = 30  # shared head/body pairs, ten per publisher shape
IMAGE_SIZES = ((1200, 675), (1600, 900), (800, 450), (640, 480), (1080, 1350))
SLOW_RATE = 100_000  # bytes/s for /slow/ URLs
BEHAVIOURS = (("", 90), ("missing/", 2), ("gone/", 1), ("broken/", 2), ("moved/", 4), ("slow/", 1))
_PREFIXES = [prefix for prefix, _ in BEHAVIOURS]
_CUMULATIVE = list(itertools.accumulate(weight for _, weight in BEHAVIOURS))


@dataclass(frozen=True)
class Corpus:
    articles: Path  # the .md files, what the crawler reads
    site: Path  # nginx's root
    urls: list[str]  # every distinct URL the articles name, in first-seen order


def host_address(index: int) -> str:
    """The index-th host: 127.0.0.1, 127.0.0.2, ... (past 254 it continues into 127.0.1.x)."""
    return str(ipaddress.IPv4Address("127.0.0.1") + index)


def _layouts(rng: random.Random, folder: Path) -> list[str]:
    """Write the shared head and body files; return each layout's shape."""
    folder.mkdir(parents=True, exist_ok=True)
    shapes = []
    for index in range(LAYOUTS):
        shape = SHAPES[index % len(SHAPES)]
        if shape == "wordpress":
            styles = filler(rng, rng.randint(20_000, 60_000), css_rule)
            head = f'<style id="global-styles">{styles}</style>'
            head += f"<script>{filler(rng, 4_000, js_statement)}</script>"
        elif shape == "arc":
            head = f"<style>{filler(rng, rng.randint(8_000, 20_000), css_rule)}</style>"
        else:
            head = f"<script>{filler(rng, rng.randint(60_000, 120_000), js_statement)}</script>"
            head += f"<style>{filler(rng, 3_000, css_rule)}</style>"
        meta = {"title": sentence(rng, 7, 14).rstrip("."), "author": "Li Nakamura"}
        meta["published"] = "2021-06-01T09:00:00Z"
        tail = ""
        if shape == "arc":
            story = [sentence(rng) for _ in range(rng.randint(400, 900))]
            blob = json.dumps({"props": {"pageProps": {"story": story}}})
            tail = f'<script id="__NEXT_DATA__" type="application/json">{blob}</script>'
        room = max(20_000, rng.randint(100_000, 290_000) - len(head) - len(tail))
        body = body_html(rng, meta, room, byline=shape != "legacy") + tail
        (folder / f"head-{index}.html").write_text(head + "\n", encoding="utf-8")
        (folder / f"body-{index}.html").write_text(body + "\n", encoding="utf-8")
        shapes.append(shape)
    return shapes


def _images(folder: Path) -> None:
    """One JPEG per size, noisy enough to weigh like a photo, with a camera's EXIF block."""
    folder.mkdir(parents=True, exist_ok=True)
    for width, height in IMAGE_SIZES:
        noise = Image.effect_noise((width // 4, height // 4), 60).resize((width, height))
        picture = Image.merge("RGB", (noise, noise.rotate(90, expand=False), noise))
        exif = Image.Exif()
        exif.update({0x010F: "Canon", 0x0110: "EOS R5", 0x0112: 1, 0x0132: "2021:06:01 09:00:00"})
        picture.save(folder / f"{width}x{height}.jpg", quality=85, exif=exif.tobytes())


def _page(meta: dict[str, str], layout: int, shape: str, amp: bool) -> str:
    def tag(attribute: str, name: str, value: str) -> str:
        return f'<meta {attribute}="{name}" content="{escape(value)}">'

    canonical, link = (meta["web"], "") if amp else (meta["web"], meta["amp"])
    tags = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(meta['title'])} | {escape(meta['site'])}</title>",
        tag("name", "description", meta["excerpt"]),
        f'<link rel="canonical" href="{canonical}">',
        f'<link rel="amphtml" href="{link}">' if link else "",
        tag("property", "og:type", "article"),
        tag("property", "og:site_name", meta["site"]),
        tag("property", "og:title", meta["title"]),
        tag("property", "og:description", meta["excerpt"]),
        tag("property", "og:url", canonical),
        tag("property", "og:image", meta["image"]),
        tag("property", "article:published_time", meta["published"]),
        tag("name", "twitter:card", "summary_large_image"),
        tag("name", "author", meta["author"]) if shape != "legacy" else "",
    ]
    if shape == "wordpress" and not amp:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle"}
        ld.update(headline=meta["title"], datePublished=meta["published"])
        tags.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    html = '<html amp lang="en-GB">' if amp else '<html lang="en-GB">'
    return (
        f"<!DOCTYPE html>\n{html}\n<head>\n"
        + "\n".join(t for t in tags if t)
        + f'\n<!--# include virtual="/_shared/head-{layout}.html" -->\n</head>\n'
        f'<body><!--# include virtual="/_shared/body-{layout}.html" --></body>\n</html>\n'
    )


def _behave(rng: random.Random, host: str, path: str) -> str:
    prefix = rng.choices(_PREFIXES, cum_weights=_CUMULATIVE)[0]
    return f"http://{host}/{prefix}{path}"


def build(folder: Path, count: int, hosts: int, port: int, seed: int = 1) -> Corpus:
    """Write the corpus and the site under ``folder``; the same arguments give the same files."""
    rng = random.Random(seed)
    articles_dir, site = folder / "articles", folder / "site"
    shapes = _layouts(rng, site / "_shared")
    _images(site / "img")
    for name in ("articles", "site/pages", "site/amp"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    zipf = list(itertools.accumulate(1 / rank for rank in range(1, hosts + 1)))
    names = [f"{host_address(i)}:{port}" for i in range(hosts)]
    articles: list[dict[str, str | int]] = []
    for number in range(count):
        page_host, image_host = rng.choices(names, cum_weights=zipf, k=2)
        article = _render_fields(rng, number, page_host, image_host)
        layout = rng.randrange(LAYOUTS)
        site_name = f"News {page_host.split(':')[0]}"
        meta = {str(k): str(v) for k, v in article.items()} | {"site": site_name}
        meta |= {"author": "Sarah Okafor", "web": _clean(meta["url"]), "amp": _clean(meta["amp"])}
        meta["published"] = str(article["published"])
        (site / "pages" / f"{number}.html").write_text(
            _page(meta, layout, shapes[layout], False), encoding="utf-8"
        )
        (site / "amp" / f"{number}.html").write_text(
            _page(meta, layout, shapes[layout], True), encoding="utf-8"
        )
        articles.append(article)
    urls: dict[str, None] = {}
    for number, article in enumerate(articles):
        others = [other for other in rng.sample(articles, min(4, count)) if other is not article]
        related = others[: rng.randrange(4)]
        text = _render(rng, article, related).replace(
            f'originalUrl: "{article["url"]}"', f'originalUrl: "{article["original"]}"', 1
        )
        (articles_dir / f"{number:06d}_{rng.randbytes(8).hex()}.md").write_text(
            text, encoding="utf-8"
        )
        for key in ("original", "url", "amp", "image"):
            urls[str(article[key])] = None
    return Corpus(articles_dir, site, list(urls))


def _clean(url: str) -> str:
    """The URL without its behaviour prefix: where a redirect lands, what a page calls itself."""
    scheme_host, _, path = url.partition("/")[2].partition("/")[2].partition("/")
    first, _, rest = path.partition("/")
    if f"{first}/" in _PREFIXES[1:]:
        path = rest
    return f"http://{scheme_host}/{path}"


def _render_fields(
    rng: random.Random, number: int, page_host: str, image_host: str
) -> dict[str, str | int]:
    """One article's fields in the shape ``generate._render`` takes, plus ``original``."""
    title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    slug = "-".join(title.lower().replace("-", " ").split()) + f"-{number}"
    month = rng.randrange(1, 13)
    width, height = rng.choice(IMAGE_SIZES)
    return {
        "title": title,
        "excerpt": f"{title} as {rng.choice(SUBJECTS).lower()} {rng.choice(VERBS)} "
        f"{rng.choice(OBJECTS)}, analysts say.",
        "published": f"2021-{month:02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:"
        f"{rng.randrange(60):02d}:00Z",
        "original": _behave(rng, page_host, f"story/{slug}.html"),
        "url": _behave(rng, page_host, f"2021/{month:02d}/{slug}.html"),
        "amp": _behave(rng, page_host, f"amp/2021/{month:02d}/{slug}.html"),
        "domain": page_host.split(":")[0],
        "image": _behave(rng, image_host, f"uploads/2021/{month:02d}/{slug}-{width}x{height}.jpg"),
        "width": width,
        "height": height,
        "quality": rng.randrange(1, 100),
    }


def nginx_config(
    folder: Path, site: Path, port: int, workers: int = 1, access_log: Path | None = None
) -> Path:
    """Write ``folder/nginx.conf``: pid, logs and temp paths all under ``folder``.

    With ``access_log``, every request is logged there as it ends, one line each
    (time, address, request line, status, Range header), so requests can be counted at the
    server; otherwise nothing is logged (logging costs the race a little).
    """
    content = [
        r"location ~ ^{p}/amp/.*-(\d+)\.html$ {{ ssi on; alias {site}/amp/$1.html; }}",
        r"location ~ ^{p}/.*-(\d+)\.html$ {{ ssi on; alias {site}/pages/$1.html; }}",
        r"location ~ ^{p}/.*-(\d+x\d+)\.jpg$ {{ alias {site}/img/$1.jpg; }}",
    ]
    plain = "\n    ".join(line.format(p="", site=site) for line in content)
    slow = "\n        ".join(line.format(p="/slow", site=site) for line in content)
    temp = folder / "temp"
    temp.mkdir(parents=True, exist_ok=True)
    # As root nginx would hand its workers to "nobody", who cannot read a private temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    logging = "access_log off;"
    if access_log is not None:
        logging = (
            'log_format counted \'$msec $server_addr "$request" $status "$http_range"\';\n'
            f"  access_log {access_log} counted;"
        )
    text = f"""daemon off;
{user}worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log error;
worker_rlimit_nofile 16384;
events {{ worker_connections 8192; }}
http {{
  {logging}
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  types {{ text/html html; image/jpeg jpg; }}
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  server {{
    listen {port} backlog=4096;
    root {site};
    location ^~ /_shared/ {{ internal; }}
    location ^~ /missing/ {{ return 404; }}
    location ^~ /gone/ {{ return 410; }}
    location ^~ /broken/ {{ return 500; }}
    location ^~ /moved/ {{
        location ~ ^/moved(/.*)$ {{ return 301 $1; }}
    }}
    location ^~ /slow/ {{
        limit_rate {SLOW_RATE};
        {slow}
    }}
    {plain}
    location / {{ return 404; }}
  }}
}}
"""
    path = folder / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    return path
