"""feed-crawler: checks and enriches the URLs named in Markdown article front matter.

The package reads as its pipeline: ``read`` (find files, split front matter) ->
``fetch`` (the HTTP engine) -> ``checks`` (links, images, AMP) -> ``extract`` (page
metadata) -> ``enrich`` (the ``crawl`` block) -> ``write`` (splice, atomic write) ->
``reports``.  ``pipeline`` is the only module that knows that order; ``cli`` parses
the command line and calls it.
"""

from __future__ import annotations

__version__ = "0.1.0"
PRODUCT = "feed-crawler"
