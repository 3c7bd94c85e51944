"""The command line: ``crawler COMMAND ...`` (also ``python -m crawler``).

Parses arguments into a Config and options, sets up the one logger, and calls the
pipeline; nothing imports this module.  Exit codes (CONTRACT.md): 0 every link ok
and every file processed, 1 some link not ok or some file rejected, 2 usage or
configuration error, 3 another crawl holds the lock on the same content or state,
4 a report or the state store could not be written (disk full, I/O error).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from crawler import PRODUCT, __version__
from crawler import config as config_module
from crawler.config import Config, ConnectTo
from crawler.errors import CrawlerError, LockHeld, StorageError, UsageError
from crawler.pipeline import CrawlOptions, CrawlRun, ProgressStart, crawl
from crawler.reports import check_report_path, write_report
from crawler.reports import summary as summary_report
from crawler.reports.model import summarize
from crawler.schedule import parse_duration

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_LOCKED, EXIT_STORAGE = 0, 1, 2, 3, 4
log = logging.getLogger("crawler")


class ReportsLost(StorageError):
    """Some reports of a finished crawl could not be written; each was named already."""


def _positive_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def _connect_to(text: str) -> ConnectTo:
    try:
        return ConnectTo.parse(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more detail (-vv: every URL's outcome)"
    )


def _add_crawl_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--out", type=Path, metavar="DIR", help="write enriched copies under DIR")
    add("--dry-run", action="store_true", help="write nothing; print a unified diff")
    add(
        "--report",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="write a report; format from the extension: .json .csv .md .html (repeatable)",
    )
    add(
        "--refresh",
        action="store_const",
        const=True,
        help="correct stale values in place (old values kept in the crawl block)",
    )
    add(
        "--refresh-fields",
        type=_name_list,
        metavar="LIST",
        help="what --refresh may change, comma-separated: title, excerpt, images (default: all)",
    )
    add(
        "--no-soft404-probe",
        action="store_const",
        const=False,
        dest="soft404_probe",
        help="do not request a random path per host to recognise soft 404s",
    )
    add("--concurrency", type=int, metavar="N", help="URL checks in flight at once")
    add("--state", type=Path, metavar="FILE", help="the state store (default: .crawler-state.db)")
    add("--no-state", action="store_true", help="remember nothing between runs")
    add(
        "--stale-after",
        type=_duration("--stale-after"),
        metavar="DURATION",
        help="skip files and URLs checked more recently than DURATION (e.g. 6h, 7d)",
    )
    add(
        "--only-failed",
        action="store_const",
        const=True,
        help="request only the URLs whose last check failed",
    )
    add("--max-urls", type=int, metavar="N", help="request at most N URLs, stalest first")
    add(
        "--max-duration",
        type=_duration("--max-duration"),
        metavar="DURATION",
        help="start no further request after DURATION (e.g. 20m)",
    )
    add(
        "--max-file-bytes",
        type=int,
        metavar="N",
        help="reject article files larger than N bytes, unread (default 16 MiB)",
    )
    add(
        "--max-front-matter-bytes",
        type=int,
        metavar="N",
        help="reject front matter larger than N bytes, unparsed (default 1 MiB)",
    )
    _add_network_options(parser)


def _duration(option: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return parse_duration(text, what=option).total_seconds()
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _name_list(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _add_network_options(parser: argparse.ArgumentParser) -> None:
    """The options of every command that makes requests."""
    add = parser.add_argument
    add("--config", type=Path, metavar="FILE", help="TOML config file")
    add(
        "--connect-to",
        type=_connect_to,
        action="append",
        metavar="HOST:PORT:TARGET_HOST:TARGET_PORT",
        help="connect to TARGET for requests to HOST:PORT; Host header and TLS name kept",
    )
    add("--cacert", type=Path, metavar="FILE", help="trust the CA certificates in FILE (PEM)")
    add(
        "--allow-private",
        action="store_const",
        const=True,
        help="let URLs reach loopback/private/link-local addresses",
    )
    add("--per-host", type=int, metavar="N", help="requests in flight at once per host")
    add(
        "--min-interval",
        type=_positive_float,
        metavar="SECONDS",
        help="minimum time between request starts to one host",
    )
    add("--timeout", type=_positive_float, metavar="SECONDS", help="budget for one attempt")
    add("--retries", type=int, metavar="N", help="further attempts for transient failures")
    add("--max-redirects", type=int, metavar="N", help="redirect hops followed")
    add("--no-robots", action="store_const", const=False, dest="robots", help="ignore robots.txt")
    add("--user-agent", metavar="UA", help="User-Agent header to send")
    add(
        "--exclude",
        action="append",
        metavar="REGEX",
        help="skip URLs matching REGEX (repeatable)",
    )
    add("--seed", type=int, metavar="N", help="seed the retry jitter, for reproducible runs")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crawler",
        description="Check and enrich the URLs named in Markdown article front matter.",
    )
    parser.add_argument("--version", action="version", version=f"{PRODUCT} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    crawl_parser = commands.add_parser(
        "crawl", help="check every URL of the articles and write the results back"
    )
    crawl_parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder or glob")
    _add_crawl_options(crawl_parser)
    _add_output_options(crawl_parser)
    crawl_parser.set_defaults(handler=_command_crawl)

    refresh_parser = commands.add_parser(
        "refresh", help="crawl --refresh: check, then bring stale values up to date in place"
    )
    refresh_parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder or glob")
    _add_crawl_options(refresh_parser)
    _add_output_options(refresh_parser)
    refresh_parser.set_defaults(handler=_command_crawl, refresh=True)

    demo_parser = commands.add_parser(
        "demo", help="the whole job, offline, on the bundled example site and articles"
    )
    demo_parser.add_argument(
        "--out",
        type=Path,
        default=Path("demo-output"),
        metavar="DIR",
        help="folder for the crawled copy and the reports (default: ./demo-output)",
    )
    _add_output_options(demo_parser)
    demo_parser.set_defaults(handler=_command_demo)

    probe_parser = commands.add_parser(
        "probe", help="an image's real format and size from as few bytes as possible"
    )
    probe_parser.add_argument("target", metavar="FILE_OR_URL", help="an image file or URL")
    probe_parser.add_argument("--json", action="store_true", help="print one JSON object")
    _add_network_options(probe_parser)
    _add_output_options(probe_parser)
    probe_parser.set_defaults(handler=_command_probe)

    extract_parser = commands.add_parser("extract", help="what an HTML page says about itself")
    extract_parser.add_argument("target", metavar="FILE_OR_URL", help="a saved page or a URL")
    extract_parser.add_argument(
        "--url",
        metavar="PAGE_URL",
        help="the page's address, to resolve its relative URLs (default: the URL, or the file)",
    )
    extract_parser.add_argument("--json", action="store_true", help="print one JSON object")
    _add_network_options(extract_parser)
    _add_output_options(extract_parser)
    extract_parser.set_defaults(handler=_command_extract)

    report_parser = commands.add_parser("report", help="a report of a recorded run, no crawling")
    report_parser.add_argument(
        "--state", type=Path, metavar="FILE", help="the state store (default: .crawler-state.db)"
    )
    report_parser.add_argument("--run", type=int, metavar="ID", help="which run (default: latest)")
    report_parser.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        default="text",
        help="text (terminal tables), json, csv, md, html or junit (default: text)",
    )
    report_parser.add_argument("--out", type=Path, metavar="FILE", help="write to FILE")
    report_parser.add_argument("--config", type=Path, metavar="FILE", help="TOML config file")
    _add_output_options(report_parser)
    report_parser.set_defaults(handler=_command_report)

    schedule_parser = commands.add_parser(
        "schedule", help="crawl again and again on a schedule, until stopped"
    )
    schedule_parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder or glob")
    when = schedule_parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--every", type=_duration("--every"), metavar="DURATION", help="e.g. 6h, 30m")
    when.add_argument("--cron", metavar="EXPRESSION", help='e.g. "0 */6 * * *" (UTC)')
    schedule_parser.add_argument(
        "--jitter",
        type=_duration("--jitter"),
        default=0.0,
        metavar="DURATION",
        help="start each run up to DURATION late, at random",
    )
    _add_crawl_options(schedule_parser)
    _add_output_options(schedule_parser)
    schedule_parser.set_defaults(handler=_command_schedule)
    return parser


def _setup_logging(quiet: bool, verbose: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    log.handlers[:] = [handler]
    log.propagate = False
    if quiet:
        log.setLevel(logging.ERROR)
    else:
        log.setLevel({0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG))


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = " ".join(record.getMessage().split())
        return f"crawler: {record.levelname.lower()}: {message}"


def _config_from(args: argparse.Namespace) -> Config:
    base = config_module.load(args.config)
    overrides: dict[str, Any] = {
        name: getattr(args, name, None)
        for name in (
            "cacert",
            "allow_private",
            "concurrency",
            "per_host",
            "min_interval",
            "timeout",
            "retries",
            "max_redirects",
            "robots",
            "user_agent",
            "seed",
            "refresh",
            "refresh_fields",
            "soft404_probe",
            "state",
            "stale_after",
            "only_failed",
            "max_urls",
            "max_duration",
            "max_file_bytes",
            "max_front_matter_bytes",
        )
    }
    # Repeatable options add to the config file's lists rather than replace them.
    if args.connect_to:
        overrides["connect_to"] = base.connect_to + tuple(args.connect_to)
    if args.exclude:
        overrides["exclude"] = base.exclude + tuple(args.exclude)
    config = base.with_overrides(overrides)
    return config.with_state(None) if getattr(args, "no_state", False) else config


def _progress(enabled: bool) -> tuple[AbstractContextManager[Any], ProgressStart | None]:
    """A rich progress bar on a TTY; nothing otherwise."""
    if not enabled:
        return nullcontext(), None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    )

    def start(total: int) -> Callable[[], None]:
        task = bar.add_task("checking URLs", total=total)
        return lambda: bar.advance(task)

    return bar, start


async def _crawl_and_report(
    options: CrawlOptions, config: Config, reports: Sequence[Path], quiet: bool
) -> CrawlRun:
    """Run the pipeline, then print diffs, write reports and print the summary."""
    for report in reports:
        check_report_path(report)
    context, start = _progress(sys.stderr.isatty() and not quiet)
    with context:
        run = await crawl(options, config, progress=start)
    for diff in run.diffs:
        sys.stdout.write(diff)
    failed: list[StorageError] = []
    for report in reports:
        try:
            write_report(run, report)
        except StorageError as exc:
            log.error("%s", exc)  # and the other reports are still written
            failed.append(exc)
    if not quiet:
        sys.stdout.write(summary_report.render(run))
    if failed:
        raise ReportsLost(f"{len(failed)} of {len(reports)} reports could not be written")
    return run


class Terminated(Exception):
    """SIGTERM stopped the run; like Ctrl-C, every file written is whole."""


async def _until_sigterm(work: Awaitable[CrawlRun]) -> CrawlRun:
    """``work``, cancelled by SIGTERM as Ctrl-C would cancel it (cron and systemd send it)."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    signalled: list[int] = []

    def terminate() -> None:
        signalled.append(signal.SIGTERM)
        if task is not None:
            task.cancel()

    loop.add_signal_handler(signal.SIGTERM, terminate)
    try:
        return await work
    except asyncio.CancelledError:
        if signalled:
            raise Terminated from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def _command_crawl(args: argparse.Namespace) -> int:
    config = _config_from(args)
    options = CrawlOptions(tuple(args.paths), out=args.out, dry_run=args.dry_run)
    work = _crawl_and_report(options, config, args.report, args.quiet)
    run = asyncio.run(_until_sigterm(work))
    return EXIT_FAILURES if summarize(run).failed else EXIT_OK


