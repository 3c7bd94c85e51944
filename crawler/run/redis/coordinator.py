"""The coordinator's side of the distributed mode: :class:`RedisTransport`.

``crawler crawl ... --redis URL`` runs the whole crawl as usual (files, state
store, reports) with this transport in place of the local ones.  It publishes the
run's settings, queues each distinct URL once (:data:`.scripts.ENQUEUE` keeps the
set of URLs ever queued in the run, so a restarted coordinator queues nothing
twice), and reads the results stream, handing each answer to the crawl.  The
results stream is trimmed only up to answers the state store already holds, so a
coordinator killed at any moment loses none: run again, it resumes the same run
(the same keys) and reads what it had not yet recorded.  When every URL is
answered (or ``--max-duration`` has passed) the run's keys are deleted.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from crawler.config import Config
from crawler.errors import CrawlerError
from crawler.run.frontier import host_of
from crawler.run.inline import remaining
from crawler.run.redis import scripts
from crawler.run.redis.gate import UNREACHABLE
from crawler.run.redis.keys import GROUP, RUNS, RunKeys
from crawler.run.redis.settings import settings_json
from crawler.run.transport import CheckAnswer, CheckRequest, OnAnswer

log = logging.getLogger("crawler")
ENQUEUE_BATCH = 500  # URLs queued per script call
READ_BATCH = 5000  # answers read per XREAD
READ_BLOCK_MS = 500
TRIM_EVERY = 1.0  # seconds between two trims of the results stream (after a store flush)
OUTAGE_CAP = 5.0  # seconds, the longest wait before trying an unreachable Redis again

Durable = Callable[[], Awaitable[None]]  # returns once the answers handed over are on disk


class RedisUnreachable(CrawlerError):
    """The coordinator cannot reach its Redis at the start of a run."""


def run_id_for(state: str | None, store_run: int | None) -> str:
    """The run's id in Redis: the same for a resumed run, so its keys are found again."""
    if state is None or store_run is None:
        return secrets.token_hex(8)  # nothing to resume: a run of its own
    return hashlib.sha256(f"{state}\0{store_run}".encode()).hexdigest()[:16]


