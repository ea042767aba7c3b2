"""Issue 15, item 6 (sync): a county enrols several new townships in one import, each with
its own fingerprint; package file names carry both area codes and the recipient ledger's
fingerprint, are cut to a safe length, are written 0600 and never replace another file; a
package for another ledger of one's own office says which ledger it is for.

"Two laptops of one township" under SYNC.md property 7 (one enrolled key per code) is one of:
a copy of the township's ledger on a second laptop (same site id and keys: the county cannot
tell them apart, both read the county's packages, their own packages share numbers), or a
second ledger set up for the township (another key: refused at the county, sent nothing, and
it must not read the county's packages for the enrolled ledger as "not for our township")."""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from shengui_desktop.domain.text import NAME_LIMITS
from shengui_desktop.errors import UserError
from shengui_desktop import cli
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.sync import certificates, exporter, package
from shengui_desktop.sync.errors import PackageRejected

from conftest import PASSWORD
from helpers import content_hash
from sync_helpers import CODES, fingerprint, world_fixtures

template, world = world_fixtures("names")


def state(ledger) -> tuple:
    return (content_hash(ledger), ledger.scalar("SELECT count(*) FROM change_log"),
            ledger.scalar("SELECT count(*) FROM imported_packages"),
            ledger.rows("SELECT id, trusted, sign_public_key FROM sites ORDER BY id"),
            ledger.scalar("SELECT count(*) FROM site_key_events"))


def new_township(world, folder: Path, code: str, name: str, enterprise: str | None = None):
    """A township set up with the county's certificate, not yet enrolled at the county."""
    folder.mkdir(parents=True, exist_ok=True)
    cert = folder / "county.cert.json"
    sync_service.export_certificate(world["C"], cert)
    ledger, _ = init_office(folder / f"{code}.sgdb", role="township", name=name, area_code=code,
                            admin_user="admin", password=PASSWORD)
    certificates.pin_county_certificate(ledger, cert)
    ledger.insert("enterprises", {"credit_code": f"9114032200000{code[-3:]}01", "township_code": code,
                                  "name": enterprise or f"{name[:20]}机械有限公司"})
    return ledger


@pytest.fixture
def newcomers(world, tmp_path):
    """南娄镇 and 牛村镇, set up after the others: their first packages reach the county together."""
    made = [new_township(world, tmp_path / "nanlou", "140322102", "南娄镇", "南娄耐材有限公司"),
            new_township(world, tmp_path / "niucun", "140322104", "牛村镇", "牛村铸造有限公司")]
    yield made
    for ledger in made:
        ledger.close()


@pytest.fixture
def frozen_minute(monkeypatch):
    """Every export happens at 2026-11-22 15:30 (two exports "in the same minute")."""
    class Fixed(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 11, 22, 15, 30, 12, tzinfo=tz) if tz else datetime(2026, 11, 22, 15, 30, 12)

    monkeypatch.setattr(exporter, "datetime", Fixed)


def copy_ledger(path: Path, target: Path):
    """The township's ledger copied to a second laptop (same site id, same keys)."""
    shutil.copy(path, target)
    shutil.copy(keys_path_for(path), keys_path_for(target))
    return open_ledger(target, passphrase=PASSWORD, user="admin")


def manifest_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(package.MANIFEST))


