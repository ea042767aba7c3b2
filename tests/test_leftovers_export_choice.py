"""导出Excel of the Excel导入 page asks the year (目标任务, 奖补测算, 重点项目清单) or the month
(企业月度监测表) an export reads, and the file holds that year's or month's table; the kinds
that read neither are not asked."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import QApplication

from shengui_desktop.services import excel
from shengui_desktop.ui.excel_import import dialogs, export_choice
from shengui_desktop.ui.excel_import.export_choice import ExportChoiceDialog

from test_ui_support import open_window

TODAY = date(2026, 11, 23)  # the demo's day


def export_page(qtbot, ledger, tmp_path):
    window = open_window(qtbot, ledger, tmp_path, today=TODAY)
    window.show_page("Excel导入")
    return window, window.import_page


def trigger(qtbot, page, title: str) -> None:
    [action] = [a for a in page.export_button.menu().actions() if a.text() == f"{title}…"]
    action.trigger()
    qtbot.waitUntil(lambda: page.job is None, timeout=20000)


def titles(path) -> list[str]:
    return [str(ws.cell(1, 1).value) for ws in load_workbook(path).worksheets]


def test_which_kinds_take_a_year_or_a_month():
    assert excel.EXPORT_TAKES == {"targets": "year", "rewards": "year", "projects": "year", "monitor": "period"}
    assert set(excel.EXPORT_TAKES) <= set(excel.EXPORT_TITLES)


def test_the_dialog_offers_this_year_and_the_latest_month(qtbot, demo_county):
    years = ExportChoiceDialog(None, "目标任务完成情况", "year", demo_county, TODAY)
    qtbot.addWidget(years)
    assert years.choice() == {"year": 2026} and years.label() == "2026年"
    assert years.year.maximum() == 2027  # a target set for next year
    years.year.setValue(2025)
    assert years.choice() == {"year": 2025}
    months = ExportChoiceDialog(None, "企业月度监测表", "period", demo_county, TODAY)
    qtbot.addWidget(months)
    latest = demo_county.scalar("SELECT max(period) FROM monthly_figures")
    assert months.choice() == {"period": latest}
    assert months.month.maximumDate() == QDate(2026, 11, 23)  # no month still to come
    months.month.setDate(QDate(2026, 9, 1))
    assert months.choice() == {"period": "2026-09"} and months.label() == "2026年9月"


@pytest.mark.parametrize(("what", "typed", "said"), [
    ("targets", 2025, "2025年小升规目标任务完成情况"),
    ("rewards", 2025, "2025年小升规奖补测算"),
    ("monitor", "2026-09", "2026年9月"),
])
def test_the_chosen_year_or_month_is_exported(qtbot, demo_county, tmp_path, monkeypatch, what, typed, said):
    _window, page = export_page(qtbot, demo_county, tmp_path)
    title = excel.EXPORT_TITLES[what]
    out = tmp_path / "out.xlsx"
    names = []
    monkeypatch.setattr(dialogs, "ask_save_xlsx", lambda _p, _c, name: (names.append(name), str(out))[1])

    def answer():  # the real dialog, answered as a person would
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, ExportChoiceDialog) and w.isVisible())
        assert dialog.windowTitle() == f"导出{title}"
        if isinstance(typed, int):
            dialog.year.setValue(typed)
        else:
            dialog.month.setDate(QDate(int(typed[:4]), int(typed[5:]), 1))
        dialog.accept()
    QTimer.singleShot(200, answer)
    trigger(qtbot, page, title)
    assert page.last_export is not None and page.last_export["path"] == str(out), page.status.text()
    assert any(said in t for t in titles(out)), titles(out)
    label = f"{typed}年" if isinstance(typed, int) else "2026年9月"
    assert names == [f"{title}_{label}_{TODAY.isoformat()}.xlsx"]


def test_cancelling_the_choice_writes_nothing_and_other_kinds_are_not_asked(qtbot, demo_county, tmp_path,
                                                                         monkeypatch):
    _window, page = export_page(qtbot, demo_county, tmp_path)
    asked, saved = [], []
    monkeypatch.setattr(export_choice, "ask_export_choice", lambda *a: (asked.append(a[2]), None)[1])
    monkeypatch.setattr(dialogs, "ask_save_xlsx", lambda *_a: (saved.append(1), "")[1])
    trigger(qtbot, page, "目标任务完成情况")
    assert asked == ["year"] and saved == []
    trigger(qtbot, page, "企业库别")
    assert asked == ["year"] and saved == [1]
