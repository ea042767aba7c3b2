"""The audit log (issue 19 item 2): the person in the change log, a hash-chained audit log
of who did what (services/office/audit.py over storage/audit.py), `shengui audit`.

Tampering is done by raw SQL, as someone holding the key could: the append-only triggers
are dropped first (the program never does that)."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest

from conftest import PASSWORD
from shengui_desktop.cli import main
from shengui_desktop.domain.credit_code import complete, org_check_character
from shengui_desktop.errors import UserError, WrongPassphrase
from shengui_desktop.services.excel import export_table, import_file
from shengui_desktop.services.ledger import enterprises, visits
from shengui_desktop.services.office import audit, backups, session, users
from shengui_desktop.services.reports import print_report
from shengui_desktop.reports.sources import Filters
from shengui_desktop.storage import audit as chain

def actions(ledger) -> list[str]:
    return [e.action for e in audit.entries(ledger)]


def untrigger(ledger) -> None:
    ledger.conn.execute("DROP TRIGGER audit_log_no_update")
    ledger.conn.execute("DROP TRIGGER audit_log_no_delete")


def valid_code(body: str) -> str:
    """A credit code that passes both checks, from 8 organisation-code characters."""
    return complete("91140322" + body + org_check_character(body))


def add_firm(ledger, name="秀水精密机械有限公司", body="MA0K1234") -> str:
    eid, _ = enterprises.add_enterprise(ledger, {
        "name": name, "credit_code": valid_code(body), "township_code": "140322100",
        "industry_code": "34"})
    return eid


@pytest.fixture
def office(township):
    """The township ledger as a person opens it: unlocked through the session (so the
    unlock itself is on record)."""
    path = township.path
    township.close()
    opened = session.unlock(path, password=PASSWORD, user="admin")
    yield opened
    opened.close()


# -- the chain --------------------------------------------------------------------------
def test_a_chain_of_entries_verifies(office):
    add_firm(office)
    audit.record(office, audit.PRINT, "企业台账", "测试")
    found = audit.entries(office)
    assert [e.no for e in found] == list(range(1, len(found) + 1))
    assert {"解锁", "修改台账", "打印报表"} <= set(actions(office))
    result = audit.verify(office)
    assert result.ok, result.message
    assert "校验通过" in result.message and "秀水镇" in result.message
    rows = chain.chain(office.conn, office.site_id)
    for before, after in zip(rows, rows[1:]):
        assert after["prev_hash"] == before["hash"]
        assert after["hash"] == chain.entry_hash(after, before["hash"])
    assert rows[0]["prev_hash"] == chain.GENESIS


def test_the_program_cannot_change_or_remove_an_entry(office):
    import sqlcipher3

    with pytest.raises(sqlcipher3.dbapi2.IntegrityError):
        office.conn.execute("UPDATE audit_log SET person = 'x'")
    with pytest.raises(sqlcipher3.dbapi2.IntegrityError):
        office.conn.execute("DELETE FROM audit_log")


@pytest.fixture
def five(office):
    """An office with at least five entries of its own."""
    for i in range(4):
        audit.record(office, audit.PRINT, f"报表{i}")
    assert len(audit.entries(office)) >= 5
    untrigger(office)
    return office


def test_an_altered_entry_is_named(five):
    five.conn.execute("UPDATE audit_log SET person = '张三' WHERE office_id = ? AND no = 3",
                      (five.site_id,))
    result = audit.verify(five)
    assert not result.ok
    b = result.breaks[0]
    assert b.no == 3 and "改动" in b.what
    at = five.scalar("SELECT at FROM audit_log WHERE no = 3")
    assert b.at == at
    assert "第3条" in result.message and at.replace("T", " ")[:19] in result.message


def test_a_deleted_entry_is_named(five):
    five.conn.execute("DELETE FROM audit_log WHERE office_id = ? AND no = 2", (five.site_id,))
    b = audit.verify(five).breaks[0]
    assert b.no == 2 and "删除" in b.what


def test_deleting_the_newest_entries_is_seen(five):
    top = five.scalar("SELECT max(no) FROM audit_log")
    five.conn.execute("DELETE FROM audit_log WHERE no >= ?", (top - 1,))
    b = audit.verify(five).breaks[0]
    assert b.no == top - 1 and "最新的记录被删除" in b.what


def test_an_inserted_entry_is_seen_even_when_its_hash_is_right(five):
    """Slipped in at the end with a correctly computed link: the head kept in meta tells."""
    last = chain.chain(five.conn, five.site_id)[-1]
    fake = {**last, "no": last["no"] + 1, "action": "备份", "object": "伪造"}
    fake["prev_hash"] = last["hash"]
    fake["hash"] = chain.entry_hash(fake, last["hash"])
    five.conn.execute(f"INSERT INTO audit_log({', '.join(chain.COLUMNS)}) VALUES"
                      f" ({', '.join('?' * len(chain.COLUMNS))})", tuple(fake[c] for c in chain.COLUMNS))
    b = audit.verify(five).breaks[0]
    assert b.no == fake["no"] and "添加" in b.what


def test_an_inserted_entry_in_the_middle_is_named(five):
    """Numbers shifted up to make room: the link after the inserted entry breaks."""
    rows = chain.chain(five.conn, five.site_id)
    five.conn.execute("UPDATE audit_log SET no = no + 1000 WHERE office_id = ? AND no >= 3", (five.site_id,))
    five.conn.execute("UPDATE audit_log SET no = no - 999 WHERE office_id = ? AND no >= 1003", (five.site_id,))
    fake = {**rows[1], "no": 3, "detail": "插入的记录"}
    fake["prev_hash"] = rows[1]["hash"]
    fake["hash"] = chain.entry_hash(fake, rows[1]["hash"])
    five.conn.execute(f"INSERT INTO audit_log({', '.join(chain.COLUMNS)}) VALUES"
                      f" ({', '.join('?' * len(chain.COLUMNS))})", tuple(fake[c] for c in chain.COLUMNS))
    b = audit.verify(five).breaks[0]
    assert b.no == 4 and "接不上" in b.what


# -- what writes an entry ----------------------------------------------------------------
def test_unlocks_and_failed_unlocks_are_recorded(office):
    path = office.path
    office.close()
    for user in ("admin", "nobody"):
        with pytest.raises(WrongPassphrase):
            session.unlock(path, password="wrong-password", user=user)
    with pytest.raises(WrongPassphrase):
        session.unlock(path, recovery_code="AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    assert chain.failures_path(path).exists()
    opened = session.unlock(path, password=PASSWORD, user="admin")
    try:
        assert opened.failed_unlocks == 3
        before = len(audit.entries(opened))
        audit.record(opened, audit.PRINT, "企业台账")  # the session's first recorded action
        found = audit.entries(opened)[before:]
        assert [e.action for e in found] == ["解锁失败"] * 3 + ["解锁", "打印报表"]
        assert [e.object for e in found[:3]] == ["admin", "nobody", "恢复码"]
        assert "密码错误" in found[0].detail and "恢复码错误" in found[2].detail
        assert "3次密码错误" in found[3].detail and found[3].person == "admin"
        assert not chain.failures_path(path).exists()  # counted once
        assert audit.verify(opened).ok
    finally:
        opened.close()


def test_a_session_that_only_reads_records_its_unlock_when_it_ends_well(office):
    path = office.path
    office.close()
    with session.unlock(path, password=PASSWORD, user="admin") as reader:
        before = len(audit.entries(reader))
    with session.unlock(path, password=PASSWORD, user="admin") as reader:
        found = audit.entries(reader)
        assert len(found) == before + 1 and found[-1].action == "解锁"


def test_a_session_that_fails_leaves_the_file_as_it_was(office):
    """A refused command (an error out of the session) writes nothing, not even its unlock:
    the ledger file is the same, byte for byte."""
    path = office.path
    office.close()
    with pytest.raises(WrongPassphrase):
        session.unlock(path, password="wrong-password", user="admin")
    before = path.read_bytes()
    with pytest.raises(UserError):
        with session.unlock(path, password=PASSWORD, user="admin") as failing:
            visits.add_visit(failing, "no-such-enterprise", {"visit_date": "2026-11-03", "summary": "x"})
    assert path.read_bytes() == before
    assert chain.failures_path(path).exists()  # still counted: recorded by a later session


def test_a_ledger_found_damaged_is_not_written_when_it_closes(office):
    path = office.path
    office.close()
    opened = session.unlock(path, password=PASSWORD, user="admin")
    chain_before = path.read_bytes()
    try:
        chain.has_log(opened.conn)
        from shengui_desktop.storage import ledger as ledger_module

        ledger_module.FOUND_DAMAGED.add(str(path))  # as Ledger.verify marks it on finding damage
    finally:
        opened.close()
        ledger_module.FOUND_DAMAGED.discard(str(path))
    assert path.read_bytes() == chain_before


def test_one_edit_entry_per_service_call_with_the_person(office):
    eid = add_firm(office)
    before = len(audit.entries(office))
    visits.add_visit(office, eid, {"visit_date": "2026-11-03", "visitors": "李四", "summary": "走访"},
                     issues=[{"description": "用电增容", "raised_date": "2026-11-03"},
                             {"description": "招工难", "raised_date": "2026-11-03"}])
    found = audit.entries(office)
    assert len(found) == before + 1  # three rows, one call, one entry
    e = found[-1]
    assert (e.action, e.person, e.office) == ("修改台账", "admin", "秀水镇")
    assert e.object == "走访、问题" and "问题：新增2条" in e.detail
    # every change of that call carries the person
    assert {r[0] for r in office.conn.execute(
        "SELECT person FROM change_log WHERE tbl IN ('visits', 'issues')")} == {"admin"}


def test_a_rolled_back_call_leaves_no_entry(office):
    before = len(audit.entries(office))
    with pytest.raises(UserError):
        visits.add_visit(office, "no-such-enterprise", {"visit_date": "2026-11-03", "summary": "x"})
    with pytest.raises(RuntimeError):
        with office.transaction():
            audit.record(office, audit.PRINT, "报表")
            raise RuntimeError("stop")
    assert len(audit.entries(office)) == before


def test_the_recovery_code_is_the_person(township):
    path = township.path
    recovery = township.meta("test_recovery")  # not stored: make a new one
    assert recovery is None
    code = users.new_recovery_code(township)
    township.close()
    opened = session.unlock(path, recovery_code=code)
    try:
        add_firm(opened)
        assert opened.scalar("SELECT person FROM change_log WHERE tbl = 'enterprises'") == "恢复码"
        last = audit.entries(opened)[-1]
        assert (last.person, last.action) == ("恢复码", "修改台账")
        unlock = [e for e in audit.entries(opened) if e.action == audit.UNLOCK][-1]
        assert unlock.person == "恢复码" and "恢复码" in unlock.detail
    finally:
        opened.close()


def test_users_roles_passwords_and_keys_are_recorded(office):
    users.add_user(office, "bob", "bob-password-1", role="乡镇填报员")
    users.set_role(office, "bob", "乡镇管理员")
    users.reset_password(office, "bob", "bob-password-2")
    users.disable_user(office, "bob")
    users.new_recovery_code(office)
    from shengui_desktop.services import sync as sync_service

    sync_service.rotate_keys(office)
    found = [(e.action, e.object, e.detail) for e in audit.entries(office)]
    assert ("用户与角色", "bob", "新增用户（乡镇填报员）") in found
    assert ("用户与角色", "bob", "角色由乡镇填报员改为乡镇管理员") in found
    assert ("用户与角色", "bob", "管理员重设密码") in found
    assert ("用户与角色", "bob", "停用用户") in found
    assert any(a == "密钥" and o == "恢复码" for a, o, _d in found)
    assert any(a == "密钥" and o == "本单位密钥" and "新指纹" in d for a, o, d in found)
    assert audit.verify(office).ok


def test_backup_and_restore_are_recorded_and_the_log_survives_the_restore(office):
    made = backups.make_backup(office)
    audit.record(office, audit.PRINT, "备份之后的报表")
    after_backup = len(audit.entries(office))
    restored = backups.restore_backup(office, made.path).ledger
    try:
        found = audit.entries(restored)
        assert [e.action for e in found].count("备份") == 2  # the backup, and the one kept before restoring
        assert any(e.object == "备份之后的报表" for e in found)  # not rolled back with the records
        assert found[-1].action == "恢复备份" and found[-1].object == made.path.name
        assert len(found) == after_backup + 2
        assert audit.verify(restored).ok, audit.verify(restored).message
    finally:
        restored.close()


def test_sheet_import_export_and_print_are_recorded(office, tmp_path):
    add_firm(office)
    out = export_table(office, "enterprises", tmp_path / "企业.xlsx")
    e = audit.entries(office)[-1]
    assert (e.action, e.object) == ("导出表格", "企业名单") and "企业.xlsx，1行" == e.detail
    # the exported list read back in: an import (nothing new, still on record) of its own
    before = len(audit.entries(office))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "乡镇（街道）"])
    sheet.append([valid_code("MA0K9999"), "秀水新材料有限公司", "秀水镇"])
    book.save(tmp_path / "新企业.xlsx")
    result = import_file(office, tmp_path / "新企业.xlsx")
    assert result.applied, [p.message for p in result.problems]
    found = audit.entries(office)[before:]
    assert [x.action for x in found] == ["导入表格"]  # not also 修改台账
    assert found[0].object == "新企业.xlsx" and "新增企业1家" in found[0].detail
    assert out["rows"] == 1
    done = print_report(office, "ledger", tmp_path / "台账.pdf", Filters(year=2026, today=date(2026, 11, 30)))
    e = audit.entries(office)[-1]
    assert e.action == "打印报表" and e.detail == f"台账.pdf，{done.pages}页"


def test_entries_filter_by_person_action_and_date(office):
    users.add_user(office, "bob", "bob-password-1", role="乡镇管理员")
    path = office.path
    bob = session.unlock(path, password="bob-password-1", user="bob")
    try:
        add_firm(bob)
    finally:
        bob.close()
    assert {e.person for e in audit.entries(office, audit.Filter(person="bob"))} == {"bob"}
    assert [e.action for e in audit.entries(office, audit.Filter(person="bob"))] == ["解锁", "修改台账"]
    assert {e.action for e in audit.entries(office, audit.Filter(action="解锁"))} == {"解锁"}
    today = date.today()
    assert audit.entries(office, audit.Filter(since=today, until=today)) == audit.entries(office)
    assert audit.entries(office, audit.Filter(until=date(2000, 1, 1))) == []
    assert len(audit.entries(office, audit.Filter(limit=2))) == 2
    assert set(audit.people(office)) == {"admin", "bob"}
    with pytest.raises(UserError, match="起始日期晚于截止日期"):
        audit.entries(office, audit.Filter(since=date(2026, 2, 1), until=date(2026, 1, 1)))


def test_export_to_xlsx(office, tmp_path):
    audit.record(office, audit.PRINT, "企业台账", "一页")
    done = audit.export_xlsx(office, tmp_path / "审计日志.xlsx")
    assert done["verified"] and done["rows"] == len(audit.entries(office)) - 1
    sheet = openpyxl.load_workbook(done["path"]).active
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(r for r in cells if r and r[0] == "序号")
    assert list(header[:7]) == ["序号", "时间", "单位", "人员", "操作", "对象", "详情"]
    assert any(r[4] == "打印报表" and r[5] == "企业台账" for r in cells if r)
    assert any("校验通过" in str(c) for r in cells for c in r if c)
    assert audit.entries(office)[-1].action == "导出审计日志"


def test_cli_list_verify_export(office, tmp_path, monkeypatch, capsys):
    db = str(office.path)
    office.close()
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    assert main(["audit", "list", "--db", db, "--action", "解锁"]) == 0
    out = capsys.readouterr().out
    assert "秀水镇  admin  解锁" in out
    assert main(["audit", "list", "--db", db, "--json", "--limit", "1"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["action"] == "解锁"
    assert main(["audit", "verify", "--db", db]) == 0
    assert "审计日志校验通过" in capsys.readouterr().out
    assert main(["audit", "export", "--db", db, "--out", str(tmp_path / "a.xlsx")]) == 0
    assert "已导出审计日志" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["audit", "list", "--db", db, "--since", "2026-13-01"])
    assert "日期应为YYYY-MM-DD" in capsys.readouterr().err
    # tampered: verify says where, and fails
    opened = session.unlock(office.path, password=PASSWORD, user="admin")
    untrigger(opened)
    opened.conn.execute("UPDATE audit_log SET detail = 'x' WHERE no = 2")
    opened.close()
    assert main(["audit", "verify", "--db", db]) == 1
    out = capsys.readouterr().out
    assert "审计日志在第2条" in out and "改动" in out


def test_an_enterprise_history_names_office_person_and_time(office):
    eid = add_firm(office)
    users.add_user(office, "bob", "bob-password-1", role="乡镇填报员")
    bob = session.unlock(office.path, password="bob-password-1", user="bob")
    try:
        bob.update("enterprises", eid, {"contact_person": "王经理"})
        visits.add_visit(bob, eid, {"visit_date": "2026-11-03", "visitors": "李四", "summary": "走访"})
    finally:
        bob.close()
    rows = audit.record_history(office, eid)
    assert [r["what"] for r in rows] == ["走访新增", "企业修改", "企业新增"]
    assert rows[0]["who"] == "秀水镇 bob" and rows[0]["fields"] == "2026-11-03"
    assert rows[1]["fields"] == "联系人：王经理" and rows[1]["person"] == "bob"
    assert rows[2]["who"] == "秀水镇 admin" and rows[2]["fields"] == "秀水精密机械有限公司"
    assert rows[0]["time"][:4].isdigit() and len(rows[0]["time"]) == 16
