"""--connect-to and the private-address guard agree on IP-literal hosts, in every spelling.

aiohttp connects to an IP-literal host without asking a resolver, so a rule for
an address used to exempt it from the guard without ever applying: a rule naming
169.254.169.254 let requests reach the real metadata address.  Now a rule for a
literal redirects the connection, the exemption covers exactly the connections a
rule redirects, and every spelling of an IPv4 address the URL standard accepts
(127.1, 2130706433, 0x7f000001, 0177.0.0.1) is that address, for the guard and
for the rules alike.  Real loopback servers: the failure site on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from failure_site import FailureSite

from crawler.config import ConnectTo
from crawler.fetch import Fetcher
from crawler.fetch.urls import canonical_host, invalid_reason, is_http_url
from crawler.outcomes import LinkResult, Result

MakeFetcher = Callable[..., Fetcher]


def _rules(*specs: str) -> tuple[ConnectTo, ...]:
    return tuple(ConnectTo.parse(spec) for spec in specs)


async def _fetch(make_fetcher: MakeFetcher, url: str, *specs: str, **config: Any) -> LinkResult:
    async with make_fetcher(connect_to=_rules(*specs), retries=0, **config) as fetcher:
        return (await fetcher.fetch(url)).link


# -- the spellings: one rule for all (WHATWG URL standard, IPv4 parser) -----------------


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.000.000.001", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("1.2.3", "1.2.0.3"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("news.example.com", "news.example.com"),
        ("1.2.3.4.5", None),
        ("09.0.0.1", None),
        ("256.0.0.1", None),
        ("4294967296", None),
        ("0x100000000", None),
        ("example.123", None),
    ],
    ids=lambda value: str(value),
)
def test_every_ipv4_spelling_is_its_dotted_quad_and_a_non_address_is_invalid(
    host: str, address: str | None
) -> None:
    assert canonical_host(host) == address
    url = f"http://{host}/page"
    assert is_http_url(url) is (address is not None)
    if address is None:
        assert invalid_reason(url) == "host ends in a number but is not an IPv4 address"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1"])
async def test_every_spelling_of_loopback_is_skipped_by_the_guard_and_never_connected_to(
    make_fetcher: MakeFetcher, site: FailureSite, host: str
) -> None:
    link = await _fetch(make_fetcher, f"http://{host}:{site.port}/ok")
    assert link.result is Result.SKIPPED
    assert link.detail == "private-address guard: 127.0.0.1 is a private address"
    assert site.state.requests == []


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f000001", "0177.0.0.1"])
async def test_with_allow_private_every_spelling_reaches_the_address_as_its_dotted_quad(
    make_fetcher: MakeFetcher, site: FailureSite, host: str
) -> None:
    link = await _fetch(make_fetcher, f"http://{host}:{site.port}/ok", allow_private=True)
    assert link.result is Result.OK
    assert ("127.0.0.1", "/ok") in site.state.requests  # Host: 127.0.0.1, as a browser sends


# -- rules for literal addresses ---------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.2", "[::1]"])
async def test_a_rule_for_a_literal_address_connects_to_its_target(
    make_fetcher: MakeFetcher, site: FailureSite, host: str
) -> None:
    # Nothing listens there at that port: only the rule's target answers.
    rule = f"{host}:{site.closed_port}:127.0.0.1:{site.port}"
    link = await _fetch(make_fetcher, f"http://{host}:{site.closed_port}/ok", rule)
    assert link.result is Result.OK, link.detail
    assert (host, "/ok") in site.state.requests  # the Host header stays the URL's


async def test_a_rule_for_the_metadata_address_never_lets_a_request_reach_it(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    link = await _fetch(
        make_fetcher, "http://169.254.169.254/ok", f"169.254.169.254:80:127.0.0.1:{site.port}"
    )
    assert link.result is Result.OK, link.detail
    assert ("169.254.169.254", "/ok") in site.state.requests


async def test_a_rule_matches_every_spelling_of_its_address(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    rule = f"2130706434:{site.closed_port}:127.0.0.1:{site.port}"  # 127.0.0.2
    link = await _fetch(make_fetcher, f"http://127.0.0.2:{site.closed_port}/ok", rule)
    assert link.result is Result.OK, link.detail


@pytest.mark.parametrize(
    "rule",
    ["127.0.0.1:{other}:127.0.0.1:{port}", "127.0.0.3:{port}:127.0.0.1:{port}"],
    ids=["other-port", "other-address"],
)
async def test_a_rule_that_does_not_match_the_url_does_not_exempt_it_from_the_guard(
    make_fetcher: MakeFetcher, site: FailureSite, rule: str
) -> None:
    spec = rule.format(other=site.closed_port, port=site.port)
    link = await _fetch(make_fetcher, f"http://127.0.0.1:{site.port}/ok", spec)
    assert link.result is Result.SKIPPED
    assert (link.detail or "").startswith("private-address guard")
    assert site.state.requests == []


async def test_a_redirect_to_a_private_literal_in_another_spelling_is_skipped(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(retries=0) as fetcher:
        link = (await fetcher.fetch(site.url("/redirect/loopback-number"))).link
    assert link.result is Result.SKIPPED
    assert site.state.count("/ok") == 0
