"""The benchmark runner: every benchmark at county (and province) scale, several runs each,
medians, ratios against a baseline measured in the same run, each goal met or not.

    uv run python -m bench                 # county and province (the province ledger is
                                           #   generated once, ~4 min, and cached)
    uv run python -m bench --quick         # county only, a few minutes
    uv run python -m bench --before main   # also measure the code of another commit, on the
                                           #   same ledgers, in the same run
    xvfb-run -a uv run python -m bench ... # start_to_unlock on a real X server (else offscreen)

Every sample runs in a process of its own (bench/cases.py). The load average of the machine
is recorded before each sample, and the CPU other programs took while it ran (in cores,
bench/measure.py others_cores: the load average lags a minute behind); results go to
bench/results/<date>.json and the table to stdout. The goals live in bench/goals.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import io
from datetime import datetime
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))

from bench.goals import GOALS  # noqa: E402
from bench.ledgers import DEFAULT_CACHE, build  # noqa: E402
from bench.measure import children_cpu, machine_busy, others_cores  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASES_PY = Path(__file__).resolve().parent / "cases.py"
# cases that are the same at every scale (they do not read the ledger's size)
SCALE_FREE = {"start_to_unlock", "pdf_ledger", "figures_import"}
# too slow at province scale for several runs: one run there
ONCE_AT_PROVINCE = {"window_rss", "window_rss_cold", "demo_generate", "keystroke_filter"}
# county only: at province one run takes a quarter of an hour on the 2-core machine (the
# xlsx export) or a plaintext copy of 2.6 GB (encrypted vs plain); the sync import is of a
# county's 30 townships by its nature; --all-at-province runs them
COUNTY_ONLY = {"xlsx_export", "encrypted_vs_plain", "sync_import"}


def tree_of(ref: str, cache: Path) -> Path:
    """The package of commit `ref`, extracted once (git archive) for measuring the before."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", ref], capture_output=True, text=True,
                         check=True).stdout.strip()
    target = cache / "trees" / sha[:12]
    if not (target / "shengui_desktop").exists():
        data = subprocess.run(["git", "-C", str(ROOT), "archive", sha, "shengui_desktop", "database",
                               "resources"], capture_output=True, check=True).stdout
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(target, filter="data")
    return target


def copy_for(code: str, scale: str, cache: Path) -> Path:
    """The cache folder whose `scale` ledger the code `code` measures: a copy of the cached
    one of its own, made once. Opening a ledger upgrades it to the code's schema, which older
    code refuses to open (LedgerTooNew): the before and the after never share a file. The
    cached ledger itself is only copied (never opened here) once generated."""
    own = cache / "copies" / re.sub(r"[^A-Za-z0-9_.-]+", "-", code)
    if not (own / scale / "done").exists():
        part = own / f"{scale}.part"
        shutil.rmtree(part, ignore_errors=True)
        shutil.rmtree(own / scale, ignore_errors=True)
        shutil.copytree(cache / scale, part, ignore=shutil.ignore_patterns("plain.sqlite", "*-wal", "*-shm"))
        part.rename(own / scale)
    return own


def sample(case: str, scale: str, tree: Path | None, cache: Path | None = None) -> dict:
    env = os.environ.copy()
    if tree is not None:
        env["PYTHONPATH"] = str(tree) + os.pathsep + env.get("PYTHONPATH", "")
    if cache is not None:
        env["SHENGUI_BENCH_CACHE"] = str(cache)
    load = os.getloadavg()[0]
    before = (machine_busy(), children_cpu(), time.perf_counter())
    out = subprocess.run([sys.executable, str(CASES_PY), case, scale], capture_output=True,
                         text=True, env=env, cwd="/tmp")
    others = others_cores(before, (machine_busy(), children_cpu(), time.perf_counter()))
    if out.returncode != 0:
        return {"error": (out.stderr or out.stdout).strip().splitlines()[-1:] or ["failed"], "load": load,
                "others": others}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = load
    result["others"] = others
    return result


