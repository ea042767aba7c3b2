"""Sync use cases end to end: resolutions that travel, duplicates, key rotation, gaps, clock
skew, cancel, full packages, and the command line."""

from __future__ import annotations

import json
import threading

import pytest

from shengui_desktop import cli
from shengui_desktop.services import sync as sync_service
from shengui_desktop.sync.errors import ImportCancelled

from conftest import PASSWORD
from helpers import content_hash
from sync_helpers import CODES, clone, exchange, world_fixtures


template, world = world_fixtures("flows")


def first_enterprise(ledger, code=CODES["A"]) -> str:
    return ledger.scalar("SELECT id FROM enterprises WHERE township_code = ? ORDER BY credit_code", (code,))


def test_a_resolution_travels_and_closes_the_conflict_at_the_other_office(world, tmp_path):
    c, a = world["C"], world["A"]
    ent = first_enterprise(c)
    c.update("enterprises", ent, {"address": "县"})
    a.update("enterprises", ent, {"address": "镇"})
    exchange(a, c, tmp_path)
    exchange(c, a, tmp_path)
    [at_county] = sync_service.list_conflicts(c)
    [at_town] = sync_service.list_conflicts(a)
    assert at_county["winner"]["value"] == at_town["winner"]["value"]
    loser = at_county["loser"]["value"]
    sync_service.resolve_conflict(c, at_county["id"][:8], "loser")
    assert c.get("enterprises", ent)["address"] == loser
    assert sync_service.list_conflicts(c) == []
    exchange(c, a, tmp_path)
    assert a.get("enterprises", ent)["address"] == loser
    assert sync_service.list_conflicts(a) == []
    assert [x["status"] for x in sync_service.list_conflicts(a, None)] == ["superseded"]


def test_edit_racing_delete_is_a_conflict_and_keeping_the_edit_restores_the_record(world, tmp_path):
    c, a = world["C"], world["A"]
    ent = first_enterprise(c)
    visit = a.insert("visits", {"enterprise_id": ent, "visit_date": "2026-11-01", "visitors": "张三",
                                "summary": "初稿"})
    exchange(a, c, tmp_path)
    c.delete("visits", visit)
    a.update("visits", visit, {"summary": "镇里补充的内容"})
    exchange(a, c, tmp_path)
    exchange(c, a, tmp_path)
    for ledger in (c, a):
        assert ledger.get("visits", visit) is None
    [conflict] = sync_service.list_conflicts(c)
    assert conflict["kind"] == "delete" and conflict["loser"]["value"] == {"summary": "镇里补充的内容"}
    sync_service.resolve_conflict(c, conflict["id"], "loser")
    assert c.get("visits", visit)["summary"] == "镇里补充的内容"
    exchange(c, a, tmp_path)
    assert a.get("visits", visit)["summary"] == "镇里补充的内容"
    assert sync_service.list_conflicts(a) == []


def test_same_enterprise_created_at_two_offices_is_a_duplicate_task_and_merge_syncs(world, tmp_path):
    c, a = world["C"], world["A"]
    code = "91140322MA0DUP0001"
    at_town = a.insert("enterprises", {"credit_code": code, "name": "重复企业（镇录入）",
                                       "township_code": CODES["A"], "address": "镇里的地址"})
    from shengui_desktop.storage.ledger import monthly_figure_id
    a.insert("monthly_figures", {"id": monthly_figure_id(at_town, "2026-01"), "enterprise_id": at_town,
                                 "period": "2026-01", "revenue": 100})
    a.insert("visits", {"enterprise_id": at_town, "visit_date": "2026-11-01", "visitors": "张三",
                        "summary": "镇里的走访"})
    at_county = c.insert("enterprises", {"credit_code": code, "name": "重复企业",
                                         "township_code": CODES["A"]})
    _e, result = exchange(a, c, tmp_path)
    assert result.duplicates == 1
    [task] = sync_service.list_duplicates(c)
    assert {e["id"] for e in task["enterprises"]} == {at_town, at_county}
    moved = sync_service.merge_duplicates(c, task["id"], at_county)
    assert moved == {"monthly_figures": 1, "visits": 1}
    assert c.get("enterprises", at_town) is None
    assert c.get("enterprises", at_county)["address"] == "镇里的地址"
    exchange(c, a, tmp_path)
    assert a.get("enterprises", at_town) is None
    assert a.get("enterprises", at_county)["name"] == "重复企业"
    assert a.scalar("SELECT count(*) FROM visits WHERE enterprise_id = ?", (at_county,)) == 1
    assert a.get("monthly_figures", monthly_figure_id(at_county, "2026-01"))["revenue"] == 100
    assert sync_service.list_duplicates(c) == []


