"""An upgrade killed (SIGKILL) part-way leaves the ledger at the old version or the new one,
never between, and the next opening upgrades it with every record and log entry kept.

Migration 6 rebuilds the whole change log, so it is the one killed here (the child upgrades
to 6 only; later migrations are applied by the next opening). The child kills itself from
SQLite's statement trace at a chosen statement of the upgrade (no sleeps)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shengui_desktop.storage import migrations
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import keys_path_for

from fixtures.make_ledger_v1 import HERE, PASSWORD

CHILD = textwrap.dedent("""
    import os, signal, sys
    from shengui_desktop.storage import files, migrations
    kill_at, seen, commit_at = int(sys.argv[2]), [0], [0]
    original = migrations.migrate

    def traced(conn, key, path, **kw):
        def trace(sql):  # called as each statement starts
            seen[0] += 1
            if sql.strip().upper() == "COMMIT":
                commit_at[0] = seen[0]
            if seen[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        conn.set_trace_callback(trace)  # kept for the rest of the opening, after the upgrade
        return original(conn, key, path, **{**kw, "upto": 6})

    files.migrations.migrate = traced
    files.open_ledger(sys.argv[1], passphrase=sys.argv[3]).close()
    print(commit_at[0], seen[0], flush=True)
""")

TABLES = ("enterprises", "visits", "monthly_figures")


def snapshot(ledger) -> dict:
    out = {t: ledger.conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}
    out["log"] = ledger.conn.execute(
        "SELECT seq, tbl, row_id, op, data, base, hlc, site_id, site_seq FROM change_log"
        " ORDER BY seq").fetchall()
    return out


@pytest.fixture(scope="module")
def v5(tmp_path_factory):
    """The released v1 ledger brought to version 5, with a few hundred log entries more."""
    folder = tmp_path_factory.mktemp("migration-kill")
    path = folder / "v5.sgdb"
    shutil.copy(HERE / "ledger_v1.sgdb", path)
    shutil.copy(keys_path_for(HERE / "ledger_v1.sgdb"), keys_path_for(path))
    with open_ledger(path, passphrase=PASSWORD, migrate=False) as ledger:
        migrations.migrate(ledger.conn, ledger._key, None, upto=5)
        ent = ledger.scalar("SELECT id FROM enterprises")
        with ledger.transaction():
            for i in range(200):
                ledger.insert("visits", {"enterprise_id": ent, "visit_date": "2026-11-20",
                                         "kind": "onsite", "visitors": "张三",
                                         "summary": f"走访{i}"})
        assert migrations.current_version(ledger.conn) == 5
        before = snapshot(ledger)
    return path, before


def run_child(source: Path, target: Path, kill_at: int) -> subprocess.CompletedProcess:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)
    shutil.copy(keys_path_for(source), keys_path_for(target))
    return subprocess.run([sys.executable, "-c", CHILD, str(target), str(kill_at), PASSWORD],
                          capture_output=True, text=True, timeout=120)


def test_an_upgrade_killed_anywhere_is_all_or_nothing(v5, tmp_path):
    source, before = v5
    probe = run_child(source, tmp_path / "probe.sgdb", 10**9)
    assert probe.returncode == 0, probe.stderr
    commit_at, total = map(int, probe.stdout.split())
    assert commit_at > 30  # the release, the script's statements, the view and triggers
    points = sorted({1, 2, 3, commit_at // 4, commit_at // 2, 3 * commit_at // 4,
                     commit_at - 2, commit_at - 1, commit_at, commit_at + 1, total})
    outcomes = {}
    for kill_at in points:
        target = tmp_path / f"k{kill_at}.sgdb"
        done = run_child(source, target, kill_at)
        assert done.returncode == -9, (kill_at, done.stderr)
        with open_ledger(target, passphrase=PASSWORD, migrate=False) as ledger:
            version = migrations.current_version(ledger.conn)
            assert version in (5, 6), kill_at
            assert ledger.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            outcomes[kill_at] = version
        with open_ledger(target, passphrase=PASSWORD) as ledger:
            assert migrations.current_version(ledger.conn) == migrations.latest_version()
            after = snapshot(ledger)
            assert {t: len(after[t]) for t in after} == {t: len(before[t]) for t in before}
            assert after["log"] == before["log"], kill_at
            for t in TABLES:  # the rows, less the new log_seq column (NULL for them all)
                assert [r[:-1] for r in after[t]] == before[t], (kill_at, t)
            assert ledger.verify() == []
    # killed before its COMMIT ran, the upgrade left nothing; after it, all of it
    assert {k for k, v in outcomes.items() if v == 5} == {k for k in points if k <= commit_at}
    assert {k for k, v in outcomes.items() if v == 6} == {k for k in points if k > commit_at}
