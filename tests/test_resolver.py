"""resolver: --connect-to overrides and the private-address guard, in both of its lines.

The first line is GuardedResolver (it filters the very answers aiohttp connects
to); the second is GuardedConnector (it checks the address a connection actually
reached, before the request is written).  Names resolve through the static table
of conftest, never through real DNS.
"""

from __future__ import annotations

import socket

import aiohttp
import pytest
from conftest import StaticResolver
from failure_site import FailureSite

from crawler.config import ConnectTo
from crawler.fetch.resolver import (
    AddressRefused,
    GuardedConnector,
    GuardedResolver,
    find_override,
    is_private_address,
    literal_address,
    refusal_for_literal,
)

PUBLIC = "93.184.216.34"


def rules(*specs: str) -> tuple[ConnectTo, ...]:
    return tuple(ConnectTo.parse(spec) for spec in specs)


def guarded(*specs: str, allow_private: bool = False, **table: list[str]) -> GuardedResolver:
    names = {name.replace("_", "."): addresses for name, addresses in table.items()}
    return GuardedResolver(rules(*specs), allow_private, StaticResolver(names))


async def addresses(resolver: GuardedResolver, host: str, port: int = 80) -> list[tuple[str, int]]:
    return [(entry["host"], entry["port"]) for entry in await resolver.resolve(host, port)]


# ---------------------------------------------------------------------------
# --connect-to rules
# ---------------------------------------------------------------------------


async def test_connect_to_rule_sends_the_connection_to_its_target() -> None:
    resolver = guarded("news.example.com:80:127.0.0.1:8080")
    answer = await resolver.resolve("news.example.com", 80)
    assert [(e["host"], e["port"], e["hostname"]) for e in answer] == [
        ("127.0.0.1", 8080, "news.example.com")
    ]
    assert answer[0]["family"] == socket.AF_INET


async def test_connect_to_rule_matches_host_case_insensitively() -> None:
    assert await addresses(guarded("News.Example.COM:80:127.0.0.1:8080"), "NEWS.example.com") == [
        ("127.0.0.1", 8080)
    ]


async def test_connect_to_rule_for_another_port_does_not_apply() -> None:
    resolver = guarded("news.example.com:443:127.0.0.1:8443", news_example_com=[PUBLIC])
    assert await addresses(resolver, "news.example.com", 80) == [(PUBLIC, 80)]


async def test_connect_to_rule_for_another_host_does_not_apply() -> None:
    resolver = guarded("news.example.com:80:127.0.0.1:8080", blog_example_net=[PUBLIC])
    assert await addresses(resolver, "blog.example.net") == [(PUBLIC, 80)]


async def test_connect_to_with_empty_host_matches_every_host_on_its_port() -> None:
    resolver = guarded(":80:127.0.0.1:8080")
    assert await addresses(resolver, "anything.example") == [("127.0.0.1", 8080)]


async def test_connect_to_with_empty_port_matches_every_port_and_keeps_it() -> None:
    resolver = guarded("news.example.com::127.0.0.1:")
    assert await addresses(resolver, "news.example.com", 8443) == [("127.0.0.1", 8443)]


async def test_connect_to_with_empty_target_host_keeps_the_name_and_changes_the_port() -> None:
    resolver = guarded("news.example.com:80::8080", news_example_com=[PUBLIC])
    assert await addresses(resolver, "news.example.com") == [(PUBLIC, 8080)]


async def test_connect_to_ipv6_literal_target_connects_over_ipv6() -> None:
    answer = await guarded("news.example.com:443:[::1]:8443").resolve("news.example.com", 443)
    assert [(e["host"], e["port"], e["family"]) for e in answer] == [("::1", 8443, socket.AF_INET6)]


async def test_connect_to_target_name_is_resolved_and_may_be_private() -> None:
    # The user named the target: it is their choice, the guard does not second-guess it.
    resolver = guarded("news.example.com:80:localhost:8080")
    assert await addresses(resolver, "news.example.com") == [("127.0.0.1", 8080)]


