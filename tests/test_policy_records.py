"""Projects, reward claims and earlier above-scale periods, entered as a county statistician
would: through `shengui project|claim|scale-period` and the spreadsheet templates, and read
back by the rules of each of the five profiles at their boundaries (just below, at, above)."""

import json

import openpyxl
import pytest

from conftest import PASSWORD
from policy_helpers import add_enterprise
from shengui_desktop.cli import main
from shengui_desktop.services import policy

TODAY = "2026-11-23"


@pytest.fixture
def shell(monkeypatch, capsys):
    """Runs `shengui …` on a ledger: shell(ledger, "project", "list") → parsed --json output;
    shell.fail(...) → the Chinese message of a refused command."""
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)

    class Shell:
        def __call__(self, ledger, *argv, json_out=True):
            args = [*argv, "--db", str(ledger.path)] + (["--json"] if json_out else [])
            code = main(args)
            out, err = capsys.readouterr()
            assert code == 0, err
            return json.loads(out) if json_out else out

        def run(self, ledger, *argv):
            try:
                code = main([*argv, "--db", str(ledger.path)])
            except SystemExit as e:  # refused by the option parser
                code = e.code
            out, err = capsys.readouterr()
            return code, out, err

        def fail(self, ledger, *argv):
            code, out, err = self.run(ledger, *argv)
            assert code == 2, out
            return err

    return Shell()


def _code(ledger, enterprise_id):
    return ledger.get("enterprises", enterprise_id)["credit_code"]


def _enterprises(shell, ledger):
    return {r["id"]: r for r in shell(ledger, "list", "enterprises", "--date", TODAY)}


def _rewards(shell, ledger, year):
    lines = shell(ledger, "rewards", "--year", str(year), "--date", TODAY)["lines"]
    out: dict = {}
    for ln in lines:
        out.setdefault(ln["enterprise_id"], []).append(ln)
    return out


# -- the commands ------------------------------------------------------------------------------
def test_project_with_milestones_added_listed_updated_and_ticked(county, shell):
    policy.choose_profile(county, "hunan")
    ent = add_enterprise(county, "新材料有限公司")
    added = shell(county, "project", "add", "--credit-code", _code(county, ent), "--name", "年产5万吨新材料项目",
                  "--kind", "重点项目", "--investment", "12000", "--planned-start", "2026-03-01",
                  "--actual-start", "2026-03-15", "--planned-production", "2026-12-01",
                  "--expected-output", "3亿元", "--responsible-unit", "工信局",
                  "--milestone", "主体完工@2026-06-30", "--milestone", "设备安装@2026-11-30")
    [project] = shell(county, "project", "list", "--date", TODAY)
    assert project["id"] == added["project_id"] and project["kind"] == "key"
    assert (project["investment"], project["expected_output"]) == (120_000_000, 300_000_000)
    assert project["status_label"] == "在建"  # started, not yet producing
    assert [(m["name"], m["due_date"], m["late"]) for m in project["milestones"]] == [
        ("主体完工", "2026-06-30", True), ("设备安装", "2026-11-30", False)]
    text = shell(county, "project", "list", "--date", TODAY, json_out=False)
    assert "重点项目“年产5万吨新材料项目” 在建" in text and "【逾期未完成】" in text
    assert "总投资12,000万元" in text and "责任单位：工信局" in text

    done = shell(county, "project", "milestone", "done", added["project_id"][:8], "--name", "主体完工",
                 "--date", "2026-07-02")
    assert done["done_date"] == "2026-07-02"
    shell(county, "project", "milestone", "add", "年产5万吨新材料项目", "--name", "试生产", "--due", "2026-12-20")
    changed = shell(county, "project", "update", "年产5万吨新材料项目", "--production", "2026-11-20")
    assert changed["changed"] == {"production_start_date": "2026-11-20", "status": "in_production"}
    assert shell(county, "project", "list", "--date", TODAY, "--late") == []
    [project] = shell(county, "project", "list", "--date", TODAY)
    assert project["status_label"] == "已投产"
    assert [(m["name"], m["late"]) for m in project["milestones"]] == [
        ("主体完工", False), ("设备安装", False), ("试生产", False)]
    assert project["late_milestones"] == 0
    # bad input: a Chinese message, nothing written
    before = county.scalar("SELECT count(*) FROM change_log")
    err = shell.fail(county, "project", "add", "--credit-code", _code(county, ent), "--name", "二期",
                     "--actual-start", "2026-05-01", "--production", "2026-04-01", "--milestone", "@2026-01-01")
    assert "实际投产日期2026-04-01不能早于实际开工日期2026-05-01" in err and "第1个节点任务" in err
    assert "节点任务“试生产”" in shell.fail(county, "project", "milestone", "add", "年产5万吨新材料项目",
                                          "--name", "试生产")
    assert "没有找到项目“三期”" in shell.fail(county, "project", "update", "三期", "--investment", "1")
    assert "不是有效的金额" in shell.fail(county, "project", "add", "--credit-code", _code(county, ent),
                                          "--name", "x", "--investment", "很多")
    assert county.scalar("SELECT count(*) FROM change_log") == before


