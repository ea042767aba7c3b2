"""Targets as the documents set them (#16 item 2), through the command line: 净增, 新增, 累计新增
and 规上企业总数, each set with `shengui targets set` for the county, a township and a
department, and each reported with its completion just below, at and just above the target.

闽侯's document sets 新增 targets (150 in 2022, 600 by the end of 2026): 2022 is scored as
entries ÷ 150, never as the net increase ÷ 150.
"""

from __future__ import annotations

import json

import pytest

from conftest import PASSWORD
from policy_helpers import add_enterprise
from reports_helpers import flat, needs_poppler, pdf_pages
from shengui_desktop.cli import main
from shengui_desktop.domain.policy import ProfileError, validate_profile
from shengui_desktop.services import policy
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.policy.records import record_scale_period
from shengui_desktop.ui.policy_text import target_lines

XIUSHUI, LUJIA = "140322100", "140322101"


@pytest.fixture(autouse=True)
def passphrase(monkeypatch):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)


def run(capsys, *argv) -> str:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def fails(capsys, *argv) -> str:
    assert main([str(a) for a in argv]) == 2
    return capsys.readouterr().err


def progress(capsys, db, year) -> dict:
    return json.loads(run(capsys, "targets", "--db", db, "--year", year, "--json"))


def kinds(data: dict) -> dict[str, dict]:
    return {k["kind"]: k for k in data["other_targets"]}


def line(lines: list[dict], name: str) -> dict:
    return next(ln for ln in lines if ln["name"] == name)


@pytest.fixture
def moves(county):
    """Entries and exits around 2026 in 秀水镇 and 路家村镇, 工信局 and 开发区.

    2026: entries A (03-01), B (12-31, the last day), G (01-01, the first day), I; exit D.
    Outside it: C and H entered in 2025 (H on 12-31), E on 2027-01-01, F in 2020.
    """
    above = {"stat_status": "above_scale"}
    add_enterprise(county, "A", township_code=XIUSHUI, department="工信局", entered_stats_date="2026-03-01",
                   **above)
    add_enterprise(county, "B", township_code=XIUSHUI, department="工信局", entered_stats_date="2026-12-31",
                   **above)
    add_enterprise(county, "C", township_code=XIUSHUI, department="开发区", entered_stats_date="2025-06-01",
                   **above)
    add_enterprise(county, "D", township_code=XIUSHUI, department="工信局", stat_status="exited",
                   entered_stats_date="2015-01-01", exited_stats_date="2026-05-01")
    add_enterprise(county, "E", township_code=LUJIA, department="开发区", entered_stats_date="2027-01-01",
                   **above)
    add_enterprise(county, "F", township_code=LUJIA, department="工信局", entered_stats_date="2020-01-01",
                   **above)
    add_enterprise(county, "G", township_code=LUJIA, entered_stats_date="2026-01-01", **above)
    add_enterprise(county, "H", township_code=LUJIA, department="开发区", entered_stats_date="2025-12-31",
                   **above)
    add_enterprise(county, "I", township_code=XIUSHUI, department="工信局", entered_stats_date="2026-07-01",
                   **above)
    return county


# what 2026 achieves, by kind, for the county, a township and a department (see `moves`)
ACHIEVED = {
    "net": {"county": 3, "township": ("秀水镇", 2), "department": ("工信局", 2)},  # A B G I − D
    "new": {"county": 4, "township": ("秀水镇", 3), "department": ("工信局", 3)},  # A B G I
    "cumulative": {"county": 6, "township": ("路家村镇", 2), "department": ("开发区", 2)},  # 2025–2026
    "stock": {"county": 7, "township": ("秀水镇", 4), "department": ("工信局", 4)},  # above scale on 12-31
}
PERIOD = {"net": ["--year", 2026], "new": ["--year", 2026], "cumulative": ["--from", 2025, "--until", 2027],
          "stock": ["--from", 2026, "--until", 2027]}


