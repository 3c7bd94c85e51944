"""The fleet's politeness and queue scripts, against a real redis-server.

Two gates on two connections stand for two workers: the per-host limit and the
interval hold across them, a slot whose worker died frees itself when its lease
lapses, and a 429 seen by one worker slows the host down for the other.  The
settings travel as JSON, the CA bundle's contents with them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis
from redis_server import RedisServer, free_port

from crawler.cli import main
from crawler.cli.fleet import status_text
from crawler.config import Config, ConnectTo
from crawler.outcomes import Result
from crawler.read.article import UrlKind
from crawler.run.frontier import host_of
from crawler.run.redis import scripts
from crawler.run.redis.gate import RedisHostGate
from crawler.run.redis.keys import GROUP, RUNS, RunKeys
from crawler.run.redis.settings import config_from_settings, settings_json
from crawler.run.redis.worker import serve
from crawler.run.transport import CheckAnswer, CheckRequest

KEYS = RunKeys("test")


@pytest.fixture
async def clients(redis_server: RedisServer) -> AsyncIterator[list[Any]]:
    made = [Redis.from_url(redis_server.url, decode_responses=True) for _ in range(2)]
    await made[0].set(KEYS.settings, "{}")  # the run is on
    try:
        yield made
    finally:
        for client in made:
            await client.aclose()


async def test_two_workers_never_hold_more_than_the_hosts_limit(clients: list[Any]) -> None:
    config = Config(per_host=2, min_interval=0.0)
    gates = [RedisHostGate(client, KEYS, config) for client in clients]
    inside = 0
    most = 0
    release = asyncio.Event()

    async def request(gate: RedisHostGate) -> None:
        nonlocal inside, most
        async with gate.slot("a.example"):
            inside += 1
            most = max(most, inside)
            if inside == 2:
                release.set()
            await release.wait()
            await asyncio.sleep(0)
            inside -= 1

    await asyncio.gather(*(request(gates[number % 2]) for number in range(6)))
    assert most == 2


async def test_starts_are_an_interval_apart_on_the_servers_clock(clients: list[Any]) -> None:
    config = Config(per_host=8, min_interval=0.1)
    gates = [RedisHostGate(client, KEYS, config) for client in clients]
    script = clients[0].register_script(scripts.ACQUIRE)
    keys = [KEYS.settings, KEYS.host("b.example"), KEYS.slots("b.example")]
    starts = []
    for number in range(4):
        waited, _ = await script(keys=keys, args=[f"t{number}", 8, 100, 10_000])
        starts.append(int(await clients[0].hget(KEYS.host("b.example"), "next")) - 100)
        assert waited >= 0
    # Reservations one after another: each start 100 ms after the one before.
    assert [later - earlier for earlier, later in itertools.pairwise(starts)] == [
        100, 100, 100,
    ]  # fmt: skip
    async with gates[1].slot("b.example"):
        pass
    assert gates[1].policy("b.example").interval == 0.1
    # A start is confirmed on the server's clock: one right behind it must wait.
    start = clients[0].register_script(scripts.START)
    assert 0 < await start(keys=[KEYS.settings, KEYS.host("b.example")], args=[100]) <= 100


async def test_a_dead_workers_slot_frees_itself_when_its_lease_lapses(clients: list[Any]) -> None:
    script = clients[0].register_script(scripts.ACQUIRE)
    keys = [KEYS.settings, KEYS.host("c.example"), KEYS.slots("c.example")]
    # A worker takes the only slot with a 200 ms lease and dies without releasing it.
    assert (await script(keys=keys, args=["dead", 1, 0, 200]))[0] == 0
    assert (await script(keys=keys, args=["next", 1, 0, 200]))[0] == -1
    gate = RedisHostGate(clients[1], KEYS, Config(per_host=1, min_interval=0.0))
    async with asyncio.timeout(5), gate.slot("c.example"):
        slots = await clients[1].zrange(KEYS.slots("c.example"), 0, -1)
    assert "dead" not in slots and len(slots) == 1


async def test_a_429_seen_by_one_worker_slows_the_host_for_all(clients: list[Any]) -> None:
    config = Config(per_host=4, min_interval=0.1)
    first, second = (RedisHostGate(client, KEYS, config) for client in clients)
    first.slow_down("d.example")
    await first.settle()
    async with second.slot("d.example"):
        pass
    assert second.policy("d.example").interval == 1.0  # the slow-down floor
    second.honour_crawl_delay("d.example", 3.0)
    await second.settle()
    async with first.slot("e.example"):
        pass
    assert first.policy("d.example").interval == 1.0
    interval = await clients[0].hget(KEYS.host("d.example"), "interval")
    assert int(interval) == 3000


async def test_a_retry_after_seen_by_one_worker_holds_the_host_for_all(
    clients: list[Any],
) -> None:
    first = RedisHostGate(clients[0], KEYS, Config(per_host=4, min_interval=0.0))
    now_seconds, now_micros = await clients[0].time()
    first.hold("h.example", 30.0)
    await first.settle()
    # On the server's clock, no start for the host before 30 s from the 429.
    held_until = int(await clients[1].hget(KEYS.host("h.example"), "next"))
    assert held_until >= now_seconds * 1000 + now_micros // 1000 + 30_000
    acquire = clients[1].register_script(scripts.ACQUIRE)
    keys = [KEYS.settings, KEYS.host("h.example"), KEYS.slots("h.example")]
    wait_ms, _ = await acquire(keys=keys, args=["probe", 4, 0, 60_000])
    assert wait_ms >= 29_000  # another worker is told to wait the hold out


async def test_nothing_is_written_for_a_run_that_has_ended(clients: list[Any]) -> None:
    await clients[0].delete(KEYS.settings)
    gate = RedisHostGate(clients[0], KEYS, Config())
    async with gate.slot("f.example"):
        pass
    gate.slow_down("f.example")
    await gate.settle()
    assert await clients[0].keys("*") == []


def test_settings_travel_as_json_with_the_certificates_themselves(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    config = Config(
        per_host=3,
        min_interval=0.25,
        connect_to=(ConnectTo.parse("a.example:443:127.0.0.1:8443"),),
        cacert=bundle,
        exclude=("tracking",),
        user_agent="fleet-test/1",
        redis="redis://127.0.0.1:1/0",
        state=tmp_path / "state.db",
    )
    text = settings_json(config)
    assert str(tmp_path) not in text  # no path of the coordinator's machine travels
    assert json.loads(text)["cacert"].startswith("-----BEGIN CERTIFICATE-----")
    worker_folder = tmp_path / "worker"
    worker_folder.mkdir()
    received = config_from_settings(text, worker_folder)
    assert received.cacert is not None and received.cacert.parent == worker_folder
    assert received.cacert.read_text() == bundle.read_text()
    assert (received.per_host, received.min_interval) == (3, 0.25)
    assert received.connect_to == config.connect_to and received.exclude == ("tracking",)
    assert received.user_agent == "fleet-test/1"
    assert received.state is None and received.redis is None


async def start_run(client: Any, config: Config, urls: list[str]) -> None:
    await client.set(KEYS.settings, settings_json(config))
    await client.xgroup_create(KEYS.work, GROUP, "0", mkstream=True)
    enqueue = client.register_script(scripts.ENQUEUE)
    args: list[str] = []
    for url in urls:
        args += [url, host_of(url), json.dumps(CheckRequest(url, UrlKind.PAGE).to_json())]
    await enqueue(keys=[KEYS.queued, KEYS.work, KEYS.counts, KEYS.left], args=args)
    await client.sadd(RUNS, KEYS.run_id)


async def test_an_entry_delivered_too_often_becomes_an_error_instead_of_looping(
    redis_server: RedisServer,
) -> None:
    client: Any = Redis.from_url(redis_server.url, decode_responses=True)
    try:
        url = "http://poison.example/"
        await start_run(client, Config(redis_lease=0.05, allow_private=False), [url])
        # Three workers took it in turn and each died holding it.
        await client.xreadgroup(GROUP, "dead-1", {KEYS.work: ">"}, count=1)
        (entry_id,) = [item["message_id"] for item in await client.xpending_range(
            KEYS.work, GROUP, "-", "+", 10)]  # fmt: skip
        for name in ("dead-2", "dead-3"):
            await client.xclaim(KEYS.work, GROUP, name, 0, [entry_id])
        await asyncio.sleep(0.06)  # past the lease: what a worker would wait
        stop = asyncio.Event()
        await asyncio.wait_for(
            serve(redis_server.url, concurrency=2, stop=stop, exit_when_idle=True), 10
        )
        (_, fields), *_ = await client.xrange(KEYS.results)
        answer = CheckAnswer.from_json(json.loads(fields["answer"]))
        assert answer.url == url and answer.check.link.result is Result.ERROR
        assert "delivered 3 times" in (answer.check.link.detail or "")
        assert await client.xlen(KEYS.work) == 0
        assert await client.hget(KEYS.counts, "poisoned") == "1"
    finally:
        await client.aclose()


async def test_a_stopped_worker_hands_back_what_it_could_not_finish(
    redis_server: RedisServer,
) -> None:
    release = asyncio.Event()
    arrived = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.Response(text="late")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", hang)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    client: Any = Redis.from_url(redis_server.url, decode_responses=True)
    try:
        url = "http://slow.example/page"
        rule = ConnectTo.parse(f"slow.example:80:127.0.0.1:{server.port}")
        config = Config(connect_to=(rule,), robots=False, soft404_probe=False, retries=0)
        await start_run(client, config, [url])
        stop = asyncio.Event()
        worker = asyncio.create_task(serve(redis_server.url, concurrency=1, stop=stop, grace=0.1))
        await asyncio.wait_for(arrived.wait(), 10)  # the worker holds it, mid-request
        stop.set()  # SIGTERM
        await asyncio.wait_for(worker, 10)
        assert await client.xlen(KEYS.results) == 0
        assert await client.xpending_range(KEYS.work, GROUP, "-", "+", 10) == []
        (_, fields), *_ = await client.xrange(KEYS.work)
        assert fields["url"] == url  # back on the queue for another worker
    finally:
        release.set()
        await client.aclose()
        await server.close()


async def test_status_shows_the_work_left_the_workers_and_the_busiest_hosts(
    redis_server: RedisServer,
) -> None:
    assert await status_text(redis_server.url) == "no run in progress\n"
    client: Any = Redis.from_url(redis_server.url, decode_responses=True)
    try:
        urls = ["http://a.example/1", "http://a.example/2", "http://b.example/1"]
        await start_run(client, Config(), urls)
        await client.xreadgroup(GROUP, "w1", {KEYS.work: ">"}, count=1)
        beat = client.register_script(scripts.HEARTBEAT)
        await beat(keys=[KEYS.settings, KEYS.workers], args=["w1", '{"held": 1, "done": 0}'])
        await beat(keys=[KEYS.settings, KEYS.counts], args=["coordinator", "3"])
        text = await status_text(redis_server.url)
    finally:
        await client.aclose()
    lines = text.splitlines()
    assert lines[0] == "run test: 3 queued, 2 waiting, 1 in flight, 0 done, 0 given up"
    assert lines[1].startswith("  coordinator: seen ") and "3 URLs unanswered" in lines[1]
    assert lines[2].startswith("  worker w1: seen ") and '"held": 1' in lines[2]
    assert lines[3:] == ["  host a.example: 2 left", "  host b.example: 1 left"]


async def test_a_check_running_longer_than_its_lease_is_not_taken_over(
    redis_server: RedisServer,
) -> None:
    asked: list[str] = []

    async def slow(request: web.Request) -> web.Response:
        asked.append(request.path)
        await asyncio.sleep(1.0)  # over three leases of 0.3 s
        return web.Response(text="<html><head><title>t</title></head></html>",
                            content_type="text/html")  # fmt: skip

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", slow)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    client: Any = Redis.from_url(redis_server.url, decode_responses=True)
    try:
        url = "http://slow.example/page"
        rule = ConnectTo.parse(f"slow.example:80:127.0.0.1:{server.port}")
        config = Config(
            connect_to=(rule,), robots=False, soft404_probe=False, retries=0, redis_lease=0.3
        )
        await start_run(client, config, [url])
        stop = asyncio.Event()
        workers = [
            serve(redis_server.url, concurrency=2, stop=stop, exit_when_idle=True, name=name)
            for name in ("one", "two")
        ]
        await asyncio.wait_for(asyncio.gather(*workers), 20)
        assert asked == ["/page"]  # one request: the lease was renewed while it ran
        (_, fields), *_ = await client.xrange(KEYS.results)
        assert CheckAnswer.from_json(json.loads(fields["answer"])).check.link.status == 200
        assert await client.xlen(KEYS.results) == 1
    finally:
        await client.aclose()
        await server.close()


def test_crawler_status_on_the_command_line(
    redis_server: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--redis", redis_server.url]) == 0
    assert capsys.readouterr().out == "no run in progress\n"


def test_an_unreachable_redis_is_a_usage_error_naming_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    assert main(["status", "--redis", url]) == 2
    assert url in capsys.readouterr().err
    (tmp_path / "a.md").write_text('---\noriginalUrl: "http://a.example/"\n---\n')
    assert main(["crawl", str(tmp_path / "a.md"), "--redis", url, "--no-state", "-q"]) == 2
    assert url in capsys.readouterr().err
    assert (tmp_path / "a.md").read_text() == '---\noriginalUrl: "http://a.example/"\n---\n'


async def test_a_run_with_unusable_settings_is_skipped_not_fatal(
    redis_server: RedisServer,
) -> None:
    client: Any = Redis.from_url(redis_server.url, decode_responses=True)
    try:
        await start_run(client, Config(), ["http://a.example/"])
        await client.set(KEYS.settings, '{"config": {"per_host": "many"}}')
        stop = asyncio.Event()
        await asyncio.wait_for(
            serve(redis_server.url, concurrency=1, stop=stop, exit_when_idle=True), 10
        )
        assert await client.xlen(KEYS.work) == 1  # left for a worker that can use it
    finally:
        await client.aclose()
