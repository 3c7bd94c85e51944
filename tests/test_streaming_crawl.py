"""The crawl's shape: a host-aware frontier, files written while checks go on, resumable runs.

The frontier is a pure scheduler and is tested from tables.  The rest runs real
crawls against a loopback server that counts every request: files must be written
before the last URL is answered, and a crawl killed with SIGKILL at several points
(fixed seeds) must leave every file old or complete, then finish on the same
command without asking again what it had learned.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from failure_site import assert_spaced, serving

from crawler.config import Config, ConnectTo
from crawler.pipeline import CrawlOptions, crawl
from crawler.read.frontmatter import parse_front_matter
from crawler.run.frontier import Frontier

# -- the frontier ------------------------------------------------------------------------


def test_the_frontier_visits_hosts_round_robin() -> None:
    frontier = Frontier(per_host=8, interval=lambda host: 0.0)
    for url in ["http://a/1", "http://a/2", "http://a/3", "http://b/1", "http://c/1"]:
        frontier.add(url)
    taken = [frontier.take(0.0) for _ in range(5)]
    assert taken == ["http://a/1", "http://b/1", "http://c/1", "http://a/2", "http://a/3"]
    assert frontier.take(0.0) is None and len(frontier) == 0


def test_a_host_at_its_limit_does_not_hold_the_others() -> None:
    frontier = Frontier(per_host=1, interval=lambda host: 0.0)
    for number in range(3):
        frontier.add(f"http://big/{number}")
    frontier.add("http://small/1")
    assert frontier.take(0.0) == "http://big/0"
    assert frontier.take(0.0) == "http://small/1"  # big is at its limit of one
    assert frontier.take(0.0) is None
    frontier.done("http://big/0")
    assert frontier.take(0.0) == "http://big/1"


def test_a_host_inside_its_interval_waits_and_says_until_when() -> None:
    frontier = Frontier(per_host=4, interval=lambda host: 2.0 if host == "slow" else 0.0)
    frontier.add("http://slow/1")
    frontier.add("http://slow/2")
    assert frontier.take(10.0) == "http://slow/1"
    assert frontier.take(11.0) is None
    assert frontier.next_ready_at() == 12.0
    assert frontier.take(12.0) == "http://slow/2"


# -- a counting site ---------------------------------------------------------------------

HOSTS = [f"h{number}.example" for number in range(4)]


@dataclass
class Site:
    port: int = 0
    requests: list[str] = field(default_factory=list)
    reached: dict[int, asyncio.Event] = field(default_factory=dict)
    hold: str | None = None  # a path answered only once ``release`` is set
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def when_reached(self, count: int) -> asyncio.Event:
        return self.reached.setdefault(count, asyncio.Event())


def site_app(site: Site) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        site.requests.append(f"{request.host} {request.path}")
        for count, event in site.reached.items():
            if len(site.requests) >= count:
                event.set()
        if request.path == "/robots.txt":
            return web.Response(status=404)
        if request.path == site.hold:
            await site.release.wait()
        # A little latency, as any real server has: it keeps several checks in flight.
        await asyncio.sleep(0.005)
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
        try:
            yield running
        finally:
            running.release.set()


def write_corpus(folder: Path, files: int, seed: int) -> dict[str, str]:
    """Articles naming pages on four hosts, some shared between files."""
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


def connect_options(site: Site) -> list[str]:
    options = []
    for host in HOSTS:
        options += ["--connect-to", f"{host}:80:127.0.0.1:{site.port}"]
    return options


def config_for(site: Site, **changes: object) -> Config:
    rules = tuple(ConnectTo.parse(f"{host}:80:127.0.0.1:{site.port}") for host in HOSTS)
    settings: dict[str, object] = dict(
        connect_to=rules, min_interval=0.0, retries=0, soft404_probe=False, state=None
    )
    return Config(**(settings | changes))  # type: ignore[arg-type]


async def test_files_are_written_before_the_last_url_is_answered(
    site: Site, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "fast.md").write_text(f'---\noriginalUrl: "http://{HOSTS[0]}/fast"\n---\n')
    (folder / "slow.md").write_text(f'---\noriginalUrl: "http://{HOSTS[1]}/slow"\n---\n')
    site.hold = "/slow"
    written_first: list[bool] = []

    async def release_once_fast_is_written() -> None:
        await site.when_reached(2).wait()  # both requests have arrived; /slow is held
        # The crawl's writer works on another thread and a file has no event to wait on.
        while "crawl:" not in (folder / "fast.md").read_text():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        written_first.append(True)
        site.release.set()

    watcher = asyncio.create_task(release_once_fast_is_written())
    run = await asyncio.wait_for(crawl(CrawlOptions((str(folder),)), config_for(site)), 30)
    await watcher
    assert written_first == [True]
    assert {outcome.status for outcome in run.files} == {"enriched"}


def is_complete(path: Path) -> bool:
    front = parse_front_matter(path.read_bytes(), path)
    return "crawl" in front.data and front.data["crawl"].get("links") is not None


@pytest.mark.parametrize("kill_after", [3, 25, 70], ids=lambda count: f"after-{count}-requests")
async def test_a_crawl_killed_outright_resumes_without_asking_again(
    site: Site, tmp_path: Path, kill_after: int
) -> None:
    folder = tmp_path / "articles"
    originals = write_corpus(folder, files=60, seed=kill_after)
    state = tmp_path / "state.db"
    command = [
        *(sys.executable, "-m", "crawler", "crawl", str(folder), "--state", str(state)),
        *("--min-interval", "0", "--retries", "0", "--no-soft404-probe", "-q"),
        *("--concurrency", "8", "--report", str(tmp_path / "r.json")),
        *connect_options(site),
    ]
    first = await asyncio.create_subprocess_exec(*command)
    await asyncio.wait_for(site.when_reached(kill_after).wait(), 30)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    killed_at = len(site.requests)
    for name, text in originals.items():
        current = (folder / name).read_text()
        assert current == text or is_complete(folder / name), name
    second = await asyncio.create_subprocess_exec(*command)
    assert await asyncio.wait_for(second.wait(), 60) in (0, 1)
    assert all(is_complete(folder / name) for name in originals)
    distinct = {
        line for line in site.requests if not line.endswith("/robots.txt")
    }  # one per URL when nothing is asked twice
    asked = [line for line in site.requests if not line.endswith("/robots.txt")]
    # Asked again may be what was in flight when the kill came (8 at most) and what had
    # finished since the store's last commit (write-behind: measured 13-32 here, on a
    # loaded machine); a run that forgot would ask all of them again.
    assert len(asked) - len(distinct) <= 5 * 8, (killed_at, len(asked), len(distinct))
    with sqlite3.connect(state) as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        runs = database.execute("SELECT id, finished_at FROM runs").fetchall()
    assert len(runs) == 1 and runs[0][1] is not None  # the same run, resumed and finished
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["files"] == len(originals)
    assert not [path for path in folder.iterdir() if path.name.endswith(".tmp")]


# -- politeness across worker processes ----------------------------------------------------


@dataclass
class TimedSite:
    """Records, per host, when each request started (the server's clock) and the peak in flight."""

    port: int = 0
    starts: dict[str, list[float]] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)


