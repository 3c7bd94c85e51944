"""AMP consistency checks: cache host and URL rules, and check_amp over extracted pages."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.checks.amp import (
    KNOWN_CACHES,
    AmpFinding,
    amp_cache_host,
    amp_cache_url,
    check_amp,
    is_cache_url_of,
)
from crawler.checks.findings import Finding, comparable_url
from crawler.extract import PageMetadata, extract

LONG_DOMAIN = (
    "itwasadarkandstormynight.therainfellintorrents.exceptatoccasionalintervalswhenitwascheckedby"
    ".aviolentgustofwindwhichsweptupthestreets.com"
)
EGYPT = "xn--4gbrim.xn----rmckbbajlc6dj7bxne2c.xn--wgbh1c"  # an all right-to-left domain

# Expected values come from the spec's own table (amp.dev "AMP Cache URL Format and
# Request Handling", basic algorithm), then from the test vectors of the two reference
# implementations (amp-toolbox's cache-url spec and the Go port in Tor's snowflake).
CACHE_HOSTS = {
    "spec-example-com": ("example.com", "example-com"),
    "spec-subdomain": ("foo.example.com", "foo-example-com"),
    "spec-hyphen-doubled": ("foo-example.com", "foo--example-com"),
    "spec-punycode-emoji": ("xn--57hw060o.com", "xn---com-p33b41770a"),
    "spec-unicode-emoji-same-as-punycode": ("⚡😊.com", "xn---com-p33b41770a"),
    "spec-hyphens-at-3-and-4-wrapped": ("en-us.example.com", "0-en--us-example-com-0"),
    "toolbox-upper-case-host": ("SOMETHING.COM", "something-com"),
    "toolbox-double-hyphen": ("hello--world.com", "hello----world-com"),
    "toolbox-idn-bucher": ("xn--bcher-kva.ch", "xn--bcher-ch-65a"),
    "toolbox-all-rtl-stays-readable": (EGYPT, "xn-------i5fvcbaopc6fkc0de0d9jybegt6cd"),
    "toolbox-mixed-ltr-rtl-falls-back": (
        f"hello.{EGYPT}",
        "a6h5moukddengbsjm77rvbosevwuduec2blkjva4223o4bgafgla",
    ),
    "toolbox-over-63-falls-back-to-hash": (
        LONG_DOMAIN,
        "dgz4cnrxufaulnwku4ow5biptyqnenjievjht56hd7wqinbdbteq",
    ),
    "go-64-char-prefix-falls-back": (
        "0" * 60 + ".com",
        "stejanx4hsijaoj4secyecy4nvqodk56kw72whwcmvdbtucibf5a",
    ),
    "go-64-char-prefix-other-hash": (
        "0" * 59 + "a.com",
        "jdcvbsorpnc3hcjrhst56nfm6ymdpovlawdbm2efyxpvlt4cpbya",
    ),
    "go-unicode-long-hashes-utf8": (
        "0" * 59 + "λ.com",
        "qhzqeumjkfpcpuic3vqruyjswcr7y7gcm3crqyhhywvn3xrhchfa",
    ),
    "go-no-idna2003-mapping-of-eszett": ("faß.de", "xn--fa-de-mqa"),
    "go-no-idna2003-mapping-of-final-sigma": ("βόλοσ.com", "xn---com-4ld8c2a6a8e"),
    "exactly-63-chars-stays-readable": ("a" * 59 + ".com", "a" * 59 + "-com"),
    "trailing-root-dot-ignored": ("example.com.", "example-com"),
    "xn-prefix-is-wrapped-not-reused": ("xn-a.com", "0-xn--a-com-0"),
}


@pytest.mark.parametrize(("domain", "expected"), CACHE_HOSTS.values(), ids=CACHE_HOSTS.keys())
def test_amp_cache_host_follows_the_documented_algorithm(domain: str, expected: str) -> None:
    assert amp_cache_host(domain) == expected


FALLBACKS = {
    "underscore-is-not-a-dns-label-character": "my_site.example.com",
    "leading-hyphen": "-news.example.com",
    "broken-punycode": "xn--zz!!.example.com",
    "empty-punycode-label": "xn---.com",
}


@pytest.mark.parametrize("domain", FALLBACKS.values(), ids=FALLBACKS.keys())
def test_amp_cache_host_hashes_what_cannot_be_a_dns_label(domain: str) -> None:
    assert re.fullmatch(r"[a-z2-7]{52}", amp_cache_host(domain))


_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_äßλ⚡ا", min_size=1, max_size=30)


@given(st.lists(_LABEL, min_size=1, max_size=6).map(".".join))
def test_amp_cache_host_is_always_one_valid_dns_label(domain: str) -> None:
    host = amp_cache_host(domain)
    assert re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", host), host


CACHE_URLS = {
    "https-document-gets-s": (
        "https://techwireasia.com/amp/2021/01/story/",
        "cdn.ampproject.org",
        "https://techwireasia-com.cdn.ampproject.org/c/s/techwireasia.com/amp/2021/01/story/",
    ),
    "http-document-has-no-s": (
        "http://www.example.com/index.html",
        "cdn.ampproject.org",
        "https://www-example-com.cdn.ampproject.org/c/www.example.com/index.html",
    ),
    "query-kept": (
        "https://example.com/g?value=Hello%20World",
        "cdn.ampproject.org",
        "https://example-com.cdn.ampproject.org/c/s/example.com/g?value=Hello%20World",
    ),
    "fragment-dropped": (
        "https://example.com/a#top",
        "cdn.ampproject.org",
        "https://example-com.cdn.ampproject.org/c/s/example.com/a",
    ),
    "empty-path-is-root": (
        "https://www.example.com",
        "cdn.ampproject.org",
        "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/",
    ),
    "default-port-dropped": (
        "https://example.com:443/a",
        "cdn.ampproject.org",
        "https://example-com.cdn.ampproject.org/c/s/example.com/a",
    ),
    "bing-cache": (
        "https://en-us.example.com/a",
        "bing-amp.com",
        "https://0-en--us-example-com-0.bing-amp.com/c/s/en-us.example.com/a",
    ),
    "ipv6-literal-keeps-brackets": (
        "https://[2001:db8::1]/a",
        "cdn.ampproject.org",
        f"https://{amp_cache_host('2001:db8::1')}.cdn.ampproject.org/c/s/[2001:db8::1]/a",
    ),
    "unicode-host-stays-in-path": (
        "https://點看.com",
        "cdn.ampproject.org",
        "https://xn---com-k47jg78q.cdn.ampproject.org/c/s/點看.com/",
    ),
}


@pytest.mark.parametrize(("amp_url", "cache", "expected"), CACHE_URLS.values(), ids=CACHE_URLS)
def test_amp_cache_url_builds_the_content_path(amp_url: str, cache: str, expected: str) -> None:
    assert amp_cache_url(amp_url, cache) == expected


UNSERVABLE = {
    "not-http": "ftp://example.com/a",
    "relative": "/amp/story/",
    "non-default-port": "https://example.com:8443/a",
    "user-info": "https://user:pw@example.com/a",
    "bad-port": "https://example.com:99999/a",
}


@pytest.mark.parametrize("amp_url", UNSERVABLE.values(), ids=UNSERVABLE.keys())
def test_amp_cache_url_refuses_urls_no_cache_can_serve(amp_url: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(amp_url))):
        amp_cache_url(amp_url)


AMP = "https://example.com/amp/story/"
CDN = "https://example-com.cdn.ampproject.org/c/s/example.com/amp/story/"

CACHE_MATCHES = {
    "exact": (CDN, AMP, True),
    "trailing-slash-missing": (CDN.rstrip("/"), AMP, True),
    "fragment": (CDN + "#x", AMP, True),
    "host-case": (CDN.replace("example-com.cdn", "Example-Com.CDN"), AMP, True),
    "embedded-host-case": (CDN.replace("/s/example.com", "/s/EXAMPLE.com"), AMP, True),
    "explicit-443": (CDN.replace(".org/", ".org:443/"), AMP, True),
    "bing-cache": ("https://example-com.bing-amp.com/c/s/example.com/amp/story/", AMP, True),
    "query-in-both": (CDN + "?p=1", AMP + "?p=1", True),
    "escape-case": (CDN.replace("story", "%c3%a9"), AMP.replace("story", "%C3%A9"), True),
    "escaped-unicode-host-in-path": (
        "https://xn---com-k47jg78q.cdn.ampproject.org/c/s/%E9%BB%9E%E7%9C%8B.com/a",
        "https://點看.com/a",
        True,
    ),
    "escaped-question-mark-is-path": (CDN + "a%3Fp=1", AMP + "a?p=1", False),
    "wrong-prefix": (CDN.replace("example-com.cdn", "www-example-com.cdn"), AMP, False),
    "unknown-cache": (CDN.replace("cdn.ampproject.org", "cdn.example.net"), AMP, False),
    "cache-domain-only": ("https://cdn.ampproject.org/c/s/example.com/amp/story/", AMP, False),
    "http-cache-url": (CDN.replace("https:", "http:"), AMP, False),
    "c-without-s-for-https-document": (CDN.replace("/c/s/", "/c/"), AMP, False),
    "c-with-s-for-http-document": (CDN, AMP.replace("https:", "http:"), False),
    "viewer-path-is-not-content": (CDN.replace("/c/s/", "/v/s/"), AMP, False),
    "other-path": (CDN.replace("story", "other"), AMP, False),
    "other-host-in-path": (CDN.replace("/s/example.com", "/s/example.org"), AMP, False),
    "query-only-in-amp": (CDN, AMP + "?p=1", False),
    "amp-url-unservable": (CDN, "https://example.com:8443/amp/story/", False),
    "not-a-url": ("not a url", AMP, False),
}


@pytest.mark.parametrize(("cdn", "amp", "expected"), CACHE_MATCHES.values(), ids=CACHE_MATCHES)
def test_is_cache_url_of_is_strict_on_host_and_path_only(
    cdn: str, amp: str, expected: bool
) -> None:
    assert is_cache_url_of(cdn, amp) is expected


def test_known_caches_are_googles_and_bings() -> None:
    assert set(KNOWN_CACHES) == {"cdn.ampproject.org", "bing-amp.com"}


# ---------------------------------------------------------------------------
# check_amp over pages read by extract()
# ---------------------------------------------------------------------------

ARTICLE = "https://example.com/story/"


def amp_page(canonical: str | None = ARTICLE, marker: str = "amp") -> PageMetadata:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    html = f"<!doctype html><html {marker}><head><title>Story</title>{link}</head></html>"
    return extract(html.encode(), AMP, "text/html")


def article_page(amphtml: str | None = "/amp/story/") -> PageMetadata:
    link = f'<link rel="amphtml" href="{amphtml}">' if amphtml else ""
    html = f"<!doctype html><html><head><title>Story</title>{link}</head><body></body></html>"
    return extract(html.encode(), ARTICLE, "text/html")


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


CHECKS = {
    "all-consistent": (ARTICLE, AMP, CDN, amp_page(), article_page(), []),
    "lightning-attribute-is-amp": (ARTICLE, AMP, CDN, amp_page(marker="⚡"), article_page(), []),
    "not-an-amp-document": (ARTICLE, AMP, CDN, amp_page(marker="lang=en"), None, ["NOT_AMP"]),
    "not-amp-hides-canonical-checks": (
        ARTICLE, AMP, None, amp_page(canonical=None, marker="lang=en"), None, ["NOT_AMP"],
    ),
    "canonical-missing": (ARTICLE, AMP, None, amp_page(canonical=None), None, ["NO_CANONICAL"]),
    "canonical-other-page": (
        ARTICLE, AMP, None, amp_page("https://example.com/other/"), None, ["CANONICAL_MISMATCH"],
    ),
    "canonical-other-host": (
        ARTICLE, AMP, None, amp_page("https://www.example.com/story/"), None,
        ["CANONICAL_MISMATCH"],
    ),
    "canonical-http-scheme-agrees": (
        ARTICLE, AMP, None, amp_page("http://example.com/story/"), None, [],
    ),
    "canonical-host-case-port-fragment-agree": (
        ARTICLE, AMP, None, amp_page("https://EXAMPLE.com:443/story#top"), None, [],
    ),
    "canonical-relative-resolved": (ARTICLE, AMP, None, amp_page("/story/"), None, []),
    "no-article-url-skips-canonical-match": (None, AMP, None, amp_page("/other/"), None, []),
    "article-page-silent": (ARTICLE, AMP, None, None, article_page(None), ["NOT_ADVERTISED"]),
    "article-page-advertises-other": (
        ARTICLE, AMP, None, None, article_page("/amp/other/"), ["NOT_ADVERTISED"],
    ),
    "advertised-with-http-scheme-agrees": (
        ARTICLE, AMP, None, None, article_page("http://example.com/amp/story"), [],
    ),
    "no-amp-url-skips-advertised": (ARTICLE, None, None, None, article_page(None), []),
    "cache-url-for-other-document": (
        ARTICLE, AMP, CDN.replace("story", "other"), None, None, ["CACHE_URL_MISMATCH"],
    ),
    "cache-url-without-pages": (ARTICLE, AMP, CDN, None, None, []),
    "cache-url-but-no-amp-url": (ARTICLE, None, CDN, None, None, []),
    "unservable-amp-url": (
        ARTICLE, "https://example.com:8443/amp/", CDN, None, None, ["CACHE_URL_MISMATCH"],
    ),
    "nothing-fetched-nothing-named": (None, None, None, None, None, []),
    "every-check-fails": (
        ARTICLE, AMP, CDN.replace("/c/s/", "/c/"), amp_page("/elsewhere/"), article_page(None),
        ["CANONICAL_MISMATCH", "NOT_ADVERTISED", "CACHE_URL_MISMATCH"],
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("article_url", "amp_url", "cdn_url", "amp", "article", "expected"),
    CHECKS.values(),
    ids=CHECKS.keys(),
)
def test_check_amp_names_each_failed_check(
    article_url: str | None,
    amp_url: str | None,
    cdn_url: str | None,
    amp: PageMetadata | None,
    article: PageMetadata | None,
    expected: list[str],
) -> None:
    findings = check_amp(article_url, amp_url, cdn_url, amp, article)
    assert codes(findings) == [AmpFinding[name].value for name in expected]


def test_findings_name_the_field_and_explain() -> None:
    findings = check_amp(ARTICLE, AMP, CDN.replace("story", "x"), amp_page("/x/"), article_page())
    assert [(finding.field, finding.detail) for finding in findings] == [
        (
            "ampWebUrl",
            "the AMP page's canonical is https://example.com/x/, not the article " + ARTICLE,
        ),
        ("cdnAmpWebUrl", f"the AMP cache URL of ampWebUrl is {CDN}"),
    ]


def test_finding_codes_are_the_documented_strings() -> None:
    assert {code.value for code in AmpFinding} == {
        "amp-not-amp-document",
        "amp-canonical-missing",
        "amp-canonical-mismatch",
        "amp-not-advertised",
        "amp-cache-url-mismatch",
    }
    assert Finding(AmpFinding.NOT_AMP, "ampWebUrl", "x").code == "amp-not-amp-document"


COMPARABLE = {
    "scheme-insensitive": ("http://example.com/a", "https://example.com/a", True),
    "default-ports": ("http://example.com:80/a", "https://example.com:443/a", True),
    "trailing-slash": ("https://example.com/a/", "https://example.com/a", True),
    "root": ("https://example.com", "https://example.com/", True),
    "fragment": ("https://example.com/a#b", "https://example.com/a", True),
    "host-case-and-dot": ("https://Example.COM./a", "https://example.com/a", True),
    "escape-case": ("https://example.com/%c3%a9", "https://example.com/%C3%A9", True),
    "idn-spellings": ("https://bücher.ch/", "https://xn--bcher-kva.ch/", True),
    "path-case-counts": ("https://example.com/A", "https://example.com/a", False),
    "query-counts": ("https://example.com/a?x=1", "https://example.com/a", False),
    "other-port-counts": ("https://example.com:8443/a", "https://example.com/a", False),
    "www-counts": ("https://www.example.com/a", "https://example.com/a", False),
}


@pytest.mark.parametrize(("left", "right", "same"), COMPARABLE.values(), ids=COMPARABLE.keys())
def test_comparable_url_ignores_only_spelling(left: str, right: str, same: bool) -> None:
    assert (comparable_url(left) == comparable_url(right)) is same


@pytest.mark.parametrize("value", [None, "", "mailto:a@example.com", "/relative", "https://"])
def test_comparable_url_is_none_for_non_http_urls(value: str | None) -> None:
    assert comparable_url(value) is None
