"""classify: the one place where statuses and aiohttp/asyncio exceptions become results.

Table-driven: every status class of the contract's table, the bot-wall markers,
and real instances of the exceptions aiohttp raises.
"""

from __future__ import annotations

import errno
import socket
import ssl
import zlib

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from crawler.fetch.body import UndecodableBody
from crawler.fetch.classify import Verdict, bot_wall, classify_exception, classify_status
from crawler.fetch.resolver import AddressRefused
from crawler.outcomes import Result

# ---------------------------------------------------------------------------
# Statuses
# ---------------------------------------------------------------------------

STATUS_TABLE = [
    (200, Result.OK),
    (201, Result.OK),
    (203, Result.OK),
    (204, Result.OK),
    (206, Result.OK),
    (304, Result.OK),
    (400, Result.BROKEN),
    (404, Result.BROKEN),
    (405, Result.BROKEN),
    (410, Result.BROKEN),
    (418, Result.BROKEN),
    (451, Result.BROKEN),
    (401, Result.BLOCKED),
    (403, Result.BLOCKED),
    (407, Result.BLOCKED),
    (429, Result.BLOCKED),
    (999, Result.BLOCKED),
    (500, Result.BROKEN),
    (502, Result.BROKEN),
    (503, Result.BROKEN),
    (504, Result.BROKEN),
    (599, Result.BROKEN),
    (300, Result.ERROR),  # a redirect status that reached classification had no usable Location
    (302, Result.ERROR),
    (100, Result.ERROR),
    (600, Result.ERROR),
]


@pytest.mark.parametrize(
    ("status", "expected"), STATUS_TABLE, ids=[f"{s}-{r.value}" for s, r in STATUS_TABLE]
)
def test_status_maps_to_the_contract_result_class(status: int, expected: Result) -> None:
    verdict = classify_status(status, {}, b"")
    assert verdict.result is expected
    assert not verdict.bot_wall


@pytest.mark.parametrize(
    ("status", "detail"),
    [(404, "404 Not Found"), (410, "410 Gone"), (999, "999 request denied"), (451, "451")],
    ids=["404", "410", "999", "451"],
)
def test_failure_detail_names_status_and_reason(status: int, detail: str) -> None:
    verdict = classify_status(status, {}, b"")
    assert verdict.detail is not None and verdict.detail.startswith(detail)


def test_plain_ok_has_no_detail() -> None:
    assert classify_status(200, {}, b"<html>") == Verdict(Result.OK)


# ---------------------------------------------------------------------------
# Bot walls
# ---------------------------------------------------------------------------

CHALLENGE = b"<html><head><title>Just a moment...</title></head><body></body></html>"

WALLS = [
    pytest.param(403, {"cf-mitigated": "challenge"}, b"", "Cloudflare", id="cf-mitigated-403"),
    pytest.param(503, {"cf-mitigated": " Challenge "}, b"", "Cloudflare", id="cf-mitigated-503"),
    pytest.param(202, {"x-amzn-waf-action": "challenge"}, b"", "AWS WAF", id="aws-waf-202"),
    pytest.param(405, {"x-amzn-waf-action": "captcha"}, b"", "AWS WAF", id="aws-waf-captcha"),
    pytest.param(403, {"x-datadome": "protected"}, b"", "DataDome", id="datadome-403"),
    pytest.param(403, {"x-sucuri-block": "1"}, b"", "Sucuri", id="sucuri-403"),
    pytest.param(503, {}, CHALLENGE, "Cloudflare", id="just-a-moment-503"),
    pytest.param(403, {}, CHALLENGE.upper(), "Cloudflare", id="just-a-moment-uppercase"),
    pytest.param(
        403, {}, b"<script src='/cdn-cgi/challenge-platform/x'>", "Cloudflare", id="cf-js"
    ),
    pytest.param(403, {}, b"Attention Required! | Cloudflare", "Cloudflare", id="cf-block"),
    pytest.param(429, {}, b'<div id="px-captcha">', "PerimeterX", id="perimeterx-429"),
    pytest.param(403, {}, b"/_Incapsula_Resource?x=1", "Imperva", id="imperva"),
    pytest.param(403, {}, b"https://geo.captcha-delivery.com/", "DataDome", id="datadome-page"),
    pytest.param(999, {}, b"Sucuri WebSite Firewall", "Sucuri", id="sucuri-999"),
    pytest.param(403, {}, b"<title>Access Denied</title>", "access denied", id="akamai-denied"),
]


