"""The HTTP engine: the only part of the crawler that imports aiohttp.

Stages ask :class:`Fetcher` for a URL and get back a :class:`Fetched` value whose
:class:`~crawler.outcomes.LinkResult` is already classified.  Inside, one module
per policy, in the order a request meets them::

    urls      is it an absolute http(s) URL at all?           -> invalid
    robots    may we fetch it (RFC 9309)?                     -> skipped
    resolver  --connect-to, and the private-address guard     -> skipped
    proxy     which proxy, if any (--proxy, --noproxy, environment)
    tls       the CAs trusted (--cacert)
    hosts     per-host concurrency, interval, 429 slow-down
    client    --include/--exclude, -H headers, redirects, the time budget, retries
    body      bounded reading and decoding of the body
    classify  aiohttp/asyncio exceptions and statuses -> Result (the one place;
              --accept statuses are ok)
    retry     whether to try again, and after how long (pure)
"""

from __future__ import annotations

from aiohttp.abc import AbstractResolver as Resolver

from crawler.fetch.client import Fetched, Fetcher

__all__ = ["Fetched", "Fetcher", "Resolver"]