# -- several new townships in one import --------------------------------------------------------
def test_two_new_townships_are_enrolled_in_one_command_each_with_its_own_fingerprint(
        world, newcomers, tmp_path, monkeypatch, capsys):
    county = world["C"]
    nanlou, niucun = newcomers
    files = [str(sync_service.export_packages(t, tmp_path / "usb")[0].path) for t in newcomers]
    c_path = county.path
    county.close()
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    base = ["sync", "import", "--db", str(c_path), *files]

    # without fingerprints: one refusal naming both offices and both fingerprints
    assert cli.main(base) == PackageRejected.exit_code
    err = capsys.readouterr().err
    assert "2个未登记的单位" in err and "南娄镇" in err and "牛村镇" in err
    assert fingerprint(nanlou) in err and fingerprint(niucun) in err
    # one fingerprint: the other office's file refuses the whole batch, with its fingerprint
    assert cli.main([*base, "--accept-new-site", fingerprint(nanlou)]) == PackageRejected.exit_code
    err = capsys.readouterr().err
    assert "牛村镇" in err and fingerprint(niucun) in err and "再加一个 --accept-new-site" in err
    county = open_ledger(c_path, passphrase=PASSWORD, user="admin")
    assert county.scalar("SELECT count(*) FROM sites WHERE area_code IN ('140322102', '140322104')") == 0
    county.close()

    # each fingerprint given once (as heard: lower case, no spaces): both enrolled, both imported
    code = cli.main([*base, "--accept-new-site", fingerprint(niucun).lower().replace(" ", ""),
                     "--accept-new-site", fingerprint(nanlou), "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    results = json.loads(out)
    assert sorted(r["sender"] for r in results) == ["南娄镇", "牛村镇"]
    assert all(r["enrolled"] and r["status"] == "imported" and r["new_entries"] == 1 for r in results)
    county = open_ledger(c_path, passphrase=PASSWORD, user="admin")
    world["C"] = county
    pinned = dict(county.conn.execute(
        "SELECT id, fingerprint FROM sites WHERE trusted = 1 AND area_code IN ('140322102', '140322104')"))
    assert pinned == {nanlou.site_id: fingerprint(nanlou), niucun.site_id: fingerprint(niucun)}
    assert county.scalar("SELECT count(*) FROM enterprises WHERE name IN ('南娄耐材有限公司', '牛村铸造有限公司')") == 2
    # and the county answers each of them
    back = {r.recipient: r.path for r in sync_service.export_packages(county, tmp_path / "back")}
    assert sync_service.import_packages(nanlou, [back["南娄镇"]])[0].status == "imported"
    assert sync_service.import_packages(niucun, [back["牛村镇"]])[0].status == "imported"


def test_a_fingerprint_enrols_only_the_office_whose_certificate_has_it(world, newcomers, tmp_path):
    county = world["C"]
    nanlou, niucun = newcomers
    path = sync_service.export_packages(niucun, tmp_path / "usb")[0].path
    before = state(county)
    with pytest.raises(PackageRejected) as info:
        sync_service.import_packages(county, [path], accept_fingerprint=[fingerprint(nanlou)])
    assert info.value.reason == "fingerprint" and fingerprint(niucun) in str(info.value)
    assert state(county) == before


def test_an_impostor_among_new_townships_is_still_refused(world, newcomers, tmp_path):
    """A second ledger claiming 秀水镇's code, with its own fingerprint among the accepted
    ones: refused as enrolled_other_key, the batch with it, nothing enrolled."""
    county = world["C"]
    nanlou = newcomers[0]
    impostor = new_township(world, tmp_path / "impostor", CODES["A"], "秀水镇")
    try:
        files = [sync_service.export_packages(t, tmp_path / "usb")[0].path for t in (nanlou, impostor)]
        before = state(county)
        with pytest.raises(PackageRejected) as info:
            sync_service.import_packages(county, files,
                                         accept_fingerprint=[fingerprint(nanlou), fingerprint(impostor)])
        assert info.value.reason == "enrolled_other_key"
        assert state(county) == before
    finally:
        impostor.close()


def test_two_new_offices_claiming_one_code_are_both_refused(world, tmp_path):
    county = world["C"]
    first = new_township(world, tmp_path / "one", "140322102", "南娄镇")
    second = new_township(world, tmp_path / "two", "140322102", "南娄镇")
    try:
        files = [sync_service.export_packages(t, tmp_path / "usb")[0].path for t in (first, second)]
        before = state(county)
        with pytest.raises(PackageRejected) as info:
            sync_service.import_packages(county, files,
                                         accept_fingerprint=[fingerprint(first), fingerprint(second)])
        assert info.value.reason == "enrolled_other_key"
        assert "2个不同的单位都声称是区划代码140322102" in str(info.value)
        assert fingerprint(first) in str(info.value) and fingerprint(second) in str(info.value)
        assert state(county) == before
    finally:
        first.close()
        second.close()


# -- file names -----------------------------------------------------------------------------------
def test_file_names_carry_both_area_codes_and_a_glob_finds_a_townships_packages(world, tmp_path):
    county, a, b = world["C"], world["A"], world["B"]
    usb = tmp_path / "usb"
    up = sync_service.export_packages(a, usb)[0].path
    sync_service.export_packages(b, usb)
    down = {r.recipient: r.path for r in sync_service.export_packages(county, usb)}
    # issue 19 item 5: codes and the number only; the names are in the signed manifest
    assert up.name == f"{CODES['A']}-to-140322-000002.sgpkg"
    assert down["秀水镇"].name == f"140322-to-{CODES['A']}-000002.sgpkg"
    assert sorted(usb.glob(f"*{CODES['A']}*")) == sorted([up, down["秀水镇"]])
    assert sorted(usb.glob(f"{CODES['A']}-*")) == [up]
    assert sorted(usb.glob(f"*{CODES['B']}*")) == sorted(
        p for p in usb.iterdir() if manifest_of(p)["sender"]["name"] == "路家村镇"
        or manifest_of(p)["recipient"]["name"] == "路家村镇")
    # the name is for people, the manifest says the same
    assert manifest_of(down["秀水镇"])["recipient"]["site_id"] == a.site_id


def test_two_ledgers_of_one_office_never_replace_each_other_s_file(tmp_path):
    """Whatever the county holds (a re-keyed township, a ledger enrolled twice by an older
    version), the name is made of codes and the number: two ledgers of one office may be
    given one name, and the second file then takes the next free name, never the first's."""
    from shengui_desktop.sync import package

    me = {"area_code": "140322", "name": "盂县", "role": "county"}
    laptop = {"id": "a" * 16, "area_code": "140322100", "name": "秀水镇", "fingerprint": "D1AF 37B8 0000"}
    other = {**laptop, "id": "b" * 16, "fingerprint": "9C02 11AA 0000"}
    one, two = exporter.file_name(me, laptop, 1), exporter.file_name(me, other, 1)
    assert one == two == "140322-to-140322100-000001.sgpkg"
    first = package.write_bytes(tmp_path / one, b"first")
    second = package.write_bytes(tmp_path / two, b"second")
    assert second.name == "140322-to-140322100-000001-2.sgpkg" and first.read_bytes() == b"first"


def test_a_very_long_township_name_exports_and_imports(world, tmp_path):
    county = world["C"]
    with pytest.raises(UserError, match="单位名称过长"):  # 295 characters: refused since #19 item 5
        new_township(world, tmp_path / "longer", "140322107", "很长的乡镇名称" * 42 + "镇", "长名乡镇企业")
    name = "很长的乡镇名称" * 5 + "镇" * 5  # 40 characters (the limit), 120 bytes: still cut in file names
    assert len(name) == NAME_LIMITS["office"]
    long_one = new_township(world, tmp_path / "long", "140322106", name, "长名乡镇企业")
    try:
        up = sync_service.export_packages(long_one, tmp_path / "usb")[0].path
        assert up.name == "140322106-to-140322-000001.sgpkg"
        result = sync_service.import_packages(county, [up], accept_fingerprint=fingerprint(long_one))[0]
        assert result.enrolled and result.sender == name
        down = sync_service.export_packages(county, tmp_path / "usb", to="140322106")[0].path
        assert down.name == "140322-to-140322106-000001.sgpkg"
        assert sync_service.import_packages(long_one, [down])[0].status == "imported"
    finally:
        long_one.close()


def test_file_names_are_safe_for_any_stick():
    me = {"area_code": "140322", "name": "盂县", "role": "county"}
    peer = {"id": "c" * 16, "area_code": "14/03..22", "name": 'a\\b:c*d?"e<f>|g h_i\n', "fingerprint": "ABCD"}
    name = exporter.file_name(me, peer, 12345)
    assert not set('\\/:*?"<>|\n ') & set(name) and name.isascii()
    assert name == "140322-to-xcccccccc-012345.sgpkg"  # a code that is not letters and digits


# -- never replaced, never world-readable ----------------------------------------------------------
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_package_files_are_readable_by_their_owner_only(world, tmp_path):
    old = os.umask(0o022)
    try:
        path = sync_service.export_packages(world["A"], tmp_path / "usb")[0].path
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_two_laptops_with_one_ledger_writing_in_the_same_minute_leave_two_files(
        world, template, tmp_path, frozen_minute):
    """秀水镇's ledger copied to a second laptop: both export their 第2号包 to one stick in
    the same minute. The second file gets another name and says so; the county gets both,
    and is told the township's ledger runs on two computers."""
    a = world["A"]
    a2 = copy_ledger(a.path, tmp_path / "laptop2.sgdb")
    try:
        a.insert("enterprises", {"credit_code": "91140322000000L001", "name": "一号电脑录入企业",
                                 "township_code": CODES["A"]})
        a2.insert("enterprises", {"credit_code": "91140322000000L002", "name": "二号电脑录入企业",
                                  "township_code": CODES["A"]})
        usb = tmp_path / "usb"
        first = sync_service.export_packages(a, usb)[0]
        kept = first.path.read_bytes()
        second = sync_service.export_packages(a2, usb)[0]
        assert first.package_no == second.package_no == 2
        assert second.path != first.path and first.path.read_bytes() == kept
        assert second.path.name == first.path.name.replace(".sgpkg", "-2.sgpkg")
        assert len(list(usb.glob("*.sgpkg"))) == 2
        [notice] = second.notices
        assert f"已有同名的“{first.path.name}”" in notice and "未覆盖" in notice and second.path.name in notice
        results = sync_service.import_packages(world["C"], [first.path, second.path])
        assert [r.status for r in results] == ["imported", "imported"]
        assert not results[0].warnings
        assert any("另一个第2号包" in w and "两台电脑" in w for w in results[1].warnings)
    finally:
        a2.close()


def test_two_ledgers_of_one_township_on_one_stick_in_the_same_minute(world, tmp_path, frozen_minute):
    """A second ledger set up as 秀水镇 (not enrolled: one key per code) exports beside the
    enrolled one: two files; the county imports the real one and refuses the other."""
    county, a = world["C"], world["A"]
    second = new_township(world, tmp_path / "laptop2", CODES["A"], "秀水镇")
    try:
        a.insert("enterprises", {"credit_code": "91140322000000L003", "name": "真秀水镇企业",
                                 "township_code": CODES["A"]})
        usb = tmp_path / "usb"
        real = sync_service.export_packages(a, usb)[0].path
        other = sync_service.export_packages(second, usb)[0]
        assert other.path != real and len(list(usb.glob("*.sgpkg"))) == 2
        assert sync_service.import_packages(county, [real])[0].status == "imported"
        with pytest.raises(PackageRejected) as info:
            sync_service.import_packages(county, [other.path])
        assert info.value.reason == "enrolled_other_key"
    finally:
        second.close()


def test_writing_never_replaces_a_file_even_without_hard_links(tmp_path, monkeypatch):
    """A FAT stick has no hard links: the name is reserved by an exclusive create instead."""
    def no_links(*_a, **_k):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "x.sgpkg"
    target.write_bytes(b"someone else's package")
    written = package.write(target, b"{}", "c2ln", b"payload")
    assert written == tmp_path / "x-2.sgpkg"
    assert target.read_bytes() == b"someone else's package"
    with zipfile.ZipFile(written) as zf:
        assert zf.namelist() == list(package.NAMES)
    assert package.write(target, b"{}", "c2ln", b"payload") == tmp_path / "x-3.sgpkg"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x-2.sgpkg", "x-3.sgpkg", "x.sgpkg"]


# -- a package for another ledger of one's own office --------------------------------------------
def test_a_package_for_another_ledger_of_this_township_says_which_one(world, tmp_path):
    county, a = world["C"], world["A"]
    second = new_township(world, tmp_path / "laptop2", CODES["A"], "秀水镇")
    try:
        for_a = sync_service.export_packages(county, tmp_path / "usb", to=CODES["A"])[0].path
        before = state(second)
        with pytest.raises(PackageRejected) as info:
            sync_service.import_packages(second, [for_a])
        text = str(info.value)
        assert info.value.reason == "recipient" and state(second) == before
        assert "不是发给本单位的" not in text
        assert f"是发给“秀水镇”（{CODES['A']}）另一台电脑上的台账的" in text
        assert fingerprint(a)[:9] in text and fingerprint(second)[:9] in text  # 2 groups of each
        assert "更换乡镇密钥" in text
        # a package for another township names both
        with pytest.raises(PackageRejected) as info:
            sync_service.import_packages(world["B"], [for_a])
        assert "是发给“秀水镇”（140322100）的，不是发给本单位“路家村镇”（140322101）的" in str(info.value)
    finally:
        second.close()


def test_a_copied_ledger_reads_the_countys_packages(world, tmp_path):
    """The same ledger on two laptops is one site to the county: each copy opens its packages."""
    a2 = copy_ledger(world["A"].path, tmp_path / "laptop2.sgdb")
    try:
        world["C"].insert("enterprises", {"credit_code": "91140322000000K001", "name": "县里录入企业",
                                          "township_code": CODES["A"]})
        path = sync_service.export_packages(world["C"], tmp_path / "usb", to=CODES["A"])[0].path
        assert sync_service.import_packages(a2, [path])[0].status == "imported"
        assert sync_service.import_packages(world["A"], [path])[0].status == "imported"
    finally:
        a2.close()


# -- the window: one confirmation per new office, in turn ------------------------------------------
@pytest.fixture
def dialogs(monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    answers = {"files": [], "warnings": []}
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: (answers["files"], "")))
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda _p, title, text, *a: answers["warnings"].append((title, text))))
    return answers


