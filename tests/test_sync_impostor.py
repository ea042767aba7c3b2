"""SYNC.md property 7, one enrolled key per office code: a second ledger set up as 秀水镇
(140322100), the code the county enrolled, is an impostor or a township that reinstalled.
Its packages are refused -- with or without --accept-new-site -- never receive a record and
never change one. Only the deliberate re-keying (services.sync.rekey_site, `shengui sync
rekey`, 更换乡镇密钥) replaces the enrolled key, and the old key is revoked from then on."""

from __future__ import annotations

import hashlib
import json
import threading
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from shengui_desktop import cli
from shengui_desktop.errors import UserError
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.sync import certificates, package
from shengui_desktop.sync.errors import ImportCancelled, PackageRejected

from conftest import PASSWORD
from helpers import content_hash
from sync_helpers import CODES, exchange, fingerprint, world_fixtures

template, world = world_fixtures("impostor")

WARNING = "已登记的秀水镇使用另一把密钥；可能是冒充，或乡镇重装了电脑"


def state(ledger) -> tuple:
    """Everything an import could change: content, log, packages, sites and their keys,
    acknowledgements, the key audit log."""
    return (content_hash(ledger), ledger.scalar("SELECT count(*) FROM change_log"),
            ledger.scalar("SELECT count(*) FROM imported_packages"),
            ledger.rows("SELECT id, trusted, sign_public_key, revoked_at FROM sites ORDER BY id"),
            ledger.scalar("SELECT group_concat(acked_vector) FROM peer_state"),
            ledger.scalar("SELECT count(*) FROM site_key_events"),
            ledger.scalar("SELECT count(*) FROM site_key_history"))


def refused(ledger, paths, reason: str, **kw) -> PackageRejected:
    before = state(ledger)
    with pytest.raises(PackageRejected) as info:
        sync_service.import_packages(ledger, paths if isinstance(paths, list) else [paths], **kw)
    assert info.value.reason == reason, (info.value.reason, str(info.value))
    assert state(ledger) == before
    return info.value


def real_enterprises(county) -> list[str]:
    return [r[0] for r in county.conn.execute(
        "SELECT id FROM enterprises WHERE township_code = ? ORDER BY credit_code", (CODES["A"],))]


def new_xiushui(world, folder: Path, name: str = "xiushui-new"):
    """A new ledger set up as 秀水镇 with the county's certificate: from its files the county
    cannot tell an impostor from the township after a reinstall."""
    folder.mkdir(parents=True, exist_ok=True)
    cert = folder / "county.cert.json"
    sync_service.export_certificate(world["C"], cert)
    ledger, _ = init_office(folder / f"{name}.sgdb", role="township", name="秀水镇",
                            area_code=CODES["A"], admin_user="admin", password=PASSWORD)
    certificates.pin_county_certificate(ledger, cert)
    return ledger


@pytest.fixture
def impostor(world, tmp_path):
    ledger = new_xiushui(world, tmp_path / "impostor")
    yield ledger
    ledger.close()


def impostor_package(world, impostor, folder: Path) -> Path:
    """An enterprise of its own, and a copy of one of the real township's enterprises (its
    id and credit code, seen on a printout) renamed, with a visit."""
    county = world["C"]
    real = county.get("enterprises", real_enterprises(county)[0])
    impostor.insert("enterprises", {"credit_code": "91140322000000X001", "name": "冒充者的企业",
                                    "township_code": CODES["A"]})
    impostor.insert("enterprises", {"id": real["id"], "credit_code": real["credit_code"],
                                    "name": real["name"], "township_code": CODES["A"]})
    impostor.update("enterprises", real["id"], {"name": "被冒充者改名", "address": "冒充者的地址"})
    impostor.insert("visits", {"enterprise_id": real["id"], "visit_date": "2026-11-03",
                               "visitors": "冒充者", "summary": "假走访"})
    return sync_service.export_packages(impostor, folder)[0].path


def reinstalled_package(ledger, folder: Path, note: str = "重装后录入") -> Path:
    ledger.insert("enterprises", {"credit_code": "91140322000000R001", "name": f"秀水新企业（{note}）",
                                  "township_code": CODES["A"]})
    return sync_service.export_packages(ledger, folder)[0].path


def recipient_of(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(package.MANIFEST))["recipient"]["site_id"]