def test_claim_added_listed_and_its_status_moved_by_the_county(county, shell):
    policy.choose_profile(county, "minhou")
    ent = add_enterprise(county, "技改企业", stat_status="above_scale", entered_stats_date="2026-02-01")
    claim = shell(county, "claim", "add", "--credit-code", _code(county, ent), "--kind", "技改",
                  "--year", "2026", "--amount", "150", "--description", "生产线改造",
                  "--evidence", "设备发票12张", "--date", "2026-05-01")
    assert (claim["kind"], claim["amount"], claim["status_label"]) == ("tech_upgrade", 1_500_000, "申报")
    moved = shell(county, "claim", "status", claim["id"][:8], "审核", "--date", "2026-06-01")
    assert (moved["status"], moved["decided_on"]) == ("reviewing", "2026-06-01")
    shell(county, "claim", "status", "生产线改造", "兑现", "--date", "2026-07-01", "--note", "已拨付")
    [listed] = shell(county, "claim", "list", "--year", "2026", "--status", "兑现")
    assert (listed["status_label"], listed["decided_on"], listed["decision_note"]) == ("兑现", "2026-07-01", "已拨付")
    assert listed["evidence"] == "设备发票12张"
    text = shell(county, "claim", "list", json_out=False)
    assert "技术改造投资“生产线改造”  150万元  申报2026-05-01  【兑现】 2026-07-01 已拨付" in text
    assert "共1项（兑现1项）" in text
    assert "状态“批准”无效" in shell.fail(county, "claim", "status", "生产线改造", "批准")
    assert "奖补项目“入规奖”" in shell.fail(county, "claim", "add", "--credit-code", _code(county, ent),
                                            "--kind", "奖励", "--rule", "入规奖", "--year", "2026", "--amount", "1")


def test_scale_period_added_and_listed(county, shell):
    ent = add_enterprise(county, "新名称有限公司", stat_status="above_scale", entered_stats_date="2025-01-01")
    code = _code(county, ent)
    row = shell(county, "scale-period", "add", "--credit-code", code.lower(), "--name", "旧名称有限公司",
                "--entered", "2018-01-01", "--exited", "2022-12-31")
    assert (row["credit_code"], row["name"], row["current_name"]) == (code, "旧名称有限公司", "新名称有限公司")
    assert row["enterprise_id"] == ent
    text = shell(county, "scale-period", "list", json_out=False)
    assert f"{code}  “旧名称有限公司”  2018-01-01入规 至 2022-12-31退规  现为“新名称有限公司”" in text
    assert "退规日期不能早于入规日期" in shell.fail(county, "scale-period", "add", "--credit-code", code,
                                                  "--name", "x", "--entered", "2020-01-01", "--exited", "2019-01-01")
    assert "已登记2018-01-01入规" in shell.fail(county, "scale-period", "add", "--credit-code", code,
                                              "--name", "旧名称有限公司", "--entered", "2018-01-01")


