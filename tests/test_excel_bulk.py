"""The column-at-a-time check of an enterprise list plans exactly what the per-row check
plans: the same records, findings (in the same order), townships and changes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from excel_build import credit
from hypothesis import given, settings
from hypothesis import strategies as st

from shengui_desktop.domain import credit_code as cc
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.enterprises import create_enterprise
from shengui_desktop.progress import Job
from shengui_desktop.services.excel import ImportResult
from shengui_desktop.services.excel.enterprise_rows import EnterpriseRows
from shengui_desktop.services.excel.planner import Planner
from shengui_desktop.services.ledger.figures import record_month
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.spreadsheets.reader import Grid

PASSWORD = "bulk-pass-1"


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory):
    """A county ledger with two townships and two enterprises; a township ledger."""
    tmp = tmp_path_factory.mktemp("bulk")
    county, _ = init_office(tmp / "c.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    reference.add_township(county, "140322100", "秀水镇")
    reference.add_township(county, "140322101", "路家村镇")
    for name in reference.STANDARD_DEPARTMENTS:
        reference.add_department(county, name)
    create_enterprise(county, {"credit_code": credit(1), "name": "甲公司",
                               "township_code": "140322100", "contact_phone": "13800000000"})
    create_enterprise(county, {"credit_code": credit(2), "name": "乙公司",
                               "township_code": "140322101"})
    create_enterprise(county, {"credit_code": credit(12), "name": "乙公司",  # two 乙公司
                               "township_code": "140322100"})
    create_enterprise(county, {"credit_code": credit(13), "name": "丙（山西）公司",
                               "township_code": "140322100", "address": "东关村\n1号"})
    jia = county.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (credit(1),))
    record_month(county, jia, "2024-01", {"revenue": 1_000_000, "employees": 50})
    # yuan a 2-decimal 万元 list cannot write: 328.9512, 100.4950 and 1.2549万千瓦时
    record_month(county, jia, "2024-02", {"revenue": 3_289_512, "tax_paid": 1_004_950,
                                          "electricity_kwh": 12_549})
    yi = county.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (credit(2),))
    record_month(county, yi, "2024-03", {"revenue": 1_005_049, "output_value": 1_000_000})
    township, _ = init_office(tmp / "t.sgdb", role="township", name="秀水镇",
                              area_code="140322100", admin_user="admin", password=PASSWORD)
    yield {"county": county, "township": township}
    county.close()
    township.close()


def _warned(n: int) -> str:
    """A code whose last check character is wrong (a warning, not a problem)."""
    good = credit(n)
    return good[:17] + ("0" if good[17] != "0" else "1")


COLUMNS = {
    "企业名称": ["甲公司", "乙公司", "丙公司", " 丁公司 ", "丁公司", "", None, "ＡＢ公司", 12345,
             "丙(山西)公司", "丙（山西）公司", "丙 【山西】 公司", "甲　公司"],
    "统一社会信用代码": [credit(1), credit(3), credit(4), credit(5), credit(6), credit(7).lower(),
                         " " + credit(8), "９１" + credit(9)[2:], credit(3)[:17], _warned(10),
                         credit(11)[:16] + "Z" + credit(11)[17], "", None, credit(2), credit(13)],
    "乡镇": ["秀水镇", " 路家村镇 ", "秀水", "南娄镇", "北下庄乡", "140322100", "140322999", "12",
           "", None, "秀水　镇", "路家村镇 ", "１４０３２２１００"],
    "乡镇代码": [None, "", "140322100", "140322101", "140322555", "1403221", 140322100],
    "行业代码": ["C3311", "3311", "３０", "14 食品制造业", "5191", "制造", None, "", 3311, 30.0,
             "金属制品业"],
    "行业名称": [None, "食品制造业", "批发业", "乱写"],
    "统计状态": ["规下", "规上", "规模以上", "已退规", "乱写", "above_scale", "", None],
    "库别": ["培育库", "储备库", "无", "乱写", "", None, "reserve"],
    "来源": ["个转企", "招引", "乱写", "", None],
    "责任单位": ["工信局", "应急局", "没有这个局", "", None],
    "企业资质": ["专精特新、高新技术企业", "、", "", None],
    "联系人": ["王 伟", "  ", None, "ＬＩ", "王　伟"],
    "联系电话": [13800138000, "0353-1234567", "abc", None, " ", 13800138000.0, "138 0013 8000"],
    "地址": ["秀水镇东关村１号", None, "", "东关村\n1号", "东关村 1号", "东关村\r\n１号 ", "东关\x07村"],
    "成立日期": ["2019年3月5日", 43530, "2024/1/5", "2020-13-45", date(2020, 6, 1),
             datetime(2021, 2, 3, 0, 0), None, "", 12, "20200101"],
    "入统日期": [None, "2023-12-01", "昨天"],
    "备注": [None, "补报", " ", "第一段：正常。\n\n第二段（待核）", "\n补报\n"],
    # annual figures (年度数): the year from the title, a 年度 column or the header
    "营业收入（万元）": [100, "1,234.5", -3, "abc", None, 0, 2100, 1e9],
    "年度": [2025, "2025年", "x", None, 1999],
    "2024年工业总产值（千元）": [5000, None, "-", 12.5],
    "上年营业收入": [1, None],
}


# tidy rows (what most of a real list is): every cell ordinary
TIDY = {
    "企业名称": ["丙公司", "丁公司", "戊公司", "己公司"],
    "统一社会信用代码": [credit(n) for n in range(3, 9)],
    "乡镇": ["秀水镇", "路家村镇", "南娄镇"],
    "乡镇代码": [None, "140322100"],
    "行业代码": ["C3311", "3311", None],
    "行业名称": [None, "食品制造业"],
    "统计状态": ["规下", "规上", None],
    "库别": ["培育库", None],
    "来源": ["个转企", None],
    "责任单位": ["工信局", None],
    "企业资质": ["专精特新、高新技术企业", None],
    "联系人": ["王 伟", None],
    "联系电话": [13800138000, "0353-1234567", None],
    "地址": ["秀水镇东关村１号", None],
    "成立日期": ["2019年3月5日", 43530, date(2020, 6, 1), None],
    "入统日期": [None, "2023-12-01"],
    "备注": [None, "补报"],
    "营业收入（万元）": [100, 2100, None],
    "年度": [2025],
    "2024年工业总产值（千元）": [5000, None],
    "上年营业收入": [1, None],
}


@st.composite
def sheets(draw):
    headers = ["企业名称", "统一社会信用代码"] + draw(st.lists(
        st.sampled_from([h for h in COLUMNS if h not in ("企业名称", "统一社会信用代码")]),
        unique=True, max_size=8))
    headers = draw(st.permutations(headers))
    # cells picked evenly (hypothesis would mostly pick the first values of each list)
    rnd = draw(st.randoms(use_true_random=False))
    rows = []
    for _ in range(draw(st.integers(1, 10))):
        row = [rnd.choice(TIDY[h]) for h in headers]
        # most rows tidy, some with one or two odd cells, a few odd all over
        odd = rnd.choice([0, 0, 1, 1, 2, len(headers)])
        for c in rnd.sample(range(len(headers)), min(odd, len(headers))):
            row[c] = rnd.choice(COLUMNS[headers[c]])
        rows.append(row)
    office = draw(st.sampled_from([None, "填报单位：秀水镇", "填报单位：南娄镇",
                                   "2025年名单 填报单位：秀水镇"]))
    return headers, rows, office


def plan(ledger, headers, rows, office, *, bulk: bool, more: list[Grid] = (),
         create_townships: bool = False) -> Planner:
    grid_rows = ([[office]] if office else []) + [list(headers)] + [list(r) for r in rows]
    planner = Planner(ledger, ImportResult("x.xlsx", True), Job(), create_townships=create_townships)
    planner.bulk = bulk
    planner.run([Grid("Sheet1", grid_rows), *[Grid(g.name, [list(r) for r in g.rows])
                                              for g in more]], kind=None, sheet_named=False)
    return planner


def outcome(planner: Planner) -> dict:
    """What was planned, new enterprises' random ids written as their credit codes."""
    r, p = planner.result, planner.plan
    code_of = {n.id: code for code, n in p.new.items()}

    def named(eid):
        return code_of.get(eid, eid)
    inserts = [(None if eid in code_of else row_id, named(eid), *rest)
               for row_id, eid, *rest in p.figure_inserts]
    years = [(None if eid in code_of else row_id, named(eid), *rest)
             for row_id, eid, *rest in p.annual_inserts]
    return {
        "problems": r.problems, "warnings": r.warnings, "created": r.created,
        "updated": r.updated, "unchanged": r.unchanged, "new_townships": r.new_townships,
        "new": {code: (n.record, n.row, n.sheet) for code, n in p.new.items()},
        "new_ids": len(p.new_ids), "new_names": p.new_names, "seen": p.seen_codes,
        "updates": p.updates, "township_codes": p.townships.created,
        "figures": (r.figures_created, r.figures_updated, r.figures_unchanged),
        "figure_writes": (inserts, p.figure_updates),
        "months": {(named(e), period): row for (e, period), row in p.seen_months.items()},
        "touched": set(map(named, r.enterprise_ids)),
        "sheets": [(x.name, x.kind, x.rows, x.unit, x.annual, x.skipped, x.unused_columns)
                   for x in r.sheets],
        "annual": (r.annual_created, r.annual_updated, r.annual_unchanged, r.needs_year),
        "annual_writes": (years, p.annual_updates),
        "unknown_townships": p.townships.unknown,
    }