# -- an impostor, accepted or not, gets nothing and changes nothing --------------------------
def test_the_impostor_is_refused_and_never_offered_as_a_new_office(world, impostor, tmp_path):
    county = world["C"]
    path = impostor_package(world, impostor, tmp_path / "usb")
    err = refused(county, path, "enrolled_other_key")
    text = str(err)
    assert WARNING in text
    assert "更换乡镇密钥" in text and f"shengui sync rekey --area-code {CODES['A']}" in text
    assert "未登记" not in text and "--accept-new-site 指纹 重新导入" not in text
    assert fingerprint(impostor) not in text  # nothing to copy into an acceptance
    assert fingerprint(world["A"]) in text  # the enrolled key it is not
    # accepting it as a new office with its own fingerprint is refused the same way
    err = refused(county, path, "enrolled_other_key", accept_fingerprint=fingerprint(impostor))
    assert WARNING in str(err)
    assert county.scalar("SELECT count(*) FROM sites WHERE id = ?", (impostor.site_id,)) == 0
    # what the window asks before importing: not a new office, the enrolled one it claims
    info = sync_service.inspect_package(county, path)
    assert not info["known_sender"] and not info["revoked"]
    assert info["enrolled_as"]["id"] == world["A"].site_id and info["enrolled_as"]["name"] == "秀水镇"
    # and nothing in the services pins a second key for the code
    with pytest.raises(certificates.CertificateError, match="已登记"):
        certificates.pin_site(county, certificates.verify_certificate(
            certificates.export_certificate(impostor)))


def test_the_county_sends_the_impostor_nothing(world, impostor, tmp_path):
    county, a = world["C"], world["A"]
    path = impostor_package(world, impostor, tmp_path / "usb")
    refused(county, path, "enrolled_other_key", accept_fingerprint=fingerprint(impostor))
    county.update("enterprises", real_enterprises(county)[1], {"note": "县里的修改"})
    results = sync_service.export_packages(county, tmp_path / "out")
    assert {recipient_of(r.path) for r in results} == {a.site_id, world["B"].site_id}
    [to_xiushui] = sync_service.export_packages(county, tmp_path / "out2", to=CODES["A"])
    assert recipient_of(to_xiushui.path) == a.site_id
    with pytest.raises(UserError, match="没有已登记的单位"):
        sync_service.export_packages(county, tmp_path / "out3", to=impostor.site_id)
    before = content_hash(impostor)
    for r in (*results, to_xiushui):
        with pytest.raises(PackageRejected) as info:
            sync_service.import_packages(impostor, [r.path])
        assert info.value.reason == "recipient"
    assert content_hash(impostor) == before
    assert impostor.get("enterprises", real_enterprises(county)[1]) is None


def test_the_real_township_keeps_importing_and_its_records_are_untouched(world, impostor, tmp_path):
    county, a = world["C"], world["A"]
    ent = real_enterprises(county)[0]
    name = county.get("enterprises", ent)["name"]
    path = impostor_package(world, impostor, tmp_path / "usb")
    refused(county, path, "enrolled_other_key", accept_fingerprint=fingerprint(impostor))
    a.update("enterprises", ent, {"note": "秀水镇的修改"})
    _e, result = exchange(a, county, tmp_path / "a")
    assert result.status == "imported" and not result.enrolled and result.rekeyed is None
    saved = county.get("enterprises", ent)
    assert saved["note"] == "秀水镇的修改" and saved["name"] == name and saved["address"] != "冒充者的地址"
    assert county.scalar("SELECT count(*) FROM visits WHERE visitors = '冒充者'") == 0
    assert county.scalar("SELECT count(*) FROM enterprises WHERE name = '冒充者的企业'") == 0
    assert sync_service.list_conflicts(county) == []
    # the impostor trying again later, in a batch with a good file, spoils nothing but its own
    a.update("enterprises", ent, {"note": "第二次修改"})
    good = sync_service.export_packages(a, tmp_path / "a2")[0].path
    with pytest.raises(PackageRejected, match="另一把密钥"):
        sync_service.import_packages(county, [good, path])
    assert sync_service.import_packages(county, [good])[0].status == "imported"


