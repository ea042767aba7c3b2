"""Migration 15 gives every change-log entry its owner (storage/owners.py): killed (SIGKILL)
anywhere, it leaves the ledger at the old version or the new one, and the next opening
upgrades it with every entry kept, held inserts still held, and every owner what the
exporter's whole-log way works out. The child kills itself from SQLite's statement trace."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shengui_desktop.storage import migrations, owners
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.sync import exporter

from fixtures.make_ledger_v1 import HERE, PASSWORD

BEFORE = max(n for n, _ in migrations.available() if n < owners.OWNER_SINCE)

CHILD = textwrap.dedent(f"""
    import os, signal, sys
    from shengui_desktop.storage import files, migrations
    kill_at, seen, commit_at = int(sys.argv[2]), [0], [0]
    original = migrations.migrate

    def traced(conn, key, path, **kw):
        def trace(sql):  # commit_at: the COMMIT of the version's bump (the opening commits more)
            seen[0] += 1
            if sql.strip().upper().startswith("PRAGMA USER_VERSION = {owners.OWNER_SINCE}"):
                commit_at[0] = -1
            elif sql.strip().upper() == "COMMIT" and commit_at[0] == -1:
                commit_at[0] = seen[0]
            if seen[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        conn.set_trace_callback(trace)
        return original(conn, key, path, **{{**kw, "upto": {owners.OWNER_SINCE}}})

    files.migrations.migrate = traced
    files.open_ledger(sys.argv[1], passphrase=sys.argv[3]).close()
    print(commit_at[0], seen[0], flush=True)
""")

LOG = "SELECT seq, tbl, row_id, op, data, base, hlc, site_id, site_seq FROM change_log ORDER BY seq"


@pytest.fixture(scope="module")
def old(tmp_path_factory):
    """The released v1 ledger brought to the version before 15, with held inserts (a bulk
    load), ordinary entries, a visit moved to another enterprise and a deleted one."""
    folder = tmp_path_factory.mktemp("owner-migration")
    path = folder / "old.sgdb"
    shutil.copy(HERE / "ledger_v1.sgdb", path)
    shutil.copy(keys_path_for(HERE / "ledger_v1.sgdb"), keys_path_for(path))
    with open_ledger(path, passphrase=PASSWORD, migrate=False) as ledger:
        migrations.migrate(ledger.conn, ledger._key, None, upto=BEFORE)
        ent = ledger.scalar("SELECT id FROM enterprises")
        other = ledger.insert("enterprises", {"credit_code": "91140322MA0000001X", "name": "另一企业",
                                              "township_code": ledger.scalar("SELECT township_code FROM enterprises")})
        ledger.insert_rows("visits", ("id", "enterprise_id", "visit_date", "kind", "visitors", "summary"),
                           [(f"bulk{i:04d}", ent, "2026-11-20", "onsite", "张三", f"批量{i}")
                            for i in range(300)])
        typed = [ledger.insert("visits", {"enterprise_id": ent, "visit_date": "2026-11-21", "kind": "onsite",
                                          "visitors": "李四", "summary": f"走访{i}"}) for i in range(5)]
        ledger.update("visits", "bulk0001", {"summary": "改过"})
        ledger.update("visits", typed[0], {"enterprise_id": other})
        ledger.delete("visits", "bulk0002")
        ledger.delete("visits", typed[1])
        assert migrations.current_version(ledger.conn) == BEFORE
        log = ledger.conn.execute(LOG).fetchall()
        held = ledger.scalar("SELECT count(*) FROM change_log WHERE data IS NULL")
    assert held >= 290
    return path, log, held


def run_child(source: Path, target: Path, kill_at: int) -> subprocess.CompletedProcess:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)
    shutil.copy(keys_path_for(source), keys_path_for(target))
    return subprocess.run([sys.executable, "-c", CHILD, str(target), str(kill_at), PASSWORD],
                          capture_output=True, text=True, timeout=120)


def test_the_owner_migration_killed_anywhere_is_all_or_nothing(old, tmp_path):
    source, log, held = old
    probe = run_child(source, tmp_path / "probe.sgdb", 10**9)
    assert probe.returncode == 0, probe.stderr
    commit_at, total = map(int, probe.stdout.split())
    points = sorted({1, 2, 3, commit_at // 4, commit_at // 2, 3 * commit_at // 4,
                     commit_at - 2, commit_at - 1, commit_at, commit_at + 1, total})
    outcomes = {}
    for kill_at in points:
        target = tmp_path / f"k{kill_at}.sgdb"
        done = run_child(source, target, kill_at)
        assert done.returncode == -9, (kill_at, done.stderr)
        with open_ledger(target, passphrase=PASSWORD, migrate=False) as ledger:
            version = migrations.current_version(ledger.conn)
            assert ledger.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            outcomes[kill_at] = version
        # the next opening upgrades it (to 15 here: later migrations may write held inserts out)
        with open_ledger(target, passphrase=PASSWORD, migrate=False) as ledger:
            migrations.migrate(ledger.conn, ledger._key, None, upto=owners.OWNER_SINCE)
            assert migrations.current_version(ledger.conn) == owners.OWNER_SINCE
            assert ledger.conn.execute(LOG).fetchall() == log, kill_at
            # held inserts stay held: this migration changes no synced table
            assert ledger.scalar("SELECT count(*) FROM change_log WHERE data IS NULL") == held
            exporter._owners(ledger)
            stored = dict(ledger.conn.execute("SELECT seq, owner FROM change_log"))
            assert stored == dict(ledger.conn.execute("SELECT seq, enterprise FROM temp._log_owner"))
            assert None not in stored.values()
        with open_ledger(target, passphrase=PASSWORD) as ledger:  # and on to the latest
            assert migrations.current_version(ledger.conn) == migrations.latest_version()
            assert ledger.verify() == []
    assert {k for k, v in outcomes.items() if v < owners.OWNER_SINCE} == {k for k in points if k <= commit_at}
    assert {k for k, v in outcomes.items() if v == owners.OWNER_SINCE} == {k for k in points if k > commit_at}


def test_the_selection_reads_the_owner_index(old, tmp_path):
    """The hot queries of a county's package use the intended indexes (EXPLAIN QUERY PLAN)."""
    source, _log, _held = old
    path = tmp_path / "plan.sgdb"
    shutil.copy(source, path)
    shutil.copy(keys_path_for(source), keys_path_for(path))
    with open_ledger(path, passphrase=PASSWORD) as ledger:
        ledger.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _acked (site_id TEXT PRIMARY KEY, max_seq INTEGER)")
        plan = " ".join(r[3] for r in ledger.conn.execute(
            "EXPLAIN QUERY PLAN " + exporter._owned_by(ledger.conn, ["x"], unacked=True), ('["x"]',)))
        # (reported as not covering: the partial index's data IS NOT NULL is implied, never read)
        assert "INDEX change_log_owner (owner=?)" in plan, plan
        assert "SCAN c" not in plan and "SCAN o" not in plan, plan
        # the held inserts (schema 20: in no index) through their rows: each enterprise's
        # records through their table's index on enterprise_id, no table read whole
        assert "SCAN r" not in plan and "SEARCH r USING INDEX monthly_figures_enterprise" in plan, plan
        assert "SEARCH r USING INDEX scale_history_enterprise (enterprise_id=?)" in plan, plan
        with_county = " ".join(r[3] for r in ledger.conn.execute(
            "EXPLAIN QUERY PLAN " + exporter._owned_by(ledger.conn, ["", "x"], unacked=True),
            ('["", "x"]',)))
        assert "SCAN r" in with_county  # the county-wide tables' rows (a few hundred) whole
        plan = " ".join(r[3] for r in ledger.conn.execute(
            "EXPLAIN QUERY PLAN SELECT row_id FROM change_log WHERE tbl = 'enterprises'"
            " AND data IS NOT NULL AND json_extract(data, '$.township_code') = ?1 AND op IN ('u', 'i')",
            ("140322100",)))
        assert "USING INDEX change_log_township" in plan, plan


def test_upgrading_to_the_latest_keeps_held_inserts_held(old, tmp_path):
    """The migrations after 14 change no synced table's columns (16: the audit log; 17: two
    new tables; 18 and 19: indexes; 16-18 named in migrations.KEEPS_HELD_UNMARKED, released
    without the line), so none writes held inserts out: on a county's ledger that
    took 2.2 s and 89 MB more file (296,943 entries), on a province's millions of entries."""
    source, log, held = old
    path = tmp_path / "latest.sgdb"
    shutil.copy(source, path)
    shutil.copy(keys_path_for(source), keys_path_for(path))
    statements: list[str] = []
    with open_ledger(path, passphrase=PASSWORD, migrate=False) as ledger:
        ledger.conn.set_trace_callback(statements.append)
        migrations.migrate(ledger.conn, ledger._key, None)
        ledger.conn.set_trace_callback(None)
        assert migrations.current_version(ledger.conn) == migrations.latest_version() > BEFORE + 1
        assert ledger.scalar("SELECT count(*) FROM change_log WHERE data IS NULL") == held
        assert ledger.conn.execute(LOG).fetchall() == log
        assert ledger.verify() == []
        # the release triggers schema 14 gave the (local) evaluation stamp are gone
        assert ledger.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                             " AND tbl_name = 'policy_evaluation_stamp'") == 0
    assert not any("SELECT e.data FROM change_entries" in s for s in statements)  # held.release_all
    for number, script in migrations.available():
        if number > BEFORE:
            assert migrations.keeps_held(number, script.read_text("utf-8")), number
