"""孝义市 (seed 001): each test cites the sentence of the document it checks."""

import pytest

from policy_helpers import TODAY, add_enterprise, evaluation, figure, reward_lines
from shengui_desktop.services import policy
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.policy.records import add_project, record_scale_period


@pytest.fixture
def county(county):
    policy.choose_profile(county, "xiaoyi")
    return county


# “对首次“小升规”的工业企业……第一年省级财政奖励30万元”；“第二年继续在规上企业……再奖补5万元”；
# “对首次入规企业三年连续在规模以上，发展良性，再奖励10万元”
def test_above_scale_in_years_1_to_3_gets_300k_50k_100k(county):
    ent = add_enterprise(county, "连续在规", stat_status="above_scale", entered_stats_date="2024-01-01")
    got = {year: reward_lines(county, ent, year) for year in (2024, 2025, 2026)}
    assert got[2024]["province_first_entry"].amount == 300_000
    assert got[2024]["province_first_entry"].payer == "省级财政"
    assert got[2025]["city_second_year"].amount == 50_000
    assert got[2026]["city_third_year"].amount == 100_000
    assert "发展良性" in got[2026]["city_third_year"].reason
    assert all(line.status == "due" for lines in got.values() for line in lines.values())
    assert len([ln for lines in got.values() for ln in lines.values()]) == 3


# the same sentences: exit in year 2 means not “第二年继续在规上企业”
def test_exit_in_year_2_gets_300k_only(county):
    ent = add_enterprise(county, "次年退规", stat_status="exited", entered_stats_date="2024-01-01",
                         exited_stats_date="2025-06-30")
    assert reward_lines(county, ent, 2024)["province_first_entry"].amount == 300_000
    second = reward_lines(county, ent, 2025)["city_second_year"]
    assert second.status == "not_eligible" and second.amount is None
    third = reward_lines(county, ent, 2026)["city_third_year"]
    assert third.status == "not_eligible"
    total = policy.rewards(county, 2025, TODAY).totals
    assert total.due_amount == 0


# “对已入规退库只变更企业名称再次入规的企业不予享受财政奖励”
def test_renamed_reentry_gets_nothing_and_is_flagged(county):
    ent = add_enterprise(county, "新名称有限公司", stat_status="above_scale", entered_stats_date="2025-01-01")
    code = county.get("enterprises", ent)["credit_code"]
    record_scale_period(county, code, "旧名称有限公司", "2018-01-01", "2022-12-31", enterprise_id=ent)
    line = reward_lines(county, ent, 2025)["province_first_entry"]
    assert line.status == "not_eligible" and line.amount is None
    assert "旧名称有限公司" in line.reason
    assert reward_lines(county, ent, 2026)["city_second_year"].status == "not_eligible"
    ev = evaluation(county, ent)
    assert "renamed_reentry" in ev.flag_codes


# “对统计数据弄虚作假，有电量无产值……的企业，提请有关部门采取惩戒措施”
def test_electricity_without_output_is_flagged(county):
    ent = add_enterprise(county, "有电无产值", years={2025: 8_000_000})
    county.update("monthly_figures", figure(ent, "2025-12", 0)["id"],
                  {"revenue": 0, "output_value": 0, "electricity_kwh": 52_000})
    ev = evaluation(county, ent)
    assert ev.flag_codes == ["electricity_without_output"]
    assert "2025-12" in ev.flags[0].text
    clean = add_enterprise(county, "正常企业", years={2025: 8_000_000})
    assert evaluation(county, clean).flag_codes == []


# “对营收下降较大的企业进行及时预警” (the threshold, 20%, is in the profile)
@pytest.mark.parametrize("this_year, flagged", [(7_600_000, True), (8_500_000, False)])
def test_large_revenue_decline_warns_but_suggests_no_pool(county, this_year, flagged):
    # last year 30M, January–October this year vs 25M same period last year
    ent = add_enterprise(county, stat_status="above_scale", entered_stats_date="2019-01-01",
                         years={2025: 30_000_000}, ytd=(10, this_year * 25 // 10))
    ev = evaluation(county, ent)
    assert ("exit_risk" in ev.flag_codes) is flagged
    if flagged:
        assert "下降" in ev.flags[0].text and "20%" in ev.flags[0].text
    assert ev.suggested_pool == "none"  # the document has no exit-risk pool


# “按照规上工业企业“十四五”计划年均目标5倍的比例……纳入储备库；……2倍……纳入培育库；
#   按照吕梁市下达规上工业企业本年度目标数量将拟入规企业、项目纳入入统库”
def test_pool_sizing_and_ranked_suggestions(county):
    reference.set_target(county, {"year": 2026, "scope": "county", "net_increase": 2})
    ids = [add_enterprise(county, f"企业{n:02d}", years={2025: 1_000_000 * (n + 1)}) for n in range(18)]
    sizing = policy.pool_sizing(county, 2026)
    required = {p.pool: (p.required, p.count, p.shortfall) for p in sizing.pools}
    assert required == {"reserve": (10, 0, 10), "cultivation": (4, 0, 4), "entry": (2, 0, 2)}
    evs = policy.evaluate(county, today=TODAY)
    by_rank = [evs[i].suggested_pool for i in reversed(ids)]  # highest revenue first
    assert by_rank == ["entry"] * 2 + ["cultivation"] * 4 + ["reserve"] * 10 + ["base"] * 2
    assert "排第1位" in evs[ids[-1]].suggested_pool_reason
    # with the plan's annual average set in an edited copy, reserve and cultivation follow it
    policy.copy_profile(county)
    policy.edit_profile(county, {"pool_sizing.plan_annual_target": 3})
    sizing = policy.pool_sizing(county, 2026)
    assert [p.required for p in sizing.pools] == [15, 6, 2]


# “将成长性好、发展前景广阔的企业、本年度建成投产项目纳入培育库”；
# “积极引导年主营业务收入已达规模但未入规的规下工业企业“小升规””
def test_new_production_this_year_and_reached_scale(county):
    ent = add_enterprise(county, "新投产")
    add_project(county, ent, {"name": "一期工程", "status": "in_production",
                              "production_start_date": "2026-04-01"})
    assert evaluation(county, ent).suggested_pool == "cultivation"
    reached = add_enterprise(county, "已达规", years={2025: 21_000_000})
    ev = evaluation(county, reached)
    assert ev.suggested_pool == "entry" and "reached_scale_not_entered" in ev.flag_codes


# “所有规下工业企业应确保统计数据的真实性”: revenue doubling with flat electricity and tax
def test_revenue_jump_against_electricity_and_tax(county):
    ent = add_enterprise(county, "营收暴涨", years={2025: 12_000_000})
    for month in range(1, 11):
        county.insert("monthly_figures", figure(ent, f"2026-{month:02d}", 2_000_000,
                                                electricity_kwh=100_000, tax_paid=30_000))
    ev = evaluation(county, ent)
    assert "revenue_jump" in ev.flag_codes
    assert "增长100%" in next(f.text for f in ev.flags if f.code == "revenue_jump")