@pytest.mark.parametrize("delta, met", [(1, False), (0, True), (-1, True)], ids=["below", "at", "above"])
def test_every_kind_set_by_command_and_its_completion(moves, capsys, delta, met):
    db = moves.path
    for kind, achieved in ACHIEVED.items():
        run(capsys, "targets", "set", "--db", db, "--kind", kind, "--value", achieved["county"] + delta,
            *PERIOD[kind])
        name, value = achieved["township"]
        run(capsys, "targets", "set", "--db", db, "--kind", kind, "--value", value + delta, *PERIOD[kind],
            "--township", XIUSHUI if name == "秀水镇" else name)
        name, value = achieved["department"]
        out = run(capsys, "targets", "set", "--db", db, "--kind", kind, "--value", value + delta,
                  *PERIOD[kind], "--department", name)
        assert f"{name}{value + delta}户" in out
    data = progress(capsys, db, 2026)
    found = {"net": data, **kinds(data)}
    assert list(kinds(data)) == ["new", "cumulative", "stock"]
    for kind, achieved in ACHIEVED.items():
        k = found[kind]
        field = "net_increase" if kind == "net" else "achieved"
        lines = [("county", k["county"], achieved["county"])]
        for scope in ("township", "department"):
            name, value = achieved[scope]
            lines.append((scope, line(k[f"{scope}s"], name), value))
        for scope, ln, value in lines:
            assert ln[field] == value, (kind, scope)
            assert ln["target"] == value + delta, (kind, scope)
            assert ln["completion_rate"] == round(value / (value + delta), 4), (kind, scope)
            assert (ln["completion_rate"] >= 1) is met, (kind, scope)
    # the old net form of --json is unchanged: the net lines carry no kind fields
    assert list(data)[:6] == ["year", "county", "townships", "departments", "township_target_total",
                              "department_target_total"]
    assert data["county"]["target_source"] == "全县目标"
    text = run(capsys, "targets", "--db", db, "--year", 2026)
    assert "2025–2027年累计新增目标完成情况（2025–2026年新增入规）" in text
    assert "至2027年底规上企业总数目标完成情况（2026年底规上企业数）" in text
    rate = f"{ACHIEVED['stock']['county'] / (ACHIEVED['stock']['county'] + delta):.0%}"
    assert f"全县合计       目标{7 + delta}户  规上企业7  完成率{rate}" in text


def test_periods_decide_which_years_a_target_applies_to(moves, capsys):
    db = moves.path
    run(capsys, "targets", "set", "--db", db, "--kind", "cumulative", "--from", 2025, "--until", 2027,
        "--value", 10)
    run(capsys, "targets", "set", "--db", db, "--kind", "stock", "--from", 2026, "--until", 2027, "--value", 9)
    run(capsys, "targets", "set", "--db", db, "--kind", "new", "--year", 2026, "--value", 5)
    first = kinds(progress(capsys, db, 2025))
    assert list(first) == ["cumulative"] and first["cumulative"]["county"]["achieved"] == 2  # C, H
    assert first["cumulative"]["achieved_label"] == "2025年新增入规"
    last = kinds(progress(capsys, db, 2027))  # E entered on 2027-01-01
    assert last["cumulative"]["county"]["achieved"] == 7 and last["stock"]["county"]["achieved"] == 8
    assert kinds(progress(capsys, db, 2028)) == {}
    # setting the same kind and period again changes it; a different period is another target
    run(capsys, "targets", "set", "--db", db, "--kind", "stock", "--from", 2026, "--until", 2027, "--value", 12)
    assert kinds(progress(capsys, db, 2026))["stock"]["county"]["target"] == 12
    assert moves.scalar("SELECT count(*) FROM targets WHERE kind = 'stock'") == 1


def test_an_earlier_above_scale_period_counts_in_the_stock_of_its_years(moves, capsys):
    code = moves.scalar("SELECT credit_code FROM enterprises WHERE name = 'E'")
    record_scale_period(moves, code, "E旧名", "2018-01-01", "2026-06-30")
    run(capsys, "targets", "set", "--db", moves.path, "--kind", "stock", "--from", 2025, "--until", 2026,
        "--value", 10)
    assert kinds(progress(capsys, moves.path, 2025))["stock"]["county"]["achieved"] == 5  # C F H D, E then
    assert kinds(progress(capsys, moves.path, 2026))["stock"]["county"]["achieved"] == 7


