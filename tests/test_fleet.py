"""The distributed mode end to end: a coordinator, worker processes and a real Redis.

A loopback site counts every request and measures, on its own clock, how many
requests each host has in flight and how far apart they start.  N workers must
ask each URL as often as a single-process crawl, never exceed the per-host limit
or interval across them, and leave files identical to a single-process run's
outside the crawl block.  Workers and the coordinator are killed outright
mid-run, Redis is restarted mid-run, and each run must still finish with
nothing lost, few requests repeated, and no key left in Redis.
"""

from __future__ import annotations

import asyncio
import collections
import random
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from failure_site import serving
from redis_server import RedisServer

from crawler.config import Config, ConnectTo
from crawler.pipeline import CrawlOptions, crawl
from crawler.read.frontmatter import parse_front_matter

HOSTS = [f"h{number}.example" for number in range(4)]


@dataclass
class Site:
    port: int = 0
    requests: list[str] = field(default_factory=list)
    starts: dict[str, list[float]] = field(default_factory=dict)  # host -> arrival times
    in_flight: collections.Counter[str] = field(default_factory=collections.Counter)
    most: collections.Counter[str] = field(default_factory=collections.Counter)
    reached: dict[int, asyncio.Event] = field(default_factory=dict)
    agents: set[str] = field(default_factory=set)  # User-Agent headers seen
    hang: str = "/hang"  # never answered
    delay: float = 0.02

    def when_reached(self, count: int) -> asyncio.Event:
        event = self.reached.setdefault(count, asyncio.Event())
        if len(self.pages()) >= count:
            event.set()
        return event

    def pages(self) -> list[str]:
        return [line for line in self.requests if not line.endswith("/robots.txt")]


def site_app(site: Site) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0]
        site.requests.append(f"{host} {request.path}")
        site.agents.add(request.headers.get("User-Agent", ""))
        if request.path == "/robots.txt":
            return web.Response(status=404)
        site.starts.setdefault(host, []).append(asyncio.get_running_loop().time())
        site.in_flight[host] += 1
        site.most[host] = max(site.most[host], site.in_flight[host])
        for count, event in site.reached.items():
            if len(site.pages()) >= count:
                event.set()
        try:
            if request.path == site.hang:
                await asyncio.Event().wait()
            await asyncio.sleep(site.delay)
        finally:
            site.in_flight[host] -= 1
        page = f"<html><head><title>{request.path}</title></head><body>x</body></html>"
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    return app


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    running = Site()
    async with serving(site_app(running)) as port:
        running.port = port
        yield running


