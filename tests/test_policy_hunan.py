"""湖南省 (seed 004): each test cites the sentence of the document it checks."""

from datetime import date

import pytest

from policy_helpers import TODAY, add_enterprise, evaluation, reward_lines
from shengui_desktop.services import policy
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.enterprises import update_enterprise


@pytest.fixture
def county(county):
    policy.choose_profile(county, "hunan")
    return county


# “各地以营业收入1000万—2000万元的小微工业企业为年度重点培育对象……建立“小升规”重点企业培育库”
@pytest.mark.parametrize("revenue, pool", [(9_999_999, "none"), (10_000_000, "cultivation"),
                                           (19_999_999, "cultivation"), (20_000_000, "none")])
def test_key_cultivation_10_to_20_million(county, revenue, pool):
    ev = evaluation(county, add_enterprise(county, years={2025: revenue}))
    assert ev.suggested_pool == pool


# “积极引导营业收入已达规模但未“入规入统”的企业“升规”，做到应入尽入、应统尽统”
def test_reached_scale_is_flagged(county):
    ev = evaluation(county, add_enterprise(county, years={2025: 20_000_000}))
    assert ev.flag_codes == ["reached_scale_not_entered"]


# “精准定位年营业收入3000万元以下且存在退规风险的企业，建立“退规风险企业库””: “以下” includes
# the amount itself, so exactly 3,000万 is flagged
@pytest.mark.parametrize("first_half, risk", [(15_000_001, False), (15_000_000, True), (14_999_999, True),
                                              (9_000_000, True)])
def test_exit_risk_pool_below_30_million(county, first_half, risk):
    ent = add_enterprise(county, stat_status="above_scale", entered_stats_date="2019-01-01",
                         ytd=(6, first_half))
    ev = evaluation(county, ent, date(2026, 7, 1))
    assert ev.projected_revenue == first_half * 2
    assert ("exit_risk" in ev.flag_codes) is risk
    assert ev.suggested_pool == ("exit_risk" if risk else "none")
    if risk:
        assert "在3,000万元以下（含3,000万元）" in ev.suggested_pool_reason
    assert county.get("enterprises", ent)["pool"] == "none"  # only suggested


# “各类财政资金对符合条件的新增规模以上工业企业……给予倾斜支持” — no fixed amount
def test_support_recorded_without_amount(county):
    ent = add_enterprise(county, stat_status="above_scale", entered_stats_date="2026-03-01")
    line = reward_lines(county, ent, 2026)["fiscal_support"]
    assert line.status == "due" and line.amount is None
    assert "无固定金额" in line.amount_text


# “聚焦净增数、新增数、目标完成率……”
def test_net_increase_new_entries_and_completion_rate(county):
    reference.set_target(county, {"year": 2026, "scope": "county", "net_increase": 4})
    reference.set_target(county, {"year": 2026, "scope": "township", "township_code": "140322100",
                                  "net_increase": 3})
    for n in range(3):
        add_enterprise(county, f"新入规{n}", stat_status="above_scale", entered_stats_date=f"2026-0{n + 2}-01")
    leaving = add_enterprise(county, "退规企业", township_code="140322101", stat_status="above_scale",
                             entered_stats_date="2016-01-01")
    update_enterprise(county, leaving, {"stat_status": "exited", "exited_stats_date": "2026-08-01"})
    progress = policy.target_progress(county, 2026)
    c = progress.county
    assert (c.target, c.new_entries, c.exits, c.net_increase, c.completion_rate) == (4, 3, 1, 2, 0.5)
    town = progress.townships[0]
    assert (town.name, town.net_increase, town.completion_rate) == ("秀水镇", 3, 1.0)
    assert progress.townships[1].net_increase == -1


def test_no_visit_rule_and_no_calendar_beyond_national_entry_rounds(county):
    # the document sets no visit interval and no calendar of its own
    assert policy.active_profile(county).flag("not_visited") is None
    assert {r.source for r in policy.calendar_reminders(county, TODAY)} == {"统计制度"}
