"""Removing what an interrupted write of ours left behind: hidden ``.NAME.HEX.tmp`` files.

A crawl killed between creating a temporary file and renaming it over its article
leaves the temporary file in the user's folder.  The next crawl of that folder
removes such files, and only those: a name of exactly our pattern whose NAME is a
file beside it that this crawl reads.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from crawler.read.discover import Found, Source
from crawler.write.atomic import is_leftover_temporary

log = logging.getLogger("crawler")


def remove_leftovers(found: Iterable[Found]) -> Iterator[Found]:
    """Pass ``found`` through, deleting our leftover temporary files beside each article."""
    listed: dict[Path, list[str]] = {}
    for item in found:
        if isinstance(item, Source):
            folder = item.real.parent
            if folder not in listed:
                try:
                    listed[folder] = [name for name in os.listdir(folder) if name.endswith(".tmp")]
                except OSError:
                    listed[folder] = []
            for name in listed[folder]:
                if is_leftover_temporary(name, {item.real.name}):
                    with contextlib.suppress(FileNotFoundError):
                        (folder / name).unlink()
                        log.info("%s: removed, left by an interrupted crawl", folder / name)
        yield item


__all__ = ["remove_leftovers"]
