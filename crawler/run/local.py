"""The local transport: N worker processes on this machine, each owning a share of the hosts.

Every host belongs to exactly one worker (a stable hash of its name), so a host's
politeness (``--per-host``, ``--min-interval``, robots.txt and its Crawl-delay, a
429's slow-down, the soft-404 probe) is decided in one place for the whole run,
as in a single process; each distinct URL goes to one worker, once.  The one
exception is a redirect hop to a host another worker owns: that hop is limited by
the requesting worker's own pool for that host.

Each worker is ``python -m crawler.run.local_worker`` with pipes: the coordinator
writes one header line (the run's settings, the time left before
``--max-duration``, the log level), one JSON line per request and an end line,
then closes the pipe; the worker writes one JSON line per answer as soon as it
has it.  A pipe closed without the end line tells the worker that its coordinator
is gone, and it stops at once.  A worker
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
from collections.abc import AsyncIterable, Mapping

from crawler.checks.url_check import UrlCheck
from crawler.config import Config
from crawler.outcomes import LinkResult, Result
from crawler.run.frontier import host_of
from crawler.run.inline import remaining
from crawler.run.transport import CheckAnswer, CheckRequest, OnAnswer

log = logging.getLogger("crawler")
STREAM_LIMIT = 64 * 1024 * 1024  # bytes: the longest answer line read from a worker
END: Mapping[str, object] = {"end": True}  # the last line to a worker: every request is sent


def worker_of(url: str, workers: int) -> int:
    """The worker that owns the URL's host: the same for every URL of a host."""
    return zlib.crc32(host_of(url).encode("utf-8", "surrogatepass")) % workers


class LocalTransport:
    """:class:`~crawler.run.transport.Transport` over ``workers`` local processes."""

    def __init__(self, config: Config, workers: int, *, deadline: float | None = None) -> None:
        self._config = config
        self._workers = workers
        self._deadline = deadline

    async def run(self, requests: AsyncIterable[CheckRequest], on_answer: OnAnswer) -> None:
        # The run's concurrency is shared out; each worker keeps the per-host limits whole.
        config = dataclasses.replace(
            self._config, concurrency=max(1, math.ceil(self._config.concurrency / self._workers))
        )
        workers: list[_Worker] = []
        try:
            async with asyncio.TaskGroup() as group:
                async for request in requests:
                    # Started with the first request: a run that requests nothing (a
                    # re-crawl inside --stale-after) pays for no process.
                    while len(workers) < self._workers:
                        workers.append(worker := await _Worker.start(config, self._deadline))
                        group.create_task(worker.answers(on_answer))
                    await workers[worker_of(request.url, self._workers)].send(request)
                for worker in workers:
                    await worker.close()
        finally:
            for worker in workers:
                await worker.stop()


class _Worker:
    """One worker process and the URLs it was sent that it has not answered yet."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self.unanswered: set[str] = set()

    @classmethod
    async def start(cls, config: Config, deadline: float | None) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "crawler.run.local_worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=STREAM_LIMIT,
            # Its own session: a Ctrl-C on the terminal reaches only the coordinator,
            # which stops the workers itself, rather than each worker dying on its own
            # and its unanswered URLs being written up as errors.
            start_new_session=True,
        )
        worker = cls(process)
        header = {
            "config": base64.b64encode(pickle.dumps(config)).decode("ascii"),
            "remaining": remaining(deadline),
            "logLevel": log.getEffectiveLevel(),
        }
        await worker._write(header)
        return worker

    async def send(self, request: CheckRequest) -> None:
        self.unanswered.add(request.url)
        await self._write(request.to_json())

    async def _write(self, message: Mapping[str, object]) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(json.dumps(message).encode("utf-8") + b"\n")
        if stdin.transport.get_write_buffer_size() > 256 * 1024:
            await stdin.drain()

    async def close(self) -> None:
        """Nothing more to send: the worker ends once it has answered everything."""
        await self._write(END)
        assert self._process.stdin is not None
        self._process.stdin.close()

    async def answers(self, on_answer: OnAnswer) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        while line := await stdout.readline():
            answer = CheckAnswer.from_json(json.loads(line))
            self.unanswered.discard(answer.url)
            on_answer(answer)
        code = await self._process.wait()
        if code != 0 and self.unanswered:
            left = sorted(self.unanswered)
            log.error("a worker ended with status %d; %d URLs unchecked", code, len(left))
            for url in left:
                on_answer(CheckAnswer(url, _lost(url, code)))
            self.unanswered.clear()

    async def stop(self) -> None:
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
        await self._process.wait()


def _lost(url: str, code: int) -> UrlCheck:
    detail = f"not checked: its worker process ended with status {code}"
    return UrlCheck(LinkResult(url, Result.ERROR, detail=detail))


__all__ = ["LocalTransport", "worker_of"]
