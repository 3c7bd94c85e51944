"""Parse HTML with lxml and read its elements, for the three markup readers.

``sources``, ``microdata`` and ``bylines`` walk the element tree this module
builds; libxml2's HTML parser, driven directly (no Beautiful Soup in between),
builds a head in a fraction of a millisecond, and XPath and ``iter`` keep the
walks in C.  One parser per thread: ``extract`` runs in worker threads, and a
shared lxml parser would serialise them.

Comments stay in the tree: they separate text nodes, so ``Ja<!-- -->ne`` reads
as two strings, as a browser's DOM has them.
"""

from __future__ import annotations

import re
import threading
from typing import Final

from lxml import etree

Element = etree._Element

# Element whose strings are code or alternative text rather than content.
_NOT_TEXT: Final = frozenset({"script", "style", "template", "rt", "rp"})
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_DOCUMENT_END = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
_local = threading.local()


def _parser() -> etree.HTMLParser:
    parser: etree.HTMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.HTMLParser(
            encoding="utf-8", no_network=True, remove_pis=True, default_doctype=False
        )
        _local.parser = parser
    return parser


def parse(markup: str) -> Element | None:
    """The element tree of ``markup`` (its ``<html>``), or None when there is no element."""
    # Browsers parse an XHTML page's XML declaration as a bogus comment: drop it.
    markup = _XML_DECLARATION.sub("", markup, count=1)
    # libxml2 drops whatever follows </html>; browsers move it into the body,
    # and pages do put bylines and microdata there (appended by plugins).
    markup = _DOCUMENT_END.sub("", markup)
    data = markup.encode("utf-8", "replace")
    try:
        return etree.fromstring(data, _parser())
    except etree.LxmlError:
        return None


def elements(root: Element, *names: str) -> list[Element]:
    """The elements named ``names`` (all of them when none are given), in document order."""
    return [element for element in root.iter(*names) if isinstance(element.tag, str)]


def has_ancestor(element: Element, name: str) -> bool:
    """Whether ``element`` sits inside an element named ``name``."""
    return next(element.iterancestors(name), None) is not None


def tokens(element: Element, name: str) -> list[str]:
    """A space-separated attribute (``rel``, ``itemprop``, ``class``) as lower-case tokens."""
    return (element.get(name) or "").lower().split()


def text_of(element: Element) -> str:
    """The element's text, with a space where text nodes meet (``clean_text`` collapses it).

    Script, style and template contents are not text, nor is anything inside
    them; the element's own are, when it is one of them.
    """
    if any(ancestor.tag in _NOT_TEXT for ancestor in element.iterancestors()):
        return ""
    parts: list[str] = []
    _collect(element, parts)
    return " ".join(parts)


def _collect(element: Element, parts: list[str]) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _NOT_TEXT:
            _collect(child, parts)
        if child.tail:
            parts.append(child.tail)
