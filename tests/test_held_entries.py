"""Row-held insert entries (storage/held.py): what an import writes for records new to the
ledger, how they are written out when the row changes, and that readers never notice."""

from __future__ import annotations

import json
import shutil

import pytest

from shengui_desktop.services import sync as sync_service
from shengui_desktop.storage import held, migrations
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.ledger import SYNCED_TABLES, monthly_figure_id

from conftest import PASSWORD
from helpers import content_hash
from sync_helpers import CODES, exchange, world_fixtures


template, world = world_fixtures("held")


def new_enterprise(town, n: int) -> str:
    code = town.scalar("SELECT area_code FROM sites WHERE is_self = 1")
    return town.insert("enterprises", {"credit_code": f"{code}{n:09d}", "name": f"新企业{n}",
                                       "township_code": code, "address": "旧址"})


def row_json(ledger, table: str, row_id: str) -> dict:
    cols = ledger.spec(table).columns
    row = ledger.one(f"SELECT {', '.join(cols)} FROM {table} WHERE id = ?", (row_id,))
    return {c: row[c] for c in cols}


def explicit_entries(ledger, row_id: str) -> list:
    return ledger.conn.execute(
        "SELECT seq, op, data FROM change_log WHERE row_id = ? AND data IS NOT NULL ORDER BY seq",
        (row_id,)).fetchall()


def test_an_imported_new_record_keeps_its_insert_in_its_row(world, tmp_path):
    c, a = world["C"], world["A"]
    ent = new_enterprise(a, 1)
    month = a.insert("monthly_figures", {"enterprise_id": ent, "period": "2026-10", "revenue": 1234})
    exchange(a, c, tmp_path)
    for table, row_id in (("enterprises", ent), ("monthly_figures", month)):
        log_seq = c.scalar(f"SELECT log_seq FROM {table} WHERE id = ?", (row_id,))
        entry = c.one("SELECT * FROM change_log WHERE seq = ?", (log_seq,))
        assert entry["row_id"] == row_id and entry["op"] == "i" and entry["data"] is None
        # not in the row-id index: found through the row only
        assert explicit_entries(c, row_id) == []
        # readers see the values the township wrote, as the township's own log has them
        at_county = c.scalar("SELECT data FROM change_entries WHERE seq = ?", (log_seq,))
        at_town = a.scalar("SELECT data FROM change_log WHERE row_id = ? AND op = 'i'", (row_id,))
        assert json.loads(at_county) == json.loads(at_town) == row_json(c, table, row_id)
    assert c.field_stamps("enterprises", ent) == {
        f: (entry_hlc, a.site_id) for f in c.spec("enterprises").columns
        for entry_hlc in [a.scalar("SELECT hlc FROM change_log WHERE row_id = ?", (ent,))]}


@pytest.mark.parametrize("change", ["update", "delete", "plain sql"])
def test_changing_a_held_row_writes_its_insert_out_first(world, tmp_path, change):
    c, a = world["C"], world["A"]
    ent = new_enterprise(a, 2)
    exchange(a, c, tmp_path)
    inserted = row_json(c, "enterprises", ent)
    stamps = c.field_stamps("enterprises", ent)
    if change == "update":
        c.update("enterprises", ent, {"address": "新址"})
    elif change == "delete":
        c.delete("enterprises", ent)
    else:  # a write that bypasses the Ledger API is covered by the trigger all the same
        with c.transaction():
            c.conn.execute("UPDATE enterprises SET address = '新址' WHERE id = ?", (ent,))
    entries = explicit_entries(c, ent)
    assert entries[0][1] == "i" and json.loads(entries[0][2]) == inserted
    assert c.scalar("SELECT count(*) FROM change_log WHERE row_id = ? AND data IS NULL", (ent,)) == 0
    if change != "delete":
        after = c.field_stamps("enterprises", ent)
        assert {f: s for f, s in after.items() if f != "address"} == \
            {f: s for f, s in stamps.items() if f != "address"}


def test_a_change_made_after_the_import_travels_with_the_original_insert(world, tmp_path):
    """The county edits a record it holds row-held; the township gets the edit, and a third
    office that never had the record gets the insert with the values it was made with."""
    c, a = world["C"], world["A"]
    ent = new_enterprise(a, 3)
    exchange(a, c, tmp_path)
    c.update("enterprises", ent, {"liaison_cadre": "王五"})
    exchange(c, a, tmp_path)
    assert a.get("enterprises", ent)["liaison_cadre"] == "王五"
    assert a.get("enterprises", ent)["address"] == "旧址"
    assert content_hash(a) != ""  # opened and readable
    payload = [e for e in c.log_entries() if e["row_id"] == ent]
    assert [e["op"] for e in payload] == ["i", "u"]
    assert payload[0]["data"]["liaison_cadre"] is None and payload[1]["data"] == {"liaison_cadre": "王五"}


