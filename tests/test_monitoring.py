"""Monthly monitoring (月监测) and the quarterly comparison with the line (季对标), #16 item 4.

A hand-made 闽侯 ledger whose every number is worked out here: the watched set at its
boundary (last year's revenue 4,999,999 / 5,000,000 yuan), one month's output, revenue,
electricity and tax with their year-on-year and month-on-month rates, the cumulative
figures against the same months last year (a month missing), the rules' flags, and the
enterprises against the 2,000万元 line. Read through `shengui monitor --json`, the
service, the xlsx export and the PDF.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import PASSWORD
from policy_helpers import add_enterprise, figure, spread
from reports_helpers import flat, needs_poppler, pdf_pages
from shengui_desktop import cli
from shengui_desktop.domain.monitoring import measure_line, rate
from shengui_desktop.domain.policy import ProfileError, validate_profile
from shengui_desktop.reports.facts import LedgerFacts
from shengui_desktop.reports.sources import Filters
from shengui_desktop.services import policy
from shengui_desktop.services.policy.monitoring import monitoring_table
from shengui_desktop.services.policy.profiles import shipped_profiles
from shengui_desktop.storage.files import open_ledger

TODAY = "2026-11-23"
AS_OF = date(2026, 11, 23)


def month_rows(enterprise_id: str, year: int, months: dict[int, dict]) -> list[dict]:
    return [{"id": figure(enterprise_id, f"{year}-{m:02d}", 0)["id"], "enterprise_id": enterprise_id,
             "period": f"{year}-{m:02d}", **values} for m, values in months.items()]


@pytest.fixture
def minhou(county):
    """闽侯's profile and five enterprises (秀水镇 unless said otherwise):

    甲 below scale, 2025: every month revenue 500,000, output 600,000, tax 20,000, 50,000 kWh
       (6,000,000 a year: watched); 2026 months 1–9: revenue 550,000, output 720,000, tax
       25,000, 60,000 kWh but none in September; October: revenue 660,000, output 540,000,
       tax 30,000, 66,000 kWh.
    乙 below scale, 2025 revenue 4,999,999: not watched (just below 500万).
    丙 below scale, 2025 revenue exactly 5,000,000 (路家村镇): watched; no 2026 figures.
    丁 in 基础信息库 with 2025 revenue 1,000,000: watched by its pool; never visited.
    戊 below scale, 2025 revenue 20,000,000: watched, 达规未入统; 2026 2,100,000 a month.
    己 above scale (not watched by 闽侯's setting).
    """
    policy.choose_profile(county, "minhou")
    ids = {}
    ids["甲"] = add_enterprise(county, "甲机械有限公司")
    last = {m: {"revenue": 500_000, "output_value": 600_000, "tax_paid": 20_000, "electricity_kwh": 50_000}
            for m in range(1, 13)}
    this = {m: {"revenue": 550_000, "output_value": 720_000, "tax_paid": 25_000, "electricity_kwh": 60_000}
            for m in range(1, 10)}
    this[9]["electricity_kwh"] = None
    this[10] = {"revenue": 660_000, "output_value": 540_000, "tax_paid": 30_000, "electricity_kwh": 66_000}
    county.insert_many("monthly_figures", month_rows(ids["甲"], 2025, last) + month_rows(ids["甲"], 2026, this))
    ids["乙"] = add_enterprise(county, "乙纸业有限公司", years={2025: 4_999_999}, ytd=(10, 4_000_000))
    ids["丙"] = add_enterprise(county, "丙印务有限公司", township_code="140322101", years={2025: 5_000_000})
    ids["丁"] = add_enterprise(county, "丁食品有限公司", years={2025: 1_000_000}, ytd=(10, 900_000), pool="base")
    ids["戊"] = add_enterprise(county, "戊电子有限公司", years={2025: 20_000_000})
    county.insert_many("monthly_figures", [figure(ids["戊"], f"2026-{m:02d}", 2_100_000) for m in range(1, 11)])
    ids["己"] = add_enterprise(county, "己化工股份有限公司", years={2025: 30_000_000}, ytd=(10, 26_000_000),
                               stat_status="above_scale", entered_stats_date="2020-01-01")
    return county, ids


@pytest.fixture
def minhou_db(minhou, monkeypatch):
    county, ids = minhou
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    path = county.path
    county.close()
    return path, ids


def run(capsys, *args) -> str:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def by_name(table: dict) -> dict[str, dict]:
    return {r["name"][:1]: r for r in table["rows"]}


def test_the_month_through_the_command_line(minhou_db, capsys):
    db, _ids = minhou_db
    table = json.loads(run(capsys, "monitor", "--db", str(db), "--period", "2026-10", "--json", "--today", TODAY))
    rows = by_name(table)
    # 500万 and up, or in a pool: 乙 (4,999,999) and the above-scale 己 are not watched
    assert set(rows) == {"甲", "丙", "丁", "戊"}
    assert table["watch"]["source"] == "profile" and table["watch"]["prior_year_revenue_min"] == 5_000_000
    assert rows["丙"]["watched_because"] == "上年营业收入500万元，达500万元"
    assert rows["丁"]["watched_because"] == "基础信息库"
    assert table["as_of"] == "2026-10-31" and table["line"] == 20_000_000

    m = rows["甲"]["measures"]
    assert m["revenue"] == {"month": 660_000, "same_month_last_year": 500_000, "previous_month": 550_000,
                            "yoy": 0.32, "mom": 0.2, "cumulative": 9 * 550_000 + 660_000,
                            "cumulative_last_year": 5_000_000, "cumulative_growth": 0.122}
    assert m["output_value"]["yoy"] == -0.1 and m["output_value"]["mom"] == -0.25
    assert m["output_value"]["cumulative"] == 9 * 720_000 + 540_000
    assert m["output_value"]["cumulative_growth"] == round(7_020_000 / 6_000_000 - 1, 4)
    assert (m["tax_paid"]["yoy"], m["tax_paid"]["mom"]) == (0.5, 0.2)
    # no electricity in September: no month-on-month rate; the cumulative compares the nine
    # months reported with the same nine months of last year
    kwh = m["electricity_kwh"]
    assert kwh["previous_month"] is None and kwh["mom"] is None and kwh["yoy"] == 0.32
    assert kwh["cumulative"] == 8 * 60_000 + 66_000 and kwh["cumulative_last_year"] == 9 * 50_000
    assert kwh["cumulative_growth"] == round(546_000 / 450_000 - 1, 4)
    assert rows["甲"]["reported"] and rows["甲"]["months_missing"] == []

    # 丙 reported nothing this year: no month, no rates, the months missing listed
    assert not rows["丙"]["reported"] and rows["丙"]["months_missing"] == list(range(1, 11))
    assert rows["丙"]["measures"]["revenue"]["month"] is None
    assert rows["丙"]["measures"]["revenue"]["cumulative_growth"] is None
    assert table["unreported"] == 1 and "1户企业未报送10月数据" in table["notes"]

    # the flags are the rules' (as of the end of October)
    assert [f["code"] for f in rows["戊"]["flags"]] == ["reached_scale_not_entered"]
    assert [f["code"] for f in rows["丁"]["flags"]] == ["not_visited"]
    assert rows["甲"]["flags"] == []

    # the total compares only enterprises with both figures (丙 has none)
    total = table["totals"]["revenue"]
    assert total["month"] == 660_000 + 90_000 + 2_100_000
    assert total["yoy"] == rate(660_000 + 90_000 + 2_100_000,
                                500_000 + spread(1_000_000, 12)[9] + spread(20_000_000, 12)[9])

    text = run(capsys, "monitor", "--db", str(db), "--period", "2026-10", "--today", TODAY)
    assert "2026年10月企业月度监测表" in text and "共4户" in text
    assert "营业收入　 当月66.00万元  同比+32.0%  环比+20.0%  1–10月累计561.00万元  同比+12.2%" in text
    assert "丙印务有限公司（路家村镇，规下，上年营业收入500万元，达500万元）【10月未报】" in text
    assert "提示：达规未入统" in text


def test_service_gives_what_the_command_prints(minhou_db, capsys):
    db, _ids = minhou_db
    printed = json.loads(run(capsys, "monitor", "--db", str(db), "--period", "2026-10", "--quarter", "--json",
                             "--today", TODAY))
    with open_ledger(db, passphrase=PASSWORD) as ledger:
        table = monitoring_table(ledger, "2026-10", quarter=True, today=AS_OF)
    assert json.loads(json.dumps(table.to_dict(), ensure_ascii=False)) == printed


def test_quarter_comparison_against_the_line(minhou_db, capsys):
    db, _ids = minhou_db
    q = json.loads(run(capsys, "monitor", "--db", str(db), "--period", "2026-10", "--quarter", "--json",
                       "--today", TODAY))["quarter"]
    assert (q["year"], q["quarter"], q["through_month"], q["line"]) == (2026, 4, 10, 20_000_000)
    lines = {x["name"][:1]: x for x in q["lines"]}
    # 甲: last year 6,000,000 × this year 5,610,000 ÷ the same months last year 5,000,000
    a = lines["甲"]
    assert a["projected_revenue"] == 6_732_000 and a["status"] == "below"
    assert a["gap"] == 20_000_000 - 6_732_000 and a["share_of_line"] == round(6_732_000 / 20_000_000, 4)
    assert a["pace_line"] == 20_000_000 * 10 // 12
    assert a["pace_rate"] == round(5_610_000 / (20_000_000 * 10 // 12), 4)
    # 戊: 21,000,000 so far against 16,666,660 last year → above the line
    e = lines["戊"]
    assert e["status"] == "reached" and e["gap"] == 0
    assert e["projected_revenue"] == round(20_000_000 * 21_000_000 / sum(spread(20_000_000, 12)[:10]))
    assert lines["丙"]["status"] == "no_data" and lines["丙"]["projected_revenue"] is None
    assert q["counts"] == {"reached": 1, "below": 2, "no_data": 1}
    # nearest the line (or above it) first, no data last
    assert [x["name"][:1] for x in q["lines"]] == ["戊", "甲", "丁", "丙"]
    text = run(capsys, "monitor", "--db", str(db), "--period", "2026-10", "--quarter", "--today", TODAY)
    assert "2026年第四季度对标（数据截至10月）" in text and "已达标准线1户，未达标准线2户" in text


def test_filters_replace_or_narrow_the_watched_set(minhou_db, capsys):
    db, _ids = minhou_db
    above = json.loads(run(capsys, "monitor", "--db", str(db), "--period", "2026-10", "--pool", "规上", "--json",
                           "--today", TODAY))
    assert [r["name"] for r in above["rows"]] == ["己化工股份有限公司"] and above["watch"]["source"] == "filter"
    base = json.loads(run(capsys, "monitor", "--db", str(db), "--period", "2026-10", "--pool", "基础信息库",
                          "--json", "--today", TODAY))
    assert [r["name"] for r in base["rows"]] == ["丁食品有限公司"]
    town = json.loads(run(capsys, "monitor", "--db", str(db), "--period", "2026-10", "--township", "路家村镇",
                          "--json", "--today", TODAY))
    assert [r["name"] for r in town["rows"]] == ["丙印务有限公司"] and town["scope"] == "路家村镇"


@pytest.mark.parametrize(("args", "message"), [
    (("--period", "2026-13"), "月份“2026-13”格式不正确"),
    (("--period", "2026-12"), "2026年12月尚未到来"),
    (("--pool", "某库"), "库别“某库”无效"),
    (("--township", "无此镇"), "台账中没有乡镇“无此镇”"),
])
def test_bad_input_is_refused_in_chinese(minhou_db, capsys, args, message):
    db, _ids = minhou_db
    assert cli.main(["monitor", "--db", str(db), "--today", TODAY, *args]) == 2
    assert message in capsys.readouterr().err


def test_default_period_is_the_latest_month_with_figures(minhou_db, capsys):
    db, _ids = minhou_db
    table = json.loads(run(capsys, "monitor", "--db", str(db), "--json", "--today", TODAY))
    assert table["period"] == "2026-10"


def test_last_years_revenue_from_the_annual_list_counts_too(minhou):
    from shengui_desktop.services.ledger.figures import record_year

    county, _ids = minhou
    annual = add_enterprise(county, "庚塑料有限公司")  # only 年度数 for 2025: 5,000,000
    record_year(county, annual, 2025, {"revenue": 5_000_000})
    below = add_enterprise(county, "辛塑料有限公司")
    record_year(county, below, 2025, {"revenue": 4_999_999})
    table = monitoring_table(county, "2026-10", today=AS_OF)
    rows = {r.name: r for r in table.rows}
    assert "辛塑料有限公司" not in rows
    row = rows["庚塑料有限公司"]
    assert row.watched_because == "上年营业收入500万元，达500万元"
    # no month of last year: nothing to compare a month or a cumulative with
    assert row.measures["revenue"].cumulative_last_year is None and not row.reported


def test_a_profile_without_a_setting_watches_its_pools_and_the_above_scale(county):
    policy.choose_profile(county, "yuxian")  # 盂县's document sets no monitoring
    add_enterprise(county, "规上甲有限公司", years={2025: 30_000_000}, stat_status="above_scale",
                   entered_stats_date="2020-01-01")
    add_enterprise(county, "培育乙有限公司", years={2025: 12_000_000}, pool="cultivation")
    add_enterprise(county, "未入库丙有限公司", years={2025: 12_000_000})
    table = monitoring_table(county, "2026-10", today=AS_OF)
    assert table.watch.source == "default" and table.watch.above_scale
    assert sorted(r.name for r in table.rows) == ["培育乙有限公司", "规上甲有限公司"]
    assert "政策配置未规定监测范围" in table.notes[0]


def test_the_setting_is_checked_with_the_profile():
    data = dict(shipped_profiles()["shuncheng"].data)
    data["monitoring"] = {"pools": ["entry"], "above_scale": True, "quote": "x"}
    with pytest.raises(ProfileError, match="monitoring.pools：“入统库”不在本配置的pools中"):
        validate_profile(data)
    data["monitoring"] = {"pools": [], "above_scale": "yes", "quote": "x"}
    with pytest.raises(ProfileError, match="monitoring.above_scale应为true或false"):
        validate_profile(data)
    assert shipped_profiles()["minhou"].monitoring["prior_year_revenue_min"] == 5_000_000


def test_january_compares_with_last_december():
    last = [100] * 12
    this = [150] + [None] * 11
    line = measure_line(this, last, 1)
    assert (line.previous_month, line.mom, line.yoy, line.cumulative_growth) == (100, 0.5, 0.5, 0.5)
    # a growth from nothing has no rate
    assert measure_line([5] + [None] * 11, [0] * 12, 1).yoy is None


def test_without_the_rules_the_report_gets_the_same_numbers(minhou):
    county, _ids = minhou
    facts = LedgerFacts(county, AS_OF)
    table = facts.monitoring(Filters(year=2026, today=AS_OF, period="2026-10", pool="base"))
    assert [r.name for r in table.rows] == ["丁食品有限公司"]
    served = monitoring_table(county, "2026-10", pool="base", today=AS_OF)
    assert table.rows[0].measures == served.rows[0].measures


def test_xlsx_has_the_columns_and_the_numbers(minhou_db, capsys, tmp_path):
    import openpyxl

    db, _ids = minhou_db
    out = tmp_path / "monitor.xlsx"
    text = run(capsys, "excel", "export", "--db", str(db), "--what", "monitor", "--period", "2026-10",
               "--out", str(out))
    assert "已导出企业月度监测表4行" in text
    book = openpyxl.load_workbook(out)
    sheet = book["月度监测"]
    header = [c.value for c in sheet[3]]
    for name in ("工业总产值", "营业收入", "用电量", "税收"):
        for part in ("当月", "上年同月", "同比", "上月", "环比", "1–10月累计", "上年同期累计", "累计同比"):
            assert any(h.startswith(name + part) for h in header), name + part
    assert {"企业名称", "统一社会信用代码", "乡镇（街道）", "监测原因", "缺报月份", "提示"} <= set(header)
    rows = {r[1]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=4, values_only=True) if r[1]}
    a = rows["甲机械有限公司"]
    assert a["营业收入当月（万元）"] == 66 and a["营业收入同比"] == 0.32 and a["营业收入环比"] == 0.2
    assert a["营业收入1–10月累计（万元）"] == 561 and a["营业收入累计同比"] == 0.122
    assert a["用电量1–10月累计（千瓦时）"] == 546_000 and a["用电量环比"] is None
    assert "达规未入统" in rows["戊电子有限公司"]["提示"]
    quarter = book["季度对标"]
    q_header = [c.value for c in quarter[3]]
    assert {"本年预计营业收入（万元）", "占标准线", "距标准线（万元）", "对标结果"} <= set(q_header)
    names = [r[1] for r in quarter.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]
    assert names == ["戊电子有限公司", "甲机械有限公司", "丁食品有限公司", "丙印务有限公司"]


@needs_poppler
def test_pdf_lists_the_watched_enterprises(minhou_db, capsys, tmp_path):
    db, _ids = minhou_db
    out = tmp_path / "monitor.pdf"
    run(capsys, "report", "monitor", "--db", str(db), "--period", "2026-10", "--out", str(out),
        "--today", TODAY)
    text = flat("".join(pdf_pages(out)))
    assert "2026年10月企业月度监测表" in text
    for name in ("甲机械有限公司", "丙印务有限公司", "丁食品有限公司", "戊电子有限公司"):
        assert name in text
    assert "乙纸业有限公司" not in text and "己化工股份有限公司" not in text
    # 甲's October revenue, its rates and its cumulative, in 万元 and %
    assert "66.0032.020.0561.0012.2" in text
    assert "2026年第四季度对标（数据截至10月）" in text and "10月未报" in text
    assert "戊电子有限公司：达规未入统" in text


@needs_poppler
def test_pdf_of_a_ledger_with_nothing_to_watch_says_so(county, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = str(county.path)
    county.close()
    out = tmp_path / "empty.pdf"
    run(capsys, "report", "monitor", "--db", db, "--out", str(out), "--today", TODAY)
    text = flat("".join(pdf_pages(out)))
    # no figures at all: last month's table, with nobody in it
    assert "2026年10月企业月度监测表" in text and "暂无监测企业" in text


def test_months_are_read_a_chunk_of_enterprises_at_a_time_same_table(minhou, monkeypatch):
    """#20: a province's 950,000 months held at once peaked at 857 MB; they are read a chunk
    of enterprises at a time as the table is made (MonthsByChunk), with the same table, the
    flags' second pass and the quarterly comparison included."""
    from shengui_desktop.services.policy import monitoring

    county, _ids = minhou
    whole = {flag: monitoring_table(county, "2026-10", quarter=True, flag=flag, today=AS_OF).to_dict()
             for flag in (None, "any")}
    held: list[int] = []
    real = monitoring.MonthsByChunk._load

    def load(self, n):
        real(self, n)
        held.append(len(self.months))
    monkeypatch.setattr(monitoring.MonthsByChunk, "_load", load)
    monkeypatch.setattr(monitoring, "_CHUNK", 1)
    for flag, table in whole.items():
        held.clear()
        assert monitoring_table(county, "2026-10", quarter=True, flag=flag, today=AS_OF).to_dict() == table
        assert held and max(held) == 1  # one enterprise's months at a time
    assert len(whole[None]["rows"]) == 4 and len(whole["any"]["rows"]) >= 1
