"""The benchmark runner (bench/, issue #20): its verdicts from the goals, and (marked slow,
`pytest -m slow`) one quick run end to end on a generated county."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))

from bench import run  # noqa: E402
from bench.goals import GOALS  # noqa: E402


def test_medians_ratios_and_verdicts():
    samples = [{"value": 3.0, "baseline": 1.0, "rss_mb": 100, "load": 1.0},
               {"value": 1.0, "baseline": 1.0, "rss_mb": 300, "load": 2.0},
               {"value": 2.0, "baseline": 1.0, "rss_mb": 200, "load": 3.0}]
    res = run.summarise(samples)
    assert (res["value"], res["baseline"], res["ratio"], res["rss_mb"], res["load"]) == (2.0, 1.0, 2.0, 300, [1.0, 2.0, 3.0])
    # policy columns: ≤ 3× everywhere, ≤ 2 s only at province scale
    assert run.verdict("policy_columns", "county", res) == "met"
    assert run.verdict("policy_columns", "province", {**res, "value": 2.5, "ratio": 2.5}) == "NOT met"
    assert run.verdict("policy_columns", "province", {**res, "value": 1.5, "ratio": 3.5}) == "NOT met"
    assert run.verdict("incremental_package", "county", res) == "(report)"
    assert run.verdict("window_rss", "province", {"value": 399.0, "rss_mb": 900}) == "met"
    assert run.verdict("window_rss", "province", {"value": 401.0, "rss_mb": 401}) == "NOT met"
    assert run.summarise([{"error": ["boom"], "load": 1.0}])["error"] == ["boom"]
    text = run.table([{"case": "policy_columns", "scale": "county", "code": "after", "result": res,
                       "verdict": "met"}])
    assert "| policy_columns | county | after | 2.000 s | 1.000 s | 2.00× |" in text
    assert GOALS["policy_columns"].text() in text
    assert text.splitlines()[-1].endswith("| 1–3 | ? |")  # load average; others' CPU unknown
    quiet_then_busy = run.summarise([{**s, "others": o} for s, o in zip(samples, (0.02, None, 1.04))])
    assert quiet_then_busy["others"] == [0.02, None, 1.04]
    assert [s["others"] for s in quiet_then_busy["samples"]] == [0.02, None, 1.04]
    assert run.others_text(quiet_then_busy) == "0.0–1.0"
    assert run.others_text({"others": [0.01, 0.04]}) == "0.0"


def test_the_cpu_other_programs_took_during_a_sample(tmp_path):
    """others_cores: the machine's busy time less the sample's own, over the wall time; from
    the first line of /proc/stat (user nice system idle iowait irq softirq steal …)."""
    from bench.measure import machine_busy, others_cores

    hz = os.sysconf("SC_CLK_TCK")
    stat = tmp_path / "stat"
    stat.write_text(f"cpu  {3 * hz} 0 {hz} {50 * hz} {2 * hz} 0 0 0 0 0\ncpu0 1 2 3\n")
    assert machine_busy(stat) == 4.0  # idle and iowait left out
    stat.write_text("intr 1 2 3\n")
    assert machine_busy(stat) is None
    assert machine_busy(tmp_path / "missing") is None
    # 10 s of wall: the machine busy 14 s, 4 of them the sample's own -> another program's core
    assert others_cores((100.0, 1.0, 0.0), (114.0, 5.0, 10.0)) == 1.0
    assert others_cores((100.0, 1.0, 0.0), (104.0, 5.0, 10.0)) == 0.0  # all the sample's own
    assert others_cores((None, 1.0, 0.0), (104.0, 5.0, 10.0)) is None


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="Linux: /proc/stat")
def test_the_machine_counter_and_the_sample_counter_agree(tmp_path):
    """The real counters, in the same unit: a child spinning 0.3 s of CPU is counted as the
    sample's own (children_cpu), and the machine's busy time grows by at least as much (it
    grows by more while other programs run too: the suite's other workers)."""
    from bench.measure import children_cpu, machine_busy, others_cores

    spin = [sys.executable, "-c", "import time\nend = time.process_time() + 0.3\n"
            "while time.process_time() < end: pass"]
    before = (machine_busy(), children_cpu(), time.perf_counter())
    subprocess.run(spin, check=True)
    after = (machine_busy(), children_cpu(), time.perf_counter())
    own, busy = after[1] - before[1], after[0] - before[0]
    assert own >= 0.3
    assert busy >= own - 0.05  # /proc/stat counts in ticks of 1/SC_CLK_TCK s
    others = others_cores(before, after)
    assert others is not None and abs(others - max(0.0, busy - own) / (after[2] - before[2])) < 1e-9


@pytest.mark.slow
def test_quick_run_end_to_end(tmp_path, request):
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("a benchmark run of a few minutes: pytest -m slow")
    out = subprocess.run([sys.executable, "-m", "bench", "--quick", "--runs", "1", "--cache", str(tmp_path / "cache"),
                          "--out", str(tmp_path / "results"), "--only", "policy_columns", "annual_totals",
                          "incremental_package", "start_to_unlock", "encrypted_vs_plain"],
                         cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stderr
    (result,) = (tmp_path / "results").iterdir()
    data = json.loads(result.read_text(encoding="utf-8"))
    assert {r["case"] for r in data["results"]} == {"policy_columns", "annual_totals", "incremental_package",
                                                   "start_to_unlock", "encrypted_vs_plain"}
    assert all("error" not in r["result"] and r["verdict"] in ("met", "NOT met", "(report)")
               for r in data["results"])


def test_each_code_version_measures_its_own_copy_of_the_cached_ledger(tmp_path):
    """Opening a ledger upgrades it to the code's schema (which older code refuses to open):
    the before and the after get a copy each, made once, and the cached ledger stays as built."""
    cached = tmp_path / "county"
    cached.mkdir()
    (cached / "ledger.sgdb").write_bytes(b"ledger")
    (cached / "done").write_text("done")
    (cached / "plain.sqlite").write_bytes(b"plain copy")  # made by a case: not copied
    after = run.copy_for("after", "county", tmp_path)
    before = run.copy_for("before (main)", "county", tmp_path)
    assert after != before and after.parent == before.parent == tmp_path / "copies"
    for own in (after, before):
        assert (own / "county" / "ledger.sgdb").read_bytes() == b"ledger"
        assert not (own / "county" / "plain.sqlite").exists()
    (after / "county" / "ledger.sgdb").write_bytes(b"upgraded by the after")
    assert run.copy_for("after", "county", tmp_path) == after  # made once
    assert (after / "county" / "ledger.sgdb").read_bytes() == b"upgraded by the after"
    assert (cached / "ledger.sgdb").read_bytes() == b"ledger"
    assert run.verdict("sync_import", "county", {"value": 3.0, "baseline": 1.6, "ratio": 1.875,
                                                 "rss_mb": 1}) == "met"
    assert run.verdict("figures_import", "county", {"value": 3.3, "baseline": 1.0, "ratio": 3.3,
                                                    "rss_mb": 1}) == "NOT met"