def test_several_packages_of_one_command_see_each_others_records(world, tmp_path):
    """Package 1 makes records, package 2 changes and deletes them: one command gives the
    same ledger as two commands (the second connection cannot see package 1's writes; the
    command adds them from memory)."""
    c, a = world["C"], world["A"]
    ents = [new_enterprise(a, 10 + i) for i in range(3)]
    first = sync_service.export_packages(a, tmp_path / "p1", to="140322")[0].path
    a.update("enterprises", ents[0], {"address": "改过"})
    a.delete("enterprises", ents[1])
    a.insert("visits", {"enterprise_id": ents[2], "visit_date": "2026-11-20", "kind": "onsite",
                        "visitors": "张三", "summary": "走访"})
    second = sync_service.export_packages(a, tmp_path / "p2", to="140322")[0].path
    twice = tmp_path / "twice"
    shutil.copytree(tmp_path / "ledgers", twice)
    sync_service.import_packages(c, [second, first])  # the order given does not matter
    with open_ledger(twice / "county.sgdb", passphrase=PASSWORD) as c2:
        sync_service.import_packages(c2, [first])
        sync_service.import_packages(c2, [second])
        assert content_hash(c2) == content_hash(c)
    assert c.get("enterprises", ents[0])["address"] == "改过"
    assert c.get("enterprises", ents[1]) is None
    assert sync_service.list_conflicts(c) == []


def test_an_import_inside_a_callers_transaction_sees_that_transactions_writes(world, tmp_path):
    c, a = world["C"], world["A"]
    ent = new_enterprise(a, 20)
    path = sync_service.export_packages(a, tmp_path / "p", to="140322")[0].path
    with c.transaction():
        # the county makes the same record itself first (a restored backup, say)
        values = row_json(a, "enterprises", ent)
        c.insert("enterprises", {"id": ent, **values, "address": "县里填的"})
        sync_service.import_packages(c, [path])
    # merged with the county's own insert, not inserted a second time
    assert c.scalar("SELECT count(*) FROM enterprises WHERE id = ?", (ent,)) == 1


def test_the_view_and_triggers_cover_every_synced_column(world):
    c = world["C"]
    sql = dict(c.conn.execute("SELECT name, sql FROM sqlite_master WHERE type IN ('view', 'trigger')"))
    for table in SYNCED_TABLES:
        assert c.scalar(f"SELECT count(*) FROM pragma_table_info('{table}') WHERE name = 'log_seq'") == 1
        for when in ("update", "delete"):
            trigger = sql[f"{table}_release_on_{when}"]
            for column in c.spec(table).columns:
                assert f"'{column}', OLD.{column}" in trigger, (table, column)
        for column in c.spec(table).columns:
            assert f"'{column}', r.{column}" in sql["change_entries"], (table, column)


def test_a_later_migration_writes_held_inserts_out_before_it_changes_a_table(world, tmp_path,
                                                                           monkeypatch):
    c, a = world["C"], world["A"]
    ent = new_enterprise(a, 30)
    exchange(a, c, tmp_path)
    assert c.scalar("SELECT count(*) FROM change_log WHERE data IS NULL") > 0
    before = {s: d for s, d in c.conn.execute("SELECT seq, data FROM change_entries")}
    path = c.path
    c.close()
    folder = tmp_path / "migrations"
    shutil.copytree(migrations.migrations_dir(), folder)
    number = migrations.latest_version() + 1
    (folder / f"{number:04d}_later.sql").write_text(
        "ALTER TABLE enterprises ADD COLUMN later_column TEXT DEFAULT '后加';\n", "utf-8")
    monkeypatch.setattr(migrations, "migrations_dir", lambda: folder)
    with open_ledger(path, passphrase=PASSWORD) as upgraded:
        assert migrations.current_version(upgraded.conn) == number
        assert upgraded.scalar("SELECT count(*) FROM change_log WHERE data IS NULL") == 0
        after = {s: d for s, d in upgraded.conn.execute("SELECT seq, data FROM change_log")}
        assert after == before  # the insert never gains the column it did not write
        assert "later_column" not in json.loads(after[upgraded.scalar(
            "SELECT log_seq FROM enterprises WHERE id = ?", (ent,))])
        # the view and triggers are made again with the new column
        assert "'later_column', OLD.later_column" in upgraded.scalar(
            "SELECT sql FROM sqlite_master WHERE name = 'enterprises_release_on_update'")


def test_release_all_leaves_every_entry_as_it_reads(world, tmp_path):
    c, a = world["C"], world["A"]
    for i in range(3):
        new_enterprise(a, 40 + i)
    exchange(a, c, tmp_path)
    before = c.conn.execute("SELECT * FROM change_entries ORDER BY seq").fetchall()
    with c.transaction():
        assert held.release_all(c.conn) >= 3
    assert c.conn.execute("SELECT * FROM change_entries ORDER BY seq").fetchall() == before
    assert c.scalar("SELECT count(*) FROM change_log WHERE data IS NULL") == 0


