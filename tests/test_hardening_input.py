"""Issue 19, item 5: text and values that should not get in.

Names and codes with control characters, terminal escapes, bidi overrides or zero-width
characters are refused with a clear message by one domain check (domain/text.name_problem)
that every service taking a name uses, the spreadsheet import included (a finding per row);
names have length limits. Visits dated 0001-01-01, figures for 2099, `--deadline` without
`--issue` are refused; an unknown department lists the known ones; a tampered format version
says damaged; package file names cannot carry a hidden character.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from conftest import PASSWORD
from excel_build import credit, write_csv, write_xlsx
from shengui_desktop.cli import main
from shengui_desktop.domain.records import validate_enterprise, validate_monthly_figure, validate_visit
from shengui_desktop.domain.text import NAME_LIMITS, hidden_characters, name_problem, shown
from shengui_desktop.errors import UserError, ValidationError
from shengui_desktop.services.excel import import_file
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.enterprises import create_enterprise, update_enterprise
from shengui_desktop.services.ledger.figures import record_month
from shengui_desktop.services.ledger.townships import rename_township
from shengui_desktop.services.ledger.visits import add_visit
from shengui_desktop.services.office import users
from shengui_desktop.services.office.setup import init_office

# what a pasted or hostile name may hide, by what it does
HOSTILE = {
    "escape": "恒达\x1b[2J\x1b[31m机械有限公司",    # clears and recolours a terminal
    "bell": "恒达机械\x07有限公司",
    "null": "恒达\x00机械有限公司",
    "del": "恒达机械\x7f有限公司",
    "c1": "恒达机械\x9b31m有限公司",                  # the one-byte CSI
    "rlo": "恒达机械有限公司\u202eexe.fdp",           # right-to-left override
    "rli": "恒达\u2067机械\u2069有限公司",            # isolates
    "lrm": "恒达\u200e机械有限公司",
    "zwsp": "恒达\u200b机械有限公司",                 # looks the same as the real one
    "zwj": "恒达\u200d机械有限公司",
    "bom": "\ufeff恒达机械有限公司",
    "soft hyphen": "恒达\u00ad机械有限公司",
    "word joiner": "恒达\u2060机械有限公司",
    "lone surrogate": "恒达\udcff机械有限公司",       # bytes that were not UTF-8
}
GOOD = ["盂县晋航（山西）耐材有限公司", "山西 ABC-12 科技有限公司", "阳泉市·盂县 恒达", "\ue000秀"]


def test_the_domain_check_refuses_what_hides_and_keeps_what_is_written():
    for what, name in HOSTILE.items():
        problem = name_problem(name, "企业名称", "enterprise")
        assert problem and "不可见或改变文字方向的字符" in problem, what
        assert "U+" in problem
        # the message itself shows nothing hidden: it is safe on a terminal
        assert not hidden_characters(problem), what
    for name in GOOD:  # brackets, spaces, Latin, a private-use rare character: fine
        assert name_problem(name, "企业名称", "enterprise") is None, name
    assert "最多100个字" in name_problem("恒" * 101, "企业名称", "enterprise")
    assert name_problem("恒" * 100, "企业名称", "enterprise") is None
    assert "最多40个字" in name_problem("秀" * 300, "乡镇名称", "township")
    assert shown("a\x1bb\u202ec") == "a\\u001bb\\u202ec"
    assert set(NAME_LIMITS) >= {"enterprise", "township", "department", "person", "user", "office"}


def test_enterprise_names_and_people_are_checked_by_the_validation(county):
    for what, name in HOSTILE.items():
        with pytest.raises(ValidationError) as refused:
            create_enterprise(county, {"name": name, "credit_code": credit(1),
                                       "township_code": "140322100"})
        assert "企业名称" in str(refused.value), what
    for field, label in (("legal_person", "法定代表人"), ("contact_person", "联系人"),
                         ("liaison_cadre", "包联干部")):
        with pytest.raises(ValidationError, match=label):
            validate_enterprise({"name": "甲公司", "credit_code": credit(1), "township_code": "140322100",
                                 field: "张\u202e三"})
        with pytest.raises(ValidationError, match="最多40个字"):
            validate_enterprise({"name": "甲公司", "credit_code": credit(1), "township_code": "140322100",
                                 field: "张" * 41})
    assert county.scalar("SELECT count(*) FROM enterprises") == 0
    ent, _ = create_enterprise(county, {"name": "甲公司", "credit_code": credit(1), "township_code": "140322100"})
    with pytest.raises(ValidationError, match="企业名称"):
        update_enterprise(county, ent, {"name": "甲\u200b公司"})
    assert county.scalar("SELECT name FROM enterprises") == "甲公司"


def test_townships_departments_and_offices_are_checked(county, tmp_path):
    for name in ("南\x1b[0m娄镇", "南娄\u202e镇", "南娄镇\u200b", "南" * 41):
        with pytest.raises(ValidationError, match="乡镇名称"):
            reference.add_township(county, "140322102", name)
        with pytest.raises(ValidationError, match="乡镇名称"):
            rename_township(county, "140322100", name)
        with pytest.raises(ValidationError, match="部门名称"):
            reference.add_department(county, name.replace("镇", "局"))
    assert county.scalar("SELECT name FROM townships WHERE code = '140322100'") == "秀水镇"
    assert county.scalar("SELECT count(*) FROM townships") == 2
    with pytest.raises(UserError, match="单位名称"):
        init_office(tmp_path / "x.sgdb", role="county", name="盂\u202e县", area_code="140322",
                    admin_user="admin", password=PASSWORD)
    with pytest.raises(UserError, match="单位名称过长"):
        init_office(tmp_path / "x.sgdb", role="county", name="盂" * 41, area_code="140322",
                    admin_user="admin", password=PASSWORD)
    with pytest.raises(UserError, match="用户名"):
        init_office(tmp_path / "x.sgdb", role="county", name="盂县", area_code="140322",
                    admin_user="ad\u200bmin", password=PASSWORD)
    with pytest.raises(UserError, match="区划代码"):  # full-width digits are digits to isdigit()
        init_office(tmp_path / "x.sgdb", role="county", name="盂县", area_code="１４０３２２",
                    admin_user="admin", password=PASSWORD)
    assert not (tmp_path / "x.sgdb").exists()


def test_users_are_checked(county):
    for name in ("li\u200bsi", "li\x1bsi", "li\u202esi", "l" * 33):
        with pytest.raises(UserError, match="用户名"):
            users.add_user(county, name, "long-password-1", role="县级查看")
    with pytest.raises(UserError, match="姓名"):
        users.add_user(county, "lisi", "long-password-1", role="县级查看", display_name="李\u202e四")
    assert [u.username for u in users.list_users(county)] == ["admin"]


def test_visitors_are_checked_and_visit_dates_bounded(county):
    ent, _ = create_enterprise(county, {"name": "甲公司", "credit_code": credit(1), "township_code": "140322100"})
    with pytest.raises(ValidationError, match="走访人员"):
        add_visit(county, ent, {"visit_date": "2026-01-05", "visitors": "张三\x1b[8m", "summary": "走访"})
    for day in ("0001-01-01", "1999-12-31"):
        with pytest.raises(ValidationError, match="过早"):
            add_visit(county, ent, {"visit_date": day, "visitors": "张三", "summary": "走访"})
    with pytest.raises(ValidationError, match="晚于今天"):
        validate_visit({"visit_date": date(date.today().year + 1, 1, 1).isoformat(), "visitors": "张三",
                        "summary": "走访"})
    assert validate_visit({"visit_date": "2000-01-01", "visitors": "张三", "summary": "走访"})
    assert county.scalar("SELECT count(*) FROM visits") == 0


def test_monthly_figures_beyond_next_year_are_refused(county):
    ent, _ = create_enterprise(county, {"name": "甲公司", "credit_code": credit(1), "township_code": "140322100"})
    next_year = date.today().year + 1
    for period in ("2099-01", f"{next_year + 1}-01", "1999-12"):
        with pytest.raises(ValidationError, match="超出合理范围"):
            record_month(county, ent, period, {"revenue": 1000})
    assert validate_monthly_figure({"period": f"{next_year}-12", "revenue": 1})["period"] == f"{next_year}-12"
    assert county.scalar("SELECT count(*) FROM monthly_figures") == 0


def test_spreadsheet_import_reports_each_bad_row_and_imports_none_of_them(county, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "所属乡镇", "联系人"],
            ["好公司", credit(1), "秀水镇", "王伟"],
            [HOSTILE["escape"], credit(2), "秀水镇", "王伟"],
            [HOSTILE["rlo"], credit(3), "秀水镇", None],
            ["丙公司", credit(4), "秀水镇", "王\u200b伟"],
            ["丁公司" * 40, credit(5), "秀水镇", None]]
    # a CSV carries the escape character (an xlsx cannot hold control characters)
    result = import_file(county, write_csv(tmp_path / "名单.csv", rows))
    assert not result.ok and not result.applied
    by_row = {p.row: p.message for p in result.problems}
    assert set(by_row) == {3, 4, 5, 6}, result.problem_lines()
    assert "不可见" in by_row[3] and "不可见" in by_row[4] and "联系人" in by_row[5]
    assert "最多100个字" in by_row[6]
    assert all(not hidden_characters(line) for line in result.problem_lines())
    assert county.scalar("SELECT count(*) FROM enterprises") == 0
    # the same rows without the escape, as an xlsx: the same findings for the others
    rows[2][0] = "乙公司\u2066"
    result = import_file(county, write_xlsx(tmp_path / "名单.xlsx", rows))
    assert {p.row for p in result.problems} == {3, 4, 5, 6}, result.problem_lines()
    assert county.scalar("SELECT count(*) FROM enterprises") == 0


def test_spreadsheet_import_refuses_a_new_township_with_a_hidden_character(county, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "所属乡镇"], ["甲公司", credit(1), "南\u202e娄镇"]]
    result = import_file(county, write_xlsx(tmp_path / "t.xlsx", rows), create_townships=True)
    assert not result.ok and "乡镇名称" in result.problem_lines()[0]
    assert county.scalar("SELECT count(*) FROM townships") == 2


def test_spreadsheet_figures_for_2099_are_refused(county, tmp_path):
    create_enterprise(county, {"name": "甲公司", "credit_code": credit(1), "township_code": "140322100"})
    for rows in ([["统一社会信用代码", "月份", "营业收入（万元）"], [credit(1), "2099-03", 10]],
                 [["统一社会信用代码", "年份", "月", "营业收入（万元）"], [credit(1), 2099, 3, 10]],
                 [["统一社会信用代码", "年份", "月", "营业收入（万元）"], [credit(1), 1990, 3, 10]]):
        result = import_file(county, write_xlsx(tmp_path / "f.xlsx", rows))
        assert not result.ok, rows
        assert any("年份" in line for line in result.problem_lines()), result.problem_lines()
    assert county.scalar("SELECT count(*) FROM monthly_figures") == 0


def test_an_unknown_department_lists_the_known_ones(county, tmp_path):
    with pytest.raises(UserError) as refused:
        reference.department_id(county, "财政局")
    assert "请改为已有的部门：工信局、开发区" in str(refused.value)
    rows = [["企业名称", "统一社会信用代码", "所属乡镇", "责任单位"], ["甲公司", credit(1), "秀水镇", "财政局"]]
    result = import_file(county, write_xlsx(tmp_path / "d.xlsx", rows))
    assert "请改为已有的部门：工信局" in result.problem_lines()[0]


def test_with_no_departments_the_message_says_how_to_add_one(township, tmp_path):
    with pytest.raises(UserError) as refused:
        reference.department_id(township, "财政局")
    message = str(refused.value)
    assert "还没有任何部门" in message and "或改为：" not in message and "：；" not in message
    township.insert("townships", {"code": "140322100", "name": "秀水镇"}) if not township.scalar(
        "SELECT 1 FROM townships") else None
    rows = [["企业名称", "统一社会信用代码", "所属乡镇", "责任单位"], ["甲公司", credit(1), "秀水镇", "财政局"]]
    result = import_file(township, write_xlsx(tmp_path / "d.xlsx", rows))
    assert any("还没有任何部门" in line for line in result.problem_lines()), result.problem_lines()


# -- the command line ----------------------------------------------------------------------------

@pytest.fixture
def cli_db(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", "cli-pass-123")
    db = tmp_path / "c.sgdb"
    assert main(["init", "--db", str(db), "--role", "county", "--name", "盂县", "--area-code", "140322"]) == 0
    assert main(["demo", "--db", str(db), "--enterprises", "3", "--townships", "1", "--as-of", "2026-11-23"]) == 0
    capsys.readouterr()
    return db


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out + err


def test_deadline_or_department_without_an_issue_is_refused(cli_db, capsys):
    code_of = json.loads(run(capsys, "list", "enterprises", "--db", cli_db, "--json")[1])[0]["credit_code"]
    visits = run(capsys, "verify", "--db", cli_db, "--json")[1]
    for extra in (["--deadline", "2026-12-31"], ["--department", "工信局"]):
        code, out = run(capsys, "visit", "add", "--db", cli_db, "--credit-code", code_of, "--visitors", "张三",
                        "--summary", "走访", "--date", "2026-11-20", *extra)
        assert code == 2 and "须与 --issue 一起使用" in out and "走访未记录" in out
    assert run(capsys, "verify", "--db", cli_db, "--json")[1] == visits
    code, _ = run(capsys, "visit", "add", "--db", cli_db, "--credit-code", code_of, "--visitors", "张三",
                  "--summary", "走访", "--date", "2026-11-20", "--issue", "融资:缺少资金", "--deadline", "2026-12-31")
    assert code == 0


def test_demo_with_a_negative_count_is_refused(cli_db, capsys):
    with pytest.raises(SystemExit) as refused:
        main(["demo", "--db", str(cli_db), "--enterprises", "-5"])
    assert refused.value.code == 2 and "企业数应为正整数" in capsys.readouterr().err


def test_list_never_prints_a_hidden_character_raw(cli_db, capsys):
    """A name from before the check (written straight to the ledger here) is shown escaped."""
    from shengui_desktop.storage.files import open_ledger

    with open_ledger(cli_db, passphrase="cli-pass-123") as ledger:
        ent = ledger.scalar("SELECT id FROM enterprises ORDER BY credit_code LIMIT 1")
        ledger.update("enterprises", ent, {"name": "甲\x1b[2J公司\u202e"})
    code, out = run(capsys, "list", "enterprises", "--db", cli_db)
    assert code == 0 and "甲\\u001b[2J公司\\u202e" in out
    assert not hidden_characters(out.replace("\n", ""))


# -- packages ------------------------------------------------------------------------------------

def test_a_tampered_format_version_says_damaged(tmp_path):
    from shengui_desktop.sync import package
    from shengui_desktop.sync.errors import PackageRejected

    manifest = {"format": "sgpkg", "package_id": "x" * 32, "created_at": "2026-11-23T10:00:00",
                "package_no": 1, "schema_version": 1, "created_hlc": 1, "entries": 0,
                "sender": {"site_id": "a", "name": "秀水镇", "area_code": "140322100"},
                "recipient": {"site_id": "b", "name": "盂县", "area_code": "140322"},
                "version_vector": {}, "counts": {}, "payload": {"sha256": "0" * 64, "size": 0}}
    for version, reason, words in ((10 ** 9, "manifest", "改动或损坏"), (0, "manifest", "改动或损坏"),
                                   (-3, "manifest", "改动或损坏"), (2, "version", "升级")):
        path = package.write(tmp_path / f"v{version}.sgpkg",
                             json.dumps({**manifest, "format_version": version}).encode(), "sig", b"")
        with pytest.raises(PackageRejected) as refused:
            package.read(path)
        assert refused.value.reason == reason and words in str(refused.value), version
    path = package.write(tmp_path / "ok.sgpkg", json.dumps({**manifest, "format_version": 1}).encode(),
                         "sig", b"")
    assert package.read(path).manifest["format_version"] == 1
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == sorted(package.NAMES)


def test_package_file_names_are_made_of_codes_only():
    """Issue 19 item 5: the file name is the area codes and the number, ASCII only; a
    peer's name (a right-to-left override, a zero-width character, 300 characters) never
    gets into it, nor a code that is not letters and digits."""
    from shengui_desktop.sync import exporter

    me = {"area_code": "140322", "name": "盂县"}
    peer = {"area_code": "140322100", "name": "秀水镇\u202egkpgs.exe\u200b\x1b", "fingerprint": "ABCD 1234"}
    name = exporter.file_name(me, peer, 1)
    assert name == "140322-to-140322100-000001.sgpkg" and name.isascii()
    assert not hidden_characters(name)
    evil = dict(peer, area_code="1403\u202e22/../x", id="ab12cd34ef56ab78")
    name = exporter.file_name(me, evil, 123456)
    assert name == "140322-to-xab12cd34-123456.sgpkg"
    long_peer = dict(peer, name="很长的乡镇名称" * 40)
    assert len(exporter.file_name(me, long_peer, 1)) < 40


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