@settings(max_examples=300, deadline=None)
@given(role=st.sampled_from(["county", "township"]), sheet=sheets(), create=st.booleans())
def test_columns_plan_what_rows_plan(ledgers, role, sheet, create):
    headers, rows, office = sheet
    ledger = ledgers[role]
    assert outcome(plan(ledger, headers, rows, office, bulk=True, create_townships=create)) == \
        outcome(plan(ledger, headers, rows, office, bulk=False, create_townships=create))


FIGURE_COLUMNS = {
    "统一社会信用代码": [credit(1), credit(2), credit(5), credit(9), credit(1).lower(), "",
                         None, "91140322XYZ"],
    "企业名称": ["甲公司", "乙公司", "新公司", "没有的公司", "", None],
    "月份": ["2024-01", "2024-02", "2024年3月", date(2024, 4, 1), "2024-13", "", None, 202405,
           "5月", 45413],
    "年份": [2024, "2024", 1999, "x", None],
    "月": [1, "2", 13, None, 2.0],
    "营业收入（万元）": [100, 100.5, 1.005, "1,234.5", -3, "abc", "", None, 0, 1e9, 12.345678,
                    float("nan"), 328.95, 328.96, "328.95", 328.9512, 328.95000000000005, 100.51],
    "税收": [10, 0.5, None, "-", -0.5],
    "用电量（万千瓦时）": [1.25, 3, None, "2.5万千瓦时", 2.5],
    "从业人员": [50, 51, 2.5, "56", None, -1, True],
}
FIGURE_TIDY = {
    "统一社会信用代码": [credit(1), credit(2), credit(5), None],
    "企业名称": ["甲公司", "新公司", None],
    "月份": ["2024-01", "2024-02", "2024年3月", date(2024, 4, 1)],
    "年份": [2024],
    "月": [1, 2, 3],
    "营业收入（万元）": [100, 100.5, 1.005, 12.345678, None, 0, 328.95, 328.96, 100.5, 100.49],
    "税收": [10, 0.5, None, 100.5, 100.49, "100.50"],
    "用电量（万千瓦时）": [1.25, 3, None, 1.25, 1.26],
    "从业人员": [50, 51, None],
}
NEW_FIRM = Grid("企业", [["企业名称", "统一社会信用代码", "乡镇"], ["新公司", credit(5), "秀水镇"]])


