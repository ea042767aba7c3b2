"""The import wizard's file dialogs, in Chinese whatever Qt translation is loaded (tests
replace these two functions)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

IMPORT_FILTER = "Excel或CSV文件 (*.xlsx *.xls *.xlsm *.csv);;所有文件 (*)"
XLSX_FILTER = "Excel文件 (*.xlsx)"


def _chinese(dialog: QFileDialog, accept: str) -> None:
    for label, text in ((QFileDialog.DialogLabel.LookIn, "位置："),
                        (QFileDialog.DialogLabel.FileName, "文件名："),
                        (QFileDialog.DialogLabel.FileType, "文件类型："),
                        (QFileDialog.DialogLabel.Accept, accept),
                        (QFileDialog.DialogLabel.Reject, "取消")):
        dialog.setLabelText(label, text)


def ask_open_path(parent: QWidget, folder: str = "") -> str:
    """The spreadsheet to import; '' when cancelled."""
    dialog = QFileDialog(parent, "选择要导入的Excel或CSV文件", folder, IMPORT_FILTER)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    _chinese(dialog, "打开")
    if dialog.exec() == QFileDialog.DialogCode.Accepted and dialog.selectedFiles():
        return dialog.selectedFiles()[0]
    return ""


def ask_save_xlsx(parent: QWidget, caption: str, suggested: str) -> str:
    """Where to save an .xlsx; asks before replacing a file; '' when cancelled."""
    dialog = QFileDialog(parent, caption, suggested, XLSX_FILTER)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix("xlsx")
    dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, True)
    _chinese(dialog, "保存")
    dialog.selectFile(Path(suggested).name)
    while dialog.exec() == QFileDialog.DialogCode.Accepted and dialog.selectedFiles():
        path = dialog.selectedFiles()[0]
        if not Path(path).exists():
            return path
        answer = QMessageBox.question(parent, "文件已存在", f"“{Path(path).name}”已存在，要替换它吗？")
        if answer == QMessageBox.StandardButton.Yes:
            return path
    return ""
