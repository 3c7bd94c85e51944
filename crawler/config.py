"""The one configuration model: defaults, then a config file, then CLI flags.

A :class:`Config` is a frozen value passed down explicitly to every stage.  It is
loaded from ``--config FILE`` (TOML, keys at the top level or under ``[crawler]``)
or, when no file is named, from ``[tool.crawler]`` in ``./pyproject.toml``; CLI
flags override single fields with :func:`dataclasses.replace`.  Every value
validates itself and fails fast with a :class:`crawler.errors.UsageError`.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler import defaults
from crawler.errors import UsageError
from crawler.request_settings import Header, parse_accept, parse_proxy
from crawler.schedule import parse_duration


@dataclass(frozen=True, slots=True)
class ConnectTo:
    """curl's ``--connect-to HOST:PORT:TARGET_HOST:TARGET_PORT``.

    Requests for HOST:PORT open their connection to TARGET_HOST:TARGET_PORT; the
    Host header and the TLS server name stay those of the URL.  An empty HOST or
    PORT matches any; an empty TARGET_HOST or TARGET_PORT keeps the original.
    """

    host: str
    port: int | None
    target_host: str
    target_port: int | None

    @classmethod
    def parse(cls, spec: str) -> ConnectTo:
        match = re.fullmatch(
            r"(\[[^\]]*\]|[^:\[\]]*):([0-9]*):(\[[^\]]*\]|[^:\[\]]*):([0-9]*)", spec.strip()
        )
        if match is None:
            raise UsageError(f"--connect-to {spec!r}: expected HOST:PORT:TARGET_HOST:TARGET_PORT")
        host, port, target_host, target_port = match.groups()
        return cls(
            host=host.strip("[]").lower(),
            port=_port(port, spec),
            target_host=target_host.strip("[]"),
            target_port=_port(target_port, spec),
        )

    def matches(self, host: str, port: int) -> bool:
        return (not self.host or self.host == host.lower()) and (
            self.port is None or self.port == port
        )


def _port(text: str, spec: str) -> int | None:
    if not text:
        return None
    value = int(text)
    if not 0 < value < 65536:
        raise UsageError(f"--connect-to {spec!r}: port {value} is out of range")
    return value


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a crawl can be told.  See crawler.defaults for units."""

    concurrency: int = defaults.CONCURRENCY
    workers: int | None = defaults.WORKERS  # None: one per CPU for runs big enough
    per_host: int = defaults.PER_HOST
    min_interval: float = defaults.MIN_INTERVAL
    timeout: float = defaults.TIMEOUT
    connect_timeout: float = defaults.CONNECT_TIMEOUT
    retries: int = defaults.RETRIES
    backoff_base: float = defaults.BACKOFF_BASE
    backoff_cap: float = defaults.BACKOFF_CAP
    jitter: float = defaults.JITTER
    retry_after_cap: float = defaults.RETRY_AFTER_CAP
    max_redirects: int = defaults.MAX_REDIRECTS
    max_body_bytes: int = defaults.MAX_BODY_BYTES
    max_decoded_bytes: int = defaults.MAX_DECODED_BYTES
    max_file_bytes: int = defaults.MAX_FILE_BYTES
    max_front_matter_bytes: int = defaults.MAX_FRONT_MATTER_BYTES
    robots: bool = defaults.ROBOTS
    crawl_delay_cap: float = defaults.CRAWL_DELAY_CAP
    allow_private: bool = defaults.ALLOW_PRIVATE
    user_agent: str = defaults.USER_AGENT
    connect_to: tuple[ConnectTo, ...] = ()
    cacert: Path | None = None
    exclude: tuple[str, ...] = ()  # regular expressions; matching URLs are skipped
    seed: int | None = None  # seeds the retry jitter, for reproducible runs
    refresh: bool = defaults.REFRESH
    refresh_fields: tuple[str, ...] = defaults.REFRESH_FIELDS
    soft404_probe: bool = defaults.SOFT404_PROBE
    state: Path | None = defaults.STATE  # None: remember nothing between runs
    stale_after: float | None = None  # seconds: URLs and files checked more recently are skipped
    only_failed: bool = False  # request only the URLs whose last check failed
    max_urls: int | None = None  # URLs requested at most, stalest first
    max_duration: float | None = None  # seconds after which no further URL is started
    extensions: tuple[str, ...] = defaults.EXTENSIONS  # file name endings searched in folders
    accept: tuple[int, ...] = ()  # status codes counted as ok, besides 2xx and 304
    include: tuple[str, ...] = ()  # regular expressions; when any, only matching URLs are checked
    headers: tuple[Header, ...] = ()  # -H: request headers added, replaced or removed
    http_proxy: str | None = None  # proxy for http:// URLs ("" none, environment ignored)
    https_proxy: str | None = None  # proxy for https:// URLs ("" none, environment ignored)
    no_proxy: tuple[str, ...] | None = None  # hosts reached directly (None: as the environment)
    redis: str | None = defaults.REDIS  # redis://HOST:PORT/DB: share the checks over Redis
    redis_lease: float = defaults.REDIS_LEASE  # seconds a worker holds a check unrenewed

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise UsageError(f"{item.name.replace('_', '-')} must be a finite number")
        if self.workers is not None and self.workers < 1:
            raise UsageError("workers must be at least 1")
        for name in ("concurrency", "per_host"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name.replace('_', '-')} must be at least 1")
        for name in ("stale_after", "max_duration", "max_urls"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise UsageError(f"{name.replace('_', '-')} must not be negative")
        for name in ("retries", "max_redirects"):
            if getattr(self, name) < 0:
                raise UsageError(f"{name.replace('_', '-')} must not be negative")
        for name in (
            "timeout",
            "connect_timeout",
            "max_body_bytes",
            "max_decoded_bytes",
            "max_file_bytes",
            "max_front_matter_bytes",
        ):
            if getattr(self, name) <= 0:
                raise UsageError(f"{name.replace('_', '-')} must be positive")
        for name in (
            "min_interval",
            "backoff_base",
            "backoff_cap",
            "jitter",
            "retry_after_cap",
            "crawl_delay_cap",
        ):
            if getattr(self, name) < 0:
                raise UsageError(f"{name.replace('_', '-')} must not be negative")
        for name in ("exclude", "include"):
            for pattern in getattr(self, name):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise UsageError(f"{name} pattern {pattern!r}: {exc}") from None
        for name in ("http_proxy", "https_proxy"):
            spec = getattr(self, name)
            if spec:
                parse_proxy(spec)
        if not self.extensions:
            raise UsageError("extensions: name at least one, e.g. md,txt")
        for ending in self.extensions:
            if not ending.startswith(".") or len(ending) < 2 or "/" in ending:
                raise UsageError(f"extensions: {ending!r} is not a file name ending like .md")
        unknown = sorted(set(self.refresh_fields) - defaults.REFRESHABLE)
        if unknown:
            known = ", ".join(sorted(defaults.REFRESHABLE))
            raise UsageError(f"refresh-fields: unknown {', '.join(unknown)} (known: {known})")
        if self.redis_lease <= 0:
            raise UsageError("redis-lease must be positive")
        if self.cacert is not None and not self.cacert.is_file():
            raise UsageError(f"--cacert {self.cacert}: no such file")

    def with_state(self, state: Path | None) -> Config:
        """The same Config with another state store (None: none at all)."""
        return dataclasses.replace(self, state=state)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Config:
        """A new Config with the given fields replaced (None values are ignored)."""
        return dataclasses.replace(
            self, **{key: value for key, value in overrides.items() if value is not None}
        )


_FIELDS = {f.name: f for f in dataclasses.fields(Config)}
_ALIASES = {"noproxy": "no_proxy"}  # curl's spelling of the option


def from_mapping(values: Mapping[str, Any], source: str) -> Config:
    """Build a Config from a TOML table; ``source`` names it in error messages."""
    overrides: dict[str, Any] = {}
    try:
        for raw_key, value in values.items():
            key = _ALIASES.get(raw_key.replace("-", "_"), raw_key.replace("-", "_"))
            if key == "proxy":  # curl's --proxy: one proxy for both schemes
                overrides["http_proxy"] = overrides["https_proxy"] = _coerce("http_proxy", value)
                continue
            if key not in _FIELDS:
                raise UsageError(f"unknown setting {raw_key!r}")
            overrides[key] = _coerce(key, value)
        return Config().with_overrides(overrides)
    except UsageError as exc:
        raise UsageError(f"{source}: {exc}") from None


def _coerce(key: str, value: Any) -> Any:
    default = getattr(Config(), key)
    if key == "connect_to":
        return tuple(ConnectTo.parse(str(item)) for item in _as_list(value, key))
    if key == "accept":
        return parse_accept([value] if isinstance(value, int) else _as_list(value, key))
    if key == "headers":
        return tuple(Header.parse(str(item)) for item in _as_list(value, key))
    if key in ("http_proxy", "https_proxy"):
        if not isinstance(value, str):
            raise UsageError(f"{key.replace('_', '-')} must be a string, not {value!r}")
        return value
    if key in ("exclude", "include", "refresh_fields", "no_proxy"):
        return tuple(str(item) for item in _as_list(value, key))
    if key == "extensions":
        return extension_list(_as_list(value, key))
    if key == "redis":
        return str(value)
    if key in ("cacert", "state"):
        return Path(str(value))
    if key in ("stale_after", "max_duration"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)  # seconds
        return parse_duration(str(value), what=key.replace("_", "-")).total_seconds()
    expected: type = type(default) if default is not None else int
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise UsageError(f"{key} must be {expected.__name__}, not {value!r}")
    return value


def extension_list(names: Sequence[Any]) -> tuple[str, ...]:
    """File name endings as given (``md``, ``.md``, ``*.md``), each with its leading dot."""
    endings = (str(name).strip().removeprefix("*") for name in names)
    return tuple(ending if ending.startswith(".") else f".{ending}" for ending in endings if ending)


def _as_list(value: Any, key: str) -> list[Any]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise UsageError(f"{key} must be a list")
    return value


def load(path: Path | None) -> Config:
    """The Config from ``path``, or from ./pyproject.toml's [tool.crawler], or defaults."""
    if path is None:
        pyproject = Path("pyproject.toml")
        if not pyproject.is_file():
            return Config()
        table = _read_toml(pyproject).get("tool", {}).get("crawler")
        return from_mapping(table, f"{pyproject} [tool.crawler]") if table else Config()
    document = _read_toml(path)
    table = document.get("crawler", document)
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [crawler] must be a table")
    if table is not document and len(document) > 1:
        outside = ", ".join(sorted(key for key in document if key != "crawler"))
        raise UsageError(f"{path}: settings outside [crawler]: {outside}")
    return from_mapping(table, str(path))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read config: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        # TOML is UTF-8 (toml.io, "Spec"); a Latin-1 file is the usual culprit.
        raise UsageError(
            f"{path}: not UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "save the config file as UTF-8"
        ) from None


__all__ = ["Config", "ConnectTo", "extension_list", "from_mapping", "load"]
