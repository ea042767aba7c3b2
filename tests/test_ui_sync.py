"""The 数据同步 page on real ledgers: a township exports, the county imports and enrols the
township after the phone check (or cancels and nothing changes), conflicts are resolved and
a duplicate merged from the window, bad files are refused with their message."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QPushButton

from shengui_desktop.errors import UserError
from shengui_desktop.services import sync
from shengui_desktop.sync import certificates
from shengui_desktop.ui.sync import flow
from shengui_desktop.ui.sync.fingerprint import groups, say

from helpers import content_hash
from test_ui_support import add_enterprise, open_window, type_text


@pytest.fixture
def offices(county, township, tmp_path):
    """The county and 秀水镇, which was set up with the county's certificate."""
    cert = tmp_path / "county.cert.json"
    sync.export_certificate(county, cert)
    certificates.pin_county_certificate(township, cert)
    return county, township


@pytest.fixture
def dialogs(monkeypatch):
    """Static file dialogs and message boxes answer from here instead of opening."""
    state = {"folder": "", "files": [], "save": "", "warnings": [], "question": QMessageBox.StandardButton.Yes}
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: state["folder"]))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: (state["files"], "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (state["save"], "")))
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda _p, title, text, *a: state["warnings"].append((title, text))))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: state["question"]))
    return state


def sync_page(qtbot, ledger, folder):
    window = open_window(qtbot, ledger, folder)
    window.show_page("数据同步")
    return window, window.sync_page


def own_fingerprint(ledger) -> str:
    from shengui_desktop.services.office.site import this_site
    return this_site(ledger)["fingerprint"]


def export_from(township, folder: Path) -> Path:
    return sync.export_packages(township, folder)[0].path


def enrol(county, township, folder: Path) -> None:
    """What the first test does through the window, done directly for the later ones."""
    sync.import_packages(county, [export_from(township, folder)], accept_fingerprint=own_fingerprint(township))


def test_fingerprint_groups_read_aloud():
    assert groups("d1af 37b8") == ["D1AF", "37B8"]
    assert say("1A70") == "幺 A 七 零"


def test_township_exports_and_county_enrols_after_the_phone_check(qtbot, offices, dialogs, tmp_path):
    county, township = offices
    add_enterprise(township, "秀水机械有限公司", 1)
    usb = tmp_path / "usb"
    usb.mkdir()

    # the township: its own fingerprint on the page, then 导出同步包 to the stick
    t_window, t_page = sync_page(qtbot, township, tmp_path / "t")
    t_tab = t_page.transfer
    told = t_tab.own_fingerprint.text()
    assert groups(told) == groups(own_fingerprint(township))
    assert t_page.tabs.count() == 2  # no 疑似重复 at a township
    dialogs["folder"] = str(usb)
    qtbot.mouseClick(t_tab.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "导出完成" in t_tab.result.toPlainText(), timeout=10000)
    [package] = list(usb.glob("*.sgpkg"))
    assert package.name in t_tab.result.toPlainText() and "发往盂县" in t_tab.result.toPlainText()
    assert t_page.transfer.peers.row(0)["sent"] == 1
    t_window.close()

    # the county: 导入同步包 stops at the enrolment dialog
    c_window, c_page = sync_page(qtbot, county, tmp_path / "c")
    tab = c_page.transfer
    dialogs["files"] = [str(package)]
    qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.enrol_dialog is not None and tab.enrol_dialog.isVisible(), timeout=10000)
    dialog = tab.enrol_dialog
    assert dialog.name_label.text() == "秀水镇"
    assert dialog.view.text() == told  # what the township reads out is what the county sees
    assert not dialog.accept_button.isEnabled()
    wrong = "0000" + "".join(groups(told))[4:]
    type_text(qtbot, dialog.typed, wrong)
    assert "第1组" in dialog.typed_state.text() and not dialog.accept_button.isEnabled()
    dialog.typed.clear()
    type_text(qtbot, dialog.typed, told.lower().replace(" ", ""))
    assert "一致" in dialog.typed_state.text() and dialog.confirm.isChecked()
    assert dialog.accept_button.isEnabled()
    qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "导入结果" in tab.result.toPlainText(), timeout=10000)
    text = tab.result.toPlainText()
    assert "已登记新单位“秀水镇”" in text and "导入1个" in text and "（企业1条）" in text
    assert county.scalar("SELECT count(*) FROM enterprises WHERE name = '秀水机械有限公司'") == 1
    assert [p["name"] for p in tab.peers.rows_data] == ["秀水镇"]
    assert dialogs["warnings"] == []

    # the same file again: 已导入, nothing changes
    before = content_hash(county)
    qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "此前已导入1个" in tab.result.toPlainText(), timeout=10000)
    assert "已导入，本次未作任何修改" in tab.result.toPlainText()
    assert content_hash(county) == before
    c_window.close()


