"""The fleet benchmark: 1, 2 and 4 ``crawler worker``s on a latency-bound loopback web.

``python bench/fleet.py [--articles N] [--hosts H] [--delay S] [--worker-concurrency C]``

Starts a redis-server on a free loopback port (in a temporary folder, nothing saved)
and a web site in its own process that answers every request after ``--delay``
seconds (default 0.2) with a small HTML page; every one of H hosts (default 100)
is mapped onto it with ``--connect-to``.  N articles (default 400) name three URLs
each over those hosts.  For 1, 2 and 4 workers (each ``--concurrency C``, default
8, so one worker is bound by the latency) it runs ``crawler crawl --redis`` as the
coordinator and prints its wall time and the speed-up over one worker.

Then the coordinator alone: ``--apply`` answers (default 50,000) already on the
results stream are read, decoded and recorded in a real state store by
:class:`crawler.run.redis.coordinator.RedisTransport`, and the results applied per
second are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SITE = """
import asyncio, sys
from aiohttp import web
delay = float(sys.argv[2])
async def handle(request):
    if request.path == "/robots.txt":
        return web.Response(status=404)
    await asyncio.sleep(delay)
    return web.Response(text="<html><head><title>t</title></head><body>x</body></html>",
                        content_type="text/html")
app = web.Application()
app.router.add_route("GET", "/{tail:.*}", handle)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # polling a server we just started


def write_corpus(folder: Path, articles: int, hosts: int, seed: int) -> int:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    urls = set()
    for number in range(articles):
        names = [
            f"http://h{rng.randrange(hosts)}.example/p{rng.randrange(10**9)}" for _ in range(3)
        ]
        urls.update(names)
        text = (
            f'---\ntitle: "Article {number}"\noriginalUrl: "{names[0]}"\n'
            f'webUrl: "{names[1]}"\nampWebUrl: "{names[2]}"\n---\nBody.\n'
        )
        (folder / f"a{number:05}.md").write_text(text)
    return len(urls)


def fleet_run(
    base: Path, redis_url: str, site_port: int, workers: int, args: argparse.Namespace
) -> float:
    corpus = base / f"articles-{workers}"
    write_corpus(corpus, args.articles, args.hosts, args.seed)
    fleet = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler",
                "worker",
                "--redis",
                redis_url,
                "-q",
                "--concurrency",
                str(args.worker_concurrency),
            ]
        )
        for _ in range(workers)
    ]
    try:
        time.sleep(1.0)  # the workers' start-up is not the fleet's speed
        command = [
            *(sys.executable, "-m", "crawler", "crawl", str(corpus), "--redis", redis_url),
            *("--no-state", "--min-interval", "0", "--retries", "0", "--no-soft404-probe"),
            *("--allow-private", "--connect-to", f"::127.0.0.1:{site_port}", "-q"),
            *("--out", str(base / f"out-{workers}")),
        ]
        started = time.perf_counter()
        code = subprocess.run(command, check=False).returncode
        elapsed = time.perf_counter() - started
        if code not in (0, 1):
            raise SystemExit(f"fleet: the coordinator exited with {code}")
        return elapsed
    finally:
        for process in fleet:
            process.send_signal(signal.SIGTERM)
        for process in fleet:
            process.wait(30)


async def apply_rate(base: Path, redis_url: str, count: int) -> tuple[float, float]:
    """(seconds, results/s) for the coordinator to apply ``count`` answers waiting in Redis."""
    from redis.asyncio import Redis

    from crawler.checks.url_check import UrlCheck
    from crawler.config import Config
    from crawler.outcomes import LinkResult, Result
    from crawler.read.article import UrlKind
    from crawler.run.recorder import Recorder
    from crawler.run.redis.coordinator import RedisTransport
    from crawler.run.redis.keys import RunKeys
    from crawler.run.transport import CheckAnswer, CheckRequest
    from crawler.state.sqlite import SqliteStore

    keys = RunKeys("bench")
    client = Redis.from_url(redis_url, decode_responses=True)
    now = datetime.now(UTC)
    requests = [CheckRequest(f"http://h{n % 100}.example/p{n}", UrlKind.PAGE) for n in range(count)]
    async with client.pipeline(transaction=False) as pipe:
        for request in requests:
            check = UrlCheck(LinkResult(request.url, Result.OK, status=200, elapsed_ms=12))
            answer = json.dumps(CheckAnswer(request.url, check).to_json(now))
            pipe.xadd(keys.results, {"url": request.url, "answer": answer})
            pipe.sadd(keys.queued, request.url)  # queued and answered already
        await pipe.execute()
    await client.aclose()
    store = await SqliteStore.open(base / "state.db")
    recorder = await Recorder.start(store, now, {"bench": True})
    config = Config(redis=redis_url, state=base / "state.db")
    transport = RedisTransport(config, "bench", durable=recorder.flush)
    applied = 0

    def on_answer(answer: CheckAnswer) -> None:
        nonlocal applied
        applied += 1
        recorder.check(answer.url, answer.check)

    started = time.perf_counter()
    await transport.run(requests, on_answer)
    await recorder.flush()
    elapsed = time.perf_counter() - started
    await store.close()
    assert applied == count
    return elapsed, count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--worker-concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--apply", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("fleet: redis-server is not installed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory(prefix="crawler-fleet-") as folder:
        base = Path(folder)
        redis_port, site_port = free_port(), free_port()
        redis = subprocess.Popen(
            [
                binary,
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                folder,
            ],
            stdout=subprocess.DEVNULL,
        )
        site = subprocess.Popen([sys.executable, "-c", SITE, str(site_port), str(args.delay)])
        try:
            wait_for_port(redis_port)
            wait_for_port(site_port)
            redis_url = f"redis://127.0.0.1:{redis_port}/0"
            urls = write_corpus(base / "count", args.articles, args.hosts, args.seed)
            print(f"{args.articles} articles, {urls} distinct URLs over {args.hosts} hosts, "
                  f"{args.delay * 1000:.0f} ms per response, {args.worker_concurrency} "
                  "checks in flight per worker")  # fmt: skip
            print("| workers | seconds | URLs/s | speed-up |")
            print("|---:|---:|---:|---:|")
            first = None
            for workers in args.workers:
                seconds = fleet_run(base, redis_url, site_port, workers, args)
                first = first or seconds
                print(f"| {workers} | {seconds:.1f} | {urls / seconds:.0f} | "
                      f"{first / seconds:.2f}x |", flush=True)  # fmt: skip
            seconds, rate = asyncio.run(apply_rate(base, redis_url, args.apply))
            print(f"coordinator: {args.apply} results applied in {seconds:.2f} s: {rate:,.0f}/s")
        finally:
            site.terminate()
            redis.terminate()
            site.wait()
            redis.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
