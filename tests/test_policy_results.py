"""The policy results are types: every field the CLI prints is declared, `--json` is the
result's dict form, one enterprise's reward text never shows another's, and the modules of
services.policy import one way only."""

import ast
import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from conftest import PASSWORD
from policy_helpers import TODAY, add_enterprise

from shengui_desktop.cli import main
from shengui_desktop.domain import policy_results as results
from shengui_desktop.services import policy
from shengui_desktop.services.ledger import reference
from shengui_desktop.ui.policy_text import checklist_label, reminder_lines, reward_lines, target_lines

# The fields shengui_desktop/cli/policy.py reads from each type to print its text.
CLI_FIELDS = {
    results.Rewards: {"profile", "lines", "totals"},
    results.ProfileRef: {"name"},
    results.RewardLine: {"name", "rule_name", "payer", "amount", "amount_text", "status_text", "reason"},
    results.RewardTotals: {"due_amount", "enterprises", "due_without_amount"},
    results.TargetProgress: {"townships", "departments", "county"},
    results.TargetLine: {"name", "target", "new_entries", "exits", "net_increase", "completion_rate"},
    results.CountyTargetLine: {"name", "target", "new_entries", "exits", "net_increase", "completion_rate",
                               "target_source"},
    results.PoolSizing: {"basis_text", "pools"},
    results.PoolSize: {"pool_name", "required", "count", "shortfall"},
    results.Reminder: {"source", "text"},
    results.ChecklistItem: {"done", "item", "label", "applicable", "auto"},
}


def _typed_all_the_way(value, seen: set) -> None:
    """Every dataclass in the result is one of the declared types, with the fields the CLI
    prints; no result is a bare dict of unknown shape."""
    if dataclasses.is_dataclass(value):
        kind = type(value)
        assert kind in CLI_FIELDS, kind
        assert CLI_FIELDS[kind] <= {f.name for f in dataclasses.fields(kind)}, kind
        seen.add(kind)
        for f in dataclasses.fields(kind):
            _typed_all_the_way(getattr(value, f.name), seen)
    elif isinstance(value, list):
        for item in value:
            assert not isinstance(item, dict), "a list of dicts in a policy result"
            _typed_all_the_way(item, seen)


@pytest.fixture
def xiaoyi(county):
    """孝义 (rewards by year since entry, pool sizing, calendar) with one rewarded enterprise
    and one without rewards."""
    policy.choose_profile(county, "xiaoyi")
    reference.set_target(county, {"year": 2026, "scope": "county", "net_increase": 2})
    rewarded = add_enterprise(county, "连续在规", stat_status="above_scale", entered_stats_date="2024-01-01",
                              years={2025: 30_000_000})
    plain = add_enterprise(county, "规下企业", years={2025: 6_000_000})
    return county, rewarded, plain


def test_results_are_dataclasses_with_the_fields_the_cli_prints(xiaoyi):
    county, rewarded, plain = xiaoyi
    seen: set = set()
    outcomes = [policy.rewards(county, 2026, TODAY), policy.target_progress(county, 2026),
                policy.pool_sizing(county, 2026), policy.calendar_reminders(county, date(2026, 11, 5)),
                policy.entry_checklist(county, plain, TODAY)]
    for outcome in outcomes:
        assert dataclasses.is_dataclass(outcome) or isinstance(outcome, list)
        _typed_all_the_way(outcome, seen)
    assert seen == set(CLI_FIELDS)  # every type was met (none of the lists above was empty)
    rewards = outcomes[0]
    assert [ln.rule for ln in rewards.lines] == ["city_third_year"]
    assert (rewards.totals.due_amount, rewards.totals.enterprises) == (100_000, 1)


def test_reward_text_of_an_enterprise_without_rewards_has_no_lines(xiaoyi):
    county, rewarded, plain = xiaoyi
    result = policy.rewards(county, 2026, TODAY)
    assert result.lines_of(plain) == [] and reward_lines(result, plain) == []
    assert reward_lines(result, rewarded) == [
        "第三年连续在规奖励（孝义市财政）：应兑现，10.00万元——2024年入规，本年为入规第3年，继续在规（须认定“发展良性”）"]


def test_rewards_tab_of_an_enterprise_without_rewards_says_so(qtbot, xiaoyi, tmp_path):
    from test_ui_support import open_window

    county, rewarded, plain = xiaoyi
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    mine = reward_lines(policy.rewards(county, TODAY.year, TODAY), rewarded)
    for enterprise_id, expected in ((plain, "本年度暂无应享奖补。"), (rewarded, mine[0])):
        enterprise = window.open_enterprise(enterprise_id)
        qtbot.addWidget(enterprise)
        tab = enterprise.rewards
        qtbot.waitUntil(lambda: tab.text.text() != "正在计算…", timeout=10000)
        assert tab.text.text() == expected
    window.close()