class RedisTransport:
    """:class:`~crawler.run.transport.Transport` over Redis Streams and ``crawler worker``s."""

    def __init__(
        self,
        config: Config,
        run_id: str,
        *,
        deadline: float | None = None,
        durable: Durable | None = None,
    ) -> None:
        assert config.redis is not None
        self._config = config
        self._url = config.redis
        self._keys = RunKeys(run_id)
        self._deadline = deadline
        self._durable = durable

    async def run(self, requests: AsyncIterable[CheckRequest], on_answer: OnAnswer) -> None:
        client: Any = Redis.from_url(self._url, decode_responses=True)
        ended = False
        try:
            try:
                await self._publish(client)
            except UNREACHABLE as exc:
                raise RedisUnreachable(f"--redis {self._url}: {exc}") from None
            # Requests arrive while the run reads its files: they are queued as they
            # come, and answers are collected meanwhile.
            outstanding: dict[str, CheckRequest] = {}
            early: dict[str, tuple[str, CheckAnswer]] = {}
            feeding = asyncio.create_task(
                self._feed(client, requests, outstanding, early, on_answer)
            )
            try:
                await self._collect(client, outstanding, early, feeding, on_answer)
            finally:
                if not feeding.done():
                    feeding.cancel()
                await asyncio.gather(feeding, return_exceptions=True)
            ended = True
        finally:
            if ended or self._config.state is None:
                # The run is over (or, remembering nothing, could never be resumed).
                await _forget(client, self._keys)
            await client.aclose()

    async def _feed(
        self,
        client: Any,
        requests: AsyncIterable[CheckRequest],
        outstanding: dict[str, CheckRequest],
        early: dict[str, tuple[str, CheckAnswer]],
        on_answer: OnAnswer,
    ) -> None:
        """Queue requests as they arrive, in batches of what has arrived meanwhile.

        A request whose answer is already there (an earlier coordinator of this run
        queued it) is answered at once from ``early``.
        """
        arrived: asyncio.Queue[CheckRequest | None] = asyncio.Queue()

        async def pump() -> None:
            try:
                async for request in requests:
                    arrived.put_nowait(request)
            finally:
                arrived.put_nowait(None)

        pumping = asyncio.create_task(pump())
        try:
            while (first := await arrived.get()) is not None:
                batch = [first]
                while len(batch) < ENQUEUE_BATCH and not arrived.empty():
                    item = arrived.get_nowait()
                    if item is None:
                        arrived.put_nowait(None)
                        break
                    batch.append(item)
                waiting = []
                for request in batch:
                    found = early.pop(request.url, None)
                    if found is not None:
                        on_answer(found[1])
                    else:
                        outstanding[request.url] = request
                        waiting.append(request)
                if waiting:
                    await self._enqueue(client, waiting)
        finally:
            pumping.cancel()
            await asyncio.gather(pumping, return_exceptions=True)

    async def _publish(self, client: Any) -> None:
        await client.set(self._keys.settings, settings_json(self._config))
        try:
            await client.xgroup_create(self._keys.work, GROUP, "0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        await client.sadd(RUNS, self._keys.run_id)
        log.info("run %s published on %s", self._keys.run_id, self._url)

    async def _enqueue(self, client: Any, requests: list[CheckRequest]) -> None:
        script = client.register_script(scripts.ENQUEUE)
        keys = [self._keys.queued, self._keys.work, self._keys.counts, self._keys.left]
        added = 0
        for start in range(0, len(requests), ENQUEUE_BATCH):
            args: list[str] = []
            for request in requests[start : start + ENQUEUE_BATCH]:
                args += [request.url, host_of(request.url), json.dumps(request.to_json())]
            added += await self._retrying(lambda args=args: script(keys=keys, args=args))  # type: ignore[misc]
        if added < len(requests):
            log.info("%d URLs were queued by an earlier coordinator", len(requests) - added)

    async def _collect(
        self,
        client: Any,
        outstanding: dict[str, CheckRequest],
        early: dict[str, tuple[str, CheckAnswer]],
        feeding: asyncio.Task[None],
        on_answer: OnAnswer,
    ) -> None:
        """Apply answers as they come; hold those whose request is not queued yet.

        Requests are queued while the run reads its files, so an answer left by an
        earlier coordinator of this run can arrive before its request: it waits in
        ``early`` (and the results stream is not trimmed past it) until the request
        comes, or the run ends without it.
        """
        beat = client.register_script(scripts.HEARTBEAT)  # seen alive, by `crawler status`
        cursor = "0"  # from the start: what an earlier coordinator read but never recorded
        trimmed_at = asyncio.get_running_loop().time()
        while outstanding or not feeding.done():
            if feeding.done() and feeding.exception() is not None:
                raise feeding.exception()  # type: ignore[misc]
            left = remaining(self._deadline)
            if left == 0:
                log.info("--max-duration reached with %d URLs unanswered", len(outstanding))
                return
            block = READ_BLOCK_MS if left is None else max(1, min(READ_BLOCK_MS, int(left * 1000)))
            streams = {self._keys.results: cursor}
            found = await self._retrying(
                lambda streams=streams, block=block: client.xread(  # type: ignore[misc]
                    streams, count=READ_BATCH, block=block
                )
            )
            for _, messages in found or []:
                for entry_id, fields in messages:
                    cursor = entry_id
                    url = fields["url"]
                    answer = CheckAnswer.from_json(json.loads(fields["answer"]))
                    if url in outstanding:
                        del outstanding[url]
                        on_answer(answer)
                    else:
                        early.setdefault(url, (entry_id, answer))
            now = asyncio.get_running_loop().time()
            if now - trimmed_at >= TRIM_EVERY:
                trimmed_at = now
                await self._retrying(
                    lambda: beat(keys=[self._keys.settings, self._keys.counts],
                                 args=["coordinator", str(len(outstanding))])
                )  # fmt: skip
                if not await self._retrying(lambda: client.exists(self._keys.settings)):
                    # Redis came back without the run (no persistence): queue again
                    # what is still unanswered, as a fresh run under the same keys.
                    log.warning("Redis lost run %s; queueing its %d unanswered URLs again",
                                self._keys.run_id, len(outstanding))  # fmt: skip
                    await self._retrying(lambda: self._publish(client))
                    await self._enqueue(client, list(outstanding.values()))
                    cursor = "0"
                elif cursor != "0":
                    await self._trim(client, min([cursor, *(held for held, _ in early.values())],
                                                 key=_entry_order))  # fmt: skip

    async def _trim(self, client: Any, cursor: str) -> None:
        """Drops the answers read so far, once the state store holds them."""
        if self._durable is not None:
            await self._durable()
        # MINID keeps the entry at the cursor itself: one answer read twice, ignored.
        await self._retrying(lambda: client.xtrim(self._keys.results, minid=cursor))

    async def _retrying(self, call: Callable[[], Awaitable[Any]]) -> Any:
        wait = 0.1
        while True:
            try:
                return await call()
            except UNREACHABLE as exc:
                log.warning("Redis at %s unreachable (%s); again in %.1fs", self._url, exc, wait)
                await asyncio.sleep(wait)
                wait = min(OUTAGE_CAP, wait * 2)


def _entry_order(entry_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence or 0)


async def _forget(client: Any, keys: RunKeys) -> None:
    """Deletes every key of the run; workers see it gone and move on."""
    try:
        await client.srem(RUNS, keys.run_id)
        # The settings key first: from then on no worker script writes to the run.
        await client.delete(keys.settings)
        batch: list[str] = []
        async for key in client.scan_iter(match=keys.prefix + "*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                await client.unlink(*batch)
                batch = []
        if batch:
            await client.unlink(*batch)
    except UNREACHABLE as exc:
        log.error("Redis unreachable (%s): the keys under %s are left", exc, keys.prefix)


__all__ = ["RedisTransport", "RedisUnreachable", "run_id_for"]