def write_corpus(folder: Path, files: int, seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    folder.mkdir()
    originals = {}
    for number in range(files):
        urls = [f"http://{rng.choice(HOSTS)}/p{rng.randrange(files * 2)}" for _ in range(3)]
        text = (
            f'---\ntitle: "Article {number}"\noriginalUrl: "{urls[0]}"\n'
            f'webUrl: "{urls[1]}"\nampWebUrl: "{urls[2]}"\n---\nBody {number}.\n'
        )
        (folder / f"a{number:03}.md").write_text(text)
        originals[f"a{number:03}.md"] = text
    return originals


def config_for(site: Site, **changes: Any) -> Config:
    rules = tuple(ConnectTo.parse(f"{host}:80:127.0.0.1:{site.port}") for host in HOSTS)
    settings: dict[str, Any] = dict(
        connect_to=rules, min_interval=0.0, retries=0, soft404_probe=False, state=None,
        allow_private=False, timeout=5.0,
    )  # fmt: skip
    return Config(**(settings | changes))


def connect_options(site: Site) -> list[str]:
    options = []
    for host in HOSTS:
        options += ["--connect-to", f"{host}:80:127.0.0.1:{site.port}"]
    return options


class Fleet:
    """Worker processes (``crawler worker``) on one Redis; stopped with SIGTERM at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.processes: list[asyncio.subprocess.Process] = []

    async def start(self, count: int, concurrency: int = 4) -> None:
        for _ in range(count):
            self.processes.append(
                await asyncio.create_subprocess_exec(
                    *(sys.executable, "-m", "crawler", "worker", "--redis", self.url, "-q"),
                    *("--concurrency", str(concurrency), "--grace", "1"),
                )
            )

    async def stop(self) -> list[int]:
        codes = []
        for process in self.processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            codes.append(await asyncio.wait_for(process.wait(), 30))
        return codes


@pytest.fixture
async def fleet(redis_server: RedisServer) -> AsyncIterator[Fleet]:
    running = Fleet(redis_server.url)
    try:
        yield running
    finally:
        for process in running.processes:
            if process.returncode is None:
                process.kill()
            await process.wait()


def without_crawl_block(path: Path) -> tuple[dict[str, Any], bytes]:
    front = parse_front_matter(path.read_bytes(), path)
    data = dict(front.data)
    data.pop("crawl", None)
    return data, path.read_bytes().split(b"\n---\n", 1)[1]


def link_results(path: Path) -> dict[str, Any]:
    front = parse_front_matter(path.read_bytes(), path)
    links = front.data["crawl"]["links"]
    return {name: (link.get("status"), link.get("result")) for name, link in links.items()}


def is_complete(path: Path) -> bool:
    front = parse_front_matter(path.read_bytes(), path)
    return "crawl" in front.data and front.data["crawl"].get("links") is not None


async def test_a_fleet_asks_each_url_once_politely_and_writes_what_one_process_writes(
    site: Site, fleet: Fleet, redis_server: RedisServer, tmp_path: Path
) -> None:
    originals = write_corpus(tmp_path / "fleet", files=30, seed=7)
    shutil.copytree(tmp_path / "fleet", tmp_path / "single")
    await crawl(CrawlOptions((str(tmp_path / "single"),)), config_for(site, per_host=2))
    single = collections.Counter(site.pages())
    site.requests.clear()
    site.starts.clear()
    site.most.clear()
    site.agents.clear()

    await fleet.start(3)
    config = config_for(
        site, per_host=2, min_interval=0.05, redis=redis_server.url, user_agent="fleet-test/1"
    )
    run = await asyncio.wait_for(crawl(CrawlOptions((str(tmp_path / "fleet"),)), config), 60)
    assert await fleet.stop() == [0, 0, 0]

    assert collections.Counter(site.pages()) == single  # each URL as often as one process
    assert site.agents == {"fleet-test/1"}  # the workers apply the coordinator's settings
    assert max(site.most.values()) <= 2  # --per-host, across the three workers
    for host, starts in site.starts.items():
        # --min-interval 0.05 across workers, on the site's clock: at most 6 starts in
        # any 0.25 s.  A request can reach the site late (its worker's process was not
        # scheduled: up to 0.2 s seen on two loaded cores), which bunches it with the
        # next without any worker starting early; one such is allowed.  Workers keeping
        # the interval each for themselves put up to three times as many in a window.
        busiest = max(sum(1 for t in starts if s <= t < s + 0.25) for s in starts)
        assert busiest <= 7, (host, busiest)
    assert {outcome.status for outcome in run.files} == {"enriched"}
    for name in originals:
        fleet_file, single_file = tmp_path / "fleet" / name, tmp_path / "single" / name
        assert without_crawl_block(fleet_file) == without_crawl_block(single_file)
        assert link_results(fleet_file) == link_results(single_file)
    assert redis_server.keys() == []  # the run's keys are gone at its end


async def test_a_worker_killed_outright_loses_nothing(
    site: Site, fleet: Fleet, redis_server: RedisServer, tmp_path: Path
) -> None:
    originals = write_corpus(tmp_path / "articles", files=40, seed=11)
    site.delay = 0.05
    await fleet.start(2, concurrency=4)
    config = config_for(site, redis=redis_server.url, redis_lease=1.0)
    running = asyncio.create_task(crawl(CrawlOptions((str(tmp_path / "articles"),)), config))
    await asyncio.wait_for(site.when_reached(15).wait(), 30)
    fleet.processes[0].send_signal(signal.SIGKILL)
    run = await asyncio.wait_for(running, 60)
    await fleet.stop()
    assert {outcome.status for outcome in run.files} == {"enriched"}
    assert all(is_complete(tmp_path / "articles" / name) for name in originals)
    asked = site.pages()
    # Asked twice at most: what the killed worker held (its --concurrency, 4).
    assert len(asked) - len(set(asked)) <= 4
    assert redis_server.keys() == []


async def test_a_coordinator_killed_outright_resumes_without_queueing_twice(
    site: Site, fleet: Fleet, redis_server: RedisServer, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    originals = write_corpus(folder, files=40, seed=13)
    site.delay = 0.05
    await fleet.start(2, concurrency=4)
    command = [
        *(sys.executable, "-m", "crawler", "crawl", str(folder), "-q"),
        *("--state", str(tmp_path / "state.db"), "--redis", redis_server.url),
        *("--min-interval", "0", "--retries", "0", "--no-soft404-probe", "--allow-private"),
        *connect_options(site),
    ]
    first = await asyncio.create_subprocess_exec(*command)
    await asyncio.wait_for(site.when_reached(15).wait(), 30)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    assert redis_server.keys() != []  # the run waits in Redis for its coordinator
    second = await asyncio.create_subprocess_exec(*command)
    assert await asyncio.wait_for(second.wait(), 60) in (0, 1)
    await fleet.stop()
    assert all(is_complete(folder / name) for name in originals)
    asked = site.pages()
    assert len(asked) == len(set(asked))  # the workers went on; nothing was queued twice
    assert redis_server.keys() == []


@pytest.mark.parametrize("appendonly", [True, False], ids=["persistent", "forgetful"])
async def test_a_redis_restart_mid_run_is_waited_out(
    site: Site, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, appendonly: bool
) -> None:
    server = RedisServer(tmp_path_factory.mktemp("redis"), appendonly=appendonly)
    server.start()
    fleet = Fleet(server.url)
    try:
        originals = write_corpus(tmp_path / "articles", files=40, seed=17)
        site.delay = 0.05
        await fleet.start(2, concurrency=4)
        config = config_for(site, redis=server.url)
        running = asyncio.create_task(crawl(CrawlOptions((str(tmp_path / "articles"),)), config))
        await asyncio.wait_for(site.when_reached(15).wait(), 30)
        await asyncio.to_thread(server.stop)
        # The same port and folder: with its append-only file it has the run back; without,
        # the coordinator queues again what is unanswered.
        await asyncio.to_thread(server.start)
        run = await asyncio.wait_for(running, 60)
        assert await fleet.stop() == [0, 0]
        assert {outcome.status for outcome in run.files} == {"enriched"}
        assert all(is_complete(tmp_path / "articles" / name) for name in originals)
        asked = site.pages()
        # At most what was in flight, and without persistence what was answered but
        # not yet read by the coordinator (it reads twice a second).
        assert len(asked) - len(set(asked)) <= (8 if appendonly else 24), len(asked)
        assert server.keys() == []
    finally:
        for process in fleet.processes:
            if process.returncode is None:
                process.kill()
            await process.wait()
        server.stop()


async def test_a_url_that_never_answers_ends_as_an_error_and_the_run_ends(
    site: Site, fleet: Fleet, redis_server: RedisServer, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.md").write_text(
        f'---\noriginalUrl: "http://{HOSTS[0]}/hang"\nwebUrl: "http://{HOSTS[1]}/ok"\n---\n'
    )
    await fleet.start(1)
    config = config_for(site, redis=redis_server.url, timeout=0.5)
    run = await asyncio.wait_for(crawl(CrawlOptions((str(folder),)), config), 30)
    await fleet.stop()
    results = {row.link.url: row.link.result.value for row in run.links}
    assert results[f"http://{HOSTS[1]}/ok"] == "ok"
    assert results[f"http://{HOSTS[0]}/hang"] != "ok"
    assert redis_server.keys() == []


async def test_a_worker_probes_each_hosts_not_found_page_once_not_once_per_batch(
    site: Site, fleet: Fleet, redis_server: RedisServer, tmp_path: Path
) -> None:
    write_corpus(tmp_path / "articles", files=30, seed=19)
    await fleet.start(1, concurrency=2)  # batches of at most two entries
    config = config_for(site, redis=redis_server.url, soft404_probe=True)
    await asyncio.wait_for(crawl(CrawlOptions((str(tmp_path / "articles"),)), config), 60)
    await fleet.stop()
    corpus_paths = {f"/p{number}" for number in range(60)}
    probes = collections.Counter(
        line.split()[0] for line in site.pages() if line.split()[1] not in corpus_paths
    )
    assert probes and max(probes.values()) == 1, probes
