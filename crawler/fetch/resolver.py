"""Name resolution: ``--connect-to`` overrides and the private-address guard.

Both live in the resolver because the addresses it returns are exactly the ones
aiohttp connects to: a host that resolved to a public address for a check and to
127.0.0.1 a moment later (DNS rebinding) cannot slip through, since the guard
filters the very answer that is used.  aiohttp skips resolvers for IP-literal
URLs, so :func:`refusal_for_literal` covers those before any request is made.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from crawler.config import ConnectTo

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(OSError):
    """The host resolves only to addresses the private-address guard refuses."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"private-address guard: {host} resolves to {address}")
        self.host = host
        self.address = address


def is_private_address(address: str) -> bool:
    """True for loopback, private, link-local, multicast, reserved or unspecified addresses.

    IPv4-mapped and 6to4/Teredo-embedded IPv4 addresses are judged by the IPv4
    address inside them, so ``::ffff:127.0.0.1`` is loopback.
    """
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            ip = embedded
    return not ip.is_global or ip.is_multicast


def literal_address(host: str) -> str | None:
    """The address when ``host`` is an IP literal (``[::1]`` included), else None."""
    candidate = host.strip("[]")
    try:
        ipaddress.ip_address(candidate.split("%", 1)[0])
    except ValueError:
        return None
    return candidate


def find_override(rules: Sequence[ConnectTo], host: str, port: int) -> ConnectTo | None:
    """The first ``--connect-to`` rule for host:port, as curl applies them."""
    for rule in rules:
        if rule.matches(host, port):
            return rule
    return None


class GuardedResolver(AbstractResolver):
    """Applies ``--connect-to`` rules, then resolves and filters through the guard."""

    def __init__(
        self,
        rules: Sequence[ConnectTo],
        allow_private: bool,
        inner: AbstractResolver | None = None,
    ) -> None:
        self._rules = tuple(rules)
        self._allow_private = allow_private
        self._inner = inner if inner is not None else DefaultResolver()

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
        if self._allow_private:
            return answers
        public = [entry for entry in answers if not is_private_address(entry["host"])]
        if not public:
            raise AddressRefused(host, answers[0]["host"] if answers else "nothing")
        return public

    async def _lookup(
        self, host: str, port: int, family: socket.AddressFamily
    ) -> list[ResolveResult]:
        address = literal_address(host)
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
