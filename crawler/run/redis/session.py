"""One worker serving one run: reading, taking over, checking, answering, handing back.

The worker (:mod:`.worker`) opens a :class:`Session` for each run with work.  The
session keeps up to ``--concurrency`` entries in flight, answers each in one atomic
step, renews the leases of what it holds and writes the worker's heartbeat, and on
SIGTERM lets checks in flight finish within the grace period, then hands back the
rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redis.exceptions import ResponseError

from crawler.checks.links import check_links
from crawler.checks.pages import PageChecker
from crawler.checks.url_check import UrlCheck
from crawler.config import Config
from crawler.fetch import Fetcher
from crawler.outcomes import LinkResult, Result
from crawler.read.article import UrlKind
from crawler.run.redis import scripts
from crawler.run.redis.gate import UNREACHABLE, RedisHostGate
from crawler.run.redis.keys import GROUP, RunKeys
from crawler.run.redis.settings import config_from_settings
from crawler.run.transport import CheckAnswer, CheckRequest
from crawler.state.store import UrlCheckRecord

if TYPE_CHECKING:
    from crawler.run.redis.worker import Worker

log = logging.getLogger("crawler")
MAX_DELIVERIES = 3  # deliveries of one entry before it is answered as an error
READ_BLOCK_MS = 200  # how long one XREADGROUP waits for new entries


def _run_ended(exc: ResponseError) -> bool:
    """The error Redis gives a reader whose run's stream was deleted under it."""
    return "NOGROUP" in str(exc) or "no longer exists" in str(exc)


@dataclass(slots=True)
class _Entry:
    entry_id: str
    url: str
    host: str
    request: str  # the CheckRequest as JSON, as queued
    taken: float  # the event loop's clock when this worker took it


