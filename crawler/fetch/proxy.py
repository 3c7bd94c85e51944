"""Which proxy a request goes through: ``--proxy``, ``--noproxy`` and the environment.

curl's meanings: ``--proxy URL`` (``-x``) sends every request through URL;
``--noproxy LIST`` names hosts reached directly (a name also covers its
subdomains, ``*`` covers all); without them, ``http_proxy``/``HTTP_PROXY``,
``https_proxy``/``HTTPS_PROXY`` and ``no_proxy``/``NO_PROXY`` are read
(:func:`crawler.request_settings.from_environment`, once, by the command line).  A host that a
``--connect-to`` rule maps is always reached directly: the rule names the address.

The private-address guard still applies behind a proxy: the URL's host is
resolved here and refused when it is private, before the proxy is asked
(:class:`crawler.fetch.resolver.GuardedConnector`); the proxy itself, named by
the user, may be anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from crawler.config import ConnectTo
from crawler.fetch.resolver import find_override
from crawler.request_settings import Proxy, is_bypassed, parse_proxy


class ProxyChoice:
    """The proxy (or none) for each URL of a run."""

    def __init__(
        self,
        http: str | None,
        https: str | None,
        no_proxy: Sequence[str],
        rules: Sequence[ConnectTo],
    ) -> None:
        self._by_scheme = {
            scheme: parse_proxy(spec) for scheme, spec in (("http", http), ("https", https)) if spec
        }
        self._no_proxy = tuple(no_proxy)
        self._rules = tuple(rules)

    @property
    def proxies(self) -> list[Proxy]:
        return list(self._by_scheme.values())

    def for_url(self, url: str) -> Proxy | None:
        if not self._by_scheme:
            return None
        parts = urlsplit(url)
        proxy = self._by_scheme.get(parts.scheme.lower())
        host = parts.hostname or ""
        if proxy is None or is_bypassed(host, self._no_proxy):
            return None
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        if find_override(self._rules, host, port) is not None:
            return None
        return proxy


__all__ = ["ProxyChoice"]
