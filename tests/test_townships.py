"""#15 item 1: a township enrolled through its first package is a township of the county.

盂县 (140322) knows 秀水镇, 南娄镇 and 北下庄乡; 牛村镇 (140322104) sets up its ledger with the
county's certificate and sends its first package. Enrolling it must put 牛村镇 on the county's
list of townships (a tracked change that syncs), so its enterprises show their township,
`targets` lists it, a spreadsheet naming it by name or code finds it, and no spreadsheet makes
up a second 牛村镇. A ledger that already has such a twin is repaired by `townships merge`;
one enrolled before the fix gets the rows on upgrade (migration 0008).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from excel_build import credit, write_xlsx

from shengui_desktop.cli import main
from shengui_desktop.errors import UserError
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.excel import import_file
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.enterprises import list_enterprises, update_enterprise
from shengui_desktop.services.ledger.townships import (
    merge_townships,
    nearest_names,
    rename_township,
    township_lines,
)
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.services.policy import target_progress
from shengui_desktop.storage import enrolled, migrations
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.storage.ledger import reference_id
from shengui_desktop.sync import certificates
from shengui_desktop.sync.errors import ImportCancelled

from conftest import PASSWORD
from helpers import content_hash
from sync_helpers import fingerprint

NIUCUN = "140322104"
TWIN = "140322101"  # the code an earlier spreadsheet import made up for 牛村镇
KNOWN = {"140322100": "秀水镇", "140322102": "南娄镇", "140322200": "北下庄乡"}


@pytest.fixture
def cli_env(monkeypatch):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def set_up_township(folder: Path, county, name: str = "牛村镇", file: str = "niucun.sgdb"):
    folder.mkdir(parents=True, exist_ok=True)
    cert = folder / "county.cert.json"
    sync_service.export_certificate(county, cert)
    town, _ = init_office(folder / file, role="township", name=name, area_code=NIUCUN,
                          admin_user="admin", password=PASSWORD)
    certificates.pin_county_certificate(town, cert)
    return town


@pytest.fixture
def offices(tmp_path):
    """The county (three townships, none of them 牛村镇), 牛村镇 with two enterprises, and
    牛村镇's first package, not yet imported."""
    county, _ = init_office(tmp_path / "county.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    for code, name in KNOWN.items():
        reference.add_township(county, code, name)
    town = set_up_township(tmp_path / "niucun", county)
    for n in (1, 2):
        town.insert("enterprises", {"credit_code": credit(n), "name": f"盂县牛村第{n}机械厂",
                                    "township_code": NIUCUN})
    first = sync_service.export_packages(town, tmp_path / "usb")[0].path
    yield county, town, first
    county.close()
    town.close()


def enrol(county, town, first):
    return sync_service.import_packages(county, [first], accept_fingerprint=fingerprint(town))[0]


def townships(ledger) -> list[tuple[str, str]]:
    return [(r["code"], r["name"]) for r in ledger.rows("SELECT code, name FROM townships ORDER BY code")]


def exchange(sender, recipient, folder: Path):
    me = recipient.this_site()
    path = sync_service.export_packages(sender, folder, to=me["area_code"])[0].path
    return sync_service.import_packages(recipient, [path])[0]


# -- enrolment ---------------------------------------------------------------------------------
def test_a_township_enrolled_by_its_first_package_is_a_township_of_the_county(offices, tmp_path,
                                                                              cli_env, capsys):
    county, town, first = offices
    db = county.path
    county.close()
    code, out, err = run(capsys, "sync", "import", "--db", db, "--accept-new-site",
                         fingerprint(town), first)
    assert code == 0, err
    code, out, err = run(capsys, "list", "enterprises", "--db", db, "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["credit_code"], r["township_code"], r["township_name"]) for r in rows] == [
        (credit(1), NIUCUN, "牛村镇"), (credit(2), NIUCUN, "牛村镇")]
    code, out, err = run(capsys, "targets", "--db", db, "--year", "2026", "--json")
    assert code == 0, err
    assert "牛村镇" in [t["name"] for t in json.loads(out)["townships"]]
    code, out, err = run(capsys, "townships", "list", "--db", db, "--json")
    listed = {t["code"]: t for t in json.loads(out)}
    assert listed[NIUCUN] == {"code": NIUCUN, "name": "牛村镇", "enterprises": 2, "targets": 0,
                              "enrolled": True, "office": "牛村镇", "same_name": []}
    code, out, err = run(capsys, "townships", "list", "--db", db)
    assert f"{NIUCUN}  牛村镇  企业2户  已登记（牛村镇）" in out and "共4个乡镇" in out

    with open_ledger(db, passphrase=PASSWORD) as county:
        # a tracked insert by the county, with the id the township made for its own row
        entry = county.one("SELECT * FROM change_entries WHERE tbl = 'townships' AND row_id = ?",
                           (reference_id("township", NIUCUN),))
        assert entry["op"] == "i" and entry["site_id"] == county.site_id
        assert json.loads(entry["data"]) == {"code": NIUCUN, "name": "牛村镇"}
        # it travels: the township meets it as its own row, without a conflict or a second row
        result = exchange(county, town, tmp_path / "usb2")
        assert result.conflicts == 0
        assert townships(town) == sorted([(NIUCUN, "牛村镇"), *KNOWN.items()])
        assert town.scalar("SELECT count(*) FROM sync_conflicts") == 0


def test_several_townships_enrolled_in_one_import_each_join_the_list(offices, tmp_path):
    county, town, first = offices
    other, _ = init_office(tmp_path / "shangshe.sgdb", role="township", name="上社镇",
                           area_code="140322106", admin_user="admin", password=PASSWORD)
    try:
        certificates.pin_county_certificate(other, tmp_path / "niucun" / "county.cert.json")
        other.insert("enterprises", {"credit_code": credit(40), "name": "盂县上社铸造厂",
                                     "township_code": "140322106"})
        second = sync_service.export_packages(other, tmp_path / "usb2")[0].path
        sync_service.import_packages(county, [first, second],
                                     accept_fingerprint=[fingerprint(town), fingerprint(other)])
        assert townships(county) == sorted([(NIUCUN, "牛村镇"), ("140322106", "上社镇"), *KNOWN.items()])
        assert {r["credit_code"]: r["township_name"] for r in list_enterprises(county)} == {
            credit(1): "牛村镇", credit(2): "牛村镇", credit(40): "上社镇"}
    finally:
        other.close()


def test_enrolment_keeps_a_row_the_county_has_and_names_a_twin(offices):
    county, town, first = offices
    reference.add_township(county, NIUCUN, "牛村")  # the county's own spelling: kept
    reference.add_township(county, TWIN, "牛 村 镇")  # a twin an old import made up
    result = enrol(county, town, first)
    assert county.scalar("SELECT name FROM townships WHERE code = ?", (NIUCUN,)) == "牛村"
    assert county.scalar("SELECT count(*) FROM townships WHERE code = ?", (NIUCUN,)) == 1
    assert result.warnings == []  # 牛村 is not the name of the certificate, 牛村镇
    county.update("townships", reference_id("township", NIUCUN), {"name": "牛村镇"})
    # a second office cannot enrol under the code, but the note names the twin when one does:
    notes = certificates.township_notes(county, {"area_code": NIUCUN, "name": "牛村镇"})
    assert notes and f"shengui townships merge {TWIN} --into {NIUCUN}" in notes[0]


def test_enrolment_reports_a_twin_the_spreadsheet_made_up(offices):
    county, town, first = offices
    reference.add_township(county, TWIN, "牛村镇")
    result = enrol(county, town, first)
    assert townships(county) == sorted([(TWIN, "牛村镇"), (NIUCUN, "牛村镇"), *KNOWN.items()])
    assert len(result.warnings) == 1
    assert f"同名乡镇“牛村镇”（代码{TWIN}）" in result.warnings[0]
    assert f"shengui townships merge {TWIN} --into {NIUCUN}" in result.message


def test_rekeying_keeps_the_township_row(offices, tmp_path):
    county, town, first = offices
    enrol(county, town, first)
    row = county.one("SELECT * FROM townships WHERE code = ?", (NIUCUN,))
    log = county.scalar("SELECT count(*) FROM change_log WHERE tbl = 'townships'")
    reinstalled = set_up_township(tmp_path / "reinstalled", county, file="niucun2.sgdb")
    try:
        path = sync_service.export_packages(reinstalled, tmp_path / "usb2")[0].path
        sync_service.rekey_site(county, [path], area_code=NIUCUN, fingerprint=fingerprint(reinstalled))
        assert county.rows("SELECT * FROM townships WHERE code = ?", (NIUCUN,)) == [row]
        assert county.scalar("SELECT count(*) FROM change_log WHERE tbl = 'townships'") == log
        assert {r["township_name"] for r in list_enterprises(county)} == {"牛村镇"}
    finally:
        reinstalled.close()


# -- spreadsheets ------------------------------------------------------------------------------
def test_a_list_naming_the_enrolled_township_by_name_or_code_makes_no_twin(offices, tmp_path,
                                                                           cli_env, capsys):
    county, town, first = offices
    enrol(county, town, first)
    before = townships(county)
    by_name = write_xlsx(tmp_path / "2025年规下工业企业名单.xlsx", [
        ["2025年规下工业企业名单"],
        ["企业名称", "统一社会信用代码", "所属乡镇", "2025年营业收入（万元）"],
        ["盂县牛村第1机械厂", credit(1), "牛村镇", 1800],
        ["盂县牛村新材料有限公司", credit(10), " 牛 村 镇 ", 900],
        ["盂县牛村食品有限公司", credit(11), "盂县牛村镇", 300]])
    db = county.path
    county.close()
    code, out, err = run(capsys, "excel", "import", "--db", db, by_name, "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["applied"] and done["new_townships"] == [] and done["unknown_townships"] == []
    by_code = write_xlsx(tmp_path / "区划.xlsx", [
        ["企业名称", "统一社会信用代码", "区划代码"],
        ["盂县牛村第2机械厂", credit(2), NIUCUN],
        ["盂县牛村化工有限公司", credit(12), NIUCUN + "000"]])  # the 12-digit 统计用区划代码
    code, out, err = run(capsys, "excel", "import", "--db", db, by_code)
    assert code == 0, err
    assert "新建乡镇" not in out
    with open_ledger(db, passphrase=PASSWORD) as county:
        assert townships(county) == before
        towns = dict(county.conn.execute("SELECT credit_code, township_code FROM enterprises"))
        assert towns == {credit(n): NIUCUN for n in (1, 2, 10, 11, 12)}


def test_an_unknown_name_is_a_finding_with_the_nearest_names_and_nothing_is_written(
        offices, tmp_path, cli_env, capsys):
    county, town, first = offices
    enrol(county, town, first)
    path = write_xlsx(tmp_path / "名单.xlsx", [
        ["企业名称", "统一社会信用代码", "所属乡镇"],
        ["盂县刘村机械厂", credit(20), "刘村镇"],
        ["盂县刘村铸造厂", credit(21), "刘村镇"],
        ["盂县北下庄耐材厂", credit(22), "北下庄镇"],
        ["盂县秀水机械厂", credit(23), "秀水镇"]])
    db = county.path
    before = content_hash(county), county.scalar("SELECT count(*) FROM change_log")
    county.close()
    for dry in (["--dry-run"], []):
        code, out, err = run(capsys, "excel", "import", "--db", db, path, "--json", *dry)
        assert code == 2
        done = json.loads(out)
        assert not done["applied"] and done["new_townships"] == []
        unknown = {t["name"]: t for t in done["unknown_townships"]}
        assert set(unknown) == {"刘村镇", "北下庄镇"} and unknown["刘村镇"]["rows"] == 2
        assert unknown["刘村镇"]["nearest"][0] == "牛村镇"
        assert unknown["北下庄镇"]["nearest"][0] == "北下庄乡"
        assert [p["row"] for p in done["problems"]] == [2, 3, 4]
        assert "最接近的有：牛村镇" in done["problems"][0]["message"]
        assert "--create-townships" in done["problems"][0]["message"]
    code, out, err = run(capsys, "excel", "import", "--db", db, path)
    assert code == 2 and "本台账没有乡镇“刘村镇”（2行），最接近的有：牛村镇" in err
    with open_ledger(db, passphrase=PASSWORD) as county:
        assert (content_hash(county), county.scalar("SELECT count(*) FROM change_log")) == before

    # confirmed: created, under codes no township and no enrolled office has, and listed
    code, out, err = run(capsys, "excel", "import", "--db", db, path, "--create-townships")
    assert code == 0, err
    assert "已新建乡镇：刘村镇（代码140322101，临时分配，请核对）" in out
    with open_ledger(db, passphrase=PASSWORD) as county:
        made = dict((name, code) for code, name in townships(county))
        assert made["刘村镇"] == "140322101" and made["北下庄镇"] == "140322103"
        assert made["牛村镇"] == NIUCUN


def test_the_service_takes_create_townships(offices, tmp_path):
    county, town, first = offices
    enrol(county, town, first)
    path = write_xlsx(tmp_path / "t.xlsx", [["企业名称", "统一社会信用代码", "所属乡镇", "乡镇代码"],
                                            ["甲公司", credit(30), "上社镇", "140322106"]])
    refused = import_file(county, path)
    assert not refused.ok and refused.unknown_townships == [
        {"name": "上社镇", "code": "140322106", "nearest": refused.unknown_townships[0]["nearest"],
         "rows": 1}]
    result = import_file(county, path, create_townships=True)
    assert result.ok, result.problem_lines()
    assert [(t["name"], t["code"], t["allocated"]) for t in result.new_townships] == [
        ("上社镇", "140322106", False)]
    assert county.scalar("SELECT id FROM townships WHERE code = '140322106'") == \
        reference_id("township", "140322106")


def test_a_code_the_list_lacks_beside_a_name_it_knows_is_a_problem(offices, tmp_path):
    county, town, first = offices
    enrol(county, town, first)
    path = write_xlsx(tmp_path / "t.xlsx", [["企业名称", "统一社会信用代码", "所属乡镇", "乡镇代码"],
                                            ["甲公司", credit(30), "牛村镇", TWIN]])
    result = import_file(county, path, create_townships=True)
    assert not result.ok
    assert f"本台账的“牛村镇”代码为{NIUCUN}" in result.problems[0].message
    assert county.scalar("SELECT count(*) FROM townships WHERE code = ?", (TWIN,)) == 0


def test_nearest_names_by_character_and_by_sound():
    names = ["秀水镇", "路家村镇", "南娄镇", "牛村镇", "北下庄乡", "上社镇", "西潘乡"]
    assert nearest_names("刘村镇", names)[0] == "牛村镇"
    assert nearest_names("北夏庄乡", names)[0] == "北下庄乡"
    assert nearest_names("路家村", names, limit=2)[0] == "路家村镇"
    assert len(nearest_names("镇", names)) == 5


# -- repairing a twin --------------------------------------------------------------------------
def test_a_twin_is_merged_into_the_real_township_and_its_packages_import(offices, tmp_path,
                                                                        cli_env, capsys):
    """The state an earlier version left: a list naming 牛村镇 made 牛村镇 (140322101) and
    moved the township's enterprise there; the county's package told the township it had
    gone. Merging brings it back, everywhere, by ordinary synced changes."""
    county, town, first = offices
    enrol(county, town, first)
    reference.add_township(county, TWIN, "牛村镇")
    e1 = county.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (credit(1),))
    county.update("enterprises", e1, {"township_code": TWIN})
    reference.set_target(county, {"year": 2026, "scope": "township", "township_code": TWIN,
                                  "net_increase": 1})
    exchange(county, town, tmp_path / "usb1")
    assert [r["name"] for r in list_enterprises(town)] == ["盂县牛村第2机械厂"]  # e1 has "gone"
    db = county.path
    county.close()

    code, out, err = run(capsys, "townships", "list", "--db", db, "--json")
    listed = {t["code"]: t for t in json.loads(out)}
    assert listed[TWIN]["same_name"] == [NIUCUN] and listed[NIUCUN]["same_name"] == [TWIN]
    assert not listed[TWIN]["enrolled"] and listed[TWIN]["enterprises"] == 1
    code, out, err = run(capsys, "townships", "list", "--db", db)
    assert f"shengui townships merge {TWIN} --into {NIUCUN}" in out
    # the enrolled township is never the one merged away
    code, out, err = run(capsys, "townships", "merge", "--db", db, NIUCUN, "--into", TWIN)
    assert code == 2 and "已登记单位“牛村镇”的区划代码" in err
    code, out, err = run(capsys, "townships", "merge", "--db", db, TWIN, "--into", NIUCUN, "--dry-run")
    assert code == 0 and "试运行" in out and "移入企业1户、目标1条" in out
    with open_ledger(db, passphrase=PASSWORD) as county:
        assert county.scalar("SELECT count(*) FROM townships WHERE code = ?", (TWIN,)) == 1
    code, out, err = run(capsys, "townships", "merge", "--db", db, TWIN, "--into", NIUCUN, "--json")
    assert code == 0, err
    assert json.loads(out) == {"from": {"code": TWIN, "name": "牛村镇"},
                               "into": {"code": NIUCUN, "name": "牛村镇"}, "enterprises": 1,
                               "targets_moved": [2026], "targets_dropped": [], "dry_run": False}

    with open_ledger(db, passphrase=PASSWORD) as county:
        assert townships(county) == sorted([(NIUCUN, "牛村镇"), *KNOWN.items()])
        assert county.get("enterprises", e1)["township_code"] == NIUCUN
        assert [(t.name, t.target) for t in target_progress(county, 2026).townships
                if t.key == NIUCUN] == [("牛村镇", 1)]
        # the county's next package brings the township its enterprise back, and the twin goes
        result = exchange(county, town, tmp_path / "usb2")
        assert result.conflicts == 0
        assert townships(town) == townships(county)
        assert [r["name"] for r in list_enterprises(town)] == ["盂县牛村第1机械厂", "盂县牛村第2机械厂"]
        assert town.get("enterprises", e1)["township_code"] == NIUCUN
        # and the township's next package, touching that enterprise, imports
        update_enterprise(town, e1, {"address": "牛村镇东街1号"})
        town.insert("visits", {"enterprise_id": e1, "visit_date": "2026-11-20", "visitors": "张三",
                               "summary": "回访"})
        result = exchange(town, county, tmp_path / "usb3")
        assert result.warnings == []
        assert county.get("enterprises", e1)["address"] == "牛村镇东街1号"
        assert county.scalar("SELECT count(*) FROM visits WHERE enterprise_id = ?", (e1,)) == 1


def test_merge_keeps_the_real_townships_target_and_lists_the_other(offices):
    county, town, first = offices
    enrol(county, town, first)
    reference.add_township(county, TWIN, "牛村镇")
    for code, n in ((TWIN, 2), (NIUCUN, 1)):
        reference.set_target(county, {"year": 2026, "scope": "township", "township_code": code,
                                      "net_increase": n})
    reference.set_target(county, {"year": 2027, "scope": "township", "township_code": TWIN,
                                  "net_increase": 3})
    done = merge_townships(county, TWIN, NIUCUN)
    assert done["targets_moved"] == [2027]
    assert done["targets_dropped"] == [{"year": 2026, "net_increase": 2, "kept": 1}]
    assert county.rows("SELECT year, township_code, net_increase FROM targets ORDER BY year") == [
        {"year": 2026, "township_code": NIUCUN, "net_increase": 1},
        {"year": 2027, "township_code": NIUCUN, "net_increase": 3}]


def test_merge_and_rename_refuse_what_would_break_the_list(offices, township):
    county, town, first = offices
    enrol(county, town, first)
    with pytest.raises(UserError, match="不能把乡镇合并到它自己"):
        merge_townships(county, NIUCUN, NIUCUN)
    with pytest.raises(UserError, match="乡镇代码140322999不在本台账的乡镇列表中"):
        merge_townships(county, "140322999", NIUCUN)
    with pytest.raises(UserError, match="已有乡镇“秀水镇”（代码140322100）"):
        rename_township(county, "140322102", "秀水镇")
    with pytest.raises(UserError, match="乡镇名称不能为空"):
        rename_township(county, "140322102", "  ")
    with pytest.raises(UserError, match="只能由县级修改"):
        rename_township(township, "140322100", "秀水")
    assert township_lines(county)[0]["code"] == "140322100"


def test_rename_is_a_tracked_change(offices, tmp_path, cli_env, capsys):
    county, town, first = offices
    enrol(county, town, first)
    db = county.path
    county.close()
    code, out, err = run(capsys, "townships", "rename", "--db", db, "140322102", "南娄镇（新）")
    assert code == 0 and "已将乡镇140322102“南娄镇”改名为“南娄镇（新）”" in out
    with open_ledger(db, passphrase=PASSWORD) as county:
        entry = county.one("SELECT * FROM change_entries WHERE tbl = 'townships' AND op = 'u'")
        assert json.loads(entry["data"]) == {"name": "南娄镇（新）"}
        exchange(county, town, tmp_path / "usb2")
        assert town.scalar("SELECT name FROM townships WHERE code = '140322102'") == "南娄镇（新）"


# -- upgrade -----------------------------------------------------------------------------------
def upgrade_to_8_only(monkeypatch) -> None:
    """These ledgers are made at the latest schema and marked 7 again: only migration 0008 is
    run on them (the later ones would change tables that already have their changes)."""
    shipped = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda: [m for m in shipped if m[0] <= 8])


