"""What the example site publishes, read from the bundled articles.

A real site does not read our feed, but the feed is a faithful snapshot of what
the sites published, so the demo site is built from it: every ``webUrl`` is a page
with the article's title, excerpt, date, provider and first image; every
``ampWebUrl`` is that page's AMP copy; every image URL serves a real picture.
``crawler.demo.catalog`` then says where the site differs from the snapshot
(edited pages, redirects, failure modes).  Files that cannot be read as front
matter contribute nothing, exactly as they contribute nothing to a crawl.

This module reads files only; it knows nothing about HTTP.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from crawler.demo.catalog import BEHAVIOURS, EDITS, IMAGE_FILES, REDIRECTS, STATIC_FILES

ARTICLES = Path(__file__).parent / "articles"
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Page:
    """One article page as its site publishes it."""

    url: str  # canonical URL
    title: str
    description: str
    published: str  # ISO 8601, UTC
    site_name: str
    image_url: str | None
    amp_url: str | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Picture:
    """The bytes an image URL serves, and what they are."""

    name: str
    media_type: str
    width: int
    height: int
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class SiteContent:
    """Everything the site serves, keyed by :func:`url_key`."""

    pages: Mapping[str, Page]
    amp_pages: Mapping[str, Page]  # AMP URL -> the page it is a copy of
    pictures: Mapping[str, Picture]
    hostnames: tuple[str, ...]  # every host the site answers for, sorted

    def pages_of(self, host: str) -> Iterator[Page]:
        prefix = host + "/"
        return (page for key, page in sorted(self.pages.items()) if key.startswith(prefix))


def url_key(url: str) -> str:
    """``host/path?query`` with the path percent-decoded: how the site files a URL.

    The scheme and port are left out because the site answers the same on HTTP and
    HTTPS; the request side builds the same key from the Host header and path.
    """
    parts = urlsplit(url)
    return request_key(parts.hostname or "", unquote(parts.path) or "/", parts.query)


def request_key(host: str, path: str, query: str = "") -> str:
    return f"{host.lower()}{path}" + (f"?{query}" if query else "")


def load_content(articles: Path = ARTICLES, static: Path = STATIC) -> SiteContent:
    """Read every article under ``articles`` and the pictures under ``static``.

    Raises ValueError when an article names an image the catalog has no picture
    for: the bundle and the catalog must be changed together.
    """
    files = {name: _read_picture(static, name) for name in STATIC_FILES}
    pages: dict[str, Page] = {}
    amp_pages: dict[str, Page] = {}
    pictures: dict[str, Picture] = {}
    hosts: set[str] = set()
    for path in sorted(articles.glob("*.md")):
        front = _front_matter(path)
        if front is None:
            continue
        for entry in (front, *(front.get("related") or ())):
            page = _page(entry)
            for url in _urls(entry):
                if url.startswith(("https://", "http://")):
                    hosts.add(urlsplit(url).hostname or "")
            pages.setdefault(url_key(page.url), page)
            original = entry.get("originalUrl")
            if isinstance(original, str) and original.startswith("https://"):
                pages.setdefault(url_key(original), page)
            if page.amp_url is not None:
                amp_pages.setdefault(url_key(page.amp_url), page)
            for image in entry.get("images") or ():
                url = str(image["url"])
                name = IMAGE_FILES.get(url)
                if name is not None:
                    pictures[url_key(url)] = files[name]
                elif url not in BEHAVIOURS:
                    raise ValueError(f"{path}: no picture in the catalog for {url}")
    for key, edit in EDITS.items():
        page = pages[url_key(key)]
        pages[url_key(key)] = replace(
            page,
            title=edit.title or page.title,
            description=edit.description or page.description,
        )
    for url in REDIRECTS:
        hosts.add(urlsplit(url).hostname or "")
    return SiteContent(
        pages=MappingProxyType(pages),
        amp_pages=MappingProxyType(amp_pages),
        pictures=MappingProxyType(pictures),
        hostnames=tuple(sorted(hosts)),
    )


def _read_picture(static: Path, name: str) -> Picture:
    info = STATIC_FILES[name]
    return Picture(name, info.media_type, info.width, info.height, (static / name).read_bytes())


def _front_matter(path: Path) -> dict[str, Any] | None:
    """The article's front matter, or None when the file has none or it is unreadable."""
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        return None
    try:
        data = yaml.safe_load(text[4:end])
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _page(entry: Mapping[str, Any]) -> Page:
    images = entry.get("images") or ()
    provider = entry.get("provider") or {}
    published = entry.get("publishedDateTime")
    if isinstance(published, datetime.datetime):
        if published.tzinfo is not None:
            published = published.astimezone(datetime.UTC).replace(tzinfo=None)
        published = published.strftime("%Y-%m-%dT%H:%M:%SZ")
    return Page(
        url=str(entry["webUrl"]),
        title=str(entry.get("title", "")),
        description=str(entry.get("excerpt", "")),
        published=str(published or ""),
        site_name=str(provider.get("name", "")),
        image_url=str(images[0]["url"]) if images else None,
        amp_url=str(entry["ampWebUrl"]) if entry.get("ampWebUrl") else None,
        topics=tuple(str(topic) for topic in entry.get("topics") or ()),
    )


def _urls(entry: Mapping[str, Any]) -> Iterator[str]:
    for name in ("originalUrl", "webUrl", "ampWebUrl", "cdnAmpWebUrl"):
        value = entry.get(name)
        if isinstance(value, str):
            yield value
    for image in entry.get("images") or ():
        yield str(image["url"])
