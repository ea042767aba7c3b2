"""What every case measures with: time (wall and CPU) and this process's memory."""

from __future__ import annotations

import resource
import time
from pathlib import Path


def peak_mb() -> float:
    """This process's peak resident memory. From VmHWM: Linux's ru_maxrss survives exec, so
    a case started by a runner that had just generated the province ledger (789 MB) reported
    that as its own peak; VmHWM is the peak of this program's memory only."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cpu_timed(fn) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds): on the shared machine the wall time of a
    CPU-bound job moves with the load (a baseline measured a minute later took 70 % of the
    time, #20), its CPU time much less, so CPU-bound cases report both."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu
