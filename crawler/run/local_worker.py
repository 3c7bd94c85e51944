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


def _answer(answer: CheckAnswer) -> None:
    line = json.dumps(answer.to_json(datetime.now(UTC)), ensure_ascii=False)
    sys.stdout.write(line + "\n")
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
    await check_requests(config, _requests(reader), _answer, deadline)


def main() -> int:
    try:
        event_loop.run(_work())
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
