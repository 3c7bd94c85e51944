"""Enrichment: turn the checks of an article's URLs into its ``crawl`` block."""
