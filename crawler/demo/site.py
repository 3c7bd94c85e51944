"""The example site behind ``crawler demo``: every URL of the bundled articles, on 127.0.0.1.

One aiohttp application answers for every host the articles name, dispatching on
the Host header, over HTTP and HTTPS (a throwaway trustme CA signs one
certificate naming every host).  The crawler reaches it through ``--connect-to``
and ``--cacert``, so Host headers, TLS server names and redirects are exactly
those of the real sites, and nothing leaves the machine.

Everything here is real HTTP, never a shortcut for the crawler: status codes,
redirects, Range requests, robots.txt, Retry-After and a page that never ends
are all produced the way a web server would produce them, and the site keeps
per-URL state (a flaky page fails once per app instance).  ``/__stats`` on any
host returns request counts per host and path, as JSON, for tests.

This is the only module outside ``crawler.fetch`` that imports aiohttp: it is a
server, not part of the crawler's pipeline.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import socket
import ssl
import tempfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import assert_never

import trustme
from aiohttp import web

from crawler.config import ConnectTo
from crawler.demo import pages
from crawler.demo.catalog import (
    AMP_CANONICALS,
    AMP_SWITCHED_OFF,
    AMPHTML_LINKS,
    BEHAVIOURS,
    CATCH_ALL_HOSTS,
    DRIP_INTERVAL,
    REDIRECTS,
    REMOVED,
    RETRY_AFTER,
    SLOW_DELAY,
    Behaviour,
)
from crawler.demo.content import ARTICLES, SiteContent, load_content, request_key, url_key
from crawler.demo.responses import html, image, robots

LOOPBACK = "127.0.0.1"
STATS_PATH = "/__stats"
SHUTDOWN_TIMEOUT = 2.0  # seconds a handler may still run once the site stops
AMP_CACHE_SUFFIX = ".cdn.ampproject.org"
AMP_CACHE_PREFIX = "/c/s/"  # https://developers.google.com/amp/cache/overview

CONTENT = web.AppKey("content", SiteContent)
REQUESTS = web.AppKey("requests", collections.Counter[tuple[str, str]])
STOPPING = web.AppKey("stopping", asyncio.Event)

_REDIRECTS = {url_key(url): redirect for url, redirect in REDIRECTS.items()}
_BEHAVIOURS = {url_key(url): behaviour for url, behaviour in BEHAVIOURS.items()}
_REMOVED = frozenset(url_key(url) for url in REMOVED)
_AMP_SWITCHED_OFF = frozenset(url_key(url) for url in AMP_SWITCHED_OFF)
_AMP_CANONICALS = {url_key(url): canonical for url, canonical in AMP_CANONICALS.items()}
_AMPHTML_LINKS = {url_key(url): advertised for url, advertised in AMPHTML_LINKS.items()}


@dataclass(frozen=True)
class RunningSite:
    """Where a started example site listens, and how to trust and reach it."""

    http_port: int
    https_port: int
    cacert: Path  # PEM of the CA that signed the site's certificate
    hostnames: tuple[str, ...]

    def connect_to(self) -> tuple[ConnectTo, ...]:
        """``--connect-to`` entries sending every host's :443 and :80 to this site."""
        return tuple(
            entry
            for host in self.hostnames
            for entry in (
                ConnectTo(host, 443, LOOPBACK, self.https_port),
                ConnectTo(host, 80, LOOPBACK, self.http_port),
            )
        )


def example_articles() -> Path:
    """The folder of bundled article files."""
    return ARTICLES


def build_app(content: SiteContent | None = None) -> web.Application:
    """The site as an aiohttp application (reads the bundled files when not given)."""
    app = web.Application()
    app[CONTENT] = content if content is not None else load_content()
    app[REQUESTS] = collections.Counter()
    app[STOPPING] = asyncio.Event()
    app.on_shutdown.append(_stop_dripping)
    app.router.add_route("*", "/{path:.*}", _dispatch)
    return app