# -- 闽侯 (seed 002) -----------------------------------------------------------------------------
# “年度设备和信息化建设实际投资额（不含增值税）100万元（含）以上的技术改造项目，市财政按照不超过其
#   实际投资额的3%予以补助”；“单个中标合同金额200万元以上的，市财政按不超过合同金额3%给予奖励”
def test_minhou_claims_at_the_thresholds_and_the_countys_decision(county, shell):
    policy.choose_profile(county, "minhou")
    ent = add_enterprise(county, "技改企业", stat_status="above_scale", entered_stats_date="2025-03-01")
    code = _code(county, ent)
    for name, amount in (("差一元", "999999元"), ("正好", "100"), ("多一元", "1000001元")):
        shell(county, "claim", "add", "--credit-code", code, "--kind", "技术改造投资", "--year", "2026",
              "--amount", amount, "--description", name, "--date", "2026-05-01")
    for name, amount in (("厦门差一元", "1999999元"), ("厦门正好", "200")):
        shell(county, "claim", "add", "--credit-code", code, "--kind", "中标合同", "--year", "2026",
              "--amount", amount, "--description", name, "--bid-region", "本省其他地市", "--date", "2026-06-01")
    got = {ln["reason"].split("”")[0][1:]: (ln["status"], ln["amount"]) for ln in _rewards(shell, county, 2026)[ent]
           if ln["rule"] in ("tech_upgrade", "bid_award")}
    assert got == {"差一元": ("not_eligible", None), "正好": ("due", 30_000), "多一元": ("due", 30_000),
                   "厦门差一元": ("not_eligible", None), "厦门正好": ("due", 60_000)}
    # the county refuses one and pays another: the line follows its decision
    shell(county, "claim", "status", "正好", "不予", "--note", "发票不全")
    shell(county, "claim", "status", "多一元", "兑现", "--date", "2026-09-01")
    lines = {ln["reason"].split("”")[0][1:]: ln for ln in _rewards(shell, county, 2026)[ent]}
    assert lines["正好"]["status"] == "not_eligible" and "县级审核不予兑现（发票不全）" in lines["正好"]["reason"]
    assert lines["多一元"]["amount"] == 30_000 and "县级已于2026-09-01兑现" in lines["多一元"]["reason"]


# “年度工业产值较上年度增长10%（含）以上的，按企业当年度较上年度新增地方经济贡献部分予以全额奖励”
def test_minhou_growth_award_gets_its_amount_from_a_claim(county, shell):
    policy.choose_profile(county, "minhou")
    grows = add_enterprise(county, "增长企业", stat_status="above_scale", entered_stats_date="2024-06-01",
                           years={2024: 20_000_000, 2025: 22_000_000},
                           outputs={2024: 21_000_000, 2025: 23_100_000})  # exactly +10%
    [line] = [ln for ln in _rewards(shell, county, 2025)[grows] if ln["rule"] == "growth_award"]
    assert line["status"] == "due" and line["amount"] is None and "待财政部门核定" in line["amount_text"]
    shell(county, "claim", "add", "--credit-code", _code(county, grows), "--kind", "新增地方经济贡献",
          "--year", "2025", "--amount", "8.6", "--description", "财政局核定2025年新增地方经济贡献",
          "--evidence", "闽侯财〔2026〕12号")
    [line] = [ln for ln in _rewards(shell, county, 2025)[grows] if ln["rule"] == "growth_award"]
    assert line["status"] == "due" and line["amount"] == 86_000
    shell(county, "claim", "status", "财政局核定2025年新增地方经济贡献", "不予")
    [line] = [ln for ln in _rewards(shell, county, 2025)[grows] if ln["rule"] == "growth_award"]
    assert line["status"] == "not_eligible" and "不予兑现" in line["reason"]


