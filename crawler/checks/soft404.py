"""Soft 404s: pages that answer 200 but are really "not found".

Two independent signals, both pure (the pipeline does the fetching):

- **What the page says.** :func:`soft_404_reason` reads the title and the
  visible text for "page not found", "404", "no longer available"... in English,
  German, French, Spanish, Italian, Portuguese, Dutch and Japanese.  Articles
  mention 404s too, so a phrase only counts where an error page puts it: in the
  title, in a heading-sized line, or on a page too short to be an article.
- **What the host serves for a path that cannot exist.** Request
  :func:`random_probe_path` on the article's host, :func:`fingerprint` both
  answers, and :func:`is_same_page` says whether the article got the host's
  not-found page (the same title and nearly the same text, once the requested
  path the page may echo back is set aside).

The text given is the page's visible text with block elements on their own
lines (Beautiful Soup's ``get_text("\\n")``), so that a heading is a short line.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote, urlsplit

from crawler.checks.findings import comparable_url
from crawler.extract import PageMetadata

HEADING_MAX_WORDS: Final = 12  # a line this short reads as a heading, not prose
SHORT_PAGE_MAX_WORDS: Final = 60  # visible text this short is an error page, not an article
BARE_PHRASE_MAX_WORDS: Final = 6  # "not found" alone must be most of its title or page
SNIPPET_MAX_CHARS: Final = 80  # the quote in a reason
ECHO_MIN_WORDS: Final = 3  # consecutive path words that count as the path echoed back
SHINGLE_WORDS: Final = 4  # words per shingle when comparing two pages' text
MAX_SHINGLES: Final = 5000  # shingles kept per page (its first ~5000 words)
SAME_PAGE_SIMILARITY: Final = 0.8  # Jaccard similarity of shingles for "the same page"

_GAP = r"[^.!?\n]{0,60}?"  # the words between "page" and "not found", in one sentence
# Phrases that say the requested page is missing: enough in a title or a heading.
_PAGE_MISSING: Final = re.compile(
    "|".join(
        (
            # English
            r"\bpage\s+not\s+found\b",
            r"\b404\b[^.!?\n]{0,20}?\b(?:not\s+found|error|page)\b",
            r"\berror\s*:?\s*404\b",
            rf"\b(?:page|article|story|content|post|url)\b{_GAP}\b(?:could\s*not|couldn't|"
            r"cannot|can't|was\s+not|wasn't|has\s+not|hasn't)\s+(?:be\s+|been\s+)?found\b",
            r"\b(?:could\s*not|couldn't|cannot|can't|unable\s+to)\s+find\s+"
            r"(?:the|that|this|your|any)\s+(?:page|article|story)\b",
            rf"\b(?:page|article|story)\b{_GAP}\b(?:does\s+not|doesn't|no\s+longer)\s+exists?\b",
            rf"\b(?:page|article|story|content)\b{_GAP}\bno\s+longer\s+available\b",
            rf"\b(?:page|article|story)\b{_GAP}\b(?:has|have|may\s+have|might\s+have)\s+been\s+"
            r"(?:removed|deleted)\b",
            # German
            rf"\b(?:seite|artikel|beitrag)\b{_GAP}\bnicht\s+(?:mehr\s+)?(?:gefunden|verfügbar)\b",
            rf"\b(?:seite|artikel|beitrag)\b{_GAP}\bexistiert\s+nicht\b",
            r"\bfehler\s*:?\s*404\b",
            # French
            r"\bpage\s+(?:introuvable|non\s+trouvée|inexistante)\b",
            rf"\b(?:page|article)\b{_GAP}(?:\bn'existe\s+(?:pas|plus)\b|\best\s+introuvable\b|"
            r"\bn'est\s+plus\s+disponible\b|\bn'a\s+pas\s+été\s+trouvée?\b)",
            r"\berreur\s*:?\s*404\b",
            # Spanish
            r"\bpágina\s+no\s+encontrada\b",
            rf"\b(?:página|artículo|noticia)\b{_GAP}\b(?:no\s+existe|(?:ya\s+)?no\s+está\s+"
            r"disponible|no\s+(?:se\s+)?(?:ha\s+)?(?:podido\s+|pudo\s+)?encontr\w*)",
            # Italian
            r"\bpagina\s+non\s+trovata\b",
            rf"\b(?:pagina|articolo)\b{_GAP}\b(?:non\s+esiste|non\s+è\s+(?:più\s+)?disponibile|"
            r"non\s+è\s+stat[oa]\s+trovat[oa])\b",
            r"\berrore\s*:?\s*404\b",
            # Portuguese
            r"\bpágina\s+não\s+encontrada\b",
            rf"\b(?:página|artigo|notícia)\b{_GAP}\b(?:não\s+existe|não\s+está\s+(?:mais\s+)?"
            r"disponível|não\s+foi\s+encontrad[oa])",
            r"\berro\s*:?\s*404\b",
            # Dutch
            r"\bpagina\s+niet\s+gevonden\b",
            rf"\b(?:pagina|artikel)\b{_GAP}\b(?:bestaat\s+niet|niet\s+(?:meer\s+)?beschikbaar|"
            r"kon\s+niet\s+(?:worden\s+)?gevonden|is\s+niet\s+gevonden)\b",
            r"\bfout\s*:?\s*404\b",
            # Japanese
            r"(?:ページ|記事)[^。！？\n]{0,20}?(?:見つかりません|存在しません|存在しない|"
            r"表示できません|削除されました)",
        )
    ),
    re.IGNORECASE,
)
# Phrases that could be about anything ("hiker not found"): they count only
# where they are most of a short title or of a short page.
_BARE_MISSING: Final = re.compile(
    "|".join(
        (
            r"\bnot\s+found\b", r"\b(?:does\s+not|doesn't)\s+exist\b", r"\b404\b",
            r"\bno\s+longer\s+available\b", r"\bnicht\s+gefunden\b", r"\bexistiert\s+nicht\b",
            r"\bnicht\s+mehr\s+verfügbar\b", r"\bintrouvable\b", r"\bn'existe\s+(?:pas|plus)\b",
            r"\bno\s+encontrad[oa]\b", r"\bno\s+existe\b", r"\bnon\s+trovat[oa]\b",
            r"\bnon\s+esiste\b", r"\bnão\s+encontrad[oa]\b", r"\bnão\s+existe\b",
            r"\bniet\s+gevonden\b", r"\bbestaat\s+niet\b", r"見つかりません", r"存在しません",
        )
    ),
    re.IGNORECASE,
)  # fmt: skip
_APOSTROPHES: Final = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
_WORD: Final = re.compile(r"\w+")
_DIGITS: Final = re.compile(r"\d+")


def soft_404_reason(page: PageMetadata, text: str) -> str | None:
    """Why the page reads as "not found" although it was served, or None if it does not.

    ``page`` supplies the title (``extract`` falls back to the ``<h1>`` when a
    page has no ``<title>``); ``text`` is the visible text, one block per line.
    """
    if page.title and _says_missing(page.title, BARE_PHRASE_MAX_WORDS):
        return f"title says not found: {_snippet(page.title)!r}"
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    short_page = sum(_word_count(line) for line in lines) <= SHORT_PAGE_MAX_WORDS
    for line in lines:
        if _word_count(line) <= HEADING_MAX_WORDS and _PAGE_MISSING.search(_plain(line)):
            return f"heading says not found: {_snippet(line)!r}"
    if not short_page:
        return None
    for line in lines:
        # On a page this short, a line such as "Not found" is the message itself.
        if _says_missing(line, BARE_PHRASE_MAX_WORDS):
            return f"short page says not found: {_snippet(line)!r}"
    whole = " ".join(lines)
    if _PAGE_MISSING.search(_plain(whole)):
        return f"short page says not found: {_snippet(whole)!r}"
    return None


def _says_missing(text: str, bare_max_words: int) -> bool:
    plain = _plain(text)
    if _PAGE_MISSING.search(plain):
        return True
    return _word_count(plain) <= bare_max_words and _BARE_MISSING.search(plain) is not None


def _plain(text: str) -> str:
    return " ".join(text.translate(_APOSTROPHES).split())


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_MAX_CHARS else text[: SNIPPET_MAX_CHARS - 1] + "…"


# --- the random-path probe --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What makes a served page recognisable, with the requested URL taken out of it.

    ``final_url`` is comparable (:func:`~crawler.checks.findings.comparable_url`);
    ``title`` and the ``shingles`` (hashes of runs of ``SHINGLE_WORDS`` words)
    are case-folded, digits squashed (counters, dates and timestamps change
    between two requests), and without the requested path where the page
    echoes it back ("Nothing found for /2021/01/some-story").
    """

    final_url: str | None
    status: int
    title: str | None
    shingles: frozenset[int]


