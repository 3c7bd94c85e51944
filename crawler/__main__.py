"""``python -m crawler`` is the same as the ``crawler`` console script."""

from __future__ import annotations

from crawler.cli import main

raise SystemExit(main())
