"""An enterprise the county moves to another township (划转) blocks nobody (#15 item 2,
SYNC.md property 7): the old township's changes made before it learned apply as history or
become conflicts, the county's next package tells it of the move, the new township receives
the enterprise with its history, and all three offices converge on the enterprise's data."""

from __future__ import annotations

import json
import re

import pytest

from shengui_desktop import cli
from shengui_desktop.errors import UserError
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.ledger.enterprises import (list_enterprises, ledger_rows, transferred_enterprises,
                                                         update_enterprise)
from shengui_desktop.services.ledger.figures import record_month
from shengui_desktop.services.ledger.visits import add_visit
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.ledger import monthly_figure_id
from shengui_desktop.sync import exporter
from shengui_desktop.sync.errors import PackageRejected

from conftest import PASSWORD
from sync_helpers import build_template, clone, exchange

XIUSHUI, NANLOU = ("140322100", "秀水镇"), ("140322103", "南娄镇")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("moves-template"),
                          townships={"A": XIUSHUI, "B": NANLOU})


@pytest.fixture
def world(template, tmp_path):
    sites = clone(template, tmp_path / "ledgers")
    yield sites
    for ledger in sites.values():
        ledger.close()


def enterprises_of(ledger, code: str) -> list[str]:
    return [r[0] for r in ledger.conn.execute(
        "SELECT id FROM enterprises WHERE township_code = ? ORDER BY credit_code", (code,))]


def synced(ledger, table: str, where: str, params: tuple) -> list[tuple]:
    cols = ", ".join(("id", *ledger.spec(table).columns))
    return ledger.conn.execute(f"SELECT {cols} FROM {table} WHERE {where} ORDER BY id", params).fetchall()


def state_of(ledger, ent: str) -> dict:
    """The enterprise's record and its history (figures, visits, issues), synced columns."""
    return {"enterprise": synced(ledger, "enterprises", "id = ?", (ent,)),
            **{t: synced(ledger, t, "enterprise_id = ?", (ent,))
               for t in ("monthly_figures", "visits", "issues", "pool_events")}}


def move_before_the_township_learns(world, tmp_path) -> dict:
    """The county moves 秀水镇's first enterprise to 南娄镇 and corrects its address; 秀水镇,
    not knowing, records a visit and a month for it, edits its address and note, and enters
    a month for its other enterprise. Returns the ids and 秀水镇's package."""
    c, a = world["C"], world["A"]
    moved, other = enterprises_of(c, XIUSHUI[0])
    update_enterprise(c, moved, {"township_code": NANLOU[0]})
    update_enterprise(c, moved, {"address": "南娄镇工业园区8号"})
    visit, _ = add_visit(a, moved, {"visit_date": "2026-11-03", "visitors": "张三",
                                    "summary": "生产正常，订单饱满"})
    record_month(a, moved, "2026-10", {"revenue": 1_500_000})
    update_enterprise(a, moved, {"address": "秀水镇老街5号", "note": "镇里补充新上一条生产线"})
    record_month(a, other, "2026-10", {"revenue": 2_600_000})
    package = sync_service.export_packages(a, tmp_path / "usb-a")[0]
    return {"moved": moved, "other": other, "visit": visit, "package": package.path}


