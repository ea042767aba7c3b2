"""The cycle collector paused around bulk work (gc_pause.collector_paused): what the work
made and keeps goes to the oldest generation when it resumes, without a collection walking
it (#20: 64 ms on the writing thread before the commit of the bench's sync import)."""

from __future__ import annotations

import gc

from shengui_desktop.gc_pause import collector_paused


class Kept:
    """An object the paused work makes and keeps (tracked by the collector)."""


def test_what_the_paused_work_keeps_goes_to_the_oldest_generation_unwalked():
    assert gc.isenabled()
    collections = gc.get_stats()[0]["collections"]
    with collector_paused():
        assert not gc.isenabled()
        kept = [Kept() for _ in range(50_000)]  # far past the youngest generation's threshold
    assert gc.isenabled()
    assert gc.get_stats()[0]["collections"] == collections  # none ran to move them
    assert any(o is kept[0] for o in gc.get_objects(generation=2))
    assert not any(o is kept[-1] for o in gc.get_objects(generation=0))
    assert gc.get_count()[0] < 700  # the next young collection walks only what comes after


def test_a_collector_held_off_before_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
