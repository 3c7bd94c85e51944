"""Fetcher against real sockets on 127.0.0.1: time budgets, body caps, broken wires, DNS, TLS.

Budgets are small (0.5 s) so that hangs and drips cost half a second each.
"""

from __future__ import annotations

import resource
from collections.abc import Callable, Mapping

import pytest
from conftest import SleepRecorder, StaticResolver
from failure_site import CLOSED, MISNAMED, NEWS, SECURE, WIRE, FailureSite

from crawler.fetch import Fetcher
from crawler.outcomes import Result

MakeFetcher = Callable[..., Fetcher]
MiB = 1024 * 1024


def whole_body(headers: Mapping[str, str], data: bytes) -> bool:
    return False


def head_complete(headers: Mapping[str, str], data: bytes) -> bool:
    return b"</head>" in data.lower()


# ---------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------


async def test_slow_answer_within_the_budget_is_ok(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(timeout=1.0) as fetcher:
        link = (await fetcher.fetch(site.url("/slow"), stop=head_complete)).link
    assert (link.result, link.attempts) == (Result.OK, 1)


async def test_server_that_never_sends_headers_is_a_timeout(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(timeout=0.5, retries=0) as fetcher:
        link = (await fetcher.fetch(site.url("/hang"))).link
    assert (link.result, link.status, link.attempts) == (Result.TIMEOUT, None, 1)
    assert link.detail == "no complete answer within 0.5 s"
    assert 450 <= link.elapsed_ms < 2000


async def test_timeout_is_retried_with_backoff(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher(timeout=0.5, retries=1) as fetcher:
        link = (await fetcher.fetch(site.url("/hang"))).link
    assert (link.result, link.attempts) == (Result.TIMEOUT, 2)
    assert site.state.count("/hang") == 2
    assert len(sleeps.delays) == 1


async def test_dripping_body_is_a_timeout_when_the_caller_wants_the_head(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(timeout=0.5, retries=0) as fetcher:
        link = (await fetcher.fetch(site.url("/drip"), stop=head_complete)).link
    assert (link.result, link.attempts) == (Result.TIMEOUT, 1)


async def test_dripping_body_is_ok_when_the_caller_wants_only_the_status(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(timeout=0.5, retries=0) as fetcher:
        link = (await fetcher.fetch(site.url("/drip"))).link
    assert (link.result, link.status) == (Result.OK, 200)


# ---------------------------------------------------------------------------
# Body caps
# ---------------------------------------------------------------------------


async def test_endless_body_stops_at_max_body_bytes(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    cap = 256 * 1024
    async with make_fetcher(max_body_bytes=cap) as fetcher:
        fetched = await fetcher.fetch(site.url("/endless-body"), stop=whole_body)
    assert fetched.link.result is Result.OK
    assert not fetched.complete
    assert fetched.wire_bytes <= cap and len(fetched.body) <= cap
    assert len(fetched.body) > cap - 64 * 1024  # it did read up to the cap


async def test_gzip_bomb_stops_at_max_decoded_bytes_without_inflating_it(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    cap = 8 * MiB
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    async with make_fetcher(max_decoded_bytes=cap) as fetcher:
        fetched = await fetcher.fetch(site.url("/gzip-bomb"), stop=whole_body)
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert fetched.link.result is Result.OK
    assert len(fetched.body) <= cap and not fetched.complete
    assert fetched.wire_bytes < 64 * 1024  # about 1 KB of gzip per MiB of zeros
    assert (peak_after - peak_before) * 1024 < 100 * MiB


async def test_corrupt_gzip_body_the_caller_wants_is_a_malformed_response(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/bad-gzip"), stop=whole_body)).link
    assert (link.result, link.attempts) == (Result.ERROR, 1)
    assert link.detail is not None
    assert link.detail.startswith("malformed response: body cannot be decoded (gzip")


async def test_unasked_for_content_encoding_is_a_malformed_response(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/brotli"), stop=whole_body)).link
    assert link.result is Result.ERROR
    assert link.detail == (
        "malformed response: body cannot be decoded (br: unsupported content-encoding)"
    )


async def test_corrupt_gzip_body_nobody_reads_does_not_matter(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/bad-gzip"))).link
    assert link.result is Result.OK


async def test_error_page_with_corrupt_gzip_keeps_its_status_result(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/not-found-gzip-garbage"))).link
    assert (link.result, link.status) == (Result.BROKEN, 404)


# ---------------------------------------------------------------------------
# Broken wires (the raw server)
# ---------------------------------------------------------------------------


async def test_connection_dropped_mid_headers_is_an_error_after_retries(
    make_fetcher: MakeFetcher, site: FailureSite, sleeps: SleepRecorder
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/drop", WIRE))).link
    assert (link.result, link.status, link.attempts) == (Result.ERROR, None, 3)
    assert link.detail == "connection closed before a complete answer"
    assert len(sleeps.delays) == 2


async def test_connection_dropped_once_is_retried_to_ok(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/drop-once", WIRE))).link
    assert (link.result, link.status) == (Result.OK, 200)


async def test_connection_reset_after_part_of_the_body_is_an_error_after_retries(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/reset-mid-body", WIRE), stop=whole_body)).link
    assert (link.result, link.attempts) == (Result.ERROR, 3)
    assert link.detail is not None and "truncated body" in link.detail


@pytest.mark.parametrize("path", ["/malformed-status", "/not-http"])
async def test_malformed_status_line_is_a_malformed_response_error(
    make_fetcher: MakeFetcher, site: FailureSite, path: str
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url(path, WIRE))).link
    assert (link.result, link.status, link.attempts) == (Result.ERROR, None, 1)
    assert link.detail is not None and link.detail.startswith("malformed response: ")


async def test_refused_connection_is_an_error_naming_the_refusal(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(site.url("/ok", CLOSED))).link
    assert (link.result, link.status) == (Result.ERROR, None)
    assert link.detail == "connection failed: Connection refused"


async def test_name_that_does_not_resolve_is_a_dns_error(
    make_fetcher: MakeFetcher, resolver: StaticResolver
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch("http://nowhere.invalid/page")).link
    assert (link.result, link.attempts) == (Result.ERROR, 1)
    assert link.detail == "DNS failure: cannot resolve nowhere.invalid"
    assert "nowhere.invalid" in resolver.lookups


# ---------------------------------------------------------------------------
# The private-address guard on direct URLs
# ---------------------------------------------------------------------------


async def test_loopback_ip_url_is_skipped_by_the_guard(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(f"http://127.0.0.1:{site.port}/ok")).link
    assert (link.result, link.attempts) == (Result.SKIPPED, 1)
    assert link.detail == "private-address guard: 127.0.0.1 is a private address"
    assert site.state.requests == []


async def test_name_resolving_to_loopback_is_skipped_by_the_guard(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(f"http://localhost:{site.port}/ok")).link
    assert link.result is Result.SKIPPED
    assert link.detail == "private-address guard: localhost resolves to 127.0.0.1"
    assert site.state.requests == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_allow_private_lets_loopback_through(
    make_fetcher: MakeFetcher, site: FailureSite, host: str
) -> None:
    async with make_fetcher(allow_private=True) as fetcher:
        link = (await fetcher.fetch(f"http://{host}:{site.port}/ok")).link
    assert (link.result, link.status) == (Result.OK, 200)


# ---------------------------------------------------------------------------
# TLS
# ---------------------------------------------------------------------------


async def test_tls_with_the_ca_given_by_cacert_is_ok(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(cacert=site.tls.ca_pem) as fetcher:
        fetched = await fetcher.fetch(f"https://{SECURE}/ok", stop=head_complete)
    assert (fetched.link.result, fetched.link.status) == (Result.OK, 200)
    assert b"</head>" in fetched.body


async def test_tls_certificate_from_an_unknown_ca_is_a_tls_error(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher() as fetcher:
        link = (await fetcher.fetch(f"https://{SECURE}/ok")).link
    assert (link.result, link.attempts) == (Result.ERROR, 1)
    assert link.detail is not None and link.detail.startswith("TLS failure: ")
    assert site.state.count("/ok") == 0


async def test_tls_certificate_for_another_name_is_a_tls_error(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(cacert=site.tls.ca_pem) as fetcher:
        link = (await fetcher.fetch(f"https://{MISNAMED}/ok")).link
    assert link.result is Result.ERROR
    assert link.detail is not None and link.detail.startswith("TLS failure: ")
    assert "mismatch" in link.detail.lower() or MISNAMED in link.detail


async def test_plain_http_host_is_unaffected_by_cacert(
    make_fetcher: MakeFetcher, site: FailureSite
) -> None:
    async with make_fetcher(cacert=site.tls.ca_pem) as fetcher:
        link = (await fetcher.fetch(site.url("/ok", NEWS))).link
    assert link.result is Result.OK