def test_command_line_refuses_the_impostor_even_with_accept_new_site(world, impostor, tmp_path,
                                                                    monkeypatch, capsys):
    county = world["C"]
    path = impostor_package(world, impostor, tmp_path / "usb")
    before = state(county)
    c_path = county.path
    county.close()
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    assert cli.main(["sync", "import", "--db", str(c_path), str(path)]) == PackageRejected.exit_code
    assert WARNING in capsys.readouterr().err
    assert cli.main(["sync", "import", "--db", str(c_path), str(path),
                     "--accept-new-site", fingerprint(impostor)]) == PackageRejected.exit_code
    err = capsys.readouterr().err
    assert WARNING in err and "sync rekey" in err
    world["C"] = open_ledger(c_path, passphrase=PASSWORD, user="admin")
    assert state(world["C"]) == before


# -- the deliberate re-keying ----------------------------------------------------------------
def test_rekey_from_the_command_line_replaces_the_key_and_revokes_the_old_one(world, tmp_path,
                                                                             monkeypatch, capsys):
    county, old = world["C"], world["A"]
    ent = real_enterprises(county)[0]
    old.update("enterprises", ent, {"note": "原电脑最后的修改"})
    late_old = sync_service.export_packages(old, tmp_path / "old")[0].path  # never delivered
    new = new_xiushui(world, tmp_path / "reinstalled")
    try:
        first = reinstalled_package(new, tmp_path / "new")
        heard = fingerprint(new)
        c_path = county.path
        county.close()
        monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
        # a fingerprint that was misheard: nothing changes
        wrong = "0000" + heard.replace(" ", "")[4:]
        assert cli.main(["sync", "rekey", "--db", str(c_path), "--area-code", CODES["A"],
                         "--fingerprint", wrong, str(first)]) == PackageRejected.exit_code
        assert "不一致" in capsys.readouterr().err
        assert cli.main(["sync", "rekey", "--db", str(c_path), "--user", "admin", "--area-code", CODES["A"],
                         "--fingerprint", heard.lower().replace(" ", ""), str(first)]) == 0
        out = capsys.readouterr()
        assert "警告" in out.err and "吊销" in out.err
        assert f"已更换“秀水镇”（{CODES['A']}）的登记密钥" in out.out and "已吊销" in out.out
        county = world["C"] = open_ledger(c_path, passphrase=PASSWORD, user="admin")

        assert county.scalar("SELECT count(*) FROM enterprises WHERE name LIKE '秀水新企业%'") == 1
        was = county.one("SELECT * FROM sites WHERE id = ?", (old.site_id,))
        assert was["trusted"] == 0 and was["revoked_at"] and was["replaced_by"] == new.site_id
        assert county.scalar("SELECT trusted FROM sites WHERE id = ?", (new.site_id,)) == 1
        [event] = [e for e in sync_service.key_events(county, CODES["A"]) if e["kind"] == "rekey"]
        assert event["old_fingerprint"] == fingerprint(old) and event["new_fingerprint"] == heard
        assert event["old_site_id"] == old.site_id and event["new_site_id"] == new.site_id
        assert event["by_user"] == "admin" and event["package_id"]

        # the old key's packages are refused from now on, accepted or not
        err = refused(county, late_old, "revoked")
        assert "已吊销的密钥" in str(err) and fingerprint(old) in str(err)
        old.update("enterprises", ent, {"note": "原电脑又改了"})
        again = sync_service.export_packages(old, tmp_path / "old2")[0].path
        refused(county, again, "revoked", accept_fingerprint=fingerprint(old))
        assert sync_service.inspect_package(county, again)["revoked"]
        assert county.get("enterprises", ent)["note"] != "原电脑又改了"

        # the county's next package goes to the new key, with the township's records
        _e, back = exchange(county, new, tmp_path / "back")
        assert back.status == "imported"
        assert {r[0] for r in new.conn.execute("SELECT id FROM enterprises WHERE township_code = ?",
                                               (CODES["A"],))} >= set(real_enterprises(county))
        with pytest.raises(PackageRejected):
            sync_service.import_packages(old, [sync_service.export_packages(
                county, tmp_path / "back2", to=CODES["A"])[0].path])
        # and the new key's later packages keep importing
        new.update("enterprises", ent, {"note": "新电脑的修改"})
        _e, later = exchange(new, county, tmp_path / "new2")
        assert later.status == "imported" and county.get("enterprises", ent)["note"] == "新电脑的修改"
        # re-running the re-keying: nothing to replace
        with pytest.raises(PackageRejected) as info:
            sync_service.rekey_site(county, [first], area_code=CODES["A"], fingerprint=heard)
        assert info.value.reason == "rekey_not_needed"
    finally:
        new.close()


