"""The fleet's commands: ``crawler worker`` and ``crawler status`` (the distributed mode).

``crawler worker --redis URL`` answers the URL checks of every run coordinated
through that Redis (:mod:`crawler.run.redis.worker`); SIGTERM or Ctrl-C lets it
finish what it holds (or hand it back) and exit.  ``crawler status --redis URL``
prints, for each run, what is queued, in flight and done, each worker's last
heartbeat and the hosts with most work left.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

from redis.asyncio import Redis

from crawler.errors import UsageError
from crawler.run.redis.keys import GROUP, RUNS, RunKeys
from crawler.run.redis.worker import UNREACHABLE, serve

TOP_HOSTS = 10  # hosts listed by `crawler status`


def add_fleet_commands(commands: Any) -> None:
    worker = commands.add_parser("worker", help="answer URL checks for the runs shared in Redis")
    worker.add_argument("--redis", required=True, metavar="URL", help="redis://HOST:PORT/DB")
    worker.add_argument("--concurrency", type=int, default=32, metavar="N",
                        help="URL checks in flight at once (default 32)")  # fmt: skip
    worker.add_argument("--exit-when-idle", action="store_true",
                        help="exit once no run has work left")  # fmt: skip
    worker.add_argument("--grace", type=float, default=10.0, metavar="SECONDS",
                        help="on SIGTERM, time to finish checks in flight before handing "
                        "them back (default 10)")  # fmt: skip
    worker.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    worker.add_argument("-v", "--verbose", action="count", default=0, help="more detail")
    worker.set_defaults(handler=command_worker)

    status = commands.add_parser("status", help="the runs shared in Redis: work left, workers")
    status.add_argument("--redis", required=True, metavar="URL", help="redis://HOST:PORT/DB")
    status.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    status.add_argument("-v", "--verbose", action="count", default=0, help="more detail")
    status.set_defaults(handler=command_status)


def command_worker(args: argparse.Namespace) -> int:
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve(
            args.redis,
            concurrency=args.concurrency,
            stop=stop,
            exit_when_idle=args.exit_when_idle,
            grace=args.grace,
        )

    asyncio.run(main())
    return 0


def command_status(args: argparse.Namespace) -> int:
    try:
        text = asyncio.run(status_text(args.redis))
    except UNREACHABLE as exc:
        raise UsageError(f"--redis {args.redis}: {exc}") from None
    sys.stdout.write(text)
    return 0


async def status_text(url: str) -> str:
    """What ``crawler status`` prints: one block per run."""
    client: Any = Redis.from_url(url, decode_responses=True)
    try:
        seconds, micros = await client.time()
        now = seconds * 1000 + micros // 1000
        runs = sorted(await client.smembers(RUNS))
        if not runs:
            return "no run in progress\n"
        lines: list[str] = []
        for run_id in runs:
            lines += await _run_status(client, RunKeys(run_id), now)
        return "\n".join(lines) + "\n"
    finally:
        await client.aclose()


async def _run_status(client: Any, keys: RunKeys, now: int) -> list[str]:
    counts = await client.hgetall(keys.counts)
    queued, done = int(counts.get("queued", 0)), int(counts.get("done", 0))
    poisoned = int(counts.get("poisoned", 0))
    pending = await client.xpending(keys.work, GROUP) if await client.exists(keys.work) else {}
    in_flight = int(pending.get("pending", 0)) if pending else 0
    waiting = queued - done - poisoned - in_flight
    lines = [
        f"run {keys.run_id}: {queued} queued, {max(0, waiting)} waiting, {in_flight} in flight, "
        f"{done} done, {poisoned} given up"
    ]
    coordinator = counts.get("coordinator")
    if coordinator:
        at, _, unanswered = coordinator.partition(" ")
        lines.append(f"  coordinator: seen {(now - int(at)) / 1000:.1f}s ago, "
                     f"{unanswered} URLs unanswered")  # fmt: skip
    beats = await client.hgetall(keys.workers)
    for name, beat in sorted(beats.items()):
        at, _, detail = beat.partition(" ")
        lines.append(f"  worker {name}: seen {(now - int(at)) / 1000:.1f}s ago, {detail}")
    left = await client.hgetall(keys.left)
    top = sorted(left.items(), key=lambda item: (-int(item[1]), item[0]))[:TOP_HOSTS]
    for host, count in top:
        lines.append(f"  host {host}: {count} left")
    return lines


__all__ = ["add_fleet_commands", "command_status", "command_worker", "status_text"]
