"""What counts as a URL the crawler may request: absolute http(s) with a host."""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit


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
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def invalid_reason(value: object) -> str:
    """A short reason why ``value`` is not a URL the crawler may request."""
    if not isinstance(value, str):
        return f"not a string: {type(value).__name__}"
    if not value.strip():
        return "empty URL"
    if value != value.strip():
        return "URL has leading or trailing whitespace"
    try:
        scheme = urlsplit(value).scheme.lower() if ":" in value else ""
    except ValueError:  # urlsplit refuses an unbalanced "[" or "]" in the host
        return "malformed URL"
    if scheme and scheme not in ("http", "https"):
        return f"not an http(s) URL: scheme {scheme!r}"
    if not scheme:
        return "not an absolute URL"
    return "malformed URL"


def request_key(url: str) -> str:
    """The identity under which a URL is fetched once per run (the fragment is never sent)."""
    return urldefrag(url).url