def test_a_package_made_before_the_township_learned_of_a_move_blocks_nobody(world, tmp_path,
                                                                             monkeypatch, capsys):
    c, a, b = world["C"], world["A"], world["B"]
    s = move_before_the_township_learns(world, tmp_path)
    moved, other = s["moved"], s["other"]

    # the county imports it: nothing refused
    [result] = sync_service.import_packages(c, [s["package"]])
    assert result.status == "imported"
    # the other enterprise's month applied, and so did everything about the moved one:
    # the visit stays a visit of that enterprise, recorded by 秀水镇
    assert c.get("monthly_figures", monthly_figure_id(other, "2026-10"))["revenue"] == 2_600_000
    assert c.get("monthly_figures", monthly_figure_id(moved, "2026-10"))["revenue"] == 1_500_000
    assert c.get("visits", s["visit"])["enterprise_id"] == moved
    assert c.scalar("SELECT site_id FROM change_entries WHERE row_id = ? AND op = 'i'",
                    (s["visit"],)) == a.site_id
    assert c.get("enterprises", moved)["note"] == "镇里补充新上一条生产线"
    assert c.get("enterprises", moved)["township_code"] == NANLOU[0]
    # the summary says what happened
    assert any("南娄镇" in w and "划转" in w for w in result.warnings), result.warnings
    # the address both offices changed is a conflict for the county to decide
    c_path = c.path
    c.close()
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    assert cli.main(["conflicts", "list", "--db", str(c_path)]) == 0
    listed = capsys.readouterr().out
    assert "address" in listed or "地址" in listed
    assert "南娄镇工业园区8号" in listed and "秀水镇老街5号" in listed
    world["C"] = c = open_ledger(c_path, passphrase=PASSWORD)
    [conflict] = sync_service.list_conflicts(c)
    assert conflict["row_id"] == moved and conflict["field"] == "address"

    # the county's next package to 秀水镇 carries the move
    _e, told = exchange(c, a, tmp_path / "usb-c")
    moved_name = a.get("enterprises", moved)["name"]
    notice = [w for w in told.warnings if moved_name in w]
    assert notice and re.search(r"已划转至南娄镇（\d{4}-\d\d-\d\d）", notice[0]), told.warnings
    assert notice[0] in told.message
    # 秀水镇 no longer lists it as its own, keeps it readable and shows the notice
    assert [r["id"] for r in list_enterprises(a)] == [other]
    assert [r[0] for r in ledger_rows(a)] == [other]
    [gone] = transferred_enterprises(a)
    assert gone["id"] == moved and gone["township_name"] == "南娄镇"
    assert re.fullmatch(r"已划转至南娄镇（\d{4}-\d\d-\d\d）", gone["notice"])
    assert a.get("visits", s["visit"])["enterprise_id"] == moved
    # the address conflict is the county's to decide now, not 秀水镇's
    [at_town] = sync_service.list_conflicts(a)
    with pytest.raises(UserError, match="已划转至南娄镇.*县级决定"):
        sync_service.resolve_conflict(a, at_town["id"], "local")
    a_path = a.path
    a.close()
    assert cli.main(["list", "enterprises", "--db", str(a_path)]) == 0
    out = capsys.readouterr().out
    assert moved_name in out and gone["notice"] in out
    own_lines = [line for line in out.splitlines() if line.startswith("9114")]
    assert len(own_lines) == 1 and moved_name not in own_lines[0]
    assert cli.main(["list", "enterprises", "--db", str(a_path), "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [other]
    world["A"] = a = open_ledger(a_path, passphrase=PASSWORD)

    # 南娄镇 receives the enterprise with its history
    exchange(c, b, tmp_path / "usb-c")
    assert b.get("enterprises", moved)["township_code"] == NANLOU[0]
    assert moved in [r["id"] for r in list_enterprises(b)]
    assert b.get("visits", s["visit"]) is not None
    assert b.get("monthly_figures", monthly_figure_id(moved, "2026-10"))["revenue"] == 1_500_000
    # all three converge on the enterprise's data
    assert state_of(a, moved) == state_of(c, moved) == state_of(b, moved)

    # nobody is stuck: 南娄镇 edits it, 秀水镇 sends its next package, both are imported
    update_enterprise(b, moved, {"contact_phone": "13800000000"})
    exchange(b, c, tmp_path / "usb-b")
    record_month(a, other, "2026-11", {"revenue": 2_700_000})
    _e, later = exchange(a, c, tmp_path / "usb-a")
    assert later.status == "imported"
    assert c.get("monthly_figures", monthly_figure_id(other, "2026-11"))["revenue"] == 2_700_000
    # the county decides the address; its decision reaches both townships
    sync_service.resolve_conflict(c, conflict["id"], "local")
    for town in (a, b):
        exchange(c, town, tmp_path / "usb-c")
    assert state_of(a, moved) == state_of(c, moved) == state_of(b, moved)
    assert a.get("enterprises", moved)["contact_phone"] == "13800000000"
    assert a.get("enterprises", moved)["address"] == "南娄镇工业园区8号"
    assert sync_service.list_conflicts(a) == sync_service.list_conflicts(b) == sync_service.list_conflicts(c) == []


def test_what_the_old_township_writes_after_it_learned_stays_home_and_says_so(world, tmp_path):
    c, a = world["C"], world["A"]
    s = move_before_the_township_learns(world, tmp_path)
    sync_service.import_packages(c, [s["package"]])
    exchange(c, a, tmp_path / "usb-c")
    # 秀水镇 knows now; a month typed in for the enterprise afterwards is not its to send
    record_month(a, s["moved"], "2026-11", {"revenue": 9_900_000})
    record_month(a, s["other"], "2026-11", {"revenue": 2_700_000})
    [export] = sync_service.export_packages(a, tmp_path / "usb-a2")
    assert export.counts == {"monthly_figures": 1}
    assert any("南娄镇" in n and "划转" in n for n in export.notices), export.notices
    [result] = sync_service.import_packages(c, [export.path])
    assert result.status == "imported"
    assert c.get("monthly_figures", monthly_figure_id(s["moved"], "2026-11")) is None
    assert c.get("monthly_figures", monthly_figure_id(s["other"], "2026-11"))["revenue"] == 2_700_000


def test_a_township_that_keeps_writing_a_moved_enterprise_it_knew_of_is_refused(world, tmp_path,
                                                                                 monkeypatch):
    """A program without the export's check (an old or tampered one) sends what it wrote
    after it learned: authority is judged by what it knew, so the package is refused whole."""
    c, a = world["C"], world["A"]
    s = move_before_the_township_learns(world, tmp_path)
    sync_service.import_packages(c, [s["package"]])
    exchange(c, a, tmp_path / "usb-c")
    exchange(a, c, tmp_path / "usb-a2")  # the county now knows that 秀水镇 knows
    monkeypatch.setattr(exporter, "withhold_transferred", lambda ledger, rows, notes: rows)
    add_visit(a, s["moved"], {"visit_date": "2026-12-01", "visitors": "张三", "summary": "划转后仍走访"})
    record_month(a, s["other"], "2026-12", {"revenue": 100})
    [export] = sync_service.export_packages(a, tmp_path / "usb-a3")
    before = c.scalar("SELECT count(*) FROM change_log")
    with pytest.raises(PackageRejected) as info:
        sync_service.import_packages(c, [export.path])
    assert info.value.reason == "unauthorised"
    assert any("划转" in d and "南娄镇" in d for d in info.value.details), info.value.details
    assert c.scalar("SELECT count(*) FROM change_log") == before
    assert c.get("monthly_figures", monthly_figure_id(s["other"], "2026-12")) is None


def test_a_package_editing_an_enterprise_its_township_never_had_is_still_refused_whole(world, tmp_path):
    c, a = world["C"], world["A"]
    s = move_before_the_township_learns(world, tmp_path)
    never = [e for e in enterprises_of(c, NANLOU[0]) if e != s["moved"]][0]
    # a mis-addressed record: 秀水镇 writes a month for 南娄镇's own enterprise (below the
    # services, as a tampered program would), in a package that is otherwise fine
    a.insert("enterprises", {"id": never, "credit_code": "91140322000000X001", "name": "冒名",
                             "township_code": XIUSHUI[0]})
    a.insert("monthly_figures", {"id": monthly_figure_id(never, "2026-10"), "enterprise_id": never,
                                 "period": "2026-10", "revenue": 1})
    [export] = sync_service.export_packages(a, tmp_path / "usb-a2")
    before = c.scalar("SELECT count(*) FROM change_log")
    with pytest.raises(PackageRejected) as info:
        sync_service.import_packages(c, [export.path])
    assert info.value.reason == "unauthorised"
    assert all(never[:8] in d for d in info.value.details) and len(info.value.details) == 2
    assert "南娄镇" in str(info.value) or NANLOU[0] in str(info.value)
    assert c.scalar("SELECT count(*) FROM change_log") == before
    assert c.get("monthly_figures", monthly_figure_id(s["other"], "2026-10")) is None
