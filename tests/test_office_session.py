"""The session service (unlock, users, passwords, a worker's connection, closing) and the set-up
service (a township with its county's certificate, a county with its policy profile), which the
window and the command line both call."""

import json
import threading

import pytest
import sqlcipher3
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from conftest import PASSWORD
from shengui_desktop.cli import main
from shengui_desktop.errors import LedgerDamaged, UserError, WrongPassphrase
from shengui_desktop.services import policy, sync
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.office import session, setup, site
from shengui_desktop.sync import certificates
from shengui_desktop.ui.start.unlock import UnlockDialog
from shengui_desktop.ui.start.wizard import SetupWizard


def _files(path):
    return [path, path.with_name(path.name + ".keys")]


# -- session ---------------------------------------------------------------------------------
def test_unlock_with_a_password_any_user_or_a_named_one(county):
    assert session.users(county.path) == ["admin"]
    for user in (None, "admin"):
        ledger = session.unlock(county.path, password=PASSWORD, user=user)
        try:
            assert ledger.user == "admin"
            assert site.this_site(ledger)["name"] == "盂县"
        finally:
            session.close(ledger)


def test_wrong_password_wrong_user_and_wrong_recovery_code_say_so(county):
    for kwargs in ({"password": "wrong-password"}, {"password": PASSWORD, "user": "nobody"}):
        with pytest.raises(WrongPassphrase) as e:
            session.unlock(county.path, **kwargs)
        assert str(e.value) == "用户名或密码错误，台账未打开。"
    with pytest.raises(WrongPassphrase, match="恢复码不正确，台账未打开"):
        session.unlock(county.path, recovery_code="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")
    with pytest.raises(UserError, match="需要密码才能打开台账"):
        session.unlock(county.path)


def test_a_missing_key_file_is_named(county, tmp_path):
    keys = county.path.with_name(county.path.name + ".keys")
    keys.rename(tmp_path / "elsewhere.keys")
    with pytest.raises(LedgerDamaged, match="找不到密钥文件"):
        session.users(county.path)
    with pytest.raises(LedgerDamaged, match="找不到密钥文件"):
        session.unlock(county.path, password=PASSWORD)


def test_recovery_code_opens_then_a_new_password_is_set(county):
    ledger = session.unlock(county.path, recovery_code=county.recovery_code.lower().replace("-", " "))
    try:
        assert ledger.user is None  # the code belongs to no user
        with pytest.raises(UserError, match="至少需要8个字符"):
            session.reset_password(ledger, county.recovery_code, "admin", "short")
        assert ledger.user is None
        session.reset_password(ledger, county.recovery_code, "admin", "brand-new-pass-1")
        assert ledger.user == "admin"
    finally:
        session.close(ledger)
    with pytest.raises(WrongPassphrase):
        session.unlock(county.path, password=PASSWORD)
    session.close(session.unlock(county.path, password="brand-new-pass-1", user="admin"))
    session.close(session.unlock(county.path, recovery_code=county.recovery_code))  # still valid


def test_change_password_then_reopen(county):
    with pytest.raises(WrongPassphrase):
        session.change_password(county.path, "admin", "not-the-password", "another-pass-2")
    session.change_password(county.path, "admin", PASSWORD, "another-pass-2")
    with pytest.raises(WrongPassphrase):
        session.unlock(county.path, password=PASSWORD)
    ledger = session.unlock(county.path, password="another-pass-2")
    assert ledger.scalar("SELECT count(*) FROM townships") == 2  # same data, not re-encrypted
    session.close(ledger)
    session.close(session.unlock(county.path, recovery_code=county.recovery_code))


def test_a_worker_connection_sees_what_was_committed_and_the_other_way_round(county):
    reference.add_department(county, "县科技局")
    seen = {}

    def work():  # a connection per thread, as the background jobs do
        own = session.worker_connection(county)
        try:
            seen["user"] = own.user
            seen["same_conn"] = own.conn is county.conn
            seen["department"] = own.scalar("SELECT count(*) FROM departments WHERE name = ?", ("县科技局",))
            reference.add_department(own, "县统计局")
        finally:
            session.close(own)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=30)
    assert seen == {"user": "admin", "same_conn": False, "department": 1}
    assert county.scalar("SELECT count(*) FROM departments WHERE name = ?", ("县统计局",)) == 1


def test_close_ends_the_session_and_keeps_what_it_wrote(county):
    ledger = session.unlock(county.path, password=PASSWORD)
    reference.add_department(ledger, "县商务局")
    session.close(ledger)
    with pytest.raises(sqlcipher3.dbapi2.ProgrammingError):
        ledger.scalar("SELECT 1")
    assert county.scalar("SELECT count(*) FROM departments WHERE name = ?", ("县商务局",)) == 1
    session.close(None)  # nothing open: nothing to do


