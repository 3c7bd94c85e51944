"""The TLS trust a run uses: the system's CAs, or those of ``--cacert FILE``.

Loaded once before any work, so that a file that holds no PEM certificate is a
usage error naming it, not a traceback from the middle of a crawl.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from crawler.errors import UsageError


def ssl_context(cacert: Path | None) -> ssl.SSLContext | bool:
    """True (the system's trust store) or a context that trusts the CAs in ``cacert``."""
    if cacert is None:
        return True
    try:
        return ssl.create_default_context(cafile=str(cacert))
    except ssl.SSLError as exc:
        reason = exc.reason or exc.strerror or str(exc)
        raise UsageError(f"--cacert {cacert}: no PEM CA certificate in it ({reason})") from None
    except OSError as exc:
        raise UsageError(f"--cacert {cacert}: cannot read: {exc.strerror}") from None


__all__ = ["ssl_context"]
