"""The run's settings as they travel to the workers: the coordinator's Config as JSON.

JSON, never pickle: a worker must not run code from whoever can write to its
Redis.  ``--cacert`` travels as the certificates themselves (the path means
nothing on another machine); the worker writes them to a file of its own.  What
only the coordinator uses (the state store, ``--workers``, the Redis URL) is left
out.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from crawler.config import Config, ConnectTo
from crawler.errors import UsageError
from crawler.request_settings import Header

_COORDINATOR_ONLY = frozenset({"state", "workers", "redis", "cacert"})
_RECORDS: dict[str, Any] = {"connect_to": ConnectTo, "headers": Header}  # lists of small records


def settings_json(config: Config) -> str:
    """The settings the workers apply, as one JSON document."""
    values: dict[str, Any] = {}
    for item in dataclasses.fields(config):
        if item.name in _COORDINATOR_ONLY:
            continue
        value = getattr(config, item.name)
        if item.name in _RECORDS:
            value = [dataclasses.asdict(rule) for rule in value]
        elif isinstance(value, tuple):
            value = list(value)
        values[item.name] = value
    cacert = None if config.cacert is None else config.cacert.read_text("utf-8")
    return json.dumps({"config": values, "cacert": cacert})


def config_from_settings(text: str, cacert_dir: Path) -> Config:
    """The worker's Config from the run's settings; a CA bundle is written under ``cacert_dir``."""
    try:
        data = json.loads(text)
        values: dict[str, Any] = dict(data["config"])
        known = {item.name for item in dataclasses.fields(Config)} - _COORDINATOR_ONLY
        values = {key: value for key, value in values.items() if key in known}
        for name, value in values.items():
            if name in _RECORDS:
                values[name] = tuple(_RECORDS[name](**item) for item in value)
            elif isinstance(value, list):
                values[name] = tuple(value)
        cacert = data.get("cacert")
        if cacert is not None:
            path = cacert_dir / "cacert.pem"
            path.write_text(str(cacert), "utf-8")
            values["cacert"] = path
        return Config(**values, state=None, workers=1)
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"the run's settings in Redis are not usable: {exc}") from None


__all__ = ["config_from_settings", "settings_json"]
