"""``crawler crawl``, ``refresh``, ``schedule`` and ``demo``: run the pipeline, then report.

Reports are checked before the crawl (their places tried for real) and written
after it; a report that cannot be written then is named and the others are still
written (exit 4).  stdout carries data when there is some (the ``--dry-run`` diff,
``--report -``) and the summary goes to stderr then; the progress bar is always on
stderr.  A PATH that names no article file is a warning and makes the run fail.  SIGTERM cancels a
crawl as Ctrl-C does: every file written is whole and the same command resumes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar

from crawler.cli.options import config_from
from crawler.config import Config
from crawler.errors import StorageError, UsageError
from crawler.pipeline import CrawlOptions, CrawlRun, ProgressStart, crawl
from crawler.read.discover import has_articles
from crawler.reports import RENDERERS, check_report_path, write_report, write_to
from crawler.reports import summary as summary_report
from crawler.reports.model import summarize
from crawler.run import loop as event_loop

EXIT_OK, EXIT_FAILURES = 0, 1
T = TypeVar("T")
log = logging.getLogger("crawler")


class ReportsLost(StorageError):
    """Some reports of a finished crawl could not be written; each was named already."""


def _progress(enabled: bool) -> tuple[AbstractContextManager[Any], ProgressStart | None]:
    """A rich progress bar on a TTY; nothing otherwise."""
    if not enabled:
        return nullcontext(), None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        # On stderr, the terminal it was enabled for: stdout may carry a diff or a report.
        console=Console(file=sys.stderr),
        transient=True,
    )

    def start(total: int | None) -> Callable[[], None]:
        task = bar.add_task("checking URLs", total=total)
        return lambda: bar.advance(task)

    return bar, start


FORMATS = {"json": ".json", "csv": ".csv", "md": ".md", "html": ".html", "junit": ".xml"}


@dataclass(frozen=True, slots=True)
class Output:
    """Where a crawl's results go: report files, stdout, the terminal."""

    reports: tuple[Path, ...] = ()  # report files; the format from each one's extension
    stdout_format: str | None = None  # --report - : this report on stdout (a FORMATS key)
    quiet: bool = False  # errors only
    progress: bool = True  # the progress bar, when stderr is a terminal

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Output:
        reports = tuple(path for path in args.report if str(path) != "-")
        to_stdout = len(reports) < len(args.report)
        chosen = getattr(args, "format", None)
        if to_stdout and chosen is None:
            raise UsageError("--report - writes to stdout: name its format with --format")
        if chosen is not None and not to_stdout:
            raise UsageError("--format FORMAT is the format of --report -, which is missing")
        if to_stdout and getattr(args, "dry_run", False):
            raise UsageError("--report - and --dry-run both need stdout: choose one")
        return cls(
            reports,
            chosen if to_stdout else None,
            args.quiet,
            not getattr(args, "no_progress", False),
        )


async def crawl_and_report(options: CrawlOptions, config: Config, output: Output) -> bool:
    """Run the pipeline, then print diffs, write reports and print the summary.

    True when the run failed: some link not ok, some file rejected, or some
    PATH that named no article file (warned about before the crawl).
    """
    for report in output.reports:
        check_report_path(report)
    empty = warn_empty_paths(options.paths, config)
    show_progress = output.progress and not output.quiet and sys.stderr.isatty()
    context, start = _progress(show_progress)
    with context:
        run = await crawl(options, config, progress=start)
    with run:  # its spool is removed when the reports are written, or fail
        return _report(run, options, output, empty)


def _report(run: CrawlRun, options: CrawlOptions, output: Output, empty: list[str]) -> bool:
    for diff in run.diffs:
        sys.stdout.write(diff)
    if output.stdout_format is not None:
        write_to(run, RENDERERS[FORMATS[output.stdout_format]], sys.stdout)
        sys.stdout.flush()
    # When stdout carries data (the --dry-run diff, a report), messages go to stderr.
    carries_data = options.dry_run or output.stdout_format is not None
    messages = sys.stderr if carries_data else sys.stdout
    failed: list[StorageError] = []
    written: list[Path] = []
    for report in output.reports:
        try:
            write_report(run, report)
            written.append(report)
        except StorageError as exc:
            log.error("%s", exc)  # and the other reports are still written
            failed.append(exc)
    if not output.quiet:
        text = summary_report.render(
            run, reports=written, empty_paths=empty, colour=_wants_colour(messages)
        )
        messages.write(text)
    if failed:
        raise ReportsLost(f"{len(failed)} of {len(output.reports)} reports could not be written")
    return summarize(run).failed or bool(empty)


