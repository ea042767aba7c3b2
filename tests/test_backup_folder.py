"""Issue 19: the 备份文件夹 setting in the window (设置 → 备份与恢复: the current folder shown,
更改…, 恢复默认, a refusal in Chinese) and on the command line (`shengui backup folder
[PATH|--default]`). An unwritable folder, or the folder the ledger itself is in, is refused
and the setting left as it was."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from conftest import PASSWORD
from shengui_desktop.cli.app import main
from shengui_desktop.errors import UserError
from shengui_desktop.services.office import backups
from shengui_desktop.ui.settings import backups as backups_tab

from test_ui_settings import boxes, settings_page  # noqa: F401


def test_the_ledger_s_own_folder_is_refused(county, tmp_path):
    with pytest.raises(UserError, match="台账所在的文件夹") as refused:
        backups.set_backup_folder(county, county.path.parent)
    assert "设置未改变" in str(refused.value)
    assert backups.folder_state(county.path)["is_default"]


def test_an_unwritable_folder_is_refused(county, tmp_path, monkeypatch):
    shut = tmp_path / "shut"
    shut.mkdir()
    if sys.platform != "win32" and os.geteuid() != 0:
        shut.chmod(0o500)
    else:  # root writes anywhere: the folder refuses the write as a read-only one would
        real = Path.write_bytes

        def refuse(self, data):
            if self.parent == shut:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real(self, data)
        monkeypatch.setattr(Path, "write_bytes", refuse)
    try:
        with pytest.raises(UserError, match="备份文件夹不可用") as refused:
            backups.set_backup_folder(county, shut)
    finally:
        shut.chmod(0o700)
    assert "设置未改变" in str(refused.value)
    assert backups.folder_state(county.path)["is_default"]


def test_the_command_line_shows_sets_and_resets_the_folder(county, tmp_path, monkeypatch, capsys):
    db = str(county.path)
    county.close()
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    default = str(county.path.parent / "backups")
    assert main(["backup", "folder", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == f"备份文件夹：{default}（默认）"
    usb = tmp_path / "usb" / "备份"
    assert main(["backup", "folder", str(usb), "--db", db]) == 0
    assert f"备份文件夹已设为：{usb}" in capsys.readouterr().out
    assert main(["backup", "folder", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"folder": str(usb), "default": default, "is_default": False}
    assert main(["backup", "--db", db]) == 0  # the next backup goes there
    assert str(usb) in capsys.readouterr().out
    assert main(["backup", "folder", str(county.path.parent), "--db", db]) != 0
    assert "台账所在的文件夹" in capsys.readouterr().err
    assert backups.backup_folder(county.path) == usb
    assert main(["backup", "folder", "--default", "--db", db]) == 0
    assert "恢复为默认" in capsys.readouterr().out
    assert str(backups.backup_folder(county.path)) == default
    assert main(["backup", "folder", "x", "--default", "--db", db]) != 0
    assert main(["backup", "--default", "--db", db]) != 0


def test_the_window_changes_and_resets_the_folder(qtbot, county, tmp_path, boxes, monkeypatch):  # noqa: F811
    window, page = settings_page(qtbot, county, tmp_path / "w")
    page.show_tab("备份与恢复")
    tab = page.backups_tab
    default = county.path.parent / "backups"
    assert tab.folder_label.text() == f"备份文件夹：{default}（默认）"
    assert tab.change_folder_button.isEnabled() and not tab.default_folder_button.isEnabled()
    answers = [str(county.path.parent), str(tmp_path / "usb")]
    monkeypatch.setattr(backups_tab, "ask_backup_folder", lambda _p, current: answers.pop(0))
    qtbot.mouseClick(tab.change_folder_button, Qt.MouseButton.LeftButton)  # the ledger's own folder
    assert boxes["warnings"] and "台账所在的文件夹" in boxes["warnings"][0][1]
    assert "台账所在的文件夹" in tab.status.text() and "（默认）" in tab.folder_label.text()
    qtbot.mouseClick(tab.change_folder_button, Qt.MouseButton.LeftButton)
    assert tab.folder_label.text() == f"备份文件夹：{tmp_path / 'usb'}（已更改；默认为 {default}）"
    assert backups.backup_folder(county.path) == tmp_path / "usb"
    assert tab.default_folder_button.isEnabled() and "改为" in tab.status.text()
    qtbot.mouseClick(tab.default_folder_button, Qt.MouseButton.LeftButton)
    assert backups.backup_folder(county.path) == default and "（默认）" in tab.folder_label.text()
    window.close()