def test_without_a_profile_the_reward_text_says_why(county):
    ent = add_enterprise(county, "无配置企业", stat_status="above_scale", entered_stats_date="2024-01-01")
    result = policy.rewards(county, 2026, TODAY)
    assert result.profile is None and result.lines == []
    assert reward_lines(result, ent) == ["尚未选择政策配置，无法计算奖补"]
    assert "statuses" not in result.to_dict()


def test_window_text_of_targets_reminders_and_checklist(xiaoyi):
    county, rewarded, plain = xiaoyi
    lines = target_lines(policy.target_progress(county, 2026))
    assert lines[0] == "全县合计：目标净增2，新增0，退规0，净增0，完成率0%"
    reminders = policy.calendar_reminders(county, date(2026, 11, 5))
    assert reminder_lines(reminders) == [f"{r.text}（{r.source}）" for r in reminders] != []
    policy.set_checklist_item(county, plain, "business_licence", True, done_on="2026-11-01")
    items = {i.item: i for i in policy.entry_checklist(county, plain, TODAY)}
    assert checklist_label(items["business_licence"]) == "营业执照（2026-11-01）"
    assert checklist_label(items["photos"]) == "企业大门、生产车间照片"
    # 2025-11 and 2025-12 fall in the twelve months before November 2026
    assert checklist_label(items["monthly_ledger"]) == "连续12个月以上产值、营业收入月度台账（台账中已有近12个月中2个月的数据）"


def _cli(capsys, *argv) -> str:
    assert main([str(a) for a in argv]) == 0
    return capsys.readouterr().out


def test_cli_json_is_the_dict_form_and_the_text_prints_the_fields(xiaoyi, capsys, monkeypatch):
    county, rewarded, plain = xiaoyi
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = county.path
    code = county.get("enterprises", plain)["credit_code"]

    rewards = policy.rewards(county, 2026, TODAY)
    data = json.loads(_cli(capsys, "rewards", "--db", db, "--year", 2026, "--date", TODAY.isoformat(), "--json"))
    assert data == json.loads(json.dumps(rewards.to_dict()))
    assert list(data) == ["year", "profile", "lines", "totals", "statuses", "notes"]
    text = _cli(capsys, "rewards", "--db", db, "--year", 2026, "--date", TODAY.isoformat())
    line = rewards.lines[0]
    assert f"{line.name}  {line.rule_name}  {line.payer}  10万元  【{line.status_text}】{line.reason}" in text
    assert "应兑现合计10万元（1户），另有0项金额由上级或财政部门确定" in text

    progress = policy.target_progress(county, 2026)
    data = json.loads(_cli(capsys, "targets", "--db", db, "--year", 2026, "--json"))
    assert data == json.loads(json.dumps(dataclasses.asdict(progress)))
    assert list(data["county"]) == ["scope", "key", "name", "target", "entries", "new_entries", "exits",
                                    "net_increase", "completion_rate", "note", "registered", "target_source"]
    assert "target_source" not in data["townships"][0]
    assert "全县合计" in _cli(capsys, "targets", "--db", db, "--year", 2026).splitlines()[-1]

    sizing = policy.pool_sizing(county, 2026)
    data = json.loads(_cli(capsys, "pool", "sizing", "--db", db, "--year", 2026, "--json"))
    assert data == json.loads(json.dumps(dataclasses.asdict(sizing)))
    assert "入统库：应有2户，现有0户，缺2户" in _cli(capsys, "pool", "sizing", "--db", db, "--year", 2026)

    items = policy.entry_checklist(county, plain)
    data = json.loads(_cli(capsys, "checklist", "--db", db, "--credit-code", code, "--json"))
    assert data == [dataclasses.asdict(i) for i in items]
    text = _cli(capsys, "checklist", "--db", db, "--credit-code", code)
    approval = next(i for i in items if i.item == "project_approval")
    assert f"[ ] {'project_approval':<20} {approval.label}（不适用）" in text.splitlines()

    reminders = policy.calendar_reminders(county, date(2026, 11, 5))
    data = json.loads(_cli(capsys, "reminders", "--db", db, "--date", "2026-11-05", "--json"))
    assert data == [dataclasses.asdict(r) for r in reminders]


def test_policy_package_imports_one_way():
    """No module of services.policy imports the package face or takes part in a circle; the
    face itself only imports."""
    folder = Path(__file__).resolve().parent.parent / "shengui_desktop" / "services" / "policy"
    graph: dict[str, set[str]] = {}
    for source in sorted(folder.glob("*.py")):
        tree = ast.parse(source.read_text("utf-8"))
        name = source.stem
        if name == "__init__":
            assert all(isinstance(node, (ast.ImportFrom, ast.Import, ast.Assign, ast.Expr))
                       for node in tree.body), "the package face holds code"
            continue
        graph[name] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                assert node.module, f"{name} imports the package face"
                graph[name].add(node.module.split(".")[0])
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                assert node.module != "policy", f"{name} imports the package face"
    done: set[str] = set()
    while len(done) < len(graph):  # peel off modules whose imports are all done
        ready = {m for m, deps in graph.items() if m not in done and deps <= done}
        assert ready, f"import circle among {sorted(set(graph) - done)}"
        done |= ready
