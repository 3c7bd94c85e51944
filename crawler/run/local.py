"""The local transport: N worker processes on this machine, each owning a share of the hosts.

Every host belongs to exactly one worker (a stable hash of its name), so a host's
politeness (``--per-host``, ``--min-interval``, robots.txt and its Crawl-delay, a
429's slow-down, the soft-404 probe) is decided in one place for the whole run,
as in a single process; each distinct URL goes to one worker, once.  The one
exception is a redirect hop to a host another worker owns: that hop is limited by
the requesting worker's own pool for that host.

Each worker is ``python -m crawler.run.local_worker`` with pipes: the coordinator
writes one header line (the run's settings, the time left before
``--max-duration``, the log level) and one JSON line per request, then closes the
pipe; the worker writes one JSON line per answer as soon as it has it.  A worker
that dies leaves its unanswered URLs as ``error`` results that say so, and the
run goes on.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import logging
import math
import pickle
import sys
import zlib
from collections.abc import Sequence

from crawler.checks.url_check import UrlCheck
from crawler.config import Config
from crawler.outcomes import LinkResult, Result
from crawler.run.frontier import host_of
from crawler.run.inline import remaining
from crawler.run.transport import CheckAnswer, CheckRequest, OnAnswer

log = logging.getLogger("crawler")
STREAM_LIMIT = 64 * 1024 * 1024  # bytes: the longest answer line read from a worker


def worker_of(url: str, workers: int) -> int:
    """The worker that owns the URL's host: the same for every URL of a host."""
    return zlib.crc32(host_of(url).encode("utf-8", "surrogatepass")) % workers


class LocalTransport:
    """:class:`~crawler.run.transport.Transport` over ``workers`` local processes."""

    def __init__(self, config: Config, workers: int, *, deadline: float | None = None) -> None:
        self._config = config
        self._workers = workers
        self._deadline = deadline

    async def run(self, requests: Sequence[CheckRequest], on_answer: OnAnswer) -> None:
        shares: list[list[CheckRequest]] = [[] for _ in range(self._workers)]
        for request in requests:
            shares[worker_of(request.url, self._workers)].append(request)
        # The run's concurrency is shared out; each worker keeps the per-host limits whole.
        config = dataclasses.replace(
            self._config, concurrency=max(1, math.ceil(self._config.concurrency / self._workers))
        )
        async with asyncio.TaskGroup() as group:
            for share in shares:
                if share:
                    group.create_task(self._run_worker(config, share, on_answer))

    async def _run_worker(
        self, config: Config, share: list[CheckRequest], on_answer: OnAnswer
    ) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "crawler.run.local_worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=STREAM_LIMIT,
        )
        assert process.stdin is not None and process.stdout is not None
        unanswered = {request.url for request in share}
        try:
            header = {
                "config": base64.b64encode(pickle.dumps(config)).decode("ascii"),
                "remaining": remaining(self._deadline),
                "logLevel": log.getEffectiveLevel(),
            }
            lines = [json.dumps(header)] + [json.dumps(request.to_json()) for request in share]
            process.stdin.write(("\n".join(lines) + "\n").encode("utf-8"))
            await process.stdin.drain()
            process.stdin.close()
            while line := await process.stdout.readline():
                answer = CheckAnswer.from_json(json.loads(line))
                unanswered.discard(answer.url)
                on_answer(answer)
            code = await process.wait()
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise
        if code != 0 and unanswered:
            log.error("a worker ended with status %d; %d URLs unchecked", code, len(unanswered))
            for url in sorted(unanswered):
                on_answer(CheckAnswer(url, _lost(url, code)))


def _lost(url: str, code: int) -> UrlCheck:
    detail = f"not checked: its worker process ended with status {code}"
    return UrlCheck(LinkResult(url, Result.ERROR, detail=detail))


__all__ = ["LocalTransport", "worker_of"]