def sync_tab(qtbot, ledger, folder):
    from test_ui_support import open_window

    window = open_window(qtbot, ledger, folder)
    window.show_page("数据同步")
    return window, window.sync_page.transfer


def confirm(qtbot, tab, expected_name: str, fp: str, number: int, total: int):
    """The dialog for `expected_name` is open; type the fingerprint as heard and accept."""
    from PySide6.QtCore import Qt
    from test_ui_support import type_text

    qtbot.waitUntil(lambda: tab.enrol_dialog is not None and tab.enrol_dialog.isVisible()
                    and tab.enrol_dialog.name_label.text() == expected_name, timeout=10000)
    dialog = tab.enrol_dialog
    assert dialog.windowTitle() == f"登记新单位（第{number}个，共{total}个）"
    assert dialog.sequence.isVisible() and f"来自{total}个未登记的单位" in dialog.sequence.text()
    assert dialog.view.text() == fp
    assert dialog.accept_button.text() == ("接受并导入" if number == total else "接受，核对下一个")
    type_text(qtbot, dialog.typed, fp.lower())
    assert dialog.accept_button.isEnabled()
    qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    return dialog


def test_the_window_asks_for_each_new_office_in_turn_and_imports_together(
        qtbot, world, newcomers, dialogs, tmp_path, monkeypatch):
    county, a = world["C"], world["A"]
    nanlou, niucun = newcomers
    a.insert("enterprises", {"credit_code": "91140322000000W001", "name": "秀水新录入企业",
                             "township_code": CODES["A"]})
    files = [sync_service.export_packages(t, tmp_path / "usb")[0].path for t in (nanlou, a, niucun)]
    calls = []
    real_import = sync_service.import_packages
    monkeypatch.setattr(sync_service, "import_packages",
                        lambda *args, **kw: calls.append((args[1], kw.get("accept_fingerprint")))
                        or real_import(*args, **kw))
    window, tab = sync_tab(qtbot, county, tmp_path / "win")
    dialogs["files"] = [str(p) for p in files]
    from PySide6.QtCore import Qt
    qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    first = confirm(qtbot, tab, "南娄镇", fingerprint(nanlou), 1, 2)
    # nothing is imported between the two dialogs
    assert county.scalar("SELECT count(*) FROM sites WHERE id = ?", (nanlou.site_id,)) == 0
    confirm(qtbot, tab, "牛村镇", fingerprint(niucun), 2, 2)
    assert tab.enrol_dialog is not first
    qtbot.waitUntil(lambda: "导入结果" in tab.result.toPlainText(), timeout=10000)
    text = tab.result.toPlainText()
    assert "导入3个" in text and "拒绝0个" in text
    assert "已登记新单位“南娄镇”" in text and "已登记新单位“牛村镇”" in text
    # one import of all three files, each new office with its own fingerprint
    [(paths, fps)] = calls
    assert sorted(map(Path, paths)) == sorted(files)
    assert sorted(fps) == sorted([fingerprint(nanlou), fingerprint(niucun)])
    assert {p["name"] for p in tab.peers.rows_data} == {"秀水镇", "路家村镇", "南娄镇", "牛村镇"}
    assert dialogs["warnings"] == []
    window.close()


