"""Spreadsheets that go out and come back (#15 item 8): a list saved "as shown" (万元 to two
decimals) reads back unchanged, a real change is stored as given; every export prints on
A4 with its header on each page, page X of Y, borders and a 合计 row; the monthly figures
are an export of their own; the small agreements between the exports and the PDFs."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from excel_build import credit, write_xlsx
from openpyxl import load_workbook
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Group, String, UserNode

from shengui_desktop.cli import main
from shengui_desktop.reports import charts
from shengui_desktop.services.excel import EXPORT_TITLES, export_enterprises, export_table, import_file
from shengui_desktop.services.excel.planner import Planner
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.enterprises import create_enterprise, list_enterprises
from shengui_desktop.services.ledger.figures import record_month
from shengui_desktop.services.reports import print_report, resolve_filters
from shengui_desktop.spreadsheets import cells

from conftest import PASSWORD
from reports_helpers import flat, needs_poppler, pdf_pages

TODAY = date(2026, 11, 23)
MONEY_HEADERS = ("主营业务收入（万元）", "工业总产值（万元）", "税收（万元）")
FIGURES = ("SELECT e.credit_code, f.period, f.revenue, f.output_value, f.tax_paid,"
           " f.electricity_kwh, f.employees FROM monthly_figures f JOIN enterprises e"
           " ON e.id = f.enterprise_id ORDER BY 1, 2")


def saved_as_shown(path, out, decimals: int = 2):
    """What Excel, WPS or LibreOffice write when a list is saved "as shown": every money cell
    (a 万元 header) at the two decimals its number format shows."""
    wb = load_workbook(path)
    for ws in wb.worksheets:
        header = next(r for r in range(1, 6) if ws.cell(r, 1).value in ("序号", "统一社会信用代码"))
        money = [c for c in range(1, ws.max_column + 1) if "万元" in str(ws.cell(header, c).value)]
        for r in range(header + 1, ws.max_row + 1):
            for c in money:
                cell = ws.cell(r, c)
                if isinstance(cell.value, (int, float)):
                    cell.value = round(cell.value, decimals)
    wb.save(out)
    return out


@pytest.fixture(params=[True, False], ids=["columns", "rows"])
def both_paths(request, monkeypatch):
    """Run a test through the column-at-a-time check and through the per-row check."""
    monkeypatch.setattr(Planner, "bulk", request.param)
    return request.param


# -- 1. saved as shown, and back --------------------------------------------------------------
def test_a_list_saved_as_shown_comes_back_unchanged(demo_county, tmp_path, both_paths):
    firms, figures = tmp_path / "企业名单.xlsx", tmp_path / "月度数据.xlsx"
    export_table(demo_county, "enterprises", firms, today=TODAY)
    export_table(demo_county, "figures", figures, today=TODAY)
    before = demo_county.rows(FIGURES)
    # the demo's yuan are not whole hundreds: a 2-decimal 万元 cannot say them exactly
    assert sum(1 for r in before if r["revenue"] and r["revenue"] % 100) > len(before) // 2
    for path in (firms, figures):
        shown = saved_as_shown(path, tmp_path / f"shown-{path.name}")
        result = import_file(demo_county, shown, dry_run=True)
        assert result.ok, result.problem_lines()
        assert result.updated == [] and result.figures_updated == []
        assert result.figures_created == 0
    assert import_file(demo_county, tmp_path / "shown-月度数据.xlsx").ok
    assert demo_county.rows(FIGURES) == before  # nothing rounded to 0.01万元


def test_a_csv_saved_as_shown_comes_back_unchanged(demo_county, tmp_path, both_paths):
    """A CSV keeps what the cells showed as text: '1,362.31'."""
    figures = tmp_path / "f.xlsx"
    export_table(demo_county, "figures", figures, today=TODAY)
    ws = load_workbook(figures).worksheets[0]
    out = tmp_path / "f.csv"
    with open(out, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        for row in ws.iter_rows(min_row=3, values_only=True):
            if row[0] == "合计":
                continue
            writer.writerow([f"{v:,.2f}" if isinstance(v, float) or (isinstance(v, int) and c in (3, 4, 5))
                             else v for c, v in enumerate(row)])
    result = import_file(demo_county, out, dry_run=True)
    assert result.ok, result.problem_lines()
    assert result.figures_updated == [] and result.figures_unchanged > 1000


@pytest.fixture
def one_month(county):
    eid, _ = create_enterprise(county, {"credit_code": credit(1), "name": "盂县恒达机械有限公司",
                                        "township_code": "140322100"})
    record_month(county, eid, "2024-03", {"revenue": 3_289_512, "tax_paid": 120_049,
                                          "electricity_kwh": 12_549, "employees": 56})
    return eid


def _month_file(tmp_path, revenue, tax=12.0, kwh=1.25, people=56):
    return write_xlsx(tmp_path / "m.xlsx", [
        ["统一社会信用代码", "月份", "主营业务收入（万元）", "税收（万元）", "用电量（万千瓦时）", "从业人员"],
        [credit(1), "2024-03", revenue, tax, kwh, people],
        [credit(1), "2024-04", 100.55, 1.0, 1.0, 50]])


def test_equal_at_the_files_precision_is_unchanged_and_a_change_is_stored_as_given(
        county, one_month, tmp_path, both_paths):
    stored = county.one("SELECT * FROM monthly_figures WHERE enterprise_id = ?", (one_month,))
    # 328.95万元 is 3,289,512 yuan at two decimals; 12.00 is 120,049; 1.25万千瓦时 is 12,549
    result = import_file(county, _month_file(tmp_path, 328.95), dry_run=True)
    assert result.ok and result.figures_updated == [] and result.figures_unchanged == 1
    # a real change: listed with the yuan the ledger has, stored exactly as the file says
    result = import_file(county, _month_file(tmp_path, 328.96, people=57), dry_run=True)
    assert [c.fields for c in result.figures_updated] == [{
        "主营业务收入": ("328.9512万元", "328.96万元"), "从业人员": ("56", "57")}]
    assert import_file(county, _month_file(tmp_path, 328.96, people=57)).applied
    after = county.one("SELECT * FROM monthly_figures WHERE id = ?", (stored["id"],))
    assert (after["revenue"], after["employees"]) == (3_289_600, 57)
    # the others, equal at the file's precision, kept their yuan
    assert (after["tax_paid"], after["electricity_kwh"]) == (120_049, 12_549)


def test_a_value_written_to_the_yuan_is_compared_to_the_yuan(county, one_month, tmp_path, both_paths):
    result = import_file(county, _month_file(tmp_path, 328.9513), dry_run=True)
    assert [c.fields for c in result.figures_updated] == [{
        "主营业务收入": ("328.9512万元", "328.9513万元")}]
    # a whole 万元 in a column of two-decimal cells is read at two decimals (100.00 shown
    # as 100): 329 is not 328.9512
    result = import_file(county, _month_file(tmp_path, 329), dry_run=True)
    assert [c.fields for c in result.figures_updated] == [{
        "主营业务收入": ("328.9512万元", "329.00万元")}]


def test_the_step_a_cell_carries():
    assert cells.carried_step(328.95, 10_000) == 100
    assert cells.carried_step(328.95000000000005, 10_000) == 100  # a formula's float
    assert cells.carried_step(328.9512, 10_000) == 1
    assert cells.carried_step(329, 10_000) == 10_000
    assert cells.carried_step("1,234.50", 10_000) == 100
    assert cells.carried_step("3289512元", 10_000) == 1
    assert cells.carried_step(12.5, 1) == 1
    assert cells.carried_step("-", 10_000) is None and cells.carried_step(None, 10) is None
    assert cells.common_step([100, 100, 10_000, 1000, None]) == 100
    assert cells.equal_at_step(3_289_512, 3_289_500, 100)
    assert not cells.equal_at_step(3_289_512, 3_289_600, 100)
    assert cells.equal_at_step(3_289_550, 3_289_600, 100)  # half way: either rounding
    assert not cells.equal_at_step(None, 0, 100)


# -- 2. printing ------------------------------------------------------------------------------
@pytest.mark.parametrize("what", sorted(EXPORT_TITLES))
def test_every_export_prints_on_a4_with_header_footer_and_borders(demo_county, tmp_path, what):
    from shengui_desktop.spreadsheets.writer import FONT_POINTS, MIN_PRINT_POINTS

    out = tmp_path / f"{what}.xlsx"
    info = export_table(demo_county, what, out, year=2026, today=TODAY)
    ws = load_workbook(out).worksheets[0]
    assert ws.page_setup.paperSize == 9  # A4, not Letter
    assert ws.print_title_rows == "$3:$3"  # the header row on every page
    assert ws.oddFooter.center.text == "第&P页 共&N页"
    assert ws.page_setup.orientation in ("portrait", "landscape")
    widths = sum((ws.column_dimensions[c].width - 0.71) * 7 * 0.75 for c in ws.column_dimensions)
    if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
        # fitted to one page wide only when the type stays readable
        assert (ws.page_setup.fitToWidth in (None, 1)) and ws.page_setup.fitToHeight == 0
        page = 805.9 if ws.page_setup.orientation == "landscape" else 559.3
        assert widths * MIN_PRINT_POINTS / FONT_POINTS <= page
    else:
        # too wide for that: columns span pages at a readable scale, the names repeated
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.scale * FONT_POINTS / 100 >= MIN_PRINT_POINTS
        assert ws.print_title_cols
    if info["rows"]:
        # every data cell bordered, blank ones too
        for row in ws.iter_rows(min_row=4, max_row=min(ws.max_row, 30)):
            assert all(c.border.left.style == "thin" for c in row), (what, row[0].row)


def test_wrapped_text_makes_its_row_tall_and_a_wide_title_starts_on_the_first_page(demo_county, tmp_path):
    out = tmp_path / "v.xlsx"
    export_table(demo_county, "visits", out, today=TODAY)
    ws = load_workbook(out).worksheets[0]
    c = [x.value for x in ws[3]].index("走访情况") + 1
    width = ws.column_dimensions[ws.cell(3, c).column_letter].width
    long_ = [r for r in range(4, ws.max_row + 1)
             if len(str(ws.cell(r, c).value or "")) * 2 > width]
    assert long_ and all(ws.row_dimensions[r].height >= 30 for r in long_)
    assert ws.cell(4, c).alignment.wrap_text
    # the enterprise list spans two pages across: its title is not centred between them
    export_table(demo_county, "enterprises", out, today=TODAY)
    ws = load_workbook(out).worksheets[0]
    assert ws.print_title_cols == "$A:$C" and ws["A1"].alignment.horizontal == "left"


def test_print_setup_chooses_paper_orientation_and_scale():
    from shengui_desktop.spreadsheets.writer import print_setup

    assert print_setup([10] * 8) == print_setup([10] * 8)  # a dataclass
    narrow, wide, widest = print_setup([10] * 8), print_setup([12] * 14), print_setup([12] * 30)
    assert (narrow.landscape, narrow.fit_width) == (False, True)
    assert (wide.landscape, wide.fit_width) == (True, True)
    assert (widest.landscape, widest.fit_width) == (True, False) and widest.scale >= 73


def test_totals_row_sums_money_and_counts(demo_county, tmp_path):
    out = tmp_path / "f.xlsx"
    info = export_table(demo_county, "figures", out, today=TODAY)
    ws = load_workbook(out, data_only=True).worksheets[0]
    formulas = load_workbook(out).worksheets[0]
    last = 3 + info["rows"] + 1
    assert ws.cell(last, 1).value == "合计"
    headers = [c.value for c in ws[3]]
    sums = demo_county.one("SELECT sum(revenue) AS revenue, sum(output_value) AS output_value,"
                           " sum(tax_paid) AS tax_paid, sum(electricity_kwh) AS kwh FROM monthly_figures")
    for header, total in (("主营业务收入（万元）", sums["revenue"] / 10_000),
                          ("工业总产值（万元）", sums["output_value"] / 10_000),
                          ("税收（万元）", sums["tax_paid"] / 10_000), ("用电量（千瓦时）", sums["kwh"])):
        c = headers.index(header) + 1
        assert ws.cell(last, c).value == pytest.approx(total)
        assert formulas.cell(last, c).value == \
            f"=SUBTOTAL(9,{formulas.cell(4, c).coordinate}:{formulas.cell(last - 1, c).coordinate})"
    # a head count is not added up over months
    assert ws.cell(last, headers.index("从业人员（人）") + 1).value is None
    # the enterprise list sums its money column
    export_table(demo_county, "enterprises", out, today=TODAY)
    ws = load_workbook(out, data_only=True).worksheets[0]
    headers = [c.value for c in ws[3]]
    c = headers.index("2025年主营业务收入（万元）") + 1
    assert ws.cell(44, 1).value == "合计"
    assert ws.cell(44, c).value == pytest.approx(sum(ws.cell(r, c).value or 0 for r in range(4, 44)))


# -- 3. the monthly figures on their own --------------------------------------------------------
def test_the_enterprise_export_has_no_monthly_sheet_unless_asked(demo_county, tmp_path):
    out = tmp_path / "e.xlsx"
    export_table(demo_county, "enterprises", out, today=TODAY)
    assert load_workbook(out).sheetnames == ["企业名单"]
    ids = [r["id"] for r in demo_county.rows("SELECT id FROM enterprises ORDER BY name LIMIT 2")]
    export_enterprises(demo_county, out, enterprise_ids=ids, with_figures=True)
    wb = load_workbook(out)
    assert wb.sheetnames == ["企业名单", "月度数据"]
    codes = {demo_county.scalar("SELECT credit_code FROM enterprises WHERE id = ?", (i,)) for i in ids}
    assert {r[0] for r in wb["月度数据"].iter_rows(min_row=4, values_only=True)} - {"合计"} == codes


def test_cli_exports_the_figures(demo_county, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    path = demo_county.path
    count = demo_county.scalar("SELECT count(*) FROM monthly_figures")
    demo_county.close()
    out = tmp_path / "月度.xlsx"
    assert main(["excel", "export", "--db", str(path), "--what", "figures", "--out", str(out)]) == 0
    assert f"已导出企业月度数据{count}行" in capsys.readouterr().out
    assert load_workbook(out).sheetnames == ["企业月度数据"]
    both = tmp_path / "名单.xlsx"
    assert main(["excel", "export", "--db", str(path), "--what", "enterprises", "--with-figures",
                 "--out", str(both)]) == 0
    assert load_workbook(both).sheetnames == ["企业名单", "月度数据"]
    assert main(["excel", "export", "--db", str(path), "--what", "visits", "--with-figures",
                 "--out", str(both)]) == 2
    assert "只有企业名单可以附带月度数据" in capsys.readouterr().err


def test_the_monthly_sheet_keeps_two_enterprises_of_one_name_apart(county, tmp_path):
    ids = []
    for n in (2, 1):
        eid, _ = create_enterprise(county, {"credit_code": credit(n), "name": "盂县恒达机械有限公司",
                                            "township_code": "140322100"})
        ids.append(eid)
        for month in (1, 2, 3):
            record_month(county, eid, f"2024-0{month}", {"revenue": 1_000_000 * n})
    out = tmp_path / "f.xlsx"
    export_table(county, "figures", out, today=TODAY)
    rows = [r[:3] for r in load_workbook(out).worksheets[0].iter_rows(min_row=4, values_only=True)
            if r[0] != "合计"]
    assert rows == [(credit(n), "盂县恒达机械有限公司", f"2024-0{m}") for n in (1, 2) for m in (1, 2, 3)]


# -- 4. small agreements ------------------------------------------------------------------------
def test_overdue_says_yes_or_no(demo_county, tmp_path):
    out = tmp_path / "i.xlsx"
    export_table(demo_county, "issues", out, today=date(2030, 1, 1))
    ws = load_workbook(out).worksheets[0]
    c = [x.value for x in ws[3]].index("是否超期")
    column = {r[c] for r in ws.iter_rows(min_row=4, values_only=True)}
    assert "是" in column and column <= {"是", "否", None}
    export_table(demo_county, "issues", out, today=date(2020, 1, 1))
    ws = load_workbook(out).worksheets[0]
    assert "否" in {r[c] for r in ws.iter_rows(min_row=4, values_only=True)}


def _target_rows(ledger, tmp_path) -> dict[str, tuple]:
    out = tmp_path / "t.xlsx"
    export_table(ledger, "targets", out, year=2026, today=TODAY)
    # the 净增 rows: (范围, name) → target … completion (the kind and period come first)
    return {(r[2], r[3]): r[4:9] for r in load_workbook(out).worksheets[0].iter_rows(min_row=4, values_only=True)
            if r[0] == "净增"}


@needs_poppler
def test_targets_export_and_pdf_say_the_same(county, tmp_path):
    reference.add_township(county, "140322102", "南娄镇")
    reference.set_target(county, {"year": 2026, "scope": "township", "township_code": "140322100",
                                  "net_increase": 0})
    reference.set_target(county, {"year": 2026, "scope": "township", "township_code": "140322101",
                                  "net_increase": 2})
    rows = _target_rows(county, tmp_path)
    # set to 0: 0; not set: —; the total adds up those set
    assert rows[("乡镇", "秀水镇")][0] == 0
    assert rows[("乡镇", "南娄镇")][0] == "—"
    assert rows[("乡镇", "合计")][0] == 2
    pdf = tmp_path / "t.pdf"
    print_report(county, "targets", pdf, resolve_filters(county, year=2026, today=TODAY), printed_on=TODAY)
    lines = [flat(line) for line in "".join(pdf_pages(pdf)).splitlines()]
    assert any(line.startswith("秀水镇0000") for line in lines)
    assert any(line.startswith("南娄镇—000") for line in lines)
    assert any(line.startswith("合计2000") for line in lines)


@needs_poppler
def test_no_target_at_all_is_a_dash_in_both(county, tmp_path):
    rows = _target_rows(county, tmp_path)
    assert rows[("乡镇", "合计")][0] == "—" and rows[("乡镇", "合计")][-1] == "—"
    assert rows[("全县合计", None)][0] == "—"
    pdf = tmp_path / "t.pdf"
    print_report(county, "targets", pdf, resolve_filters(county, year=2026, today=TODAY), printed_on=TODAY)
    lines = [flat(line) for line in "".join(pdf_pages(pdf)).splitlines()]
    assert "合计—000—" in lines  # not 0: nothing was set


def _strings(node):
    if isinstance(node, UserNode):
        yield from _strings(node.provideNode())
    elif isinstance(node, Group):
        for child in node.contents:
            yield from _strings(child)
    elif isinstance(node, String):
        yield node.text


@pytest.mark.parametrize("values", [[1, 0], [3, 2], [2, 1, 0, -1], [7, 12], [1, 1, 1]])
def test_an_axis_of_households_is_marked_in_whole_numbers(values):
    drawing = charts.grouped_bars([f"镇{i}" for i in range(len(values))],
                                  [("目标（净增）", values), ("实际净增", values[::-1])])
    chart = next(c for c in drawing.contents if isinstance(c, VerticalBarChart))
    labels = set(_strings(chart.valueAxis.draw()))
    assert labels and all(label.lstrip("-").isdigit() for label in labels), labels
    assert chart.valueAxis.valueMax >= max(values)


def test_no_suggested_pool_where_there_is_none(demo_county, tmp_path):
    """Without a policy profile the rules suggest nothing: no 建议库别 saying 无建议."""
    out = tmp_path / "p.xlsx"
    export_table(demo_county, "pools", out, today=TODAY)
    ws = load_workbook(out).worksheets[0]
    headers = [c.value for c in ws[3]]
    pool, reason = headers.index("建议库别"), headers.index("建议理由")
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] != "合计"]
    assert rows and all(r[pool] is None and r[reason] is None for r in rows)
    listed = list_enterprises(demo_county, today=TODAY)
    assert all(r["suggested_pool"] is None and r["suggested_pool_reason"] == "" for r in listed)
