"""What the crawl learned about one URL field of one article: the unit enrich works on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from crawler.checks.image_probe import ImageProbe
from crawler.checks.url_check import UrlCheck
from crawler.enrich.images import size_matches
from crawler.extract import PageMetadata
from crawler.fetch.urls import invalid_reason, redact_url, request_key
from crawler.outcomes import LinkResult, Result
from crawler.read.article import DeclaredSize, UrlField


@dataclass(frozen=True, slots=True)
class FieldResult:
    """What the crawl learned about one URL field of one article."""

    link: LinkResult
    image: ImageProbe | None = None  # an image URL that answered: what it holds
    declared: DeclaredSize | None = None  # the size its image entry declares
    page: PageMetadata | None = None  # an HTML page that answered: what it says
    soft_404: str | None = None  # why that page is really "not found"

    @property
    def is_sound(self) -> bool:
        """The link is ok, a page is not a soft 404, an image is valid and of the declared size."""
        if self.link.result is not Result.OK or self.soft_404 is not None:
            return False
        if self.image is None:
            return True
        info = self.image.info
        return info is not None and size_matches(info, self.declared) is not False


def result_of(field: UrlField, checks: Mapping[str, UrlCheck]) -> FieldResult:
    """The result for one field; invalid values never reach the checks.

    Everything the block, the reports and the state store say about a field
    comes from here, so no URL leaves it with its password (see :func:`shown`).
    """
    value = field.value
    if isinstance(value, str):
        check = checks.get(request_key(value))
        if check is not None:
            link = shown(check.link)
            return FieldResult(link, check.image, field.declared, check.page, check.soft_404)
    link = LinkResult(redact_url(str(value)), Result.INVALID, detail=invalid_reason(value))
    return FieldResult(link)


def shown(link: LinkResult) -> LinkResult:
    """``link`` with any password in its URLs replaced by ``***``.

    The fetcher already returns links so; a link made elsewhere (a URL left
    unchecked by --max-urls, say) is made safe here.
    """
    url = redact_url(link.url)
    final_url = link.final_url and redact_url(link.final_url)
    if (url, final_url) == (link.url, link.final_url):
        return link
    return replace(link, url=url, final_url=final_url)
