"""The one way the crawler logs: one line per message on stderr, ``crawler: LEVEL: ...``.

The CLI and every worker process set up the ``crawler`` logger through
:func:`configure`, so a message reads the same whichever process wrote it.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger("crawler")


class OneLine(logging.Formatter):
    """``crawler: error: articles/x.md: ...``, whitespace runs folded into one line."""

    def format(self, record: logging.LogRecord) -> str:
        message = " ".join(record.getMessage().split())
        return f"crawler: {record.levelname.lower()}: {message}"


def configure(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine())
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(level)


__all__ = ["OneLine", "configure"]
