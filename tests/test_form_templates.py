"""Form templates travel from the county (#22 item 4), through real packages.

The county sends a template to 秀水镇 only; after the county's packages are imported 秀水镇
lists it as 待填报 with its due date, 路家村镇 does not list it. 秀水镇 fills it (已填报) and
marks it sent; its package brings that to the county, whose overview shows it per township.
A withdrawal and a new due date travel too. A hostile template in a package (macros, a zip
bomb, a broken placeholder, a hash that does not match) is refused whole, naming the record;
a township cannot answer for another township nor send a template itself."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from conftest import PASSWORD
from shengui_desktop.cli import main
from shengui_desktop.errors import UserError
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.excel import form_templates as ft
from shengui_desktop.sync.errors import PackageRejected
from shengui_desktop.sync.rules import content_problems
from sync_helpers import CODES, exchange, world_fixtures

template, world = world_fixtures("formsync")
SENT_ON = date(2026, 11, 20)


def monthly_form(path, *, region="{{#企业}}{{序号}}", extra=None):
    wb = Workbook()
    ws = wb.active
    ws.title = "月报"
    ws["A1"] = "{{单位}}规上工业企业{{期间}}月报"
    ws.merge_cells("A1:D1")
    for i, h in enumerate(["序号", "企业名称", "营业收入（万元）", "所属乡镇"], 1):
        ws.cell(2, i, h)
    ws["A3"] = region
    ws["B3"] = "{{企业名称}}"
    ws["C3"] = "{{营业收入}}"
    ws["D3"] = "{{所属乡镇}}{{/企业}}"
    ws["A4"] = "合计"
    ws["C4"] = "=SUM(C3:C3)"
    if extra:
        extra(wb, ws)
    wb.save(path)
    return path


def send(county, tmp_path, **kw):
    path = kw.pop("path", None) or monthly_form(tmp_path / "规上工业月报.xlsx")
    args = {"department": "统计局", "due": "2026-12-10", "period": "2026-11", "to": ["秀水镇"], "today": SENT_ON}
    return ft.send_template(county, path, **{**args, **kw})


def test_sent_due_filled_reported_and_seen_at_the_county(world, tmp_path):
    c, a, b = world["C"], world["A"], world["B"]
    sent = send(c, tmp_path)
    assert sent["to"] == ["秀水镇"] and sent["department"] == "统计局"
    for town in (a, b):
        exchange(c, town, tmp_path / "usb")
    [due] = ft.list_forms(a, date(2026, 11, 23))
    assert (due.id, due.name, due.department, due.due_date, due.status_text, due.overdue) == (
        sent["id"], "规上工业月报", "统计局", "2026-12-10", "待填报", False)
    assert ft.list_forms(b, date(2026, 11, 23)) == []  # addressed to 秀水镇 only
    # the calendar: due this month or earlier and open; after the due date it is overdue
    assert ft.due_forms(a, date(2026, 11, 23)) == []  # due in December
    [late] = ft.due_forms(a, date(2026, 12, 11))
    assert late.overdue and late.status == "due"

    # filled through the existing fill path: the township's enterprises, the county's period
    info = ft.fill_received(a, sent["id"][:8], tmp_path / "填好.xlsx", today=date(2026, 12, 1))
    assert info["period"] == "2026-11" and info["unit"] == "秀水镇" and info["rows"] == 2
    ws = load_workbook(tmp_path / "填好.xlsx").active
    assert ws["A1"].value == "秀水镇规上工业企业2026年11月月报"
    assert [ws.cell(r, 2).value for r in (3, 4)] == ["秀水镇企业0", "秀水镇企业1"]
    assert ws["C5"].value == "=SUM(C3:C4)"
    [filled] = ft.list_forms(a, date(2026, 12, 1))
    assert (filled.status_text, filled.filled_on) == ("已填报", "2026-12-01")

    with pytest.raises(UserError, match="还没到"):
        ft.mark_sent(a, sent["id"], on="2026-12-09", today=date(2026, 12, 8))
    marked = ft.mark_sent(a, sent["id"], on="2026-12-08", today=date(2026, 12, 8))
    assert marked == {"id": sent["id"], "name": "规上工业月报", "sent_on": "2026-12-08", "late": False}
    _e, imported = exchange(a, c, tmp_path / "usb")
    assert imported.counts.get("form_returns")
    view = ft.overview(c, date(2026, 12, 9))
    assert view.townships == [(CODES["A"], "秀水镇")]
    cell = view.cells[(sent["id"], CODES["A"])]
    assert (cell.status, cell.day, cell.text) == ("sent", "2026-12-08", "已报送 12-08")
    [at_county] = ft.list_forms(c, date(2026, 12, 9))
    assert (at_county.sent, at_county.addressed, at_county.status_text) == (1, ["秀水镇"], "已报送")


def test_every_township_overdue_withdraw_and_new_due_date_travel(world, tmp_path):
    c, a, b = world["C"], world["A"], world["B"]
    sent = send(c, tmp_path, to=None, name="工信局培育库名单", department="工信局")
    for town in (a, b):
        exchange(c, town, tmp_path / "usb")
    assert [f.name for f in ft.list_forms(b, SENT_ON)] == ["工信局培育库名单"]
    view = ft.overview(c, date(2026, 12, 11))
    assert {code for code, _n in view.townships} == set(CODES.values())
    assert all(cell.overdue and cell.text == "待填报（逾期）" for cell in view.cells.values())

    moved = ft.change_due(c, sent["id"], "2026-12-20", today=date(2026, 12, 1))
    assert (moved["was"], moved["due_date"]) == ("2026-12-10", "2026-12-20")
    exchange(c, a, tmp_path / "usb")
    [due] = ft.list_forms(a, date(2026, 12, 11))
    assert (due.due_date, due.overdue) == ("2026-12-20", False)

    ft.withdraw_template(c, "工信局培育库名单", today=date(2026, 12, 2))
    with pytest.raises(UserError, match="已于2026-12-02撤回"):
        ft.withdraw_template(c, sent["id"], today=date(2026, 12, 3))
    exchange(c, a, tmp_path / "usb")
    [gone] = ft.list_forms(a, date(2026, 12, 11))
    assert gone.status_text == "已撤回" and not gone.overdue
    assert ft.due_forms(a, date(2026, 12, 11)) == []
    with pytest.raises(UserError, match="已于2026-12-02被县级撤回"):
        ft.mark_sent(a, sent["id"], today=date(2026, 12, 11))
    # at the county the withdrawn one leaves the overview unless asked for
    assert ft.overview(c, date(2026, 12, 11)).forms == []
    assert [f.status for f in ft.overview(c, date(2026, 12, 11), withdrawn=True).forms] == ["withdrawn"]


def test_only_the_county_sends_and_only_a_township_reports(world, tmp_path):
    c, a = world["C"], world["A"]
    with pytest.raises(UserError, match="只有县级台账可以下发报表模板"):
        send(a, tmp_path)
    sent = send(c, tmp_path)
    with pytest.raises(UserError, match="由乡镇标记"):
        ft.mark_sent(c, sent["id"], today=SENT_ON)
    exchange(c, world["B"], tmp_path / "usb")
    with pytest.raises(UserError, match="不是下发给本乡镇的"):
        ft.mark_sent(world["B"], sent["id"], today=date(2026, 11, 21))


BROKEN = [
    ("unknown field", lambda wb, ws: ws.__setitem__("B3", "{{营收}}"), "未知字段“营收”"),
    ("unclosed region", lambda wb, ws: ws.__setitem__("D3", "{{所属乡镇}}"), "重复区域没有结束"),
]


@pytest.mark.parametrize("name,breakage,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_the_county_cannot_send_a_broken_template(world, tmp_path, name, breakage, message):
    c = world["C"]
    path = monthly_form(tmp_path / f"{name}.xlsx", extra=breakage)
    with pytest.raises(UserError, match=message) as e:
        send(c, tmp_path, path=path)
    assert "模板 " in str(e.value) and "未下发" in str(e.value)
    assert c.scalar("SELECT count(*) FROM form_templates") == 0


def test_send_checks_its_own_inputs(world, tmp_path):
    c = world["C"]
    with pytest.raises(UserError, match="截止日期“12月10日”无效"):
        send(c, tmp_path, due="12月10日")
    with pytest.raises(UserError, match="已经过去"):
        send(c, tmp_path, due="2026-11-01")
    with pytest.raises(UserError, match="没有乡镇“东梁乡”"):
        send(c, tmp_path, to=["东梁乡"])
    with pytest.raises(UserError, match="报表期间“2026-13”无效"):
        send(c, tmp_path, period="2026-13")
    big = tmp_path / "大.xlsx"
    big.write_bytes(b"PK" + b"\0" * (2 * 1024 * 1024 + 10))
    with pytest.raises(UserError, match="过大"):
        send(c, tmp_path, path=big)
    assert c.scalar("SELECT count(*) FROM form_templates") == 0


# -- hostile templates in a package ---------------------------------------------------------------
def _with_macro(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    return out.getvalue()


def _bomb(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/media/padding.xml", b"<a>" + b" " * (45 * 1024 * 1024) + b"</a>")
    return out.getvalue()


def _broken_placeholder(tmp_path) -> bytes:
    return monthly_form(tmp_path / "坏.xlsx", extra=lambda wb, ws: ws.__setitem__("B3", "{{企业名称")).read_bytes()


HOSTILE = [
    ("macro", lambda good, tmp: _with_macro(good), "含有宏"),
    ("zip bomb", lambda good, tmp: _bomb(good), "解压后过大"),
    ("not xlsx", lambda good, tmp: b"MZ\x90\x00 not a spreadsheet", "不是.xlsx文件"),
    ("broken placeholder", lambda good, tmp: _broken_placeholder(tmp), "模板 B3"),
]


@pytest.mark.parametrize("name,make,message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_template_in_a_package_is_refused_whole(world, tmp_path, name, make, message):
    c, a = world["C"], world["A"]
    good = monthly_form(tmp_path / "好.xlsx").read_bytes()
    bad = make(good, tmp_path)
    # written past the service's checks (an old or hand-made county program), hash correct
    c.insert("form_templates", {
        "name": "恶意报表", "department": "统计局", "due_date": "2026-12-10", "period": None, "recipients": None,
        "file_name": "恶意报表.xlsx", "content": base64.b64encode(bad).decode(), "size": len(bad),
        "content_sha256": hashlib.sha256(bad).hexdigest(), "sent_on": "2026-11-20"})
    c.insert("townships", {"code": "140322102", "name": "南娄镇"})  # something else in the package
    before = a.scalar("SELECT count(*) FROM change_log")
    with pytest.raises(PackageRejected) as e:
        exchange(c, a, tmp_path / "usb")
    assert e.value.reason == "content"
    assert "报表模板“恶意报表”" in str(e.value) and message in str(e.value)
    assert a.scalar("SELECT count(*) FROM change_log") == before
    assert a.scalar("SELECT count(*) FROM form_templates") == 0
    assert a.scalar("SELECT count(*) FROM townships WHERE code = '140322102'") == 0


def test_content_that_does_not_match_its_hash_or_dates_is_refused():
    good = base64.b64encode(b"anything").decode()
    found = content_problems([{"tbl": "form_templates", "row_id": "f1", "data": {
        "name": "月报", "content": good, "content_sha256": "0" * 64, "due_date": "明天",
        "recipients": json.dumps(["秀水镇"])}}])
    text = "\n".join(found)
    assert "报表模板“月报”（f1）" in text
    assert "与其校验值不符" in text and "截止日期“明天”无效" in text and "接收乡镇无效" in text
    assert "不是.xlsx文件" in text


def test_a_township_answers_only_for_itself_and_sends_no_template(world, tmp_path):
    c, a = world["C"], world["A"]
    sent = send(c, tmp_path, to=None)
    exchange(c, a, tmp_path / "usb")
    # a forged answer for 路家村镇, written past the service
    a.insert("form_returns", {"id": ft.return_id(sent["id"], CODES["B"]), "template_id": sent["id"],
                              "township_code": CODES["B"], "sent_on": "2026-11-25"})
    with pytest.raises(PackageRejected, match="属于其他乡镇") as e:
        exchange(a, c, tmp_path / "usb")
    assert e.value.reason == "unauthorised"
    assert c.scalar("SELECT count(*) FROM form_returns") == 0


def test_a_township_cannot_update_another_townships_answer(world, tmp_path):
    c, a, b = world["C"], world["A"], world["B"]
    sent = send(c, tmp_path, to=None)
    for town in (a, b):
        exchange(c, town, tmp_path / "usb")
    ft.mark_sent(b, sent["id"], today=date(2026, 11, 25))
    exchange(b, c, tmp_path / "usb")
    # 秀水镇 holds 路家村镇's answer without its insert (a row slipped in) and changes its date:
    # the update does not name the township, the county knows whose the record is
    theirs = c.get("form_returns", ft.return_id(sent["id"], CODES["B"]))
    a.conn.execute("INSERT INTO form_returns (id, template_id, township_code, filled_on, sent_on)"
                   " VALUES (?, ?, ?, ?, ?)", (theirs["id"], theirs["template_id"], theirs["township_code"],
                                               theirs["filled_on"], theirs["sent_on"]))
    a.update("form_returns", theirs["id"], {"sent_on": "2026-11-30"})
    with pytest.raises(PackageRejected, match="属于其他乡镇（140322101）") as e:
        exchange(a, c, tmp_path / "usb")
    assert e.value.reason == "unauthorised"
    assert c.get("form_returns", theirs["id"])["sent_on"] == "2026-11-25"


def test_command_line_send_list_mark_sent(world, tmp_path, monkeypatch, capsys):
    c, a = world["C"], world["A"]
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    path = monthly_form(tmp_path / "月报.xlsx")

    def cli(ledger, *argv):
        code = main([*argv, "--db", str(ledger.path), "--json", "--today", "2026-11-20"])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if code == 0 else err)

    code, sent = cli(c, "form", "send", "--template", str(path), "--department", "统计局", "--due", "2026-12-10",
                     "--to", "秀水镇", "--period", "2026-11", "--name", "十一月月报")
    assert code == 0 and sent["to"] == ["秀水镇"]
    code, err = cli(a, "form", "send", "--template", str(path), "--department", "统计局", "--due", "2026-12-10")
    assert code == 2 and "只有县级台账" in err
    exchange(c, a, tmp_path / "usb")
    code, listed = cli(a, "form", "list")
    assert code == 0 and [(f["name"], f["status_text"], f["due_date"]) for f in listed] == [
        ("十一月月报", "待填报", "2026-12-10")]
    code, marked = cli(a, "form", "mark-sent", sent["id"][:8], "--date", "2026-11-20")
    assert code == 0 and marked["sent_on"] == "2026-11-20"
    exchange(a, c, tmp_path / "usb")
    code, at_county = cli(c, "form", "list")
    assert code == 0 and at_county[0]["sent"] == 1 and at_county[0]["townships"] == ["秀水镇"]
    code, gone = cli(c, "form", "withdraw", "十一月月报")
    assert code == 0 and gone["withdrawn_on"] == "2026-11-20"


def test_import_through_the_service_registers_the_check():
    from shengui_desktop.sync.rules import CONTENT_CHECKS

    assert sync_service is not None and CONTENT_CHECKS["form_templates"] is ft.check_incoming


def test_without_a_registered_check_a_template_is_refused(monkeypatch):
    """Fail closed: a program path that forgot to register the check stores nothing unchecked."""
    from shengui_desktop.sync import rules

    monkeypatch.setitem(rules.CONTENT_CHECKS, "form_templates", None)
    assert content_problems([{"tbl": "form_templates", "row_id": "f1", "data": {"name": "月报"}}]) == [
        "报表模板“月报”（f1）：本程序无法检查此类记录"]
