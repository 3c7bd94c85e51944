"""Crawl benchmark: files/s, distinct URLs/s and the crawler's peak RSS.

    python bench/run.py [N ...] [--hosts H] [--concurrency C] [--per-host P]

For each N (default: 1000 10000) it generates N articles with bench/generate.py,
starts the companion HTTPS site in its own process on 127.0.0.1, and runs
``crawler crawl`` in another process with every generated hostname mapped onto
that site by ``--connect-to``.  Peak RSS is the crawler process's own (wait4).
The per-host interval is set to 0 so that the figure measures the crawler, not
the politeness policy; everything else is at its default.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402


def start_site(hosts: int, folder: Path) -> tuple[subprocess.Popen[str], int, Path]:
    cacert = folder / "ca.pem"
    site = subprocess.Popen(
        [
            *(sys.executable, str(HERE / "generate.py")),
            *("--serve", "0", "--cacert", str(cacert), "--hosts", str(hosts)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert site.stdout is not None
    line = site.stdout.readline().strip()
    if not line.startswith("serving "):
        site.kill()
        raise SystemExit(f"bench: the companion site did not start: {line!r}")
    return site, int(line.rsplit(":", 1)[1]), cacert


def crawl(
    articles: Path, port: int, cacert: Path, report: Path, extra: list[str]
) -> tuple[float, int, int]:
    """Run the crawler; returns (seconds, exit code, peak RSS in KiB)."""
    command = [
        sys.executable,
        "-m",
        "crawler",
        "crawl",
        str(articles),
        "--cacert",
        str(cacert),
        "--connect-to",
        f":443:127.0.0.1:{port}",
        "--min-interval",
        "0",
        "--report",
        str(report),
        "-q",
        *extra,
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, process.returncode, usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--concurrency", type=int)
    parser.add_argument("--per-host", type=int)
    args = parser.parse_args()
    extra: list[str] = []
    if args.concurrency:
        extra += ["--concurrency", str(args.concurrency)]
    if args.per_host:
        extra += ["--per-host", str(args.per_host)]
    print(f"{'articles':>9} {'URLs':>7} {'seconds':>8} {'files/s':>8} {'URLs/s':>8} {'RSS MiB':>8}")
    with tempfile.TemporaryDirectory(prefix="crawler-bench-") as tmp:
        folder = Path(tmp)
        site, port, cacert = start_site(args.hosts, folder)
        try:
            for size in args.sizes:
                articles = folder / f"articles-{size}"
                generate(size, articles, hosts=args.hosts)
                report = folder / f"report-{size}.json"
                seconds, code, rss_kib = crawl(articles, port, cacert, report, extra)
                summary = json.loads(report.read_text())["summary"]
                urls = summary["urls"]
                not_ok = urls - summary["byResult"]["ok"]
                print(
                    f"{size:>9} {urls:>7} {seconds:>8.2f} {size / seconds:>8.0f} "
                    f"{urls / seconds:>8.0f} {rss_kib / 1024:>8.1f}"
                    + (f"   ({not_ok} URLs not ok, exit {code})" if not_ok else "")
                )
        finally:
            site.terminate()
            site.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
