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
from collections.abc import Iterable
from pathlib import Path

from crawler.read.discover import Found, Source
from crawler.write.atomic import is_leftover_temporary

log = logging.getLogger("crawler")


def remove_leftovers(found: Iterable[Found]) -> int:
    """Delete our leftover temporary files beside the crawled articles; how many went."""
    folders: dict[Path, set[str]] = {}
    for item in found:
        if isinstance(item, Source):
            folders.setdefault(item.real.parent, set()).add(item.real.name)
    removed = 0
    for folder, names in folders.items():
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for name in entries:
            if is_leftover_temporary(name, names):
                with contextlib.suppress(FileNotFoundError):
                    (folder / name).unlink()
                    removed += 1
                    log.info("%s: removed, left by an interrupted crawl", folder / name)
    return removed


__all__ = ["remove_leftovers"]