def _command_demo(args: argparse.Namespace) -> int:
    """Serve the example site on 127.0.0.1, crawl a fresh copy of the example articles."""
    from crawler.demo.site import example_articles, serve_example_site

    out: Path = args.out
    articles = out / "articles"
    if articles.exists():
        shutil.rmtree(articles)
    shutil.copytree(example_articles(), articles)
    reports = [out / "report.json", out / "report.md", out / "report.html"]

    async def demo() -> None:
        async with serve_example_site() as site:
            # Short budgets so that the site's hanging page costs seconds, not minutes.
            config = Config(
                state=out / "state.db",
                connect_to=site.connect_to(),
                cacert=site.cacert,
                timeout=2.0,
                retries=1,
                backoff_base=0.1,
                min_interval=0.0,
                seed=1,
            )
            await _crawl_and_report(CrawlOptions((str(articles),)), config, reports, args.quiet)

    asyncio.run(demo())
    if not args.quiet:
        print(f"Crawled copy: {articles}/   reports: {', '.join(map(str, reports))}")
    # The example site breaks links on purpose: the demo succeeded if it ran.
    return EXIT_OK


def _command_probe(args: argparse.Namespace) -> int:
    """Print what an image file or URL really is; exit 1 with the reason if it is not one."""
    from crawler.checks.image_probe import describe_failure, probe_url
    from crawler.checks.images import probe_file
    from crawler.errors import ImageError
    from crawler.fetch.urls import is_http_url

    target: str = args.target
    if is_http_url(target):
        link, probe = asyncio.run(probe_url(target, _config_from(args)))
        reason = describe_failure(link, probe)
        if reason is not None or probe is None or probe.info is None:
            log.error("%s: %s", target, reason)
            return EXIT_FAILURES
        info, bytes_read = probe.info, probe.bytes_read
    else:
        try:
            info, bytes_read = probe_file(Path(target))
        except ImageError as exc:
            log.error("%s", exc)
            return EXIT_FAILURES
        except OSError as exc:
            log.error("%s: cannot read: %s", target, exc.strerror or exc)
            return EXIT_FAILURES
    if args.json:
        print(json.dumps({**info.to_json(), "bytesRead": bytes_read}))
    else:
        shown = f"{info.width}x{info.height}"
        if (info.display_width, info.display_height) != (info.width, info.height):
            shown += f" (displayed {info.display_width}x{info.display_height})"
        orientation = f", orientation {info.orientation}" if info.orientation != 1 else ""
        print(f"{target}: {info.format} {shown}{orientation}; {bytes_read} bytes read")
    return EXIT_OK


