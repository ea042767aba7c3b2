"""The import wizard's file dialogs, in Chinese whatever Qt translation is loaded (tests
replace these two functions)."""

from __future__ import annotations


from PySide6.QtWidgets import QWidget

from ..common import ask_open_file, ask_save_file

IMPORT_FILTER = "Excel或CSV文件 (*.xlsx *.xls *.xlsm *.csv);;所有文件 (*)"
XLSX_FILTER = "Excel文件 (*.xlsx)"


def ask_open_path(parent: QWidget, folder: str = "") -> str:
    """The spreadsheet to import; '' when cancelled."""
    return ask_open_file(parent, "选择要导入的Excel或CSV文件", folder, IMPORT_FILTER)


def ask_save_xlsx(parent: QWidget, caption: str, suggested: str) -> str:
    """Where to save an .xlsx; asks before replacing a file; '' when cancelled."""
    return ask_save_file(parent, caption, suggested, XLSX_FILTER, "xlsx")