def fingerprint(final_url: str, status: int, body_text: str, title: str | None) -> Fingerprint:
    """The fingerprint of the answer ``final_url`` gave (after redirects)."""
    path_words = _path_words(final_url)
    title_words = _without_echo(_words(title or ""), path_words)
    words = _without_echo(_words(body_text), path_words)
    return Fingerprint(
        final_url=comparable_url(final_url),
        status=status,
        title=" ".join(title_words) or None,
        shingles=frozenset(_shingles(words)),
    )


def is_same_page(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether two answers are one page: the same status, and one final URL or one template.

    Pages with no text at all are never judged the same: two empty shells tell
    nothing about each other.
    """
    if a.status != b.status:
        return False
    if a.final_url is not None and a.final_url == b.final_url:
        return True  # the host sent both requests to one page (its home page, often)
    if a.title != b.title or not a.shingles or not b.shingles:
        return False
    common = len(a.shingles & b.shingles)
    return common / len(a.shingles | b.shingles) >= SAME_PAGE_SIMILARITY


def random_probe_path(rng: random.Random) -> str:
    """A path no site has: 128 random bits, and a name that tells a webmaster what it was."""
    return f"/{rng.getrandbits(128):032x}-crawler-probe"


def _words(text: str) -> list[str]:
    return [_DIGITS.sub("0", word) for word in _WORD.findall(text.casefold())]


def _path_words(url: str) -> list[str]:
    """The words of a URL's path and query, which not-found pages like to echo back."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    return _words(unquote(f"{parts.path} {parts.query}").replace("_", " "))


def _without_echo(words: list[str], path_words: list[str]) -> list[str]:
    """``words`` less the runs made only of path words: the path, or its slug, echoed back.

    Runs shorter than ``ECHO_MIN_WORDS`` (or than the path) stay: "the" or "in"
    from a slug are the template's words too.
    """
    echoed = set(path_words)
    if not echoed:
        return words
    min_run = min(ECHO_MIN_WORDS, len(echoed))
    kept: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:  # "" is never a path word: it closes the last run
        if word in echoed:
            run.append(word)
            continue
        if len(run) < min_run:
            kept.extend(run)
        run = []
        if word:
            kept.append(word)
    return kept


def _shingles(words: list[str]) -> Iterable[int]:
    if not words:
        return
    count = max(1, len(words) - SHINGLE_WORDS + 1)
    for start in range(min(count, MAX_SHINGLES)):
        run = " ".join(words[start : start + SHINGLE_WORDS]).encode("utf-8")
        yield int.from_bytes(hashlib.blake2b(run, digest_size=8).digest(), "big")
