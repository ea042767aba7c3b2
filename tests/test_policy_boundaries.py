"""Rules that were wrong or missing (#16 item 3), walked through the command line just below,
at and just above each line; each test cites the sentence of the document it checks.

孝义: one pool size for the ranking and `pool sizing`; a ranking never puts an enterprise
flagged 营收异常增长 ahead of unflagged ones unsaid; 不按序时进度上报. 湖南: “3000万元以下”
includes 3,000万; an above-scale enterprise with no figures this year is judged on last year
and flagged 数据缺失 (likewise 顺城 and 盂县, which judge on projections too). 盂县: the 持续在规
award is listed for the years the profile gives, not every year for ever.
"""

from __future__ import annotations

import json

import pytest

from conftest import PASSWORD
from policy_helpers import add_enterprise, figure, spread
from shengui_desktop.cli import main

DATE = "2026-11-23"  # January–October 2026 reported; October is the last month due


@pytest.fixture(autouse=True)
def passphrase(monkeypatch):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)


def run(capsys, *argv) -> str:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def listed(capsys, db, day: str = DATE) -> dict[str, dict]:
    rows = json.loads(run(capsys, "list", "enterprises", "--db", db, "--date", day, "--json"))
    return {r["name"]: r for r in rows}


def reason(row: dict, code: str) -> str:
    return row["flag_reasons"][row["flags"].index(code)]


def profile(capsys, ledger, code: str):
    run(capsys, "profile", "choose", code, "--db", ledger.path)
    return ledger


# -- 孝义 ------------------------------------------------------------------------------------
# “按照规上工业企业“十四五”计划年均目标5倍的比例……纳入储备库；按照……2倍的比例……纳入培育库；
#   按照吕梁市下达规上工业企业本年度目标数量将拟入规企业、项目纳入入统库”
def test_xiaoyi_ranking_and_pool_sizing_give_one_answer(county, capsys):
    db = profile(capsys, county, "xiaoyi").path
    for n in range(20):  # 企业00 … 企业19, last year 50万 … 1,000万
        add_enterprise(county, f"企业{n:02d}", years={2025: 500_000 * (n + 1)})
    run(capsys, "targets", "set", "--db", db, "--year", 2026, "--value", 2)

    def answers():
        sizing = json.loads(run(capsys, "pool", "sizing", "--db", db, "--year", 2026, "--json"))
        required = {p["pool"]: p["required"] for p in sizing["pools"]}
        rows = listed(capsys, db)
        suggested = {pool: sum(r["suggested_pool"] == pool for r in rows.values()) for pool in required}
        return required, suggested, rows

    required, suggested, rows = answers()
    assert required == {"reserve": 10, "cultivation": 4, "entry": 2}
    assert suggested == required  # 20 ranked: 2 + 4 + 10, the 4 last stay in the base pool
    # the second is the last the entry pool takes, the third the first of the cultivation pool
    assert [rows[f"企业{n}"]["suggested_pool"] for n in (19, 18, 17)] == ["entry", "entry", "cultivation"]
    assert "入统库按本年度目标2户的1倍即2户确定" in rows["企业18"]["suggested_pool_reason"]

    # with the plan's annual target set, reserve and cultivation follow it in both answers
    run(capsys, "profile", "copy", "--db", db)
    run(capsys, "profile", "set", "--db", db, "pool_sizing.plan_annual_target=3")
    required, suggested, rows = answers()
    assert required == {"reserve": 15, "cultivation": 6, "entry": 2}
    assert suggested == {"reserve": 12, "cultivation": 6, "entry": 2}  # only 20 to rank
    assert [rows[f"企业{n}"]["suggested_pool"] for n in (12, 11)] == ["cultivation", "reserve"]
    assert "储备库按“十四五”计划年均目标3户的5倍即15户确定" in rows["企业11"]["suggested_pool_reason"]


def test_xiaoyi_sizes_its_pools_on_the_years_new_target_when_it_has_no_net_one(county, capsys):
    db = profile(capsys, county, "xiaoyi").path
    run(capsys, "targets", "set", "--db", db, "--kind", "new", "--year", 2026, "--value", 3)
    sizing = json.loads(run(capsys, "pool", "sizing", "--db", db, "--year", 2026, "--json"))
    assert [p["required"] for p in sizing["pools"]] == [15, 6, 3]
    assert "3户（全县新增目标）" in sizing["basis_text"]


