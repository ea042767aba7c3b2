"""The township that receives an enterprise the county moved to it (划转, #15 leftovers) is
told so when the county's package brings it: in the import result (what `sync import`
prints) and on the window's 数据同步 page."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.ledger.enterprises import list_enterprises, update_enterprise
from shengui_desktop.sync.transfers import moved_in

from sync_helpers import build_template, clone, exchange

XIUSHUI, NANLOU = ("140322100", "秀水镇"), ("140322103", "南娄镇")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("transfer-in-template"),
                          townships={"A": XIUSHUI, "B": NANLOU})


@pytest.fixture
def world(template, tmp_path):
    sites = clone(template, tmp_path / "ledgers")
    yield sites
    for ledger in sites.values():
        ledger.close()


def move_first_enterprise(county) -> tuple[str, str]:
    ent = county.one("SELECT id, name FROM enterprises WHERE township_code = ? ORDER BY credit_code",
                     (XIUSHUI[0],))
    update_enterprise(county, ent["id"], {"township_code": NANLOU[0]})
    return ent["id"], ent["name"]


def test_the_receiving_township_is_told_of_an_enterprise_moved_in(world, tmp_path):
    c, b = world["C"], world["B"]
    before = {r["id"] for r in list_enterprises(b)}
    ent, name = move_first_enterprise(c)
    _e, result = exchange(c, b, tmp_path / "usb")
    notice = [w for w in result.warnings if w.startswith("新转入企业")]
    assert len(notice) == 1, result.warnings
    assert re.search(rf"新转入企业1户.*“{name}”（原属秀水镇，\d{{4}}-\d\d-\d\d划转）", notice[0]), notice
    assert notice[0] in result.message
    # the enterprise is 南娄镇's now, in its list, with where it came from
    assert {r["id"] for r in list_enterprises(b)} == before | {ent}
    [came] = moved_in(b, [ent])
    assert came["from_code"] == XIUSHUI[0] and came["from_name"] == "秀水镇"
    # its own enterprises, never anyone else's, are not "moved in"
    assert moved_in(b, sorted(before)) == []
    # the next package, without a new move, says nothing of it again
    c.update("enterprises", ent, {"note": "县里补充"})
    _e, later = exchange(c, b, tmp_path / "usb2")
    assert not any("新转入" in w for w in later.warnings), later.warnings


def test_the_old_township_is_not_told_of_a_move_in(world, tmp_path):
    c, a = world["C"], world["A"]
    move_first_enterprise(c)
    _e, result = exchange(c, a, tmp_path / "usb")
    assert not any("新转入" in w for w in result.warnings)
    assert any("已划转至南娄镇" in w for w in result.warnings)


def test_an_enterprise_moved_back_is_news_again(world, tmp_path):
    """Moved away and back: the township it returns to is told it came back."""
    c, a = world["C"], world["A"]
    ent, name = move_first_enterprise(c)
    exchange(c, a, tmp_path / "usb1")
    update_enterprise(c, ent, {"township_code": XIUSHUI[0]})
    _e, result = exchange(c, a, tmp_path / "usb2")
    assert any(w.startswith("新转入企业1户") and f"“{name}”（原属南娄镇" in w for w in result.warnings), \
        result.warnings


def test_the_sync_page_shows_the_notice(qtbot, world, tmp_path, monkeypatch):
    from test_ui_support import open_window

    c, b = world["C"], world["B"]
    _ent, name = move_first_enterprise(c)
    [package] = sync_service.export_packages(c, tmp_path / "usb", to=NANLOU[0])
    window = open_window(qtbot, b, tmp_path / "b")
    window.show_page("数据同步")
    page = window.sync_page
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        staticmethod(lambda *a, **k: ([str(package.path)], "")))
    qtbot.mouseClick(page.transfer.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "导入结果" in page.transfer.result.toPlainText(), timeout=10000)
    shown = page.transfer.result.toPlainText()
    assert "新转入企业1户" in shown and name in shown and "原属秀水镇" in shown
    window.close()