def test_after_a_rekey_a_third_key_is_refused_again(world, tmp_path):
    county = world["C"]
    new = new_xiushui(world, tmp_path / "reinstalled")
    other = new_xiushui(world, tmp_path / "third", name="xiushui-third")
    try:
        sync_service.rekey_site(county, [reinstalled_package(new, tmp_path / "new")],
                                area_code=CODES["A"], fingerprint=fingerprint(new))
        path = reinstalled_package(other, tmp_path / "third-usb", "第三台")
        err = refused(county, path, "enrolled_other_key", accept_fingerprint=fingerprint(other))
        assert WARNING in str(err) and fingerprint(new) in str(err)
    finally:
        new.close()
        other.close()


def test_rekey_refusals_change_nothing(world, impostor, tmp_path):
    county = world["C"]
    path = impostor_package(world, impostor, tmp_path / "usb")
    before = state(county)
    with pytest.raises(UserError, match="没有已登记"):
        sync_service.rekey_site(county, [path], area_code="140322102", fingerprint=fingerprint(impostor))
    with pytest.raises(PackageRejected) as info:  # a package of another township
        b_path = sync_service.export_packages(world["B"], tmp_path / "b")[0].path
        sync_service.rekey_site(county, [b_path], area_code=CODES["A"], fingerprint=fingerprint(world["B"]))
    assert info.value.reason == "rekey_mismatch"
    with pytest.raises(PackageRejected) as info:  # the enrolled township's own package
        a_path = sync_service.export_packages(world["A"], tmp_path / "a")[0].path
        sync_service.rekey_site(county, [a_path], area_code=CODES["A"], fingerprint=fingerprint(world["A"]))
    assert info.value.reason == "rekey_not_needed"
    with pytest.raises(PackageRejected) as info:
        sync_service.rekey_site(county, [path], area_code=CODES["A"], fingerprint="0000 1111 2222 3333")
    assert info.value.reason == "fingerprint" and fingerprint(impostor) not in str(info.value)
    assert state(county) == before


def test_a_cancelled_rekey_changes_nothing_and_can_be_done_afterwards(world, tmp_path):
    county = world["C"]
    new = new_xiushui(world, tmp_path / "reinstalled")
    try:
        for i in range(20):
            new.insert("enterprises", {"credit_code": f"91140322000000N{i:03d}", "name": f"新企业{i}",
                                       "township_code": CODES["A"]})
        path = sync_service.export_packages(new, tmp_path / "usb")[0].path
        before = state(county)
        cancel = threading.Event()

        def progress(stage, done, total):
            if stage == "merge":
                cancel.set()
        with pytest.raises(ImportCancelled):
            sync_service.rekey_site(county, [path], area_code=CODES["A"], fingerprint=fingerprint(new),
                                    progress=progress, cancel=cancel)
        assert state(county) == before  # the old key is still the enrolled one
        [result] = sync_service.rekey_site(county, [path], area_code=CODES["A"], fingerprint=fingerprint(new))
        assert result.rekeyed["new_site_id"] == new.site_id and result.new_entries == 20
    finally:
        new.close()


def test_a_key_change_vouched_by_the_old_key_revokes_the_old_key(world, tmp_path):
    """The township still has its key: it changes keys itself (rotate-keys), the county
    follows without a phone call, and a package still signed by the old key is refused.
    Its changes are not lost: the next package carries what the county never acknowledged."""
    county, a = world["C"], world["A"]
    ent = real_enterprises(county)[0]
    old_fp = fingerprint(a)
    a.update("enterprises", ent, {"note": "换钥之前"})
    before_rotation = sync_service.export_packages(a, tmp_path / "1")[0].path
    sync_service.rotate_keys(a)
    a.update("enterprises", ent, {"address": "换钥之后"})
    _e, result = exchange(a, county, tmp_path / "2")
    assert any("更换密钥" in w for w in result.warnings)
    assert county.get("enterprises", ent)["note"] == "换钥之前"
    [event] = [e for e in sync_service.key_events(county, CODES["A"]) if e["kind"] == "rotation"]
    assert event["old_fingerprint"] == old_fp and event["new_fingerprint"] == fingerprint(a)
    err = refused(county, before_rotation, "revoked")
    assert "已吊销的密钥" in str(err)


