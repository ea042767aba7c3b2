"""一表通 (#22): the 规模 filter and field (大/中/小/微, domain/size_class.py) on the repeated
region, documented in the 字段说明 sheet; and the formulas a filled form's PDF computes
(AVERAGE, COUNT, COUNTA, MAX, MIN, ROUND, + - * / of cells besides SUM), with a marker — never
a wrong number — for one it cannot compute."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import Workbook, load_workbook

from reports_helpers import flat, needs_poppler, pdf_pages
from shengui_desktop.domain.annual import year_total
from shengui_desktop.domain.monitoring import months_of
from shengui_desktop.domain.size_class import SIZE_NAMES, size_class
from shengui_desktop.services.excel.forms import check_form, field_help, fill_form, print_form, write_blank_template
from shengui_desktop.spreadsheets.forms_grid import FORMULA_MARK, sheet_grid
from shengui_desktop.spreadsheets.forms_formula import FormulaError, Uncomputable, evaluate

TODAY = date(2026, 11, 23)


def expected_sizes(ledger, year: int, month: int) -> dict[str, str | None]:
    """Each enterprise's 规模 worked out here from its rows: last year's revenue (else this
    year's months so far, made a year), the latest employees reported."""
    out = {}
    for (ent,) in ledger.conn.execute("SELECT id FROM enterprises"):
        figures = {r["period"]: r for r in ledger.rows("SELECT * FROM monthly_figures WHERE enterprise_id = ?", (ent,))}
        last = [v for v in months_of(figures, year - 1, "revenue") if v is not None]
        annual = ledger.one("SELECT * FROM annual_figures WHERE enterprise_id = ? AND year = ?", (ent, year - 1)) or {}
        revenue = year_total(sum(last) if last else None, len(last), annual.get("revenue"))[0]
        if revenue is None:
            so_far = [v for v in months_of(figures, year, "revenue")[:month] if v is not None]
            revenue = round(sum(so_far) * 12 / len(so_far)) if so_far else None
        people = [v for v in months_of(figures, year, "employees")[:month] if v is not None] or \
            [v for v in months_of(figures, year - 1, "employees") if v is not None]
        employees = people[-1] if people else annual.get("employees")
        out[ent] = size_class(employees, revenue)
    return out


def size_form(path, region):
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(["序号", "企业名称", "规模", "营业收入"])
    ws.append([region, "{{企业名称}}", "{{规模}}", "{{营业收入:上年}}{{/企业}}"])
    wb.save(path)
    return path


def test_size_filter_and_field(demo_county, tmp_path):
    sizes = expected_sizes(demo_county, 2026, 10)
    names = {r["id"]: r["name"] for r in demo_county.rows("SELECT id, name FROM enterprises")}
    assert len({s for s in sizes.values() if s}) >= 2, sizes  # the demo has more than one size
    for words, codes in (("小型", {"small"}), ("微", {"micro"}), ("中型、大型", {"medium", "large"})):
        out = tmp_path / f"{words}.xlsx"
        info = fill_form(demo_county, size_form(tmp_path / "t.xlsx", f"{{{{#企业 规模={words}}}}}{{{{序号}}}}"),
                         out, period="2026-10", today=TODAY)
        ws = load_workbook(out).active
        listed = {ws.cell(r, 2).value for r in range(2, 2 + info["rows"])}
        assert listed == {names[e] for e, s in sizes.items() if s in codes}
        assert {ws.cell(r, 3).value for r in range(2, 2 + info["rows"])} <= {SIZE_NAMES[c] for c in codes}
    # every enterprise with its 规模 (empty where revenue or employees are unknown)
    out = tmp_path / "全部.xlsx"
    info = fill_form(demo_county, size_form(tmp_path / "t.xlsx", "{{#企业}}{{序号}}"), out, period="2026-10",
                     today=TODAY)
    ws = load_workbook(out).active
    shown = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(2, 2 + info["rows"])}
    assert shown == {names[e]: SIZE_NAMES.get(s or "") for e, s in sizes.items()}


def test_a_wrong_size_names_its_cell_and_the_help_lists_size(demo_county, tmp_path):
    check = check_form(demo_county, size_form(tmp_path / "t.xlsx", "{{#企业 规模=特大}}{{序号}}"),
                       period="2026-10", today=TODAY)
    assert check.problems == ["模板 A2：规模“特大”无效，应为：大型、中型、小型、微型"]
    rows = {f: (w, h) for f, w, h in field_help()}
    assert rows["规模"][0] == "重复区域" and "上年营业收入" in rows["规模"][1]
    assert "大型、中型、小型、微型" in rows["{{#企业 规模=…}}"][1]
    blank = write_blank_template(tmp_path / "空白.xlsx")
    help_rows = [tuple(r) for r in load_workbook(blank)["字段说明"].iter_rows(values_only=True)]
    assert any(r[0] == "规模" for r in help_rows) and any(r[0] == "{{#企业 规模=…}}" for r in help_rows)


