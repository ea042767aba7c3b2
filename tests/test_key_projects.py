"""湖南's key-project list (重点项目库), #16 item 5: the key projects entered through
`shengui project`, with their milestones, responsible units, what is late and the
enterprise's pool and revenue, as a PDF (`shengui report projects`) and an xlsx
(`shengui excel export --what projects`).

Dates far in the past (2026-06-30) and far ahead (2099) keep "late" the same whatever day
the export runs; the PDF is printed as of 2026-11-23.
"""

from __future__ import annotations

from datetime import date

import pytest

from conftest import PASSWORD
from policy_helpers import add_enterprise
from reports_helpers import flat, needs_poppler, pdf_pages
from shengui_desktop import cli
from shengui_desktop.domain.key_projects import days_late, key_project
from shengui_desktop.services import policy

TODAY = "2026-11-23"


@pytest.fixture
def hunan_db(county, monkeypatch, capsys):
    """湖南's profile; 甲 (培育库, 2025 revenue 18,000,000, 2026 Jan–Oct 16,000,000) with a
    key project late in one milestone and in its production, 乙 with a key project on time,
    丙 with a new-build project (not a key project) and an abandoned key project."""
    policy.choose_profile(county, "hunan")
    codes = {}
    for name, kw in (("甲新材料有限公司", {"years": {2025: 18_000_000}, "ytd": (10, 16_000_000),
                                       "pool": "cultivation"}),
                     ("乙智能装备有限公司", {"years": {2025: 35_000_000}, "stat_status": "above_scale",
                                        "entered_stats_date": "2019-01-01", "township_code": "140322101"}),
                     ("丙建材有限公司", {"years": {2025: 3_000_000}})):
        eid = add_enterprise(county, name, **kw)
        codes[name[:1]] = county.scalar("SELECT credit_code FROM enterprises WHERE id = ?", (eid,))
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = str(county.path)
    county.close()
    run(capsys, "project", "add", "--db", db, "--credit-code", codes["甲"], "--name", "年产5万吨新材料项目",
        "--kind", "重点项目", "--investment", "12000", "--planned-start", "2025-10-01",
        "--actual-start", "2025-10-15", "--planned-production", "2026-09-30", "--expected-output", "30000",
        "--responsible-unit", "县工信局", "--milestone", "土建完工@2026-03-31",
        "--milestone", "设备安装@2026-06-30", "--milestone", "试生产@2099-06-30")
    run(capsys, "project", "milestone", "done", "--db", db, "年产5万吨新材料项目", "--name", "土建完工",
        "--date", "2026-03-20")
    run(capsys, "project", "add", "--db", db, "--credit-code", codes["乙"], "--name", "智能制造产线",
        "--kind", "重点项目", "--planned-production", "2099-12-31", "--responsible-unit", "县发改局",
        "--milestone", "主体完工@2099-01-01")
    run(capsys, "project", "add", "--db", db, "--credit-code", codes["丙"], "--name", "新建厂房",
        "--planned-production", "2026-01-31", "--milestone", "开工@2025-12-01")
    run(capsys, "project", "add", "--db", db, "--credit-code", codes["丙"], "--name", "已停建的重点项目",
        "--kind", "重点项目", "--status", "已终止", "--planned-production", "2026-01-31",
        "--milestone", "开工@2025-12-01")
    return db


def run(capsys, *args) -> str:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_late_is_past_due_and_not_done():
    today = date(2026, 11, 23)
    assert days_late("2026-06-30", None, today) == 146
    assert days_late("2026-06-30", "2026-07-02", today) == 0  # done, however late
    assert days_late("2026-11-23", None, today) == 0  # due today: not late yet
    assert days_late("2026-11-22", None, today) == 1
    assert days_late(None, None, today) == 0
    row = {"id": "p", "name": "x", "status": "abandoned", "enterprise_id": "e", "enterprise_name": "e",
           "credit_code": "c", "pool": "none", "stat_status": "below_scale",
           "planned_production_date": "2026-01-31"}
    assert not key_project(row, [{"name": "开工", "due_date": "2025-12-01"}], None, today).late
    row["status"] = "under_construction"
    project = key_project(row, [{"name": "开工", "due_date": "2025-12-01"}], None, today)
    assert [(i.what, i.days_late) for i in project.late_items] == [("节点任务“开工”", 357), ("计划投产", 296)]


