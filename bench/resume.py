"""Resume benchmark: kill -9 a crawl at random moments, run it again, count requests at nginx.

    python bench/resume.py [--sizes N ...] [--kills K] [--hosts H] [--seed S]
                           [--at time|requests] [--kill all|coordinator]
                           [--crawler-args "..."] [--keep DIR]

For each N (default: 10000) it builds the race's synthetic news web (``bench/race_site.py``:
N articles, about four URLs each over H hosts) and serves it with nginx, logging every
request.  Then, each time on a fresh copy of the articles and a fresh state file:

- once uninterrupted: ``python -m crawler crawl ARTICLES`` with the race's settings
  (``--concurrency 128 --per-host 8 --min-interval 0 --retries 0 --allow-private
  --timeout 20``) but ``--state FILE`` instead of ``--no-state``, in place, default
  ``--workers``, ``--report`` and ``-q``;
- K times (default 3), at moments drawn with the seed uniformly between 5 % and 95 % of
  that run's wall time (``--at requests``: of its requests, counted in nginx's log as
  they come, which does not drift with the machine's load): the same command in its
  own session, SIGKILLed at that moment with its worker processes (``--kill
  coordinator`` kills the coordinator alone and leaves its workers orphaned), then the
  same command again to the end.  A run that finished before its moment is reported as
  not killed.

A request is one line of nginx's access log: every GET, whatever it is for (robots.txt,
soft-404 probes, pages, AMP pages, each redirect hop, each Range request of an image
probe) and whether it finished or was cut off by the kill.  Per kill it prints the
moment, the requests of the killed run (and how many of them nginx logged after the
kill) and of the rerun, their sum over the uninterrupted run's count, where the excess
lies (by kind of request), how many files are old (byte for byte), enriched or neither
right after the kill, how many end enriched (front matter with a ``crawl`` block that
has its links) and with the same results as the uninterrupted run, and SQLite's
``PRAGMA integrity_check`` of the state file with its runs.
nginx must be installed (``apt-get install nginx``).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import random
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import race_site  # noqa: E402
from race import CRAWLER, TIMEOUT, find_nginx, free_port, load, start_nginx  # noqa: E402

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SETTINGS = CRAWLER.replace("--no-state", "").split()
KINDS = ("robots", "probe", "range", "amp", "page")


@dataclass(frozen=True)
class Crawl:
    wall: float
    code: int
    requests: list[str]  # access-log lines of this run
    killed: bool = False
    at_kill: int = 0  # requests nginx had logged when the kill was sent
    killed_at: datetime | None = None


@dataclass(frozen=True)
class Moment:
    """When to kill: ``seconds`` into the run, or once nginx has logged ``requests``."""

    fraction: float  # of the uninterrupted run's wall time or requests
    seconds: float
    requests: int | None = None


def kind_of(line: str) -> str:
    """Which kind of request a log line is (see the module docstring)."""
    _, request, rest = line.split('"', 2)
    path = request.split()[1] if len(request.split()) > 1 else ""
    if path == "/robots.txt":
        return "robots"
    if path.endswith("-crawler-probe"):
        return "probe"
    if not rest.rstrip().endswith('"-"'):
        return "range"
    return "amp" if "/amp/" in path else "page"


def command(articles: Path, state: Path, report: Path, extra: list[str]) -> list[str]:
    return [
        *(sys.executable, "-m", "crawler", "crawl", str(articles), *SETTINGS),
        *("--state", str(state), "--timeout", str(TIMEOUT), "--report", str(report), "-q"),
        *extra,
    ]


class Log:
    """nginx's access log, read in slices: the lines since the last mark."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0  # bytes up to the mark
        self.counted = 0  # bytes read by count() after the mark
        self.lines = 0  # lines counted after the mark

    def since(self) -> list[str]:
        """The lines since the last mark; the mark moves to the end."""
        with self.path.open("rb") as log:
            log.seek(self.offset)
            data = log.read()
        whole = data[: data.rfind(b"\n") + 1]
        self.offset += len(whole)
        self.counted, self.lines = self.offset, 0
        return whole.decode("utf-8").splitlines()

    def count(self) -> int:
        """Lines since the mark, so far (the mark stays)."""
        with self.path.open("rb") as log:
            log.seek(self.counted)
            data = log.read()
        whole = data[: data.rfind(b"\n") + 1]
        self.counted += len(whole)
        self.lines += whole.count(b"\n")
        return self.lines


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (the worker processes run in sessions of their own)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(root: int, everything: bool) -> None:
    """SIGKILL the crawl's process group and, unless only the coordinator, its workers."""
    workers = descendants(root) if everything else []
    os.killpg(root, signal.SIGKILL)
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def crawl(argv: list[str], log: Log, output: Path, kill_at: Moment | None, kill: str) -> Crawl:
    """Run the crawl (SIGKILLed at ``kill_at``, if given); its requests at nginx."""
    log.since()
    killed, at_kill, killed_at = False, 0, None
    with output.open("ab") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
        while kill_at is not None and process.poll() is None:
            elapsed = time.perf_counter() - started
            if (
                elapsed >= kill_at.seconds
                if kill_at.requests is None
                else (log.count() >= kill_at.requests)
            ):
                kill_tree(process.pid, kill == "all")
                killed, at_kill, killed_at = True, log.count(), datetime.now(UTC)
                break
            time.sleep(0.01)  # polling the clock or the log, not synchronising a test
        code = process.wait()
        wall = time.perf_counter() - started
    if killed:
        time.sleep(1)  # nginx logs a request cut off by the kill when it notices the reset
    return Crawl(wall, code, log.since(), killed, at_kill, killed_at)