def _command_extract(args: argparse.Namespace) -> int:
    """Print what a saved page or a live URL says about itself."""
    from crawler.checks.image_probe import describe_failure
    from crawler.checks.pages import extract_url
    from crawler.extract import extract
    from crawler.fetch.urls import is_http_url

    target: str = args.target
    if is_http_url(target):
        link, page = asyncio.run(extract_url(target, _config_from(args)))
        if page is None:
            reason = describe_failure(link, None) or f"not an HTML page ({link.content_type})"
            log.error("%s: %s", target, reason)
            return EXIT_FAILURES
    else:
        path = Path(target)
        try:
            html = path.read_bytes()
        except OSError as exc:
            log.error("%s: cannot read: %s", target, exc.strerror or exc)
            return EXIT_FAILURES
        page = extract(html, args.url or path.resolve().as_uri())
    record = page.to_json()
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        width = max(len(key) for key in record)
        for key, value in record.items():
            print(f"{key:<{width}}  {'' if value is None else value}")
    return EXIT_OK


REPORT_FORMATS = ("text", "json", "csv", "md", "html", "junit")


def _command_report(args: argparse.Namespace) -> int:
    """Render a recorded run from the state store."""
    from crawler.reports import RENDERERS
    from crawler.reports.stored import load_run
    from crawler.state.sqlite import SqliteStore
    from crawler.write.atomic import write_atomic

    config = config_module.load(args.config)
    state: Path | None = args.state or config.state
    if state is None or not state.is_file():
        raise UsageError(f"{state}: no state store here; crawl first (or name it with --state)")

    async def load() -> CrawlRun:
        async with await SqliteStore.open(state) as store:
            return await load_run(store, args.run, state)

    run = asyncio.run(load())
    extension = {"text": None, "junit": ".xml"}.get(args.format, f".{args.format}")
    text = summary_report.render(run) if extension is None else RENDERERS[extension](run)
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            write_atomic(args.out, text.encode("utf-8"))
        except OSError as exc:
            raise StorageError(f"{args.out}: cannot write the report: {exc.strerror}") from None
    return EXIT_FAILURES if summarize(run).failed else EXIT_OK


