"""What the run keeps of one checked URL once its response is gone: small, so 100k fit."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.checks.image_probe import ImageProbe
from crawler.extract import PageMetadata
from crawler.outcomes import LinkResult


@dataclass(frozen=True, slots=True)
class UrlCheck:
    """What the run keeps of one URL once its response is gone."""

    link: LinkResult
    image: ImageProbe | None = None  # an image URL that answered 2xx: what its bytes are
    page: PageMetadata | None = None  # an HTML page that answered 2xx: what it says
    soft_404: str | None = None  # why that page is really "not found"
    etag: str | None = None  # validators, for a conditional request next time
    last_modified: str | None = None
    bytes_read: int = 0  # body bytes read from the connection
