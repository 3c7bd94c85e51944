"""Write-stage micro-benchmark: CPU ms per file to render, splice and check crawl blocks.

    python bench/write_stage.py FOLDER [--rounds R]

FOLDER holds files a crawl enriched (for instance the ``crawler-out`` folder that
``bench/race.py --keep DIR`` leaves).  Each file's own ``crawl`` block is put back
into it twice: into the file without its block (a first crawl) and into the file
as it is (a re-crawl, an old block to find and cut).  Both must give the file's
bytes again.  It prints the best of R rounds (default 5) of process CPU time per
file for: parsing the front matter, rendering the block, the whole splice of a
first crawl and of a re-crawl.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from crawler.read.frontmatter import FrontMatter, parse_front_matter
from crawler.write.splice import render_crawl_block, with_crawl_block, without_crawl_block


def best_ms_per_file(work: Callable[[], None], count: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best * 1000 / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    paths = sorted(path for path in args.folder.rglob("*.md") if path.is_file())
    raws = [path.read_bytes() for path in paths]
    enriched = [parse_front_matter(raw, path) for raw, path in zip(raws, paths, strict=True)]
    cases = [
        (front, path, raw)
        for front, path, raw in zip(enriched, paths, raws, strict=True)
        if isinstance(front.data.get("crawl"), dict)
    ]
    if not cases:
        print(f"write_stage: no file under {args.folder} has a crawl block", file=sys.stderr)
        return 1
    bare: list[FrontMatter] = [
        parse_front_matter(without_crawl_block(front).encode(), path) for front, path, _ in cases
    ]

    def parse() -> None:
        for _, path, raw in cases:
            parse_front_matter(raw, path)

    def render() -> None:
        for front, _, _ in cases:
            render_crawl_block(front.data["crawl"], front.newline)

    def first_crawl() -> None:
        for (front, path, raw), without in zip(cases, bare, strict=True):
            assert with_crawl_block(without, front.data["crawl"], path) == raw, path

    def re_crawl() -> None:
        for front, path, raw in cases:
            assert with_crawl_block(front, front.data["crawl"], path) == raw, path

    print(f"{len(cases)} files with a crawl block, best of {args.rounds} rounds, CPU ms per file:")
    for name, work in [
        ("parse", parse),
        ("render", render),
        ("splice, first crawl", first_crawl),
        ("splice, re-crawl", re_crawl),
    ]:
        print(f"  {name:<20} {best_ms_per_file(work, len(cases), args.rounds):6.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
