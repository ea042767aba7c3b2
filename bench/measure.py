"""What every case measures with: time (wall and CPU) and this process's memory."""

from __future__ import annotations

import os
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


def machine_busy(stat: Path = Path("/proc/stat")) -> float | None:
    """CPU seconds the whole machine has been busy (every core, every process) since boot,
    from the first line of /proc/stat: all but idle and iowait. None where there is none."""
    try:
        fields = stat.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(x) for x in fields[1:9]]  # user nice system idle iowait irq softirq steal
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    """CPU seconds of this process's finished children (a sample's process and its own)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def others_cores(before: tuple, after: tuple) -> float | None:
    """How many cores other programs kept busy, on average, while a sample ran: the
    machine's busy time less the sample's own CPU, over the wall time. `before` and `after`
    are (machine_busy(), children_cpu(), time.perf_counter()). The load average the runner
    also records lags a minute behind: with a second program taking a whole core from the
    start of a run, its first sample's load average read 0.35."""
    (busy0, own0, t0), (busy1, own1, t1) = before, after
    if busy0 is None or busy1 is None or t1 <= t0:
        return None
    return max(0.0, ((busy1 - busy0) - (own1 - own0)) / (t1 - t0))
