"""No write bypasses the change log: replaying it into an empty ledger gives the same rows."""

import json
from datetime import date

import pytest

from helpers import assert_replay_equal, table_rows
from shengui_desktop.services.ledger import enterprises, figures, pools, reference, visits
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.storage.ledger import SYNCED_TABLES


@pytest.fixture
def empty_target(tmp_path):
    ledger, _ = init_office(tmp_path / "replay.sgdb", role="county", name="重放", area_code="999999",
                            admin_user="admin", password="replay-pass-1")
    # init wrote nothing synced for a county: the target starts empty
    assert all(not table_rows(ledger, t) for t in SYNCED_TABLES)
    yield ledger
    ledger.close()


def every_kind_of_write(ledger):
    """Each write the services offer, at least once (add new services here)."""
    reference.add_township(ledger, "140322102", "南娄镇")
    reference.add_township(ledger, "140322102", "南娄镇（更名）")
    dept = reference.add_department(ledger, "中小企业发展中心")
    reference.set_target(ledger, {"year": 2026, "scope": "township", "township_code": "140322100",
                                  "net_increase": 4})
    reference.set_target(ledger, {"year": 2026, "scope": "township", "township_code": "140322100",
                                  "net_increase": 5})
    reference.set_target(ledger, {"year": 2026, "scope": "department", "department_id": dept,
                                  "net_increase": 3})
    eid, _ = enterprises.create_enterprise(ledger, {
        "name": "秀水机械有限公司", "credit_code": "91110000600037341L",
        "township_code": "140322100", "industry_code": "C3311", "tags": ["专精特新"]})
    other, _ = enterprises.create_enterprise(ledger, {
        "name": "路家村建材有限公司", "credit_code": "91310110666007217T",
        "township_code": "140322101"})
    enterprises.update_enterprise(ledger, eid, {"contact_person": "王伟", "contact_phone": "13800000000",
                                                "stat_status": "above_scale"})
    figures.record_month(ledger, eid, "2026-01", {"revenue": 1_500_000, "electricity_kwh": 90_000})
    figures.record_month(ledger, eid, "2026-01", {"revenue": 1_600_000})
    figures.record_month(ledger, other, "2026-02", {"revenue": 100, "employees": 3})
    visit_id, issue_ids = visits.add_visit(
        ledger, eid, {"visit_date": "2026-11-02", "visitors": "张三、李四", "summary": "生产正常"},
        [{"category": "finance", "description": "流动资金紧张", "department_id": dept,
          "deadline": "2026-12-31"}])
    visits.update_issue(ledger, issue_ids[0], {"status": "resolved", "resolution": "已对接银行"})
    visits.add_issue(ledger, other, {"category": "land", "description": "扩建用地"})
    pools.move_pool(ledger, eid, "cultivation", "上年营收1,650万元", decided_by="县中小企业发展中心")
    enterprises.delete_enterprise(ledger, other)
    return eid


def test_replay_reproduces_every_table(county, empty_target):
    every_kind_of_write(county)
    assert county.scalar("SELECT count(*) FROM enterprises") == 1
    assert_replay_equal(county, empty_target)


def test_replay_of_a_generated_ledger(county, empty_target):
    generate(county, enterprises=25, townships=2, seed=3, as_of=date(2026, 11, 23))
    assert_replay_equal(county, empty_target)


def test_update_logs_only_changed_fields_with_base_stamps(county):
    eid = every_kind_of_write(county)
    entries = [e for e in county.log_entries() if e["row_id"] == eid]
    assert entries[0]["op"] == "i" and entries[0]["data"]["name"] == "秀水机械有限公司"
    assert json.loads(entries[0]["data"]["tags"]) == ["专精特新"]
    update = entries[1]
    assert update["op"] == "u"
    assert set(update["data"]) == {"contact_person", "contact_phone", "stat_status"}
    # the writer overwrote the insert's stamps; base says so
    assert update["base"]["stat_status"] == [entries[0]["hlc"], county.site_id]
    # an update that changes nothing writes nothing
    n = county.scalar("SELECT count(*) FROM change_log")
    enterprises.update_enterprise(county, eid, {"contact_person": "王伟"})
    assert county.scalar("SELECT count(*) FROM change_log") == n


