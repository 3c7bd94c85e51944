"""The bundled example site and articles behind ``crawler demo``, tests and the benchmark.

``example_articles()`` is a folder of article files covering every result class
and file shape; ``serve_example_site()`` serves every URL they name on 127.0.0.1,
failure modes included.  See ``crawler.demo.site``.
"""

from __future__ import annotations

from crawler.demo.site import RunningSite, build_app, example_articles, serve_example_site

__all__ = ["RunningSite", "build_app", "example_articles", "serve_example_site"]