# -- set-up ----------------------------------------------------------------------------------
def test_township_set_up_with_the_county_certificate(county, tmp_path):
    cert = tmp_path / "county.cert.json"
    sync.export_certificate(county, cert)
    path = tmp_path / "t" / "township.sgdb"
    made = setup.set_up_office(path, role="township", name=" 秀水镇 ", area_code="140322100",
                               admin_user="admin", password=PASSWORD, display_name="张三",
                               county_certificate=cert)
    try:
        assert made.done == ["已导入县级证书。"] and made.problems == []
        assert made.notes == ["已导入县级证书。"]
        me = site.this_site(made.ledger)
        assert (me["role"], me["name"], me["area_code"]) == ("township", "秀水镇", "140322100")
        assert len(me["fingerprint"].split()) == 8
        pinned = certificates.county_site(made.ledger)
        assert pinned["id"] == county.site_id
        assert pinned["fingerprint"] == site.this_site(county)["fingerprint"]
        assert made.ledger.scalar("SELECT name FROM townships WHERE code = '140322100'") == "秀水镇"
    finally:
        session.close(made.ledger)
    session.close(session.unlock(path, recovery_code=made.recovery_code))


def test_a_certificate_that_would_be_refused_writes_nothing(county, tmp_path):
    cert = tmp_path / "county.cert.json"
    sync.export_certificate(county, cert)
    path = tmp_path / "t.sgdb"
    args = dict(role="township", name="外县镇", admin_user="admin", password=PASSWORD)
    with pytest.raises(certificates.CertificateError, match="不属于县级区划140322"):
        setup.set_up_office(path, area_code="140423100", county_certificate=cert, **args)
    with pytest.raises(certificates.CertificateError, match="找不到证书文件"):
        setup.set_up_office(path, area_code="140322100", county_certificate=tmp_path / "no.json", **args)
    tampered = json.loads(cert.read_text("utf-8"))
    tampered["name"] = "假县"
    (tmp_path / "bad.json").write_text(json.dumps(tampered, ensure_ascii=False), "utf-8")
    with pytest.raises(certificates.CertificateError, match="签名无效"):
        setup.set_up_office(path, area_code="140322100", county_certificate=tmp_path / "bad.json", **args)
    with pytest.raises(certificates.CertificateError, match="只有乡镇台账需要导入县级证书"):
        setup.set_up_office(tmp_path / "c.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user="admin", password=PASSWORD, county_certificate=cert)
    with pytest.raises(UserError, match="9位数字"):
        setup.set_up_office(path, area_code="140322", county_certificate=cert, **args)
    assert not any(p.exists() for p in _files(path) + _files(tmp_path / "c.sgdb"))


def test_a_township_certificate_is_not_a_county_one(township, tmp_path):
    cert = tmp_path / "township.cert.json"
    sync.export_certificate(township, cert)
    with pytest.raises(certificates.CertificateError, match="不是县级证书"):
        setup.check_county_certificate(cert, "140322101")


def test_county_set_up_with_a_profile(tmp_path):
    path = tmp_path / "county.sgdb"
    made = setup.set_up_office(path, role="county", name="盂县", area_code="140322",
                               admin_user="admin", password=PASSWORD, profile="yuxian")
    try:
        assert made.done == ["已选择政策配置。"] and made.problems == []
        assert policy.active_profile_row(made.ledger)["code"] == "yuxian"
        assert made.ledger.meta("role") == "county"
    finally:
        session.close(made.ledger)


def test_an_unknown_profile_keeps_the_ledger_and_says_why(tmp_path):
    path = tmp_path / "county.sgdb"
    made = setup.set_up_office(path, role="county", name="盂县", area_code="140322",
                               admin_user="admin", password=PASSWORD, profile="nowhere")
    try:
        assert made.done == [] and len(made.problems) == 1
        assert "没有名为“nowhere”的政策配置" in made.problems[0]
        assert made.notes == [f"台账已创建，但：{made.problems[0]}"]
        assert policy.active_profile_row(made.ledger) is None
    finally:
        session.close(made.ledger)
    session.close(session.unlock(path, recovery_code=made.recovery_code))




# -- the window and the command line call the same services ------------------------------------
@pytest.fixture
def unlock_calls(monkeypatch):
    calls = []
    real = session.unlock

    def spy(path, **kwargs):
        # on_wait: the command line's notice while it waits after wrong passwords
        calls.append({k: v for k, v in kwargs.items() if v is not None and k != "on_wait"})
        return real(path, **kwargs)

    monkeypatch.setattr(session, "unlock", spy)
    return calls


def test_the_unlock_dialog_and_the_cli_unlock_through_the_session(qtbot, county, unlock_calls,
                                                                   monkeypatch, capsys):
    dialog = UnlockDialog(county.path)
    qtbot.addWidget(dialog)
    dialog.password.setText(PASSWORD)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10000)
    session.close(dialog.ledger)
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    assert main(["verify", "--db", str(county.path)]) == 0
    monkeypatch.setenv("SHENGUI_RECOVERY_CODE", county.recovery_code)
    assert main(["verify", "--db", str(county.path)]) == 0
    capsys.readouterr()
    assert unlock_calls == [{"password": PASSWORD, "user": "admin"}, {"password": PASSWORD},
                            {"recovery_code": county.recovery_code}]


