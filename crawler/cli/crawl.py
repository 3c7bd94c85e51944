"""``crawler crawl``, ``refresh``, ``schedule`` and ``demo``: run the pipeline, then report.

Reports are checked before the crawl and written after it; a report that cannot be
written is named and the others are still written (exit 4).  SIGTERM cancels a
crawl as Ctrl-C does: every file written is whole and the same command resumes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from crawler.cli.options import config_from
from crawler.config import Config
from crawler.errors import StorageError, UsageError
from crawler.pipeline import CrawlOptions, CrawlRun, ProgressStart, crawl
from crawler.read.discover import has_articles
from crawler.reports import check_report_path, write_report
from crawler.reports import summary as summary_report
from crawler.reports.model import summarize

EXIT_OK, EXIT_FAILURES = 0, 1
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

    def start(total: int) -> Callable[[], None]:
        task = bar.add_task("checking URLs", total=total)
        return lambda: bar.advance(task)

    return bar, start


async def crawl_and_report(
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
    # When stdout carries data (the --dry-run diff), messages go to stderr.
    messages = sys.stderr if options.dry_run else sys.stdout
    failed: list[StorageError] = []
    for report in reports:
        try:
            write_report(run, report)
        except StorageError as exc:
            log.error("%s", exc)  # and the other reports are still written
            failed.append(exc)
    if not quiet:
        messages.write(summary_report.render(run))
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
    empty = warn_empty_paths(options.paths, config)
    work = crawl_and_report(options, config, args.report, args.quiet)
    run = asyncio.run(_until_sigterm(work))
    return EXIT_FAILURES if summarize(run).failed or empty else EXIT_OK


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
            await crawl_and_report(CrawlOptions((str(articles),)), config, reports, args.quiet)

    asyncio.run(demo())
    if not args.quiet:
        print(f"Crawled copy: {articles}/   reports: {', '.join(map(str, reports))}")
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
    warn_empty_paths(options.paths, config)  # files may still arrive before a later tick
    if args.cron is not None:
        schedule: Cron | Every = Cron(args.cron)
    else:
        # Anchored at midnight UTC, so that "6h" means 00:00, 06:00, 12:00 and 18:00.
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        schedule = Every(timedelta(seconds=args.every), midnight)

    async def job() -> None:
        await crawl_and_report(options, config, args.report, args.quiet)

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


__all__ = ["ReportsLost", "Terminated", "command_crawl", "command_demo", "command_schedule"]