def test_the_enrolled_site_id_with_another_key_is_refused_and_can_be_rekeyed(world, impostor, tmp_path):
    """A package that copies the enrolled township's site id but is signed with another
    (self-certified) key: not a forgery of the file, a claim of the code under another key."""
    county, a = world["C"], world["A"]
    real = sync_service.export_packages(impostor, tmp_path / "usb")[0].path
    with zipfile.ZipFile(real) as zf:
        manifest = json.loads(zf.read(package.MANIFEST))
    me = impostor.one("SELECT * FROM sites WHERE is_self = 1")
    body = {"format": certificates.FORMAT, "version": certificates.VERSION, "site_id": a.site_id,
            "role": "township", "name": "秀水镇", "area_code": CODES["A"],
            "sign_public_key": me["sign_public_key"], "age_recipient": me["age_recipient"],
            "fingerprint": me["fingerprint"]}
    cert = {**body, "self_signature": certificates.sign(impostor, certificates.canonical(body))}
    payload = package.compress_and_encrypt(b"", county.scalar("SELECT age_recipient FROM sites WHERE is_self = 1"))
    manifest["sender"].update(site_id=a.site_id, fingerprint=me["fingerprint"])
    manifest.update(sender_certificate=cert, entries=0, counts={}, audit_entries=0)
    manifest["payload"].update(size=len(payload), sha256=hashlib.sha256(payload).hexdigest())
    data = json.dumps(manifest, ensure_ascii=False).encode()
    path = package.write(tmp_path / "same-id.sgpkg", data, certificates.sign(impostor, data), payload)
    err = refused(county, path, "enrolled_other_key", accept_fingerprint=me["fingerprint"])
    assert WARNING in str(err)
    # replaced in place after the phone check: the site keeps its id, the old key is revoked
    sync_service.rekey_site(county, [path], area_code=CODES["A"], fingerprint=me["fingerprint"])
    row = county.one("SELECT * FROM sites WHERE id = ?", (a.site_id,))
    assert row["trusted"] == 1 and row["fingerprint"] == me["fingerprint"] and row["revoked_at"] is None
    refused(county, sync_service.export_packages(a, tmp_path / "a")[0].path, "revoked")


def test_a_township_refuses_a_second_county_with_the_same_code(world, tmp_path):
    a = world["A"]
    other, _ = init_office(tmp_path / "other-county.sgdb", role="county", name="盂县", area_code="140322",
                           admin_user="admin", password=PASSWORD)
    try:
        certificates.pin_site(other, certificates.verify_certificate(certificates.export_certificate(a)))
        path = sync_service.export_packages(other, tmp_path / "usb", to=CODES["A"])[0].path
        county_fp = other.scalar("SELECT fingerprint FROM sites WHERE is_self = 1")
        err = refused(a, path, "enrolled_other_key", accept_fingerprint=county_fp)
        assert "已登记的盂县使用另一把密钥；可能是冒充，或县里重装了电脑" in str(err)
        assert "更换县级密钥" in str(err)
    finally:
        other.close()


def test_a_second_key_enrolled_by_an_older_version_gets_nothing_until_a_rekey(world, tmp_path):
    """Before property 7 was enforced, --accept-new-site pinned a second key beside the first.
    Such a ledger keeps working for the first enrolled; the later one is refused and sent
    nothing, and the re-keying can still give the code to it after the phone check."""
    county, a = world["C"], world["A"]
    new = new_xiushui(world, tmp_path / "reinstalled")
    try:
        body = certificates.verify_certificate(certificates.export_certificate(new))
        with county.transaction():  # what the old version's enrolment wrote
            county.conn.execute(
                "INSERT INTO sites(id, role, name, area_code, sign_public_key, age_recipient, fingerprint,"
                " is_self, trusted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 1, '2999-01-01T00:00:00')",
                (body["site_id"], body["role"], body["name"], body["area_code"], body["sign_public_key"],
                 body["age_recipient"], body["fingerprint"]))
            county.conn.execute("INSERT INTO peer_state(site_id) VALUES (?)", (body["site_id"],))
        path = reinstalled_package(new, tmp_path / "usb")
        err = refused(county, path, "enrolled_other_key")
        assert WARNING in str(err)
        assert {recipient_of(r.path) for r in sync_service.export_packages(county, tmp_path / "out")} \
            == {a.site_id, world["B"].site_id}
        assert [p["site_id"] for p in sync_service.sync_status(county) if p["area_code"] == CODES["A"]] \
            == [a.site_id]
        _e, result = exchange(a, county, tmp_path / "a")  # the first enrolled keeps importing
        assert result.status == "imported"
        [result] = sync_service.rekey_site(county, [path], area_code=CODES["A"], fingerprint=fingerprint(new))
        assert result.rekeyed["old_site_id"] == a.site_id and result.new_entries == 1
        assert [p["site_id"] for p in sync_service.sync_status(county) if p["area_code"] == CODES["A"]] \
            == [new.site_id]
        refused(county, sync_service.export_packages(a, tmp_path / "a2")[0].path, "revoked")
    finally:
        new.close()