# -- 孝义 (seed 001) -----------------------------------------------------------------------------
# “对已入规退库只变更企业名称再次入规的企业不予享受财政奖励”
def test_xiaoyi_renamed_reentry_entered_as_a_scale_period(county, shell):
    policy.choose_profile(county, "xiaoyi")
    ents = {when: add_enterprise(county, f"新名称{n}有限公司", stat_status="above_scale",
                                 entered_stats_date="2025-03-01")
            for n, when in enumerate(("2025-02-28", "2025-03-01"))}
    for when, ent in ents.items():  # a period entered the day before the current entry, and on it
        shell(county, "scale-period", "add", "--credit-code", _code(county, ent), "--name", "旧名称有限公司",
              "--entered", when)
    plain = add_enterprise(county, "首次入规有限公司", stat_status="above_scale", entered_stats_date="2025-03-01")
    lines = {e: {ln["rule"]: ln for ln in got} for e, got in _rewards(shell, county, 2025).items()}
    renamed = lines[ents["2025-02-28"]]["province_first_entry"]
    assert renamed["status"] == "not_eligible" and renamed["amount"] is None
    assert "曾以“旧名称有限公司”名称于2025-02入规" in renamed["reason"]
    assert lines[ents["2025-03-01"]]["province_first_entry"]["amount"] == 300_000  # the same period
    assert lines[plain]["province_first_entry"]["amount"] == 300_000
    listed = _enterprises(shell, county)
    assert "renamed_reentry" in listed[ents["2025-02-28"]]["flags"]
    assert "renamed_reentry" not in listed[ents["2025-03-01"]]["flags"]


# “将成长性好、发展前景广阔的企业、本年度建成投产项目纳入培育库”
def test_xiaoyi_project_in_production_this_year_at_the_window(county, shell):
    policy.choose_profile(county, "xiaoyi")
    ents = {}
    for day in ("2025-12-31", "2026-01-01", TODAY, "2026-11-24"):
        ents[day] = add_enterprise(county, f"投产{day}")
        shell(county, "project", "add", "--credit-code", _code(county, ents[day]), "--name", "一期工程",
              "--actual-start", "2025-03-01", "--production", day)
    listed = _enterprises(shell, county)
    assert {day: listed[e]["suggested_pool"] for day, e in ents.items()} == {
        "2025-12-31": "base", "2026-01-01": "cultivation", TODAY: "cultivation", "2026-11-24": "base"}
    assert "有本年度建成投产项目" in listed[ents["2026-01-01"]]["suggested_pool_reason"]


# -- 顺城 (seed 000) -----------------------------------------------------------------------------
# “新建并有望达产升级为规模以上的工业企业”
def test_shuncheng_new_project_expected_to_reach_scale_at_its_boundaries(county, shell):
    policy.choose_profile(county, "shuncheng")
    cases = {  # name → (options, suggested pool)
        "产值差一分": (["--expected-output", "1999.9999"], "none"),
        "产值正好": (["--expected-output", "2000"], "cultivation"),
        "上年已投产": (["--expected-output", "5000", "--production", "2025-12-31"], "none"),
        "本年投产": (["--expected-output", "5000", "--production", "2026-01-01"], "cultivation"),
        "计划明年投产": (["--expected-to-reach-scale", "--planned-production", "2027-06-30"], "cultivation"),
        "技改项目": (["--kind", "技改项目", "--expected-output", "5000"], "none"),
        "已终止": (["--expected-output", "5000", "--status", "已终止"], "none"),
    }
    ents = {name: add_enterprise(county, name) for name in cases}
    for name, (options, _pool) in cases.items():
        shell(county, "project", "add", "--credit-code", _code(county, ents[name]), "--name", "新建项目", *options)
    listed = _enterprises(shell, county)
    assert {name: listed[ents[name]]["suggested_pool"] for name in cases} == {
        name: pool for name, (_o, pool) in cases.items()}


