"""Names of policy records (projects, milestones, reward claims, earlier above-scale periods)
get the name check every other name gets (domain.text.name_problem): in the services and in
the spreadsheet import, nothing written when one is refused."""

from __future__ import annotations

import openpyxl
import pytest

from shengui_desktop.cli import main
from shengui_desktop.errors import ValidationError
from shengui_desktop.services import policy
from shengui_desktop.services.policy import records

from policy_helpers import add_enterprise

BAD = [("秀水\u202e期二\u202c", "U+202E"), ("扩建\u200b工程", "U+200B"), ("扩建\x1b[2J", "U+001B"),
       ("项" * 101, "过长")]


def log_size(ledger) -> int:
    return ledger.scalar("SELECT count(*) FROM change_log")


@pytest.mark.parametrize(("name", "said"), BAD)
def test_the_services_refuse_a_hidden_or_overlong_name(county, name, said):
    policy.choose_profile(county, "shuncheng")
    ent = add_enterprise(county, "导入企业")
    code = county.get("enterprises", ent)["credit_code"]
    before = log_size(county)
    calls = {
        "项目名称": lambda: records.add_project(county, ent, {"name": name}),
        "责任单位": lambda: records.add_project(county, ent, {"name": "二期", "responsible_unit": name}),
        "节点任务名称": lambda: records.add_project(county, ent, {"name": "三期", "milestones": [{"name": name}]}),
        "项目或合同名称": lambda: records.add_reward_claim(county, ent, {"kind": "tech_upgrade", "year": 2025,
                                                                      "amount": 100, "description": name}),
        "当时的企业名称": lambda: records.record_scale_period(county, code, name, "2016-01-01"),
    }
    for label, call in calls.items():
        with pytest.raises(ValidationError) as info:
            call()
        message = " ".join(info.value.problems.values())
        assert label in message and said in message, message
        assert "\u202e" not in message and "\x1b" not in message
    assert log_size(county) == before


def test_a_changed_project_and_a_new_milestone_are_checked_too(county):
    ent = add_enterprise(county, "导入企业")
    project = records.add_project(county, ent, {"name": "二期扩建"})
    before = log_size(county)
    with pytest.raises(ValidationError, match="U\\+2067"):
        records.update_project(county, project, {"name": "二期\u2067扩建"})
    with pytest.raises(ValidationError, match="U\\+FEFF"):
        records.add_milestone(county, project, {"name": "\ufeff开工"})
    assert log_size(county) == before
    records.update_project(county, project, {"name": "二期扩建（山西）"})  # brackets and width kept
    assert county.get("projects", project)["name"] == "二期扩建（山西）"


def test_the_import_refuses_the_file_at_the_cell(county, tmp_path, monkeypatch, capsys):
    from conftest import PASSWORD
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    ent = add_enterprise(county, "导入企业")
    code = county.get("enterprises", ent)["credit_code"]
    db = str(county.path)
    template = tmp_path / "t.xlsx"
    assert main(["excel", "template", "--db", db, "--kind", "projects", "--out", str(template)]) == 0
    wb = openpyxl.load_workbook(template)
    ws = wb["项目"]
    headers = [str(c.value or "").lstrip("*") for c in ws[3]]
    ws.cell(6, headers.index("统一社会信用代码") + 1, code)
    ws.cell(6, headers.index("项目名称") + 1, "二期\u200b扩建")
    wb.save(tmp_path / "bad.xlsx")
    before = log_size(county)
    capsys.readouterr()
    assert main(["excel", "import", "--db", db, str(tmp_path / "bad.xlsx")]) == 2
    out = capsys.readouterr()
    assert "项目名称" in out.out + out.err and "U+200B" in out.out + out.err
    assert log_size(county) == before