def _command_schedule(args: argparse.Namespace) -> int:
    """Crawl on every tick of --every or --cron until SIGTERM or Ctrl-C."""
    import random
    from datetime import UTC, datetime, timedelta

    from crawler.schedule import Cron, Every, run_schedule, sleep_until, utc_now

    config = _config_from(args)
    options = CrawlOptions(tuple(args.paths), out=args.out, dry_run=args.dry_run)
    if args.cron is not None:
        schedule: Cron | Every = Cron(args.cron)
    else:
        # Anchored at midnight UTC, so that "6h" means 00:00, 06:00, 12:00 and 18:00.
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        schedule = Every(timedelta(seconds=args.every), midnight)

    async def job() -> None:
        await _crawl_and_report(options, config, args.report, args.quiet)

    async def forever() -> None:
        stop = asyncio.Event()
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()

        def terminate() -> None:
            log.warning("SIGTERM: stopping the current run and the schedule")
            stop.set()
            if task is not None:
                task.cancel()

        loop.add_signal_handler(signal.SIGTERM, terminate)
        try:
            await run_schedule(
                schedule,
                job,
                clock=utc_now,
                sleep_until=sleep_until,
                stop=stop,
                log=log,
                jitter=timedelta(seconds=args.jitter),
                rng=random.Random(config.seed),
            )
        except asyncio.CancelledError:
            log.warning("stopped")
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    asyncio.run(forever())
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.quiet, args.verbose)
    try:
        code: int = args.handler(args)
    except LockHeld as exc:
        log.error("%s", exc)
        return EXIT_LOCKED
    except ReportsLost:
        return EXIT_STORAGE  # each report was named as it failed
    except StorageError as exc:
        log.error("%s", exc)
        return EXIT_STORAGE
    except CrawlerError as exc:
        log.error("%s", exc)
        return EXIT_USAGE
    except KeyboardInterrupt:
        log.error("interrupted: every file written is whole; run the same command to resume")
        return 130
    except Terminated:
        log.error("terminated: every file written is whole; run the same command to resume")
        return 128 + signal.SIGTERM
    return code
