"""月度监测 (#18 item 4a) on the demo county under 闽侯's profile, three enterprises without
October figures: the page's marks are the CLI's (`shengui monitor --json`), row by row and
mark by mark; the filters narrow it as the CLI's options do; 导出Excel writes the rows shown;
打印 and 报表打印's month picker print the month chosen; a double click opens the enterprise;
a figure typed elsewhere redraws it. And the service's flag filter."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt

from conftest import PASSWORD
from reports_helpers import TODAY, flat, needs_poppler, pdf_pages
from shengui_desktop.cli import main as cli_main
from shengui_desktop.errors import UserError
from shengui_desktop.services import policy
from shengui_desktop.services.ledger.figures import record_month
from shengui_desktop.services.policy.monitoring import monitoring_table, resolve_flag
from shengui_desktop.ui.common import OVERDUE_BRUSH, WARN_BRUSH
from shengui_desktop.ui.monitoring import page as page_module
from test_ui_support import open_window

XIUSHUI = "140322100"


@pytest.fixture
def ledger(demo_county, monkeypatch):
    """The demo county under 闽侯 (watched: 基础信息库 and last year's revenue ≥500万), with
    three 基础信息库 enterprises whose October figures are not in yet."""
    policy.choose_profile(demo_county, "minhou")
    late = demo_county.rows(
        "SELECT f.id, f.enterprise_id FROM monthly_figures f JOIN enterprises e ON e.id = f.enterprise_id"
        " WHERE e.pool = 'base' AND f.period = '2026-10' ORDER BY e.name LIMIT 3")
    assert len(late) == 3
    with demo_county.transaction():
        for row in late:
            demo_county.delete("monthly_figures", row["id"])
    demo_county.late_ids = [r["enterprise_id"] for r in late]
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    return demo_county


def cli_json(capsys, ledger, *options) -> dict:
    capsys.readouterr()
    code = cli_main(["monitor", "--db", str(ledger.path), "--today", TODAY.isoformat(), "--json", *options])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def cli_marks(data: dict) -> set[tuple[str, str]]:
    """(enterprise, mark) as `shengui monitor` gives them: 【N月未报】 and each 提示."""
    out = set()
    for r in data["rows"]:
        if not r["reported"]:
            out.add((r["enterprise_id"], "unreported"))
        out |= {(r["enterprise_id"], f["code"]) for f in r["flags"]}
    return out


def monitoring_page(qtbot, ledger, tmp_path):
    window = open_window(qtbot, ledger, tmp_path, today=TODAY)
    window.show_page("月度监测")
    page = window.monitoring_page
    assert window.stack.currentWidget() is page
    wait_loaded(qtbot, page)
    return window, page


def wait_loaded(qtbot, page) -> None:
    qtbot.waitUntil(lambda: not page.loading and page.table is not None, timeout=20000)


def enterprise_rows(model) -> list[dict]:
    return [model.row(i) for i in range(model.rowCount()) if model.row(i).get("enterprise_id")]


def page_marks(page) -> set[tuple[str, str]]:
    return {(r["enterprise_id"], m.code) for r in enterprise_rows(page.month_model) for m in r["marks"]}


def test_the_pages_marks_are_the_clis(qtbot, ledger, tmp_path, capsys):
    window, page = monitoring_page(qtbot, ledger, tmp_path)
    assert page.month.date() == QDate(2026, 10, 1)  # default_period: the latest month with figures
    data = cli_json(capsys, ledger)
    assert data["period"] == "2026-10"
    rows = enterprise_rows(page.month_model)
    assert [r["enterprise_id"] for r in rows] == [r["enterprise_id"] for r in data["rows"]]
    marks = page_marks(page)
    assert marks == cli_marks(data)
    # the demo gives both kinds: three months not reported, and the rules' flags
    assert {m for m in marks if m[1] == "unreported"} == {(eid, "unreported") for eid in ledger.late_ids}
    assert {"not_visited", "reached_scale_not_entered"} <= {code for _e, code in marks}
    # coloured as marked: red for the month not reported, yellow for a 提示, none otherwise
    for i, r in enumerate(enterprise_rows(page.month_model)):
        index = page.month_model.index(i, 0)
        brush = page.month_model.data(index, Qt.ItemDataRole.BackgroundRole)
        codes = {m.code for m in r["marks"]}
        assert brush == (OVERDUE_BRUSH if "unreported" in codes else WARN_BRUSH if codes else None), r["name"]
        if codes:
            assert page.month_model.text(i, 4) == "、".join(m.name for m in r["marks"])
    last = page.month_model.row(page.month_model.rowCount() - 1)
    assert last["enterprise_id"] is None and last["name"] == f"合计（{len(data['rows'])}户）"
    # another month, set on the page: still the CLI's
    page.set_filters(period="2026-09")
    wait_loaded(qtbot, page)
    september = cli_json(capsys, ledger, "--period", "2026-09")
    assert page.table.period == "2026-09" and page_marks(page) == cli_marks(september)
    assert not any(code == "unreported" for _e, code in page_marks(page))
    window.close()


def test_filters_narrow_the_table_as_the_cli_options_do(qtbot, ledger, tmp_path, capsys):
    window, page = monitoring_page(qtbot, ledger, tmp_path)
    everyone = len(enterprise_rows(page.month_model))
    page.township.setCurrentIndex(page.township.findData(XIUSHUI))
    wait_loaded(qtbot, page)
    rows = enterprise_rows(page.month_model)
    assert rows and len(rows) < everyone and {r["township"] for r in rows} == {"秀水镇"}
    data = cli_json(capsys, ledger, "--township", "秀水镇")
    assert [r["enterprise_id"] for r in rows] == [r["enterprise_id"] for r in data["rows"]]
    assert page_marks(page) == cli_marks(data)
    assert page.summary.text().count("秀水镇") == 1 and f"共{len(rows)}户" in page.summary.text()
    # and the quarterly comparison is over the same enterprises
    assert {r["enterprise_id"] for r in enterprise_rows(page.quarter_model)} == {r["enterprise_id"] for r in rows}

    department = ledger.one("SELECT d.id, d.name FROM enterprises e JOIN departments d ON d.id = e.department_id"
                            " WHERE e.township_code = ? GROUP BY d.id ORDER BY count(*) DESC LIMIT 1", (XIUSHUI,))
    page.department.setCurrentIndex(page.department.findData(department["id"]))
    wait_loaded(qtbot, page)
    data = cli_json(capsys, ledger, "--township", "秀水镇", "--department", department["name"])
    assert [r["enterprise_id"] for r in enterprise_rows(page.month_model)] == \
        [r["enterprise_id"] for r in data["rows"]]

    # a pool replaces the profile's watched set, as --pool does; offered: 闽侯's pools and
    # those the demo's enterprises are still in
    assert [page.pool.itemText(i) for i in range(page.pool.count())] == [
        "按监测范围", "基础信息库", "储备库", "培育库", "入统库", "规上企业"]
    page.set_filters(pool="cultivation")
    wait_loaded(qtbot, page)
    data = cli_json(capsys, ledger, "--pool", "培育库")
    assert [r["enterprise_id"] for r in enterprise_rows(page.month_model)] == \
        [r["enterprise_id"] for r in data["rows"]]
    assert {r["status"] for r in enterprise_rows(page.month_model)} == {"培育库"}

    # a mark keeps the rows carrying it; the 合计 is theirs
    page.set_filters(flag="unreported")
    wait_loaded(qtbot, page)
    rows = enterprise_rows(page.month_model)
    assert {r["enterprise_id"] for r in rows} == set(ledger.late_ids)
    assert page.month_model.row(page.month_model.rowCount() - 1)["name"] == "合计（3户）"
    page.flag.setCurrentIndex(page.flag.findText("长期未走访"))
    wait_loaded(qtbot, page)
    assert enterprise_rows(page.month_model)
    assert all("not_visited" in {m.code for m in r["marks"]} for r in enterprise_rows(page.month_model))

    # nothing left: the empty table says what to do
    page.set_filters(township=XIUSHUI, flag="late_report")
    wait_loaded(qtbot, page)
    assert page.month_model.rowCount() == 0
    hint = page.month_view.empty_hint
    assert hint.isVisible() and "可更换上方的乡镇" in hint.text()
    window.close()


def test_export_writes_the_rows_shown(qtbot, ledger, tmp_path, monkeypatch):
    window, page = monitoring_page(qtbot, ledger, tmp_path)
    page.set_filters(township=XIUSHUI)
    wait_loaded(qtbot, page)
    out = tmp_path / "监测.xlsx"
    asked = []
    monkeypatch.setattr(page_module, "ask_save_file", lambda _p, _c, suggested, *_a: asked.append(suggested)
                        or str(out))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: out.exists() and not page.runner.busy(), timeout=20000)
    assert asked == ["企业月度监测表_2026-10_秀水镇.xlsx"]
    book = load_workbook(out, read_only=True)
    assert book.sheetnames[:2] == ["月度监测", "季度对标"]

    def names(sheet) -> list[str]:
        rows = list(sheet.iter_rows(values_only=True))
        header = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
        return [r[1] for r in rows[header + 1:] if r and isinstance(r[0], int)]

    shown = [r["name"] for r in enterprise_rows(page.month_model)]
    assert names(book["月度监测"]) == shown and len(shown) > 3
    assert names(book["季度对标"]) == [r["line"].name for r in enterprise_rows(page.quarter_model)]
    title = next(book["月度监测"].iter_rows(values_only=True))[0]
    assert "2026年10月企业月度监测表" in title
    assert "已导出" in window.statusBar().currentMessage()
    window.close()


@needs_poppler
def test_print_generates_the_month_chosen(qtbot, ledger, tmp_path):
    window, page = monitoring_page(qtbot, ledger, tmp_path)
    page.set_filters(period="2026-09", township=XIUSHUI)
    wait_loaded(qtbot, page)
    printing = window.print_page
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is printing and printing.kind().code == "monitor"
    qtbot.waitUntil(lambda: printing.job is None and printing.viewer.page_count() > 0, timeout=30000)
    assert printing.choice() == {"kind": "monitor", "period": "2026-09", "township": XIUSHUI}
    text = flat("".join(shown_pdf(printing, tmp_path / "a.pdf")))
    assert "2026年9月企业月度监测表" in text and "2026年10月" not in text
    names = {r["name"] for r in enterprise_rows(page.month_model)}
    assert all(flat(n) in text for n in names)
    others = [r["name"] for r in ledger.rows("SELECT e.name FROM enterprises e WHERE e.township_code <> ?",
                                              (XIUSHUI,))]
    assert not any(flat(n) in text for n in others)
    assert printing.viewer.file_name.startswith("企业月度监测表_秀水镇_2026年9月")
    window.close()


@needs_poppler
def test_the_print_pages_month_picker(qtbot, ledger, tmp_path):
    """报表打印 → 企业月度监测表: the month is offered (the latest with figures first), only
    for that report, and the PDF is of the month chosen."""
    window = open_window(qtbot, ledger, tmp_path, today=TODAY)
    window.show_page("报表打印")
    printing = window.print_page
    printing.select("ledger")
    assert not printing.month.isEnabled() and "不按月份" in printing.month.toolTip()
    printing.select("monitor")
    assert printing.month.isEnabled() and printing.labels["month"].text() == "月份"
    assert printing.month.date() == QDate(2026, 10, 1)
    assert printing.month.maximumDate() == QDate(2026, 11, 23)  # no month yet to come
    printing.month.setDate(QDate(2026, 6, 1))
    assert printing.choice() == {"kind": "monitor", "period": "2026-06"}
    qtbot.mouseClick(printing.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: printing.job is None and printing.viewer.page_count() > 0, timeout=30000)
    text = flat("".join(shown_pdf(printing, tmp_path / "june.pdf")))
    assert "2026年6月企业月度监测表" in text and "2026年第二季度对标" in text
    assert printing.viewer.file_name.startswith("企业月度监测表_2026年6月")
    window.close()


def shown_pdf(printing, out) -> list[str]:
    printing.viewer.pages.write(list(range(printing.viewer.page_count())), out)
    return pdf_pages(out)


def test_double_click_opens_the_enterprise_and_a_new_figure_redraws(qtbot, ledger, tmp_path):
    from shengui_desktop.ui.enterprise.window import EnterpriseWindow

    window, page = monitoring_page(qtbot, ledger, tmp_path)
    rows = enterprise_rows(page.month_model)
    late = next(i for i, r in enumerate(rows) if not r["reported"])
    view = page.month_view
    rect = view.visualRect(page.month_model.index(late, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert rows[late]["name"] in page.detail.text() and "10月未报送数据" in page.detail.text()
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    opened = [w for w in window.open_windows if isinstance(w, EnterpriseWindow)]
    assert [w.enterprise_id for w in opened] == [rows[late]["enterprise_id"]]
    for w in opened:
        w.close()
    # the 合计 row opens nothing
    total = page.month_model.rowCount() - 1
    view.scrollTo(page.month_model.index(total, 1))
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      pos=view.visualRect(page.month_model.index(total, 1)).center())
    assert not [w for w in window.open_windows if isinstance(w, EnterpriseWindow) and w.isVisible()]

    # October typed in for that enterprise (as the 月度数据 grid does): the page redraws
    eid = rows[late]["enterprise_id"]
    record_month(ledger, eid, "2026-10", {"revenue": 1_000_000, "output_value": 1_100_000})
    window.bus.tell({"monthly_figures"}, {eid})
    qtbot.waitUntil(lambda: not page.loading and all(
        r["reported"] for r in enterprise_rows(page.month_model) if r["enterprise_id"] == eid), timeout=20000)
    assert (eid, "unreported") not in page_marks(page)
    window.close()


# -- the service ----------------------------------------------------------------------------------
def test_the_flag_filter_of_the_service(ledger):
    assert resolve_flag(None) is None
    assert resolve_flag("当月未报") == "unreported" and resolve_flag("exit_risk") == "exit_risk"
    assert resolve_flag("有提示") == "any"
    with pytest.raises(UserError, match="提示“下滑”无效"):
        resolve_flag("下滑")
    whole = monitoring_table(ledger, "2026-10", quarter=True, today=TODAY)
    late = monitoring_table(ledger, "2026-10", quarter=True, today=TODAY, flag="当月未报")
    assert {r.enterprise_id for r in late.rows} == set(ledger.late_ids) == \
        {r.enterprise_id for r in whole.rows if not r.reported}
    assert late.unreported == 3 and "提示：当月未报" in late.scope
    assert late.totals["revenue"].month is None  # none of them reported: nothing to add up
    assert {x.enterprise_id for x in late.quarter.lines} == set(ledger.late_ids)
    marked = monitoring_table(ledger, "2026-10", today=TODAY, flag="any")
    assert {r.enterprise_id for r in marked.rows} == {r.enterprise_id for r in whole.rows
                                                     if r.flags or not r.reported}
    flagged = [r for r in marked.rows if r.flags]
    assert marked.totals["revenue"].month == sum(r.measures["revenue"].month or 0 for r in marked.rows)
    assert flagged


def test_an_empty_ledger_says_what_to_do(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    window.show_page("月度监测")
    page = window.monitoring_page
    wait_loaded(qtbot, page)
    assert page.month_model.rowCount() == 0 and page.quarter_model.rowCount() == 0
    assert page.month.date() == QDate(2026, 10, 1)  # no figures at all: last month
    hint = page.month_view.empty_hint
    assert hint.isVisible() and hint.text().startswith("暂无监测企业") and "企业台账" in hint.text()
    assert "共0户" in page.summary.text() and "尚未选择政策配置" in page.notes.text()
    window.close()


def test_a_choice_made_while_loading_wins(qtbot, ledger, tmp_path):
    """Choices made in quick succession: the earlier jobs are cancelled, the table shown is
    the last choice's, and the window answers meanwhile."""
    window, page = monitoring_page(qtbot, ledger, tmp_path)
    page.township.setCurrentIndex(page.township.findData(XIUSHUI))
    first = page.job
    assert page.loading and first is not None and page.summary.text() == page_module.LOADING_TEXT
    page.township.setCurrentIndex(page.township.findText("路家村镇"))
    assert first.is_cancelled() and page.job is not first
    window.show_page("问题台账")  # the GUI thread is free
    window.show_page("月度监测")
    wait_loaded(qtbot, page)
    assert page.table.scope == "路家村镇"
    assert {r["township"] for r in enterprise_rows(page.month_model)} == {"路家村镇"}
    qtbot.waitUntil(lambda: not page.runner.busy(), timeout=20000)
    window.close()


def test_monitor_filters_are_only_for_the_monitoring_export(ledger, tmp_path):
    from shengui_desktop.services import excel

    with pytest.raises(UserError, match="只用于企业月度监测表"):
        excel.export_table(ledger, "issues", tmp_path / "x.xlsx", today=TODAY, monitor_filters={"flag": "any"})
    assert not (tmp_path / "x.xlsx").exists()
    with pytest.raises(UserError, match="提示“下滑”无效"):
        excel.export_table(ledger, "monitor", tmp_path / "y.xlsx", today=TODAY, monitor_filters={"flag": "下滑"})
    assert not (tmp_path / "y.xlsx").exists()
