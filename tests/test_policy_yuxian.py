"""盂县 (seed 003): each test cites the sentence of the document it checks."""

from datetime import date

import pytest

from policy_helpers import add_enterprise, evaluation, reward_lines
from shengui_desktop.services import policy
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.enterprises import update_enterprise

# 秀水镇 (140322100) and 路家村镇 (140322101) come with the fixture
MORE_TOWNSHIPS = {"140322102": "南娄镇", "140322103": "牛村镇", "140322104": "北下庄乡",
                  "140322105": "上社镇", "140322106": "西潘乡"}


@pytest.fixture
def county(county):
    for code, name in MORE_TOWNSHIPS.items():
        reference.add_township(county, code, name)
    policy.choose_profile(county, "yuxian")
    return county


def _by_name(lines):
    return {ln.name: ln for ln in lines}


# “按乡镇属地管理分配：秀水镇净增4户；路家村镇净增1户；南娄镇净增1户；牛村镇净增1户；北下庄乡净增1户；
#   上社镇净增1户；西潘乡净增1户。” “按部门行业主管分配：县经济技术开发区……3户；县工信局……3户；
#   县应急局……2户；县能源局……1户；县住建局……1户”
def test_2024_targets_load_as_given_and_add_up(county):
    progress = policy.target_progress(county, 2024)
    towns = {name: ln.target for name, ln in _by_name(progress.townships).items()}
    assert towns == {"秀水镇": 4, "路家村镇": 1, "南娄镇": 1, "牛村镇": 1, "北下庄乡": 1, "上社镇": 1,
                     "西潘乡": 1}
    departments = {name: ln.target for name, ln in _by_name(progress.departments).items()}
    assert departments == {"开发区": 3, "工信局": 3, "应急局": 2, "能源局": 1, "住建局": 1}
    assert progress.township_target_total == 10 == progress.department_target_total
    # “市下达盂县规上工业企业净增目标8户。我县结合实际，按照净增10户目标任务进行分解”
    assert progress.county.target == 10 and "8户" in progress.county.note


def test_missing_township_is_reported_not_invented(county, tmp_path):
    from conftest import PASSWORD
    from shengui_desktop.services.office.setup import init_office
    other, _ = init_office(tmp_path / "o.sgdb", role="county", name="盂县", area_code="140322",
                           admin_user="admin", password=PASSWORD)
    reference.add_township(other, "140322100", "秀水镇")
    result = policy.choose_profile(other, "yuxian")
    notices = [t["notice"] for t in result["targets"] if t.get("notice")]
    assert len(notices) == 6 and "路家村镇" in notices[0] and "自动生效" in notices[0]
    assert other.scalar("SELECT count(*) FROM townships") == 1
    # its share is kept for it (tests/test_targets_late.py follows it as townships appear)
    assert [(t.name, t.target) for t in policy.target_progress(other, 2024).townships if not t.registered][0] == (
        "路家村镇", 1)
    other.close()


# 净增 = entries − exits, per township, per department and county; completion follows
def test_completion_updates_when_an_enterprise_enters_or_exits(county):
    ent = add_enterprise(county, "秀水新入规", township_code="140322100", department="开发区")
    before = policy.target_progress(county, 2024)
    assert _by_name(before.townships)["秀水镇"].net_increase == 0
    update_enterprise(county, ent, {"stat_status": "above_scale", "entered_stats_date": "2024-12-15"})
    after = policy.target_progress(county, 2024)
    town, dept = _by_name(after.townships)["秀水镇"], _by_name(after.departments)["开发区"]
    assert (town.new_entries, town.exits, town.net_increase, town.completion_rate) == (1, 0, 1, 0.25)
    assert (dept.net_increase, dept.completion_rate) == (1, round(1 / 3, 4))
    assert (after.county.net_increase, after.county.completion_rate) == (1, 0.1)

    old = add_enterprise(county, "秀水退规", township_code="140322100", department="工信局",
                         stat_status="above_scale", entered_stats_date="2015-01-01")
    update_enterprise(county, old, {"stat_status": "exited", "exited_stats_date": "2024-06-30"})
    after = policy.target_progress(county, 2024)
    town = _by_name(after.townships)["秀水镇"]
    assert (town.new_entries, town.exits, town.net_increase, town.completion_rate) == (1, 1, 0, 0.0)
    assert _by_name(after.departments)["工信局"].net_increase == -1
    assert after.county.net_increase == 0


