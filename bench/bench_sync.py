"""Sync throughput: the county imports 30 township packages, against plain executemany of
the same rows. Now a case of the runner (bench/cases.py `sync_import`, goal in goals.py):

    uv run python -m bench --quick --only sync_import --runs 5

This script runs that one case once in this process and prints its sample:

    uv run python bench/bench_sync.py [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, help="the benchmark cache (SHENGUI_BENCH_CACHE)")
    args = parser.parse_args()
    if args.cache:
        os.environ["SHENGUI_BENCH_CACHE"] = str(args.cache)
    from bench import cases

    sample = cases.sync_import("county")
    print(json.dumps(sample), f"ratio {sample['value'] / sample['baseline']:.2f}x (goal 2x)")


if __name__ == "__main__":
    main()