def test_bad_target_commands_say_why_and_change_nothing(moves, capsys):
    db = moves.path
    assert "须用 --until 指定截止年度" in fails(capsys, "targets", "set", "--db", db, "--kind", "stock",
                                             "--value", 5)
    assert "须用 --from 指定起始年度" in fails(capsys, "targets", "set", "--db", db, "--kind", "cumulative",
                                            "--until", 2026, "--value", 5)
    assert "按年度设定" in fails(capsys, "targets", "set", "--db", db, "--kind", "new", "--year", 2026,
                            "--until", 2027, "--value", 5)
    assert "不能早于起始年度" in fails(capsys, "targets", "set", "--db", db, "--kind", "stock",
                                  "--from", 2027, "--until", 2026, "--value", 5)
    assert "不能为负数" in fails(capsys, "targets", "set", "--db", db, "--kind", "new", "--year", 2026,
                            "--value", -1)
    assert "目标类别“gross”无效" in fails(capsys, "targets", "set", "--db", db, "--kind", "gross",
                                      "--year", 2026, "--value", 1)
    assert "台账中没有乡镇“东风镇”" in fails(capsys, "targets", "set", "--db", db, "--year", 2026,
                                        "--value", 1, "--township", "东风镇")
    assert "请用 --year 指定年度" in fails(capsys, "targets", "--db", db)
    assert moves.scalar("SELECT count(*) FROM targets") == 0
    # a net target may be negative (a county that expects to lose enterprises)
    run(capsys, "targets", "set", "--db", db, "--year", 2026, "--value", -2, "--township", "路家村镇")
    assert line(progress(capsys, db, 2026)["townships"], "路家村镇")["target"] == -2


def test_a_department_the_ledger_lacks_is_added_and_said_so(moves, capsys):
    out = run(capsys, "targets", "set", "--db", moves.path, "--year", 2026, "--value", 1, "--department", "科技局")
    assert "已设定2026年净增目标：科技局1户（已新增责任单位“科技局”）" in out
    assert line(progress(capsys, moves.path, 2026)["departments"], "科技局")["target"] == 1


def test_a_township_share_of_a_profiles_allocation_is_set_in_the_profile(county, capsys):
    """盂县 allocates 2024 by township: 秀水镇 4 → 5 through the command, and 南娄镇, named by the
    document but not in the ledger yet, 1 → 2; the other shares stay as the document gives them."""
    run(capsys, "profile", "choose", "yuxian", "--db", county.path)
    out = run(capsys, "targets", "set", "--db", county.path, "--year", 2024, "--value", 5, "--township", "秀水镇")
    assert "已复制为本地修订配置" in out
    run(capsys, "targets", "set", "--db", county.path, "--year", 2024, "--value", 2, "--township", "南娄镇")
    data = progress(capsys, county.path, 2024)
    towns = {t["name"]: (t["target"], t["registered"]) for t in data["townships"]}
    assert towns["秀水镇"] == (5, True) and towns["南娄镇"] == (2, False) and towns["路家村镇"] == (1, True)
    assert data["county"]["target"] == 10  # the county's own figure is not a sum
    assert [t["net_increase"] for t in policy.active_profile(county).data["targets"][0]["townships"][:3]] == [
        5, 1, 2]


def test_a_township_ledger_cannot_set_targets(township, capsys):
    assert "只有县级台账可以设定目标" in fails(capsys, "targets", "set", "--db", township.path, "--year", 2026,
                                          "--value", 3)


def test_the_home_page_lines_name_every_kind(moves, capsys):
    run(capsys, "targets", "set", "--db", moves.path, "--kind", "new", "--year", 2026, "--value", 4,
        "--township", "秀水镇")
    lines = target_lines(policy.target_progress(moves, 2026))
    assert "2026年新增 · 全县合计：目标新增4，2026年新增入规4，完成率100%" in lines
    assert "2026年新增 · 乡镇 · 秀水镇：目标新增4，2026年新增入规3，完成率75%" in lines


# -- 闽侯: “其中2022年新增规模以上工业企业150家”；“力争至2026年底……新增……600家” ------------------------
@pytest.fixture
def minhou(county, capsys):
    run(capsys, "profile", "choose", "minhou", "--db", county.path)
    for n in range(3):
        add_enterprise(county, f"新入规{n}", stat_status="above_scale", entered_stats_date=f"2022-0{n + 3}-01")
    for n in range(2):
        add_enterprise(county, f"退规{n}", stat_status="exited", entered_stats_date="2016-01-01",
                       exited_stats_date=f"2022-1{n}-01")
    add_enterprise(county, "次年入规", stat_status="above_scale", entered_stats_date="2023-02-01")
    return county


