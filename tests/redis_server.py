"""A real redis-server for the distributed mode's tests: loopback, free port, temp folder.

Each test gets its own server (``--save ""``: nothing written unless the test asks
for an append-only file, which a restart then reads back).  Tests skip, naming the
reason, only when the binary is missing; .ci/run installs Debian's redis-server.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

BINARY = shutil.which("redis-server")
START_TIMEOUT = 10.0  # seconds for a fresh server to answer PING


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    def __init__(self, folder: Path, *, appendonly: bool = False) -> None:
        assert BINARY is not None
        self.folder = folder
        self.port = free_port()
        self.appendonly = appendonly
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            str(BINARY),
            *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "yes" if self.appendonly else "no", "--dir", str(self.folder)),
            *("--appendfsync", "always"),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        try:
            while True:
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)  # the server is starting: nothing to wait on but the port
        finally:
            client.close()

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): an append-only file is complete."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def keys(self) -> list[str]:
        client = redis.Redis(port=self.port, decode_responses=True)
        try:
            return sorted(client.keys("*"))
        finally:
            client.close()
