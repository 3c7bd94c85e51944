"""Passwords in URLs: redact_url and redact_text, against the parsers that build requests.

The password a request carries is the one urlsplit and yarl (aiohttp's URL
type) read, so the properties are stated against both: whatever string an
article holds, the redacted form has no password but ``***``, keeps every other
part, and a URL without a password comes back unchanged.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import yarl
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.fetch.urls import MASK, redact_text, redact_url

URLISH = st.text(st.sampled_from(list(":/@?#[]%. \t\nabu0Ā")), max_size=30)
PASSWORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
STRUCTURED = st.builds(
    "{}{}{}:{}@{}{}".format,
    st.sampled_from(["", " ", "\x00"]),
    st.sampled_from(["https://", "http://", "HTTP://", "ftp://", "//", "x+y.z://"]),
    st.text(st.sampled_from(list("user%40:")), max_size=6),
    PASSWORDS,
    st.sampled_from(["news.example.com", "h:8080", "[::1]", "127.1", "", "a@b"]),
    st.text(st.sampled_from(list("/?#@:pw")), max_size=8),
)
ANY = st.one_of(st.text(max_size=40), URLISH, STRUCTURED)


def _split_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:  # an unbalanced "[": no request is ever built from it
        return None


def _yarl_password(url: str) -> str | None:
    try:
        return yarl.URL(url).raw_password
    except Exception:  # yarl refuses some inputs with IndexError, too
        return None


@given(ANY)
@settings(max_examples=400)
def test_redaction_never_raises_and_is_idempotent(url: str) -> None:
    once = redact_url(url)
    assert redact_url(once) == once
    assert redact_text(redact_text(url)) == redact_text(url)


@given(ANY)
@settings(max_examples=400)
def test_a_url_without_a_password_comes_back_unchanged(url: str) -> None:
    try:
        password = urlsplit(url).password
    except ValueError:
        return  # unparseable: redacting what looks like a password there is fine
    if not password:
        assert redact_url(url) == url


@given(ANY)
@settings(max_examples=400)
def test_the_password_urlsplit_reads_is_masked_and_every_other_part_kept(url: str) -> None:
    password = _split_password(url)
    if not password or password == MASK:
        return
    before, after = urlsplit(url), urlsplit(redact_url(url))
    assert after.password == MASK
    assert (after.scheme, after.username, after.hostname) == (
        before.scheme,
        before.username,
        before.hostname,
    )
    assert (after.path, after.query, after.fragment) == (before.path, before.query, before.fragment)


@given(ANY)
@settings(max_examples=400)
def test_the_password_yarl_would_send_is_masked(url: str) -> None:
    if _yarl_password(url):
        assert _yarl_password(redact_url(url)) == MASK


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:s3cret@news.example.com/a", "https://user:***@news.example.com/a"),
        ("https://user@news.example.com/", "https://user@news.example.com/"),
        ("https://user:@news.example.com/", "https://user:@news.example.com/"),
        ("https://news.example.com/a?b=c:d@e", "https://news.example.com/a?b=c:d@e"),
        ("https://u:p@ss@h:8443/x#f", "https://u:***@h:8443/x#f"),
        ("//u:pw@h/", "//u:***@h/"),
        (" https://u:pw@h/", " https://u:***@h/"),
        ("https://u:p%40w@h/", "https://u:***@h/"),
        ("mailto:u:pw@h", "mailto:u:pw@h"),
        ("https://[::1", "https://[::1"),
        ("", ""),
    ],
    ids=[
        "password",
        "user-only",
        "empty-password",
        "colon-and-at-in-query",
        "at-in-password",
        "scheme-relative",
        "leading-space",
        "percent-encoded",
        "no-authority",
        "malformed",
        "empty",
    ],
)
def test_redact_url_examples(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_text_masks_every_url_in_a_message() -> None:
    message = "redirect loop after 2 hops at 'https://a:one@h/x' and http://b:two@k then b@c"
    assert redact_text(message) == (
        "redirect loop after 2 hops at 'https://a:***@h/x' and http://b:***@k then b@c"
    )
