"""Targets reach townships that appear after the profile was chosen (#15 item 5).

盂县's profile allocates the 2024 net increase to seven townships by name. A township the
ledger does not hold yet is listed as 未登记 with its share; when it appears — added by hand,
created by a spreadsheet import, enrolled through its first package — its share applies at
once, without `targets --load`. Changing the profile changes every township's target, and a
township's ledger learns its own target from the county's package.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from conftest import PASSWORD
from excel_build import credit, write_xlsx
from shengui_desktop import cli
from shengui_desktop.services import policy
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.excel import import_file
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.sync import certificates
from reports_helpers import flat, needs_poppler, pdf_pages
from shengui_desktop.ui.policy_text import target_lines
from sync_helpers import exchange, fingerprint, world_fixtures

ALLOCATION = {"秀水镇": 4, "路家村镇": 1, "南娄镇": 1, "牛村镇": 1, "北下庄乡": 1, "上社镇": 1, "西潘乡": 1}


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)


def run(capsys, *args):
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.fixture
def county_db(tmp_path, env, capsys):
    """A county ledger that knows only 秀水镇 and chose 盂县's profile through the CLI."""
    db = tmp_path / "county.sgdb"
    ledger, _ = init_office(db, role="county", name="盂县", area_code="140322", admin_user="admin",
                            password=PASSWORD)
    reference.add_township(ledger, "140322100", "秀水镇")
    ledger.close()
    out = run(capsys, "profile", "choose", "yuxian", "--db", str(db))
    assert "南娄镇" in out and "尚未登记" in out
    return db


def open_db(db):
    return open_ledger(db, passphrase=PASSWORD, user="admin")


def targets_cli(capsys, db) -> dict:
    return json.loads(run(capsys, "targets", "--db", str(db), "--year", "2024", "--json"))


def towns(progress) -> dict[str, tuple]:
    return {t.name: (t.target, t.registered, t.key) for t in progress.townships}


def test_targets_list_every_allocated_township_marking_the_unregistered(county_db, capsys):
    data = targets_cli(capsys, county_db)
    lines = {t["name"]: t for t in data["townships"]}
    assert {name: t["target"] for name, t in lines.items()} == ALLOCATION
    assert [name for name, t in lines.items() if not t["registered"]] == [
        "路家村镇", "南娄镇", "牛村镇", "北下庄乡", "上社镇", "西潘乡"]
    assert lines["秀水镇"]["registered"] and lines["秀水镇"]["key"] == "140322100"
    assert lines["南娄镇"]["key"] is None
    assert data["township_target_total"] == 10 and data["county"]["target"] == 10
    text = run(capsys, "targets", "--db", str(county_db), "--year", "2024")
    marked = dict(re.findall(r"^ +(\S+)（未登记） +目标(\d+)户", text, re.M))
    assert marked == {name: str(n) for name, n in ALLOCATION.items() if name != "秀水镇"}
    assert re.search(r"^ +秀水镇 +目标4户", text, re.M) and "未设" not in text


def test_the_home_page_shows_the_unregistered_townships(county_db, qtbot, tmp_path):
    from test_ui_support import open_window

    with open_db(county_db) as ledger:
        assert any(line.startswith("乡镇 · 西潘乡（未登记）：目标净增1")
                   for line in target_lines(policy.target_progress(ledger, 2024)))
        window = open_window(qtbot, ledger, tmp_path, today=date(2024, 12, 1))
        chart = window.home.target_chart  # the home page draws the targets as bars
        qtbot.waitUntil(lambda: any("未登记" in label for label, _t, _a in chart.shown()), timeout=10000)
        shown_now = chart.shown()
        window.close()
    assert ("秀水镇", 4, 0) in shown_now
    assert [bar for bar in shown_now if "未登记" in bar[0]] == [
        (f"{name}（未登记）", 1, 0) for name in ("路家村镇", "南娄镇", "牛村镇", "北下庄乡", "上社镇", "西潘乡")]


def test_a_township_added_by_hand_gets_its_share_without_reloading(county_db, capsys):
    with open_db(county_db) as ledger:
        reference.add_township(ledger, "140322102", "南娄镇")
    lines = {t["name"]: t for t in targets_cli(capsys, county_db)["townships"]}
    assert (lines["南娄镇"]["target"], lines["南娄镇"]["registered"], lines["南娄镇"]["key"]) == (
        1, True, "140322102")
    assert sum(not t["registered"] for t in lines.values()) == 5
    assert len(lines) == 7


def test_a_township_written_differently_is_the_same_township(county_db):
    with open_db(county_db) as ledger:
        reference.add_township(ledger, "140322200", "北下庄　乡")  # an ideographic space
        reference.add_township(ledger, "140322103", "盂县牛村镇")
        reference.add_township(ledger, "140322105", "上社镇人民政府")
        got = towns(policy.target_progress(ledger, 2024))
    assert got["北下庄 乡"] == (1, True, "140322200")
    assert got["盂县牛村镇"] == (1, True, "140322103")
    assert got["上社镇人民政府"] == (1, True, "140322105")
    assert not {"北下庄乡", "牛村镇", "上社镇"} & set(got) and len(got) == 7


def test_a_township_created_by_a_spreadsheet_import_gets_its_share(county_db, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "所属乡镇"], ["甲公司", credit(1), "南娄镇"]]
    with open_db(county_db) as ledger:
        # a township new to the ledger is created once the person confirms it (#15 item 1)
        result = import_file(ledger, write_xlsx(tmp_path / "list.xlsx", rows), create_townships=True)
        assert result.ok, result.problem_lines()
        code = ledger.scalar("SELECT code FROM townships WHERE name = '南娄镇'")
        assert towns(policy.target_progress(ledger, 2024))["南娄镇"] == (1, True, code)