def test_key_rotation_is_followed_by_the_county(world, tmp_path):
    c, a = world["C"], world["A"]
    old = a.scalar("SELECT fingerprint FROM sites WHERE is_self = 1")
    cert = sync_service.rotate_keys(a)
    assert cert["fingerprint"] != old and cert["rotation"]["previous_fingerprint"] == old
    a.update("enterprises", first_enterprise(a), {"note": "换钥之后"})
    _e, result = exchange(a, c, tmp_path)
    assert any("更换密钥" in w for w in result.warnings)
    assert c.scalar("SELECT fingerprint FROM sites WHERE id = ?", (a.site_id,)) == cert["fingerprint"]
    # the county's packages are encrypted to the new key and still open
    exchange(c, a, tmp_path)


def test_gaps_and_late_old_packages(world, tmp_path):
    c, a = world["C"], world["A"]
    ent = first_enterprise(a)
    paths = []
    for i in range(3):
        a.update("enterprises", ent, {"note": f"第{i}次"})
        paths.append(sync_service.export_packages(a, tmp_path)[0].path)
    newest = sync_service.import_packages(c, [paths[2]])[0]
    assert len(newest.gaps) == 2 and c.get("enterprises", ent)["note"] == "第2次"
    before = content_hash(c)
    late = sync_service.import_packages(c, [paths[0]])[0]
    assert late.status == "imported" and late.new_entries == 0
    assert content_hash(c) == before and c.get("enterprises", ent)["note"] == "第2次"
    again = sync_service.import_packages(c, [paths[0], paths[1]])
    assert [r.status for r in again] == ["already_imported", "imported"]
    assert "已导入" in again[0].message
    assert sync_service.import_packages(c, [paths[1]])[0].status == "already_imported"


def test_several_files_apply_in_package_order(world, tmp_path):
    c, a = world["C"], world["A"]
    ent = first_enterprise(a)
    paths = []
    for i in range(3):
        a.update("enterprises", ent, {"note": f"第{i}次"})
        paths.append(sync_service.export_packages(a, tmp_path)[0].path)
    results = sync_service.import_packages(c, list(reversed(paths)))
    assert [r.package_no for r in results] == sorted(r.package_no for r in results)
    assert all(r.gaps == [] for r in results[-1:])


def test_clock_skew_is_warned_and_the_clock_advances(world, tmp_path):
    c, a = world["C"], world["A"]
    a.wall_clock = lambda: 4102444800.0  # 2100-01-01 on the township's PC
    a.update("enterprises", first_enterprise(a), {"note": "未来时钟"})
    _e, result = exchange(a, c, tmp_path)
    assert any("时钟" in w for w in result.warnings)
    c.update("enterprises", first_enterprise(c), {"note": "县里随后的修改"})
    # the county's later edit wins although its wall clock is behind: the HLC moved forward
    assert c.get("enterprises", first_enterprise(c))["note"] == "县里随后的修改"
    exchange(c, a, tmp_path)
    assert a.get("enterprises", first_enterprise(a))["note"] == "县里随后的修改"
    assert sync_service.list_conflicts(a) == []


def test_a_cancelled_import_changes_nothing(world, tmp_path):
    c, a = world["C"], world["A"]
    for i in range(30):
        a.insert("visits", {"enterprise_id": first_enterprise(a), "visit_date": "2026-11-01",
                            "visitors": "张三", "summary": f"走访{i}"})
    path = sync_service.export_packages(a, tmp_path)[0].path
    before = content_hash(c)
    cancel = threading.Event()

    def progress(stage, done, total):
        if stage == "merge":
            cancel.set()
    with pytest.raises(ImportCancelled):
        sync_service.import_packages(c, [path], progress=progress, cancel=cancel)
    assert content_hash(c) == before
    assert sync_service.import_packages(c, [path])[0].new_entries == 30


