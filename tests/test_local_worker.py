"""A local worker and its coordinator's pipe: the end of the work, or of the coordinator.

The worker is started as the local transport starts it (``python -m
crawler.run.local_worker``) and spoken to over its pipes, against a loopback
server that counts requests.
"""

from __future__ import annotations

import asyncio
import base64
import json
import pickle
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from crawler.config import Config
from crawler.read.article import UrlKind
from crawler.run.local import END
from crawler.run.local_worker import GONE
from crawler.run.transport import CheckRequest


@dataclass
class HeldSite:
    """Answers ``/free/...`` at once; holds ``/held/...`` until ``release`` is set."""

    port: int = 0
    paths: list[str] = field(default_factory=list)
    held: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def held_site() -> AsyncIterator[HeldSite]:
    site = HeldSite()

    async def handle(request: web.Request) -> web.Response:
        site.paths.append(request.path)
        if request.path.startswith("/held/"):
            site.held.set()
            await site.release.wait()
        return web.Response(text="<html><head><title>t</title></head></html>",
                            content_type="text/html")  # fmt: skip

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    site.port = server.port or 0
    try:
        yield site
    finally:
        site.release.set()
        await server.close()


async def start_worker(site: HeldSite, paths: list[str]) -> asyncio.subprocess.Process:
    """A worker sent one request per path (one host, one request at a time), stdin left open."""
    config = Config(per_host=1, min_interval=0.0, retries=0, robots=False, soft404_probe=False,
                    allow_private=True, state=None)  # fmt: skip
    worker = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "crawler.run.local_worker"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    header = {"config": base64.b64encode(pickle.dumps(config)).decode(), "remaining": None,
              "logLevel": 40}  # fmt: skip
    lines = [header] + [
        CheckRequest(f"http://127.0.0.1:{site.port}{path}", UrlKind.PAGE).to_json()
        for path in paths
    ]
    assert worker.stdin is not None
    worker.stdin.write(b"".join(json.dumps(line).encode() + b"\n" for line in lines))
    await worker.stdin.drain()
    return worker


async def test_a_worker_whose_coordinator_is_gone_stops_without_requesting_the_rest(
    held_site: HeldSite,
) -> None:
    worker = await start_worker(held_site, ["/held/1", "/free/2", "/free/3", "/free/4"])
    await asyncio.wait_for(held_site.held.wait(), 30)
    assert worker.stdin is not None
    worker.stdin.close()  # no end line: what a coordinator killed outright leaves
    # Released or not, nobody will read or remember the answers: nothing more is asked.
    assert await asyncio.wait_for(worker.wait(), 30) == GONE
    held_site.release.set()
    assert held_site.paths == ["/held/1"]


async def test_a_worker_told_the_end_answers_every_request_it_was_sent(
    held_site: HeldSite,
) -> None:
    worker = await start_worker(held_site, ["/free/1", "/free/2", "/free/3"])
    assert worker.stdin is not None
    worker.stdin.write(json.dumps(END).encode() + b"\n")
    worker.stdin.close()
    stdout, _ = await asyncio.wait_for(worker.communicate(), 30)
    assert worker.returncode == 0
    answered = [json.loads(line)["url"] for line in stdout.splitlines()]
    assert sorted(answered) == [f"http://127.0.0.1:{held_site.port}/free/{n}" for n in (1, 2, 3)]
    assert sorted(held_site.paths) == ["/free/1", "/free/2", "/free/3"]
