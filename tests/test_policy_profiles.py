"""Profiles as data: validation, the ledger's choice and version, copy and edit, the CLI."""

import copy
import json

import pytest

from conftest import PASSWORD
from helpers import assert_replay_equal
from policy_helpers import TODAY, add_enterprise
from shengui_desktop.cli import main
from shengui_desktop.domain.policy import ProfileError, validate_profile
from shengui_desktop.errors import UserError
from shengui_desktop.services import policy
from shengui_desktop.services.office.setup import init_office


@pytest.fixture
def yuxian():
    return copy.deepcopy(policy.shipped_profiles()["yuxian"].data)


def test_five_profiles_ship_and_validate():
    codes = {p["code"]: p["name"] for p in policy.list_profiles()}
    assert codes == {"shuncheng": "顺城区", "xiaoyi": "孝义市", "minhou": "闽侯县", "yuxian": "盂县",
                     "hunan": "湖南省"}


@pytest.mark.parametrize("change, message", [
    (lambda p: p.update(colour="red"), "colour：未知的字段"),
    (lambda p: p["flags"].update(exit_risk_days=3), "flags.exit_risk_days：未知的字段"),
    (lambda p: p["pool_rules"][0].update(min=-1), "pool_rules[0].min不能小于0"),
    (lambda p: p["pool_rules"][1].update(min=30_000_000, max=20_000_000), "下限3,000万元应小于上限2,000万元"),
    (lambda p: p["pool_rules"][0].update(pool="entry"), "“入统库”不在本配置的pools中"),
    (lambda p: p["pool_rules"][0].update(when="revenue_over"), "pool_rules[0].when“revenue_over”无效"),
    (lambda p: p["calendar"][0]["months"].append(13), "calendar[0].months[10]不能大于12"),
    (lambda p: p["rewards"].append({**p["rewards"][0], "code": "x_bad", "amount": None, "amount_text": ""}),
     "金额为空时须用amount_text说明"),
    (lambda p: p["targets"][0]["townships"][0].update(net_increase="四"), "net_increase应为整数"),
    (lambda p: p.pop("threshold"), "threshold：缺少此字段"),
    (lambda p: p.update(threshold=True), "threshold应为整数"),
])
def test_unknown_keys_and_impossible_values_are_rejected(yuxian, change, message):
    change(yuxian)
    with pytest.raises(ProfileError) as info:
        validate_profile(yuxian, "盂县.json")
    assert message in str(info.value)
    assert str(info.value).startswith("政策配置“盂县.json”有误：")


def test_exit_risk_pool_needs_an_exit_risk_rule():
    data = copy.deepcopy(policy.shipped_profiles()["hunan"].data)
    data["flags"]["exit_risk"] = None
    with pytest.raises(ProfileError, match="须在flags.exit_risk中规定"):
        validate_profile(data)


def test_bid_rate_over_100_percent_is_rejected():
    data = copy.deepcopy(policy.shipped_profiles()["minhou"].data)
    data["rewards"][3]["rate_percent"] = 150
    with pytest.raises(ProfileError, match="rate_percent不能大于100"):
        validate_profile(data)