def test_full_package_restores_a_township_that_lost_its_ledger(world, template, tmp_path):
    c, a = world["C"], world["A"]
    ent = first_enterprise(a)
    a.update("enterprises", ent, {"note": "备份之后的修改"})
    exchange(a, c, tmp_path)
    # the township goes back to an older copy (the template) and asks for a full package
    restored = clone(template, tmp_path / "restored")
    try:
        full = sync_service.export_packages(c, tmp_path, to=CODES["A"], full=True)[0]
        sync_service.import_packages(restored["A"], [full.path])
        assert restored["A"].get("enterprises", ent)["note"] == "备份之后的修改"
        restored["A"].update("enterprises", ent, {"note": "恢复后继续工作"})  # no reused sequence number
        exchange(restored["A"], c, tmp_path)
        assert c.get("enterprises", ent)["note"] == "恢复后继续工作"
    finally:
        for ledger in restored.values():
            ledger.close()


def test_cli_export_import_conflicts(world, tmp_path, monkeypatch, capsys):
    c, a = world["C"], world["A"]
    ent = first_enterprise(c)
    c.update("enterprises", ent, {"address": "县"})
    a.update("enterprises", ent, {"address": "镇"})
    c_path, a_path = c.path, a.path
    c.close()
    a.close()
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    assert cli.main(["sync", "export", "--db", str(a_path), "--out", str(tmp_path / "usb")]) == 0
    [pkg] = list((tmp_path / "usb").glob("140322100-to-140322-000002.sgpkg"))
    assert "已导出同步包" in capsys.readouterr().out
    assert cli.main(["sync", "import", "--db", str(c_path), str(pkg), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["status"] == "imported" and out[0]["conflicts"] == 1
    assert cli.main(["sync", "import", "--db", str(c_path), str(pkg)]) == 0
    assert "已导入" in capsys.readouterr().out
    assert cli.main(["conflicts", "list", "--db", str(c_path), "--json"]) == 0
    [conflict] = json.loads(capsys.readouterr().out)
    assert cli.main(["conflicts", "resolve", "--db", str(c_path), conflict["id"], "--keep", "local"]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.sgpkg"
    bad.write_bytes(pkg.read_bytes()[:500])
    assert cli.main(["sync", "import", "--db", str(c_path), str(bad)]) != 0
    assert "损坏" in capsys.readouterr().err
    from shengui_desktop.storage.files import open_ledger
    world["C"] = open_ledger(c_path, passphrase=PASSWORD)
    world["A"] = open_ledger(a_path, passphrase=PASSWORD)
    assert world["C"].get("enterprises", ent)["address"] == "县"


def test_county_exports_to_all_townships_follow_each_write(world, tmp_path):
    """The county works out once which township every change concerns and reuses that for
    all its packages until the next write; each write (an edit, a move to another township)
    is in the next packages, to the right township only."""
    c, b = world["C"], world["B"]
    ent = first_enterprise(c)

    def to_all(step: str) -> dict:
        """Changes to enterprises in each township's package (county-wide rows aside)."""
        results = sync_service.export_packages(c, tmp_path / step)
        return {r.recipient: r.counts.get("enterprises", 0) for r in results}, \
            {r.recipient: r.path for r in results}

    c.update("enterprises", ent, {"note": "第一次"})
    assert to_all("1")[0] == {"秀水镇": 1, "路家村镇": 0}
    c.update("enterprises", ent, {"note": "第二次"})
    assert to_all("2")[0] == {"秀水镇": 2, "路家村镇": 0}  # not acknowledged yet
    # the county moves the enterprise to 路家村镇: from now on its whole record goes there,
    # and 秀水镇 learns of the move (with the edits it has not acknowledged yet)
    c.update("enterprises", ent, {"township_code": CODES["B"]})
    counts, paths = to_all("3")
    assert counts["秀水镇"] == 3 and counts["路家村镇"] >= 3
    sync_service.import_packages(b, [paths["路家村镇"]])
    assert b.get("enterprises", ent)["note"] == "第二次"
    assert b.get("enterprises", ent)["township_code"] == CODES["B"]
