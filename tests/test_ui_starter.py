"""The starter package in the window (#21 item 5): the county's 制作乡镇初始包 dialog shows the
one-time code large and prints it; the first-run wizard's 从县里的初始包开始 path takes the file
and the code (a wrong code says so and writes nothing), shows what the file holds, asks for
the administrator, builds the ledger on the worker and shows the recovery code."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from conftest import PASSWORD
from shengui_desktop.paths import default_ledger_path
from shengui_desktop.services import policy
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.office import starter
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.ui.start import starter as starter_pages
from shengui_desktop.ui.start.wizard import SetupWizard
from shengui_desktop.ui.townships import starter as county_dialog

TOWN = "140322100"


@pytest.fixture(scope="module")
def county_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ui-starter")
    county, _ = init_office(folder / "county.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    reference.add_township(county, TOWN, "秀水镇")
    reference.add_township(county, "140322101", "路家村镇")
    generate(county, enterprises=20, townships=2, seed=3, as_of=date(2026, 11, 23))
    policy.choose_profile(county, "yuxian")
    made = starter.make_starter(county, TOWN, folder / "秀水镇.sgstart")
    county.close()
    return folder, made


@pytest.fixture
def county(county_template, tmp_path):
    folder, _made = county_template
    for name in ("county.sgdb", "county.sgdb.keys"):
        shutil.copy(folder / name, tmp_path / name)
    ledger = open_ledger(tmp_path / "county.sgdb", passphrase=PASSWORD, user="admin")
    yield ledger
    ledger.close()


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_the_county_dialog_makes_the_file_and_shows_the_code(qtbot, county, tmp_path, monkeypatch):
    dialog = county_dialog.StarterDialog(county, township="140322101")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.chosen_township() == "140322101"
    out = tmp_path / "usb" / "路家村镇.sgstart"
    out.parent.mkdir()
    monkeypatch.setattr(county_dialog, "ask_save_file", lambda *_a: str(out))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.made is not None or "未能" in dialog.message.text(), timeout=60000)
    made = dialog.made
    assert made is not None and out.exists() and made.code
    assert dialog.stack.currentIndex() == 1 and dialog.code_label.text() == made.code
    assert dialog.code_label.font().pointSize() >= 20 and dialog.print_button.isVisible()
    sheet = county_dialog.starter_sheet_html(made)
    assert made.code in sheet and "路家村镇" in sheet and made.fingerprint in sheet
    assert starter.preview_starter(out, made.code).township == "路家村镇"
    assert dialog.cancel_button.text() == "关闭"


def test_the_county_dialog_refuses_mismatched_passphrases(qtbot, county, monkeypatch):
    dialog = county_dialog.StarterDialog(county)
    qtbot.addWidget(dialog)
    asked = []
    monkeypatch.setattr(county_dialog, "ask_save_file", lambda *_a: asked.append(1) or "")
    dialog.by_passphrase.setChecked(True)
    dialog.passphrase.setText("一个足够长的口令")
    dialog.confirm.setText("另一个口令啊啊")
    dialog.save()
    assert "不一致" in dialog.message.text() and not asked


@pytest.fixture
def new_computer(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "new-computer"))
    path = default_ledger_path()
    assert not path.exists()
    return path


def test_the_wizard_sets_up_a_township_from_the_starter(qtbot, county_template, new_computer,
                                                       monkeypatch):
    folder, made = county_template
    wizard = SetupWizard(new_computer)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.start_page.starter_button.setChecked(True)
    wizard.next()
    page = wizard.starter_page
    assert wizard.currentPage() is page and not page.isComplete()
    monkeypatch.setattr(starter_pages, "ask_starter_file", lambda *_a: str(folder / "秀水镇.sgstart"))
    qtbot.mouseClick(page.browse, Qt.MouseButton.LeftButton)
    # a wrong code: said in Chinese, nothing on this computer, no way on
    page.code.setText("AAAAA-BBBBB-CCCCC-DDDDD")
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.running(), timeout=30000)
    assert "初始码不正确" in page.message.text() and not page.isComplete()
    assert files_under(new_computer.parent) == []
    # the right one, typed in lower case without dashes
    page.code.setText(starter.normalise_code(made.code).lower())
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.running(), timeout=30000)
    assert page.isComplete(), page.message.text()
    shown = page.contents.text()
    assert "秀水镇（140322100）" in shown and "盂县" in shown and made.fingerprint in shown
    assert f"企业：{made.enterprises}户" in shown
    wizard.next()
    assert wizard.currentPage() is wizard.admin
    assert wizard.button(wizard.WizardButton.NextButton).text() == "创建台账"
    wizard.admin.user.setText("zhang")
    wizard.admin.password.setText("town-password-1")
    wizard.admin.confirm.setText("town-password-1")
    wizard.next()
    done = wizard.starter_done
    assert wizard.currentPage() is done
    qtbot.waitUntil(lambda: not done.running(), timeout=60000)
    assert wizard.ledger is not None, done.status.text()
    assert done.recovery.isVisible() and done.recovery.code.text() == wizard.recovery_code
    assert not done.isComplete()  # the recovery code must be kept first
    done.recovery.stored.setChecked(True)
    assert done.isComplete()
    ledger = wizard.ledger
    assert ledger.scalar("SELECT count(*) FROM enterprises") == made.enterprises
    assert ledger.this_site()["area_code"] == TOWN and ledger.user == "zhang"
    wizard.accept()
    ledger.close()
    assert new_computer.exists()


def test_the_sync_page_enrols_a_starter_township_without_the_fingerprint_dialog(county, county_template,
                                                                               tmp_path):
    """数据同步 → 导入 at the county: the first package of a township set up from the county's
    starter is not offered for a phone check: it is enrolled and imported at once."""
    from shengui_desktop.services import sync as sync_service
    from shengui_desktop.ui.sync import flow

    folder, made = county_template
    preview = starter.preview_starter(folder / "秀水镇.sgstart", made.code)
    town = starter.set_up_from_starter(tmp_path / "town.sgdb", preview, admin_user="zhang",
                                       password="town-password-1").ledger
    try:
        first = sync_service.export_packages(town, tmp_path / "usb")[0].path
        info = sync_service.inspect_package(county, first)
        assert info["by_starter"] and not info["known_sender"]
        outcome = flow.import_files(county, [first], {}, progress=lambda *_a: None,
                                    cancelled=lambda: False)
        assert outcome.needs_enrolment == []
        assert [f.refusal for f in outcome.files] == [None]
        assert county.scalar("SELECT trusted FROM sites WHERE area_code = ?", (TOWN,)) == 1
    finally:
        town.close()