def test_cancelling_the_enrolment_changes_nothing(qtbot, offices, dialogs, tmp_path):
    county, township = offices
    add_enterprise(township, "秀水机械有限公司", 1)
    package = export_from(township, tmp_path / "usb")
    before = content_hash(county)
    window, page = sync_page(qtbot, county, tmp_path / "c")
    tab = page.transfer
    dialogs["files"] = [str(package)]
    qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.enrol_dialog is not None and tab.enrol_dialog.isVisible(), timeout=10000)
    dialog = tab.enrol_dialog
    dialog.confirm.setChecked(True)
    assert dialog.accept_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert tab.enrol_dialog is None
    assert "已取消" in tab.result.toPlainText() and "台账未作任何修改" in tab.result.toPlainText()
    assert content_hash(county) == before
    assert county.scalar("SELECT count(*) FROM sites WHERE is_self = 0") == 0
    assert page.transfer.peers.rowCount() == 0
    window.close()


def test_conflicts_are_listed_and_resolved_from_the_view(qtbot, offices, dialogs, tmp_path):
    county, township = offices
    ent = add_enterprise(township, "秀水机械有限公司", 1)
    enrol(county, township, tmp_path / "usb")
    county.update("enterprises", ent, {"address": "县里核实的地址", "note": "县里的备注"})
    township.update("enterprises", ent, {"address": "镇里填写的地址", "note": "镇里的备注"})
    package = export_from(township, tmp_path / "usb")

    window, page = sync_page(qtbot, county, tmp_path / "c")
    dialogs["files"] = [str(package)]
    qtbot.mouseClick(page.transfer.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "导入结果" in page.transfer.result.toPlainText(), timeout=10000)
    assert "冲突2处" in page.transfer.result.toPlainText()
    assert page.tabs.tabText(1) == "冲突（2）"
    page.show_tab("冲突")
    view = page.conflicts
    rows = {r["field_label"]: r for r in view.model.rows_data}
    assert set(rows) == {"地址", "备注"}
    address = rows["地址"]
    assert address["local_text"] == "县里核实的地址" and address["incoming_text"] == "镇里填写的地址"
    assert address["local_by"].startswith("盂县") and address["incoming_by"].startswith("秀水镇")
    assert address["record"] == "秀水机械有限公司"

    def pick(label):
        row = next(i for i, r in enumerate(view.model.rows_data) if r["field_label"] == label)
        view.table.selectRow(row)
        assert view.keep_local.isEnabled() and view.take_incoming.isEnabled()
        assert f"的“{label}”" in view.detail.text()

    pick("地址")
    qtbot.mouseClick(view.keep_local, Qt.MouseButton.LeftButton)
    assert [r["field_label"] for r in view.model.rows_data] == ["备注"]
    pick("备注")
    qtbot.mouseClick(view.take_incoming, Qt.MouseButton.LeftButton)
    assert view.model.rowCount() == 0 and "没有待确认的冲突" in view.count.text()
    assert page.tabs.tabText(1) == "冲突"
    saved = county.get("enterprises", ent)
    assert saved["address"] == "县里核实的地址" and saved["note"] == "镇里的备注"
    assert sync.list_conflicts(county) == []

    # what was decided stays to be seen
    view.show_settled.setChecked(True)
    settled = {r["field_label"]: r for r in view.model.rows_data}
    assert settled["地址"]["outcome"] == "已处理：保留本地" and settled["地址"]["applied"] == "local"
    assert settled["备注"]["outcome"] == "已处理：采用对方" and settled["备注"]["applied"] == "incoming"
    view.table.selectRow(0)
    assert not view.keep_local.isEnabled() and not view.take_incoming.isEnabled()
    assert "已处理" in view.detail.text() and "admin" in view.detail.text()
    assert page.tabs.tabText(1) == "冲突" and "没有待确认的冲突" in view.count.text()
    view.show_settled.setChecked(False)
    assert view.model.rowCount() == 0
    window.close()


