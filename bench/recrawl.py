"""Re-crawl benchmark: an unchanged corpus crawled again inside ``--stale-after``; files/s.

    python bench/recrawl.py [--articles N] [--hosts H] [--rounds R] [--seed S]
                            [--crawler-args "..."] [--keep DIR] [--profile FILE]

Writes N articles (default 10,000) and their site with ``bench/race_site.py``, serves
the site with nginx on loopback (as ``bench/race.py`` does), crawls the articles once
in place with a state store, then runs the very same command again R times (default 3),
each in its own process: every file is fresh and unchanged, so the re-crawl requests
nothing and writes nothing; what it costs is discovery, reading, the state lookups, the
JSON report and the summary.  The command:

    python -m crawler crawl ARTICLES --state STATE --stale-after 1d --report R.json
        --concurrency 128 --per-host 8 --min-interval 0 --retries 0 --allow-private -q

It prints each re-crawl's wall time, files/s, peak RSS (the child's own, from
``wait4``), CPU seconds and exit code, with the load average before and after.
``--profile FILE`` runs one more re-crawl under py-spy (``--subprocesses``, collapsed
stacks for flamegraph.pl or speedscope), when py-spy is installed.  nginx must be
installed (``apt-get install nginx``).
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import race  # noqa: E402
import race_site  # noqa: E402

CRAWLER = "--concurrency 128 --per-host 8 --min-interval 0 --retries 0 --allow-private -q"


def crawl_command(articles: Path, state: Path, report: Path, extra: list[str]) -> list[str]:
    return [
        *(sys.executable, "-m", "crawler", "crawl", str(articles)),
        *("--state", str(state), "--stale-after", "1d", "--report", str(report)),
        *CRAWLER.split(),
        *extra,
    ]


def summary_of(report: Path) -> str:
    if not report.exists():
        return "no report"
    document = json.loads(report.read_text())
    statuses: dict[str, int] = {}
    for item in document["files"]:
        statuses[item["status"]] = statuses.get(item["status"], 0) + 1
    files = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
    return f"{files}; {len(document['links'])} link rows, {document['summary']['urls']} URLs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--crawler-args", default="", help="extra crawler arguments, one string")
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    parser.add_argument("--profile", type=Path, help="profile one more re-crawl with py-spy")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: the corpus and first crawl kept there"
    )
    args = parser.parse_args()
    nginx = race.find_nginx()
    if nginx is None:
        raise SystemExit("recrawl: nginx is needed for the first crawl (apt-get install nginx)")
    base = args.keep or Path(tempfile.mkdtemp(prefix="recrawl-"))
    folder = base / f"n{args.articles}"
    state, report = folder / "state.db", folder / "report.json"
    articles = folder / "articles"
    extra = shlex.split(args.crawler_args)
    command = crawl_command(articles, state, report, extra)
    try:
        if not (args.reuse and args.keep is not None and state.exists()):
            shutil.rmtree(folder, ignore_errors=True)
            first_crawl(folder, args, nginx, command)
        else:
            print(f"N={args.articles}: reusing the corpus and state in {folder}")
            print("  command: " + shlex.join(command))
        # No server from here on: a re-crawl inside the window must not need one.
        print(f"  load average before: {race.load()}")
        print(
            f"  {'round':>5} {'wall s':>7} {'files/s':>8} {'RSS MiB':>8} {'CPU s':>6} {'exit':>4}"
        )
        rates = []
        for number in range(1, args.rounds + 1):
            report.unlink(missing_ok=True)
            wall, code, rss, cpu = race.measure(command, folder / f"recrawl-{number}.log")
            rates.append(args.articles / wall)
            print(
                f"  {number:>5} {wall:>7.2f} {args.articles / wall:>8.0f} {rss / 1024:>8.1f}"
                f" {cpu:>6.2f} {code:>4}   {summary_of(report)}",
                flush=True,
            )
        print(f"  load average after: {race.load()}")
        print(f"  best {max(rates):.0f} files/s, worst {min(rates):.0f} files/s")
        if args.profile is not None:
            profile(command, args.profile, folder)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0


def first_crawl(folder: Path, args: argparse.Namespace, nginx: str, command: list[str]) -> None:
    port = race.free_port()
    started = time.perf_counter()
    corpus = race_site.build(folder, args.articles, args.hosts, port, args.seed)
    config = race_site.nginx_config(folder, corpus.site, port)
    print(f"N={args.articles}: corpus written in {time.perf_counter() - started:.1f} s")
    print("  command: " + shlex.join(command))
    server = race.start_nginx(nginx, folder, config, port)
    try:
        wall, code, _, _ = race.measure(command, folder / "first.log")
    finally:
        server.terminate()
        server.wait()
    print(f"  first crawl: {wall:.1f} s, exit {code}, {summary_of(folder / 'report.json')}")


def profile(command: list[str], output: Path, folder: Path) -> None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        print("  no py-spy: pip install py-spy")
        return
    spy = [py_spy, "record", "--subprocesses", "--rate", "250", "--format", "raw"]
    with (folder / "py-spy.log").open("wb") as log:
        command = [*spy, "-o", str(output), "--", *command]
        subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=log)
    print(f"  profile of one more re-crawl: {output}")


if __name__ == "__main__":
    sys.exit(main())
