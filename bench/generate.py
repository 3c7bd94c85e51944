"""Benchmark inputs: many article files, and a fast site that answers all their URLs.

Generate N articles in the seeds' format (fixed seed, so runs are comparable)::

    python bench/generate.py N OUT_DIR [--hosts H] [--seed S]

Their URLs spread over H page hosts ``news-NNN.example-media.com`` and H image
hosts ``img-NNN.cdn-example.net``; related articles point at other generated
articles, so many URLs are shared between files and deduplication matters.

Serve every path of every generated host, in a separate process::

    python bench/generate.py --serve PORT --cacert CA.pem [--hosts H]

This listens on 127.0.0.1:PORT (0 picks a free port) with HTTPS, writes the CA
that signed its certificate to CA.pem, and prints one line ``serving
https://127.0.0.1:PORT`` once ready.  Pages are small HTML with Open Graph tags;
``*.jpg`` and ``*.png`` paths are real images; ``/robots.txt`` allows everything.

The generated names must only ever be reached through ``--connect-to HOST:443:
127.0.0.1:PORT`` (see :func:`connect_to_args`); they are not meant to resolve.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import random
import signal
import ssl
import sys
from html import escape
from pathlib import Path

import trustme
from aiohttp import web

from crawler.demo.catalog import STATIC_FILES
from crawler.demo.content import STATIC

JPEG, PNG = "newsroom-450x300.jpg", "paid-700x450.png"  # pictures served, from the demo site
SUBJECTS = (
    "Startups", "Regulators", "Chipmakers", "Researchers", "Cloud providers", "Hospitals",
    "Banks", "Automakers", "Universities", "Retailers", "Governments", "Open-source projects",
)  # fmt: skip
VERBS = (
    "race to build", "rethink", "bet big on", "struggle with", "open up", "scale back",
    "double down on", "test", "rewrite the rules of", "quietly adopt",
)  # fmt: skip
OBJECTS = (
    "AI chips", "language models", "edge inference", "robot warehouses", "medical imaging",
    "fraud detection", "self-driving fleets", "AI assurance", "data centres", "speech tools",
    "recommendation engines", "synthetic data",
)  # fmt: skip
TOPICS = ("AI", "Machine Learning", "Robotics", "Cloud", "Semiconductors", "AI Ethics", "Startups")


def page_host(index: int) -> str:
    return f"news-{index:03d}.example-media.com"


def image_host(index: int) -> str:
    return f"img-{index:03d}.cdn-example.net"


def hostnames(hosts: int) -> list[str]:
    return [name for i in range(hosts) for name in (page_host(i), image_host(i))]


def connect_to_args(hosts: int, port: int) -> list[str]:
    """``--connect-to`` arguments sending every generated host's :443 to 127.0.0.1:port."""
    return [f"--connect-to={name}:443:127.0.0.1:{port}" for name in hostnames(hosts)]


def _article(rng: random.Random, number: int, hosts: int) -> dict[str, str | int]:
    host = rng.randrange(hosts)
    title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    slug = "-".join(title.lower().replace("-", " ").split()) + f"-{number}"
    month = rng.randrange(1, 13)
    path = f"2021/{month:02d}/{slug}/"
    picture = rng.choice((JPEG, JPEG, PNG))
    return {
        "title": title,
        "excerpt": f"{title} as {rng.choice(SUBJECTS).lower()} {rng.choice(VERBS)} "
        f"{rng.choice(OBJECTS)}, analysts say; the shift could reshape {rng.choice(OBJECTS)} "
        f"within {rng.randrange(2, 10)} years.",
        "published": f"2021-{month:02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:"
        f"{rng.randrange(60):02d}:00Z",
        "url": f"https://{page_host(host)}/{path}",
        "amp": f"https://{page_host(host)}/amp/{path}" if rng.random() < 0.5 else "",
        "domain": page_host(host),
        "image": f"https://{image_host(host)}/uploads/2021/{month:02d}/{slug}{Path(picture).suffix}",
        "width": STATIC_FILES[picture].width,
        "height": STATIC_FILES[picture].height,
        "quality": rng.randrange(1, 100),
    }


def _image_lines(article: dict[str, str | int], indent: str) -> list[str]:
    return [
        f'{indent}- url: "{article["image"]}"',
        f"{indent}  width: {article['width']}",
        f"{indent}  height: {article['height']}",
        f"{indent}  isCached: true",
    ]