def test_minhou_2022_is_scored_as_new_entries_not_net(minhou, capsys):
    data = progress(capsys, minhou.path, 2022)
    assert data["county"]["target"] is None  # the document sets no 净增 target
    assert (data["county"]["entries"], data["county"]["exits"], data["county"]["net_increase"]) == (3, 2, 1)
    new = kinds(data)["new"]
    assert (new["county"]["target"], new["county"]["achieved"], new["county"]["completion_rate"]) == (
        150, 3, 0.02)  # 3 ÷ 150, not 1 ÷ 150
    assert new["quote"] == "其中2022年新增规模以上工业企业150家"
    cumulative = kinds(data)["cumulative"]
    assert (cumulative["title"], cumulative["county"]["target"], cumulative["county"]["achieved"]) == (
        "2022–2026年累计新增", 600, 3)
    later = kinds(progress(capsys, minhou.path, 2023))
    assert list(later) == ["cumulative"] and later["cumulative"]["county"]["achieved"] == 4
    assert later["cumulative"]["county"]["completion_rate"] == round(4 / 600, 4)


@pytest.mark.parametrize("value, rate", [(4, 0.75), (3, 1.0), (2, 1.5)], ids=["below", "at", "above"])
def test_setting_a_target_the_profile_allocates_edits_a_copy_of_the_profile(minhou, capsys, value, rate):
    out = run(capsys, "targets", "set", "--db", minhou.path, "--kind", "new", "--year", 2022,
              "--value", value)
    assert "已设定2022年新增目标：全县" in out and "已复制为本地修订配置" in out
    assert policy.active_profile(minhou).code == "minhou.local1"
    new = kinds(progress(capsys, minhou.path, 2022))["new"]
    assert (new["county"]["target"], new["county"]["completion_rate"]) == (value, rate)
    # the copy keeps the document's other target; a second change edits the same copy
    assert kinds(progress(capsys, minhou.path, 2022))["cumulative"]["county"]["target"] == 600
    run(capsys, "targets", "set", "--db", minhou.path, "--kind", "new", "--year", 2022, "--value", 150)
    assert policy.active_profile(minhou).code == "minhou.local1"
    assert minhou.scalar("SELECT net_increase FROM targets WHERE kind = 'new' AND year = 2022") == 150


def test_a_ledger_that_stored_the_2022_target_as_net_loses_it_when_the_profile_is_chosen_again(county,
                                                                                                  capsys):
    """A county that chose 闽侯's profile before 2022 became a 新增 target: its ledger holds the
    old profile and a stored 净增 target of 150. Choosing the profile again takes that away."""
    run(capsys, "profile", "choose", "minhou", "--db", county.path)
    old = json.loads(json.dumps(policy.active_profile(county).data))
    old["targets"] = [{"year": 2022, "county": 150, "note": "", "townships": [], "departments": [],
                       "quote": "其中2022年新增规模以上工业企业150家"}]
    with county.transaction():
        row = policy.active_profile_row(county)
        county.update("policy_profiles", row["id"], {"content": json.dumps(old, ensure_ascii=False)})
        for target in county.rows("SELECT id FROM targets"):
            reference.remove_target(county, target["id"])
        reference.set_target(county, {"year": 2022, "scope": "county", "net_increase": 150})
    assert progress(capsys, county.path, 2022)["county"]["target"] == 150  # the old, wrong, reading
    run(capsys, "profile", "choose", "minhou", "--db", county.path)
    data = progress(capsys, county.path, 2022)
    assert data["county"]["target"] is None and kinds(data)["new"]["county"]["target"] == 150
    assert county.scalar("SELECT count(*) FROM targets WHERE kind = 'net'") == 0