@needs_poppler
def test_pdf_lists_key_projects_and_what_is_late(hunan_db, capsys, tmp_path):
    out = tmp_path / "projects.pdf"
    text = run(capsys, "report", "projects", "--db", hunan_db, "--out", str(out), "--today", TODAY)
    assert "已生成重点项目清单" in text
    pages = pdf_pages(out)
    body = flat("".join(pages))
    assert "工业重点项目清单及推进台账" in body
    for name in ("年产5万吨新材料项目", "甲新材料有限公司", "智能制造产线", "乙智能装备有限公司", "已停建的重点项目"):
        assert name in body
    assert "新建厂房" not in body  # a new-build project is not a key project
    # the enterprise's pool and revenue, the responsible units
    assert "培育库" in body and "1,800.00" in body and "1,600.00" in body and "县工信局" in body
    # the milestones as they stand
    assert "土建完工：计划2026-03-31，2026-03-20完成" in body
    assert "设备安装：计划2026-06-30，逾期146天" in body and "试生产：计划2099-06-30，未到期" in body
    # what is late: the milestone and the production date of 甲's project only
    late = body[body.index("二、逾期事项"):]
    assert "逾期项目1个，其中逾期未完成的节点任务1项" in late
    assert "节点任务“设备安装”2026-06-30146" in late and "计划投产2026-09-3054" in late
    assert "智能制造产线" not in late and "已停建的重点项目" not in late


@needs_poppler
def test_pdf_of_a_ledger_without_key_projects_says_so(county, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = str(county.path)
    county.close()
    out = tmp_path / "none.pdf"
    run(capsys, "report", "projects", "--db", db, "--out", str(out), "--today", TODAY)
    assert "暂无重点项目" in flat("".join(pdf_pages(out)))


def test_xlsx_has_the_projects_their_milestones_and_what_is_late(hunan_db, capsys, tmp_path):
    import openpyxl

    out = tmp_path / "projects.xlsx"
    text = run(capsys, "excel", "export", "--db", hunan_db, "--what", "projects", "--year", "2026",
               "--out", str(out))
    assert "已导出重点项目清单3行" in text
    book = openpyxl.load_workbook(out)
    sheet = book["重点项目"]
    header = [c.value for c in sheet[3]]
    assert {"项目名称", "项目状态", "企业名称", "库别/统计状态", "2025年营业收入（万元）", "2026年累计营业收入（万元）",
            "总投资（万元）", "计划投产", "实际投产", "责任单位", "节点任务（项）", "逾期节点任务（项）",
            "逾期情况"} <= set(header)
    rows = {r[1]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)}
    assert set(rows) == {"年产5万吨新材料项目", "智能制造产线", "已停建的重点项目"}
    a = rows["年产5万吨新材料项目"]
    assert a["库别/统计状态"] == "培育库" and a["2025年营业收入（万元）"] == 1800 and a["总投资（万元）"] == 12000
    assert a["节点任务（项）"] == 3 and a["逾期节点任务（项）"] == 1 and a["责任单位"] == "县工信局"
    assert "节点任务“设备安装”：计划2026-06-30" in a["逾期情况"] and "计划投产：计划2026-09-30" in a["逾期情况"]
    assert rows["智能制造产线"]["逾期情况"] is None and rows["已停建的重点项目"]["逾期情况"] is None
    milestones = book["节点任务"]
    m_header = [c.value for c in milestones[3]]
    states = {r[3]: dict(zip(m_header, r)) for r in milestones.iter_rows(min_row=4, values_only=True)
              if isinstance(r[0], int)}
    assert states["土建完工"]["状态"] == "已完成" and states["试生产"]["状态"] == "未到期"
    assert states["设备安装"]["状态"].startswith("逾期") and states["设备安装"]["逾期天数"] > 100
    # 丙's abandoned key project: its milestone is late in nothing; its new-build project is not listed
    assert states["开工"]["状态"] == "项目已终止" and states["开工"]["项目名称"] == "已停建的重点项目"
