"""The Fetcher: one aiohttp session, and every policy applied to each request.

``Fetcher.fetch(url)`` returns a :class:`Fetched` whose LinkResult is already
classified; expected failures never escape as exceptions.  Redirects are followed
here, hop by hop, so each hop meets robots.txt, the private-address guard and the
host's politeness limits, and the chain (final URL, hop count) is recorded.

The time budget (``timeout``) covers one attempt's requests and reads across all
hops, but not the time spent queueing for a host slot: politeness is ours, not the
server's fault.  Retries wait per :mod:`crawler.fetch.retry`.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from crawler import defaults
from crawler.config import Config
from crawler.fetch.body import Body, Prefix, StopRule, UndecodableBody, media_type, read_body
from crawler.fetch.classify import (
    Verdict,
    classify_exception,
    classify_status,
    redirect_loop,
    refused_by_policy,
    too_many_redirects,
    unusable_redirect,
)
from crawler.fetch.hosts import HostGate, HostPool
from crawler.fetch.proxy import ProxyChoice
from crawler.fetch.resolver import GuardedConnector, GuardedResolver, refusal_for_literal
from crawler.fetch.retry import AttemptOutcome, Backoff, is_retryable, parse_retry_after
from crawler.fetch.robots import RobotsCache
from crawler.fetch.tls import ssl_context as tls_context
from crawler.fetch.urls import (
    canonical_host,
    invalid_reason,
    is_http_url,
    redact_text,
    redact_url,
    with_canonical_host,
)
from crawler.outcomes import LinkResult, Result
from crawler.request_settings import apply_headers

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309 section 2.3.1.2
DRAIN_BYTES = 64 * 1024  # a body this small is read to the end so the connection is reused
KEEPALIVE = 2.0  # seconds an idle connection is kept for reuse
_NO_BODY = Body(b"", 0, True)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Fetched:
    """A classified result, with what was read of the final response.

    The link's ``url`` and ``final_url`` are shown to people, so a password in
    them is ``***`` (:func:`~crawler.fetch.urls.redact_url`); ``real_url`` is
    the final URL as requested, password included, for a further request to it
    or for resolving the links of its page, and must never be shown.
    """

    link: LinkResult
    headers: Mapping[str, str] = field(default_factory=dict)  # final response, lower-case names
    body: bytes = b""  # decoded prefix read, per the caller's stop rule
    wire_bytes: int = 0  # bytes of the final body read from the connection
    complete: bool = False  # the whole body was read
    real_url: str | None = None  # the final URL as requested; None when there was no request


@dataclass(frozen=True, slots=True)
class _Attempt:
    verdict: Verdict
    url: str  # the URL of the last hop
    redirects: int = 0
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Body = _NO_BODY
    retry_after: float | None = None


class Fetcher:
    """Fetches URLs politely over one session; use as ``async with Fetcher(config)``."""

    def __init__(
        self,
        config: Config,
        *,
        resolver: AbstractResolver | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        hosts: HostGate | None = None,
    ) -> None:
        self.config = config
        self._inner_resolver = resolver
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random(config.seed)
        self._backoff = Backoff(
            config.backoff_base, config.backoff_cap, config.jitter, config.retry_after_cap
        )
        # Politeness is decided by the gate: this Fetcher's own pool, or one the
        # whole fleet shares (the distributed mode).
        self._hosts: HostGate = hosts or HostPool(
            config.per_host,
            config.min_interval,
            defaults.SLOWDOWN_INTERVAL,
            defaults.SLOWDOWN_CAP,
            sleep=sleep,
        )
        self._robots = RobotsCache(self._fetch_robots, defaults.ROBOTS_TOKEN)
        self._exclude = tuple(re.compile(pattern) for pattern in config.exclude)
        self._include = tuple(re.compile(pattern) for pattern in config.include)
        self._accept = frozenset(config.accept)
        self._proxies = ProxyChoice(
            config.http_proxy, config.https_proxy, config.no_proxy or (), config.connect_to
        )
        self._session: aiohttp.ClientSession | None = None

    @property
    def hosts(self) -> HostGate:
        return self._hosts

    async def __aenter__(self) -> Self:
        resolver = GuardedResolver(
            self.config.connect_to,
            self.config.allow_private,
            self._inner_resolver,
            proxies=[(proxy.host, proxy.port) for proxy in self._proxies.proxies],
        )
        ssl_context = tls_context(self.config.cacert)
        # The HostPool does the limiting.  Idle connections are dropped soon: each
        # TLS connection holds about 0.5 MiB (asyncio's 256 KiB buffer, OpenSSL's
        # state), and with thousands of hosts a long keep-alive keeps one per host.
        connector = GuardedConnector(
            self.config.connect_to,
            self.config.allow_private,
            resolver=resolver,
            ssl=ssl_context,
            limit=0,
            limit_per_host=0,
            ttl_dns_cache=300,
            keepalive_timeout=KEEPALIVE,
        )
        headers, removed = apply_headers(
            {
                "User-Agent": self.config.user_agent,
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,"
                "image/avif,image/webp,*/*;q=0.8",
                "Accept-Language": "en;q=0.9,*;q=0.5",
                "Accept-Encoding": "gzip, deflate",
            },
            self.config.headers,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.config.connect_timeout),
            auto_decompress=False,
            headers=headers,
            skip_auto_headers=removed,
            max_line_size=32 * 1024,
            max_field_size=32 * 1024,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._robots.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(
        self,
        url: str,
        *,
        stop: StopRule | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """Check ``url``: follow redirects, retry transient failures, classify the outcome.

        ``stop`` decides how much of a successful body to read: None reads none of it,
        otherwise reading stops once ``stop(headers, prefix)`` is true (or at a cap).
        An answer whose wanted part never arrives is a timeout: a server that sends
        headers and then drips bytes forever has not answered.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        queued = _Queued()
        if not is_http_url(url):
            return Fetched(LinkResult(redact_url(url), Result.INVALID, detail=invalid_reason(url)))
        # --include names the URLs to check, and wins over --exclude (lychee's meaning).
        included = any(pattern.search(url) for pattern in self._include)
        if self._include and not included:
            return Fetched(
                LinkResult(redact_url(url), Result.SKIPPED, detail="matched by no --include rule")
            )
        attempts = 0
        while True:
            attempts += 1
            attempt = await self._attempt(
                url, stop, headers, self.config.max_redirects, True, queued=queued,
                included=included,
            )  # fmt: skip
            outcome = AttemptOutcome(
                status=attempt.status,
                timed_out=attempt.verdict.timed_out,
                reset=attempt.verdict.reset,
                bot_wall=attempt.verdict.bot_wall,
                retry_after=attempt.retry_after,
            )
            accepted = attempt.verdict.result is Result.OK  # an --accept status is not retried
            if accepted or attempts > self.config.retries or not is_retryable(outcome):
                break
            await self._sleep(self._backoff.delay(attempts, outcome, self._rng))
        detail = attempt.verdict.detail
        link = LinkResult(
            url=redact_url(url),
            result=attempt.verdict.result,
            status=attempt.status,
            final_url=redact_url(attempt.url) if attempt.status is not None else None,
            redirects=attempt.redirects,
            attempts=attempts,
            # Its own time (requests, reads, backoff), not the wait for the host's turn.
            elapsed_ms=round((loop.time() - started - queued.seconds) * 1000),
            # An exception's message, a redirect's target: text that may quote a URL.
            detail=redact_text(detail) if detail else detail,
            content_type=media_type(attempt.headers),
        )
        body = attempt.body
        return Fetched(
            link, attempt.headers, body.data, body.wire_bytes, body.complete, attempt.url
        )

    async def _attempt(
        self,
        url: str,
        stop: StopRule | None,
        headers: Mapping[str, str] | None,
        max_redirects: int,
        robots: bool,
        max_body: int | None = None,
        queued: _Queued | None = None,
        included: bool = False,
    ) -> _Attempt:
        """One attempt: every hop of the redirect chain, within one time budget.

        ``queued`` adds up the time spent waiting for the host's politeness slots.
        """
        remaining = self.config.timeout
        seen = {url}
        current = url
        redirects = 0
        loop = asyncio.get_running_loop()
        while True:
            host, port = _address_of(current)
            refusal = await self._refusal(current, host, port, robots, included)
            if refusal is not None:
                return _Attempt(refused_by_policy(refusal), current, redirects)
            asked = loop.time()
            async with self._hosts.slot(host):
                hop_started = loop.time()
                if queued is not None:
                    queued.seconds += hop_started - asked
                try:
                    async with asyncio.timeout(remaining):
                        hop = await self._request(current, redirects, stop, headers, max_body)
                except (aiohttp.ClientError, OSError, TimeoutError, UndecodableBody) as exc:
                    return _Attempt(
                        classify_exception(exc, self.config.timeout), current, redirects
                    )
                remaining -= loop.time() - hop_started
            if hop.status == 429:
                self._hosts.slow_down(host)
            if hop.retry_after is not None and hop.status in (429, 503):
                # The whole host is asked to wait, not just this URL (RFC 9110 10.2.3).
                self._hosts.hold(host, min(hop.retry_after, self.config.retry_after_cap))
            location = hop.headers.get("location")
            if hop.status not in REDIRECT_STATUSES or not location:
                return hop
            target = urljoin(current, location.strip())
            redirects += 1
            if not is_http_url(target):
                return _Attempt(unusable_redirect(target), current, redirects, hop.status)
            if target in seen:
                return _Attempt(redirect_loop(target, redirects), current, redirects, hop.status)
            if redirects > max_redirects:
                verdict = too_many_redirects(max_redirects)
                return _Attempt(verdict, current, redirects, hop.status)
            if remaining <= 0:
                verdict = classify_exception(TimeoutError(), self.config.timeout)
                return _Attempt(verdict, current, redirects)
            seen.add(target)
            current = target

    async def _request(
        self,
        url: str,
        redirects: int,
        stop: StopRule | None,
        headers: Mapping[str, str] | None,
        max_body: int | None,
    ) -> _Attempt:
        async with await self._open(url, headers) as response:
            status = response.status
            response_headers = {name.lower(): value for name, value in response.headers.items()}
            body = await self._read(response, response_headers, stop, max_body)
            # A redirect is judged at the next hop; one without a Location is the final answer.
            verdict = (
                Verdict(Result.OK)
                if status in REDIRECT_STATUSES and response_headers.get("location", "").strip()
                else classify_status(status, response_headers, body.data, self._accept)
            )
            return _Attempt(
                verdict,
                url,
                redirects,
                status,
                response_headers,
                body,
                parse_retry_after(response_headers.get("retry-after")),
            )

    async def _open(self, url: str, headers: Mapping[str, str] | None) -> aiohttp.ClientResponse:
        """The response to ``GET url``, without following redirects; the caller closes it.

        A URL that cannot be put on the wire (user info that Basic auth cannot
        encode in Latin-1, say) surfaces from aiohttp as a UnicodeError while the
        request is built; it is an invalid URL, not a crash.
        """
        assert self._session is not None, "Fetcher used outside 'async with'"
        proxy = self._proxies.for_url(url)
        proxy_headers = None
        if proxy is not None and proxy.headers:
            if url.lower().startswith("https:"):
                proxy_headers = dict(proxy.headers)  # on the CONNECT that opens the tunnel
            else:
                headers = {**(headers or {}), **proxy.headers}  # the proxy reads this request
        try:
            return await self._session.get(
                with_canonical_host(url),
                headers=headers,
                allow_redirects=False,
                proxy=None if proxy is None else proxy.url,
                proxy_headers=proxy_headers,
            )
        except UnicodeEncodeError as exc:
            raise aiohttp.InvalidURL(url, f"cannot be encoded: {exc.reason}") from None

    async def _read(
        self,
        response: aiohttp.ClientResponse,
        headers: Mapping[str, str],
        stop: StopRule | None,
        max_body: int | None,
    ) -> Body:
        status = response.status
        wanted = 200 <= status < 300 and stop is not None
        if wanted:
            rule: StopRule | None = stop
        elif status >= 400 or status == 999:
            # Enough of an error page to recognise a bot wall.
            def rule(headers: Mapping[str, str], data: Prefix) -> bool:
                return len(data) >= defaults.SNIFF_BYTES
        elif (response.content_length or DRAIN_BYTES + 1) <= DRAIN_BYTES:
            rule = None  # small: read it all so that the connection can be reused
        else:
            response.close()
            return _NO_BODY
        try:
            body = await read_body(
                response.content.iter_chunked(16 * 1024),
                headers,
                rule,
                max_body or self.config.max_body_bytes,
                self.config.max_decoded_bytes,
            )
        except UndecodableBody:
            if wanted:
                raise  # the caller needs this body and cannot have it: a malformed answer
            # An error page or a redirect we cannot decode still has its status.
            response.close()
            return Body(b"", 0, False)
        if not body.complete:
            response.close()
        return body

    async def _refusal(
        self, url: str, host: str, port: int, robots: bool, included: bool = False
    ) -> str | None:
        """Why policy forbids requesting ``url``: exclude rules, the guard, robots.txt.

        ``robots`` is False for the fetch of robots.txt itself, which neither robots
        rules nor exclude rules (written for the articles' links) apply to: an
        exclude pattern that happens to match ``/robots.txt`` must not switch
        robots.txt off.
        """
        if robots and not included:
            for pattern in self._exclude:
                if pattern.search(url):
                    return f"excluded by rule {pattern.pattern!r}"
        refusal = refusal_for_literal(host, port, self.config.connect_to, self.config.allow_private)
        if refusal is not None:
            return refusal
        if not (robots and self.config.robots):
            return None
        reason, delay = await self._robots.verdict(url)
        if delay is not None and delay > 0:
            self._hosts.honour_crawl_delay(host, min(delay, self.config.crawl_delay_cap))
        return reason

    async def _fetch_robots(self, robots_url: str) -> tuple[int | None, bytes]:
        def never(headers: Mapping[str, str], data: Prefix) -> bool:
            return False

        attempt = await self._attempt(
            robots_url, never, None, ROBOTS_MAX_REDIRECTS, False, defaults.ROBOTS_MAX_BYTES
        )
        if attempt.status is None or attempt.verdict.result in (Result.ERROR, Result.SKIPPED):
            return None, b""
        return attempt.status, attempt.body.data


@dataclass(slots=True)
class _Queued:
    """Seconds a URL's fetch spent waiting for its host's turn, over every hop and attempt."""

    seconds: float = 0.0


def _address_of(url: str) -> tuple[str, int]:
    """The URL's host as connections see it (``127.1`` and ``127.0.0.1`` are one host), and
    its port."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    return canonical_host(host) or host, port