async def test_first_matching_connect_to_rule_wins() -> None:
    resolver = guarded("news.example.com:80:127.0.0.1:1111", ":80:127.0.0.1:2222")
    assert await addresses(resolver, "news.example.com") == [("127.0.0.1", 1111)]
    assert await addresses(resolver, "blog.example.net") == [("127.0.0.1", 2222)]


def test_find_override_returns_none_without_a_match() -> None:
    assert find_override(rules("a.example:80:127.0.0.1:1"), "b.example", 80) is None


# ---------------------------------------------------------------------------
# The guard in the resolver
# ---------------------------------------------------------------------------


async def test_name_resolving_only_to_private_addresses_is_refused() -> None:
    resolver = guarded(intranet_example_com=["10.0.0.7", "192.168.1.2"])
    with pytest.raises(AddressRefused) as refused:
        await resolver.resolve("intranet.example.com", 80)
    assert refused.value.host == "intranet.example.com"
    assert str(refused.value) == "private-address guard: intranet.example.com resolves to 10.0.0.7"


async def test_localhost_is_refused() -> None:
    with pytest.raises(AddressRefused):
        await guarded().resolve("localhost", 80)


async def test_mixed_answers_keep_only_the_public_addresses() -> None:
    resolver = guarded(mixed_example_com=["127.0.0.1", PUBLIC, "::1", "2606:4700::1111"])
    assert await addresses(resolver, "mixed.example.com") == [(PUBLIC, 80), ("2606:4700::1111", 80)]


async def test_allow_private_keeps_every_answer() -> None:
    resolver = guarded(allow_private=True, mixed_example_com=["127.0.0.1", PUBLIC])
    assert await addresses(resolver, "mixed.example.com") == [("127.0.0.1", 80), (PUBLIC, 80)]


async def test_unknown_name_fails_like_dns_does() -> None:
    with pytest.raises(socket.gaierror):
        await guarded().resolve("nowhere.invalid", 80)


# ---------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------

PRIVATE = [
    ("127.0.0.1", "ipv4-loopback"),
    ("127.255.0.9", "ipv4-loopback-range"),
    ("10.1.2.3", "rfc1918-10"),
    ("172.16.0.1", "rfc1918-172"),
    ("192.168.1.1", "rfc1918-192"),
    ("169.254.169.254", "link-local-cloud-metadata"),
    ("100.64.0.1", "cgnat"),
    ("100.127.255.254", "cgnat-top"),
    ("0.0.0.0", "ipv4-unspecified"),
    ("0.1.2.3", "this-network"),
    ("255.255.255.255", "broadcast"),
    ("224.0.0.1", "ipv4-multicast"),
    ("239.255.255.250", "ipv4-multicast-ssdp"),
    ("240.0.0.1", "ipv4-reserved"),
    ("192.0.2.1", "test-net-1"),
    ("198.51.100.7", "test-net-2"),
    ("203.0.113.9", "test-net-3"),
    ("198.18.0.1", "benchmarking"),
    ("::1", "ipv6-loopback"),
    ("::", "ipv6-unspecified"),
    ("fe80::1", "ipv6-link-local"),
    ("fe80::1%eth0", "ipv6-link-local-with-zone"),
    ("fc00::1", "unique-local"),
    ("fd12:3456::1", "unique-local-fd"),
    ("ff02::1", "ipv6-multicast-link"),
    ("ff0e::1", "ipv6-multicast-global"),
    ("2001:db8::1", "ipv6-documentation"),
    ("::ffff:127.0.0.1", "ipv4-mapped-loopback"),
    ("::ffff:10.0.0.1", "ipv4-mapped-private"),
    ("2002:7f00:1::1", "6to4-loopback"),
    ("2002:a00:1::1", "6to4-private"),
    ("::127.0.0.1", "ipv4-compatible-loopback"),
    ("64:ff9b::7f00:1", "nat64-loopback"),
    ("64:ff9b::a9fe:a9fe", "nat64-cloud-metadata"),
    ("64:ff9b:1::a00:1", "nat64-local-use"),
    ("100::1", "discard-only"),
    ("not an address", "garbage-fails-closed"),
]
PUBLIC_ADDRESSES = [
    ("8.8.8.8", "ipv4"),
    (PUBLIC, "ipv4-web"),
    ("172.32.0.1", "just-outside-172-16"),
    ("100.128.0.1", "just-outside-cgnat"),
    ("2606:4700:4700::1111", "ipv6"),
    ("::ffff:8.8.8.8", "ipv4-mapped-public"),
    ("2002:808:808::1", "6to4-public"),
    ("64:ff9b::808:808", "nat64-public"),
]