# “所有规下工业企业应确保统计数据的真实性”: a revenue that doubles while electricity and tax
# stay flat is not ranked ahead of the enterprises without such a flag, and says why
def test_a_revenue_jump_is_ranked_after_the_unflagged_and_says_so(county, capsys):
    db = profile(capsys, county, "xiaoyi").path
    for n in range(20):
        add_enterprise(county, f"企业{n:02d}", years={2025: 500_000 * (n + 1)})
    jump = add_enterprise(county, "营收暴涨", years={2025: 12_000_000})
    county.insert_many("monthly_figures", [figure(jump, f"2026-{m:02d}", 2_000_000, electricity_kwh=100_000,
                                                  tax_paid=30_000) for m in range(1, 11)])
    run(capsys, "targets", "set", "--db", db, "--year", 2026, "--value", 2)
    run(capsys, "profile", "copy", "--db", db)
    run(capsys, "profile", "set", "--db", db, "pool_sizing.plan_annual_target=3")
    rows = listed(capsys, db)
    flagged = rows["营收暴涨"]
    assert "revenue_jump" in flagged["flags"] and flagged["projected_revenue"] == 24_000_000
    assert "排第21位" in flagged["suggested_pool_reason"]  # the highest projection, ranked last
    assert "营收异常增长待核实，排在未标记的企业之后" in flagged["suggested_pool_reason"]
    assert flagged["suggested_pool"] == "reserve"
    assert "排第1位" in rows["企业19"]["suggested_pool_reason"] and rows["企业19"]["suggested_pool"] == "entry"
    assert "营收异常增长" not in rows["企业19"]["suggested_pool_reason"]


# “对不按序时进度上报主营业务收入的企业，责令改正”: above scale or in the entry pool, October due
def test_xiaoyi_late_report_names_the_missing_months(county, capsys):
    db = profile(capsys, county, "xiaoyi").path
    above = {"stat_status": "above_scale", "entered_stats_date": "2019-01-01"}
    add_enterprise(county, "按时报送", ytd=(10, 30_000_000), **above)
    add_enterprise(county, "缺十月", ytd=(9, 27_000_000), **above)
    gaps = add_enterprise(county, "缺三月和十月", ytd=(9, 27_000_000), **above)
    county.delete("monthly_figures", figure(gaps, "2026-03", 0)["id"])
    county.insert("monthly_figures", figure(gaps, "2026-10", 3_000_000) | {"revenue": None})  # no revenue
    early = add_enterprise(county, "缺三月", ytd=(10, 30_000_000), **above)
    county.delete("monthly_figures", figure(early, "2026-03", 0)["id"])
    add_enterprise(county, "入统库未报", pool="entry")
    add_enterprise(county, "培育库未报", pool="cultivation")
    new = add_enterprise(county, "十月入规", stat_status="above_scale", entered_stats_date="2026-10-15")
    county.insert("monthly_figures", figure(new, "2026-10", 2_500_000))
    add_enterprise(county, "十一月入规", stat_status="above_scale", entered_stats_date="2026-11-01")
    rows = listed(capsys, db)
    late = {name for name, r in rows.items() if "late_report" in r["flags"]}
    assert late == {"缺十月", "缺三月和十月", "入统库未报"}
    assert reason(rows["缺十月"], "late_report") == (
        "规上企业截至2026年10月应报主营业务收入，缺2026年10月（共1个月）的数据，未按序时进度上报")
    assert "缺2026年3月、10月（共2个月）" in reason(rows["缺三月和十月"], "late_report")
    assert "入统库企业" in reason(rows["入统库未报"], "late_report")
    assert "1月、2月、3月、4月、5月、6月、7月、8月、9月、10月（共10个月）" in reason(rows["入统库未报"], "late_report")
    # on the first day of November, October is due; on the last day of October, September
    assert "late_report" in listed(capsys, db, "2026-11-01")["缺十月"]["flags"]
    assert "late_report" not in listed(capsys, db, "2026-10-31")["缺十月"]["flags"]


# -- 湖南 ------------------------------------------------------------------------------------
# “精准定位年营业收入3000万元以下且存在退规风险的企业，建立“退规风险企业库””: 3,000万 itself is “以下”
@pytest.mark.parametrize("delta, projected, risk", [(1, 30_000_001, False), (0, 30_000_000, True),
                                                    (-1, 29_999_999, True)], ids=["above", "at", "below"])
def test_hunan_exit_risk_line_includes_30_million(county, capsys, delta, projected, risk):
    db = profile(capsys, county, "hunan").path
    # last year 30M, January–October this year 25M ± 1 against 25M: projected 30M ± 1
    add_enterprise(county, "规上企业", stat_status="above_scale", entered_stats_date="2019-01-01",
                   years={2025: 30_000_000}, ytd=(10, 25_000_000 + delta))
    row = listed(capsys, db)["规上企业"]
    assert row["projected_revenue"] == projected
    assert ("exit_risk" in row["flags"]) is risk
    assert row["suggested_pool"] == ("exit_risk" if risk else "none")
    if risk:
        assert "在3,000万元以下（含3,000万元）" in reason(row, "exit_risk")


# the same sentence, for an enterprise above scale without any figure this year: judged on last
# year's revenue and flagged 数据缺失, never left out
@pytest.mark.parametrize("last_year, risk", [(30_000_001, False), (30_000_000, True), (29_999_999, True)],
                         ids=["above", "at", "below"])
