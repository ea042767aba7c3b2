"""Spreadsheet import and export: the use cases behind `shengui excel` and the window.

Import is all or nothing: every row of every sheet is read and checked first; only when no
row has a problem is anything written, in one transaction (planner.py; a dry run only
checks). Both directions take a progress callback (stage, done, total) and a cancel flag
(None, a callable or a threading.Event: shengui_desktop.progress), so the window can run
them on a worker thread; a cancelled import raises ImportCancelled.
"""

from ...progress import ImportCancelled
from .export import EXPORT_TAKES, EXPORT_TITLES, export_enterprises, export_table, write_import_template
from .layouts import FIELD_CHOICES, MONEY_UNITS, ColumnLayout, SheetLayout, inspect_file
from .planner import import_file
from .results import Change, ImportResult, SheetSummary

__all__ = ["Change", "ColumnLayout", "EXPORT_TAKES", "EXPORT_TITLES", "FIELD_CHOICES",
           "ImportCancelled",
           "ImportResult", "MONEY_UNITS", "SheetLayout", "SheetSummary", "export_enterprises",
           "export_table", "import_file", "inspect_file", "write_import_template"]
