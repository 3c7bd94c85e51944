"""The seam between the coordinator and the workers: URL checks out, answers back.

The coordinator (:mod:`crawler.pipeline`) owns the files, the state store and the
reports; workers only check URLs.  A :class:`Transport` carries the work between
them, as httpx keeps its transports behind one seam:

``InlineTransport`` (:mod:`crawler.run.inline`)
    the checks run in the coordinator's own event loop (``--workers 1``);
``LocalTransport`` (:mod:`crawler.run.local`)
    N worker processes on this machine, each owning a share of the hosts;
``RedisTransport`` (:mod:`crawler.run.redis.coordinator`)
    workers on any machine, over Redis Streams (the distributed mode).

What crosses the seam is plain data that serialises to JSON: a
:class:`CheckRequest` (the URL, what kind of check, and the last check of the URL
for a conditional request) and a :class:`CheckAnswer` (the URL and its check, as
the state store records it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from crawler.checks.reuse import from_record, to_record
from crawler.checks.url_check import UrlCheck
from crawler.outcomes import Result
from crawler.read.article import UrlKind
from crawler.state.store import UrlCheckRecord


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """One distinct URL to check."""

    url: str  # as requested (the request key): any password is still in it
    kind: UrlKind
    previous: UrlCheckRecord | None = None  # the last check, for If-None-Match & co.

    def to_json(self) -> dict[str, Any]:
        previous = None if self.previous is None else record_to_json(self.previous)
        return {"url": self.url, "kind": self.kind.value, "previous": previous}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckRequest:
        previous = data.get("previous")
        return cls(
            data["url"],
            UrlKind(data["kind"]),
            None if previous is None else record_from_json(previous),
        )


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    """A URL's check, as a worker found it."""

    url: str
    check: UrlCheck

    def to_json(self, checked_at: datetime) -> dict[str, Any]:
        record = to_record(self.url, self.check, checked_at)
        return {"url": self.url, "check": record_to_json(record)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckAnswer:
        return cls(data["url"], from_record(record_from_json(data["check"])))


OnAnswer = Callable[[CheckAnswer], None]


class Transport(Protocol):
    """Has URL checks done by workers and hands their answers back as they arrive."""

    async def run(self, requests: AsyncIterable[CheckRequest], on_answer: OnAnswer) -> None:
        """Check every request once, calling ``on_answer`` for each answer as it arrives.

        ``requests`` keeps yielding while the run reads files: checks start as soon
        as requests arrive.  Returns once the requests have ended and every one is
        answered, or once the run's deadline (``--max-duration``) has passed and the
        checks already started are done: requests never started get no answer.
        """
        ...


def record_to_json(record: UrlCheckRecord) -> dict[str, Any]:
    """A check record as JSON: its fields by name, the result class and time as text."""
    data = {item.name: getattr(record, item.name) for item in dataclasses.fields(record)}
    data |= {
        "result": record.result.value,
        "checked_at": record.checked_at.isoformat(),
        "extra": dict(record.extra),
    }
    return data


def record_from_json(data: dict[str, Any]) -> UrlCheckRecord:
    result, checked_at = Result(data["result"]), datetime.fromisoformat(data["checked_at"])
    return UrlCheckRecord(**(data | {"result": result, "checked_at": checked_at}))


__all__ = [
    "CheckAnswer",
    "CheckRequest",
    "OnAnswer",
    "Transport",
    "record_from_json",
    "record_to_json",
]