@pytest.fixture
async def timed_site() -> AsyncIterator[TimedSite]:
    running = TimedSite()

    async def handle(request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0]
        loop = asyncio.get_running_loop()
        running.starts.setdefault(host, []).append(loop.time())
        running.paths.append(f"{host} {request.path}")
        running.in_flight[host] = running.in_flight.get(host, 0) + 1
        running.peak[host] = max(running.peak.get(host, 0), running.in_flight[host])
        try:
            if request.path == "/robots.txt":
                return web.Response(status=404)
            await asyncio.sleep(0.02)  # the server's own latency: requests overlap
            return web.Response(text="<html><head><title>t</title></head></html>",
                                content_type="text/html")  # fmt: skip
        finally:
            running.in_flight[host] -= 1

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    async with serving(app) as port:
        running.port = port
        yield running


async def test_two_workers_keep_each_hosts_limits_and_ask_each_url_once(
    timed_site: TimedSite, tmp_path: Path
) -> None:
    hosts = [f"w{number}.example" for number in range(10)]
    hot = "hot.example"
    folder = tmp_path / "articles"
    folder.mkdir()
    for number in range(30):
        first = f"http://{hot}/story{number // 2}"  # two files name each hot story
        urls = [first, f"http://{hosts[number % 10]}/page{number}"]
        (folder / f"a{number:02}.md").write_text(
            f'---\noriginalUrl: "{urls[0]}"\nwebUrl: "{urls[1]}"\n---\n'
        )
    command = [
        *(sys.executable, "-m", "crawler", "crawl", str(folder), "--no-state", "-q"),
        *("--workers", "2", "--concurrency", "16", "--per-host", "2"),
        *("--min-interval", "0.2", "--retries", "0", "--no-soft404-probe"),
    ]
    for host in [*hosts, hot]:
        command += ["--connect-to", f"{host}:80:127.0.0.1:{timed_site.port}"]
    process = await asyncio.create_subprocess_exec(*command)
    assert await asyncio.wait_for(process.wait(), 60) == 0
    pages = [line for line in timed_site.paths if not line.endswith("/robots.txt")]
    assert len(pages) == len(set(pages)) == 45  # each distinct URL once, across workers
    assert max(timed_site.peak.values()) <= 2
    for host, starts in timed_site.starts.items():
        assert_spaced(starts, 0.2, host)


async def test_ctrl_c_on_the_terminal_with_workers_leaves_every_file_old_or_complete(
    site: Site, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    originals = write_corpus(folder, files=60, seed=3)
    command = [
        *(sys.executable, "-m", "crawler", "crawl", str(folder), "--no-state", "-q"),
        *("--workers", "2", "--concurrency", "8", "--min-interval", "0", "--retries", "0"),
        "--no-soft404-probe",
        *connect_options(site),
    ]
    # A process group of its own, as a terminal's foreground job: Ctrl-C signals the group.
    process = await asyncio.create_subprocess_exec(
        *command, stderr=asyncio.subprocess.PIPE, start_new_session=True
    )
    await asyncio.wait_for(site.when_reached(40).wait(), 30)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 130, stderr.decode()
    for name, text in originals.items():
        current = (folder / name).read_text()
        assert current == text or is_complete(folder / name), name
        assert "worker process ended" not in current