@st.composite
def figure_sheets(draw):
    rnd = draw(st.randoms(use_true_random=False))
    when = ["月份"] if rnd.random() < 0.7 else ["年份", "月"]
    who = rnd.choice([["统一社会信用代码"], ["企业名称"], ["统一社会信用代码", "企业名称"]])
    what = rnd.sample(["营业收入（万元）", "税收", "用电量（万千瓦时）", "从业人员"], rnd.randint(1, 4))
    headers = rnd.sample(who + when + what, len(who + when + what))
    rows = []
    for _ in range(rnd.randint(1, 10)):
        row = [rnd.choice(FIGURE_TIDY[h]) for h in headers]
        for c in rnd.sample(range(len(headers)), min(rnd.choice([0, 0, 1, 2]), len(headers))):
            row[c] = rnd.choice(FIGURE_COLUMNS[headers[c]])
        rows.append(row)
    title = rnd.choice([None, "2024年月度数据 单位：千元"])
    return headers, rows, title, rnd.random() < 0.5


@settings(max_examples=300, deadline=None)
@given(figure_sheets())
def test_figure_columns_plan_what_figure_rows_plan(ledgers, sheet):
    headers, rows, title, with_firms = sheet
    more = [NEW_FIRM] if with_firms else []
    ledger = ledgers["county"]
    assert outcome(plan(ledger, headers, rows, title, bulk=True, more=more)) == \
        outcome(plan(ledger, headers, rows, title, bulk=False, more=more))