# “每户10万元（每户企业只享受一次资金奖励）”
def test_shuncheng_once_only_award_applied_from_periods_and_claims(county, shell):
    policy.choose_profile(county, "shuncheng")
    ent = {n: add_enterprise(county, f"再次入规{n}", stat_status="above_scale", entered_stats_date="2025-12-01")
           for n in ("核实后兑现", "核实后不予", "已享受", "本年申报")}
    for e in ent.values():
        shell(county, "scale-period", "add", "--credit-code", _code(county, e), "--name", "再次入规",
              "--entered", "2019-01-01", "--exited", "2022-12-31")
    lines = _rewards(shell, county, 2025)
    city = {n: next(ln for ln in lines[e] if ln["rule"] == "city_new_entry") for n, e in ent.items()}
    assert {ln["status"] for ln in city.values()} == {"to_verify"}
    assert "每户企业只享受一次" in city["已享受"]["reason"]
    # the county records what it found: paid now, refused, paid in an earlier year (2024), claimed
    for name, year, status in (("核实后兑现", 2025, "兑现"), ("核实后不予", 2025, "不予"), ("已享受", 2024, "兑现"),
                               ("本年申报", 2025, "申报")):
        shell(county, "claim", "add", "--credit-code", _code(county, ent[name]), "--kind", "奖补项目申报",
              "--rule", "市级“小升规”补助奖励", "--year", str(year), "--amount", "10", "--status", status,
              "--date", f"{year}-12-20")
    lines = _rewards(shell, county, 2025)
    city = {n: next(ln for ln in lines[e] if ln["rule"] == "city_new_entry") for n, e in ent.items()}
    assert (city["核实后兑现"]["status"], city["核实后兑现"]["amount"]) == ("due", 100_000)
    assert city["核实后不予"]["status"] == "not_eligible" and "县级审核不予兑现" in city["核实后不予"]["reason"]
    assert city["已享受"]["status"] == "not_eligible" and "已于2024年兑现" in city["已享受"]["reason"]
    assert city["本年申报"]["status"] == "to_verify" and "已申报" in city["本年申报"]["reason"]
    # the province's amount is left to the province until it is paid
    province = next(ln for ln in lines[ent["核实后兑现"]] if ln["rule"] == "province_first_entry")
    assert province["status"] == "not_eligible"  # not a first entry


# -- 盂县 (seed 003) -----------------------------------------------------------------------------
# “以往年达规未入统企业、年度新建并有望升规的工业企业、近年来退库有望再次升规的工业企业为补充”
@pytest.mark.parametrize("production, pool", [("2025-12-31", "none"), ("2026-01-01", "cultivation"),
                                              (None, "cultivation")])
def test_yuxian_new_project_this_year_joins_cultivation(county, shell, production, pool):
    policy.choose_profile(county, "yuxian")
    ent = add_enterprise(county, "新建企业")
    shell(county, "project", "add", "--credit-code", _code(county, ent), "--name", "年产3万吨项目",
          "--expected-to-reach-scale", "--actual-start", "2025-06-01",
          *(["--production", production] if production else []))
    row = _enterprises(shell, county)[ent]
    assert row["suggested_pool"] == pool
    if pool == "cultivation":
        assert row["suggested_pool_reason"] == "有新建项目预计达产升规"


# -- 湖南 (seed 004) -----------------------------------------------------------------------------
# “建立重点项目库……建立工业重点项目清单和推进台账，明确建设目标、节点任务、工作责任”
def test_hunan_key_projects_listed_with_milestones_and_what_is_late(county, shell):
    policy.choose_profile(county, "hunan")
    ent = add_enterprise(county, "重点项目企业")
    other = add_enterprise(county, "一般项目企业")
    shell(county, "project", "add", "--credit-code", _code(county, ent), "--name", "电子材料产业园",
          "--kind", "重点项目", "--responsible-unit", "县发改局", "--investment", "50000",
          "--milestone", "昨天到期@2026-11-22", "--milestone", "今天到期@2026-11-23",
          "--milestone", "已完成@2026-10-01")
    shell(county, "project", "milestone", "done", "电子材料产业园", "--name", "已完成", "--date", "2026-09-28")
    shell(county, "project", "add", "--credit-code", _code(county, other), "--name", "厂房翻新", "--kind", "技改")
    [key] = shell(county, "project", "list", "--kind", "重点项目", "--date", TODAY)
    assert (key["enterprise_name"], key["responsible_unit"], key["investment"]) == ("重点项目企业", "县发改局",
                                                                                   500_000_000)
    assert {m["name"]: m["late"] for m in key["milestones"]} == {"昨天到期": True, "今天到期": False, "已完成": False}
    assert len(shell(county, "project", "list", "--date", TODAY)) == 2
    assert [p["name"] for p in shell(county, "project", "list", "--late", "--date", TODAY)] == ["电子材料产业园"]


# -- spreadsheets ------------------------------------------------------------------------------
def _fill(template, out, sheets: dict[str, list[dict]]):
    wb = openpyxl.load_workbook(template)
    for name, rows in sheets.items():
        ws = wb[name]
        headers = [str(c.value or "").lstrip("*") for c in ws[3]]
        for r, row in enumerate(rows, start=6):
            for header, value in row.items():
                ws.cell(r, headers.index(header) + 1, value)
    wb.save(out)
    return out