@pytest.mark.parametrize(("status", "headers", "body", "label"), WALLS)
def test_bot_wall_is_blocked_and_flagged_whatever_the_status(
    status: int, headers: dict[str, str], body: bytes, label: str
) -> None:
    verdict = classify_status(status, headers, body)
    assert verdict.result is Result.BLOCKED
    assert verdict.bot_wall
    assert verdict.detail is not None and label in verdict.detail and str(status) in verdict.detail


NOT_WALLS = [
    pytest.param(200, {}, CHALLENGE, id="challenge-words-on-a-200-page"),
    pytest.param(404, {}, CHALLENGE, id="challenge-words-on-a-404-page"),
    pytest.param(403, {"cf-mitigated": "none"}, b"", id="cf-mitigated-other-value"),
    # DataDome and Sucuri headers ride on every answer of a protected site, not only walls.
    pytest.param(200, {"x-datadome": "protected"}, b"", id="datadome-header-on-200"),
    pytest.param(404, {"x-datadome": "protected"}, b"", id="datadome-header-on-404"),
    pytest.param(200, {"x-sucuri-block": ""}, b"", id="sucuri-header-on-200"),
    pytest.param(503, {}, b"x" * 70_000 + CHALLENGE, id="marker-beyond-the-sniffed-prefix"),
]


@pytest.mark.parametrize(("status", "headers", "body"), NOT_WALLS)
def test_ordinary_answer_is_not_mistaken_for_a_bot_wall(
    status: int, headers: dict[str, str], body: bytes
) -> None:
    assert bot_wall(status, headers, body) is None
    assert not classify_status(status, headers, body).bot_wall


def test_a_200_from_a_datadome_protected_site_is_ok() -> None:
    assert classify_status(200, {"x-datadome": "protected"}, b"<html>").result is Result.OK


# ---------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------

KEY = ConnectionKey("news.example.com", 443, True, True, None, None, None)
REQUEST_INFO = aiohttp.RequestInfo(
    URL("http://news.example.com/"),
    "GET",
    CIMultiDictProxy(CIMultiDict()),
    URL("http://news.example.com/"),
)


def _certificate_error() -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_message = "unable to get local issuer certificate"
    return error