# -- the window ------------------------------------------------------------------------------
@pytest.fixture
def dialogs(monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    state_ = {"files": [], "warnings": []}
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: (state_["files"], "")))
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda _p, title, text, *a: state_["warnings"].append((title, text))))
    return state_


def test_the_window_shows_the_refusal_and_offers_rekeying_not_enrolment(qtbot, world, dialogs, tmp_path):
    from test_ui_support import open_window, type_text

    county = world["C"]
    new = new_xiushui(world, tmp_path / "reinstalled")
    try:
        path = reinstalled_package(new, tmp_path / "usb")
        world["A"].update("enterprises", real_enterprises(county)[0], {"note": "原电脑"})
        old_package = sync_service.export_packages(world["A"], tmp_path / "old")[0].path
        before = state(county)
        window = open_window(qtbot, county, tmp_path / "win")
        window.show_page("数据同步")
        tab = window.sync_page.transfer
        assert not tab.rekey_button.isVisible()
        dialogs["files"] = [str(path)]
        qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(dialogs["warnings"]), timeout=10000)
        assert tab.enrol_dialog is None  # never offered as a new office
        [(title, text)] = dialogs["warnings"]
        assert title == "同步包未导入" and WARNING in text
        assert WARNING in tab.result.toPlainText() and "更换乡镇密钥" in tab.result.toPlainText()
        assert tab.rekey_button.isVisible() and tab.rekey_button.text() == "更换乡镇密钥…"
        assert state(county) == before

        # the dialog: both fingerprints, the warning, and the new one typed as heard
        qtbot.mouseClick(tab.rekey_button, Qt.MouseButton.LeftButton)
        dialog = tab.rekey_dialog
        assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == "更换乡镇密钥"
        assert dialog.old_view.text() == fingerprint(world["A"])
        assert dialog.new_view.text() == fingerprint(new)
        assert "吊销" in dialog.warning.text()
        dialog.confirm.setChecked(True)
        assert not dialog.accept_button.isEnabled()  # ticking alone is not enough
        type_text(qtbot, dialog.typed, "0000" + fingerprint(new).replace(" ", "")[4:])
        assert "第1组" in dialog.typed_state.text() and not dialog.accept_button.isEnabled()
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        assert tab.rekey_dialog is None and "未更换" in tab.result.toPlainText()
        assert state(county) == before

        qtbot.mouseClick(tab.rekey_button, Qt.MouseButton.LeftButton)
        dialog = tab.rekey_dialog
        type_text(qtbot, dialog.typed, fingerprint(new).lower())
        assert "一致" in dialog.typed_state.text() and not dialog.accept_button.isEnabled()
        dialog.confirm.setChecked(True)
        assert dialog.accept_button.isEnabled()
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "已更换“秀水镇”" in tab.result.toPlainText(), timeout=10000)
        assert not tab.rekey_button.isVisible()
        assert county.scalar("SELECT trusted FROM sites WHERE id = ?", (new.site_id,)) == 1
        assert county.scalar("SELECT trusted FROM sites WHERE id = ?", (world["A"].site_id,)) == 0
        pinned = [p for p in tab.peers.rows_data if p["name"] == "秀水镇"]
        assert [p["site_id"] for p in pinned] == [new.site_id]
        assert len(dialogs["warnings"]) == 1

        # the old laptop's package afterwards: refused as revoked, offered nothing
        dialogs["files"] = [str(old_package)]
        qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(dialogs["warnings"]) == 2, timeout=10000)
        assert "已吊销的密钥" in dialogs["warnings"][1][1]
        assert tab.enrol_dialog is None and not tab.rekey_button.isVisible()
        window.close()
    finally:
        new.close()