# “逐户比对核查摸排2023年主营业务收入500万元以上规下工业企业情况，建立规下工业企业基础信息库”；
# “以2023年度营收1000万元以上中小工业企业为基础……建立“小升规”重点企业培育库”
@pytest.mark.parametrize("revenue, pool", [(4_999_999, "none"), (5_000_000, "base"), (9_999_999, "base"),
                                           (10_000_000, "cultivation"), (19_999_999, "cultivation")])
def test_base_from_5_million_cultivation_from_10_million(county, revenue, pool):
    ent = add_enterprise(county, years={2023: revenue})
    assert evaluation(county, ent, date(2024, 5, 22)).suggested_pool == pool


# “以往年达规未入统企业、年度新建并有望升规的工业企业、近年来退库有望再次升规的工业企业为补充”
def test_cultivation_supplements(county):
    reached = add_enterprise(county, "达规未入统", years={2023: 20_000_000})
    ev = evaluation(county, reached, date(2024, 5, 22))
    assert ev.suggested_pool == "cultivation" and "reached_scale_not_entered" in ev.flag_codes
    exited = add_enterprise(county, "近年退库", stat_status="exited", exited_stats_date="2022-12-31")
    assert evaluation(county, exited, date(2024, 5, 22)).suggested_pool == "cultivation"


# “加大临退规工业企业跟踪关注力度”: projected below the 20M line, exactly 20M is not near exit
@pytest.mark.parametrize("first_half, flagged", [(10_000_000, False), (9_999_999, True)])
def test_near_exit_flag(county, first_half, flagged):
    ent = add_enterprise(county, stat_status="above_scale", entered_stats_date="2018-01-01",
                         ytd=(6, first_half), ytd_year=2024)
    ev = evaluation(county, ent, date(2024, 7, 10))
    assert ("exit_risk" in ev.flag_codes) is flagged
    assert ev.suggested_pool == "none"


# “10月起，帮助年度入库“小升规”重点培育工业企业准备申报材料……11月、12月两批全面申报入统”；
# “月度申报阶段，认真指导符合升规条件的新开业(投产)达规企业月度申报入规”
def test_calendar_october_prepare_november_december_submit(county):
    def codes(month):
        return [r.code for r in policy.calendar_reminders(county, date(2024, month, 5))]
    assert "annual_entry_prepare" in codes(10) and "annual_entry_submit" not in codes(10)
    assert "annual_entry_submit" in codes(11) and "annual_entry_submit" in codes(12)
    assert "monthly_entry_round" in codes(3) and codes(1) == []
    add_enterprise(county, "达规未入统", years={2023: 25_000_000})
    submit = next(r for r in policy.calendar_reminders(county, date(2024, 11, 5))
                  if r.code == "annual_entry_submit")
    assert submit.count == 1 and "1户" in submit.text


# “落实“小升规”企业首次入规、持续在规省级奖励资金和市级、县级配套奖励政策” — no amounts given
def test_rewards_recorded_without_invented_amounts(county):
    ent = add_enterprise(county, "首次入规", stat_status="above_scale", entered_stats_date="2024-12-01")
    first = reward_lines(county, ent, 2024, date(2025, 1, 10))
    assert set(first) == {"province_first_entry", "local_top_up"}
    assert all(ln.amount is None and ln.amount_text for ln in first.values())
    later = reward_lines(county, ent, 2025, date(2025, 3, 1))["province_continued"]
    assert later.amount is None and "省级" in later.amount_text
    assert policy.rewards(county, 2024, date(2025, 1, 10)).totals.due_amount == 0
