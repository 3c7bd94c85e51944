"""The holder record of a run lock: who holds it, with nothing secret in it.

A lock file names its holder (pid, host, start time, command) so that a second
crawl can say who is in the way (:class:`crawler.errors.LockHeld`).  The command is
recorded by :func:`redact_command`: no option value (a ``--user-agent`` token, a
header, a proxy's password, a config path) and no URL's user, password or query
ever reach the file.  A record read back is cleaned again, for records written by
older crawlers and because it is printed on a terminal.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

_COMMAND_MAX_CHARS = 500  # characters of a holder's command shown in LockHeld
HIDDEN = "…"  # stands for a value the holder record leaves out

# Options of the crawler that take no value: the word after one of them is kept.
# Any other option is assumed to take one, so an option missing here only costs a
# path shown as "…", never a secret shown.
_FLAGS = frozenset(
    {
        "--quiet",
        "--verbose",
        "--dry-run",
        "--refresh",
        "--no-soft404-probe",
        "--no-state",
        "--only-failed",
        "--allow-private",
        "--no-robots",
        "--json",
        "--exit-when-idle",
    }
)
_SHORT_FLAGS = frozenset("qv")  # -q, -v, -vv ...


def redact_command(command: str) -> str:
    """``command`` with nothing secret left: what a holder record may show.

    Option values may carry secrets (``--user-agent`` tokens, ``--config`` paths,
    headers, proxies), and the lock cannot tell every option's value from a path, so
    each word after an option other than a known flag becomes ``…``, as does the part
    after ``=`` in ``--name=value`` and after a short option's letter (``-Hvalue``).
    Other words (the program, the subcommand, paths) are kept, except that a URL
    among them loses its user, password, query and fragment.
    """
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    shown: list[str] = []
    value_next = options_done = False
    for word in words:
        if value_next:
            shown.append(HIDDEN)
            value_next = False
        elif options_done or word == "-" or not word.startswith("-"):
            shown.append(_quote(_redact_url(word)))
        elif word == "--":
            shown.append(word)
            options_done = True
        elif word.startswith("--"):
            name, equals, _ = word.partition("=")
            shown.append(shlex.quote(name) + (f"={HIDDEN}" if equals else ""))
            value_next = not equals and name not in _FLAGS
        elif set(word[1:]) <= _SHORT_FLAGS:
            shown.append(word)
        else:
            shown.append(shlex.quote(word[:2]) + (HIDDEN if len(word) > 2 else ""))
            value_next = len(word) == 2
    return " ".join(shown)


def _quote(word: str) -> str:
    """``word`` quoted for a shell, unless it is only the "…" placeholder."""
    return word if word == HIDDEN else shlex.quote(word)


def _redact_url(word: str) -> str:
    if "://" not in word:
        return word
    try:
        parts = urlsplit(word)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return HIDDEN
    user = f"{HIDDEN}@" if "@" in parts.netloc else ""
    netloc = user + (f"[{host}]" if ":" in host else host) + port
    query = HIDDEN if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _printable(text: str, limit: int) -> str:
    """``text`` safe for one line on a terminal: no control characters, bounded."""
    clean = "".join(char if char.isprintable() else "?" for char in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + HIDDEN


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a lock, as its lock file records it."""

    pid: int
    host: str
    since: str  # ISO 8601, UTC
    command: str  # redacted: see redact_command

    @classmethod
    def current(cls, command: str | None, now: datetime) -> LockHolder:
        return cls(
            pid=os.getpid(),
            host=socket.gethostname(),
            since=now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            command=redact_command(shlex.join(sys.argv) if command is None else command),
        )

    @classmethod
    def from_json(cls, data: bytes) -> LockHolder | None:
        """The holder a lock file names, or None when it names none (yet).

        The fields are cleaned again: the record may come from an older crawler
        that kept whole command lines, and it is printed on a terminal.
        """
        try:
            fields: Any = json.loads(data)
            return cls(
                pid=int(fields["pid"]),
                host=_printable(str(fields["host"]), 255),
                since=_printable(str(fields["since"]), 40),
                command=_printable(redact_command(str(fields["command"])), _COMMAND_MAX_CHARS),
            )
        except (ValueError, TypeError, KeyError):
            return None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode() + b"\n"