def test_changing_the_profile_changes_every_township(county_db, capsys):
    run(capsys, "profile", "copy", "--db", str(county_db))
    # 秀水镇 (present) 4 → 5, 南娄镇 (not yet present) 1 → 2
    run(capsys, "profile", "set", "--db", str(county_db), "targets.0.townships.0.net_increase=5",
        "targets.0.townships.2.net_increase=2")
    lines = {t["name"]: t for t in targets_cli(capsys, county_db)["townships"]}
    assert (lines["秀水镇"]["target"], lines["南娄镇"]["target"]) == (5, 2)
    with open_db(county_db) as ledger:
        reference.add_township(ledger, "140322102", "南娄镇")
        assert towns(policy.target_progress(ledger, 2024))["南娄镇"] == (2, True, "140322102")
        # the stored targets follow the profile (they travel to the townships)
        assert ledger.scalar("SELECT net_increase FROM targets WHERE year = 2024 AND township_code = ?",
                             ("140322100",)) == 5
        # an allocation taken out of the profile leaves every township it was given to
        allocation = [t for t in policy.active_profile(ledger).data["targets"][0]["townships"]
                      if t["name"] not in ("秀水镇", "西潘乡")]
        policy.edit_profile(ledger, {"targets.0.townships": allocation})
        got = towns(policy.target_progress(ledger, 2024))
        assert got["秀水镇"] == (None, True, "140322100") and "西潘乡" not in got
        assert ledger.scalar("SELECT count(*) FROM targets WHERE year = 2024 AND scope = 'township'") == 1
        # choosing the shipped profile again brings them back
        policy.choose_profile(ledger, "yuxian")
        got = towns(policy.target_progress(ledger, 2024))
        assert {name: t[0] for name, t in got.items()} == ALLOCATION


@needs_poppler
def test_the_targets_pdf_lists_the_unregistered_townships(county_db, tmp_path):
    from shengui_desktop.services.reports import print_report, resolve_filters

    with open_db(county_db) as ledger:
        filters = resolve_filters(ledger, year=2024, today=date(2024, 12, 31))
        result = print_report(ledger, "targets", tmp_path / "t.pdf", filters)
    text = flat("".join(pdf_pages(result.path)))
    for name, n in ALLOCATION.items():
        assert (f"{name}{n}000" if name == "秀水镇" else f"{name}（未登记）{n}000") in text
    assert text.count("未登记") >= 6
    # and the 目标任务 export says the same
    from openpyxl import load_workbook

    from shengui_desktop.services.excel import export_table

    with open_db(county_db) as ledger:
        out = export_table(ledger, "targets", tmp_path / "t.xlsx", year=2024, today=date(2024, 12, 31))
    rows = [r[3:5] for r in load_workbook(out["path"]).active.iter_rows(values_only=True)
            if r[0] == "净增" and r[2] == "乡镇"]
    assert rows[:-1] == [("秀水镇", 4)] + [(f"{name}（未登记）", n) for name, n in ALLOCATION.items() if name != "秀水镇"]
    assert rows[-1] == ("合计", sum(ALLOCATION.values()))  # the unregistered shares count in the total


# -- through packages --------------------------------------------------------------------------
template, world = world_fixtures("targets-late")


def new_township(tmp_path, county, code: str, name: str):
    """A township office set up with the county's certificate (not yet enrolled)."""
    cert = tmp_path / "county.cert.json"
    cert.write_text(json.dumps(certificates.export_certificate(county), ensure_ascii=False), "utf-8")
    town, _ = init_office(tmp_path / f"{code}.sgdb", role="township", name=name, area_code=code,
                          admin_user="admin", password=PASSWORD)
    certificates.pin_county_certificate(town, cert)
    town.insert("enterprises", {"credit_code": credit(77), "name": f"{name}企业", "township_code": code})
    return town


def test_an_enrolled_township_gets_its_share_and_every_township_its_own_target(world, tmp_path, env,
                                                                               capsys):
    c, a = world["C"], world["A"]  # 盂县 with 秀水镇 and 路家村镇
    policy.choose_profile(c, "yuxian")
    assert towns(policy.target_progress(c, 2024))["南娄镇"] == (1, False, None)
    nanlou = new_township(tmp_path, c, "140322102", "南娄镇")
    # enrolment: the county imports the new township's first package
    exported = sync_service.export_packages(nanlou, tmp_path / "usb")[0]
    sync_service.import_packages(c, [exported.path], accept_fingerprint=fingerprint(nanlou))
    line = next(t for t in policy.target_progress(c, 2024).townships if t.name == "南娄镇")
    assert line.target == 1
    # once enrolment records the township (#15 item 1) the line is its own; until then 未登记
    code = c.scalar("SELECT code FROM townships WHERE name = '南娄镇'")
    assert (line.registered, line.key) == (code is not None, code)
    # the county's packages carry each township its own target
    exchange(c, a, tmp_path / "usb")
    exchange(c, nanlou, tmp_path / "usb")
    assert towns(policy.target_progress(a, 2024))["秀水镇"] == (4, True, "140322100")
    assert a.scalar("SELECT net_increase FROM targets WHERE year = 2024 AND township_code = '140322100'") == 4
    assert towns(policy.target_progress(nanlou, 2024))["南娄镇"] == (1, True, "140322102")
    path = nanlou.path
    nanlou.close()
    lines = {t["name"]: t for t in targets_cli(capsys, path)["townships"]}
    assert (lines["南娄镇"]["target"], lines["南娄镇"]["registered"]) == (1, True)