def test_hunan_no_figures_this_year_is_judged_on_last_year_and_flagged(county, capsys, last_year, risk):
    db = profile(capsys, county, "hunan").path
    add_enterprise(county, "今年未报", stat_status="above_scale", entered_stats_date="2019-01-01",
                   years={2025: last_year})
    row = listed(capsys, db)["今年未报"]
    assert row["projected_revenue"] is None
    assert "data_missing" in row["flags"]
    assert "规上企业本年1–10月无月度数据，退规风险按上年主营业务收入" in reason(row, "data_missing")
    assert ("exit_risk" in row["flags"]) is risk
    assert row["suggested_pool"] == ("exit_risk" if risk else "none")
    if risk:
        assert "本年无月度数据，上年主营业务收入" in reason(row, "exit_risk")
        assert "（数据缺失）" in reason(row, "exit_risk")


def test_hunan_no_figures_at_all_is_flagged_and_a_partial_last_year_is_annualised(county, capsys):
    db = profile(capsys, county, "hunan").path
    add_enterprise(county, "从未报送", stat_status="above_scale", entered_stats_date="2019-01-01")
    partial = add_enterprise(county, "上年半年", stat_status="above_scale", entered_stats_date="2025-07-01")
    county.insert_many("monthly_figures", [figure(partial, f"2025-{m:02d}", v)
                                           for m, v in zip(range(7, 13), spread(14_000_000, 6))])
    rows = listed(capsys, db)
    assert reason(rows["从未报送"], "data_missing") == "规上企业本年1–10月无月度数据，上年也无数据，无法判断退规风险，请补录"
    assert "exit_risk" not in rows["从未报送"]["flags"]
    assert "上年6个月主营业务收入1,400万元，年化2,800万元" in reason(rows["上年半年"], "exit_risk")
    # in January nothing of this year is due yet: judged on last year, not 数据缺失
    january = listed(capsys, db, "2027-01-15")
    assert "data_missing" not in january["上年半年"]["flags"]
    add_enterprise(county, "一月", stat_status="above_scale", entered_stats_date="2019-01-01",
                           years={2026: 29_000_000})
    row = listed(capsys, db, "2027-01-15")["一月"]
    assert row["flags"] == ["exit_risk"]
    assert reason(row, "exit_risk") == "本年尚无应报月份，按上年主营业务收入2,900万元判断，在3,000万元以下（含3,000万元）"


def test_hunan_no_figures_this_year_is_judged_on_last_years_annual_figure(county, capsys):
    from shengui_desktop.services.ledger.figures import record_year

    db = profile(capsys, county, "hunan").path
    ent = add_enterprise(county, "只有年报", stat_status="above_scale", entered_stats_date="2019-01-01")
    record_year(county, ent, 2025, {"revenue": 30_000_000})
    row = listed(capsys, db)["只有年报"]
    assert row["flags"] == ["exit_risk", "data_missing"]
    assert reason(row, "exit_risk") == (
        "本年无月度数据，上年主营业务收入3,000万元（年报），在3,000万元以下（含3,000万元）（数据缺失）")


# 顺城 “当年预计销售收入跌破2000万元” and 盂县 “临退规” (below 2,000万, the amount itself is not):
# the same “no figures this year” rule
@pytest.mark.parametrize("code", ["shuncheng", "yuxian"])
@pytest.mark.parametrize("last_year, risk", [(20_000_001, False), (20_000_000, False), (19_999_999, True)],
                         ids=["above", "at", "below"])
def test_shuncheng_and_yuxian_judge_a_missing_year_on_last_year(county, capsys, code, last_year, risk):
    db = profile(capsys, county, code).path
    add_enterprise(county, "今年未报", stat_status="above_scale", entered_stats_date="2019-01-01",
                   years={2025: last_year})
    row = listed(capsys, db)["今年未报"]
    assert "data_missing" in row["flags"]
    assert ("exit_risk" in row["flags"]) is risk
    if risk:
        assert "低于2,000万元（数据缺失）" in reason(row, "exit_risk")


@pytest.mark.parametrize("code", ["xiaoyi", "minhou"])
def test_profiles_that_do_not_judge_on_a_projection_raise_no_missing_data_flag(county, capsys, code):
    db = profile(capsys, county, code).path
    add_enterprise(county, "今年未报", stat_status="above_scale", entered_stats_date="2019-01-01",
                   years={2025: 19_000_000})
    assert "data_missing" not in listed(capsys, db)["今年未报"]["flags"]


# -- 盂县 ------------------------------------------------------------------------------------
# “落实“小升规”企业首次入规、持续在规省级奖励资金”: listed for the profile's years (2nd–3rd)
@pytest.mark.parametrize("year, listed_", [(2021, True), (2022, True), (2023, False), (2026, False)],
                         ids=["from", "at-last", "just-after", "seventh"])
def test_yuxian_continued_award_is_bounded_by_the_profiles_years(county, capsys, year, listed_):
    db = profile(capsys, county, "yuxian").path
    add_enterprise(county, "2020年入规", stat_status="above_scale", entered_stats_date="2020-03-01")
    data = json.loads(run(capsys, "rewards", "--db", db, "--year", year, "--date", DATE, "--json"))
    lines = [ln for ln in data["lines"] if ln["rule"] == "province_continued"]
    assert bool(lines) is listed_
    if lines:
        assert lines[0]["status"] == "to_verify" and "（第2–3年）" in lines[0]["reason"]
        assert lines[0]["reward_year"] == year - 2019
