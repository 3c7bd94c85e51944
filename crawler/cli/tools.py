"""``crawler probe``, ``extract`` and ``report``: the one-shot tools around the crawl."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from crawler import config as config_module
from crawler.cli.options import config_from
from crawler.errors import StorageError, UsageError
from crawler.reports import summary as summary_report
from crawler.reports.model import summarize
from crawler.run import loop as event_loop
from crawler.run.records import CrawlRun

EXIT_OK, EXIT_FAILURES = 0, 1
log = logging.getLogger("crawler")


def command_probe(args: argparse.Namespace) -> int:
    """Print what an image file or URL really is; exit 1 with the reason if it is not one."""
    from crawler.checks.image_probe import describe_failure, probe_url
    from crawler.checks.images import probe_file
    from crawler.errors import ImageError
    from crawler.fetch.urls import is_http_url, redact_url

    target: str = args.target
    if is_http_url(target):
        link, probe = event_loop.run(probe_url(target, config_from(args)))
        reason = describe_failure(link, probe)
        if reason is not None or probe is None or probe.info is None:
            log.error("%s: %s", redact_url(target), reason)
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
        print(f"{redact_url(target)}: {info.format} {shown}{orientation}; {bytes_read} bytes read")
    return EXIT_OK


def command_extract(args: argparse.Namespace) -> int:
    """Print what a saved page or a live URL says about itself."""
    from crawler.checks.image_probe import describe_failure
    from crawler.checks.pages import extract_url
    from crawler.extract import extract
    from crawler.fetch.urls import is_http_url, redact_url

    target: str = args.target
    if is_http_url(target):
        link, page = event_loop.run(extract_url(target, config_from(args)))
        if page is None:
            reason = describe_failure(link, None) or f"not an HTML page ({link.content_type})"
            log.error("%s: %s", redact_url(target), reason)
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


def command_report(args: argparse.Namespace) -> int:
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

    with event_loop.run(load()) as run:
        extension = {"text": None, "junit": ".xml"}.get(args.format, f".{args.format}")
        text = summary_report.render(run) if extension is None else RENDERERS[extension](run)
        failed = summarize(run).failed
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            write_atomic(args.out, text.encode("utf-8"))
        except OSError as exc:
            raise StorageError(f"{args.out}: cannot write the report: {exc.strerror}") from None
    return EXIT_FAILURES if failed else EXIT_OK


__all__ = ["REPORT_FORMATS", "command_extract", "command_probe", "command_report"]