class Session:
    """One worker serving one run, until the run has no work left or the worker stops."""

    def __init__(self, worker: Worker, client: Any, keys: RunKeys) -> None:
        self.worker = worker
        self.client = client
        self.keys = keys
        self.held: dict[str, _Entry] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.room = asyncio.Event()
        self.gone = False
        self.done = 0
        self.answer_script = client.register_script(scripts.ANSWER)
        self.renew_script = client.register_script(scripts.RENEW)
        self.hand_back_script = client.register_script(scripts.HAND_BACK)
        self.heartbeat_script = client.register_script(scripts.HEARTBEAT)

    async def serve(self) -> bool:
        """Whether there was work for this worker in the run."""
        text = await self.client.get(self.keys.settings)
        if text is None:
            return False
        with tempfile.TemporaryDirectory(prefix="crawler-worker-") as folder:
            config = config_from_settings(text, Path(folder))
            return await self._serve(config)

    async def _serve(self, config: Config) -> bool:
        worked = False
        lease = config.redis_lease
        # The longest a check honestly takes: every attempt and wait; past it the
        # lease is no longer renewed and another worker may take the entry over.
        waits = config.backoff_cap + config.retry_after_cap
        self.max_hold = (config.timeout + waits) * (config.retries + 1) + lease
        gate = RedisHostGate(self.client, self.keys, config)
        rng = random.Random(config.seed)
        loop = asyncio.get_running_loop()
        async with Fetcher(config, hosts=gate) as fetcher:
            # One page checker for the whole session: each host's not-found page is
            # probed once by this worker, not once per batch.
            pages = PageChecker(fetcher, soft_404_probe=config.soft404_probe, rng=rng)
            keeper = asyncio.create_task(self._keep(lease))
            try:
                last_claim = -lease
                while not self.worker.stop.is_set() and not self.gone:
                    room = self.worker.concurrency - len(self.held)
                    if room <= 0:
                        self.room.clear()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self.room.wait(), READ_BLOCK_MS / 1000)
                        continue
                    entries: list[_Entry] = []
                    if self.worker.reconnected:
                        self.worker.reconnected = False
                        entries = await self._orphans(room)
                    elif loop.time() - last_claim >= lease / 2:
                        last_claim = loop.time()
                        entries = await self._claim(lease, room)
                    if not entries:
                        entries = await self._read(room)
                    if entries:
                        worked = True
                        self._start(fetcher, pages, entries)
                    elif not self.held and not self.gone and await self._all_answered():
                        break
                await self._finish()
            finally:
                keeper.cancel()
                await asyncio.wait([keeper])
        await gate.settle()
        return worked

    async def _all_answered(self) -> bool:
        length = await self.worker.retrying(lambda: self.client.xlen(self.keys.work))
        return bool(length == 0)

    async def _read(self, room: int) -> list[_Entry]:
        found = await self._read_stream(
            lambda: self.client.xreadgroup(
                GROUP, self.worker.name, {self.keys.work: ">"}, count=room, block=READ_BLOCK_MS
            )
        )
        if found is None:
            return []
        loop = asyncio.get_running_loop()
        return [
            _Entry(entry_id, fields["url"], fields["host"], fields["request"], loop.time())
            for _, messages in found or []
            for entry_id, fields in messages
        ]

    async def _orphans(self, room: int) -> list[_Entry]:
        """Entries pending to this worker that it does not hold: their delivery was lost."""
        try:
            mine = await self.worker.retrying(
                lambda: self.client.xpending_range(
                    self.keys.work, GROUP, "-", "+", room + len(self.held),
                    consumername=self.worker.name,
                )
            )  # fmt: skip
        except ResponseError as exc:
            if _run_ended(exc):
                self.gone = True
                return []
            raise
        ids = [item["message_id"] for item in mine if item["message_id"] not in self.held]
        if not ids[:room]:
            return []
        claimed = await self.worker.retrying(
            lambda: self.client.xclaim(self.keys.work, GROUP, self.worker.name, 0, ids[:room])
        )
        loop = asyncio.get_running_loop()
        found = [
            _Entry(entry_id, fields["url"], fields["host"], fields["request"], loop.time())
            for entry_id, fields in claimed
            if fields
        ]
        log.info("took back %d entries whose delivery was lost", len(found))
        return found

    async def _claim(self, lease: float, room: int) -> list[_Entry]:
        """Entries whose holder's lease lapsed; the ones delivered too often are answered."""
        claimed = await self._read_stream(
            lambda: self.client.xautoclaim(
                self.keys.work, GROUP, self.worker.name, round(lease * 1000), "0-0", room
            )
        )
        if claimed is None:
            return []
        loop = asyncio.get_running_loop()
        entries = []
        for entry_id, fields in claimed[1]:
            if not fields:
                continue
            entry = _Entry(entry_id, fields["url"], fields["host"], fields["request"], loop.time())
            pending = await self.client.xpending_range(self.keys.work, GROUP, entry_id, entry_id, 1)
            deliveries = pending[0]["times_delivered"] if pending else 1
            log.info("took over %s (delivery %d)", entry.url, deliveries)
            if deliveries > MAX_DELIVERIES:
                detail = f"not checked: delivered {deliveries - 1} times, never answered"
                log.error("%s: %s", entry.url, detail)
                check = UrlCheck(LinkResult(entry.url, Result.ERROR, detail=detail))
                await self._answer(entry, check, "poisoned")
                continue
            entries.append(entry)
        return entries

    async def _read_stream(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """A read of the work stream; None once the stream is gone (the run ended)."""
        try:
            return await self.worker.retrying(call)
        except ResponseError as exc:
            if _run_ended(exc):
                self.gone = True
                return None
            raise

    def _start(self, fetcher: Fetcher, pages: PageChecker, entries: list[_Entry]) -> None:
        by_url: dict[str, _Entry] = {}
        for entry in entries:
            self.held[entry.entry_id] = entry
            by_url[entry.url] = entry
        requests = [CheckRequest.from_json(json.loads(entry.request)) for entry in entries]

        def answered(url: str, check: UrlCheck) -> None:
            entry = by_url.get(url)
            if entry is not None:
                self._spawn(self._answer(entry, check, "done"))

        async def work() -> AsyncIterator[tuple[str, UrlKind, UrlCheckRecord | None]]:
            for request in requests:
                yield request.url, request.kind, request.previous

        self._spawn(check_links(fetcher, work(), len(requests), answered, pages=pages))

    def _spawn(self, work: Awaitable[Any]) -> None:
        async def run() -> None:
            await work

        task = asyncio.create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _answer(self, entry: _Entry, check: UrlCheck, counter: str) -> None:
        answer = json.dumps(CheckAnswer(entry.url, check).to_json(datetime.now(UTC)))
        keys = [self.keys.settings, self.keys.work, self.keys.results, self.keys.counts,
                self.keys.left]  # fmt: skip
        args = [GROUP, entry.entry_id, entry.url, entry.host, answer, counter]
        outcome = await self.worker.retrying(lambda: self.answer_script(keys=keys, args=args))
        if outcome == -1:
            self.gone = True
        self.done += outcome == 1
        self.held.pop(entry.entry_id, None)
        self.room.set()

    async def _keep(self, lease: float) -> None:
        """Renews the leases of the entries held, and says this worker is alive."""
        loop = asyncio.get_running_loop()
        while True:
            ids = [e.entry_id for e in self.held.values() if loop.time() - e.taken < self.max_hold]
            with contextlib.suppress(*UNREACHABLE):
                for start in range(0, len(ids), 500):
                    await self.renew_script(
                        keys=[self.keys.settings, self.keys.work],
                        args=[GROUP, self.worker.name, *ids[start : start + 500]],
                    )
                beat = json.dumps({"held": len(self.held), "done": self.done})
                if await self.heartbeat_script(
                    keys=[self.keys.settings, self.keys.workers], args=[self.worker.name, beat]
                ) == -1:  # fmt: skip
                    self.gone = True
                    self.room.set()
            await asyncio.sleep(min(1.0, lease / 3))

    async def _finish(self) -> None:
        """Stopping: checks in flight get the grace period, then what is held goes back."""
        if self.tasks and not self.gone:
            await asyncio.wait(list(self.tasks), timeout=self.worker.grace)
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks))
        if self.gone:
            return
        keys = [self.keys.settings, self.keys.work]
        for entry in list(self.held.values()):
            args = [GROUP, self.worker.name, entry.entry_id, entry.url, entry.host, entry.request]
            await self.worker.retrying(
                lambda args=args: self.hand_back_script(keys=keys, args=args)  # type: ignore[misc]
            )
            log.info("handed back %s", entry.url)
        self.held.clear()


__all__ = ["MAX_DELIVERIES", "READ_BLOCK_MS", "Session"]