def as_before_the_fix(county, town, first, monkeypatch) -> Path:
    """A county that enrolled 牛村镇 with an earlier version: no township row, schema 7."""
    with monkeypatch.context() as m:
        m.setattr(enrolled, "add_office_township", lambda *a, **k: None)
        enrol(county, town, first)
    assert county.scalar("SELECT count(*) FROM townships WHERE code = ?", (NIUCUN,)) == 0
    upgrade_to_8_only(monkeypatch)
    county.conn.execute("PRAGMA user_version = 7")
    path = county.path
    county.close()
    return path


def test_upgrade_gives_enrolled_townships_their_rows(offices, monkeypatch, tmp_path):
    county, town, first = offices
    path = as_before_the_fix(county, town, first, monkeypatch)
    with open_ledger(path, passphrase=PASSWORD) as county:
        assert migrations.current_version(county.conn) == migrations.latest_version() >= 8
        assert county.scalar("SELECT name FROM townships WHERE code = ?", (NIUCUN,)) == "牛村镇"
        entry = county.one("SELECT * FROM change_entries WHERE tbl = 'townships' AND row_id = ?",
                           (reference_id("township", NIUCUN),))
        assert entry["op"] == "i" and entry["site_id"] == county.site_id
        assert county.meta(enrolled.PENDING) is None
        assert county.verify() == []
        assert {r["township_name"] for r in list_enterprises(county)} == {"牛村镇"}
        log = county.scalar("SELECT count(*) FROM change_log")
        result = exchange(county, town, tmp_path / "usb2")
        assert result.conflicts == 0 and (NIUCUN, "牛村镇") in townships(town)
    assert list(path.parent.glob("county.sgdb.v7-*.bak"))
    with open_ledger(path, passphrase=PASSWORD) as county:  # once only
        assert county.scalar("SELECT count(*) FROM change_log") == log


