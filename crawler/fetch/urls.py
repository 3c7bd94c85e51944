"""What counts as a URL the crawler may request, and how a URL may be shown.

A URL may be requested when it is absolute http(s) with a host.  A host that
ends in a number is an IPv4 address in one of the spellings the WHATWG URL
standard accepts (``127.1``, ``2130706433``, ``0x7f000001``, ``0177.0.0.1`` all
mean 127.0.0.1, as in every browser): :func:`canonical_host` turns each into
its dotted quad, which is what the guard judges, ``--connect-to`` rules match
and the request is sent to; one that is no IPv4 address (``1.2.3.4.5``,
``09.0.0.1``) makes the URL invalid, as in a browser.

A URL may carry a password (``https://user:PW@host/``).  The request needs it;
nothing the crawler prints, reports, writes or stores may show it:
:func:`redact_url` and :func:`redact_text` replace it by ``***``.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import urldefrag, urlsplit

MASK = "***"  # what a password is shown as
HOSTS_REMEMBERED = 16_384  # host spellings whose canonical form is kept (about 2 MiB at most)

# What urlsplit (and yarl, which builds aiohttp's requests) take for the
# authority: after an optional scheme and "//", up to the first "/", "?" or "#";
# leading C0 controls and spaces are skipped, tabs and newlines dropped anywhere.
_AUTHORITY = re.compile(r"[\x00-\x20]*(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//([^/?#]*)")
_AUTHORITY_IN_TEXT = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//([^\s/?#]*)")
_DROPPED = str.maketrans("", "", "\t\r\n")


def redact_url(url: str) -> str:
    """``url`` with the password of its user info replaced by ``***``; never raises.

    The user name stays, so that the URL can still be told apart from others.
    A URL without a password (none, or an empty one) comes back unchanged, byte
    for byte.  The password is the one the request would send: the text between
    the first ``:`` and the last ``@`` of the authority, as urlsplit and yarl
    read it.
    """
    if "@" not in url:
        return url  # no user info, so no password: the common case, decided at once
    work = url.translate(_DROPPED)
    match = _AUTHORITY.match(work)
    if match is None:
        return url
    authority = _redacted_authority(match.group(1))
    if authority is None:
        return url
    return work[: match.start(1)] + authority + work[match.end(1) :]


def redact_text(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``.

    For free text that may quote a URL: an exception's message, a finding's
    detail.  A URL in text ends at whitespace.
    """

    def replace(match: re.Match[str]) -> str:
        authority = _redacted_authority(match.group(1))
        if authority is None:
            return match.group(0)
        return match.group(0)[: match.start(1) - match.start(0)] + authority

    return _AUTHORITY_IN_TEXT.sub(replace, text)


def _redacted_authority(authority: str) -> str | None:
    userinfo, at, hostinfo = authority.rpartition("@")
    user, _, password = userinfo.partition(":")
    if not at or not password or password == MASK:
        return None
    return f"{user}:{MASK}@{hostinfo}"


@functools.lru_cache(maxsize=HOSTS_REMEMBERED)
def canonical_host(host: str) -> str | None:
    """The host as a connection sees it, or None when the URL standard rejects it.

    Lower case; an IPv4 address in any spelling the WHATWG URL standard accepts
    (section 3.5, the IPv4 parser: 1 to 4 parts, each decimal, ``0x`` hex or
    ``0`` octal, the last filling the remaining bytes) as its dotted quad; an
    IPv6 literal (with or without brackets) in its compressed form; any other
    name as it is.  A host that ends in a number but is no IPv4 address
    (``1.2.3.4.5``, ``09.0.0.1``, ``4294967296``) is None.

    Remembered per spelling: every hop of every request asks it several times
    (the frontier, robots, the guard, the request itself) for the same few hosts.
    """
    host = host.lower()
    if host.startswith("[") or ":" in host:
        try:
            return str(ipaddress.IPv6Address(host.strip("[]")))
        except ValueError:
            return host
    if not _ends_in_a_number(host):
        return host
    address = _ipv4_number(host)
    return None if address is None else str(ipaddress.IPv4Address(address))


def _ends_in_a_number(host: str) -> bool:
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1]
    return (last != "" and last.isascii() and last.isdigit()) or (
        last.startswith("0x") and _part_number(last) is not None
    )


def _ipv4_number(host: str) -> int | None:
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4:
        return None
    numbers = [_part_number(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    values = [number for number in numbers if number is not None]
    if any(value > 255 for value in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    address = values[-1]
    for index, value in enumerate(values[:-1]):
        address += value * 256 ** (3 - index)
    return address


def _part_number(part: str) -> int | None:
    if part == "":
        return None
    radix = 10
    if len(part) >= 2 and part[:2] in ("0x", "0X"):
        part, radix = part[2:], 16
    elif len(part) >= 2 and part.startswith("0"):
        part, radix = part[1:], 8
    if part == "":
        return 0
    if not part.isascii() or not part.isalnum():
        return None
    try:
        return int(part, radix)
    except ValueError:
        return None


def with_canonical_host(url: str) -> str:
    """``url`` with an IPv4 host in another spelling written as its dotted quad.

    What is sent: the Host header of ``http://127.1/`` is ``127.0.0.1``, as a
    browser sends it.  Any other URL comes back unchanged.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if host is None or ":" in host:
        return url
    canonical = canonical_host(host)
    if canonical is None or canonical == host or not _ends_in_a_number(host):
        return url
    userinfo, at, hostinfo = parts.netloc.rpartition("@")
    _, colon, port = hostinfo.rpartition(":") if ":" in hostinfo else ("", "", "")
    netloc = f"{userinfo}{at}{canonical}{colon}{port}"
    start = url.index(parts.netloc)
    return url[:start] + netloc + url[start + len(parts.netloc) :]


def is_http_url(value: object) -> bool:
    """True for an absolute ``http://`` or ``https://`` URL with a host name."""
    if not isinstance(value, str) or value != value.strip() or not value:
        return False
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError for a malformed port
    except ValueError:
        return False
    del port
    return (
        parts.scheme.lower() in ("http", "https")
        and bool(parts.hostname)
        and canonical_host(parts.hostname or "") is not None
    )


def invalid_reason(value: object) -> str:
    """A short reason why ``value`` is not a URL the crawler may request."""
    if not isinstance(value, str):
        return f"not a string: {type(value).__name__}"
    if not value.strip():
        return "empty URL"
    if value != value.strip():
        return "URL has leading or trailing whitespace"
    try:
        parts = urlsplit(value)
        scheme = parts.scheme.lower() if ":" in value else ""
        host = parts.hostname
    except ValueError:  # urlsplit refuses an unbalanced "[" or "]" in the host
        return "malformed URL"
    if scheme and scheme not in ("http", "https"):
        return f"not an http(s) URL: scheme {scheme!r}"
    if not scheme:
        return "not an absolute URL"
    if host and canonical_host(host) is None:
        return "host ends in a number but is not an IPv4 address"
    return "malformed URL"


def request_key(url: str) -> str:
    """The identity under which a URL is fetched once per run (the fragment is never sent)."""
    return urldefrag(url).url