def test_cli_init_sets_up_a_township_with_the_county_certificate(county, tmp_path, monkeypatch, capsys):
    cert = tmp_path / "county.cert.json"
    sync.export_certificate(county, cert)
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = tmp_path / "t.sgdb"
    assert main(["init", "--db", str(db), "--role", "township", "--name", "秀水镇",
                 "--area-code", "140322100", "--county-cert", str(cert), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    with session.unlock(db, password=PASSWORD) as ledger:
        assert certificates.county_site(ledger)["id"] == county.site_id
        assert site.this_site(ledger)["fingerprint"] == info["fingerprint"]
    # a certificate from another county: the same message as the wizard's, nothing written
    other = tmp_path / "other.sgdb"
    code = main(["init", "--db", str(other), "--role", "township", "--name", "外县镇",
                 "--area-code", "140423100", "--county-cert", str(cert)])
    assert code == 2 and "不属于县级区划140322" in capsys.readouterr().err
    assert not any(p.exists() for p in _files(other))


def test_cli_init_with_an_unknown_profile_still_prints_the_recovery_code(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = tmp_path / "c.sgdb"
    code = main(["init", "--db", str(db), "--role", "county", "--name", "盂县", "--area-code", "140322",
                 "--profile", "nowhere", "--json"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "错误：台账已创建，但：没有名为“nowhere”的政策配置" in err
    session.close(session.unlock(db, recovery_code=json.loads(out)["recovery_code"]))


def test_the_wizard_refuses_a_certificate_of_another_county_on_its_page(qtbot, county, tmp_path):
    cert = tmp_path / "county.cert.json"
    sync.export_certificate(county, cert)
    path = tmp_path / "t.sgdb"
    wizard = SetupWizard(path)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()  # 新建台账
    wizard.office.name.setText("外县镇")
    wizard.office.area_code.setText("140423100")
    wizard.next()
    wizard.admin.password.setText("Xiushui-2026!")
    wizard.admin.confirm.setText("Xiushui-2026!")
    wizard.next()
    wizard.connect_page.cert_path.setText(str(cert))
    wizard.next()
    assert wizard.currentPage() is wizard.connect_page
    assert "不属于县级区划140322" in wizard.connect_page.note.text()
    assert not any(p.exists() for p in _files(path))
    wizard.office.area_code.setText("140322100")  # back to the right township: it goes through
    wizard.next()
    qtbot.waitUntil(lambda: wizard.ledger is not None, timeout=15000)
    assert "已导入县级证书。" in wizard.recovery.status.text()
    assert certificates.county_site(wizard.ledger)["id"] == county.site_id
    wizard.recovery.stored.setChecked(True)
    wizard.accept()
    session.close(wizard.ledger)


# -- layers --------------------------------------------------------------------------------------
def _imports(package_dir):
    """(file, absolute module imported, under `if TYPE_CHECKING:`) for every import in the files
    of a package folder of shengui_desktop, lazy imports inside functions included."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for source in sorted((root / "shengui_desktop" / package_dir).rglob("*.py")):
        parts = list(source.relative_to(root).with_suffix("").parts)
        package = parts[:-1]  # a module's package; for __init__.py, the package itself
        tree = ast.parse(source.read_text("utf-8"))
        typing_only = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                typing_only.update(id(n) for stmt in node.body for n in ast.walk(stmt))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                names = [module] + [f"{module}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                yield source.name, name, id(node) in typing_only


def test_the_window_never_opens_storage_or_sync_itself():
    found = [(f, m) for f, m, typing_only in _imports("ui") if not typing_only
             and m.startswith(("shengui_desktop.storage", "shengui_desktop.sync"))]
    assert found == []
    assert any(m == "shengui_desktop.storage.ledger.Ledger" for _, m, _ in _imports("ui"))  # the walk works


def test_sync_does_not_import_services():
    found = [(f, m) for f, m, _ in _imports("sync") if m.startswith("shengui_desktop.services")]
    assert found == []
    assert any(m.startswith("shengui_desktop.domain.fingerprint") for _, m, _ in _imports("sync"))