def test_an_upgrade_stopped_before_the_rows_writes_them_at_the_next_opening(offices, monkeypatch):
    county, town, first = offices
    path = as_before_the_fix(county, town, first, monkeypatch)

    def crash(*a, **k):
        raise RuntimeError("断电")

    with monkeypatch.context() as m:
        m.setattr(enrolled, "add_office_township", crash)
        with pytest.raises(RuntimeError):
            open_ledger(path, passphrase=PASSWORD)
    with open_ledger(path, passphrase=PASSWORD, migrate=False) as county:
        assert migrations.current_version(county.conn) == migrations.latest_version()
        assert county.meta(enrolled.PENDING) == "1"
        assert county.scalar("SELECT count(*) FROM townships WHERE code = ?", (NIUCUN,)) == 0
    with open_ledger(path, passphrase=PASSWORD) as county:
        assert county.scalar("SELECT count(*) FROM townships WHERE code = ?", (NIUCUN,)) == 1
        assert county.meta(enrolled.PENDING) is None


def test_the_upgrade_leaves_other_ledgers_alone(offices, tmp_path, monkeypatch):
    county, town, first = offices
    enrol(county, town, first)
    upgrade_to_8_only(monkeypatch)
    for ledger in (county, town):
        ledger.conn.execute("PRAGMA user_version = 7")
    paths = [county.path, town.path]
    before = [(content_hash(x), x.scalar("SELECT count(*) FROM change_log")) for x in (county, town)]
    county.close()
    town.close()
    for path, (digest, log) in zip(paths, before):
        copy = tmp_path / f"copy-{path.name}"
        shutil.copy(path, copy)
        shutil.copy(keys_path_for(path), keys_path_for(copy))
        with open_ledger(copy, passphrase=PASSWORD) as ledger:
            assert ledger.meta(enrolled.PENDING) is None
            assert (content_hash(ledger), ledger.scalar("SELECT count(*) FROM change_log")) == (digest, log)


def test_an_enrolment_that_does_not_finish_leaves_no_township_row(offices):
    """The row is written in the import's one transaction: a cancelled import enrols no one
    and adds no township."""
    county, town, first = offices
    with pytest.raises(ImportCancelled):
        sync_service.import_packages(county, [first], accept_fingerprint=fingerprint(town),
                                     cancel=lambda: True)
    assert county.scalar("SELECT count(*) FROM townships WHERE code = ?", (NIUCUN,)) == 0
    assert county.scalar("SELECT count(*) FROM sites WHERE area_code = ?", (NIUCUN,)) == 0