def test_a_duplicate_is_merged_into_the_chosen_record(qtbot, offices, dialogs, tmp_path):
    county, township = offices
    add_enterprise(township, "秀水机械有限公司", 1)
    enrol(county, township, tmp_path / "usb")
    at_town = add_enterprise(township, "秀水镇录入的同一企业", 2)
    township.insert("visits", {"enterprise_id": at_town, "visit_date": "2026-11-01", "visitors": "张三",
                               "summary": "镇里的走访"})
    at_county = add_enterprise(county, "县里录入的同一企业", 2)
    package = export_from(township, tmp_path / "usb")

    window, page = sync_page(qtbot, county, tmp_path / "c")
    dialogs["files"] = [str(package)]
    qtbot.mouseClick(page.transfer.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "导入结果" in page.transfer.result.toPlainText(), timeout=10000)
    assert "疑似重复企业1组" in page.transfer.result.toPlainText()
    page.show_tab("疑似重复")
    view = page.duplicates
    assert view.tasks.rowCount() == 1 and page.tabs.tabText(2) == "疑似重复（1）"
    view.task_table.selectRow(0)
    assert not view.merge_button.isEnabled()
    names = [e["name"] for e in view.enterprises.rows_data]
    view.enterprise_table.selectRow(names.index("县里录入的同一企业"))
    assert view.merge_button.isEnabled()
    dialogs["question"] = QMessageBox.StandardButton.No
    qtbot.mouseClick(view.merge_button, Qt.MouseButton.LeftButton)
    assert county.get("enterprises", at_town) is not None  # asked, said no: nothing merged
    dialogs["question"] = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(view.merge_button, Qt.MouseButton.LeftButton)
    assert view.tasks.rowCount() == 0 and page.tabs.tabText(2) == "疑似重复"
    assert county.get("enterprises", at_town) is None
    assert county.scalar("SELECT count(*) FROM visits WHERE enterprise_id = ?", (at_county,)) == 1
    assert "已合并到“县里录入的同一企业”" in page.transfer.result.toPlainText()
    qtbot.waitUntil(lambda: window.index_ready, timeout=10000)
    window.close()


def test_damaged_and_foreign_files_are_refused_with_their_reason(qtbot, offices, dialogs, tmp_path):
    county, township = offices
    add_enterprise(township, "秀水机械有限公司", 1)
    enrol(county, township, tmp_path / "usb")
    good = export_from(township, tmp_path / "usb")
    truncated = tmp_path / "truncated.sgpkg"
    truncated.write_bytes(good.read_bytes()[:400])
    notes = tmp_path / "会议纪要.sgpkg"
    notes.write_text("这不是同步包", "utf-8")
    before = content_hash(county)

    window, page = sync_page(qtbot, county, tmp_path / "c")
    dialogs["files"] = [str(truncated), str(notes)]
    qtbot.mouseClick(page.transfer.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialogs["warnings"]), timeout=10000)
    [(title, text)] = dialogs["warnings"]
    assert title == "同步包未导入"
    assert "“truncated.sgpkg”已损坏或不完整" in text and "“会议纪要.sgpkg”已损坏或不完整" in text
    assert "拒绝2个" in page.transfer.result.toPlainText()
    assert content_hash(county) == before
    window.close()


def test_a_refused_file_among_good_ones_is_reported_and_the_others_imported(offices, tmp_path):
    """A package whose payload was altered passes the first checks and is refused while
    applying: every file still gets its own line (flow.import_files, no window needed)."""
    county, township = offices
    ent = add_enterprise(township, "秀水机械有限公司", 1)
    enrol(county, township, tmp_path / "usb")
    paths = []
    for i in range(3):
        township.update("enterprises", ent, {"note": f"第{i}次"})
        paths.append(export_from(township, tmp_path / "usb"))
    altered = tmp_path / "altered.sgpkg"
    with zipfile.ZipFile(paths[1]) as src, zipfile.ZipFile(altered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "payload.jsonl.gz.age":
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.writestr(info, data)
    chosen = [paths[0], altered, paths[2]]
    outcome = flow.import_files(county, chosen, {}, progress=lambda *a: None, cancelled=lambda: False)
    first, bad, last = outcome.files
    # whether the services kept the first package when the second was refused (one
    # transaction per package) or rolled the whole call back, it ends up imported now
    assert first.imported_now or first.result.status == "imported"
    assert bad.result is None and "altered.sgpkg" in bad.refusal
    assert last.result.status == "imported"
    assert county.get("enterprises", ent)["note"] == "第2次"
    text = flow.summary(outcome, "10:00")
    assert "导入2个" in text and "拒绝1个" in text and "此前已导入0个" in text


def test_export_without_the_county_certificate_says_why(qtbot, township, dialogs, tmp_path):
    window, page = sync_page(qtbot, township, tmp_path / "t")
    assert "尚未导入县级证书" in page.transfer.counts.text()
    dialogs["folder"] = str(tmp_path / "usb")
    qtbot.mouseClick(page.transfer.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialogs["warnings"]), timeout=10000)
    assert "县级证书" in dialogs["warnings"][0][1] and "县级证书" in page.transfer.result.toPlainText()
    assert not (tmp_path / "usb").exists() or not list((tmp_path / "usb").glob("*.sgpkg"))
    window.close()


