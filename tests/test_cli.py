"""The command line: the commands of README.md and docs/ARCHITECTURE.md, Chinese errors, exit codes."""

import json
import os
import subprocess
import sys

import pytest

from shengui_desktop.cli import main
from shengui_desktop.domain import credit_code

PASS = "cli-pass-123"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASS)


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def county_db(tmp_path, env, capsys):
    db = tmp_path / "c.sgdb"
    code, out, _ = run(capsys, "init", "--db", str(db), "--role", "county", "--name", "盂县",
                       "--area-code", "140322", "--json")
    assert code == 0
    info = json.loads(out)
    assert len(info["recovery_code"]) == 29 and len(info["fingerprint"].split()) == 8
    assert run(capsys, "demo", "--db", str(db), "--enterprises", "30", "--townships", "3",
               "--as-of", "2026-11-23")[0] == 0
    return db


def test_list_enterprises_json_fields(county_db, capsys):
    code, out, _ = run(capsys, "list", "enterprises", "--db", str(county_db), "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 30
    required = {"id", "credit_code", "name", "township_code", "township_name", "industry_code",
                "stat_status", "pool", "latest_annual_revenue", "flags"}
    for row in rows:
        assert required <= set(row)
        assert credit_code.check(row["credit_code"]).ok
        assert row["stat_status"] in {"above_scale", "below_scale", "exited"}
        assert isinstance(row["flags"], list)
        assert row["latest_annual_revenue"] is None or isinstance(row["latest_annual_revenue"], int)
    code, out, _ = run(capsys, "list", "enterprises", "--db", str(county_db), "--json",
                       "--township", rows[0]["township_code"])
    assert {r["township_code"] for r in json.loads(out)} == {rows[0]["township_code"]}


def test_visit_add_and_errors(county_db, capsys):
    rows = json.loads(run(capsys, "list", "enterprises", "--db", str(county_db), "--json")[1])
    code, out, _ = run(capsys, "visit", "add", "--db", str(county_db), "--credit-code",
                       rows[0]["credit_code"].lower(), "--date", "2026-11-20", "--visitors", "张三",
                       "--summary", "企业生产正常", "--issue", "finance:流动资金紧张",
                       "--department", "金融办", "--deadline", "2026-12-31", "--json")
    assert code == 0 and len(json.loads(out)["issue_ids"]) == 1
    code, _, err = run(capsys, "visit", "add", "--db", str(county_db), "--credit-code",
                       "91110000600037341L", "--visitors", "张三", "--summary", "x")
    assert code != 0 and "没有统一社会信用代码为91110000600037341L的企业" in err
    code, _, err = run(capsys, "visit", "add", "--db", str(county_db), "--credit-code",
                       rows[0]["credit_code"], "--visitors", "", "--summary", "x")
    assert code != 0 and "走访人员不能为空" in err


def test_wrong_passphrase_exit_code_and_message(county_db, capsys, monkeypatch):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", "wrong")
    code, out, err = run(capsys, "verify", "--db", str(county_db))
    assert code == 3 and "密码错误" in err and out == ""


def test_verify_and_backup(county_db, capsys, tmp_path):
    code, out, _ = run(capsys, "verify", "--db", str(county_db), "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, _, _ = run(capsys, "backup", "--db", str(county_db), "--out", str(tmp_path / "bk.sgdb"))
    assert code == 0
    code, out, _ = run(capsys, "verify", "--db", str(tmp_path / "bk.sgdb"), "--json")
    assert json.loads(out)["counts"]["enterprises"] == 30
    code, _, err = run(capsys, "backup", "--db", str(county_db), "--out", str(tmp_path / "bk.sgdb"))
    assert code != 0 and "已存在" in err


def test_init_refuses_bad_area_code_and_existing_file(tmp_path, env, capsys):
    code, _, err = run(capsys, "init", "--db", str(tmp_path / "t.sgdb"), "--role", "township",
                       "--name", "秀水镇", "--area-code", "140322")
    assert code != 0 and "9位数字" in err
    assert list(tmp_path.iterdir()) == []


def test_missing_ledger_message(tmp_path, env, capsys):
    code, _, err = run(capsys, "verify", "--db", str(tmp_path / "nope.sgdb"))
    assert code != 0 and "找不到台账文件" in err


def test_recovery_code_from_environment(county_db, capsys, monkeypatch, tmp_path):
    # the init output of the fixture is gone; make a fresh ledger to know its code
    db = tmp_path / "r.sgdb"
    info = json.loads(run(capsys, "init", "--db", str(db), "--role", "township", "--name", "秀水镇",
                          "--area-code", "140322100", "--json")[1])
    monkeypatch.setenv("SHENGUI_PASSPHRASE", "wrong")
    monkeypatch.setenv("SHENGUI_RECOVERY_CODE", info["recovery_code"])
    assert run(capsys, "verify", "--db", str(db))[0] == 0


def test_passphrase_is_never_an_argument(capsys):
    with pytest.raises(SystemExit):
        main(["verify", "--password", "x"])
    assert "unrecognized arguments" in capsys.readouterr().err


def test_passwd_command(county_db, capsys, monkeypatch):
    monkeypatch.setenv("SHENGUI_NEW_PASSPHRASE", "brand-new-pass")
    assert run(capsys, "passwd", "--db", str(county_db), "--user", "admin")[0] == 0
    assert run(capsys, "verify", "--db", str(county_db))[0] == 3
    monkeypatch.setenv("SHENGUI_PASSPHRASE", "brand-new-pass")
    assert run(capsys, "verify", "--db", str(county_db))[0] == 0


def test_entry_point_runs_as_a_program(county_db):
    env = {**os.environ, "SHENGUI_PASSPHRASE": PASS}
    result = subprocess.run([sys.executable, "-m", "shengui_desktop", "verify", "--db",
                             str(county_db)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0 and "台账检查通过" in result.stdout
    assert result.stderr == ""  # quiet when not on a terminal (no progress bar)


def test_cert_export_to_a_file_to_stdout_and_to_a_missing_folder(county_db, capsys, tmp_path):
    out = tmp_path / "county.cert.json"
    code, text, _ = run(capsys, "cert", "export", "--db", str(county_db), "--out", str(out))
    assert code == 0 and "已导出本单位证书" in text
    cert = json.loads(out.read_text("utf-8"))
    assert cert["fingerprint"] in text
    code, text, _ = run(capsys, "cert", "export", "--db", str(county_db))
    assert code == 0 and json.loads(text)["fingerprint"] == cert["fingerprint"]
    code, _, err = run(capsys, "cert", "export", "--db", str(county_db),
                       "--out", str(tmp_path / "没有的文件夹" / "c.json"))
    assert code != 0 and "无法写入" in err


def test_outputs_that_cannot_be_written_are_chinese_messages(county_db, capsys, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    for args in (["excel", "export", "--what", "enterprises", "--out", str(blocked / "e.xlsx")],
                 ["report", "ledger", "--out", str(blocked / "l.pdf")],
                 ["backup", "--out", str(tmp_path / "没有的文件夹" / "b.sgdb")]):
        code, _, err = run(capsys, *args, "--db", str(county_db))
        assert code == 2 and err.startswith("错误：") and "Traceback" not in err, (args, err)
        assert "无法" in err


def test_demo_fills_only_an_empty_ledger(county_db, capsys):
    code, out, err = run(capsys, "demo", "--db", str(county_db), "--enterprises", "5")
    assert code == 2 and out == "" and "演示数据只能填入空台账" in err
    assert len(json.loads(run(capsys, "list", "enterprises", "--db", str(county_db), "--json")[1])) == 30


def test_checklist_ticks_all_or_nothing(county_db, capsys):
    row = json.loads(run(capsys, "list", "enterprises", "--db", str(county_db), "--json")[1])[0]
    code, out, _ = run(capsys, "checklist", "--db", str(county_db), "--credit-code", row["credit_code"],
                       "--done", "business_licence", "--done", "photos", "--json")
    assert code == 0
    assert {i["item"] for i in json.loads(out) if i["done"]} == {"business_licence", "photos"}
    code, _, err = run(capsys, "checklist", "--db", str(county_db), "--credit-code", row["credit_code"],
                       "--undone", "photos", "--done", "passport")
    assert code == 2 and "没有“passport”这一申报材料项" in err
    code, out, _ = run(capsys, "checklist", "--db", str(county_db), "--credit-code", row["credit_code"])
    assert code == 0 and "[√] photos" in out  # the untick before the bad item was not kept
    code, _, err = run(capsys, "checklist", "--db", str(county_db), "--credit-code", "91110000600037341L")
    assert code == 2 and "没有统一社会信用代码为91110000600037341L的企业" in err
