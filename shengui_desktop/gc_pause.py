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
            gc.enable()
