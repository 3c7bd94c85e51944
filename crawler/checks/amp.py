"""AMP consistency: do ``ampWebUrl``, ``cdnAmpWebUrl`` and the live pages agree?

Pure functions over URLs and the :class:`~crawler.extract.PageMetadata` of pages
already fetched; the pipeline decides what to fetch.  :func:`check_amp` returns
one :class:`~crawler.checks.findings.Finding` per failed check:

- the AMP page is an AMP document (``<html ⚡>`` or ``<html amp>``),
- it names a canonical page, and that page is the article,
- the article page advertises the AMP URL (``<link rel=amphtml>``),
- ``cdnAmpWebUrl`` is the AMP cache URL of ``ampWebUrl``.

AMP cache URLs follow "AMP Cache URL Format and Request Handling"
(https://amp.dev/documentation/guides-and-tutorials/learn/amp-caches-and-cors/amp-cache-urls/,
summarised at https://developers.google.com/amp/cache/overview#amp-cache-url-format):
``https://<domain prefix>.<cache domain>/c/s/<host><path>?<query>``.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import re
import unicodedata
from typing import Final
from urllib.parse import unquote, urlsplit

from crawler.checks.findings import Finding, comparable_url
from crawler.extract import PageMetadata

# The caches listed in caches.json of the AMP project
# (https://github.com/ampproject/amphtml/blob/main/build-system/global-configs/caches.json).
KNOWN_CACHES: Final = ("cdn.ampproject.org", "bing-amp.com")

DNS_LABEL_MAX_CHARS: Final = 63  # RFC 1035 section 2.3.4, RFC 2181 section 11
_DNS_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_IDN_PREFIX: Final = "xn--"


class AmpFinding(enum.StrEnum):
    """The AMP checks' finding codes, as the ``crawl`` block and reports print them."""

    NOT_AMP = "amp-not-amp-document"  # ampWebUrl serves a page without <html ⚡>/<html amp>
    NO_CANONICAL = "amp-canonical-missing"  # the AMP page has no <link rel=canonical>
    CANONICAL_MISMATCH = "amp-canonical-mismatch"  # ...or it names another page
    NOT_ADVERTISED = "amp-not-advertised"  # the article page does not link ampWebUrl
    CACHE_URL_MISMATCH = "amp-cache-url-mismatch"  # cdnAmpWebUrl is not ampWebUrl's cache URL


def amp_cache_host(domain: str) -> str:
    """The AMP cache "domain prefix" of a domain: ``foo-example.com`` -> ``foo--example-com``.

    The documented combined algorithm: the basic algorithm below, and if its
    result is not a valid DNS label, the fallback (lower-case base32 of the
    SHA-256 of the domain, without the ``====`` padding, 52 characters).

    Basic algorithm: Punycode-decode the domain (RFC 3492); replace each ``-``
    with ``--``; replace each ``.`` with ``-``; if the result has ``-`` at both
    positions 3 and 4, wrap it as ``0-...-0`` (so it cannot read as an IDNA
    ``xn--`` label, https://github.com/ampproject/amphtml/issues/26205);
    Punycode-encode.

    The domain is lower-cased and loses a trailing root dot first, as a URL's
    host does.  "Valid DNS label" is taken as RFC 1123 letters, digits and
    hyphens, 1 to 63 characters, no hyphen first or last; the spec names only
    the length, the rest catches hosts no cache can serve as written (``a_b``,
    ``-a.com``).  A label mixing left-to-right and right-to-left letters is
    not valid either (the IDNA Bidi rule, RFC 5893), as amp-toolbox's
    reference implementation treats it.

    Punycode is applied as the bare RFC 3492 codec, with no IDNA mapping:
    IDNA 2003 (the stdlib ``idna`` codec) would map ``faß`` to ``fass``, and
    IDNA 2008 (the ``idna`` package) refuses the spec's own example ``⚡😊.com``.
    Neither is what the caches do.
    """
    domain = domain.strip().lower().removesuffix(".")
    prefix = _basic_prefix(domain)
    if prefix is None or not _is_dns_label(prefix):
        return _hashed_prefix(domain)
    return prefix


def _basic_prefix(domain: str) -> str | None:
    try:
        unicode = ".".join(_punycode_decode(label) for label in domain.split("."))
    except UnicodeError:
        return None
    if _mixes_directions(unicode):
        return None
    prefix = unicode.replace("-", "--").replace(".", "-")
    if prefix[2:4] == "--":
        prefix = f"0-{prefix}-0"
    if prefix.isascii():
        return prefix
    return _IDN_PREFIX + prefix.encode("punycode").decode("ascii")


def _punycode_decode(label: str) -> str:
    if not label.startswith(_IDN_PREFIX):
        return label
    return label[len(_IDN_PREFIX) :].encode("ascii").decode("punycode")


def _mixes_directions(text: str) -> bool:
    directions = {unicodedata.bidirectional(char) for char in text}
    return "L" in directions and bool(directions & {"R", "AL"})


def _is_dns_label(prefix: str) -> bool:
    return len(prefix) <= DNS_LABEL_MAX_CHARS and _DNS_LABEL.fullmatch(prefix) is not None


