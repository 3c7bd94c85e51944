"""Name resolution: ``--connect-to`` overrides and the private-address guard.

Both live in the resolver because the addresses it returns are exactly the ones
aiohttp connects to: a host that resolved to a public address for a check and to
127.0.0.1 a moment later (DNS rebinding) cannot slip through, since the guard
filters the very answer that is used.  aiohttp answers IP-literal hosts itself,
without a resolver; :class:`GuardedConnector` sends them through this one too, so
that a ``--connect-to`` rule for an address applies at the connection exactly as
one for a name does, and the guard's exemption covers only connections a rule
really redirected.  :func:`refusal_for_literal` refuses a private literal before
anything is requested (robots.txt included).  The connector is the second line:
it checks the address each connection actually reached, before a request is
written to it.  Behind a proxy the connection reaches the proxy, which the user
named (it is exempt, like a ``--connect-to`` target); the URL's host is then
resolved here and judged by the guard before the proxy is asked for it.

Hosts are compared in one spelling (:func:`crawler.fetch.urls.canonical_host`):
a rule for ``127.0.0.2`` matches ``http://2130706434/``, as the URL standard
says they are one address.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Sequence
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.connector import Connection
from aiohttp.resolver import DefaultResolver
from aiohttp.tracing import Trace

from crawler.config import ConnectTo
from crawler.fetch.urls import canonical_host

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ADDRESSES_REMEMBERED = 16_384  # hosts and addresses whose verdicts are kept


class AddressRefused(OSError):
    """The host resolves only to (or connected to) addresses the guard refuses."""

    def __init__(self, host: str, address: str, *, connected: bool = False) -> None:
        how = "connected to" if connected else "resolves to"
        super().__init__(f"private-address guard: {host} {how} {address}")
        self.host = host
        self.address = address


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix: IPv4 in the low bits
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215, local-use translation


@functools.lru_cache(maxsize=ADDRESSES_REMEMBERED)
def is_private_address(address: str) -> bool:
    """True for loopback, private, link-local, multicast, reserved or unspecified addresses.

    IPv6 addresses that carry an IPv4 address (IPv4-mapped, 6to4, Teredo and
    NAT64's 64:ff9b::/96) are judged by the IPv4 address inside them, so
    ``::ffff:127.0.0.1`` and ``64:ff9b::7f00:1`` are loopback: through a NAT64
    gateway the latter reaches 127.0.0.1's network.  Anything unparseable is
    refused.
    """
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return True
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    # is_reserved: IPv6 ::/8 holds the deprecated IPv4-compatible ::a.b.c.d addresses.
    return not ip.is_global or ip.is_multicast or ip.is_reserved


@functools.lru_cache(maxsize=ADDRESSES_REMEMBERED)
def literal_address(host: str) -> str | None:
    """The address when ``host`` is an IP literal (``[::1]`` included), else None.

    Asked about every host of every request (the guard, then the connector and
    the resolver), so the answers are remembered, as are the guard's.
    """
    candidate = host.strip("[]")
    try:
        ipaddress.ip_address(candidate.split("%", 1)[0])
    except ValueError:
        return None
    return candidate


def find_override(rules: Sequence[ConnectTo], host: str, port: int) -> ConnectTo | None:
    """The first ``--connect-to`` rule for host:port, as curl applies them."""
    host = _one_spelling(host)
    for rule in rules:
        if (not rule.host or _one_spelling(rule.host) == host) and (
            rule.port is None or rule.port == port
        ):
            return rule
    return None


def _one_spelling(host: str) -> str:
    return canonical_host(host) or host.lower()


class GuardedResolver(AbstractResolver):
    """Applies ``--connect-to`` rules, then resolves and filters through the guard."""

    def __init__(
        self,
        rules: Sequence[ConnectTo],
        allow_private: bool,
        inner: AbstractResolver | None = None,
        *,
        proxies: Sequence[tuple[str, int]] = (),
    ) -> None:
        self._rules = tuple(rules)
        self._allow_private = allow_private
        self._inner = inner if inner is not None else DefaultResolver()
        self._proxies = {(_one_spelling(host), port) for host, port in proxies}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        rule = find_override(self._rules, host, port)
        if rule is not None:
            # The user named this host explicitly: it may point anywhere.
            target_host = rule.target_host or host
            target_port = rule.target_port or port
            return [
                {**entry, "hostname": host}
                for entry in await self._lookup(target_host, target_port, family)
            ]
        answers = await self._lookup(host, port, family)
        if self._allow_private or (_one_spelling(host), port) in self._proxies:
            # A proxy the user named may sit on their own network.
            return answers
        public = [entry for entry in answers if not is_private_address(entry["host"])]
        if not public:
            raise AddressRefused(host, answers[0]["host"] if answers else "nothing")
        return public

    async def _lookup(
        self, host: str, port: int, family: socket.AddressFamily
    ) -> list[ResolveResult]:
        address = literal_address(_one_spelling(host))
        if address is None:
            return await self._inner.resolve(host, port, family)
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        ip_family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        entry: dict[str, Any] = {
            "hostname": host,
            "host": address,
            "port": port,
            "family": ip_family,
            "proto": 0,
            "flags": socket.AI_NUMERICHOST,
        }
        return [entry]  # type: ignore[list-item]

    async def close(self) -> None:
        await self._inner.close()


class GuardedConnector(aiohttp.TCPConnector):
    """A TCPConnector that refuses connections whose peer is a private address.

    The resolver already filters private answers; this re-checks the address the
    socket actually reached, whatever path led there, and does so before the
    request is sent, so that nothing is ever written to an internal service.
    Hosts named by a ``--connect-to`` rule are the user's explicit choice and pass.
    """

    def __init__(self, rules: Sequence[ConnectTo], allow_private: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rules = tuple(rules)
        self._allow_private = allow_private

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Trace] | None = None
    ) -> list[ResolveResult]:
        # aiohttp answers an IP literal itself (connector.py, _resolve_host and
        # is_ip_address): a rule for it would never apply and the guard never run.
        if literal_address(host) is not None:
            return await self._resolver.resolve(host, port, family=self._family)
        return await super()._resolve_host(host, port, traces)

    async def connect(
        self,
        req: aiohttp.ClientRequest,
        traces: list[Trace],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 - aiohttp's signature, overridden
    ) -> Connection:
        host = req.url.raw_host or ""
        port = req.url.port or 0
        exempt = self._allow_private or find_override(self._rules, host, port) is not None
        if req.proxy is not None:
            # The proxy resolves and connects to the host, so the guard looks the host
            # up here first; the peer is then the proxy the user named.
            if not exempt:
                await self._guard_through_proxy(req, host, port)
            return await super().connect(req, traces, timeout)
        connection = await super().connect(req, traces, timeout)
        if exempt:
            return connection
        transport = connection.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        if peer and is_private_address(str(peer[0])):
            connection.close()
            # As a connector error, so that aiohttp neither retries nor rewraps it.
            refused = AddressRefused(host, str(peer[0]), connected=True)
            raise aiohttp.ClientConnectorError(req.connection_key, refused)
        return connection

    async def _guard_through_proxy(self, req: aiohttp.ClientRequest, host: str, port: int) -> None:
        try:
            await self._resolver.resolve(host, port, family=self._family)
        except OSError as exc:
            # As a connector error, as for a direct connection (refused or not found).
            raise aiohttp.ClientConnectorError(req.connection_key, exc) from None


def refusal_for_literal(
    host: str, port: int, rules: Sequence[ConnectTo], allow_private: bool
) -> str | None:
    """Why an IP-literal URL host is refused by the guard, or None when it may be fetched."""
    address = literal_address(host)
    if address is None or allow_private or find_override(rules, host, port) is not None:
        return None
    if is_private_address(address):
        return f"private-address guard: {host} is a private address"
    return None
