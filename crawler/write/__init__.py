"""Writing, the last stage: the ``crawl`` block into the file, nothing else disturbed.

``splice`` computes the new bytes by text surgery on the front matter and parses
the result again before trusting it; ``atomic`` stores them with one rename, or
renders them as a diff for ``--dry-run``.
"""
