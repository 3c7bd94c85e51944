"""One worker process of the local transport: ``python -m crawler.run.local_worker``.

Reads its header and requests from stdin (see :mod:`crawler.run.local`), checks
them with the same code as a single-process crawl, and writes one JSON line per
answer to stdout the moment it is known.  It logs to stderr like the crawler.
"""

from __future__ import annotations

import asyncio
import base64
import json
import pickle
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from crawler.config import Config
from crawler.logs import configure
from crawler.run import loop as event_loop
from crawler.run.inline import check_requests
from crawler.run.local import STREAM_LIMIT
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


async def _requests(reader: asyncio.StreamReader) -> AsyncIterator[CheckRequest]:
    while line := await reader.readline():
        yield CheckRequest.from_json(json.loads(line))


async def _work() -> None:
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
    try:
        await check_requests(config, _requests(reader), answers, deadline)
    finally:
        answers.flush()


def main() -> int:
    try:
        event_loop.run(_work())
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
