"""Projects, milestones, reward claims and earlier above-scale periods travel in packages like
every record: a township enters its enterprises' projects and files claims, the county
decides the claims and keeps the stats history, and each side sees the other's work."""

from __future__ import annotations

import json

import openpyxl
import pytest

from shengui_desktop.cli import main
from shengui_desktop.errors import UserError
from shengui_desktop.services import sync as sync_service

from conftest import PASSWORD
from sync_helpers import CODES, exchange, world_fixtures

template, world = world_fixtures("records")


@pytest.fixture
def cli(monkeypatch, capsys):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)

    def run(ledger, *argv, ok=True):
        code = main([*argv, "--db", str(ledger.path), "--json"])
        out, err = capsys.readouterr()
        if ok:
            assert code == 0, err
            return json.loads(out)
        assert code == 2, out
        return err
    return run


def test_township_county_township_round_trip(world, tmp_path, cli):
    c, a = world["C"], world["A"]
    code = a.scalar("SELECT credit_code FROM enterprises WHERE township_code = ? ORDER BY credit_code",
                    (CODES["A"],))
    added = cli(a, "project", "add", "--credit-code", code, "--name", "技改扩能项目", "--kind", "技改项目",
                "--investment", "800", "--responsible-unit", "工信局", "--milestone", "设备到位@2026-09-30")
    claim = cli(a, "claim", "add", "--credit-code", code, "--kind", "技改", "--year", "2026",
                "--amount", "800", "--description", "技改扩能项目", "--evidence", "设备发票", "--date", "2026-10-08")
    # what only the county decides is refused where it is typed, in Chinese, nothing written
    before = a.scalar("SELECT count(*) FROM change_log")
    assert "由县级决定" in cli(a, "claim", "status", claim["id"][:8], "兑现", ok=False)
    assert "由县级决定" in cli(a, "claim", "add", "--credit-code", code, "--kind", "技改", "--year", "2026",
                               "--amount", "1", "--description", "x", "--status", "兑现", ok=False)
    assert "入规历史" in cli(a, "scale-period", "add", "--credit-code", code, "--name", "旧名",
                             "--entered", "2015-01-01", ok=False)
    assert a.scalar("SELECT count(*) FROM change_log") == before

    exchange(a, c, tmp_path / "up")
    [project] = cli(c, "project", "list")
    assert (project["id"], project["kind"], project["investment"]) == (added["project_id"], "tech_upgrade", 8_000_000)
    assert [m["name"] for m in project["milestones"]] == ["设备到位"]
    [at_county] = cli(c, "claim", "list")
    assert (at_county["id"], at_county["status"], at_county["evidence"]) == (claim["id"], "claimed", "设备发票")

    cli(c, "claim", "status", claim["id"][:8], "兑现", "--date", "2026-11-30", "--note", "已拨付")
    cli(c, "project", "milestone", "done", "技改扩能项目", "--name", "设备到位", "--date", "2026-09-25")
    cli(c, "scale-period", "add", "--credit-code", code, "--name", "旧名称厂", "--entered", "2015-01-01",
        "--exited", "2017-12-31")
    exchange(c, a, tmp_path / "down")
    [back] = cli(a, "claim", "list")
    assert (back["status_label"], back["decided_on"], back["decision_note"]) == ("兑现", "2026-11-30", "已拨付")
    [project] = cli(a, "project", "list")
    assert project["milestones"][0]["done_date"] == "2026-09-25"
    [period] = cli(a, "scale-period", "list")
    assert (period["name"], period["exited_on"]) == ("旧名称厂", "2017-12-31")

    # the township keeps its project up to date; the county sees it
    cli(a, "project", "update", "技改扩能项目", "--production", "2026-11-28")
    exchange(a, c, tmp_path / "up2")
    [project] = cli(c, "project", "list")
    assert (project["production_start_date"], project["status"]) == ("2026-11-28", "in_production")
    assert sync_service.list_conflicts(c) == [] and sync_service.list_conflicts(a) == []


def test_a_township_status_written_behind_the_service_never_leaves(world, tmp_path, cli):
    a = world["A"]
    code = a.scalar("SELECT credit_code FROM enterprises WHERE township_code = ? ORDER BY credit_code",
                    (CODES["A"],))
    claim = cli(a, "claim", "add", "--credit-code", code, "--kind", "中标合同", "--year", "2026",
                "--amount", "300", "--description", "浙江项目", "--bid-region", "省外")
    a.update("reward_claims", claim["id"], {"status": "paid"})
    with pytest.raises(UserError, match="奖补申报.*字段“status”只能由县级修改"):
        sync_service.export_packages(a, tmp_path, to="140322")


def test_a_township_imports_claims_but_not_the_countys_decisions(world, tmp_path, cli):
    a = world["A"]
    code = a.scalar("SELECT credit_code FROM enterprises WHERE township_code = ? ORDER BY credit_code",
                    (CODES["A"],))
    cli(a, "excel", "template", "--kind", "claims", "--out", str(tmp_path / "claims.xlsx"))
    cli(a, "excel", "template", "--kind", "scale-periods", "--out", str(tmp_path / "periods.xlsx"))
    wb = openpyxl.load_workbook(tmp_path / "claims.xlsx")
    ws = wb["奖补申报"]
    headers = [str(c.value or "").lstrip("*") for c in ws[3]]
    for r, status in ((6, "申报"), (7, "兑现")):
        for header, value in {"统一社会信用代码": code, "申报类别": "技改", "年度": 2026,
                              "项目或合同名称": f"改造{r}", "金额（万元）": 120, "状态": status}.items():
            ws.cell(r, headers.index(header) + 1, value)
    wb.save(tmp_path / "filled.xlsx")
    before = a.scalar("SELECT count(*) FROM change_log")
    err = cli(a, "excel", "import", str(tmp_path / "filled.xlsx"), ok=False)
    assert "第7行" in err and "审核、兑现、不予由县级决定" in err
    wb = openpyxl.load_workbook(tmp_path / "periods.xlsx")
    ws = wb["此前在规时段"]
    for c, value in enumerate([None, code, "旧名", "2015-01-01"], start=1):
        ws.cell(6, c, value)
    wb.save(tmp_path / "periods-filled.xlsx")
    assert "只能由县级录入" in cli(a, "excel", "import", str(tmp_path / "periods-filled.xlsx"), ok=False)
    assert a.scalar("SELECT count(*) FROM change_log") == before
