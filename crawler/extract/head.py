"""Find where a page's ``<head>`` ends, so that only what metadata needs is read.

Used twice in the pipeline: the crawl's stop rule (``reading.read_enough``)
calls :func:`head_end` on the bytes received so far, and stops reading at the
head when the head declares every field; ``extract`` calls
:func:`split_document` to parse the head in full and only a bounded prefix of
the body (for ``<h1>``, ``<time>``, microdata and bylines).  JSON-LD blocks are
found anywhere in the document with a cheap regular expression, because many
sites (Arc XP, Next.js) put them at the end of the body.

``</head>`` or ``<body`` inside a comment, ``<script>``, ``<style>`` or
``<template>`` does not count: inline scripts often write such strings, and the
HTML tokenizer treats their contents as text
(https://html.spec.whatwg.org/multipage/parsing.html#parsing-html-fragments).
Pages in UTF-16 are not recognised by :func:`head_complete` (it reads bytes as
ASCII); they are vanishingly rare on the web.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

BODY_PREFIX_CHARS: Final = 256 * 1024  # characters of the body searched for fallbacks

_LANDMARK = re.compile(
    r"<!--|<(script|style|template|textarea|title)\b|</head\s*>|<body[\s/>]", re.IGNORECASE
)
_CLOSERS: Final = {
    name: re.compile(rf"</{name}\s*>", re.IGNORECASE)
    for name in ("script", "style", "template", "textarea", "title")
}
_COMMENT_END = re.compile(r"-->")
_LONGEST_NAME: Final = len("</textarea")  # the longest start of a tag sought, before blanks
_LD_JSON = re.compile(
    r"""<script\b[^>]*?\btype\s*=\s*["']?\s*application/ld\+json\b[^>]*>(.*?)</script\s*>""",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class DocumentParts:
    """A page cut where its head ends; ``head_closed`` is False when it never did."""

    head: str
    body: str
    head_closed: bool


def _head_end(text: str) -> tuple[int, int] | None:
    """(end of the head markup, start of the body markup), or None if not there yet."""
    position = 0
    while True:
        match = _LANDMARK.search(text, position)
        if match is None:
            return None
        token = match.group(0).lower()
        if token.startswith("</head"):
            return match.end(), match.end()
        if token.startswith("<body"):
            return match.start(), match.start()
        closer = _COMMENT_END if token == "<!--" else _CLOSERS[match.group(1).lower()]
        end = closer.search(text, match.end())
        if end is None:
            # Still inside a raw-text element or comment: the head cannot be over.
            return None
        position = end.end()


def head_end(prefix: bytes | bytearray) -> int | None:
    """The byte offset where the head's markup ends in ``prefix``, or None before ``</head>``.

    Case-insensitive; occurrences inside comments and raw-text elements such as
    ``<script>`` are ignored.
    """
    # latin-1 maps every byte to one character, so ASCII markup is found in any
    # ASCII-compatible encoding without decoding the page first, and character
    # offsets are byte offsets.
    cut = _head_end(prefix.decode("latin-1"))
    return None if cut is None else cut[0]


class HeadScanner:
    """:func:`head_end` for a prefix that only grows, as a fetch reads a page chunk by chunk.

    Each call scans only what arrived since the last one, give or take the few
    bytes that may begin a tag still being received, so reading a page costs one
    pass over its head rather than one pass per chunk.  Answers exactly as
    :func:`head_end` on the same prefix.  Every prefix passed must extend the one
    before.
    """

    __slots__ = ("_closer", "_resume", "end")

    def __init__(self) -> None:
        self._resume = 0  # byte offset the scan resumes at: nothing before it changes the answer
        self._closer: re.Pattern[str] | None = None  # the comment or raw-text element scanned
        self.end: int | None = None  # where the head's markup ends, once known

    def feed(self, prefix: bytes | bytearray) -> int | None:
        """The byte offset where the head ends in ``prefix``, or None before ``</head>``."""
        if self.end is not None:
            return self.end
        base = self._resume
        text = prefix[base:].decode("latin-1")  # as head_end: byte offsets are text offsets
        position = 0
        while True:
            if self._closer is not None:
                close = self._closer.search(text, position)
                if close is None:
                    self._resume = base + _unfinished(text, position, self._closer)
                    return None
                position = close.end()
                self._closer = None
            match = _LANDMARK.search(text, position)
            if match is None:
                self._resume = base + _unfinished(text, position, _LANDMARK)
                return None
            token = match.group(0).lower()
            if token.startswith("</head"):
                self.end = base + match.end()
                return self.end
            if token.startswith("<body"):
                self.end = base + match.start()
                return self.end
            if match.end() == len(text):
                # ``<script`` may yet turn out to be ``<scripts``: look again with more bytes.
                self._resume = base + match.start()
                return None
            self._closer = _COMMENT_END if token == "<!--" else _CLOSERS[match.group(1).lower()]
            position = match.end()


def _unfinished(text: str, position: int, pattern: re.Pattern[str]) -> int:
    """Where in ``text[position:]``, which has no match of ``pattern``, one may still begin.

    Only a match running past the end of ``text`` may, and every tag sought
    starts with ``<`` (a comment's end, ``-->``, is three bytes): so at the last
    ``<``, when what follows it is short enough to be a tag's start, or is such
    a start followed by blanks (``</head  `` before its ``>``); else nowhere.
    """
    if pattern is _COMMENT_END:
        return max(position, len(text) - 2)
    last = text.rfind("<", position)
    if last < 0:
        return len(text)
    tail = text[last + _LONGEST_NAME :]
    return last if not tail or tail.isspace() else len(text)


def head_complete(prefix: bytes | bytearray) -> bool:
    """True once ``</head>`` (or ``<body``) has arrived, so the fetcher can stop reading.

    Case-insensitive; occurrences inside comments and raw-text elements such as
    ``<script>`` are ignored.
    """
    return head_end(prefix) is not None


def split_document(text: str) -> DocumentParts:
    """Cut decoded page text into its head and the rest."""
    cut = _head_end(text)
    if cut is None:
        return DocumentParts(head=text, body="", head_closed=False)
    head_end, body_start = cut
    return DocumentParts(head=text[:head_end], body=text[body_start:], head_closed=True)


def ld_json_blocks(text: str) -> list[str]:
    """The raw contents of every ``<script type="application/ld+json">``, in order."""
    return [match.group(1) for match in _LD_JSON.finditer(text)]
