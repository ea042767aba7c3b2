"""Exports (formats, every table), the round trip, the templates and the CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from excel_build import credit
from openpyxl import load_workbook

from shengui_desktop.cli import main
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.excel import EXPORT_TITLES, export_table, import_file
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.spreadsheets.templates import write_template

from conftest import PASSWORD

TEMPLATES = Path(__file__).resolve().parent.parent / "resources" / "templates"
ENTERPRISE_COLUMNS = (
    "credit_code, name, township_code, industry_code, stat_status, pool, source, liaison_cadre,"
    " address, legal_person, contact_person, contact_phone, established_date, entered_stats_date,"
    " exited_stats_date, tags, note, (SELECT name FROM departments d WHERE d.id = department_id)")
FIGURES = ("SELECT e.credit_code, f.period, f.revenue, f.output_value, f.tax_paid,"
           " f.electricity_kwh, f.employees FROM monthly_figures f JOIN enterprises e"
           " ON e.id = f.enterprise_id ORDER BY 1, 2")


def empty_county(tmp_path, name="other"):
    ledger, _ = init_office(tmp_path / f"{name}.sgdb", role="county", name="盂县",
                            area_code="140322", admin_user="admin", password=PASSWORD)
    for name_ in reference.STANDARD_DEPARTMENTS:
        reference.add_department(ledger, name_)
    return ledger


def test_round_trip_enterprises_and_figures(demo_county, tmp_path):
    out = tmp_path / "企业名单.xlsx"
    info = export_table(demo_county, "enterprises", out, today=date(2026, 11, 23))
    assert info["rows"] == 40
    figures = tmp_path / "月度数据.xlsx"
    assert export_table(demo_county, "figures", figures, today=date(2026, 11, 23))["rows"] == \
        demo_county.scalar("SELECT count(*) FROM monthly_figures")
    target = empty_county(tmp_path)
    try:
        # the townships are new to this ledger: created once the person confirms it (#15 item 1)
        assert not import_file(target, out, dry_run=True).ok
        result = import_file(target, out, create_townships=True)
        assert result.ok, result.problem_lines()
        assert not any(t["allocated"] for t in result.new_townships)
        assert len(result.created) == 40
        # the 合计 row under the list is not an enterprise
        assert [f.message for f in result.sheets[0].skipped] == ["“合计”为合计行，未导入"]
        query = f"SELECT {ENTERPRISE_COLUMNS} FROM enterprises ORDER BY credit_code"
        assert target.rows(query) == demo_county.rows(query)
        result = import_file(target, figures)
        assert result.ok, result.problem_lines()
        assert target.rows(FIGURES) == demo_county.rows(FIGURES)
        assert len(target.rows(FIGURES)) > 0
        # townships came along by name and code
        assert target.rows("SELECT code, name FROM townships ORDER BY code") == \
            demo_county.rows("SELECT code, name FROM townships ORDER BY code")
        # importing the same files again changes nothing
        again = import_file(target, out)
        assert again.ok and again.unchanged == 40 and not again.updated
        again = import_file(target, figures)
        assert again.figures_created == 0 and not again.figures_updated
    finally:
        target.close()


def test_export_format(demo_county, tmp_path):
    out = tmp_path / "e.xlsx"
    export_table(demo_county, "enterprises", out, today=date(2026, 11, 23))
    wb = load_workbook(out)
    ws = wb["企业名单"]
    assert ws["A1"].value == "盂县小升规企业名单"
    assert "A1:W1" in {str(r) for r in ws.merged_cells.ranges}  # (W: 上年收入来源)
    assert ws["A2"].value.startswith("填报单位：盂县") and "导出日期：2026-11-23" in ws["A2"].value
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:W43"
    assert ws["A44"].value == "合计"
    headers = [c.value for c in ws[3]]
    assert headers[:3] == ["序号", "统一社会信用代码", "企业名称"]
    money = headers.index("2025年主营业务收入（万元）") + 1
    cells = [ws.cell(r, money) for r in range(4, 44) if ws.cell(r, money).value is not None]
    assert cells and all(isinstance(c.value, (int, float)) for c in cells)
    assert {c.number_format for c in cells} == {"#,##0.00"}
    assert ws.column_dimensions["C"].width > 10
    assert wb.sheetnames == ["企业名单"]
    export_table(demo_county, "figures", out, today=date(2026, 11, 23))
    figures = load_workbook(out)["企业月度数据"]
    revenue = [c.value for c in figures[3]].index("主营业务收入（万元）") + 1
    eid, period, yuan = demo_county.conn.execute(
        "SELECT e.credit_code, f.period, f.revenue FROM monthly_figures f JOIN enterprises e"
        " ON e.id = f.enterprise_id WHERE f.revenue IS NOT NULL LIMIT 1").fetchone()
    row = next(r for r in figures.iter_rows(min_row=4) if r[0].value == eid and r[2].value == period)
    assert row[revenue - 1].value == pytest.approx(yuan / 10_000)


@pytest.mark.parametrize("what", sorted(EXPORT_TITLES))
def test_every_export_opens(demo_county, tmp_path, what):
    out = tmp_path / f"{what}.xlsx"
    info = export_table(demo_county, what, out, year=2026, today=date(2026, 11, 23))
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    assert ws["A1"].value and ws.freeze_panes == "A4" and ws.auto_filter.ref.startswith("A3:")
    # the rows, and a 合计 row where a column is summed
    assert ws.max_row - 3 - info["rows"] in (0, 1) or info["rows"] == 0
    if what in ("figures", "visits", "issues", "pools", "targets"):
        assert info["rows"] > 0


def test_export_selection_keeps_order(demo_county, tmp_path):
    from shengui_desktop.services.excel import export_enterprises

    ids = [r["id"] for r in demo_county.rows("SELECT id FROM enterprises ORDER BY name DESC LIMIT 3")]
    out = tmp_path / "sel.xlsx"
    info = export_enterprises(demo_county, out, enterprise_ids=ids)
    assert info["rows"] == 3
    names = [c.value for c in load_workbook(out)["企业名单"]["C"][3:6]]
    expected = [demo_county.scalar("SELECT name FROM enterprises WHERE id = ?", (i,)) for i in ids]
    assert names == expected


def test_committed_templates_match_the_generator_and_import_cleanly(county, tmp_path):
    for kind, name in (("enterprises", "企业名单导入模板.xlsx"), ("figures", "月度数据导入模板.xlsx")):
        committed = TEMPLATES / name
        assert committed.exists()
        fresh = write_template(kind, tmp_path / name)
        old, new = load_workbook(committed), load_workbook(fresh)
        assert old.sheetnames == new.sheetnames
        for sheet in old.sheetnames:
            assert [[c.value for c in r] for r in old[sheet].iter_rows()] == \
                [[c.value for c in r] for r in new[sheet].iter_rows()], (name, sheet)
        wb = load_workbook(committed)
        data = wb.worksheets[0]
        assert data.data_validations.dataValidation
        assert "填写说明" in wb.sheetnames
        if kind == "enterprises":
            assert wb["选项"].sheet_state == "hidden"
        result = import_file(county, committed, dry_run=True)
        assert result.ok, result.problem_lines()
        sheet = next(s for s in result.sheets if s.kind)
        assert sheet.kind == kind and sheet.rows == 0
        assert [f.message for f in sheet.skipped] == ["示例行，未导入"] * 2


def test_filled_template_imports(county, tmp_path):
    path = write_template("enterprises", tmp_path / "t.xlsx",
                          townships=[("140322100", "秀水镇"), ("140322101", "路家村镇")])
    wb = load_workbook(path)
    ws = wb["企业名单"]
    ws.append([1, "盂县恒达机械有限公司", credit(1), "路家村镇", "33 金属制品业", "规下", "培育库",
               "提升", "工信局", None, None, None, "13800138000", None, "2019-03-05"])
    wb.save(path)
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    row = county.one("SELECT * FROM enterprises")
    assert (row["township_code"], row["industry_code"], row["pool"], row["source"]) == (
        "140322101", "33", "cultivation", "upgrade")


# -- the command line ----------------------------------------------------------------------
@pytest.fixture
def cli_county(county, monkeypatch):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    path = county.path
    county.close()
    return path


def test_cli_import_dry_run_then_import(cli_county, tmp_path, capsys):
    from excel_build import write_xlsx

    path = write_xlsx(tmp_path / "a.xlsx", [["企业名称", "统一社会信用代码", "乡镇"],
                                           ["甲公司", credit(1), "秀水镇"]])
    assert main(["excel", "import", "--db", str(cli_county), str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "试运行" in out and "将新增企业1户" in out
    assert main(["excel", "import", "--db", str(cli_county), str(path)]) == 0
    assert "已新增企业1户" in capsys.readouterr().out


def test_cli_import_errors_go_to_stderr_with_exit_code(cli_county, tmp_path, capsys):
    from excel_build import write_xlsx

    path = write_xlsx(tmp_path / "a.xlsx", [["企业名称", "统一社会信用代码", "乡镇"],
                                           ["甲公司", "123", "秀水镇"]])
    report = tmp_path / "r.xlsx"
    code = main(["excel", "import", "--db", str(cli_county), str(path), "--report", str(report)])
    assert code == 2
    err = capsys.readouterr().err
    assert "未导入任何数据" in err and "第2行 B列（统一社会信用代码）“123”" in err
    assert report.exists()


def test_cli_export_and_template(cli_county, tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert main(["excel", "export", "--db", str(cli_county), "--what", "targets",
                 "--out", str(out)]) == 0
    assert out.exists() and "已导出目标任务完成情况" in capsys.readouterr().out
    template = tmp_path / "t.xlsx"
    assert main(["excel", "template", "--db", str(cli_county), "--out", str(template)]) == 0
    options = load_workbook(template)["选项"]
    assert [options.cell(r, 1).value for r in (2, 3)] == ["秀水镇", "路家村镇"]


def test_export_leaves_no_temporary_copy_and_no_half_file(demo_county, tmp_path, monkeypatch):
    """No plain copy of ledger data in the system's temp folder (openpyxl put one there)."""
    import tempfile

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    out = tmp_path / "out"
    info = export_table(demo_county, "enterprises", out / "企业.xlsx", today=date(2026, 11, 23))
    assert info["rows"] == 40
    assert list(system_tmp.iterdir()) == []
    assert [p.name for p in out.iterdir()] == ["企业.xlsx"]
    # a destination that cannot be written: an error, and nothing left behind
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    with pytest.raises(OSError):
        export_table(demo_county, "enterprises", blocked / "企业.xlsx")
    assert list(system_tmp.iterdir()) == []
