"""The loop every command runs on: the collector's settings while it runs, and after."""

from __future__ import annotations

import gc

import pytest

from crawler.run import loop


def test_a_run_collects_less_often_and_leaves_the_collector_as_it_found_it() -> None:
    before = gc.get_threshold()
    seen: list[tuple[tuple[int, int, int], int]] = []

    async def main() -> str:
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        return "done"

    assert loop.run(main()) == "done"
    threshold, frozen = seen[0]
    assert threshold[0] >= loop.GC_THRESHOLD
    assert threshold[1:] == before[1:]
    assert frozen > 0  # what was allocated before the run is left out of its collections
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_run_that_raises_still_restores_the_collector() -> None:
    before = gc.get_threshold()

    async def main() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        loop.run(main())
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
