"""Where a run lives in Redis: every key under ``crawler:run:<id>:``, and the list of runs.

A run's keys are created by its coordinator and deleted by it when the run ends;
workers only ever change keys of a run whose ``settings`` key still exists (the
scripts check), so a late answer cannot bring a finished run's keys back.
"""

from __future__ import annotations

from dataclasses import dataclass

RUNS = "crawler:runs"  # set: the ids of the runs that have work for the fleet
GROUP = "workers"  # the consumer group on every run's work stream


@dataclass(frozen=True, slots=True)
class RunKeys:
    run_id: str

    @property
    def prefix(self) -> str:
        return f"crawler:run:{self.run_id}:"

    @property
    def settings(self) -> str:
        """string: the run's settings as JSON; its existence means the run is on."""
        return self.prefix + "settings"

    @property
    def work(self) -> str:
        """stream: one entry per URL to check (fields url, host, request)."""
        return self.prefix + "work"

    @property
    def results(self) -> str:
        """stream: one entry per answered URL (fields url, answer), read by the coordinator."""
        return self.prefix + "results"

    @property
    def queued(self) -> str:
        """set: every URL ever queued in this run, so a restarted coordinator queues none twice."""
        return self.prefix + "queued"

    @property
    def counts(self) -> str:
        """hash: queued, done, poisoned; coordinator (its last heartbeat)."""
        return self.prefix + "counts"

    @property
    def left(self) -> str:
        """hash: host -> URLs of the host not yet answered (for ``crawler status``)."""
        return self.prefix + "left"

    @property
    def workers(self) -> str:
        """hash: worker name -> its last heartbeat (JSON)."""
        return self.prefix + "workers"

    def host(self, host: str) -> str:
        """hash: the host's politeness (next start and interval in ms, slowed)."""
        return self.prefix + "host:" + host

    def slots(self, host: str) -> str:
        """sorted set: the host's request slots held, each scored by its lease's expiry (ms)."""
        return self.prefix + "slots:" + host


__all__ = ["GROUP", "RUNS", "RunKeys"]
