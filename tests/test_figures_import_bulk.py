"""Monthly figures at the size of a county's sheet (10,000 rows): the column check plans what
the per-row check plans, names a bad cell near the end by its row and column, and writes
nothing then; the pieces it works out by map agree with the per-cell functions they stand
for (cells.scaled_number, cells.carried_step, cells.common_step, the layout's screens)."""

from __future__ import annotations

import re

import pytest
from excel_build import credit, write_xlsx
from hypothesis import given, settings
from hypothesis import strategies as st

from shengui_desktop.progress import Job
from shengui_desktop.services.excel import ImportResult, import_file
from shengui_desktop.services.excel.figure_rows import FigureRows
from shengui_desktop.services.excel.figures_bulk import FigureColumns, carried_steps
from shengui_desktop.services.excel.plan import Plan
from shengui_desktop.services.excel.planner import Planner
from shengui_desktop.spreadsheets import cells, layout
from shengui_desktop.spreadsheets.column_values import cut_columns
from shengui_desktop.spreadsheets.layout import data_rows, find_layout
from shengui_desktop.spreadsheets.reader import Grid

COMPANIES = 834  # × 12 months ≥ 10,000 rows, as the benchmark's sheet
HEADER = ["统一社会信用代码", "企业名称", "月份", "主营业务收入", "工业总产值", "税收",
          "用电量（千瓦时）", "从业人员"]


def _name(n: int) -> str:
    return f"盂县第{n}机械制造有限公司"