def _render(
    rng: random.Random, article: dict[str, str | int], related: list[dict[str, str | int]]
) -> str:
    lines = [
        "---",
        "category: news",
        f'title: "{article["title"]}"',
        f'excerpt: "{article["excerpt"]}"',
        f"publishedDateTime: {article['published']}",
        f'originalUrl: "{article["url"]}"',
        f'webUrl: "{article["url"]}"',
    ]
    if article["amp"]:
        lines.append(f'ampWebUrl: "{article["amp"]}"')
    lines += ["type: article", f"quality: {article['quality']}", f"heat: {rng.randrange(-1, 100)}"]
    lines += ["published: false", "", "provider:", f"  name: {article['domain']}"]
    lines += [f"  domain: {article['domain']}", "", "topics:"]
    lines += [f"  - {topic}" for topic in rng.sample(TOPICS, 2)] + ["", "images:"]
    lines += [*_image_lines(article, "  "), ""]
    if related:
        lines.append("related:")
        for other in related:
            lines += [
                f'  - title: "{other["title"]}"',
                f'    excerpt: "{other["excerpt"]}"',
                f"    publishedDateTime: {other['published']}",
                f'    webUrl: "{other["url"]}"',
                "    type: article",
                "    provider:",
                f"      name: {other['domain']}",
                f"      domain: {other['domain']}",
                f"    quality: {other['quality']}",
                "    images:",
                *_image_lines(other, "      "),
            ]
        lines.append("")
    token = base64.b64encode(rng.randbytes(192)).decode()
    lines += [f'secured: "{token};{base64.b64encode(rng.randbytes(16)).decode()}"', "---", ""]
    return "\n".join(lines) + "\n"


def generate(count: int, out: Path, hosts: int = 200, seed: int = 1) -> list[Path]:
    """Write ``count`` article files into ``out``; the same arguments give the same files."""
    rng = random.Random(seed)
    articles = [_article(rng, number, hosts) for number in range(count)]
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, article in enumerate(articles):
        others = [other for other in rng.sample(articles, min(4, count)) if other is not article]
        path = out / f"{number:06d}_{rng.randbytes(8).hex()}.md"
        path.write_text(_render(rng, article, others[: rng.randrange(4)]), encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------
# The companion server
# ---------------------------------------------------------------------------

ROBOTS = "User-agent: *\nAllow: /\n"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="description" content="{title}">
<meta property="og:type" content="article"><meta property="og:title" content="{title}">
<meta property="og:url" content="{url}"><link rel="canonical" href="{url}">
</head><body><h1>{title}</h1><p>{filler}</p></body></html>
"""
FILLER = "Benchmark page. " * 100  # about 1.6 KB, like a small real page


def build_bench_app() -> web.Application:
    """Every path of every host: robots.txt, an image by extension, else an HTML page."""
    pictures = {
        ".jpg": (STATIC / JPEG).read_bytes(),
        ".png": (STATIC / PNG).read_bytes(),
    }

    async def answer(request: web.Request) -> web.Response:
        path = request.path
        if path == "/robots.txt":
            return web.Response(text=ROBOTS, content_type="text/plain")
        suffix = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
        if suffix in pictures:
            media_type = "image/jpeg" if suffix == ".jpg" else "image/png"
            return web.Response(body=pictures[suffix], content_type=media_type)
        title = escape(path.strip("/").rsplit("/", 1)[-1].replace("-", " ").capitalize())
        url = escape(f"https://{request.host.split(':')[0]}{path}")
        text = PAGE.format(title=title, url=url, filler=FILLER)
        return web.Response(text=text, content_type="text/html")

    app = web.Application()
    app.router.add_route("GET", "/{path:.*}", answer)
    return app


async def serve(port: int, hosts: int, cacert: Path) -> None:
    """Serve HTTPS on 127.0.0.1:port until SIGINT or SIGTERM."""
    authority = trustme.CA(organization_name="feed-crawler benchmark")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(*hostnames(hosts)).configure_cert(context)
    authority.cert_pem.write_to_path(cacert)
    runner = web.AppRunner(build_bench_app(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, ssl_context=context)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    bound = runner.addresses[0][1]
    print(f"serving https://127.0.0.1:{bound}", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, help="articles to write")
    parser.add_argument("out", nargs="?", type=Path, help="folder to write them into")
    parser.add_argument("--hosts", type=int, default=200, help="page hosts (and image hosts)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve", type=int, metavar="PORT", help="run the companion site")
    parser.add_argument("--cacert", type=Path, help="with --serve: where to write the CA PEM")
    args = parser.parse_args(argv)
    if args.hosts < 1:
        parser.error("--hosts must be at least 1")
    if args.serve is not None:
        if args.cacert is None:
            parser.error("--serve needs --cacert FILE")
        asyncio.run(serve(args.serve, args.hosts, args.cacert))
        return 0
    if args.count is None or args.out is None:
        parser.error("give N OUT_DIR, or --serve PORT --cacert FILE")
    paths = generate(args.count, args.out, args.hosts, args.seed)
    print(f"wrote {len(paths)} articles to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