def test_templates_filled_and_imported_all_or_nothing(county, shell, tmp_path):
    policy.choose_profile(county, "shuncheng")
    ent = add_enterprise(county, "导入企业", stat_status="above_scale", entered_stats_date="2025-12-01")
    code = _code(county, ent)
    for kind in ("projects", "claims", "scale-periods"):
        shell(county, "excel", "template", "--kind", kind, "--out", str(tmp_path / f"{kind}.xlsx"))
    projects = _fill(tmp_path / "projects.xlsx", tmp_path / "p.xlsx", {
        "项目": [{"统一社会信用代码": code, "项目名称": "二期扩建", "项目类别": "新建", "总投资（万元）": 3000,
                  "计划投产日期": "2027/3/1", "预计达产年产值（万元）": 2500, "责任单位": "工信局"}],
        "节点任务": [{"统一社会信用代码": code, "项目名称": "二期扩建", "节点任务": "环评批复",
                      "计划完成日期": "2026年10月31日"},
                     {"企业名称": "导入企业", "项目名称": "二期扩建", "节点任务": "开工", "计划完成日期": "2026-12-01",
                      "实际完成日期": "2026-11-20"}]})
    claims = _fill(tmp_path / "claims.xlsx", tmp_path / "c.xlsx", {"奖补申报": [
        {"统一社会信用代码": code, "申报类别": "奖补项目申报", "奖补项目": "市级“小升规”补助奖励", "年度": 2025,
         "项目或合同名称": "2025年新增规上企业补助", "金额（万元）": 10, "证明材料": "入统通知书", "状态": "兑现",
         "决定日期": "2026-01-15"}]})
    periods = _fill(tmp_path / "scale-periods.xlsx", tmp_path / "s.xlsx", {"此前在规时段": [
        {"统一社会信用代码": code, "当时企业名称": "导入企业前身", "入规日期": "2016-01-01", "退规日期": "2018-12-31"}]})
    # a bad row anywhere: nothing of the file is written, each problem at its row and column
    bad = _fill(tmp_path / "projects.xlsx", tmp_path / "bad.xlsx", {
        "项目": [{"统一社会信用代码": code, "项目名称": "三期", "总投资（万元）": "很多"}],
        "节点任务": [{"统一社会信用代码": code, "项目名称": "四期", "节点任务": "开工"}]})
    before = county.scalar("SELECT count(*) FROM change_log")
    assert shell.run(county, "excel", "import", str(bad))[0] == 2
    assert county.scalar("SELECT count(*) FROM change_log") == before
    for path in (projects, claims, periods):
        result = shell(county, "excel", "import", str(path))
        assert result["applied"] and not result["problems"]
    [project] = shell(county, "project", "list", "--date", TODAY)
    assert (project["name"], project["investment"], project["planned_production_date"]) == (
        "二期扩建", 30_000_000, "2027-03-01")
    assert [(m["name"], m["due_date"], m["done_date"]) for m in project["milestones"]] == [
        ("环评批复", "2026-10-31", None), ("开工", "2026-12-01", "2026-11-20")]
    [claim] = shell(county, "claim", "list")
    assert (claim["rule"], claim["status"], claim["decided_on"], claim["amount"]) == (
        "city_new_entry", "paid", "2026-01-15", 100_000)
    [period] = shell(county, "scale-period", "list")
    assert (period["name"], period["entered_on"]) == ("导入企业前身", "2016-01-01")
    city = next(ln for ln in _rewards(shell, county, 2025)[ent] if ln["rule"] == "city_new_entry")
    assert (city["status"], city["amount"]) == ("due", 100_000)
    # the same file again changes nothing and makes no second record
    again = shell(county, "excel", "import", str(projects))
    assert again["records"]["projects"] == {"created": 0, "unchanged": 1, "updated": []}
    assert len(shell(county, "project", "list")) == 1


