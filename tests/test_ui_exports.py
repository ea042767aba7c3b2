"""导出Excel on the 走访记录 and 问题台账 pages: the workbook opens and holds the rows the page
shows, in its order; the issues under the filters set on the page (责任单位, 状态, 只看逾期),
which the sheet's note repeats; the export runs on the worker. The command line's
`excel export --what issues --department/--status/--overdue` writes the same rows."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from conftest import PASSWORD
from shengui_desktop.cli.app import main
from shengui_desktop.services.excel import activity_export
from shengui_desktop.services.ledger import reference, visits
from shengui_desktop.ui.excel_import import dialogs

from test_ui_support import add_enterprise, open_window

TODAY = date(2026, 11, 23)


def fill(ledger) -> dict:
    """Three enterprises, five visits, issues of two departments, one overdue, one settled."""
    names = ("秀水机械有限公司", "路家村化工有限公司", "秀水食品加工厂")
    ids = [add_enterprise(ledger, name, seed, township="140322100" if seed != 2 else "140322101")
           for seed, name in enumerate(names, start=1)]
    finance = reference.department_by_name(ledger, "金融办")["id"]
    land = reference.department_by_name(ledger, "自然资源局")["id"]
    for n, (eid, day) in enumerate(zip(ids * 2, ("2026-09-01", "2026-10-12", "2026-11-02",
                                                 "2026-11-15", "2026-08-20"))):
        visits.add_visit(ledger, eid, {"visit_date": day, "visitors": "张三、李四",
                                       "summary": f"第{n + 1}次走访：生产正常，订单较去年增加"})
    visits.add_visit(ledger, ids[0], {"visit_date": "2026-11-20", "visitors": "王五", "summary": "了解融资需求"}, [
        {"category": "finance", "description": "流动资金紧张，需要贷款500万元", "department_id": finance,
         "deadline": "2026-11-10"},  # overdue on TODAY
        {"category": "land", "description": "扩建用地指标", "department_id": land, "deadline": "2026-12-31"}])
    visits.add_visit(ledger, ids[1], {"visit_date": "2026-10-01", "visitors": "王五", "summary": "回访"}, [
        {"category": "finance", "description": "应收账款回款慢", "department_id": finance,
         "deadline": "2026-12-15"},
        {"category": "finance", "description": "担保费用高", "department_id": finance,
         "status": "resolved", "resolution": "已对接担保公司降费"}])
    return {"finance": finance, "land": land}


def sheet_rows(path, sheet: str) -> list[list]:
    ws = load_workbook(path)[sheet]
    header = [c.value for c in ws[3]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4) if isinstance(r[0].value, int)]
    return [dict(zip(header, r)) for r in rows]


def export_from(qtbot, page, monkeypatch, out) -> dict:
    monkeypatch.setattr(dialogs, "ask_save_xlsx", lambda *_a: str(out))
    page.export_button.click()
    assert not page.export_button.isEnabled()  # one export at a time, on the worker
    qtbot.waitUntil(lambda: page.export_job is None, timeout=20000)
    assert out.exists()
    return page.last_export


def test_visits_export_holds_the_rows_the_page_shows(qtbot, county, tmp_path, monkeypatch):
    fill(county)
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    window.show_page("走访记录")
    page = window.visits_page
    qtbot.waitUntil(lambda: page.loaded, timeout=10000)
    shown = page.model.rows_data
    assert len(shown) == 7
    out = tmp_path / "走访.xlsx"
    info = export_from(qtbot, page, monkeypatch, out)
    assert info["rows"] == 7 and "已导出走访记录7条" in window.statusBar().currentMessage()
    rows = sheet_rows(out, "走访记录")
    assert [(r["走访日期"].date().isoformat() if hasattr(r["走访日期"], "date") else r["走访日期"],
             r["企业名称"], r["走访情况"]) for r in rows] == \
        [(v["visit_date"], v["enterprise_name"], v["summary"]) for v in shown]
    assert [r["问题数"] for r in rows] == [v["issue_count"] or 0 for v in shown]
    assert rows[0]["乡镇（街道）"] in ("秀水镇", "路家村镇") and rows[0]["统一社会信用代码"]
    window.close()


def test_issues_export_follows_the_page_filters(qtbot, county, tmp_path, monkeypatch):
    ids = fill(county)
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    window.show_page("问题台账")
    page = window.issues_page
    qtbot.waitUntil(lambda: page.loaded, timeout=10000)
    assert len(page.model.rows_data) == 3  # 未办结 by default

    page.department.setCurrentIndex(page.department.findData(ids["finance"]))
    qtbot.waitUntil(lambda: page.loaded, timeout=10000)
    shown = page.model.rows_data
    assert [r["description"] for r in shown] == ["流动资金紧张，需要贷款500万元", "应收账款回款慢"]
    out = tmp_path / "问题.xlsx"
    info = export_from(qtbot, page, monkeypatch, out)
    assert info["rows"] == 2
    rows = sheet_rows(out, "问题台账")
    assert [r["问题描述"] for r in rows] == [r["description"] for r in shown]
    assert [r["责任单位"] for r in rows] == ["金融办", "金融办"]
    assert [r["是否超期"] for r in rows] == ["是", "否"]
    ws = load_workbook(out)["问题台账"]
    notes = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "责任单位：金融办" in notes and "状态：未办结" in notes

    page.overdue.setChecked(True)
    qtbot.waitUntil(lambda: page.loaded, timeout=10000)
    out = tmp_path / "逾期.xlsx"
    export_from(qtbot, page, monkeypatch, out)
    assert [r["问题描述"] for r in sheet_rows(out, "问题台账")] == ["流动资金紧张，需要贷款500万元"]

    page.overdue.setChecked(False)
    page.department.setCurrentIndex(0)
    page.status.setCurrentIndex(page.status.findText("全部状态"))
    qtbot.waitUntil(lambda: page.loaded and len(page.model.rows_data) == 4, timeout=10000)
    out = tmp_path / "全部.xlsx"
    export_from(qtbot, page, monkeypatch, out)
    got = [r["问题描述"] for r in sheet_rows(out, "问题台账")]
    assert got == [r["description"] for r in page.model.rows_data], (got, page.model.rows_data)
    window.close()


def test_the_command_line_exports_the_same_filtered_issues(county, tmp_path, monkeypatch, capsys):
    fill(county)
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    out = tmp_path / "cli.xlsx"
    assert main(["excel", "export", "--db", str(county.path), "--what", "issues", "--out", str(out),
                 "--department", "金融办", "--status", "unsettled"]) == 0
    assert "已导出问题台账2行" in capsys.readouterr().out
    assert [r["问题描述"] for r in sheet_rows(out, "问题台账")] == [
        i["description"] for i in visits.list_issues(county, department_id=reference.department_by_name(
            county, "金融办")["id"], statuses=("open", "in_progress"))]
    assert main(["excel", "export", "--db", str(county.path), "--what", "visits", "--out", str(out),
                 "--overdue"]) != 0
    assert "只用于问题台账" in capsys.readouterr().err
    assert main(["excel", "export", "--db", str(county.path), "--what", "issues", "--out", str(out),
                 "--department", "不存在的局"]) != 0
    assert "未知的责任单位" in capsys.readouterr().err


def test_the_status_choices_of_the_command_line_are_the_services():
    from shengui_desktop.cli.excel import ISSUE_STATUS_CHOICES

    assert ISSUE_STATUS_CHOICES == tuple(activity_export.STATUS_CHOICES)