def test_a_cancelled_export_takes_no_package_number(offices, tmp_path):
    county, township = offices
    written: list = []
    asked = []

    def cancelled():  # the user presses 取消 while the changes are being selected
        asked.append(1)
        return len(asked) > 1
    with pytest.raises(UserError, match="已取消导出"):
        flow.export(township, tmp_path / "usb", full=False, to=None, progress=lambda *a: None,
                    cancelled=cancelled, written=written)
    assert written == [] and not list((tmp_path / "usb").glob("*.sgpkg"))
    assert export_from(township, tmp_path / "usb").name.endswith("-000001.sgpkg")


def test_certificate_export_from_the_page(qtbot, offices, dialogs, tmp_path):
    county, _township = offices
    window, page = sync_page(qtbot, county, tmp_path / "c")
    dialogs["save"] = str(tmp_path / "盂县证书.json")
    qtbot.mouseClick(page.transfer.cert_button, Qt.MouseButton.LeftButton)
    body = certificates.verify_certificate(certificates.load_certificate_file(tmp_path / "盂县证书.json"))
    assert body["name"] == "盂县" and body["fingerprint"] in page.transfer.result.toPlainText()
    window.close()


def test_keys_are_rotated_from_the_page_and_the_county_follows(qtbot, offices, dialogs, tmp_path):
    county, township = offices
    add_enterprise(township, "秀水机械有限公司", 1)
    enrol(county, township, tmp_path / "first")
    _window, page = sync_page(qtbot, township, tmp_path / "t")
    tab = page.transfer
    old = own_fingerprint(township)

    dialogs["question"] = QMessageBox.StandardButton.No
    tab.rotate_button.click()
    assert own_fingerprint(township) == old  # asked first; No changes nothing

    dialogs["question"] = QMessageBox.StandardButton.Yes
    tab.rotate_button.click()
    new = own_fingerprint(township)
    assert new != old
    assert "".join(groups(new)) in tab.own_fingerprint.text().replace(" ", "").replace("\n", "")
    assert "已更换密钥" in tab.result.toPlainText()

    # the county takes the next package and re-pins the key it vouched for
    add_enterprise(township, "秀水铸造有限公司", 2)
    [result] = sync.import_packages(county, [export_from(township, tmp_path / "second")])
    assert result.status == "imported" and any("更换密钥" in w for w in result.warnings)
    pinned = [p for p in sync.sync_status(county) if p["name"] == "秀水镇"][0]
    assert "".join(groups(pinned["fingerprint"])) == "".join(groups(new))


def test_an_import_cancelled_from_the_progress_dialog_changes_nothing(qtbot, offices, dialogs,
                                                                      tmp_path, monkeypatch):
    county, township = offices
    for n in range(1, 4):
        add_enterprise(township, f"秀水企业{n}", n)
    enrol(county, township, tmp_path / "first")
    add_enterprise(township, "秀水新企业", 9)
    package = export_from(township, tmp_path / "second")
    before = content_hash(county)

    # the import waits at its start until the test has pressed 取消
    started, go = threading.Event(), threading.Event()
    real = flow.sync.import_packages

    def held(*args, **kwargs):
        started.set()
        go.wait(10)
        return real(*args, **kwargs)
    monkeypatch.setattr(flow.sync, "import_packages", held)

    _window, page = sync_page(qtbot, county, tmp_path / "c")
    tab = page.transfer
    dialogs["files"] = [str(package)]
    tab.import_button.click()
    qtbot.waitUntil(started.is_set, timeout=10000)
    assert not tab.import_button.isEnabled()  # one job at a time
    [progress] = tab.findChildren(QProgressDialog)
    [cancel] = [b for b in progress.findChildren(QPushButton) if b.text() == "取消"]
    cancel.click()
    go.set()
    qtbot.waitUntil(lambda: "已取消导入" in tab.result.toPlainText(), timeout=10000)
    assert content_hash(county) == before
    assert tab.import_button.isEnabled()

    monkeypatch.setattr(flow.sync, "import_packages", real)
    tab.import_button.click()
    qtbot.waitUntil(lambda: "导入结果" in tab.result.toPlainText(), timeout=10000)
    assert "新变更" in tab.result.toPlainText() and content_hash(county) != before
