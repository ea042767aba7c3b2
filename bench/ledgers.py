"""Generated ledgers for the benchmarks, built once and cached.

    uv run python -m bench.ledgers county|province [--cache DIR]

county: 30 townships, 6,000 enterprises, 36 months of figures (216,000 monthly rows),
    ≈60,000 visits and ≈12,000 issues.
province: 100,000 enterprises in 300 townships, 36 months (3.6M monthly rows), ≈1,000,000
    visits and ≈200,000 issues (the demo's ≈10 visits an enterprise, a fifth raising an issue).
Both are made with `services.ledger.demo.generate` (the same path as `shengui demo`), as of a
fixed date, so every run measures the same ledger. The cache folder holds the ledger file, its
key file and a marker written only when generation finished.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

PASSWORD = "bench-pass-1"
AS_OF = date(2026, 11, 23)
SCALES = {
    "county": {"enterprises": 6000, "townships": 30},
    "province": {"enterprises": 100_000, "townships": 300},
}
PROFILE = "hunan"
DEFAULT_CACHE = Path(os.environ.get("SHENGUI_BENCH_CACHE", "/tmp/shengui-bench"))


def ledger_path(scale: str, cache: Path = DEFAULT_CACHE) -> Path:
    return cache / scale / "ledger.sgdb"


def build(scale: str, cache: Path = DEFAULT_CACHE, *, verbose: bool = True) -> Path:
    """The cached ledger of this scale, generated first if it is not there yet."""
    from shengui_desktop.services.ledger.demo import generate
    from shengui_desktop.services.office.setup import init_office

    path = ledger_path(scale, cache)
    done = path.parent / "done"
    if done.exists():
        _choose_profile(path)
        return path
    if path.parent.exists():
        shutil.rmtree(path.parent)
    path.parent.mkdir(parents=True)
    ledger, _ = init_office(path, role="county", name="测试县", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    t0 = time.perf_counter()

    def progress(stage: str, n: int, total: int) -> None:
        if verbose and (n == total or n % max(1, total // 10) == 0):
            print(f"  [{scale}] {stage} {n}/{total}  {time.perf_counter() - t0:.0f} s", flush=True)

    counts = generate(ledger, as_of=AS_OF, seed=1, progress=progress, **SCALES[scale])
    ledger.close()
    done.write_text(repr(counts), encoding="utf-8")
    if verbose:
        print(f"[{scale}] generated in {time.perf_counter() - t0:.0f} s: {counts}", flush=True)
    _choose_profile(path)
    return path


def _choose_profile(path: Path) -> None:
    """The province's rules (湖南) active, so the policy columns do their full work: the
    flags, the projection, the revenue-jump details."""
    from shengui_desktop.services.policy import choose_profile
    from shengui_desktop.storage.files import open_ledger

    marker = path.parent / "profile"
    if marker.exists():
        return
    ledger = open_ledger(path, passphrase=PASSWORD, user="admin")
    try:
        choose_profile(ledger, PROFILE)
    finally:
        ledger.close()
    marker.write_text(PROFILE, encoding="utf-8")


def open_cached(scale: str, cache: Path = DEFAULT_CACHE):
    from shengui_desktop.storage.files import open_ledger

    return open_ledger(build(scale, cache), passphrase=PASSWORD, user="admin")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("scale", choices=sorted(SCALES))
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    print(build(args.scale, args.cache))
