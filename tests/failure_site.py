"""A web site that fails in every way the fetch layer must survive, on 127.0.0.1 only.

Three servers, all on ephemeral ports of 127.0.0.1:

* an aiohttp application whose routes are named after failure modes (statuses,
  redirect chains and loops, Retry-After, bot walls, hangs, drips, endless and
  bomb bodies, robots.txt variants, a concurrency gate);
* the same application behind TLS, with a certificate from a throwaway trustme CA;
* a raw asyncio server for faults below HTTP (dropped and reset connections,
  malformed status lines) that aiohttp's own server would refuse to produce.

Tests reach them under public-looking names through the tool's own
``--connect-to`` rules (:meth:`FailureSite.config`), so the Host header and TLS
name are real names while every connection goes to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import ssl
import struct
import zlib
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import trustme
from aiohttp import web
from aiohttp.test_utils import TestServer

from crawler.config import Config, ConnectTo

# Names mapped onto the plain-HTTP site (port 80 -> the site's port).
NEWS = "news.example.com"  # robots.txt: 404, so everything is allowed
BLOG = "blog.example.net"  # a second host, for per-host limits; robots.txt 404
STRICT = "strict.example.org"  # robots.txt: Disallow /private, Crawl-delay 2
PICKY = "picky.example.org"  # robots.txt: disallows only our product token
SLUGGISH = "sluggish.example.org"  # robots.txt: Crawl-delay far above the cap
DOWN = "down.example.org"  # robots.txt answers 503: complete disallow
HTTP_HOSTS = (NEWS, BLOG, STRICT, PICKY, SLUGGISH, DOWN)
WIRE = "wire.example.com"  # the raw server (port 80 -> its port)
CLOSED = "closed.example.com"  # a port with nothing listening
SECURE = "secure.example.com"  # the TLS site (port 443), named in its certificate
MISNAMED = "misnamed.example.com"  # the TLS site too, but not named in its certificate

ROBOTS: dict[str, tuple[int, str]] = {
    STRICT: (200, "User-agent: *\nDisallow: /private\nCrawl-delay: 2\n"),
    PICKY: (200, "User-agent: feed-crawler\nDisallow: /\n\nUser-agent: *\nAllow: /\n"),
    SLUGGISH: (200, "User-agent: *\nCrawl-delay: 600\n"),
    DOWN: (503, "down for maintenance"),
}

PAGE = b"<!doctype html><html><head><title>Fine</title></head><body>ok</body></html>"
CHALLENGE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    b"<body>Checking your browser before accessing the site.</body></html>"
)


def _gzip_bomb_units() -> tuple[bytes, bytes]:
    """A gzip stream of zeros as (first unit, repeatable unit): each unit inflates to 1 MiB.

    A full flush resets the compressor, so every unit after the first (which
    carries the gzip header) is byte-identical and can be repeated forever:
    about 1 KB on the wire per MiB decoded, an endless bomb for almost no work.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    mebibyte = bytes(1 << 20)
    first = compressor.compress(mebibyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    unit = compressor.compress(mebibyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first, unit


BOMB_FIRST, BOMB_UNIT = _gzip_bomb_units()


def assert_spaced(starts: list[float], interval: float, what: object = "") -> None:
    """Request arrivals at a server honour a client's minimum interval between starts.

    The client spaces its starts; the server sees them shifted by how long each
    took to arrive (a connection's set-up, a busy machine), so one gap may look
    short when the request before it came late.  A client that broke the rule
    would show gaps near zero, and a span short of the rule's; the noise of a
    loaded machine shows neither.
    """
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert all(gap >= interval / 2 for gap in gaps), (what, gaps)
    if starts:
        assert starts[-1] - starts[0] >= (len(starts) - 1) * interval - interval / 2, (what, gaps)


@dataclass
class SiteState:
    """What the servers saw; tests assert on it."""

    requests: list[tuple[str, str]] = field(default_factory=list)  # (host, path)
    user_agents: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)  # Authorization headers seen
    headers: list[dict[str, str]] = field(default_factory=list)  # every request's headers
    starts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # by host
    in_flight: Counter[str] = field(default_factory=Counter)  # at the gate, by host
    peak_in_flight: Counter[str] = field(default_factory=Counter)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    gate_opens_at: int = 0  # requests waiting at the gate (all hosts) that open it
    release: asyncio.Event = field(default_factory=asyncio.Event)  # set at shutdown

    def count(self, path: str, host: str | None = None) -> int:
        """Requests seen for ``path`` (and ``host``, when given)."""
        return sum(1 for h, p in self.requests if p == path and (host is None or h == host))


@dataclass(frozen=True)
class TlsMaterial:
    ca_pem: Path  # the CA certificate, as --cacert takes it
    server: ssl.SSLContext  # serves a certificate for SECURE only


def make_tls_material(ca: trustme.CA, directory: Path) -> TlsMaterial:
    ca_pem = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(SECURE).configure_cert(server)
    return TlsMaterial(ca_pem, server)


@dataclass
class FailureSite:
    port: int
    tls_port: int
    wire_port: int
    closed_port: int
    state: SiteState
    tls: TlsMaterial

    def url(self, path: str, host: str = NEWS) -> str:
        return f"http://{host}{path}"

    def connect_to(self) -> tuple[ConnectTo, ...]:
        specs = [f"{host}:80:127.0.0.1:{self.port}" for host in HTTP_HOSTS]
        specs += [
            f"{WIRE}:80:127.0.0.1:{self.wire_port}",
            f"{CLOSED}:80:127.0.0.1:{self.closed_port}",
            f"{SECURE}:443:127.0.0.1:{self.tls_port}",
            f"{MISNAMED}:443:127.0.0.1:{self.tls_port}",
        ]
        return tuple(ConnectTo.parse(spec) for spec in specs)

    def config(self, **overrides: Any) -> Config:
        """A Config reaching this site, with small budgets and a fixed jitter seed."""
        settings: dict[str, Any] = {
            "connect_to": self.connect_to(),
            "min_interval": 0.0,
            "timeout": 1.0,
            "connect_timeout": 1.0,
            "retries": 2,
            "seed": 20240601,
        }
        settings.update(overrides)
        return Config(**settings)


# ---------------------------------------------------------------------------
# The HTTP application
# ---------------------------------------------------------------------------


def _host(request: web.Request) -> str:
    return (request.host or "").rsplit(":", 1)[0].lower()


def _nth(request: web.Request, state: SiteState) -> int:
    """How many times this path has been requested, this request included."""
    return state.count(request.path)


def make_app(state: SiteState) -> web.Application:
    routes = web.RouteTableDef()

    @web.middleware
    async def record(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        host = _host(request)
        state.requests.append((host, request.path))
        state.user_agents.append(request.headers.get("User-Agent", ""))
        state.headers.append(dict(request.headers))
        if "Authorization" in request.headers:
            state.authorizations.append(request.headers["Authorization"])
        state.starts[host].append(asyncio.get_running_loop().time())
        return await handler(request)

    @routes.get("/robots.txt")
    async def robots(request: web.Request) -> web.Response:
        status, text = ROBOTS.get(_host(request), (404, "no robots.txt here"))
        return web.Response(status=status, text=text)

    @routes.get("/ok")
    async def ok(request: web.Request) -> web.Response:
        return web.Response(body=PAGE, content_type="text/html")

    @routes.get("/missing-page")
    async def missing_page(request: web.Request) -> web.Response:
        page = b"<!doctype html><html><head><title>Page not found</title></head></html>"
        return web.Response(status=404, body=page, content_type="text/html")

    @routes.get("/private/page")
    async def private_page(request: web.Request) -> web.Response:
        return web.Response(body=PAGE, content_type="text/html")

    @routes.get("/echo")
    async def echo(request: web.Request) -> web.Response:
        return web.Response(text=request.headers.get("User-Agent", ""))

    @routes.get("/status/{code:\\d+}")
    async def status(request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        reason = "Request denied" if code == 999 else None
        return web.Response(status=code, reason=reason, text=f"status {code}")

    # -- redirects ---------------------------------------------------------

    @routes.get("/chain/301")
    async def chain_301(request: web.Request) -> web.Response:
        return web.Response(status=301, headers={"Location": "/chain/302"})  # absolute path

    @routes.get("/chain/302")
    async def chain_302(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": f"http://{NEWS}/chain/307"})

    @routes.get("/chain/307")
    async def chain_307(request: web.Request) -> web.Response:
        return web.Response(status=307, headers={"Location": "308"})  # relative path

    @routes.get("/chain/308")
    async def chain_308(request: web.Request) -> web.Response:
        return web.Response(status=308, headers={"Location": f"//{NEWS}/ok"})  # scheme-relative

    @routes.get("/loop/a")
    async def loop_a(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "/loop/b"})

    @routes.get("/loop/b")
    async def loop_b(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "/loop/a"})

    @routes.get("/endless-redirects/{n:\\d+}")
    async def endless_redirects(request: web.Request) -> web.Response:
        following = int(request.match_info["n"]) + 1
        return web.Response(status=302, headers={"Location": f"/endless-redirects/{following}"})

    @routes.get("/redirect/{target}")
    async def redirect(request: web.Request) -> web.Response:
        port = request.transport.get_extra_info("sockname")[1] if request.transport else 0
        targets = {
            "mailto": "mailto:editor@example.com",
            "ftp": "ftp://files.example.com/archive.zip",
            "loopback-ip": f"http://127.0.0.1:{port}/ok",
            "loopback-number": f"http://2130706433:{port}/ok",  # 127.0.0.1, WHATWG spelling
            "localhost": f"http://localhost:{port}/ok",
            "other-host": f"http://{BLOG}/ok",
            "disallowed": f"http://{STRICT}/private/page",
        }
        return web.Response(status=301, headers={"Location": targets[request.match_info["target"]]})

    @routes.get("/redirect-without-location")
    async def redirect_without_location(request: web.Request) -> web.Response:
        return web.Response(status=302)

    # -- transient failures and Retry-After --------------------------------

    @routes.get("/flaky/500-then-200")
    async def flaky(request: web.Request) -> web.Response:
        if _nth(request, state) == 1:
            return web.Response(status=500, text="oops")
        return web.Response(body=PAGE, content_type="text/html")

    @routes.get("/always/503")
    async def always_503(request: web.Request) -> web.Response:
        return web.Response(status=503, text="overloaded")

    @routes.get("/always/429")
    async def always_429(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "1"}, text="slow down")

    @routes.get("/retry-after/{form}")
    async def retry_after(request: web.Request) -> web.Response:
        if _nth(request, state) > 1:
            return web.Response(body=PAGE, content_type="text/html")
        form = request.match_info["form"]
        if form == "seconds":
            value = "3"
        elif form == "date":
            # Whole seconds only in an HTTP-date: round up so that the wait asked for is >= 10 s.
            when = datetime.now(UTC) + timedelta(seconds=10)
            when = when.replace(microsecond=0) + timedelta(seconds=1)
            value = format_datetime(when, usegmt=True)
        else:  # "hour"
            value = "3600"
        return web.Response(status=429, headers={"Retry-After": value}, text="slow down")

    # -- bot walls ---------------------------------------------------------

    @routes.get("/wall/cloudflare-header")
    async def wall_header(request: web.Request) -> web.Response:
        return web.Response(
            status=403,
            headers={"cf-mitigated": "challenge", "Server": "cloudflare"},
            body=b"<html><body>checking</body></html>",
            content_type="text/html",
        )

    @routes.get("/wall/just-a-moment")
    async def wall_page(request: web.Request) -> web.Response:
        return web.Response(status=503, body=CHALLENGE_PAGE, content_type="text/html")

    # -- time ----------------------------------------------------------------

    @routes.get("/slow")
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.1)  # the server's behaviour under test, well inside a 1 s budget
        return web.Response(body=PAGE, content_type="text/html")

    @routes.get("/hang")
    async def hang(request: web.Request) -> web.Response:
        await state.release.wait()  # never answers while the test runs
        return web.Response(text="too late")

    @routes.get("/drip")
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        await response.write(b"<!doctype html><html><head><title>Drip</title>")
        with contextlib.suppress(ConnectionError):
            while not state.release.is_set():
                await response.write(b" ")
                await asyncio.sleep(0.05)  # the server's behaviour: one byte every 50 ms
        return response

    # -- bodies ----------------------------------------------------------------

    @routes.get("/endless-body")
    async def endless_body(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        zeros = bytes(64 * 1024)
        with contextlib.suppress(ConnectionError):
            while not state.release.is_set():
                await response.write(zeros)
        return response

    @routes.get("/gzip-bomb")
    async def gzip_bomb(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            await response.write(BOMB_FIRST)
            while not state.release.is_set():
                await response.write(BOMB_UNIT)
        return response

    @routes.get("/bad-gzip")
    async def bad_gzip(request: web.Request) -> web.Response:
        return web.Response(
            body=b"this is not gzip at all",
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        )

    @routes.get("/brotli")
    async def brotli(request: web.Request) -> web.Response:
        # Not asked for (Accept-Encoding: gzip, deflate), sent anyway.
        return web.Response(
            body=b"\x1b\x03\x00\xf8\x8d\x94n\xde",
            headers={"Content-Type": "text/html", "Content-Encoding": "br"},
        )

    @routes.get("/gzip-page")
    async def gzip_page(request: web.Request) -> web.Response:
        return web.Response(
            body=zlib.compress(PAGE, wbits=31),
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
        )

    @routes.get("/not-found-gzip-garbage")
    async def not_found_gzip_garbage(request: web.Request) -> web.Response:
        return web.Response(
            status=404,
            body=b"not gzip",
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        )

    # -- politeness ------------------------------------------------------------

    @routes.get("/gate")
    async def gate(request: web.Request) -> web.Response:
        host = _host(request)
        state.in_flight[host] += 1
        state.peak_in_flight[host] = max(state.peak_in_flight[host], state.in_flight[host])
        if sum(state.in_flight.values()) >= state.gate_opens_at:
            state.gate.set()
        try:
            await state.gate.wait()
        finally:
            state.in_flight[host] -= 1
        return web.Response(text="through")

    app = web.Application(middlewares=[record])
    app.add_routes(routes)
    return app


# ---------------------------------------------------------------------------
# The raw server: faults below HTTP
# ---------------------------------------------------------------------------

_RAW_OK = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
    b"Connection: close\r\n\r\n" % len(PAGE)
) + PAGE


class WireFaults:
    """One request per connection; the path picks the fault."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._answer(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self._tasks.discard(task)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.split(b"\r\n", 1)[0].split(b" ")[1].decode()
        self.hits[path] += 1
        if path == "/robots.txt":
            writer.write(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        elif path == "/ok" or (path == "/drop-once" and self.hits[path] > 1):
            writer.write(_RAW_OK)
        elif path in ("/drop", "/drop-once"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/ht")  # ... and hang up
        elif path == "/reset-mid-body":
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
            )
            writer.write(b"<html><head>" + b"x" * 1000)
            await writer.drain()
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()  # with SO_LINGER 0: a TCP RST, not a clean close
            return
        elif path == "/malformed-status":
            writer.write(b"HTTP/1.1 2OO OKAY\r\nContent-Length: 0\r\n\r\n")
        elif path == "/not-http":
            writer.write(b"SSH-2.0-OpenSSH_9.6 what is this\r\n\r\n")
        else:
            writer.write(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        await writer.drain()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


# ---------------------------------------------------------------------------
# Starting it all
# ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[int]:
    """``app`` served on 127.0.0.1 for the block; its port."""
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    assert server.port is not None
    try:
        yield server.port
    finally:
        await server.close()


@contextlib.asynccontextmanager
async def start_failure_site(tls: TlsMaterial) -> AsyncIterator[FailureSite]:
    state = SiteState()
    plain = TestServer(make_app(state), host="127.0.0.1", shutdown_timeout=1.0)
    secure = TestServer(make_app(state), host="127.0.0.1", shutdown_timeout=1.0)
    wire = WireFaults()
    await plain.start_server()
    await secure.start_server(ssl=tls.server)
    raw_server = await asyncio.start_server(wire.handle, "127.0.0.1", 0)
    # Bound but never listening: connecting to it is refused, and no one else can take it.
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))
    try:
        assert plain.port is not None and secure.port is not None
        yield FailureSite(
            port=plain.port,
            tls_port=secure.port,
            wire_port=raw_server.sockets[0].getsockname()[1],
            closed_port=closed.getsockname()[1],
            state=state,
            tls=tls,
        )
    finally:
        state.release.set()
        state.gate.set()
        closed.close()
        raw_server.close()
        await wire.close()
        await raw_server.wait_closed()
        await secure.close()
        await plain.close()
