"""What the user asked to count and send: ``--accept`` statuses, ``-H`` headers, proxies.

Small values parsed once from the command line or the config file (held by
:class:`crawler.config.Config`), validated with a one-line
:class:`~crawler.errors.UsageError`, and applied by the Fetcher.

``--accept`` takes lychee's notation: ``200``, ``200..=204`` (inclusive), ``200..300``
(end excluded), plus ``200-204`` (inclusive), comma-separated.  ``-H/--header`` keeps
curl's: ``Name: value`` sends it (replacing the crawler's own), ``Name:`` removes a
header the crawler would send, ``Name;`` sends it empty.  ``--proxy`` (``-x``) and
``--noproxy`` too: ``[http[s]://][user:password@]host[:port]``, and host names (each
covering its subdomains, ``*`` all) reached directly; the environment's
``http_proxy``/``https_proxy``/``no_proxy`` when they are not given.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from crawler.errors import UsageError

_RANGE = re.compile(r"(\d{3})(?:(\.\.=|\.\.|-)(\d{3}))?")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 section 5.1 field-name
_RESERVED = {
    "host": "use --connect-to to reach another address under the same name",
    "accept-encoding": "the crawler decodes bodies itself, within its limits",
}


def parse_accept(specs: Iterable[str | int]) -> tuple[int, ...]:
    """The status codes named by ``specs`` (each a code, a range or a comma list), sorted."""
    codes: set[int] = set()
    for spec in specs:
        for part in str(spec).split(","):
            text = part.strip()
            if not text:
                continue
            match = _RANGE.fullmatch(text)
            if match is None:
                raise UsageError(f"accept: {text!r} is not a status code or range like 200..=299")
            low, kind, high = match.groups()
            first = int(low)
            last = first if high is None else int(high) - (1 if kind == ".." else 0)
            if not 100 <= first <= last <= 999:
                raise UsageError(f"accept: {text!r} is not a range of status codes 100 to 999")
            codes.update(range(first, last + 1))
    return tuple(sorted(codes))


@dataclass(frozen=True, slots=True)
class Header:
    """One ``-H`` value: ``value`` None removes the header the crawler would send."""

    name: str
    value: str | None

    @classmethod
    def parse(cls, spec: str) -> Header:
        value: str | None
        if spec.endswith(";") and ":" not in spec:
            name, value = spec[:-1].strip(), ""
        elif ":" in spec:
            name, _, rest = spec.partition(":")
            name, value = name.strip(), rest.strip() or None
        else:
            raise UsageError(f"header {spec!r}: expected 'Name: value', 'Name:' or 'Name;'")
        if not _TOKEN.fullmatch(name):
            raise UsageError(f"header {spec!r}: {name!r} is not a header name")
        if value is not None and any(char in value for char in "\r\n\0"):
            raise UsageError(f"header {name}: a value cannot hold a line break")
        why = _RESERVED.get(name.lower())
        if why is not None:
            raise UsageError(f"header {name}: cannot be set with -H: {why}")
        return cls(name, value)


def apply_headers(
    base: dict[str, str], headers: Iterable[Header]
) -> tuple[dict[str, str], list[str]]:
    """``base`` with ``headers`` applied, and the names to keep aiohttp from adding."""
    result = dict(base)
    skipped: list[str] = []
    for header in headers:
        for existing in [key for key in result if key.lower() == header.name.lower()]:
            del result[existing]
        if header.value is None:
            skipped.append(header.name)
        else:
            result[header.name] = header.value
    return result, skipped


@dataclass(frozen=True, slots=True)
class Proxy:
    """A proxy to connect through; credentials travel in ``Proxy-Authorization``."""

    url: str  # without user info
    headers: Mapping[str, str]
    host: str
    port: int


def parse_proxy(text: str) -> Proxy:
    """A proxy from ``[http[s]://][user:password@]host[:port]`` (port 1080 by default, as curl)."""
    spec = text if "://" in text else f"http://{text}"
    parts = urlsplit(spec)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UsageError(f"proxy {text!r}: only http:// and https:// proxies are supported")
    try:
        port = parts.port or 1080
    except ValueError:
        raise UsageError(f"proxy {text!r}: the port is not a number from 1 to 65535") from None
    host = parts.hostname or ""
    if not host or parts.path not in ("", "/"):
        raise UsageError(f"proxy {text!r}: expected [http://][user:password@]host[:port]")
    headers: dict[str, str] = {}
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers["Proxy-Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    shown = f"[{host}]" if ":" in host else host
    return Proxy(f"{scheme}://{shown}:{port}", headers, host, port)


def from_environment(
    environ: Mapping[str, str],
) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(http proxy, https proxy, no-proxy list) as the environment sets them.

    Lower-case names win over upper-case ones, as in curl; ``HTTP_PROXY`` is ignored
    in a CGI request, where a client's ``Proxy:`` header lands in it (httpoxy).
    """

    def read(name: str) -> str | None:
        value = environ.get(name) or None
        if value is None and not (name == "http_proxy" and "REQUEST_METHOD" in environ):
            value = environ.get(name.upper()) or None
        return value

    no_proxy = tuple(item.strip() for item in (read("no_proxy") or "").split(",") if item.strip())
    return read("http_proxy"), read("https_proxy"), no_proxy


def is_bypassed(host: str, no_proxy: Sequence[str]) -> bool:
    """Whether ``host`` is reached directly: named in ``no_proxy`` or below a name there."""
    host = host.lower().strip("[]")
    for entry in no_proxy:
        name = entry.strip().lower().lstrip(".").strip("[]")
        if name == "*" or host == name or host.endswith("." + name):
            return True
    return False


__all__ = [
    "Header",
    "Proxy",
    "apply_headers",
    "from_environment",
    "is_bypassed",
    "parse_accept",
    "parse_proxy",
]
