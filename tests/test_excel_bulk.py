"""The column-at-a-time check of an enterprise list plans exactly what the per-row check
plans: the same records, findings (in the same order), townships and changes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from excel_build import credit
from hypothesis import given, settings
from hypothesis import strategies as st

from shengui_desktop.domain import credit_code as cc
from shengui_desktop.services import reference
from shengui_desktop.services.enterprises import create_enterprise
from shengui_desktop.services.excel import ImportResult
from shengui_desktop.services.excel_planner import _Planner
from shengui_desktop.services.site import init_office
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
    "企业名称": ["甲公司", "乙公司", "丙公司", " 丁公司 ", "丁公司", "", None, "ＡＢ公司", 12345],
    "统一社会信用代码": [credit(1), credit(3), credit(4), credit(5), credit(6), credit(7).lower(),
                         " " + credit(8), "９１" + credit(9)[2:], credit(3)[:17], _warned(10),
                         credit(11)[:16] + "Z" + credit(11)[17], "", None, credit(2)],
    "乡镇": ["秀水镇", " 路家村镇 ", "秀水", "南娄镇", "北下庄乡", "140322100", "140322999", "12",
           "", None],
    "乡镇代码": [None, "", "140322100", "140322101", "140322555", "1403221", 140322100],
    "行业代码": ["C3311", "3311", "３０", "14 食品制造业", "5191", "制造", None, "", 3311, 30.0,
             "金属制品业"],
    "行业名称": [None, "食品制造业", "批发业", "乱写"],
    "统计状态": ["规下", "规上", "规模以上", "已退规", "乱写", "above_scale", "", None],
    "库别": ["培育库", "储备库", "无", "乱写", "", None, "reserve"],
    "来源": ["个转企", "招引", "乱写", "", None],
    "责任单位": ["工信局", "应急局", "没有这个局", "", None],
    "企业资质": ["专精特新、高新技术企业", "、", "", None],
    "联系人": ["王 伟", "  ", None, "ＬＩ"],
    "联系电话": [13800138000, "0353-1234567", "abc", None, " ", 13800138000.0, "138 0013 8000"],
    "地址": ["秀水镇东关村１号", None, ""],
    "成立日期": ["2019年3月5日", 43530, "2024/1/5", "2020-13-45", date(2020, 6, 1),
             datetime(2021, 2, 3, 0, 0), None, "", 12, "20200101"],
    "入统日期": [None, "2023-12-01", "昨天"],
    "备注": [None, "补报", " "],
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
    office = draw(st.sampled_from([None, "填报单位：秀水镇", "填报单位：南娄镇"]))
    return headers, rows, office


def plan(ledger, headers, rows, office, *, bulk: bool) -> _Planner:
    grid_rows = ([[office]] if office else []) + [list(headers)] + [list(r) for r in rows]
    planner = _Planner(ledger, ImportResult("x.xlsx", True), lambda *a: None, lambda: None)
    planner.bulk = bulk
    planner.run([Grid("Sheet1", grid_rows)], kind=None, sheet_named=False)
    return planner


def outcome(p: _Planner) -> dict:
    r = p.result
    return {
        "problems": r.problems, "warnings": r.warnings, "created": r.created,
        "updated": r.updated, "unchanged": r.unchanged, "new_townships": r.new_townships,
        "new": {code: (n.record, n.row, n.sheet) for code, n in p.new.items()},
        "new_ids": len(p.new_ids), "new_names": p.new_names, "seen": p.seen_codes,
        "updates": p.updates, "township_codes": p.new_township_codes,
    }


@settings(max_examples=300, deadline=None)
@given(role=st.sampled_from(["county", "township"]), sheet=sheets())
def test_columns_plan_what_rows_plan(ledgers, role, sheet):
    headers, rows, office = sheet
    ledger = ledgers[role]
    assert outcome(plan(ledger, headers, rows, office, bulk=True)) == \
        outcome(plan(ledger, headers, rows, office, bulk=False))


def test_usual_rows_take_the_column_path_and_unusual_ones_the_row_path(ledgers, monkeypatch):
    headers = ["企业名称", "统一社会信用代码", "乡镇", "成立日期"]
    rows = [["丙公司", credit(3), "秀水镇", "2020-01-01"],
            ["丁公司", credit(4), "南娄镇", "2020-01-01"],  # a new township: row path
            ["戊公司", credit(5), "南娄镇", "2020/1/1"],  # the township now exists
            ["己公司", credit(3), "秀水镇", None]]  # duplicate code: row path
    seen = []
    original = _Planner._enterprise_row
    monkeypatch.setattr(_Planner, "_enterprise_row",
                        lambda self, layout, r: (seen.append(r), original(self, layout, r)))
    p = plan(ledgers["county"], headers, rows, None, bulk=True)
    assert seen == [2, 4]  # grid rows of 丁公司 and 己公司
    assert p.new[credit(5)].record["township_code"] == p.new_township_codes["南娄镇"]
    assert p.new[credit(5)].record["established_date"] == "2020-01-01"
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
