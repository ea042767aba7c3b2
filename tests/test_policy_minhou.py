"""闽侯县 (seed 002): each test cites the sentence of the document it checks."""

from datetime import date

import pytest

from policy_helpers import TODAY, add_enterprise, evaluation, reward_lines
from shengui_desktop.errors import ValidationError
from shengui_desktop.services import policy
from shengui_desktop.services.policy.records import add_reward_claim


@pytest.fixture
def county(county):
    policy.choose_profile(county, "minhou")
    return county


def _claims(lines):
    return [ln for ln in lines if ln.rule in ("tech_upgrade", "bid_award")]


# “将上年度营业收入达500万元以上的规模以下工业企业全部纳入重点跟踪监测服务范围”
@pytest.mark.parametrize("revenue, pool", [(4_999_999, "none"), (5_000_000, "base"), (19_999_999, "base")])
def test_monitoring_from_5_million(county, revenue, pool):
    ev = evaluation(county, add_enterprise(county, years={2025: revenue}))
    assert ev.suggested_pool == pool
    if pool == "base":
        assert "500万元以上" in ev.suggested_pool_reason


# “完善“提升一批、招引一批、裂变一批、储备一批”滚动更新培育机制”: sources, not pools
def test_sources_join_the_monitoring_and_no_exit_risk_rule(county):
    attracted = add_enterprise(county, "招引项目公司", source="attract")
    ev = evaluation(county, attracted)
    assert ev.suggested_pool == "base" and "招引" in ev.suggested_pool_reason
    # the document says nothing about exit risk: an above-scale enterprise at 10M is not flagged
    low = add_enterprise(county, "规上下滑", stat_status="above_scale", entered_stats_date="2020-01-01",
                         years={2025: 10_000_000}, ytd=(10, 8_000_000))
    assert evaluation(county, low).flag_codes == []


# “给予30万元奖励，分三年兑现。若企业“小升规”之后三年内又退出规模以上工业企业库，
#   则尚未兑现的奖励资金部分将不再兑现”
def test_300k_in_three_parts_and_forfeit_on_exit(county):
    stays = add_enterprise(county, "持续在规", stat_status="above_scale", entered_stats_date="2023-01-01")
    parts = [reward_lines(county, stays, y)["upgrade_award"] for y in (2023, 2024, 2025)]
    assert [p.amount for p in parts] == [100_000, 100_000, 100_000]
    assert reward_lines(county, stays, 2026).get("upgrade_award") is None

    leaves = add_enterprise(county, "两年内退规", stat_status="exited", entered_stats_date="2023-01-01",
                            exited_stats_date="2024-08-31")
    parts = [reward_lines(county, leaves, y)["upgrade_award"] for y in (2023, 2024, 2025)]
    assert [p.status for p in parts] == ["due", "forfeited", "forfeited"]
    assert [p.amount for p in parts] == [100_000, None, None]
    assert "不再兑现" in parts[1].reason


# “年度设备和信息化建设实际投资额（不含增值税）100万元（含）以上的技术改造项目，市财政按照
#   不超过其实际投资额的3%予以补助，单家企业年度补助总额不超过500万元”
def test_tech_upgrade_3_percent_from_1_million_capped_5_million_a_year(county):
    ent = add_enterprise(county, "技改企业", stat_status="above_scale", entered_stats_date="2025-03-01")
    for description, amount in (("小型技改", 999_999), ("生产线改造", 1_000_000),
                                ("智能工厂一期", 100_000_000), ("智能工厂二期", 100_000_000)):
        add_reward_claim(county, ent, {"year": 2026, "kind": "tech_upgrade",
                                       "description": description, "amount": amount,
                                       "recorded_on": "2026-05-01"})
    lines = _claims(policy.rewards(county, 2026, TODAY).lines)
    got = [(ln.status, ln.amount) for ln in lines]
    assert got == [("not_eligible", None), ("due", 30_000), ("due", 3_000_000), ("due", 1_970_000)]
    assert sum(a or 0 for _s, a in got) == 5_000_000
    # outside “小升规当年度和之后2年内” nothing is due
    old = add_enterprise(county, "早年入规", stat_status="above_scale", entered_stats_date="2020-03-01")
    add_reward_claim(county, old, {"year": 2026, "kind": "tech_upgrade", "description": "改造",
                                   "amount": 2_000_000})
    line = next(ln for ln in policy.rewards(county, 2026, TODAY).lines if ln.enterprise_id == old)
    assert line.status == "not_eligible"


