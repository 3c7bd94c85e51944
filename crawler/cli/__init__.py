"""The command line: ``crawler COMMAND ...`` (also ``python -m crawler``).

Parses arguments into a Config and options (:mod:`crawler.cli.options`), sets up
the one logger, and calls the command (:mod:`crawler.cli.crawl` for the crawls,
:mod:`crawler.cli.tools` for probe, extract and report); nothing imports this
package.  Exit codes (CONTRACT.md): 0 every link ok and every file processed, 1
some link not ok, some file rejected or some PATH naming no article file, 2 usage
or configuration error, 3 another crawl holds the lock on the same content or
state, 4 a report or the state store could not be written (disk full, I/O error),
130/143 stopped by Ctrl-C/SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import signal
from collections.abc import Sequence
from pathlib import Path

from crawler import PRODUCT, __version__
from crawler.cli.crawl import (
    ReportsLost,
    Terminated,
    command_crawl,
    command_demo,
    command_schedule,
)
from crawler.cli.fleet import add_fleet_commands
from crawler.cli.options import (
    add_crawl_options,
    add_network_options,
    add_output_options,
    config_from,
    duration,
)
from crawler.cli.tools import REPORT_FORMATS, command_extract, command_probe, command_report
from crawler.errors import CrawlerError, LockHeld, StorageError
from crawler.logs import configure

EXIT_USAGE, EXIT_LOCKED, EXIT_STORAGE = 2, 3, 4
log = logging.getLogger("crawler")


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
    add_crawl_options(crawl_parser)
    add_output_options(crawl_parser)
    crawl_parser.set_defaults(handler=command_crawl)

    refresh_parser = commands.add_parser(
        "refresh", help="crawl --refresh: check, then bring stale values up to date in place"
    )
    refresh_parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder or glob")
    add_crawl_options(refresh_parser)
    add_output_options(refresh_parser)
    refresh_parser.set_defaults(handler=command_crawl, refresh=True)

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
    add_output_options(demo_parser)
    demo_parser.set_defaults(handler=command_demo)

    probe_parser = commands.add_parser(
        "probe", help="an image's real format and size from as few bytes as possible"
    )
    probe_parser.add_argument("target", metavar="FILE_OR_URL", help="an image file or URL")
    probe_parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_network_options(probe_parser)
    add_output_options(probe_parser)
    probe_parser.set_defaults(handler=command_probe)

    extract_parser = commands.add_parser("extract", help="what an HTML page says about itself")
    extract_parser.add_argument("target", metavar="FILE_OR_URL", help="a saved page or a URL")
    extract_parser.add_argument(
        "--url",
        metavar="PAGE_URL",
        help="the page's address, to resolve its relative URLs (default: the URL, or the file)",
    )
    extract_parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_network_options(extract_parser)
    add_output_options(extract_parser)
    extract_parser.set_defaults(handler=command_extract)

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
    add_output_options(report_parser)
    report_parser.set_defaults(handler=command_report)

    schedule_parser = commands.add_parser(
        "schedule", help="crawl again and again on a schedule, until stopped"
    )
    schedule_parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder or glob")
    when = schedule_parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--every", type=duration("--every"), metavar="DURATION", help="e.g. 6h, 30m")
    when.add_argument("--cron", metavar="EXPRESSION", help='e.g. "0 */6 * * *" (UTC)')
    schedule_parser.add_argument(
        "--jitter",
        type=duration("--jitter"),
        default=0.0,
        metavar="DURATION",
        help="start each run up to DURATION late, at random",
    )
    add_crawl_options(schedule_parser)
    add_output_options(schedule_parser)
    schedule_parser.set_defaults(handler=command_schedule)
    add_fleet_commands(commands)
    return parser


def _setup_logging(quiet: bool, verbose: int) -> None:
    if quiet:
        configure(logging.ERROR)
    else:
        configure({0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG))


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


__all__ = ["build_parser", "config_from", "main"]
