"""Issue #15's cost: a copy of a township's ledger that is abandoned keeps its last
acknowledgement, so the county's packages to the township carry again what only that copy
lacks. The county retires the device (service, `shengui sync devices list|retire`, a dialog
of the 数据同步 page); after that the packages stop carrying it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shengui_desktop.cli import main
from shengui_desktop.errors import UserError
from shengui_desktop.services import sync as sync_service

from conftest import PASSWORD
from sync_helpers import CODES, build_template, clone
from sync_helpers import copy_to_other_computer
from test_sync_copies import enterprises_of, send

COUNTY = "140322"
XIUSHUI = CODES["A"]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("devices-template"))


@pytest.fixture
def world(template, tmp_path):
    """秀水镇 on two computers, both having sent a package once; then the laptop (A2) is
    abandoned and the desktop (A) goes on: several rounds with the county."""
    sites = clone(template, tmp_path / "ledgers")
    sites["A2"] = copy_to_other_computer(sites["A"], tmp_path / "laptop")
    c, a, a2 = sites["C"], sites["A"], sites["A2"]
    ent = enterprises_of(a, XIUSHUI)[0]
    a.update("enterprises", ent, {"note": "台式机"})
    a2.update("enterprises", ent, {"address": "笔记本"})
    send(a, c, tmp_path / "u1")
    send(a2, c, tmp_path / "u2")
    send(c, a, tmp_path / "u3")
    for n in range(3):  # the laptop is gone; the desktop and the county go on
        a.insert("visits", {"enterprise_id": ent, "visit_date": f"2026-11-0{n + 2}", "visitors": "张三",
                            "summary": f"台式机第{n + 1}次走访"})
        c.update("enterprises", ent, {"liaison_cadre": f"县干部{n}"})
        send(a, c, tmp_path / f"a{n}")
        send(c, a, tmp_path / f"c{n}")
    send(a, c, tmp_path / "last")  # the county hears the desktop has everything
    sites["laptop_origin"] = a2.origin_id
    yield sites
    for key, ledger in sites.items():
        if key != "laptop_origin":
            ledger.close()


def entries_to_township(c, folder: Path) -> int:
    [exported] = sync_service.export_packages(c, folder, to=XIUSHUI)
    return exported.entries


def test_the_abandoned_copy_is_listed_with_what_it_holds_back(world):
    c, a = world["C"], world["A"]
    devices = {d["origin_id"]: d for d in sync_service.list_devices(c, XIUSHUI)}
    laptop = devices[world["laptop_origin"]]
    assert set(devices) == {a.origin_id, world["laptop_origin"]}
    assert laptop["held_back"] > 0 and laptop["device"] == f"设备{world['laptop_origin'][:4]}"
    assert devices[a.origin_id]["held_back"] == 0  # the desktop acknowledged everything
    assert laptop["office"] == "秀水镇" and laptop["devices"] == 2


def test_after_retiring_exports_stop_carrying_what_only_that_device_lacked(world, tmp_path):
    c, a = world["C"], world["A"]
    before = entries_to_township(c, tmp_path / "before")
    assert before > 0  # the desktop has all of it: resent only for the laptop
    text = sync_service.retire_confirmation(sync_service.find_device(c, XIUSHUI, world["laptop_origin"][:4]))
    assert "停用秀水镇的设备" in text and "不再为它重发" in text
    log = c.scalar("SELECT count(*) FROM change_log")
    retired = sync_service.retire_device(c, XIUSHUI, world["laptop_origin"][:6])
    assert retired["origin_id"] == world["laptop_origin"]
    assert c.scalar("SELECT count(*) FROM change_log") == log  # no record changed
    assert entries_to_township(c, tmp_path / "after") == 0
    assert [d["origin_id"] for d in sync_service.list_devices(c, XIUSHUI)] == [a.origin_id]
    # the desktop still converges; a new change still reaches it
    ent = enterprises_of(c, XIUSHUI)[0]
    c.update("enterprises", ent, {"liaison_cadre": "退役后的县干部"})
    send(c, a, tmp_path / "again")
    assert a.get("enterprises", ent)["liaison_cadre"] == "退役后的县干部"


def test_a_retired_copy_that_sends_again_is_a_device_again(world, tmp_path):
    c, a2 = world["C"], world["A2"]
    sync_service.retire_device(c, XIUSHUI, world["laptop_origin"])
    send(a2, c, tmp_path / "back")
    assert world["laptop_origin"] in {d["origin_id"] for d in sync_service.list_devices(c, XIUSHUI)}
    send(c, a2, tmp_path / "catch-up")  # and it gets what it lacks
    assert a2.scalar("SELECT count(*) FROM visits WHERE summary LIKE '台式机第%'") == 3


def test_the_only_device_and_unknown_devices_are_refused(world):
    c, a = world["C"], world["A"]
    with pytest.raises(UserError, match="没有设备"):
        sync_service.retire_device(c, XIUSHUI, "ffff")
    with pytest.raises(UserError, match="没有设备"):
        sync_service.retire_device(c, XIUSHUI, "a")  # too short to name one
    sync_service.retire_device(c, XIUSHUI, world["laptop_origin"])
    with pytest.raises(UserError, match="唯一的设备"):
        sync_service.retire_device(c, XIUSHUI, a.origin_id)


def test_the_command_line_lists_and_retires_with_a_confirmation(world, tmp_path, monkeypatch, capsys):
    c = world["C"]
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = str(c.path)
    c.close()
    try:
        capsys.readouterr()
        assert main(["sync", "devices", "list", "--db", db, "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)
        assert {r["origin_id"] for r in rows if r["area_code"] == XIUSHUI} >= {world["laptop_origin"]}
        assert main(["sync", "devices", "list", "--db", db]) == 0
        out = capsys.readouterr().out
        assert "秀水镇" in out and f"设备{world['laptop_origin'][:4]}" in out and "重发" in out
        short = world["laptop_origin"][:4]
        # without --yes and no terminal: refused, nothing changed
        monkeypatch.setattr("sys.stdin.isatty", lambda: False)
        assert main(["sync", "devices", "retire", "--db", db, "--township", XIUSHUI, "--device", short]) != 0
        assert "--yes" in capsys.readouterr().err
        assert main(["sync", "devices", "list", "--db", db, "--json", "--township", XIUSHUI]) == 0
        assert len(json.loads(capsys.readouterr().out)) == 2
        assert main(["sync", "devices", "retire", "--db", db, "--township", "秀水镇", "--device", short,
                     "--yes"]) == 0
        assert "已停用" in capsys.readouterr().out
        assert main(["sync", "devices", "list", "--db", db, "--json", "--township", XIUSHUI]) == 0
        assert len(json.loads(capsys.readouterr().out)) == 1
    finally:
        from shengui_desktop.storage.files import open_ledger
        world["C"] = open_ledger(Path(db), passphrase=PASSWORD, user="admin")


def test_the_sync_page_retires_a_device_after_the_confirmation(qtbot, world, tmp_path, monkeypatch):
    from shengui_desktop.ui.sync import devices as devices_module
    from test_ui_support import open_window

    c = world["C"]
    window = open_window(qtbot, c, tmp_path / "window")
    window.show_page("数据同步")
    transfer = window.sync_page.transfer
    assert transfer.devices_button.isVisible() and transfer.devices_button.text() == "台账副本…"
    dialog = transfer.show_devices()
    qtbot.waitExposed(dialog)
    rows = dialog.model.rows_data
    laptop = next(i for i, r in enumerate(rows) if r["origin_id"] == world["laptop_origin"])
    assert {r["office"] for r in rows} >= {"秀水镇"}
    assert not dialog.retire_button.isEnabled()  # nothing chosen yet
    dialog.table.selectRow(laptop)
    assert dialog.retire_button.isEnabled()
    asked = []
    monkeypatch.setattr(devices_module, "confirm", lambda _p, text: (asked.append(text), False)[1])
    dialog.retire_button.click()  # 取消: nothing retired
    assert "停用秀水镇的设备" in asked[0] and len(sync_service.list_devices(c, XIUSHUI)) == 2
    monkeypatch.setattr(devices_module, "confirm", lambda _p, text: True)
    dialog.retire_button.click()
    assert [d["origin_id"] for d in sync_service.list_devices(c, XIUSHUI)] == [world["A"].origin_id]
    assert "已停用秀水镇的设备" in dialog.message.text()
    dialog.table.selectRow(0)  # the last device of 秀水镇 cannot be retired
    only = dialog.selected()
    if only["area_code"] == XIUSHUI:
        assert not dialog.retire_button.isEnabled() and "唯一的设备" in dialog.message.text()
    assert entries_to_township(c, tmp_path / "after") == 0
    dialog.close()
    window.close()


def test_the_township_has_no_devices_button(qtbot, world, tmp_path):
    from test_ui_support import open_window

    window = open_window(qtbot, world["A"], tmp_path / "window")
    window.show_page("数据同步")
    assert not hasattr(window.sync_page.transfer, "devices_button")
    window.close()
