"""顺城区 (seed 000): each test cites the sentence of the document it checks."""

from datetime import date

import pytest

from helpers import assert_replay_equal
from policy_helpers import TODAY, add_enterprise, evaluation, reward_lines
from shengui_desktop.services import policy
from shengui_desktop.services.policy.records import add_project, record_scale_period


@pytest.fixture
def county(county):
    policy.choose_profile(county, "shuncheng")
    return county


# “主要以上一年度主营业务收入1500至2000万元的规模以下工业企业……为重点培育对象建立企业培育库”
@pytest.mark.parametrize("revenue, pool", [
    (14_999_999, "none"), (15_000_000, "cultivation"), (16_500_000, "cultivation"),
    (19_999_999, "cultivation"), (20_000_000, "none")])
def test_cultivation_pool_on_prior_year_revenue_15_to_20_million(county, revenue, pool):
    ent = add_enterprise(county, years={2025: revenue})
    ev = evaluation(county, ent)
    assert ev.prior_year_revenue == revenue
    assert ev.suggested_pool == pool
    if revenue == 16_500_000:
        assert ev.suggested_pool_reason == "上年主营业务收入1,650万元，位于1,500–2,000万元区间"
    if revenue == 19_999_999:
        assert "1,999.99万元" in ev.suggested_pool_reason


# 应统尽统: “对于投产未入统企业……力争将企业推入规模以上行列” — exactly 20M has reached scale
def test_reached_scale_not_entered_at_exactly_20_million(county):
    at = evaluation(county, add_enterprise(county, "达规企业", years={2025: 20_000_000}))
    below = evaluation(county, add_enterprise(county, "临规企业", years={2025: 19_999_999}))
    assert at.flag_codes == ["reached_scale_not_entered"]
    assert "2,000万元" in at.flags[0].text
    assert below.flag_codes == []


# “特别是当年预计销售收入跌破2000万元，存在退出规模以上企业库风险的企业”
@pytest.mark.parametrize("first_half, flagged", [(10_000_000, False), (9_999_999, True)])
def test_exit_risk_when_projected_revenue_falls_below_20_million(county, first_half, flagged):
    july = date(2026, 7, 15)  # January–June reported, no last year: annualised ×2
    ent = add_enterprise(county, stat_status="above_scale", entered_stats_date="2020-01-01",
                         ytd=(6, first_half))
    ev = evaluation(county, ent, july)
    assert ev.projection_method == "annualised"
    assert ev.projected_revenue == first_half * 2
    assert ("exit_risk" in ev.flag_codes) is flagged
    # the document sets up no exit-risk pool: the risk is a flag, the suggestion stays none
    assert ev.suggested_pool == "none"


# “近三年退出统计调查单位库但有望重返规模以上的工业企业”
def test_exited_in_the_last_three_years_is_suggested_for_cultivation(county):
    recent = add_enterprise(county, "近年退规", stat_status="exited", exited_stats_date="2024-03-01")
    old = add_enterprise(county, "早年退规", stat_status="exited", exited_stats_date="2023-06-01")
    assert evaluation(county, recent).suggested_pool == "cultivation"
    assert "2024-03-01退规" in evaluation(county, recent).suggested_pool_reason
    assert evaluation(county, old).suggested_pool == "none"


# “新建并有望达产升级为规模以上的工业企业”
def test_new_project_expected_to_reach_scale(county):
    ent = add_enterprise(county, "新建项目企业", source="new_project")
    assert evaluation(county, ent).suggested_pool == "none"
    add_project(county, ent, {"name": "年产5万吨项目", "status": "under_construction",
                              "expected_to_reach_scale": True})
    assert evaluation(county, ent).suggested_pool == "cultivation"
    assert_replay_equal(county, _empty(county))


# “以企业主营业务收入预计数为依据，甄选新的优质企业入库培育”
def test_projected_revenue_selects_new_members_same_period_ratio(county):
    # last year 12M over 12 months; this year January–October 16M against 10M last year
    ent = add_enterprise(county, years={2025: 12_000_000}, ytd=(10, 16_000_000))
    ev = evaluation(county, ent)
    assert ev.projection_method == "same_period_ratio"
    assert ev.projected_revenue == 19_200_000  # 12M × 16M / 10M
    assert ev.projection_text == "按同期比测算：上年全年1,200万元×本年1–10月1,600万元÷上年同期1,000万元"
    assert ev.suggested_pool == "cultivation"
    assert ev.suggested_pool_reason.startswith("本年预计主营业务收入1,920万元")


# “按季度对不具备升规潜力的企业进行调整”: quarterly review reminder, and visits to the pool
def test_quarterly_review_reminder_and_visit_flag(county):
    codes = [r.code for r in policy.calendar_reminders(county, date(2026, 9, 1))]
    assert "quarterly_pool_review" in codes
    assert "quarterly_pool_review" not in [r.code for r in policy.calendar_reminders(county, date(2026, 8, 1))]
    from shengui_desktop.services.ledger.pools import move_pool
    ent = add_enterprise(county, years={2025: 16_000_000})
    move_pool(county, ent, "cultivation", "上年营收1600万元", moved_on="2026-01-10")
    assert "not_visited" in evaluation(county, ent).flag_codes


# “争取省级……具体奖励金额以省政府实际发放为准”；“每户10万元（每户企业只享受一次资金奖励）”
def test_rewards_province_amount_left_to_province_city_100k_once(county):
    ent = add_enterprise(county, "首次入规", stat_status="above_scale", entered_stats_date="2025-12-01")
    lines = reward_lines(county, ent, 2025)
    assert lines["province_first_entry"].amount is None
    assert "以省政府实际发放为准" in lines["province_first_entry"].amount_text
    assert lines["city_new_entry"].amount == 100_000 and lines["city_new_entry"].status == "due"
    assert reward_lines(county, ent, 2026) == {}  # once only

    again = add_enterprise(county, "再次入规", stat_status="above_scale", entered_stats_date="2025-12-01")
    code = county.get("enterprises", again)["credit_code"]
    record_scale_period(county, code, "再次入规", "2019-01-01", "2022-12-31")
    lines = reward_lines(county, again, 2025)
    assert lines["province_first_entry"].status == "not_eligible"
    assert lines["city_new_entry"].status == "to_verify"


def test_evaluation_never_moves_an_enterprise(county):
    ent = add_enterprise(county, years={2025: 16_000_000})
    before = county.scalar("SELECT count(*) FROM change_log")
    assert evaluation(county, ent).suggested_pool == "cultivation"
    policy.rewards(county, 2026, TODAY)
    policy.calendar_reminders(county, TODAY)
    assert county.get("enterprises", ent)["pool"] == "none"
    assert county.scalar("SELECT count(*) FROM change_log") == before


def _empty(ledger):
    from shengui_desktop.services.office.setup import init_office
    from conftest import PASSWORD
    target, _ = init_office(ledger.path.parent / "replay.sgdb", role="county", name="回放",
                            area_code="140322", admin_user="admin", password=PASSWORD)
    return target