def test_cancelling_the_second_new_office_imports_nothing(qtbot, world, newcomers, dialogs, tmp_path):
    from PySide6.QtCore import Qt

    county = world["C"]
    nanlou, niucun = newcomers
    files = [sync_service.export_packages(t, tmp_path / "usb")[0].path for t in newcomers]
    before = state(county)
    window, tab = sync_tab(qtbot, county, tmp_path / "win")
    dialogs["files"] = [str(p) for p in files]
    qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    confirm(qtbot, tab, "南娄镇", fingerprint(nanlou), 1, 2)
    qtbot.waitUntil(lambda: tab.enrol_dialog is not None and tab.enrol_dialog.isVisible()
                    and tab.enrol_dialog.name_label.text() == "牛村镇", timeout=10000)
    qtbot.mouseClick(tab.enrol_dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert tab.enrol_dialog is None
    assert "未登记“牛村镇”" in tab.result.toPlainText() and "台账未作任何修改" in tab.result.toPlainText()
    assert state(county) == before
    window.close()


def test_the_window_offers_no_enrolment_to_two_offices_claiming_one_code(qtbot, world, dialogs, tmp_path):
    from PySide6.QtCore import Qt

    county = world["C"]
    first = new_township(world, tmp_path / "one", "140322102", "南娄镇")
    second = new_township(world, tmp_path / "two", "140322102", "南娄镇")
    try:
        files = [sync_service.export_packages(t, tmp_path / "usb")[0].path for t in (first, second)]
        before = state(county)
        window, tab = sync_tab(qtbot, county, tmp_path / "win")
        dialogs["files"] = [str(p) for p in files]
        qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(dialogs["warnings"]), timeout=10000)
        assert tab.enrol_dialog is None
        [(_title, text)] = dialogs["warnings"]
        assert "2个不同的单位都声称是区划代码140322102" in text
        assert fingerprint(first) in text and fingerprint(second) in text
        assert "拒绝2个" in tab.result.toPlainText()
        assert state(county) == before
        window.close()
    finally:
        first.close()
        second.close()