def _figure_rows(n: int) -> list[list]:
    """A 月度数据 sheet of n months (the title and unit lines, the header, the rows)."""
    rows = [["2024年企业月度数据"], ["单位：万元"], list(HEADER)]
    for i in range(n):
        company = 1 + i % COMPANIES
        rows.append([credit(company), _name(company), f"2024-{1 + i // COMPANIES % 12:02d}",
                     round(150 + i % 97 * 1.37, 2), round(160 + i % 89 * 1.41, 2),
                     round(8 + i % 13 * 0.1, 2), 120000 + i, 50 + i % 30])
    return rows


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """A county ledger holding the sheet's 834 enterprises (imported from a list)."""
    from shengui_desktop.services.ledger import reference
    from shengui_desktop.services.office.setup import init_office

    tmp = tmp_path_factory.mktemp("figures")
    county, _ = init_office(tmp / "county.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user="admin", password="figures-pass-1")
    reference.add_township(county, "140322100", "秀水镇")
    for name in reference.STANDARD_DEPARTMENTS:
        reference.add_department(county, name)
    listing = [["企业名称", "统一社会信用代码", "乡镇"]]
    listing += [[_name(n), credit(n), "秀水镇"] for n in range(1, COMPANIES + 1)]
    assert import_file(county, write_xlsx(tmp / "list.xlsx", listing)).applied
    yield county
    county.close()


def _counts(ledger) -> tuple[int, int]:
    return (ledger.scalar("SELECT count(*) FROM monthly_figures"),
            ledger.scalar("SELECT count(*) FROM change_log"))


def test_a_bad_cell_near_the_end_is_named_and_nothing_is_written(ledger, tmp_path):
    rows = _figure_rows(10_000)
    rows[9_998][3] = "十万"  # Excel row 9,999, column D (主营业务收入)
    rows[9_999][6] = -5  # row 10,000, column G (用电量): negative
    rows.append(list(rows[3]))  # row 10,004 repeats row 4's month
    before = _counts(ledger)
    result = import_file(ledger, write_xlsx(tmp_path / "bad.xlsx", rows))
    assert not result.ok and not result.applied
    assert [(p.row, p.column_letter) for p in result.problems] == [
        (9_999, "D"), (10_000, "G"), (10_004, "C")]
    assert result.problems[0].text(with_sheet=False).startswith("第9999行 D列（主营业务收入）“十万”：")
    assert "不能为负数" in result.problems[1].message
    assert "与第4行重复" in result.problems[2].message
    assert _counts(ledger) == before  # not a month, not a change-log entry


def test_ten_thousand_months_are_written_with_their_change_log(ledger, tmp_path):
    before = _counts(ledger)
    result = import_file(ledger, write_xlsx(tmp_path / "good.xlsx", _figure_rows(10_000)))
    assert result.applied, result.problem_lines()[:3]
    assert result.figures_created == 10_000
    assert _counts(ledger) == (before[0] + 10_000, before[1] + 10_000)
    jia = ledger.one("SELECT * FROM monthly_figures WHERE id = (SELECT id FROM monthly_figures"
                     " WHERE enterprise_id = (SELECT id FROM enterprises WHERE credit_code = ?)"
                     " AND period = '2024-01')", (credit(1),))
    assert (jia["revenue"], jia["output_value"], jia["tax_paid"], jia["electricity_kwh"],
            jia["employees"]) == (1_500_000, 1_600_000, 80_000, 120_000, 50)
    # every entry is owned by its month's enterprise (the bulk path of the storage)
    assert ledger.scalar("SELECT count(*) FROM change_log l JOIN monthly_figures m ON m.id = l.row_id"
                         " WHERE l.owner IS NOT m.enterprise_id") == 0
    # the same sheet again: every month unchanged, nothing written
    again = import_file(ledger, write_xlsx(tmp_path / "again.xlsx", _figure_rows(10_000)))
    assert again.applied and again.figures_created == 0 and again.figures_unchanged == 10_000
    assert _counts(ledger) == (before[0] + 10_000, before[1] + 10_000)


def _plan(ledger, rows, *, bulk: bool) -> Planner:
    planner = Planner(ledger, ImportResult("x.xlsx", True), Job())
    planner.bulk = bulk
    planner.run([Grid("Sheet1", [list(r) for r in rows])], kind=None, sheet_named=False)
    return planner


def _planned(planner: Planner) -> dict:
    r, p = planner.result, planner.plan
    return {"problems": r.problems, "warnings": r.warnings,
            "inserts": p.figure_inserts, "updates": p.figure_updates,
            "counts": (r.figures_created, r.figures_unchanged),
            "changes": r.figures_updated, "months": p.seen_months, "touched": r.enterprise_ids}


def _odd_rows(n: int) -> list[list]:
    """n rows of many distinct amounts: 4 decimals (a step of 1 yuan), tenths that are not
    plain floats (0.1 * 3), whole numbers as ints and floats, blanks, and now and then a cell
    only the exact decimal way or the per-row check decides (NaN, huge, negative, text)."""
    rows = [["单位：万元"], ["统一社会信用代码", "月份", "营业收入", "工业总产值", "税收",
                           "用电量（万千瓦时）", "从业人员"]]
    odd = [float("nan"), 1e20, -0.5, "12.5", True, "", None, 0.30000000000000004, 1.005]
    for i in range(n):
        company = 1 + i % COMPANIES
        row = [credit(company), f"2023-{1 + i // COMPANIES % 12:02d}",
               round(100 + i * 0.0137, 4), i * 0.1, i if i % 3 else float(i),
               None if i % 7 == 0 else round(i * 0.0011, 2), 10 + i % 50]
        if i % 997 == 5:
            row[2 + i % 5] = odd[i % len(odd)]
        rows.append(row)
    return rows


def test_columns_of_many_distinct_amounts_plan_what_rows_plan(ledger):
    rows = _odd_rows(6_000)
    bulk, by_row = _planned(_plan(ledger, rows, bulk=True)), _planned(_plan(ledger, rows, bulk=False))
    assert bulk["problems"], "the odd cells are reported"
    assert bulk == by_row


def test_months_in_the_ledger_are_compared_at_the_step_the_column_carries(ledger, tmp_path):
    """Months of 2023 in the ledger in yuan; the sheet gives them in 万元 at 2 and 4
    decimals: the column's step (most cells) decides which are changes, both ways alike."""
    given = _odd_rows(3_000)
    good = [r for r in given[2:] if not any(isinstance(v, (str, bool)) or v != v or
                                            (isinstance(v, (int, float)) and (v < 0 or v > 1e9))
                                            for v in r[2:] if v is not None)]
    assert import_file(ledger, write_xlsx(tmp_path / "y.xlsx", given[:2] + good)).applied
    changed = [list(r) for r in given]
    for r in changed[2::7]:
        if isinstance(r[2], float) and r[2] == r[2]:
            r[2] = round(r[2], 2)  # the same amount at 2 decimals: no change at that step
    for r in changed[3::11]:
        if isinstance(r[3], float) and r[3] == r[3]:
            r[3] = r[3] + 0.01
    bulk = _planned(_plan(ledger, changed, bulk=True))
    assert bulk["changes"] and bulk["counts"][1]
    assert bulk == _planned(_plan(ledger, changed, bulk=False))


FLOATS = st.floats(min_value=-1e6, max_value=1e10, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(FLOATS, min_size=1, max_size=30), st.sampled_from([1, 10, 1000, 10_000, 100_000_000]))
def test_carried_steps_by_map_are_carried_step(values, factor):
    distinct = list(set(values))
    found = carried_steps(distinct, [v * factor for v in distinct], factor)
    assert found == {v: cells.carried_step(v, factor) for v in distinct}


CELLS = st.one_of(st.none(), FLOATS, st.integers(-10, 10**12), st.booleans(),
                  st.sampled_from(["", "12.50", "1,234", "3万元", "abc", "328.9512"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=25))
def test_the_columns_step_is_common_step_of_its_cells(ledger, values):
    """FigureRows.column_step (its own count, or the one the column check hands it) is
    cells.common_step of the cells' carried steps."""
    grid = Grid("Sheet1", [["单位：万元"], ["统一社会信用代码", "月份", "营业收入"]]
                + [[credit(1), "2024-01", v] for v in values])
    found = find_layout(grid)
    rows, _ = data_rows(found)
    revenue = found.by_field()["revenue"]
    expected = cells.common_step([cells.carried_step(grid.rows[r][revenue.index], 10_000)
                                  for r in rows])
    counted = FigureRows(Plan(ledger, ImportResult("x.xlsx", True)))
    counted.check_layout(found, rows)
    assert counted.column_step(found, revenue) == expected
    handed = FigureRows(Plan(ledger, ImportResult("x.xlsx", True)))
    handed.check_layout(found, rows)
    FigureColumns(handed.plan, handed, Job())._numbers_and_steps(
        found, revenue, [grid.rows[r][revenue.index] for r in rows])
    assert handed.column_step(found, revenue) == expected


OLD_NOTE_START = re.compile("(?:^|\n)[" + "".join(sorted(layout._NOTE_FIRST)) + "]")
OLD_EXAMPLE_NAME = re.compile("(?:^|\n)(?:示例|（示例）)")
TEXTS = st.lists(st.text(alphabet="注说合计示例（）\n 甲0", max_size=6), max_size=8)


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_the_layouts_screens_find_what_the_line_start_regexes_found(texts):
    joined = "\n".join(texts)
    assert bool(joined[:1] in layout._NOTE_FIRST or layout._NOTE_START.search(joined)) == \
        bool(OLD_NOTE_START.search(joined))
    assert bool(joined.startswith(layout._EXAMPLE_STARTS) or layout._EXAMPLE_NAME.search(joined)) == \
        bool(OLD_EXAMPLE_NAME.search(joined))


GRID_ROWS = st.lists(st.lists(st.one_of(st.none(), st.integers(0, 9), st.text(max_size=2)),
                              max_size=6), min_size=1, max_size=12)


@settings(max_examples=400, deadline=None)
@given(GRID_ROWS, st.data())
def test_cut_columns_are_the_cells_of_the_rows(grid_rows, data):
    """Consecutive rows are transposed by zip, others cut row by row: either way each
    column holds the rows' cells in order, None past a row's end."""
    n = len(grid_rows)
    start = data.draw(st.integers(0, n - 1))
    stop = data.draw(st.integers(start + 1, n))
    rows = data.draw(st.sampled_from([range(start, stop), list(range(start, stop)),
                                      sorted(set(data.draw(st.lists(st.integers(0, n - 1),
                                                                    min_size=1))))]))
    indexes = data.draw(st.lists(st.integers(0, 6), min_size=1, max_size=4))
    expected = [tuple(grid_rows[r][i] if i < len(grid_rows[r]) else None for r in rows)
                for i in indexes]
    assert cut_columns(grid_rows, rows, indexes) == expected
