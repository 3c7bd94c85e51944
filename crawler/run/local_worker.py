"""One worker process of the local transport: ``python -m crawler.run.local_worker``.

Reads its header and requests from stdin (see :mod:`crawler.run.local`), checks
them with the same code as a single-process crawl, and writes one JSON line per
answer to stdout the moment it is known.  It logs to stderr like the crawler.

The coordinator ends its requests with an end line.  A pipe that closes without
one means the coordinator is gone (killed outright): nobody will read the
answers or remember them, so the worker stops at once, abandoning its queued
and in-flight checks, rather than requesting every URL it was sent while the
rerun of the same command requests them again alongside it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import pickle
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from crawler.config import Config
from crawler.logs import configure
from crawler.run import loop as event_loop
from crawler.run.inline import check_requests
from crawler.run.local import END, STREAM_LIMIT
from crawler.run.transport import CheckAnswer, CheckRequest


class _Answers:
    """Writes answers to stdout, flushed once per turn of the event loop.

    Checks often finish together (a host's pages, a batch of image ranges): one
    write to the pipe per turn instead of one per answer saves a system call on
    this side and a wake-up of the coordinator on the other, and an answer still
    leaves within the turn that produced it.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._flush_due = False

    def __call__(self, answer: CheckAnswer) -> None:
        line = json.dumps(answer.to_json(datetime.now(UTC)), ensure_ascii=False)
        sys.stdout.write(line + "\n")
        if not self._flush_due:
            self._flush_due = True
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        self._flush_due = False
        sys.stdout.flush()


log = logging.getLogger("crawler")
GONE = 3  # exit status: the coordinator went away before saying it had sent everything


async def _requests(
    reader: asyncio.StreamReader, gone: asyncio.Event
) -> AsyncIterator[CheckRequest]:
    while line := await reader.readline():
        message = json.loads(line)
        if message == END:
            return
        yield CheckRequest.from_json(message)
    gone.set()


async def _work() -> int:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=STREAM_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    header = json.loads(await reader.readline())
    # The header comes from the coordinator that started this process, over its pipe.
    config: Config = pickle.loads(base64.b64decode(header["config"]))
    configure(int(header["logLevel"]))
    left = header["remaining"]
    deadline = None if left is None else loop.time() + left
    answers = _Answers(loop)
    gone = asyncio.Event()
    checking = asyncio.create_task(
        check_requests(config, _requests(reader, gone), answers, deadline)
    )
    watching = asyncio.create_task(gone.wait())
    try:
        await asyncio.wait([checking, watching], return_when=asyncio.FIRST_COMPLETED)
    finally:
        watching.cancel()
        answers.flush()
    if not gone.is_set():
        await checking  # done: its answers are flushed; its failure, if any, raised
        return 0
    checking.cancel()
    await asyncio.wait([checking])
    log.warning("worker %d: the coordinator is gone; stopping its checks unfinished", os.getpid())
    return GONE


def main() -> int:
    try:
        return event_loop.run(_work())
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
