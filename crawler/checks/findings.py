"""The vocabulary the page checks share: a named finding, and when two page URLs agree.

The AMP, staleness and soft-404 checks judge what live pages say against the
article's front matter.  A failed judgement is a :class:`Finding`, a value the
``crawl`` block and the reports carry, never an exception.  Each check module
names its own codes in a ``StrEnum`` (``AmpFinding`` in ``crawler.checks.amp``...),
so a code is always one of a known set.

:func:`comparable_url` is the one notion of "the same page URL" the checks use:
canonical links, ``link rel=amphtml`` and share images are written by CMS
templates that disagree about the scheme, default ports, trailing slashes and
host case without meaning another page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_ESCAPE: Final = re.compile(r"%[0-9a-fA-F]{2}")


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed check: ``code`` from a check's ``StrEnum``, the front-matter ``field``
    it concerns (``ampWebUrl``, ``cdnAmpWebUrl``, ``webUrl``...), and a ``detail`` for humans.
    """

    code: str
    field: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "detail": self.detail}


def comparable_url(url: str | None) -> str | None:
    """A key under which two spellings of one page URL compare equal, or None if not http(s).

    Scheme (http/https), a port that is its scheme's default, a trailing slash,
    the fragment, user info, host case, a trailing dot on the host and the case
    of percent-escapes do not count; the path otherwise and the query do.  IDN
    hosts compare in their ASCII (punycode) form, so ``bücher.ch`` equals
    ``xn--bcher-kva.ch``.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    host = _ascii_host(host)
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = _ESCAPE.sub(lambda match: match.group(0).upper(), parts.path).rstrip("/") or "/"
    query = _ESCAPE.sub(lambda match: match.group(0).upper(), parts.query)
    return f"//{host}{path}?{query}" if query else f"//{host}{path}"


def _ascii_host(host: str) -> str:
    if host.isascii():
        return host.lower()
    try:
        # IDNA 2003 (the stdlib codec) is enough to put both spellings of a
        # host on one footing; a host it refuses is compared as written.
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return host.lower()
