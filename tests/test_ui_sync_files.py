"""Issue 19 item 5, file names from codes: a package is named `140322100-to-140322-000007.sgpkg`
(ASCII, codes and number), and where a person picks a file (数据同步 → U盘中的同步包) the
offices are shown by name, read from the file's signed manifest. Old names still import."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt

from shengui_desktop.services import sync

from test_ui_sync import dialogs, enrol, export_from, offices, sync_page  # noqa: F401


def test_the_file_name_is_codes_and_the_number(offices, tmp_path):  # noqa: F811
    county, township = offices
    path = export_from(township, tmp_path / "usb")
    assert path.name == "140322100-to-140322-000001.sgpkg"
    assert path.name.isascii()


def test_an_old_name_still_imports(offices, tmp_path):  # noqa: F811
    county, township = offices
    path = export_from(township, tmp_path / "usb")
    old = path.with_name("140322100_秀水镇_至140322_盂县_指纹9F3A_20261122-1530_0001.sgpkg")
    shutil.move(path, old)
    [row] = sync.describe_files(county, [old])
    assert (row["sender"], row["sender_code"], row["recipient"], row["recipient_code"]) == \
        ("秀水镇", "140322100", "盂县", "140322")
    from shengui_desktop.services.office.site import this_site
    [result] = sync.import_packages(county, [old], accept_fingerprint=this_site(township)["fingerprint"])
    assert result.status == "imported"


def test_the_list_names_the_offices_from_the_signed_manifest(qtbot, offices, dialogs, tmp_path):  # noqa: F811
    county, township = offices
    usb = tmp_path / "usb"
    enrol(county, township, usb)                          # package 1, imported
    second = export_from(township, usb)                   # package 2, not yet
    (usb / "notes.sgpkg").write_bytes(b"not a package")   # a damaged file says so
    (usb / ".140322100-to-140322-000003.abc.part").write_bytes(b"half")  # never listed
    rows = {r["file"]: r for r in sync.describe_files(county, sync.packages_in(usb))}
    assert set(rows) == {"140322100-to-140322-000001.sgpkg", second.name, "notes.sgpkg"}
    assert rows[second.name]["sender"] == "秀水镇" and rows[second.name]["verified"]
    assert sync.file_state(rows["140322100-to-140322-000001.sgpkg"]) == "已导入"
    assert sync.file_state(rows[second.name]) == "未导入"
    assert sync.file_state(rows["notes.sgpkg"]).startswith("无法读取：")

    window, page = sync_page(qtbot, county, tmp_path / "c")
    tab = page.transfer
    tab._remember_dir(usb)
    qtbot.mouseClick(tab.stick_button, Qt.MouseButton.LeftButton)
    dialog = tab.packages_dialog
    qtbot.waitUntil(lambda: len(dialog.model.rows_data) == 3, timeout=10000)
    shown = {r["file"]: r for r in dialog.model.rows_data}
    assert shown[second.name]["sender"] == "秀水镇" and shown[second.name]["state"] == "未导入"
    # what is not yet imported and is for this office is chosen already
    assert dialog.chosen() == [second]
    assert dialog.import_button.text() == "导入所选（1个）"
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "导入结果" in tab.result.toPlainText(), timeout=10000)
    assert "导入1个" in tab.result.toPlainText()
    assert county.scalar("SELECT count(*) FROM imported_packages") == 2
    window.close()
