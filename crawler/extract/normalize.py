"""Clean the raw strings a page declares into the values ``extract`` reports.

Every source (JSON-LD, Open Graph, ``<title>``...) hands its raw strings to these
functions; a function returns None when a value is unusable, so the next source
in the trust order gets its turn.  Empty and whitespace-only values count as
absent everywhere.
"""

from __future__ import annotations

import html
import re
from typing import Final
from urllib.parse import urljoin, urlsplit, urlunsplit

AUTHOR_MAX_CHARS: Final = 128  # a longer "author" is a sentence, not a name

_TAG = re.compile(r"</?[A-Za-z!][^<>]*>")
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_URL_NOISE = re.compile(r"[\t\n\r]")
# Template output that stands for "no value" rather than a relative URL.
_PLACEHOLDERS: Final = frozenset({"null", "undefined", "none", "false", "about:blank"})
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_BY = re.compile(r"^(?:by|por|von|par|di|door)\s*:?\s+", re.IGNORECASE)
_URL_LIKE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//|^www\.|^[\w.-]+\.[a-z]{2,}/", re.IGNORECASE)
_NAME_PARTS = re.compile(r"\s*,\s*|\s+[|–—-]\s+")
# Words of job titles written after a byline's name.
_ROLE_WORDS: Final = frozenset(
    {"president", "vice", "vp", "svp", "evp", "director", "editor", "reporter", "correspondent",
     "writer", "columnist", "contributor", "manager", "chief", "head", "senior", "staff",
     "analyst", "officer", "ceo", "cto", "cfo", "coo", "founder", "cofounder", "engineer",
     "lead", "professor", "fellow", "partner", "producer", "principal", "specialist",
     "strategist", "architect", "scientist", "researcher", "consultant", "advocate",
     "evangelist", "intern", "journalist", "photographer", "associate", "assistant",
     "executive", "general", "deputy", "managing", "contributing", "freelance", "host"}
)  # fmt: skip
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
# Separators that sites put between a headline and their own name in <title>.
_TITLE_SEPARATORS: Final = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", " / ", " ~ ")
_PREFIX_SEPARATORS: Final = (": ", *_TITLE_SEPARATORS)
_PUBLIC_SUFFIX_PARTS: Final = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "ne", "or"})


def unescape(text: str) -> str:
    """Decode character references that end with ``;``, twice at most.

    Attribute values arrive decoded once by the parser, but CMSs often encode
    twice (``&amp;#8217;``) and JSON-LD strings are not decoded at all.  Only
    terminated references are decoded: ``html.unescape`` would also turn the
    ``&reg`` of ``?a=1&region=eu`` into "®", which the HTML standard forbids in
    attribute values (https://html.spec.whatwg.org/#named-character-reference-state).
    """
    for _ in range(2):
        if "&" not in text:
            break
        text = _REFERENCE.sub(lambda match: html.unescape(match.group(0)), text)
    return text


def clean_text(value: object) -> str | None:
    """Decode entities, drop stray tags and invisible characters, collapse whitespace."""
    if not isinstance(value, str):
        return None
    text = unescape(value)
    if "<" in text:
        text = _TAG.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    text = " ".join(text.split())
    return text or None


def absolute_url(value: object, base: str) -> str | None:
    """An absolute http(s) URL for ``value`` resolved against ``base``, or None."""
    if not isinstance(value, str):
        return None
    # The URL parser drops tabs and newlines anywhere (https://url.spec.whatwg.org/#concept-basic-url-parser).
    text = _URL_NOISE.sub("", unescape(value)).strip().replace(" ", "%20")
    if not text or text.lower() in _PLACEHOLDERS or text.startswith("#"):
        return None
    try:
        parts = urlsplit(urljoin(base, text))
    except ValueError:
        # A malformed base must not cost the absolute URLs their place.
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    # Fragments name a place in the page, not the page.
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query, ""))


def is_url(value: str) -> bool:
    """Whether ``value`` looks like a URL rather than a person's or site's name."""
    return bool(_URL_LIKE.match(value))


def without_job_title(name: str) -> str:
    """``Jane Doe, Vice President, Cloud`` -> ``Jane Doe``: the first role word ends the name.

    Only parts after the first are cut, so a name that is itself a role
    ("Editorial Board") stays, as do several names ("Jane Doe, John Roe").
    """
    parts = _NAME_PARTS.split(name)
    for index, part in enumerate(parts[1:], start=1):
        if _ROLE_WORDS & set(re.findall(r"[a-z]+", part.lower())):
            return ", ".join(parts[:index]) if index > 1 else parts[0]
    return name


def clean_author(value: object) -> str | None:
    """A person's or organisation's name, or None for URLs, handles of nothing and essays."""
    text = clean_text(value)
    if text is None or is_url(text):
        return None
    text = without_job_title(_BY.sub("", text).lstrip("@").strip(" ,;|-"))
    if not text or len(text) > AUTHOR_MAX_CHARS or "@" in text:
        return None
    return text


def clean_lang(value: object) -> str | None:
    """A BCP 47 language tag kept as given but trimmed; ``en_US`` becomes ``en-US``.

    Values that are not language tags (template placeholders, ``x-default``...)
    are rejected.
    """
    text = clean_text(value)
    if text is None:
        return None
    text = text.replace("_", "-").split(",")[0].strip()
    if not _LANGUAGE_TAG.match(text) or text.lower().startswith(("x-", "i-")):
        return None
    return text


def to_dimension(value: object) -> int | None:
    """A positive pixel size from ``1200``, ``"1200"``, ``"1200px"`` or ``1200.0``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = int(value)
    elif isinstance(value, str):
        match = re.match(r"\s*(\d+)(?:\.\d*)?\s*(?:px)?\s*$", value, re.IGNORECASE)
        if match is None:
            return None
        number = int(match.group(1))
    else:
        return None
    return number if number > 0 else None


def squash(text: str) -> str:
    """``text`` case-folded, with everything but letters and digits removed."""
    return re.sub(r"[\W_]+", "", text.casefold())


def site_names_for(host: str | None, site_name: str | None) -> set[str]:
    """The spellings of a site's own name that may decorate its titles."""
    names: set[str] = set()
    if site_name:
        squashed = squash(site_name)
        # "The Guardian" also signs its titles "Guardian".
        names.update({squashed, squashed.removeprefix("the")})
    if host:
        host = host.lower().removeprefix("www.").removeprefix("m.").removeprefix("amp.")
        names.add(squash(host))
        labels = [label for label in host.split(".") if label]
        if len(labels) > 1:
            labels.pop()  # the top-level domain
        if len(labels) > 1 and labels[-1] in _PUBLIC_SUFFIX_PARTS:
            labels.pop()  # a second-level public suffix such as the "co" of "co.uk"
        if labels:
            names.add(squash(labels[-1]))
            names.add(squash("".join(labels)))
    names.discard("")
    return names


def strip_site_name(title: str, names: set[str]) -> str:
    """Remove a " | Site", " - Site" suffix or "Site: " prefix naming the site itself."""
    if not names:
        return title
    for separator in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and head.strip() and squash(tail) in names:
            return strip_site_name(head.strip(), names)
    for separator in _PREFIX_SEPARATORS:
        head, found, tail = title.partition(separator)
        if found and tail.strip() and squash(head) in names:
            return tail.strip()
    return title
