"""The one place where HTTP statuses and aiohttp/asyncio exceptions become results.

Status codes follow the contract's table (RFC 9110 section 15): 2xx ok; 401, 403,
407, 429 and LinkedIn's 999 blocked; other 4xx and 5xx broken.  A challenge page
from a bot-protection service is ``blocked`` whatever its status, because the
resource may well exist: we were refused, not told it is missing.
"""

from __future__ import annotations

import asyncio
import errno
import os
import ssl
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from http import HTTPStatus

import aiohttp

from crawler.fetch.body import UndecodableBody
from crawler.fetch.resolver import AddressRefused
from crawler.outcomes import Result

BLOCKED_STATUSES = frozenset({401, 403, 407, 429, 999})

# Header and body markers of bot walls.  A header with a value to match, or one
# that only challenge answers carry, is decisive on any status (AWS WAF challenges
# answer 202).  Headers that a protected site sends on every answer, and body
# markers, count only on refusals (403/429/503/999), where a challenge page is likely.
_WALL_HEADERS: tuple[tuple[str, str | None, str, bool], ...] = (
    # (header, value to match or None for any, label, decisive on any status)
    ("cf-mitigated", "challenge", "Cloudflare challenge", True),
    ("x-amzn-waf-action", None, "AWS WAF", True),
    ("x-datadome", None, "DataDome", False),  # "protected" on every answer of the site
    ("x-sucuri-block", None, "Sucuri", False),
)
_REFUSAL_STATUSES = frozenset({403, 429, 503, 999})
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
    refusal = status in _REFUSAL_STATUSES
    for name, value, label, decisive in _WALL_HEADERS:
        found = headers.get(name)
        if found is None or not (decisive or refusal):
            continue
        if value is None or found.strip().lower() == value:
            return label
    if refusal:
        lowered = body[:65536].lower()
        for marker, label in _WALL_BODY_MARKERS:
            if marker in lowered:
                return label
    return None


def classify_status(
    status: int, headers: Mapping[str, str], body: bytes, accept: Collection[int] = ()
) -> Verdict:
    """The verdict for a final (non-redirect) response; ``accept`` statuses are ok (--accept)."""
    if status in accept:
        return Verdict(Result.OK, f"{_status_text(status)}, accepted by --accept")
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
    most specific ones come first.  Anything that is not a network failure (a
    bug) is raised again.
    """
    if isinstance(exc, TimeoutError | asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return Verdict(Result.TIMEOUT, f"no complete answer within {timeout:g} s", timed_out=True)
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, AddressRefused):
        return Verdict(Result.SKIPPED, str(exc.os_error))  # the guard, in resolver or connector
    if isinstance(exc, AddressRefused):
        return Verdict(Result.SKIPPED, str(exc))
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return Verdict(Result.ERROR, f"DNS failure: cannot resolve {exc.host}")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return Verdict(Result.ERROR, f"TLS failure: {_reason(exc.certificate_error)}")
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        return Verdict(Result.ERROR, f"TLS failure: {_reason(exc)}")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Verdict(Result.ERROR, f"connection failed: {_os_reason(exc.os_error)}")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return Verdict(Result.ERROR, "connection closed before a complete answer", reset=True)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return Verdict(Result.ERROR, f"malformed or truncated body: {_reason(exc)}", reset=True)
    if isinstance(exc, aiohttp.ClientResponseError):
        return Verdict(Result.ERROR, f"malformed response: {_reason(exc)}")
    if isinstance(exc, UndecodableBody):
        return Verdict(Result.ERROR, f"malformed response: {exc}")
    if isinstance(exc, aiohttp.InvalidURL):
        return Verdict(Result.INVALID, f"invalid URL: {exc}")
    if isinstance(exc, aiohttp.ClientOSError | ConnectionError):
        return Verdict(Result.ERROR, f"connection reset: {_os_reason(exc)}", reset=True)
    if isinstance(exc, OSError):
        return Verdict(Result.ERROR, f"connection failed: {_os_reason(exc)}")
    if isinstance(exc, aiohttp.ClientError):
        return Verdict(Result.ERROR, f"{type(exc).__name__}: {_reason(exc)}")
    raise exc


def unusable_redirect(target: str) -> Verdict:
    """A redirect to something that is not an http(s) URL (mailto:, ftp:, ...).

    ``invalid``, as issue #2 specifies: the chain ends at a value that is not an
    absolute http(s) URL, and no request is made for it.
    """
    return Verdict(Result.INVALID, f"redirect to a non-http(s) URL: {target[:200]}")


def redirect_loop(target: str, hops: int) -> Verdict:
    return Verdict(Result.ERROR, f"redirect loop after {hops} hops at {target[:200]}")


def too_many_redirects(limit: int) -> Verdict:
    return Verdict(Result.ERROR, f"too many redirects (more than {limit})")


def refused_by_policy(reason: str) -> Verdict:
    """Not requested: robots.txt, the private-address guard or an exclude rule."""
    return Verdict(Result.SKIPPED, reason)


def _os_reason(exc: BaseException) -> str:
    # asyncio words a refused connect as "Connect call failed ('1.2.3.4', 80)"; the
    # errno says what happened ("Connection refused") without the mapped address.
    code = exc.errno if isinstance(exc, OSError) else None
    if code is not None and code in errno.errorcode:
        return os.strerror(code)
    return _reason(exc)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return str(exc.verify_message)
    if isinstance(exc, aiohttp.ClientResponseError) and exc.message:
        return " ".join(str(exc.message).split())[:160]
    if isinstance(exc, aiohttp.ClientPayloadError) and exc.args:
        # "Response payload is not completed: <ContentLengthError: ...>": keep the sentence.
        return str(exc.args[0]).split(": <", 1)[0][:160]
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__
