"""Proxies (issue 11.11): ``--proxy``/``--noproxy`` and the environment, with curl's
meanings, and the private-address guard still in force behind a proxy.

The proxy is a few lines of asyncio on 127.0.0.1 that records each request line
and answers it itself: an absolute-form line (``GET http://host/path``) or a
``CONNECT`` proves the request went through it; an origin-form line (``GET /path``)
on the same port proves a request went there directly.  Names resolve through a
static table; nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from conftest import StaticResolver

from crawler.cli import build_parser, config_from
from crawler.config import Config
from crawler.errors import UsageError
from crawler.fetch import Fetcher
from crawler.outcomes import Result
from crawler.request_settings import from_environment, parse_proxy


@dataclass
class RecordingProxy:
    port: int
    lines: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
async def proxy() -> AsyncIterator[RecordingProxy]:
    recording = RecordingProxy(0)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        recording.lines.append(head[0])
        for line in head[1:]:
            if line.lower().startswith("proxy-authorization:"):
                recording.authorizations.append(line.split(":", 1)[1].strip())
        if head[0].startswith("CONNECT "):
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        else:
            body = b"<!doctype html><html><head><title>via</title></head></html>"
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n")
            writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    recording.port = server.sockets[0].getsockname()[1]
    async with server:
        yield recording


@pytest.fixture
def names() -> StaticResolver:
    return StaticResolver(
        {
            "news.example.com": ("93.184.216.34",),  # public: the guard lets it through
            "intranet.example.com": ("10.1.2.3",),  # private: the guard refuses it
            "direct.test": ("127.0.0.1",),
        }
    )


def fetcher(names: StaticResolver, **settings: object) -> Fetcher:
    config = Config(robots=False, retries=0, timeout=5.0, min_interval=0.0, **settings)  # type: ignore[arg-type]
    return Fetcher(config, resolver=names)


async def test_http_url_goes_through_the_proxy_in_absolute_form(
    proxy: RecordingProxy, names: StaticResolver
) -> None:
    async with fetcher(names, http_proxy=proxy.url) as client:
        link = (await client.fetch("http://news.example.com/page")).link
    assert (link.result, link.status) == (Result.OK, 200)
    assert proxy.lines == ["GET http://news.example.com/page HTTP/1.1"]


async def test_https_url_is_tunnelled_with_connect(
    proxy: RecordingProxy, names: StaticResolver
) -> None:
    async with fetcher(names, https_proxy=proxy.url) as client:
        link = (await client.fetch("https://news.example.com/page")).link
    assert link.result is not Result.OK  # this proxy refuses tunnels
    assert proxy.lines == ["CONNECT news.example.com:443 HTTP/1.1"]


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://intranet.example.com/admin", id="name-resolving-private"),
        pytest.param("http://10.1.2.3/admin", id="private-literal"),
    ],
)
async def test_guard_still_refuses_private_hosts_behind_a_proxy(
    url: str, proxy: RecordingProxy, names: StaticResolver
) -> None:
    async with fetcher(names, http_proxy=proxy.url) as client:
        link = (await client.fetch(url)).link
    assert link.result is Result.SKIPPED
    assert link.detail is not None and "private-address guard" in link.detail
    assert proxy.lines == []  # the proxy was never asked


async def test_noproxy_host_is_reached_directly(
    proxy: RecordingProxy, names: StaticResolver
) -> None:
    settings = {"http_proxy": proxy.url, "no_proxy": ("test",), "allow_private": True}
    async with fetcher(names, **settings) as client:
        link = (await client.fetch(f"http://direct.test:{proxy.port}/page")).link
    assert link.result is Result.OK
    assert proxy.lines == ["GET /page HTTP/1.1"]  # origin form: not as a proxy


async def test_proxy_credentials_travel_in_proxy_authorization(
    proxy: RecordingProxy, names: StaticResolver
) -> None:
    with_password = proxy.url.replace("http://", "http://me:s%40cret@")
    async with fetcher(names, http_proxy=with_password) as client:
        await client.fetch("http://news.example.com/page")
    assert proxy.authorizations == ["Basic " + base64.b64encode(b"me:s@cret").decode()]


def test_environment_proxies_lower_case_first_and_no_http_proxy_under_cgi() -> None:
    environ = {"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2"}
    environ |= {"HTTP_PROXY": "http://cgi:3", "REQUEST_METHOD": "GET", "NO_PROXY": "a, .b"}
    assert from_environment(environ) == (None, "http://lower:2", ("a", ".b"))


def test_flags_win_over_the_environment_and_an_empty_proxy_means_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://env-proxy:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    parse = build_parser().parse_args
    from_env = config_from(parse(["crawl", "x", "--no-state"]))
    assert (from_env.http_proxy, from_env.no_proxy) == (
        "http://env-proxy:3128",
        ("internal.example",),
    )
    flags = config_from(parse(["crawl", "x", "--no-state", "-x", "", "--noproxy", "*"]))
    assert (flags.http_proxy, flags.https_proxy, flags.no_proxy) == ("", "", ("*",))


@pytest.mark.parametrize("spec", ["socks5://127.0.0.1:1080", "http://", "http://h:99999"])
def test_unusable_proxy_is_a_usage_error(spec: str) -> None:
    with pytest.raises(UsageError, match=r"^proxy "):
        parse_proxy(spec)