def links_of(path: Path) -> dict[str, object] | None:
    """Each field's result in the file's crawl block; None if the file is not enriched."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return None
    data = yaml.load(text[4 : text.index("\n---\n", 4)], Loader=LOADER)
    block = data.get("crawl") if isinstance(data, dict) else None
    links = block.get("links") if isinstance(block, dict) else None
    if not isinstance(links, dict):
        return None
    return {field: (item.get("result") if isinstance(item, dict) else item)
            for field, item in links.items()}  # fmt: skip


def files_state(folder: Path) -> dict[str, dict[str, object] | None]:
    return {path.name: links_of(path) for path in sorted(folder.glob("*.md"))}


def after_kill(folder: Path, pristine: Path) -> str:
    """Every file must be old (untouched) or complete (enriched) right after the kill."""
    old = new = torn = 0
    for path in sorted(pristine.glob("*.md")):
        copy = folder / path.name
        if copy.read_bytes() == path.read_bytes():
            old += 1
        elif links_of(copy) is not None:
            new += 1
        else:
            torn += 1
    temporary = sum(1 for _ in folder.glob(".*.tmp"))
    return f"{old} old, {new} enriched, {torn} neither, {temporary} temporary files"


def untimed(lines: list[str]) -> set[str]:
    return {line.split(" ", 1)[1] for line in lines}


def on_record(state: Path, killed: Crawl) -> str:
    """The killed run's checks on record: how many, how long before the kill the last came,
    and how many requests nginx served after it (their answers were lost)."""
    with sqlite3.connect(state) as database:
        count, last = database.execute(
            "SELECT count(*), max(checked_at) FROM url_checks"
        ).fetchone()
    if killed.killed_at is None or last is None:
        return f"{count} checks on record"
    received = datetime.fromisoformat(last)
    lag = (killed.killed_at - received).total_seconds()
    later = sum(float(line.split(" ", 1)[0]) > received.timestamp() for line in killed.requests)
    return (
        f"{count} checks on record, the last received {lag:.2f} s before the kill,"
        f" {later} requests served after it"
    )


def integrity(state: Path) -> str:
    with sqlite3.connect(state) as database:
        check = database.execute("PRAGMA integrity_check").fetchone()[0]
        runs = database.execute("SELECT finished_at IS NOT NULL FROM runs").fetchall()
    return f"{check}, {len(runs)} run(s), {'finished' if runs and runs[-1][0] else 'unfinished'}"


def when(moment: Moment) -> str:
    if moment.requests is None:
        return f"{moment.fraction:.0%} of the wall time"
    return f"request {moment.requests} ({moment.fraction:.0%})"


def by_kind(lines: list[str]) -> collections.Counter[str]:
    return collections.Counter(kind_of(line) for line in lines)


def prepare(folder: Path, articles: Path, label: str) -> tuple[Path, Path, Path]:
    run = folder / "runs" / label
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(articles, run / "articles")
    return run / "articles", run / "state.db", run / "report.json"


def measure(size: int, args: argparse.Namespace, base: Path, nginx: str) -> None:
    folder = base / f"n{size}"
    port = free_port()
    corpus = race_site.build(folder, size, args.hosts, port, args.seed)
    log = Log(folder / "access.log")
    log.path.unlink(missing_ok=True)  # a kept folder's log from an earlier measurement
    config = race_site.nginx_config(folder, corpus.site, port, access_log=log.path)
    extra = shlex.split(args.crawler_args)
    print(f"\nN={size}: {len(corpus.urls)} distinct URLs over {args.hosts} hosts, port {port}")
    server = start_nginx(nginx, folder, config, port)
    try:
        print(f"  load average before: {load()}")
        articles, state, report = prepare(folder, corpus.articles, "whole")
        argv = command(articles, state, report, extra)
        print("  " + shlex.join(argv))
        whole = crawl(argv, log, folder / "runs" / "whole" / "crawl.log", None, args.kill)
        baseline = files_state(articles)
        enriched = sum(links is not None for links in baseline.values())
        kinds = by_kind(whole.requests)
        print(
            f"  uninterrupted: {whole.wall:.1f} s, exit {whole.code}, {len(whole.requests)} "
            f"requests ({', '.join(f'{k} {kinds[k]}' for k in KINDS)}), "
            f"{enriched}/{len(baseline)} files enriched, state {integrity(state)}"
        )
        rng = random.Random(args.seed)
        fractions = [rng.uniform(0.05, 0.95) for _ in range(args.kills)]
        moments = [
            Moment(
                f, f * whole.wall, round(f * len(whole.requests)) if args.at == "requests" else None
            )
            for f in fractions
        ]
        for number, moment in enumerate(moments, start=1):
            articles, state, report = prepare(folder, corpus.articles, f"kill-{number}")
            argv = command(articles, state, report, extra)
            output = folder / "runs" / f"kill-{number}" / "crawl.log"
            first = crawl(argv, log, output, moment, args.kill)
            killed = after_kill(articles, corpus.articles) + "; " + on_record(state, first)
            second = crawl(argv, log, output, None, args.kill)
            both = first.requests + second.requests
            ratio = len(both) / len(whole.requests)
            excess = by_kind(both)
            excess.subtract(kinds)
            asked_twice = len(untimed(first.requests) & untimed(second.requests))
            after = files_state(articles)
            done = sum(links is not None for links in after.values())
            same = sum(after[name] == baseline.get(name) for name in after)
            print(
                f"  kill {number} at {when(moment)}, {first.wall:.1f} s in"
                f"{'' if first.killed else ' (NOT KILLED: the run had finished)'}: "
                f"{len(first.requests)} ({len(first.requests) - first.at_kill} after the kill)"
                f" + {len(second.requests)} = {len(both)} requests, "
                f"{ratio:.4f}x (exit {first.code}, {second.code}); excess by kind: "
                + ", ".join(f"{k} {excess[k]:+d}" for k in KINDS)
                + f"; {asked_twice} request lines in both runs; after the kill: {killed}"
                f"; after the rerun: enriched {done}/{len(after)}"
                f", {same} as uninterrupted, {sum(1 for _ in articles.glob('.*.tmp'))} temporary"
                f" files; state {integrity(state)}",
                flush=True,
            )
        print(f"  load average after: {load()}")
    finally:
        server.terminate()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10000])
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--at",
        choices=("time", "requests"),
        default="time",
        help="kill at a fraction of the uninterrupted wall time, or of its requests at nginx",
    )
    parser.add_argument("--kill", choices=("all", "coordinator"), default="all")
    parser.add_argument("--crawler-args", default="", help="extra crawler arguments, one string")
    parser.add_argument("--keep", type=Path, help="write the corpora, runs and logs here")
    args = parser.parse_args()
    nginx = find_nginx()
    if nginx is None:
        print("resume: nginx is not installed; install it with: apt-get install nginx")
        return 2
    print(f"nginx {nginx}, python {sys.executable}, {os.cpu_count()} CPUs")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            measure(size, args, args.keep.resolve(), nginx)
        return 0
    with tempfile.TemporaryDirectory(prefix="crawler-resume-") as tmp:
        for size in args.sizes:
            measure(size, args, Path(tmp), nginx)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
