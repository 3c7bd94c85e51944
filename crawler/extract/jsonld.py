"""Read schema.org JSON-LD blocks into evidence, tolerating the broken ones.

Part of ``extract``: :func:`read_linked_data` takes the raw text of every
``<script type="application/ld+json">`` (found by ``head.ld_json_blocks``) and
records what the page's main entity says under ``jsonld:*`` source keys.

Shapes handled (https://schema.org, https://www.w3.org/TR/json-ld11/):

* top-level objects, top-level arrays and ``@graph`` (WordPress/Yoast, Arc XP);
* entities nested as ``mainEntity`` / ``mainEntityOfPage``;
* ``{"@id": ...}`` references into the graph, resolved (Yoast points the
  Article's ``author``, ``publisher`` and ``image`` at other graph nodes);
* ``image`` as a string, an ``ImageObject``, or an array of either;
* ``author`` as a Person, an Organization, a string, or an array of those.

The main entity is the first node of an article type (any ``*Article``,
``BlogPosting``, ``LiveBlogPosting``, ``Report``...), then of a page type (any
``*Page``), then of a media type (``VideoObject``, ``PodcastEpisode``...: its
``name``, ``uploadDate``, ``author`` and ``thumbnailUrl``/``thumbnail``), then
any other node that has a headline or a publication date.  A
field missing from a better-ranked node is taken from the next one, which is how
Yoast splits an article between its ``Article`` and ``WebPage`` nodes.

Broken blocks are common in the wild; ``lenient_json`` repairs what it can and a
block that still does not parse is skipped alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

from crawler.extract.evidence import Evidence, ImageCandidate
from crawler.extract.lenient_json import loads_lenient
from crawler.extract.normalize import to_dimension

MAX_DEPTH: Final = 12  # nesting levels followed; deeper JSON-LD is not metadata

_ARTICLE_RANK, _PAGE_RANK, _MEDIA_RANK, _OTHER_RANK = 0, 1, 2, 3
_ARTICLE_TYPES: Final = frozenset(
    {"blogposting", "liveblogposting", "socialmediaposting", "report", "discussionforumposting"}
)
# What a video or podcast page is about when no article describes it: the item
# gives the name, uploadDate, author and thumbnail.
_MEDIA_TYPES: Final = frozenset(
    {"videoobject", "audioobject", "podcastepisode", "podcastseries", "episode", "clip",
     "radioepisode", "tvepisode", "musicrecording", "movie"}
)  # fmt: skip


def _types(node: dict[str, Any]) -> list[str]:
    raw = node.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return [name.rsplit("/", 1)[-1].rsplit(":", 1)[-1] for name in names if isinstance(name, str)]


def _rank(node: dict[str, Any]) -> int | None:
    types = [name.lower() for name in _types(node)]
    if any(name.endswith("article") or name in _ARTICLE_TYPES for name in types):
        return _ARTICLE_RANK
    if any(name.endswith("page") for name in types):
        return _PAGE_RANK
    if any(name in _MEDIA_TYPES for name in types):
        return _MEDIA_RANK
    if node.get("headline") or node.get("datePublished"):
        return _OTHER_RANK
    return None


def _top_nodes(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Candidate entities: top-level objects, array items, @graph members, main entities."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            yield from _top_nodes(item, depth + 1)
    elif isinstance(value, dict):
        if "@graph" in value:
            yield from _top_nodes(value["@graph"], depth + 1)
        if "@type" in value:
            yield value
        for key in ("mainEntity", "mainEntityOfPage"):
            nested = value.get(key)
            if isinstance(nested, dict | list):
                yield from _top_nodes(nested, depth + 1)


def _index_ids(value: Any, index: dict[str, dict[str, Any]], depth: int = 0) -> None:
    """Map every ``@id`` to its fullest description anywhere in the documents."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            _index_ids(item, index, depth + 1)
    elif isinstance(value, dict):
        identifier = value.get("@id")
        if isinstance(identifier, str) and len(value) > len(index.get(identifier, {})):
            index[identifier] = value
        for item in value.values():
            _index_ids(item, index, depth + 1)