def test_exports_read_held_entries(world, tmp_path):
    """A county --full package to the township carries held inserts with their values."""
    c, a = world["C"], world["A"]
    ent = new_enterprise(a, 50)
    exchange(a, c, tmp_path)
    assert c.scalar("SELECT data FROM change_log WHERE row_id = ?", (ent,)) is None
    rows = sync_service.export_packages(c, tmp_path / "full", to=CODES["A"], full=True)
    assert rows[0].counts.get("enterprises", 0) >= 1
    _exported, imported = exchange(c, a, tmp_path, full=True)
    assert imported.status == "imported"
    assert a.get("enterprises", ent)["address"] == "旧址"


def test_a_townships_bulk_load_is_held_and_still_reaches_the_county(world, tmp_path):
    """Spreadsheet imports and the demo write through insert_rows: held entries at the
    township, found by its export although they are in no origin index."""
    c, a = world["C"], world["A"]
    code = CODES["A"]
    held_before = a.scalar("SELECT count(*) FROM change_log WHERE data IS NULL")
    ents = [(f"bulk{i:028d}", f"{code}B{i:08d}", f"批量企业{i}", code) for i in range(30)]
    a.insert_rows("enterprises", ("id", "credit_code", "name", "township_code"), ents)
    months = [(monthly_figure_id(e[0], f"2026-{m:02d}"), e[0], f"2026-{m:02d}", 100 * m)
              for e in ents for m in range(1, 13)]
    a.insert_rows("monthly_figures", ("id", "enterprise_id", "period", "revenue"), months)
    assert a.scalar("SELECT count(*) FROM change_log WHERE data IS NULL") == held_before + 390
    assert a.field_stamps("enterprises", ents[0][0])["name"][1] == a.site_id
    _exported, imported = exchange(a, c, tmp_path)
    assert imported.counts == {"enterprises": 30, "monthly_figures": 360}
    wanted = {"enterprises": [e[0] for e in ents], "monthly_figures": [m[0] for m in months]}
    for table, ids in wanted.items():
        cols = ", ".join(["id", *a.spec(table).columns])
        sql = f"SELECT {cols} FROM {table} WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"
        mine = a.conn.execute(sql, (json.dumps(ids),)).fetchall()
        assert c.conn.execute(sql, (json.dumps(ids),)).fetchall() == mine and len(mine) == len(ids)
    # nothing is sent twice once the county's package has acknowledged them
    exchange(c, a, tmp_path)
    again = sync_service.export_packages(a, tmp_path / "again", to="140322")[0]
    assert again.entries == 0


def test_what_the_worker_encodes_ahead_is_what_the_writing_thread_would_write(world, tmp_path,
                                                                               monkeypatch):
    """#20: the new records' rows and log entries are encoded on the worker that prepares a
    package (RowMaker.encode_chunks, Plan.encoded); without it the writing thread encodes
    them. Both give the same log, entry by entry (origins, persons, owners), and the same rows."""
    from shengui_desktop.sync import rows

    c, a, b = world["C"], world["A"], world["B"]
    ents = [new_enterprise(a, 20 + i) for i in range(3)]
    a.insert("visits", {"enterprise_id": ents[0], "visit_date": "2026-11-20", "kind": "onsite",
                        "visitors": "张三", "summary": "走访"})
    a.insert_many("monthly_figures", [{"id": monthly_figure_id(e, "2026-10"), "enterprise_id": e,
                                       "period": "2026-10", "revenue": 1_000_000 + i}
                                      for i, e in enumerate(ents)])
    new_enterprise(b, 30)
    packages = [sync_service.export_packages(t, tmp_path / "usb", to="140322")[0].path for t in (a, b)]
    second = tmp_path / "second"
    shutil.copytree(tmp_path / "ledgers", second)

    encoded: list[set] = []
    insert_held = rows.Writer.insert_held

    def spy(self, new, tick, writing=None, origins=None, encoded_chunks=None):
        encoded.append(set(encoded_chunks or ()))
        return insert_held(self, new, tick, writing, origins, encoded_chunks)

    monkeypatch.setattr(rows.Writer, "insert_held", spy)
    sync_service.import_packages(c, packages)
    assert {"enterprises", "visits", "monthly_figures"} <= set().union(*encoded)

    encoded.clear()
    monkeypatch.setattr("shengui_desktop.sync.importer.owner_kinds", lambda ledger: None)
    with open_ledger(second / "county.sgdb", passphrase=PASSWORD) as c2:
        sync_service.import_packages(c2, packages)
        assert encoded and not set().union(*encoded)
        log = "SELECT seq, tbl, row_id, op, data, base, hlc, site_id, site_seq, person, owner FROM change_log ORDER BY seq"
        assert c2.conn.execute(log).fetchall() == c.conn.execute(log).fetchall()
        for table in ("enterprises", "visits", "monthly_figures"):
            query = f"SELECT * FROM {table} ORDER BY id"
            assert c2.conn.execute(query).fetchall() == c.conn.execute(query).fetchall(), table
        assert content_hash(c2) == content_hash(c)