# rows of the ledger's own enterprises, as a list sent again holds them, some cells changed
AGAIN = {
    "企业名称": ["甲公司", "乙公司"],
    "统一社会信用代码": [credit(1), credit(2), credit(12)],
    "乡镇": ["秀水镇", "路家村镇", None],
    "乡镇代码": [None, "140322100", "140322101"],
    "统计状态": ["规下", None, "规上"],
    "库别": [None, "培育库"],
    "联系电话": ["13800000000", 13800000000, None, "0353-1234567"],
    "成立日期": [None, "2019-03-05"],
}


@st.composite
def sheets_again(draw):
    headers = ["企业名称", "统一社会信用代码"] + draw(st.lists(
        st.sampled_from([h for h in AGAIN if h not in ("企业名称", "统一社会信用代码")]),
        unique=True, max_size=5))
    rnd = draw(st.randoms(use_true_random=False))
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        row = [rnd.choice(AGAIN[h]) for h in headers]
        if rnd.random() < 0.2:
            c = rnd.randrange(len(headers))
            row[c] = rnd.choice(COLUMNS.get(headers[c], AGAIN[headers[c]]))
        rows.append(row)
    return headers, rows, draw(st.sampled_from([None, "填报单位：秀水镇"]))


@settings(max_examples=300, deadline=None)
@given(role=st.sampled_from(["county", "township"]), sheet=sheets_again())
def test_a_list_sent_again_plans_what_rows_plan(ledgers, role, sheet):
    headers, rows, office = sheet
    ledger = ledgers[role]
    assert outcome(plan(ledger, headers, rows, office, bulk=True)) == \
        outcome(plan(ledger, headers, rows, office, bulk=False))


def test_unchanged_enterprises_of_the_ledger_take_the_column_path(ledgers, monkeypatch):
    headers = ["企业名称", "统一社会信用代码", "乡镇", "联系电话"]
    rows = [["甲公司", credit(1), "秀水镇", "13800000000"],     # as the ledger has it
            ["乙公司", credit(2), "路家村镇", None],            # as the ledger has it
            ["甲公司", credit(12), "秀水镇", None]]            # renamed: listed as a change
    seen = []
    original = EnterpriseRows.plan_row
    monkeypatch.setattr(EnterpriseRows, "plan_row",
                        lambda self, layout, r: (seen.append(r), original(self, layout, r)))
    p = plan(ledgers["county"], headers, rows, None, bulk=True)
    assert seen == [3]
    assert p.result.unchanged == 2 and [c.row for c in p.result.updated] == [4]
    assert p.result.problems == [] and p.plan.new == {}


def test_usual_rows_take_the_column_path_and_unusual_ones_the_row_path(ledgers, monkeypatch):
    headers = ["企业名称", "统一社会信用代码", "乡镇", "成立日期"]
    rows = [["丙公司", credit(3), "秀水镇", "2020-01-01"],
            ["丁公司", credit(4), "南娄镇", "2020-01-01"],  # a new township: row path
            ["戊公司", credit(5), "南娄镇", "2020/1/1"],  # the township now exists
            ["己公司", credit(3), "秀水镇", None]]  # duplicate code: row path
    seen = []
    original = EnterpriseRows.plan_row
    monkeypatch.setattr(EnterpriseRows, "plan_row",
                        lambda self, layout, r: (seen.append(r), original(self, layout, r)))
    # creating a township the ledger does not know needs the person's confirmation
    p = plan(ledgers["county"], headers, rows, None, bulk=True, create_townships=True)
    assert seen == [2, 4]  # grid rows of 丁公司 and 己公司
    assert p.plan.new[credit(5)].record["township_code"] == p.plan.townships.created["南娄镇"]
    assert p.plan.new[credit(5)].record["established_date"] == "2020-01-01"
    assert [f.row for f in p.result.problems] == [5]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYZIOSVa ９", min_size=16, max_size=19))
def test_is_clean_agrees_with_check(code):
    found = cc.check(code)
    assert cc.is_clean(code) == (found.ok and not found.warning and found.code == code)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(1, 10**8).map(credit), st.integers(1, 10**8).map(_warned),
                          st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYZIOSVa", min_size=17,
                                  max_size=19)), max_size=30))
def test_codes_checked_together_as_one_by_one(codes):
    assert cc.clean_codes(codes) == [cc.is_clean(code) for code in codes]


@pytest.mark.parametrize("n", range(1, 60))
def test_is_clean_accepts_valid_codes(n):
    assert cc.is_clean(credit(n)) and not cc.is_clean(_warned(n))