def _hashed_prefix(domain: str) -> str:
    # The spec does not say which bytes are hashed; the reference implementations
    # (amp-toolbox, and the Go port in Tor's snowflake) hash the domain's UTF-8 as written.
    digest = hashlib.sha256(domain.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii").lower().rstrip("=")


def amp_cache_url(amp_url: str, cache_domain: str = "cdn.ampproject.org") -> str:
    """The URL at which the AMP cache ``cache_domain`` serves the AMP document ``amp_url``.

    ``https://<domain prefix>.<cache>/c/s/<host><path>?<query>`` for an https
    document, ``/c/`` without the ``s`` for http.  ``c`` is the "content" type
    (a standalone AMP document); images (``/i/``) and other resources (``/r/``)
    are not needed here.  The fragment is dropped: it never reaches a server.

    Raises ValueError, naming the URL, when no AMP cache can serve it: not
    http(s), no host, user info, or a port other than the scheme's default (the
    cache URL has nowhere to put them).
    """
    try:
        parts = urlsplit(amp_url.strip())
        port = parts.port
    except ValueError as error:
        raise ValueError(f"{amp_url!r}: not a URL an AMP cache can serve: {error}") from None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in ("http", "https") or not host:
        raise ValueError(f"{amp_url!r}: not an absolute http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{amp_url!r}: AMP cache URLs cannot carry user info")
    if port is not None and port != (443 if scheme == "https" else 80):
        raise ValueError(f"{amp_url!r}: AMP caches fetch from default ports only, not {port}")
    secure = "s/" if scheme == "https" else ""
    authority = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets
    query = f"?{parts.query}" if parts.query else ""
    return (
        f"https://{amp_cache_host(host)}.{cache_domain.lower()}"
        f"/c/{secure}{authority}{parts.path or '/'}{query}"
    )


def is_cache_url_of(cdn_url: str, amp_url: str) -> bool:
    """Whether ``cdn_url`` is where one of :data:`KNOWN_CACHES` serves ``amp_url``.

    Strict on what picks the document: https, the cache host (domain prefix and
    a known cache), ``/c/`` versus ``/c/s/`` (the document's scheme), host, path
    and query.  Tolerant of spelling: a trailing slash, a fragment, host case
    (in the authority and in the path), ``:443``, percent-escapes.
    """
    key = _cache_url_key(cdn_url)
    if key is None:
        return False
    cache = key[0].partition(".")[2]
    if cache not in KNOWN_CACHES:
        return False
    try:
        expected = amp_cache_url(amp_url, cache)
    except ValueError:
        return False
    return key == _cache_url_key(expected)


def _cache_url_key(cache_url: str) -> tuple[str, str] | None:
    """(cache host, the rest as :func:`comparable_url` spells it) for an https URL."""
    try:
        parts = urlsplit(cache_url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if parts.scheme.lower() != "https":
        return None  # "All documents use https protocol on AMP caches."
    segments = parts.path.split("/")
    # ["", "c", "s", host, ...] or ["", "c", host, ...]: the publisher's host
    # sits in the path, where its case and escaping mean as little as in the authority.
    index = 3 if len(segments) > 3 and segments[2] == "s" else 2
    if len(segments) > index:
        segments[index] = unquote(segments[index]).lower()
    rest = comparable_url(parts._replace(path="/".join(segments)).geturl())
    return (host, rest) if rest is not None else None


def check_amp(
    article_url: str | None,
    amp_url: str | None,
    cdn_amp_url: str | None,
    amp_page: PageMetadata | None,
    article_page: PageMetadata | None,
) -> list[Finding]:
    """Every AMP check that the values given allow, as findings (empty when all pass).

    ``article_url`` is the article's own page (``webUrl``, else ``originalUrl``);
    ``amp_url`` and ``cdn_amp_url`` are ``ampWebUrl`` and ``cdnAmpWebUrl``;
    ``amp_page`` and ``article_page`` are what those pages say.  A page that is
    None was not fetched or not ok: the checks that need it are skipped, as are
    checks whose URL is absent.  A page that is not an AMP document gets only
    that finding: its canonical link says nothing about AMP.
    """
    findings: list[Finding] = []
    if amp_page is not None:
        findings.extend(_check_amp_page(article_url, amp_page))
    if amp_url and article_page is not None:
        findings.extend(_check_advertised(amp_url, article_page))
    if amp_url and cdn_amp_url and not is_cache_url_of(cdn_amp_url, amp_url):
        try:
            detail = f"the AMP cache URL of ampWebUrl is {amp_cache_url(amp_url)}"
        except ValueError as error:
            detail = str(error)
        findings.append(Finding(AmpFinding.CACHE_URL_MISMATCH, "cdnAmpWebUrl", detail))
    return findings


def _check_amp_page(article_url: str | None, amp_page: PageMetadata) -> list[Finding]:
    if not amp_page.is_amp:
        detail = "the page at ampWebUrl has no <html ⚡> or <html amp>"
        return [Finding(AmpFinding.NOT_AMP, "ampWebUrl", detail)]
    if amp_page.url is None:
        detail = "the AMP page has no <link rel=canonical>"
        return [Finding(AmpFinding.NO_CANONICAL, "ampWebUrl", detail)]
    if article_url and comparable_url(amp_page.url) != comparable_url(article_url):
        detail = f"the AMP page's canonical is {amp_page.url}, not the article {article_url}"
        return [Finding(AmpFinding.CANONICAL_MISMATCH, "ampWebUrl", detail)]
    return []


def _check_advertised(amp_url: str, article_page: PageMetadata) -> list[Finding]:
    if article_page.amp_url is None:
        detail = "the article page has no <link rel=amphtml>"
        return [Finding(AmpFinding.NOT_ADVERTISED, "ampWebUrl", detail)]
    if comparable_url(article_page.amp_url) != comparable_url(amp_url):
        detail = f"the article page advertises {article_page.amp_url} as its AMP version"
        return [Finding(AmpFinding.NOT_ADVERTISED, "ampWebUrl", detail)]
    return []
