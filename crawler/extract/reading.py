"""How much of a page the crawl reads: the head, and more only when the head left a gap.

The crawl's stop rule (``crawler.checks.pages.page_ready``) asks
:func:`read_enough` after every read.  Before ``</head>`` the answer is no.
Once the head is complete it is extracted on its own, once per page: when it
already gives a title, description, image, publication date, author and site
name, reading stops there, as it always did; otherwise the fallbacks of
``fallbacks`` and ``bylines`` need the article, and reading goes on until
:data:`BODY_BUDGET` bytes past the head (measured with ``bench/extract.py``:
the bylines, dates, lead paragraphs and first images of article pages sit in
the first tens of KiB of the body, after the navigation).

The verdict on a head is remembered by the head's hash and length, in a small
table, so the reads that follow cost a hash of the head rather than a parse.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

from crawler.extract.head import head_end
from crawler.extract.metadata import PageMetadata, extract

BODY_BUDGET: Final = 96 * 1024  # bytes read past </head> when the head leaves a field empty
_REMEMBERED: Final = 512  # heads whose verdict is kept (a crawl's pages in flight)
_verdicts: OrderedDict[tuple[int, int], bool] = OrderedDict()
# The head is extracted as if it came from this URL: only which fields are set matters.
_ANY_URL: Final = "https://head.invalid/"


def head_answers(page: PageMetadata) -> bool:
    """Whether the fields the fallbacks fill are all set already."""
    fields = (page.title, page.description, page.image, page.published_at, page.author)
    return all(fields) and bool(page.site_name)


def _head_is_enough(head: bytes, content_type: str | None) -> bool:
    key = (hash(head), len(head))
    verdict = _verdicts.get(key)
    if verdict is None:
        verdict = head_answers(extract(head, _ANY_URL, content_type))
        _verdicts[key] = verdict
        if len(_verdicts) > _REMEMBERED:
            _verdicts.popitem(last=False)
    return verdict


def read_enough(prefix: bytes, content_type: str | None = None) -> bool:
    """True once the crawl has what extraction needs from the page ``prefix`` begins.

    That is the complete head when the head answers every field, else the head
    and :data:`BODY_BUDGET` bytes of body.  Pages in UTF-16 never answer
    (``head_complete`` cannot see their markup); the caller's byte cap ends them.
    """
    end = head_end(prefix)
    if end is None:
        return False
    if len(prefix) - end >= BODY_BUDGET:
        return True
    return _head_is_enough(prefix[:end], content_type)