def test_stamps_increase_and_sequence_is_dense(county):
    every_kind_of_write(county)
    rows = county.conn.execute("SELECT hlc, site_seq FROM change_log ORDER BY seq").fetchall()
    assert [s for _, s in rows] == list(range(1, len(rows) + 1))
    assert all(a[0] < b[0] for a, b in zip(rows, rows[1:]))
    assert county.scalar("SELECT max_seq FROM version_vector WHERE site_id = ?",
                         (county.site_id,)) == len(rows)


def test_hlc_does_not_go_backwards_when_the_clock_does(county):
    reference.add_department(county, "甲")
    first = county.scalar("SELECT max(hlc) FROM change_log")
    county.wall_clock = lambda: 0.0  # a township PC with its clock reset to 1970
    reference.add_department(county, "乙")
    assert county.scalar("SELECT max(hlc) FROM change_log") > first


def test_a_failed_service_call_writes_nothing(county):
    eid = every_kind_of_write(county)
    n = county.scalar("SELECT count(*) FROM change_log")
    with pytest.raises(Exception):
        visits.add_visit(county, eid, {"visit_date": "2026-11-02", "visitors": "张三",
                                       "summary": "x"},
                         [{"category": "finance", "description": "ok"},
                          {"category": "nonsense", "description": "bad category"}])
    assert county.scalar("SELECT count(*) FROM change_log") == n
    assert county.scalar("SELECT count(*) FROM visits") == 1


def test_pool_changes_only_through_a_recorded_move(county):
    eid = every_kind_of_write(county)
    with pytest.raises(Exception, match="库别不能直接修改"):
        enterprises.update_enterprise(county, eid, {"pool": "entry"})
    history = pools.pool_history(county, eid)
    assert [(h["from_pool"], h["to_pool"], h["reason"]) for h in history] == [
        ("none", "cultivation", "上年营收1,650万元")]


def test_empty_values_are_stored_and_logged_as_null(county, empty_target):
    """None binds through an adapter (storage.ledger): it must still be SQL NULL, not text."""
    county.insert_many("enterprises", [
        {"name": "甲公司", "credit_code": "91110000600037341L", "township_code": "140322100",
         "industry_code": None, "note": None}])
    row = county.conn.execute("SELECT typeof(industry_code), typeof(note), typeof(source) "
                              "FROM enterprises").fetchone()
    assert row == ("null", "null", "null")
    entry = list(county.log_entries())[-1]
    assert entry["data"]["industry_code"] is None and entry["data"]["note"] is None
    assert_replay_equal(county, empty_target)


def test_ids_made_in_bulk_are_random_uuid4(monkeypatch):
    import os
    import uuid

    from shengui_desktop.storage import ids as storage

    ids = storage.new_ids(2000)
    assert len(set(ids)) == 2000 and storage.new_ids(0) == []
    for made in (*ids[:200], storage.new_id()):
        parsed = uuid.UUID(made)
        assert parsed.hex == made and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    # from the same random bytes, the same ids as the uuid module makes
    random = os.urandom(16 * 300)
    monkeypatch.setattr(storage.os, "urandom", lambda n: random[:n])
    assert storage.new_ids(300) == [uuid.UUID(bytes=random[i:i + 16], version=4).hex
                                    for i in range(0, 16 * 300, 16)]


def test_bulk_insert_writes_and_logs_what_single_inserts_do(county, empty_target):
    """insert_rows fills ids, defaults and search keys a column at a time and leaves out
    columns empty in every row: rows and logged data are those of insert() one by one."""
    columns = ("id", "name", "credit_code", "township_code", "pool", "note", "tags")
    rows = [(f"e{n}", f"秀水{n}机械", f"9111000060003734{n:02d}", "140322100",
             "reserve" if n % 3 == 0 else None, None, '["专精特新"]' if n == 4 else None)
            for n in range(7)]
    county.insert_rows("enterprises", columns, rows)
    for row in rows:
        empty_target.insert("enterprises", {k: v for k, v in zip(columns, row) if v is not None})
    assert table_rows(county, "enterprises") == table_rows(empty_target, "enterprises")
    keys = "SELECT id, search_key FROM enterprises ORDER BY id"
    assert county.rows(keys) == empty_target.rows(keys)

    def logged(ledger):
        return sorted((e["row_id"], e["data"]) for e in ledger.log_entries()
                      if e["tbl"] == "enterprises")
    assert logged(county) == logged(empty_target)