@asynccontextmanager
async def serve_example_site() -> AsyncIterator[RunningSite]:
    """Serve the example site on 127.0.0.1 (HTTP and HTTPS, OS-assigned ports).

    On exit every connection is closed, the page that never ends stops, and the
    CA file is deleted.
    """
    content = await asyncio.to_thread(load_content)
    with tempfile.TemporaryDirectory(prefix="crawler-demo-") as folder:
        context, cacert = await asyncio.to_thread(
            _issue_certificate, content.hostnames, Path(folder)
        )
        runner = web.AppRunner(
            build_app(content),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            http_port = await _listen(runner, None)
            https_port = await _listen(runner, context)
            yield RunningSite(http_port, https_port, cacert, content.hostnames)
        finally:
            await runner.cleanup()


def _issue_certificate(hostnames: Iterable[str], folder: Path) -> tuple[ssl.SSLContext, Path]:
    authority = trustme.CA(organization_name="feed-crawler demo")
    leaf = authority.issue_cert(*hostnames)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    cacert = folder / "demo-ca.pem"
    authority.cert_pem.write_to_path(cacert)
    return context, cacert


async def _listen(runner: web.AppRunner, context: ssl.SSLContext | None) -> int:
    # Binding the socket ourselves tells us the OS-assigned port without
    # reaching into the site's server.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        await web.SockSite(runner, sock, ssl_context=context).start()
    except BaseException:
        sock.close()
        raise
    return port


async def _stop_dripping(app: web.Application) -> None:
    app[STOPPING].set()


async def _dispatch(request: web.Request) -> web.StreamResponse:
    app = request.app
    host = (request.url.host or "").lower().rstrip(".")
    path = request.path
    if path == STATS_PATH:
        return _stats(app[REQUESTS])
    if request.method not in ("GET", "HEAD"):
        return web.Response(status=405, headers={"Allow": "GET, HEAD"})
    app[REQUESTS][host, path] += 1
    count = app[REQUESTS][host, path]
    content = app[CONTENT]
    if host not in content.hostnames:
        return html(pages.message("Not found", f"No site is served at {host}."), 404)
    if path == "/robots.txt":
        return robots(host)
    key = request_key(host, path, request.query_string)
    redirect = _REDIRECTS.get(key)
    if redirect is not None:
        return web.Response(status=redirect.status, headers={"Location": redirect.location})
    behaviour = _BEHAVIOURS.get(key)
    if behaviour is not None:
        answer = await _misbehave(request, behaviour, count, host)
        if answer is not None:
            return answer
    if key in _REMOVED:
        return _not_found(content, host, path)
    return _serve(request, content, host, path, key)


def _serve(
    request: web.Request, content: SiteContent, host: str, path: str, key: str
) -> web.StreamResponse:
    picture = content.pictures.get(key)
    if picture is not None:
        return image(request, picture, host)
    page = content.pages.get(key)
    if page is not None:
        picture = content.pictures.get(url_key(page.image_url or ""))
        if key in _AMPHTML_LINKS:
            page = replace(page, amp_url=_AMPHTML_LINKS[key])
        return html(pages.article(page, picture), compress=_accepts_gzip(request))
    if host.endswith(AMP_CACHE_SUFFIX) and path.startswith(AMP_CACHE_PREFIX):
        # The cache serves https://<origin host>/<path> at /c/s/<origin host>/<path>.
        key = path.removeprefix(AMP_CACHE_PREFIX) + (
            f"?{request.query_string}" if request.query_string else ""
        )
    page = content.amp_pages.get(key)
    if page is not None:
        # An AMP cache serves whatever the origin serves, faults included.
        picture = content.pictures.get(url_key(page.image_url or ""))
        if key in _AMP_SWITCHED_OFF:
            return html(pages.article(page, picture), compress=_accepts_gzip(request))
        if key in _AMP_CANONICALS:
            page = replace(page, url=_AMP_CANONICALS[key])
        return html(pages.amp(page, picture), compress=_accepts_gzip(request))
    site_pages = list(content.pages_of(host))
    if path == "/" and site_pages:
        return html(pages.home(site_pages[0].site_name, site_pages))
    return _not_found(content, host, path)


def _not_found(content: SiteContent, host: str, path: str) -> web.Response:
    """A host's answer for a path it has no page for: a 404 page, or a catch-all 200 page."""
    catch_all = CATCH_ALL_HOSTS.get(host)
    if catch_all is None:
        return html(pages.message("Page not found", f"Nothing at {path} on {host}."), 404)
    latest = {
        page.url: page for page in content.pages_of(host) if url_key(page.url) not in _REMOVED
    }
    site_name = next(iter(latest.values())).site_name if latest else host
    text = pages.catch_all(site_name, catch_all.title, catch_all.description, list(latest.values()))
    return html(text)


def _accepts_gzip(request: web.Request) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


async def _misbehave(
    request: web.Request, behaviour: Behaviour, count: int, host: str
) -> web.StreamResponse | None:
    """The failure-mode answer, or None to serve the URL normally this time."""
    match behaviour:
        case Behaviour.NOT_FOUND:
            return html(pages.message("Page not found", "This article does not exist."), 404)
        case Behaviour.GONE:
            return html(pages.message("Gone", "This article has been removed."), 410)
        case Behaviour.FLAKY:
            if count > 1:
                return None
            return html(pages.message("Service unavailable", "Please try again."), 503)
        case Behaviour.RATE_LIMITED:
            if count > 1:
                return None
            limited = html(pages.message("Too many requests", "Slow down."), 429)
            limited.headers["Retry-After"] = str(RETRY_AFTER)
            return limited
        case Behaviour.SLOW:
            await asyncio.sleep(SLOW_DELAY)
            return None
        case Behaviour.HANGING:
            return await _drip(request, host)
        case Behaviour.BOT_WALL:
            wall = html(pages.bot_wall(host), 403)
            wall.headers["cf-mitigated"] = "challenge"
            wall.headers["Cache-Control"] = "private, max-age=0, no-store, no-cache"
            wall.headers["Server"] = "cloudflare"
            return wall
        case Behaviour.SOFT_404:
            return html(pages.message("Page not found", "Sorry, we couldn't find that page."))
        case Behaviour.HTML_INSTEAD_OF_IMAGE:
            return html(pages.message("Error", "The image is temporarily unavailable."))
    assert_never(behaviour)


async def _drip(request: web.Request, host: str) -> web.StreamResponse:
    """Headers at once, then the page one byte a second, then spaces, until the site stops."""
    response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
    await response.prepare(request)
    if request.method == "HEAD":
        return response
    content = request.app[CONTENT]
    page = content.pages.get(request_key(host, request.path))
    text = pages.article(page, None) if page is not None else ""
    stopping = request.app[STOPPING]
    for byte in itertools.chain(text.encode(), itertools.repeat(ord(" "))):
        try:
            await response.write(bytes((byte,)))
        except ConnectionError:
            break  # the client gave up
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), DRIP_INTERVAL)
        if stopping.is_set():
            break
    return response


def _stats(requests: collections.Counter[tuple[str, str]]) -> web.Response:
    by_host: dict[str, dict[str, int]] = {}
    for (host, path), count in sorted(requests.items()):
        by_host.setdefault(host, {})[path] = count
    return web.json_response({"total": sum(requests.values()), "requests": by_host})
