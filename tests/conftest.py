"""Shared test fixtures.

Fetch layer: a static DNS table (no test ever resolves a real name), a sleep
recorder that makes every wait instant and visible, and the failure-mode site of
:mod:`tests.failure_site`, served on 127.0.0.1 and reached under public-looking
names through ``--connect-to``.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp.abc import AbstractResolver, ResolveResult
from failure_site import FailureSite, TlsMaterial, make_tls_material, start_failure_site
from redis_server import BINARY, RedisServer

from crawler.fetch import Fetcher

# ---------------------------------------------------------------------------
# Fetch layer
# ---------------------------------------------------------------------------


class StaticResolver(AbstractResolver):
    """Resolves names from a fixed table; any other name fails as NXDOMAIN would."""

    def __init__(self, table: Mapping[str, Sequence[str]] | None = None) -> None:
        self.table: dict[str, Sequence[str]] = {"localhost": ("127.0.0.1",), **(table or {})}
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        addresses = self.table.get(host.lower())
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known: {host}")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        pass


class SleepRecorder:
    """Stands in for asyncio.sleep: records each requested delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture(autouse=True)
def _work_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own folder: the default state store lands there, not in the repo."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def resolver() -> StaticResolver:
    return StaticResolver()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory: pytest.TempPathFactory) -> TlsMaterial:
    """A throwaway CA (trustme) and the site's TLS context, made once per session."""
    return make_tls_material(trustme.CA(), tmp_path_factory.mktemp("tls"))


@pytest.fixture
async def site(tls_material: TlsMaterial) -> AsyncIterator[FailureSite]:
    """The failure-mode site, fresh for each test, so its counters start at zero."""
    async with start_failure_site(tls_material) as running:
        yield running


@pytest.fixture
def make_fetcher(
    site: FailureSite, resolver: StaticResolver, sleeps: SleepRecorder
) -> Callable[..., Fetcher]:
    """``make_fetcher(**config_overrides)``: a Fetcher reaching the site, with instant sleeps.

    Use it as ``async with make_fetcher(retries=0) as fetcher:``.
    """

    def make(**overrides: Any) -> Fetcher:
        return Fetcher(site.config(**overrides), resolver=resolver, sleep=sleeps)

    return make


# ---------------------------------------------------------------------------
# Distributed mode: a real redis-server per test
# ---------------------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if BINARY is None:
        pytest.skip("redis-server is not installed (.ci/run installs Debian's redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