@pytest.mark.parametrize("address", [a for a, _ in PRIVATE], ids=[i for _, i in PRIVATE])
def test_private_special_and_unparseable_addresses_are_refused(address: str) -> None:
    assert is_private_address(address)


@pytest.mark.parametrize(
    "address", [a for a, _ in PUBLIC_ADDRESSES], ids=[i for _, i in PUBLIC_ADDRESSES]
)
def test_public_addresses_pass(address: str) -> None:
    assert not is_private_address(address)


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", "127.0.0.1"), ("[::1]", "::1"), ("::1", "::1"), ("news.example.com", None)],
    ids=["ipv4", "bracketed-ipv6", "bare-ipv6", "name"],
)
def test_literal_address_recognises_ip_literals_only(host: str, expected: str | None) -> None:
    assert literal_address(host) == expected


LITERALS = [
    pytest.param("127.0.0.1", 80, (), False, True, id="loopback-refused"),
    pytest.param("::1", 80, (), False, True, id="ipv6-loopback-refused"),
    pytest.param("169.254.169.254", 80, (), False, True, id="metadata-refused"),
    pytest.param(PUBLIC, 80, (), False, False, id="public-allowed"),
    pytest.param("news.example.com", 80, (), False, False, id="name-left-to-the-resolver"),
    pytest.param("127.0.0.1", 80, (), True, False, id="allow-private"),
    pytest.param("127.0.0.1", 8080, ("127.0.0.1:8080:127.0.0.1:9",), False, False, id="connect-to"),
    pytest.param("127.0.0.1", 80, ("127.0.0.1:8080:127.0.0.1:9",), False, True, id="other-port"),
]


@pytest.mark.parametrize(("host", "port", "specs", "allow", "refused"), LITERALS)
def test_ip_literal_url_is_refused_before_any_request(
    host: str, port: int, specs: tuple[str, ...], allow: bool, refused: bool
) -> None:
    reason = refusal_for_literal(host, port, rules(*specs), allow)
    assert (reason is not None) is refused
    if reason is not None:
        assert reason.startswith("private-address guard") and host in reason


# ---------------------------------------------------------------------------
# The second line: the address a connection actually reached
# ---------------------------------------------------------------------------


async def test_connector_refuses_a_private_peer_before_sending_the_request(
    site: FailureSite,
) -> None:
    # An unguarded resolver stands for any path around the first line.
    connector = GuardedConnector((), False, resolver=StaticResolver())
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectorError) as refused:
            await session.get(f"http://localhost:{site.port}/ok")
    assert isinstance(refused.value.os_error, AddressRefused)
    assert str(refused.value.os_error) == "private-address guard: localhost connected to 127.0.0.1"
    assert site.state.requests == []


async def test_connector_lets_a_connect_to_host_reach_its_private_target(
    site: FailureSite,
) -> None:
    connect_to = rules(f"news.example.com:80:localhost:{site.port}")
    resolver = GuardedResolver(connect_to, False, StaticResolver())
    connector = GuardedConnector(connect_to, False, resolver=resolver)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get("http://news.example.com/ok") as response,
    ):
        assert response.status == 200


async def test_connector_with_allow_private_connects_anywhere(site: FailureSite) -> None:
    connector = GuardedConnector((), True, resolver=StaticResolver())
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(f"http://localhost:{site.port}/ok") as response,
    ):
        assert response.status == 200