EXCEPTIONS = [
    pytest.param(TimeoutError(), Result.TIMEOUT, "within 1.5 s", "timed_out", id="timeout"),
    pytest.param(
        aiohttp.ServerTimeoutError("Timeout on reading data from socket"),
        Result.TIMEOUT,
        "within",
        "timed_out",
        id="server-timeout",
    ),
    pytest.param(
        aiohttp.ConnectionTimeoutError("Connection timeout to host"),
        Result.TIMEOUT,
        "within",
        "timed_out",
        id="connect-timeout",
    ),
    pytest.param(
        aiohttp.ClientConnectorDNSError(KEY, socket.gaierror(socket.EAI_NONAME, "unknown")),
        Result.ERROR,
        "DNS failure: cannot resolve news.example.com",
        None,
        id="dns-failure",
    ),
    pytest.param(
        aiohttp.ClientConnectorDNSError(KEY, AddressRefused("news.example.com", "10.0.0.1")),
        Result.SKIPPED,
        "private-address guard: news.example.com resolves to 10.0.0.1",
        None,
        id="guard-in-resolver",
    ),
    pytest.param(
        aiohttp.ClientConnectorError(
            KEY, AddressRefused("news.example.com", "127.0.0.1", connected=True)
        ),
        Result.SKIPPED,
        "private-address guard: news.example.com connected to 127.0.0.1",
        None,
        id="guard-at-connect",
    ),
    pytest.param(
        AddressRefused("news.example.com", "10.0.0.1"),
        Result.SKIPPED,
        "private-address guard",
        None,
        id="guard-refusal-unwrapped",
    ),
    pytest.param(
        aiohttp.ClientConnectorCertificateError(KEY, _certificate_error()),
        Result.ERROR,
        "TLS failure: unable to get local issuer certificate",
        None,
        id="tls-untrusted",
    ),
    pytest.param(
        aiohttp.ClientConnectorSSLError(KEY, ssl.SSLError(1, "wrong version number")),
        Result.ERROR,
        "TLS failure",
        None,
        id="tls-handshake",
    ),
    pytest.param(
        ssl.SSLError(1, "record layer failure"), Result.ERROR, "TLS failure", None, id="ssl-error"
    ),
    pytest.param(
        aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(errno.ECONNREFUSED, "refused")),
        Result.ERROR,
        "connection failed: Connection refused",
        None,
        id="refused",
    ),
    pytest.param(
        aiohttp.ServerDisconnectedError(),
        Result.ERROR,
        "connection closed",
        "reset",
        id="server-disconnected",
    ),
    pytest.param(
        aiohttp.ClientPayloadError("Response payload is not completed"),
        Result.ERROR,
        "truncated body",
        "reset",
        id="payload-cut-short",
    ),
    pytest.param(
        aiohttp.ClientResponseError(REQUEST_INFO, (), status=400, message="Bad status line"),
        Result.ERROR,
        "malformed response: Bad status line",
        None,
        id="bad-status-line",
    ),
    pytest.param(
        aiohttp.ClientOSError(errno.ECONNRESET, "Connection reset by peer"),
        Result.ERROR,
        "connection reset",
        "reset",
        id="client-os-reset",
    ),
    pytest.param(
        ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
        Result.ERROR,
        "connection reset",
        "reset",
        id="bare-reset",
    ),
    pytest.param(
        OSError(errno.ENETUNREACH, "Network is unreachable"),
        Result.ERROR,
        "Network is unreachable",
        None,
        id="bare-os-error",
    ),
    pytest.param(
        UndecodableBody("gzip", zlib.error("incorrect header check")),
        Result.ERROR,
        "malformed response: body cannot be decoded (gzip",
        None,
        id="undecodable-body",
    ),
    pytest.param(
        aiohttp.InvalidURL("http://exa mple.com/"),
        Result.INVALID,
        "invalid URL",
        None,
        id="invalid-url",
    ),
]


@pytest.mark.parametrize(("exc", "expected", "detail", "flag"), EXCEPTIONS)
def test_exception_maps_to_result_detail_and_retry_flag(
    exc: BaseException, expected: Result, detail: str, flag: str | None
) -> None:
    verdict = classify_exception(exc, 1.5)
    assert verdict.result is expected
    assert verdict.detail is not None and detail in verdict.detail
    assert verdict.timed_out == (flag == "timed_out")
    assert verdict.reset == (flag == "reset")


@pytest.mark.parametrize(
    "exc",
    [ValueError("a bug"), KeyError("x"), RuntimeError("boom")],
    ids=lambda e: type(e).__name__,
)
def test_exception_that_is_not_a_network_failure_is_raised_again(exc: Exception) -> None:
    with pytest.raises(type(exc)):
        classify_exception(exc, 1.0)


def test_long_exception_text_is_shortened_to_one_line() -> None:
    exc = aiohttp.ClientResponseError(REQUEST_INFO, (), status=400, message="bad\n" + "x" * 500)
    detail = classify_exception(exc, 1.0).detail
    assert detail is not None and "\n" not in detail and len(detail) < 250
