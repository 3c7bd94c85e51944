"""The command line's options: how each is parsed, and the Config they build.

Every command that makes requests shares the network options; ``crawl``,
``refresh`` and ``schedule`` share the crawl options.  :func:`config_from` is the
one way a Config is built from a command line: the config file, then each flag.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from crawler import config as config_module
from crawler.config import Config, ConnectTo
from crawler.errors import UsageError
from crawler.fetch.tls import ssl_context
from crawler.request_settings import Header, from_environment, parse_accept
from crawler.schedule import parse_duration


def _positive_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def _header(text: str) -> Header:
    try:
        return Header.parse(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _connect_to(text: str) -> ConnectTo:
    try:
        return ConnectTo.parse(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more detail (-vv: every URL's outcome)"
    )


def add_crawl_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--out", type=Path, metavar="DIR", help="write enriched copies under DIR")
    add("--dry-run", action="store_true", help="write nothing; print a unified diff")
    add(
        "--report",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="write a report; format from the extension: .json .csv .md .html .xml "
        "(repeatable); - writes it to stdout, in the --format given",
    )
    add(
        "--format",
        choices=("json", "csv", "md", "html", "junit"),
        help="the format of --report - (stdout)",
    )
    add(
        "--no-progress",
        action="store_true",
        help="no progress bar (the summary is still printed; -q drops both)",
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
    add(
        "--workers",
        type=int,
        metavar="N",
        help="check URLs in N processes (default: one per CPU for runs of 200+ files, else 1)",
    )
    add(
        "--redis",
        metavar="URL",
        help="coordinate a fleet: share the checks with `crawler worker`s over Redis",
    )
    add("--state", type=Path, metavar="FILE", help="the state store (default: .crawler-state.db)")
    add("--no-state", action="store_true", help="remember nothing between runs")
    add(
        "--stale-after",
        type=duration("--stale-after"),
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
        type=duration("--max-duration"),
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
    add(
        "--extensions",
        type=_name_list,
        metavar="LIST",
        help="file name endings searched for in folders, comma-separated "
        "(default: md,markdown,txt)",
    )
    add_network_options(parser)


def duration(option: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return parse_duration(text, what=option).total_seconds()
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _name_list(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def add_network_options(parser: argparse.ArgumentParser) -> None:
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
    add(
        "--include",
        action="append",
        metavar="REGEX",
        help="check only URLs matching REGEX, even if an --exclude matches (repeatable)",
    )
    add(
        "--accept",
        action="append",
        metavar="CODES",
        help="status codes counted as ok, e.g. 429 or 200..=299,403 (repeatable)",
    )
    add(
        "-H",
        "--header",
        type=_header,
        action="append",
        dest="headers",
        metavar="'NAME: VALUE'",
        help="send this header with every request; 'NAME:' removes one (curl's -H)",
    )
    add("--seed", type=int, metavar="N", help="seed the retry jitter, for reproducible runs")
    add(
        "-x",
        "--proxy",
        metavar="[PROTOCOL://]HOST[:PORT]",
        help="send every request through this HTTP(S) proxy ('' for none; curl's -x)",
    )
    add(
        "--noproxy",
        type=_name_list,
        metavar="LIST",
        help="hosts reached without the proxy, comma-separated; * for all (curl's --noproxy)",
    )


def _with_environment_proxies(config: Config, environ: Mapping[str, str]) -> Config:
    """The environment's proxies for what neither the config file nor a flag set (curl's way)."""
    http, https, no_proxy = from_environment(environ)
    return config.with_overrides(
        {
            "http_proxy": http if config.http_proxy is None else None,
            "https_proxy": https if config.https_proxy is None else None,
            "no_proxy": no_proxy if config.no_proxy is None else None,
        }
    )


def config_from(args: argparse.Namespace) -> Config:
    base = config_module.load(args.config)
    overrides: dict[str, Any] = {
        name: getattr(args, name, None)
        for name in (
            "cacert",
            "allow_private",
            "concurrency",
            "workers",
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
            "redis",
        )
    }
    # Repeatable options add to the config file's lists rather than replace them.
    if args.connect_to:
        overrides["connect_to"] = base.connect_to + tuple(args.connect_to)
    if args.exclude:
        overrides["exclude"] = base.exclude + tuple(args.exclude)
    if args.include:
        overrides["include"] = base.include + tuple(args.include)
    if args.accept:
        overrides["accept"] = tuple(sorted({*base.accept, *parse_accept(args.accept)}))
    if args.headers:
        overrides["headers"] = base.headers + tuple(args.headers)
    if getattr(args, "extensions", None) is not None:
        overrides["extensions"] = config_module.extension_list(args.extensions)
    if getattr(args, "proxy", None) is not None:
        overrides["http_proxy"] = overrides["https_proxy"] = args.proxy
    if getattr(args, "noproxy", None) is not None:
        overrides["no_proxy"] = args.noproxy
    config = _with_environment_proxies(base.with_overrides(overrides), os.environ)
    ssl_context(config.cacert)  # a file without a PEM certificate fails here, before any work
    return config.with_state(None) if getattr(args, "no_state", False) else config


__all__ = [
    "add_crawl_options",
    "add_network_options",
    "add_output_options",
    "config_from",
    "duration",
]