def _wants_colour(stream: TextIO) -> bool:
    """Colour on a terminal, unless NO_COLOR (no-color.org) or TERM=dumb says otherwise."""
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


class Terminated(Exception):
    """SIGTERM stopped the run; like Ctrl-C, every file written is whole."""


async def _until_sigterm(work: Awaitable[T]) -> T:
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


def warn_empty_paths(paths: Sequence[str], config: Config) -> list[str]:
    """The PATH arguments that name no article file, each named in a warning."""
    empty = [path for path in paths if not has_articles(path, config.extensions)]
    searched = ", ".join(f"*{ending}" for ending in config.extensions)
    for path in empty:
        log.warning("%s: no article file here (searched for %s; see --extensions)", path, searched)
    return empty


def command_crawl(args: argparse.Namespace) -> int:
    config = config_from(args)
    options = CrawlOptions(tuple(args.paths), out=args.out, dry_run=args.dry_run)
    output = Output.from_args(args)
    failed = event_loop.run(_until_sigterm(crawl_and_report(options, config, output)))
    return EXIT_FAILURES if failed else EXIT_OK


def command_demo(args: argparse.Namespace) -> int:
    """Serve the example site on 127.0.0.1, crawl a fresh copy of the example articles."""
    from crawler.demo.site import example_articles, serve_example_site

    out: Path = args.out
    articles = out / "articles"
    _refuse_foreign_files(articles, example_articles())
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
            output = Output(tuple(reports), quiet=args.quiet)
            await crawl_and_report(CrawlOptions((str(articles),)), config, output)

    event_loop.run(demo())
    if not args.quiet:
        print(f"Crawled copy: {articles}/   reports: {', '.join(map(str, reports))}")
        print("The example site breaks links on purpose: that verdict is the demo working.")
    # The example site breaks links on purpose: the demo succeeded if it ran.
    return EXIT_OK


def _refuse_foreign_files(articles: Path, bundled: Path) -> None:
    """UsageError unless ``articles`` is absent or holds only the demo's own files.

    The demo replaces its copy on every run; anything else in that folder is the
    user's, and is never deleted.
    """
    if not articles.exists() and not articles.is_symlink():
        return
    if articles.is_symlink() or not articles.is_dir():
        raise UsageError(f"{articles}: exists and is not the demo's folder; choose another --out")
    ours = {path.relative_to(bundled) for path in bundled.rglob("*")}
    for path in sorted(articles.rglob("*")):
        if path.relative_to(articles) not in ours or path.is_symlink():
            raise UsageError(
                f"{articles}: holds {path.relative_to(articles)}, which the demo did not put "
                "there; nothing was deleted; choose another --out or move it"
            )


def command_schedule(args: argparse.Namespace) -> int:
    """Crawl on every tick of --every or --cron until SIGTERM or Ctrl-C."""
    import random
    from datetime import UTC, datetime, timedelta

    from crawler.schedule import Cron, Every, run_schedule, sleep_until, utc_now

    config = config_from(args)
    options = CrawlOptions(tuple(args.paths), out=args.out, dry_run=args.dry_run)
    output = Output.from_args(args)
    if args.cron is not None:
        schedule: Cron | Every = Cron(args.cron)
    else:
        # Anchored at midnight UTC, so that "6h" means 00:00, 06:00, 12:00 and 18:00.
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        schedule = Every(timedelta(seconds=args.every), midnight)

    async def job() -> None:
        await crawl_and_report(options, config, output)

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

    event_loop.run(forever())
    return EXIT_OK


__all__ = ["ReportsLost", "Terminated", "command_crawl", "command_demo", "command_schedule"]
