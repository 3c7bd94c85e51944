"""Extract: what an HTML page says about itself (pure functions, no network).

Stage of the pipeline after ``fetch`` and ``checks``: given the bytes of a page
and the URL it came from, report its title, description, canonical and AMP
URLs, share image, dates, author, site name, language and type, so ``enrich``
can compare them with the article's front matter.

The modules read in the order data flows through them:

``charset``       bytes -> text (BOM, HTTP header, ``<meta>``, UTF-8, windows-1252)
``head``          where the head ends; the fetcher's early stop; JSON-LD anywhere
``sources``       ``<meta>``, ``<link>``, ``<title>``, ``<h1>``, ``<time>`` -> evidence
``microdata``     schema.org ``itemprop`` items -> evidence
``jsonld``        schema.org JSON-LD (``@graph``, ``@id``, main entity) -> evidence
``lenient_json``  ld+json blocks that are not quite JSON
``bylines``       author by markup convention, when nothing declared one
``markup``        lxml parsing and element helpers shared by the markup readers
``fallbacks``     date, lead paragraph, image, site name from the visible page
``evidence``      the candidate values, keyed by source
``normalize``     URLs, text, titles, authors, languages
``dates``         any date a page writes -> UTC ISO 8601
``trust``         the per-field trust order (the table is in its docstring)
``metadata``      :func:`extract` runs the steps above and builds :class:`PageMetadata`
``reading``       :func:`read_enough`: the crawl's stop rule, head or head and some body
"""

from __future__ import annotations

from crawler.extract.charset import decode_html
from crawler.extract.head import head_complete
from crawler.extract.metadata import PageMetadata, extract
from crawler.extract.reading import read_enough

__all__ = ["PageMetadata", "decode_html", "extract", "head_complete", "read_enough"]