# -- formulas -----------------------------------------------------------------------------------------
CELLS = {(1, 1): 10, (2, 1): 20, (3, 1): "备注", (4, 1): None, (5, 1): 2.5, (1, 2): 3}


def value(row, col):
    return CELLS.get((row, col))


@pytest.mark.parametrize("formula,expected", [
    ("=SUM(A1:A5)", 32.5), ("=AVERAGE(A1:A5)", 32.5 / 3), ("=COUNT(A1:A5)", 3), ("=COUNTA(A1:A5)", 4),
    ("=MAX(A1:A5)", 20), ("=MIN(A1:A5)", 2.5), ("=ROUND(A1/B1,2)", 3.33), ("=ROUND(2.5,0)", 3),
    ("=ROUND(-2.5,0)", -3), ("=(A1+A2)*B1-A5/5", 89.5), ("=-A1+B1", -7), ("=$A$1*10000", 100000),
    ("=SUM(A1:A2)/COUNT(A1:A2)", 15), ("=A4+1", 1), ("=MAX()", 0), ("=SUM(A1,B1,5)", 18),
])
def test_formulas_a_form_uses(formula, expected):
    assert evaluate(formula, value) == pytest.approx(expected)


@pytest.mark.parametrize("formula", ["=VLOOKUP(A1,A1:B2,2,0)", "=IF(A1>0,1,2)", "=Sheet2!A1", "=A1&B1",
                                     "=A1^2", "=A1%", "=SUM(A:A)", "=名称", "=SUM(A1:A2"])
def test_what_it_cannot_compute_is_said(formula):
    with pytest.raises(Uncomputable):
        evaluate(formula, value)


@pytest.mark.parametrize("formula,error", [("=A1/A4", "#DIV/0!"), ("=AVERAGE(A3:A4)", "#DIV/0!"),
                                           ("=A3*2", "#VALUE!")])
def test_excels_own_errors(formula, error):
    with pytest.raises(FormulaError, match=error):
        evaluate(formula, value)


def formula_form(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append(["序号", "企业名称", "营业收入（万元）", "用电量（千瓦时）"])
    ws.append(["{{#企业 乡镇=秀水镇}}{{序号}}", "{{企业名称}}", "{{营业收入:上年}}", "{{用电量:上年}}{{/企业}}"])
    ws.append(["合计", "=COUNTA(B2:B2)", "=SUM(C2:C2)", "=SUM(D2:D2)"])
    ws.append(["平均", "", "=ROUND(AVERAGE(C2:C2),2)", "=ROUND(D3/COUNT(D2:D2),0)"])
    ws.append(["最大/最小", "", "=MAX(C2:C2)-MIN(C2:C2)", "=IF(D3>0,\"有\",\"无\")"])
    wb.save(path)
    return path


def test_a_filled_forms_grid_computes_the_formulas_and_marks_the_rest(demo_county, tmp_path):
    filled = tmp_path / "汇总（已填）.xlsx"
    info = fill_form(demo_county, formula_form(tmp_path / "汇总.xlsx"), filled, period="2026-10", today=TODAY)
    n = info["rows"]
    assert n >= 2
    ws = load_workbook(filled).active
    revenues = [ws.cell(r, 3).value for r in range(2, 2 + n)]
    kwh = [ws.cell(r, 4).value for r in range(2, 2 + n)]
    numbers = [v for v in revenues if isinstance(v, (int, float))]
    grid = sheet_grid(ws)
    total, average, spread = (grid.rows[n + i] for i in range(1, 4))
    assert ws.cell(n + 2, 3).value == f"=SUM(C2:C{n + 1})"  # widened by the fill
    assert total[1] == str(n)
    assert total[2] == f"{sum(numbers):,.2f}".rstrip("0").rstrip(".")
    assert average[2] == f"{round(sum(numbers) / len(numbers), 2):,.2f}".rstrip("0").rstrip(".")
    assert spread[2] == f"{max(numbers) - min(numbers):,.2f}".rstrip("0").rstrip(".")
    kwh_numbers = [v for v in kwh if isinstance(v, (int, float))]
    mean = Decimal(str(sum(kwh_numbers) / len(kwh_numbers))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert average[3] == str(int(mean))
    assert spread[3] == FORMULA_MARK and grid.uncomputed == [f"D{n + 4}"]


@needs_poppler
def test_the_printed_form_names_what_it_could_not_compute(demo_county, tmp_path):
    out = tmp_path / "汇总.pdf"
    print_form(demo_county, formula_form(tmp_path / "汇总.xlsx"), out, period="2026-10", today=TODAY)
    text = flat("".join(pdf_pages(out)))
    assert FORMULA_MARK in text and "的公式本程序不能计算" in text