# “参与本省其他地市（含平潭）或省外公开招标项目中标，单个中标合同金额200万元以上的，市财政按
#   不超过合同金额3%给予奖励，单个项目奖励不超过100万元，单家企业年度奖励不超过150万元”
def test_bid_award_caps_per_project_and_per_year(county):
    ent = add_enterprise(county, "中标企业", stat_status="above_scale", entered_stats_date="2026-02-01")
    for description, amount, region in (("本市项目", 5_000_000, "same_city"),
                                        ("厦门项目", 2_000_000, "other_city_in_province"),
                                        ("浙江项目", 50_000_000, "outside_province"),
                                        ("江西项目", 50_000_000, "outside_province"),
                                        ("莆田小单", 1_999_999, "other_city_in_province")):
        add_reward_claim(county, ent, {"year": 2026, "kind": "bid_contract", "description": description,
                                       "amount": amount, "bid_region": region, "recorded_on": "2026-06-01"})
    lines = _claims(policy.rewards(county, 2026, TODAY).lines)
    got = [(ln.status, ln.amount) for ln in lines]
    assert got == [("not_eligible", None), ("due", 60_000), ("due", 1_000_000), ("due", 440_000),
                   ("not_eligible", None)]
    with pytest.raises(ValidationError, match="中标项目所在地"):
        add_reward_claim(county, ent, {"year": 2026, "kind": "bid_contract", "description": "x",
                                       "amount": 3_000_000})


# “年度工业产值较上年度增长10%（含）以上的，按企业当年度较上年度新增地方经济贡献部分予以全额奖励”
def test_growth_award_from_10_percent_output_growth(county):
    grows = add_enterprise(county, "增长企业", stat_status="above_scale", entered_stats_date="2024-06-01",
                           years={2024: 20_000_000, 2025: 22_000_000},
                           outputs={2024: 21_000_000, 2025: 23_100_000})  # exactly +10%
    slow = add_enterprise(county, "增长不足", stat_status="above_scale", entered_stats_date="2024-06-01",
                          years={2024: 20_000_000, 2025: 22_000_000},
                          outputs={2024: 21_000_000, 2025: 23_099_999})
    line = reward_lines(county, grows, 2025)["growth_award"]
    assert line.status == "due" and line.amount is None
    assert "新增地方经济贡献" in line.amount_text
    assert reward_lines(county, slow, 2025)["growth_award"].status == "not_eligible"
    add_reward_claim(county, grows, {"year": 2025, "kind": "local_contribution",
                                     "description": "财政局核定2025年新增地方经济贡献", "amount": 86_000})
    assert reward_lines(county, grows, 2025)["growth_award"].amount == 86_000
    # the current year is judged when it has ended
    assert reward_lines(county, grows, 2026, date(2026, 6, 1))["growth_award"].status == "pending"


# “力争至2026年底，全县新增规模以上工业企业数量600家……其中2022年新增规模以上工业企业150家”
def test_2022_county_target_loads(county):
    progress = policy.target_progress(county, 2022)
    assert progress.county.target is None  # no 净增 target: the document sets 新增 ones
    new, cumulative = progress.other_targets
    assert (new.kind, new.county.target, new.first_year) == ("new", 150, 2022)
    assert "2022年新增" in new.county.note
    assert (cumulative.kind, cumulative.county.target, cumulative.first_year, cumulative.last_year) == (
        "cumulative", 600, 2022, 2026)
