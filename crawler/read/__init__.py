"""Reading, the first stage: which files to crawl and what their front matter says.

``discover`` turns the PATH arguments into :class:`~crawler.read.discover.Source`
values; ``frontmatter`` splits one file into YAML and body and parses the YAML
(never changing a byte); ``article`` names the URL fields of the parsed data.
"""