@needs_poppler
def test_the_targets_pdf_and_sheet_report_every_kind(minhou, tmp_path, capsys):
    from datetime import date

    from openpyxl import load_workbook

    pdf = tmp_path / "t.pdf"
    run(capsys, "report", "targets", "--db", minhou.path, "--year", 2022, "--out", pdf, "--today", "2022-12-31")
    text = flat("".join(pdf_pages(pdf)))
    assert "三、2022年新增目标完成情况" in text and "四、2022–2026年累计新增目标完成情况" in text
    assert "五、培育梯队" in text
    assert "全县合计15032%" in text  # target 150, 3 entered, 2%
    assert "新增目标：完成率=新增入规÷目标（不扣退规）" in text
    from shengui_desktop.services.excel import export_table

    out = export_table(minhou, "targets", tmp_path / "t.xlsx", year=2022, today=date(2022, 12, 31))
    rows = [r for r in load_workbook(out["path"]).active.iter_rows(values_only=True)]
    assert rows[2][:5] == ("目标类别", "期间", "范围", "乡镇（街道）/责任单位", "目标（户）")
    county_new = next(r for r in rows if r[0] == "新增" and r[2] == "全县合计")
    assert county_new[4:9] == (150, 3, None, 3, 0.02)
    county_sum = next(r for r in rows if r[0] == "累计新增" and r[2] == "全县合计")
    assert (county_sum[1], county_sum[4], county_sum[7]) == ("2022–2026年", 600, 3)


# -- profiles carry the kinds -----------------------------------------------------------------
def test_the_shipped_profiles_carry_the_documents_targets():
    shipped = policy.shipped_profiles()
    kinds_of = {code: [(t.get("kind", "net"), t["year"], t.get("until"), t["county"], t.get("area"))
                       for t in p.data["targets"]] for code, p in shipped.items()}
    assert kinds_of["minhou"] == [("new", 2022, None, 150, None), ("cumulative", 2022, 2026, 600, None)]
    assert kinds_of["xiaoyi"] == [("stock", 2022, 2025, 200, None)]
    assert ("stock", 2022, 2025, 25000, "全省") in kinds_of["hunan"]
    assert [t for t in kinds_of["hunan"] if t[0] == "net"] == [("net", y, None, 1000, "全省")
                                                             for y in range(2021, 2026)]
    assert kinds_of["yuxian"] == [("net", 2024, None, 10, None)] and kinds_of["shuncheng"] == []


def test_a_higher_levels_target_is_listed_not_taken_for_the_countys(county, capsys):
    run(capsys, "profile", "choose", "hunan", "--db", county.path)
    add_enterprise(county, "新入规", stat_status="above_scale", entered_stats_date="2024-05-01")
    run(capsys, "targets", "set", "--db", county.path, "--year", 2024, "--value", 2)
    data = progress(capsys, county.path, 2024)
    assert data["county"]["target"] == 2 and data["county"]["completion_rate"] == 0.5
    province = [k for k in data["other_targets"] if k["area"] == "全省"]
    assert [(k["kind"], k["county"]["target"], k["county"]["achieved"], k["county"]["completion_rate"])
            for k in province] == [("net", 1000, 1, None), ("stock", 25000, 1, None)]
    text = run(capsys, "targets", "--db", county.path, "--year", 2024)
    assert "全省         目标1000户  净增1  完成率由上级统计" in text


@pytest.mark.parametrize("change, message", [
    (lambda t: t.update(kind="cumulative"), "累计新增目标须写明截止年度"),
    (lambda t: t.update(kind="new", until=2026), "新增目标按年度设定"),
    (lambda t: t.update(kind="stock", until=2020), "截止年度2020不能早于起始年度2024"),
    (lambda t: t.update(kind="new"), "net_increase只用于净增目标"),
    (lambda t: t["townships"][0].update(value=3), "须填写value（目标户数）或net_increase（净增目标）之一"),
    (lambda t: t.update(area="全市"), "上级目标（area）只列总数"),
    (lambda t: t.update(kind="triple"), "kind“triple”无效"),
])
def test_profile_validation_of_target_kinds(change, message):
    data = json.loads(json.dumps(policy.shipped_profiles()["yuxian"].data))
    change(data["targets"][0])
    with pytest.raises(ProfileError, match=message):
        validate_profile(data, "测试")


def test_two_targets_of_one_kind_and_period_are_refused():
    data = json.loads(json.dumps(policy.shipped_profiles()["minhou"].data))
    data["targets"].append(dict(data["targets"][0], county=100))
    with pytest.raises(ProfileError, match="同一类别的目标分解重复"):
        validate_profile(data, "测试")