class _Graph:
    """The parsed blocks, their ranked entities and an ``@id`` index."""

    def __init__(self, documents: list[Any]) -> None:
        self.ids: dict[str, dict[str, Any]] = {}
        _index_ids(documents, self.ids)
        self.nodes: list[dict[str, Any]] = []
        seen: set[int] = set()
        for node in _top_nodes(documents):
            resolved = self.resolve(node)
            if id(resolved) not in seen:
                seen.add(id(resolved))
                self.nodes.append(resolved)
        ranked: list[tuple[int, int, dict[str, Any]]] = []
        for order, node in enumerate(self.nodes):
            rank = _rank(node)
            if rank is not None:
                ranked.append((rank, order, node))
        if any(rank == _ARTICLE_RANK for rank, _, _ in ranked):
            # A video embedded in an article is not the page: its author and
            # dates must not fill the article's gaps.
            ranked = [item for item in ranked if item[0] != _MEDIA_RANK]
        self.entities = [node for _, _, node in sorted(ranked, key=lambda item: item[:2])]

    def resolve(self, value: Any) -> Any:
        """The full node a bare ``{"@id": ...}`` reference points to."""
        if isinstance(value, dict) and isinstance(value.get("@id"), str):
            return self.ids.get(value["@id"], value)
        return value

    def first(self, *keys: str) -> Any:
        """The first non-empty value of any of ``keys``, best-ranked entity first."""
        for node in self.entities:
            for key in keys:
                value = node.get(key)
                if isinstance(value, str) and not value.strip():
                    continue
                if value not in (None, [], {}):
                    return value
        return None

    def names(self, value: Any, depth: int = 0) -> list[str]:
        """Names in an author or publisher value (Person, Organization, string, array)."""
        value = self.resolve(value)
        if depth > 3 or value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [name for item in value for name in self.names(item, depth + 1)]
        if not isinstance(value, dict):
            return []
        name = value.get("name")
        if isinstance(name, str | list) and name:
            return self.names(name, depth + 1)
        given, family = value.get("givenName"), value.get("familyName")
        if isinstance(given, str) and isinstance(family, str):
            return [f"{given} {family}"]
        return []

    def images(self, value: Any, depth: int = 0) -> Iterator[ImageCandidate]:
        """Image candidates in an ``image`` value: URL, ImageObject or array of either."""
        value = self.resolve(value)
        if depth > 3:
            return
        if isinstance(value, str):
            yield ImageCandidate(value)
        elif isinstance(value, list):
            for item in value:
                yield from self.images(item, depth + 1)
        elif isinstance(value, dict):
            url = value.get("url") or value.get("contentUrl")
            if isinstance(url, list):
                url = next((item for item in url if isinstance(item, str)), None)
            if isinstance(url, str):
                yield ImageCandidate(
                    url, _dimension(value.get("width")), _dimension(value.get("height"))
                )


def _dimension(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("value")
    return to_dimension(value)


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str)), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("@id") or value.get("url")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _language(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    return _text(value)


def _kind(node: dict[str, Any]) -> str | None:
    """A short lower-case type in Open Graph's vocabulary where one applies."""
    rank = _rank(node)
    if rank == _ARTICLE_RANK:
        return "article"
    if rank == _PAGE_RANK:
        return "website"
    types = _types(node)
    return types[0].lower() if types else None


def read_linked_data(blocks: Iterable[str], evidence: Evidence) -> None:
    """Record what the page's JSON-LD says about its main entity under ``jsonld:*``."""
    documents = [value for block in blocks for value in loads_lenient(block)]
    if not documents:
        return
    graph = _Graph(documents)
    if graph.entities:
        evidence.add("jsonld:type", _kind(graph.entities[0]))
    evidence.add("jsonld:headline", _text(graph.first("headline", "name")))
    evidence.add("jsonld:description", _text(graph.first("description")))
    evidence.add("jsonld:datePublished", _text(graph.first("datePublished")))
    evidence.add("jsonld:dateCreated", _text(graph.first("dateCreated", "uploadDate")))
    evidence.add("jsonld:dateModified", _text(graph.first("dateModified")))
    evidence.add("jsonld:inLanguage", _language(graph.first("inLanguage")))
    for name in graph.names(graph.first("author", "creator")):
        evidence.add("jsonld:author", name)
    for name in graph.names(graph.first("publisher", "sourceOrganization"))[:1]:
        evidence.add("jsonld:publisher", name)
    part_of = graph.resolve(graph.first("isPartOf"))
    for node in [part_of, *graph.nodes, *graph.ids.values()]:
        if isinstance(node, dict) and "WebSite" in _types(node):
            evidence.add("jsonld:website", _text(node.get("name")))
    image = graph.first("image", "primaryImageOfPage", "thumbnailUrl", "thumbnail")
    for candidate in graph.images(image):
        evidence.add("jsonld:image", candidate)
    evidence.add("jsonld:url", _text(graph.first("url")))
    main_entity_of_page = graph.first("mainEntityOfPage")
    evidence.add("jsonld:url", _text(main_entity_of_page))
