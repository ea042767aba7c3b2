"""Pausing Python's cycle collector around bulk work (imports of sheets and packages)."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """A bulk import makes hundreds of thousands of small objects that hold no cycles (rows,
    parsed changes, tuples) and live until it ends; each pass of the cycle collector walks
    all of them again and frees nothing. Reference counting frees them as usual; the
    collector resumes afterwards. (Measured: checking the 287,227 changes of the sync bench
    took 1.66 s with it, 0.75 s without; a 10,000-row sheet paused 50 ms now and then.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            resume_unwalked()


def resume_unwalked() -> None:
    """Turn the collector back on, first moving every object made while it was off to the
    oldest generation without walking them. Off, the collector still counts what is made:
    its first (youngest-generation) collection afterwards walked everything the paused
    work made and still held, holding the interpreter lock — 64 ms before the commit of
    the sync bench's import, 297–359 ms freezing the window after a page's load at the
    province (bench/README.md, sessions 13–14). The next full collection walks them, as it
    walks everything that lives long."""
    gc.freeze()
    gc.unfreeze()
    gc.enable()