def test_ledger_records_profile_and_version_and_the_log_replays(county, tmp_path):
    result = policy.choose_profile(county, "盂县")  # by Chinese name too
    row = policy.active_profile_row(county)
    assert (row["code"], row["version"], row["active"]) == ("yuxian", "2024.2", 1)
    assert result["code"] == "yuxian"
    policy.choose_profile(county, "xiaoyi")
    active = [r for r in policy.profiles_in_ledger(county) if r["active"]]
    assert [r["code"] for r in active] == ["xiaoyi"]
    with pytest.raises(UserError, match="没有名为“atlantis”的政策配置"):
        policy.choose_profile(county, "atlantis")
    target, _ = init_office(tmp_path / "replay.sgdb", role="county", name="回放", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    assert_replay_equal(county, target)
    assert policy.active_profile(target).code == "xiaoyi"
    target.close()


def test_copy_and_edit_is_a_synced_record_with_a_new_version(county, tmp_path):
    policy.choose_profile(county, "yuxian")
    with pytest.raises(UserError, match="不能直接修改"):
        policy.edit_profile(county, {"flags.not_visited": {"days": 60, "pools": ["cultivation"], "quote": "县里要求"}})
    copied = policy.copy_profile(county, "盂县（2025修订）")
    assert copied["code"] == "yuxian.local1"
    edited = policy.edit_profile(county, {"flags.not_visited": {"days": 60, "pools": ["cultivation"],
                                                                "quote": "县里要求每60天走访一次"}})
    assert edited["version"] == "2"
    profile = policy.active_profile(county)
    assert profile.flag("not_visited")["days"] == 60 and profile.data["based_on"] == "yuxian@2024.2"
    with pytest.raises(ProfileError, match="days不能小于1"):
        policy.edit_profile(county, {"flags.not_visited.days": 0})
    assert policy.active_profile(county).version == "2"  # a rejected edit changes nothing
    with pytest.raises(UserError, match="配置中没有“flags.nothing”"):
        policy.edit_profile(county, {"flags.nothing.days": 3})
    ent = add_enterprise(county, years={2025: 12_000_000})
    from shengui_desktop.services.ledger.pools import move_pool
    move_pool(county, ent, "cultivation", "上年营收1200万元", moved_on="2026-01-05")
    assert "not_visited" in policy.evaluate(county, [ent], TODAY)[ent].flag_codes
    target, _ = init_office(tmp_path / "replay.sgdb", role="county", name="回放", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    assert_replay_equal(county, target)
    assert policy.active_profile(target).version == "2"
    target.close()


def test_without_a_profile_nothing_is_suggested_but_reached_scale_is_flagged(county):
    ent = add_enterprise(county, years={2025: 25_000_000})
    ev = policy.evaluate(county, [ent], TODAY)[ent]
    assert ev.suggested_pool == ev.pool == "none" and "尚未选择" in ev.suggested_pool_reason
    assert ev.flag_codes == ["reached_scale_not_entered"]
    assert policy.rewards(county, 2026, TODAY).lines == []


def test_entry_checklist_ticks_sync(county, tmp_path):
    policy.choose_profile(county, "yuxian")
    ent = add_enterprise(county, years={2025: 21_000_000})
    items = policy.entry_checklist(county, ent, TODAY)
    assert len(items) == 11 and not any(i.done for i in items)
    assert next(i for i in items if i.item == "project_approval").applicable is False
    assert "已达规上标准" in next(i for i in items if i.item == "revenue_matches_vat").auto
    policy.set_checklist_item(county, ent, "business_licence", True, note="复印件已收")
    policy.set_checklist_item(county, ent, "income_statement", True)
    policy.set_checklist_item(county, ent, "income_statement", False)
    done = {i.item: i.done for i in policy.entry_checklist(county, ent, TODAY)}
    assert done["business_licence"] and not done["income_statement"]
    with pytest.raises(UserError, match="没有“passport”这一申报材料项"):
        policy.set_checklist_item(county, ent, "passport", True)
    target, _ = init_office(tmp_path / "replay.sgdb", role="county", name="回放", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    assert_replay_equal(county, target)
    target.close()


# -- the command line --------------------------------------------------------------------------
@pytest.fixture
def county_db(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = tmp_path / "c.sgdb"
    assert main(["init", "--db", str(db), "--role", "county", "--name", "盂县", "--area-code", "140322",
                 "--profile", "yuxian"]) == 0
    assert main(["demo", "--db", str(db), "--enterprises", "40", "--townships", "3",
                 "--as-of", "2026-11-23"]) == 0
    capsys.readouterr()
    return db


def _json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_list_targets_rewards_and_pool_move(county_db, capsys):
    rows = _json(capsys, "list", "enterprises", "--db", str(county_db), "--json")
    assert len(rows) == 40
    for row in rows:
        assert {"suggested_pool", "suggested_pool_reason", "projected_revenue", "flags",
                "latest_annual_revenue"} <= set(row)
        assert all(isinstance(f, str) for f in row["flags"])
    progress = _json(capsys, "targets", "--db", str(county_db), "--year", "2024", "--load", "--json")
    assert progress["county"]["target"] == 10
    assert {ln["name"] for ln in progress["departments"] if ln["target"]} == {"开发区", "工信局", "应急局",
                                                                             "能源局", "住建局"}
    result = _json(capsys, "rewards", "--db", str(county_db), "--year", "2025", "--json")
    assert result["profile"]["code"] == "yuxian" and result["totals"]["due_amount"] == 0

    row = next(r for r in rows if r["suggested_pool"] != r["pool"])
    moved = _json(capsys, "pool", "move", "--db", str(county_db), "--credit-code", row["credit_code"],
                  "--to", row["suggested_pool"], "--reason", row["suggested_pool_reason"], "--json")
    assert moved["to_pool"] == row["suggested_pool"]
    again = {r["id"]: r for r in _json(capsys, "list", "enterprises", "--db", str(county_db), "--json")}
    assert again[row["id"]]["pool"] == row["suggested_pool"]
    assert main(["pool", "move", "--db", str(county_db), "--credit-code", row["credit_code"],
                 "--to", "entry", "--reason", " "]) == 2
    assert "调库理由不能为空" in capsys.readouterr().err


def test_cli_profile_commands(county_db, capsys):
    listed = _json(capsys, "profile", "list", "--db", str(county_db), "--json")
    assert len(listed["shipped"]) == 5 and listed["ledger"][0]["active"] == 1
    assert main(["profile", "copy", "--db", str(county_db)]) == 0
    assert main(["profile", "set", "--db", str(county_db), "flags.exit_risk.amount=25000000"]) == 0
    assert "版本2" in capsys.readouterr().out
    shown = _json(capsys, "profile", "show", "--db", str(county_db), "--json")
    assert shown["flags"]["exit_risk"]["amount"] == 25_000_000
    assert main(["profile", "set", "--db", str(county_db), "flags.exit_risk.amount=-5"]) == 2
    assert "不能小于0" in capsys.readouterr().err
    assert main(["reminders", "--db", str(county_db), "--date", "2026-11-02"]) == 0
    assert "两批全面申报入统" in capsys.readouterr().out


def test_same_period_ratio_uses_exactly_the_months_each_enterprise_reported(county):
    from policy_helpers import figure
    policy.choose_profile(county, "shuncheng")
    add_enterprise(county, "按时报送", years={2025: 12_000_000}, ytd=(10, 10_000_000))  # January–October
    late = add_enterprise(county, "晚报企业", years={2025: 12_000_000}, ytd=(8, 12_000_000))
    gaps = add_enterprise(county, "缺月企业", years={2025: 12_000_000})
    for month in (1, 2, 4):
        county.insert("monthly_figures", figure(gaps, f"2026-{month:02d}", 2_000_000))
    new = add_enterprise(county, "新开业", ytd=(10, 15_000_000))
    evs = policy.evaluate(county, today=TODAY)
    assert (evs[late].projected_revenue, evs[late].projection_method) == (18_000_000, "same_period_ratio")
    assert "本年1–8月" in evs[late].projection_text
    assert evs[gaps].projected_revenue == 24_000_000  # 12M × 6M / 3M
    assert "1月、2月、4月" in evs[gaps].projection_text
    assert (evs[new].projected_revenue, evs[new].projection_method) == (18_000_000, "annualised")