def test_bad_import_rows_are_findings_at_their_cells(county, shell, tmp_path):
    ent = add_enterprise(county, "导入企业")
    shell(county, "excel", "template", "--kind", "projects", "--out", str(tmp_path / "t.xlsx"))
    bad = _fill(tmp_path / "t.xlsx", tmp_path / "bad.xlsx", {
        "项目": [{"统一社会信用代码": _code(county, ent), "项目名称": "三期", "总投资（万元）": "很多"},
                 {"统一社会信用代码": _code(county, ent), "项目名称": "五期", "总投资（万元）": 100},
                 {"统一社会信用代码": _code(county, ent), "项目名称": "五期"},
                 {"统一社会信用代码": _code(county, ent), "项目名称": "七期", "实际开工日期": "2026-05-01",
                  "实际投产日期": "2026-04-01"},
                 {"统一社会信用代码": "91140322MA0XXXXXX1", "项目名称": "六期"}],
        "节点任务": [{"统一社会信用代码": _code(county, ent), "项目名称": "四期", "节点任务": "开工"}]})
    code, out, _err = shell.run(county, "excel", "import", str(bad), "--json")
    assert code == 2
    found = {(p["sheet"], p["row"], p["header"]): p["message"] for p in json.loads(out)["problems"]}
    assert "不是有效的金额" in found[("项目", 6, "总投资(万元)")]
    assert "与第7行是同一项目" in found[("项目", 8, "*项目名称")]
    assert "不能早于实际开工日期" in found[("项目", 9, "实际投产日期")]
    assert "台账中没有统一社会信用代码为91140322MA0XXXXXX1的企业" in found[("项目", 10, "*统一社会信用代码")]
    assert len(found) == 5
    assert "该企业没有项目“四期”" in found[("节点任务", 6, "*项目名称")]



# -- the schema ----------------------------------------------------------------------------------
def test_an_older_ledgers_projects_and_claims_come_through_the_upgrade(tmp_path):
    """The records migration makes reward_claims anew (a CHECK cannot be altered): rows, the
    entries held in their rows and the change-log view come through; old claims are 申报."""
    import shutil

    from fixtures.make_ledger_v1 import HERE, PASSWORD as V1_PASSWORD
    from shengui_desktop.storage import migrations
    from shengui_desktop.storage.connection import connect
    from shengui_desktop.storage.files import open_ledger
    from shengui_desktop.storage.keyslots import KeySlots, keys_path_for

    path = tmp_path / "old.sgdb"
    shutil.copy(HERE / "ledger_v1.sgdb", path)
    shutil.copy(keys_path_for(HERE / "ledger_v1.sgdb"), keys_path_for(path))
    _, key = KeySlots.load(keys_path_for(path)).unlock_password(V1_PASSWORD)
    ours = next(n for n, script in migrations.available() if script.name.endswith("_policy_records.sql"))
    conn = connect(path, key)
    migrations.migrate(conn, key, path, upto=ours - 1)
    conn.close()
    with open_ledger(path, passphrase=V1_PASSWORD, migrate=False) as old:
        assert migrations.current_version(old.conn) == ours - 1
        ent = old.scalar("SELECT id FROM enterprises")
        project = old.insert("projects", {"enterprise_id": ent, "name": "老项目", "status": "in_production",
                                          "production_start_date": "2026-03-01"})
        old.insert("reward_claims", {"enterprise_id": ent, "year": 2026, "kind": "tech_upgrade",
                                     "description": "逐条写入", "amount": 1_500_000})
        old.insert_many("reward_claims", [{"enterprise_id": ent, "year": 2026, "kind": "bid_contract",
                                           "description": "批量写入", "amount": 3_000_000,
                                           "bid_region": "outside_province", "public_tender": 1}])
        before = old.rows("SELECT tbl, row_id, op, data FROM change_entries ORDER BY seq")
    with open_ledger(path, passphrase=V1_PASSWORD) as ledger:
        assert migrations.current_version(ledger.conn) == migrations.latest_version() >= ours
        claims = ledger.rows("SELECT description, amount, status, rule FROM reward_claims ORDER BY description")
        assert claims == [{"description": "批量写入", "amount": 3_000_000, "status": "claimed", "rule": None},
                          {"description": "逐条写入", "amount": 1_500_000, "status": "claimed", "rule": None}]
        assert ledger.get("projects", project)["kind"] == "new_build"
        assert ledger.rows("SELECT tbl, row_id, op, data FROM change_entries ORDER BY seq") == before
        assert ledger.verify() == []