def summarise(samples: list[dict]) -> dict:
    good = [s for s in samples if "error" not in s]
    if not good:
        return {"error": samples[0]["error"] if samples else "no run", "runs": len(samples)}
    out = {"runs": len(good), "value": statistics.median(s["value"] for s in good),
           "rss_mb": max(s["rss_mb"] for s in good),
           "load": [round(s["load"], 1) for s in samples],
           # the cores other programs took during each run (None where unknown)
           "others": [None if s.get("others") is None else round(s["others"], 2) for s in samples],
           # each run's own numbers, with the load when it started and what other programs
           # took while it ran (how load moves them)
           "samples": [{k: s.get(k) for k in ("value", "baseline", "load", "others")} for s in good]}
    baselines = [s["baseline"] for s in good if s.get("baseline") is not None]
    if baselines:
        out["baseline"] = statistics.median(baselines)
        out["ratio"] = out["value"] / out["baseline"] if out["baseline"] else None
    extras = {k for s in good for k in s} - {"value", "baseline", "rss_mb", "load", "others"}
    for k in sorted(extras):
        values = [s[k] for s in good if isinstance(s.get(k), (int, float))]
        if values:
            out[k] = statistics.median(values)
    return out


def verdict(case: str, scale: str, result: dict) -> str:
    goal = GOALS[case]
    if "error" in result:
        return "error"
    checks = []
    if goal.ratio is not None and result.get("ratio") is not None and goal.ratio_at in (None, scale):
        checks.append(result["ratio"] <= goal.ratio)
    if goal.seconds is not None and scale == goal.at:
        checks.append(result["value"] <= goal.seconds)
    if goal.mb is not None and scale == goal.at:
        checks.append((result["value"] if case.startswith("window_rss") else result["rss_mb"]) <= goal.mb)
    if not checks:
        return "(report)"
    return "met" if all(checks) else "NOT met"


def fmt(case: str, value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f} MB" if case.startswith("window_rss") else f"{value:.3f} s"


def table(results: list[dict]) -> str:
    lines = ["| benchmark | scale | code | median | baseline | ratio | peak RSS | goal | verdict | load"
             " | others' CPU |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        res = r["result"]
        if "error" in res:
            lines.append(f"| {r['case']} | {r['scale']} | {r['code']} | error: {res['error']} |"
                         " | | | | | | |")
            continue
        ratio = f"{res['ratio']:.2f}×" if res.get("ratio") else "—"
        load = "–".join(f"{x:g}" for x in (min(res["load"]), max(res["load"])))
        lines.append(f"| {r['case']} | {r['scale']} | {r['code']} | {fmt(r['case'], res['value'])} |"
                     f" {fmt(r['case'], res.get('baseline'))} | {ratio} | {res['rss_mb']:,.0f} MB |"
                     f" {GOALS[r['case']].text()} | {r['verdict']} | {load} | {others_text(res)} |")
    return "\n".join(lines)


def others_text(res: dict) -> str:
    """The cores other programs took during the runs, lowest–highest ("?" where unknown)."""
    known = [x for x in res.get("others") or [] if x is not None]
    if not known:
        return "?"
    low, high = min(known), max(known)
    return f"{low:.1f}" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}–{high:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="county scale only")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", help="a commit whose code is measured too (the before)")
    parser.add_argument("--only", nargs="*", choices=sorted(GOALS), help="these benchmarks only")
    parser.add_argument("--scales", nargs="*", choices=["county", "province"],
                        help="these scales only (default: both, --quick: county)")
    parser.add_argument("--all-at-province", action="store_true",
                        help="run the county-only benchmarks at province scale too")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = parser.parse_args(argv)
    os.environ["SHENGUI_BENCH_CACHE"] = str(args.cache)
    scales = args.scales or (["county"] if args.quick else ["county", "province"])
    for scale in scales:
        build(scale, args.cache)
    codes: list[tuple[str, Path | None]] = [("after", None)]
    if args.before:
        codes.insert(0, (f"before ({args.before})", tree_of(args.before, args.cache)))
    results = []
    for case in args.only or list(GOALS):
        for scale in scales:
            if case in SCALE_FREE and scale != scales[0]:
                continue
            if case in COUNTY_ONLY and scale == "province" and not args.all_at_province:
                continue
            runs = 1 if scale == "province" and case in ONCE_AT_PROVINCE else args.runs
            for code, tree in codes:
                own = copy_for(code.split(" ")[0] + (tree.name if tree else ""), scale, args.cache)
                samples = [sample(case, scale, tree, own) for _ in range(runs)]
                res = summarise(samples)
                entry = {"case": case, "scale": scale, "code": code, "result": res}
                entry["verdict"] = verdict(case, scale, res)
                results.append(entry)
                print(table([entry]).splitlines()[-1], flush=True)
    print()
    print(table(results))
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d")
    path = args.out / f"{stamp}-{'-'.join(scales)}.json"
    path.write_text(json.dumps({"when": datetime.now().isoformat(timespec="seconds"),
                                "cpus": os.cpu_count(), "results": results,
                                "goals": {k: vars(g) for k, g in GOALS.items()}},
                               ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nwritten: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
