"""The one place where HTTP statuses and aiohttp/asyncio exceptions become results.

Status codes follow the contract's table (RFC 9110 section 15): 2xx ok; 401, 403,
407, 429 and LinkedIn's 999 blocked; other 4xx and 5xx broken.  A challenge page
from a bot-protection service is ``blocked`` whatever its status, because the
resource may well exist: we were refused, not told it is missing.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus

import aiohttp

from crawler.fetch.resolver import AddressRefused
from crawler.outcomes import Result

BLOCKED_STATUSES = frozenset({401, 403, 407, 429, 999})

# Header and body markers of bot walls.  Headers are checked on any status; body
# markers only on refusals (403/429/503...), where a challenge page is likely.
_WALL_HEADERS: tuple[tuple[str, str | None, str], ...] = (
    ("cf-mitigated", "challenge", "Cloudflare challenge"),
    ("x-datadome", None, "DataDome"),
    ("x-amzn-waf-action", None, "AWS WAF"),
    ("x-sucuri-block", None, "Sucuri"),
)
_WALL_BODY_MARKERS: tuple[tuple[bytes, str], ...] = (
    (b"cf-browser-verification", "Cloudflare challenge"),
    (b"challenge-platform", "Cloudflare challenge"),
    (b"<title>just a moment...</title>", "Cloudflare challenge"),
    (b"attention required! | cloudflare", "Cloudflare block"),
    (b"px-captcha", "PerimeterX"),
    (b"_incapsula_resource", "Imperva"),
    (b"captcha-delivery.com", "DataDome"),
    (b"sucuri website firewall", "Sucuri"),
    (b"access denied</title>", "access denied page"),
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """A result class with its short detail, and whether the cause was transient."""

    result: Result
    detail: str | None = None
    timed_out: bool = False
    reset: bool = False
    bot_wall: bool = False


def bot_wall(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """The name of the bot wall behind this answer, if it is one."""
    for name, value, label in _WALL_HEADERS:
        found = headers.get(name)
        if found is not None and (value is None or found.strip().lower() == value):
            return label
    if status in (403, 429, 503) or status == 999:
        lowered = body[:65536].lower()
        for marker, label in _WALL_BODY_MARKERS:
            if marker in lowered:
                return label
    return None


def classify_status(status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
    """The verdict for a final (non-redirect) response."""
    wall = bot_wall(status, headers, body)
    if wall is not None:
        return Verdict(Result.BLOCKED, f"bot wall: {wall} ({status})", bot_wall=True)
    if 200 <= status < 300 or status == 304:
        return Verdict(Result.OK)
    if status in BLOCKED_STATUSES:
        return Verdict(Result.BLOCKED, _status_text(status))
    if 400 <= status < 600:
        return Verdict(Result.BROKEN, _status_text(status))
    if 300 <= status < 400:
        return Verdict(Result.ERROR, f"{_status_text(status)} without a usable Location")
    return Verdict(Result.ERROR, f"unexpected status {status}")


def _status_text(status: int) -> str:
    if status == 999:
        return "999 request denied"
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def classify_exception(exc: BaseException, timeout: float) -> Verdict:
    """The verdict for an exception raised while requesting or reading a response.

    Order matters: aiohttp's exception classes inherit from each other, so the
    most specific ones come first.
    """
    if isinstance(exc, TimeoutError | asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return Verdict(Result.TIMEOUT, f"no complete answer within {timeout:g} s", timed_out=True)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        if isinstance(exc.os_error, AddressRefused):
            return Verdict(Result.SKIPPED, str(exc.os_error))
        return Verdict(Result.ERROR, f"DNS failure: cannot resolve {exc.host}")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return Verdict(Result.ERROR, f"TLS failure: {_reason(exc.certificate_error)}")
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        return Verdict(Result.ERROR, f"TLS failure: {_reason(exc)}")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Verdict(Result.ERROR, f"connection failed: {_reason(exc.os_error)}")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return Verdict(Result.ERROR, "connection closed before a complete answer", reset=True)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return Verdict(Result.ERROR, f"malformed or truncated body: {_reason(exc)}", reset=True)
    if isinstance(exc, aiohttp.ClientResponseError):
        return Verdict(Result.ERROR, f"malformed response: {_reason(exc)}")
    if isinstance(exc, aiohttp.InvalidURL):
        return Verdict(Result.INVALID, f"invalid URL: {exc}")
    if isinstance(exc, aiohttp.ClientOSError | ConnectionError):
        return Verdict(Result.ERROR, f"connection reset: {_reason(exc)}", reset=True)
    if isinstance(exc, aiohttp.ClientError):
        return Verdict(Result.ERROR, f"{type(exc).__name__}: {_reason(exc)}")
    raise exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return str(exc.verify_message)
    if isinstance(exc, aiohttp.ClientResponseError) and exc.message:
        return " ".join(str(exc.message).split())[:160]
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__
