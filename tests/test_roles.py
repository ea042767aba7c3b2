"""Roles enforced in the services (#19 item 2): every role against every writing service.

Two offices are set up once: 秀水镇 with a 乡镇填报员 and a 乡镇管理员, 盂县 with a 县级管理员 and a
县级查看, each with an enterprise, an issue, a project with a milestone, a claim, a draft and a
backup. Each test copies them, signs in as one person (with their password, as the window
and the command line do) and calls one service. The expected matrix is written out here, not
taken from services/office/permissions.py: a refused call raises NotPermitted naming the role
needed and leaves the ledger and its key file as they were; an allowed call is not refused by
role (it may still be refused for another reason, e.g. an unknown conflict id).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import PASSWORD
from helpers import content_hash
from shengui_desktop.cli import main
from shengui_desktop.errors import UserError
from shengui_desktop.services import excel, policy, reports
from shengui_desktop.services.excel import form_templates
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.ledger import (demo, enterprises, figures, pools, reference, townships,
                                             visits)
from shengui_desktop.services.office import backups, permissions, session, starter, upkeep, users
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.services.policy import calendar, records
from shengui_desktop.services.policy import targets as target_service
from shengui_desktop.storage.keyslots import keys_path_for
from test_ui_support import valid_code

TODAY = date(2026, 11, 23)
USERS = {  # role → (office, user name, password)
    "township_clerk": ("township", "clerk", "clerk-password-1"),
    "township_admin": ("township", "tadmin", "tadmin-password-1"),
    "county_admin": ("county", "cadmin", "cadmin-password-1"),
    "county_viewer": ("county", "viewer", "viewer-password-1"),
}
SHORT = {"C": "township_clerk", "T": "township_admin", "A": "county_admin", "V": "county_viewer"}
FILES = {"township": "township.sgdb", "county": "county.sgdb"}


def _fill(ledger, folder: Path, seed: int) -> dict:
    ent, _ = enterprises.create_enterprise(ledger, {
        "name": "秀水新材料有限公司", "credit_code": valid_code(seed), "township_code": "140322100",
        "industry_code": "3411"})
    project = records.add_project(ledger, ent, {"name": "技改项目", "kind": "技改项目",
                                                "milestones": [{"name": "开工", "due_date": "2026-12-01"}]})
    milestone = ledger.scalar("SELECT id FROM project_milestones WHERE project_id = ?", (project,))
    issue = visits.add_issue(ledger, ent, {"description": "用电增容", "category": "用能"})
    draft = visits.save_draft(ledger, "visit", {"summary": "草稿"})
    backup = backups.make_backup(ledger).path
    return {"ent": ent, "code": ledger.get("enterprises", ent)["credit_code"], "project": project,
            "milestone": milestone, "issue": issue, "draft": draft, "backup": backup.name}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("roles")
    ctx = {}
    t, _ = init_office(folder / FILES["township"], role="township", name="秀水镇", area_code="140322100",
                       admin_user="admin", password=PASSWORD)
    c, _ = init_office(folder / FILES["county"], role="county", name="盂县", area_code="140322",
                       admin_user="admin", password=PASSWORD)
    reference.add_township(c, "140322100", "秀水镇")
    reference.add_township(c, "140322101", "路家村镇")
    reference.add_department(c, "工信局")
    for office, ledger, seed in (("township", t, 1), ("county", c, 2)):
        for role, (kind, name, password) in USERS.items():
            if kind == office:
                users.add_user(ledger, name, password, role=role)
        ctx[office] = _fill(ledger, folder, seed)
        ledger.close()
    return folder, ctx


def _sheet(path: Path, code: str) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "乡镇"])
    sheet.append([code, "秀水新材料有限公司", "秀水镇"])
    book.save(path)
    return path


def _form(path: Path) -> Path:
    """A one-row 一表通 template (named like the import's sheet, which the file checks ignore)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["{{#企业}}{{序号}}", "{{企业名称}}{{/企业}}"])
    book.save(path)
    return path


# service → (the roles allowed: C clerk, T township admin, A county admin, V county viewer; t: the
# township administrator reaches the service, whose own office check refuses a township in its
# own words (只有县级台账可以…, …只能由县级修改); the call)
SERVICES = {
    # visits, issues, figures: everyone who writes
    "visits.add_visit": ("CTA", lambda db, x: visits.add_visit(
        db, x["ent"], {"visit_date": "2026-11-20", "visitors": "张三", "summary": "了解生产"})),
    "visits.add_visit_by_credit_code": ("CTA", lambda db, x: visits.add_visit_by_credit_code(
        db, x["code"], {"visit_date": "2026-11-20", "visitors": "张三", "summary": "了解生产"})),
    "visits.add_issue": ("CTA", lambda db, x: visits.add_issue(db, x["ent"], {"description": "缺工", "category": "用工"})),
    "visits.update_issue": ("CTA", lambda db, x: visits.update_issue(db, x["issue"], {"status": "resolved"})),
    "visits.save_draft": ("CTA", lambda db, x: visits.save_draft(db, "visit", {"summary": "新草稿"})),
    "visits.delete_draft": ("CTA", lambda db, x: visits.delete_draft(db, x["draft"])),
    "figures.record_month": ("CTA", lambda db, x: figures.record_month(db, x["ent"], "2026-10", {"revenue": 1_000_000})),
    "figures.save_months": ("CTA", lambda db, x: figures.save_months(db, x["ent"], 2026, {(9, "revenue"): "100"})),
    "figures.record_year": ("CTA", lambda db, x: figures.record_year(db, x["ent"], 2025, {"revenue": 9_000_000})),
    # enterprises, records, pools, imports, sync, backups, users, profile: administrators
    "enterprises.create_enterprise": ("TA", lambda db, x: enterprises.create_enterprise(db, {
        "name": "秀水五金厂", "credit_code": valid_code(77), "township_code": "140322100", "industry_code": "3411"})),
    "enterprises.add_enterprise": ("TA", lambda db, x: enterprises.add_enterprise(db, {
        "name": "秀水五金厂", "credit_code": valid_code(78), "township_code": "140322100", "industry_code": "3411"},
        today=TODAY)),
    "enterprises.update_enterprise": ("TA", lambda db, x: enterprises.update_enterprise(db, x["ent"], {"contact_person": "李四"})),
    "enterprises.delete_enterprise": ("TA", lambda db, x: enterprises.delete_enterprise(db, x["ent"])),
    "pools.move_pool": ("TA", lambda db, x: pools.move_pool(db, x["ent"], "reserve", "走访发现")),
    "pools.move_pools": ("TA", lambda db, x: pools.move_pools(db, [x["ent"]], "reserve", "走访发现")),
    "pools.move_pools_by_credit_codes": ("TA", lambda db, x: pools.move_pools_by_credit_codes(
        db, [x["code"]], "reserve", "走访发现")),
    "calendar.set_checklist_item": ("TA", lambda db, x: calendar.set_checklist_item(db, x["ent"], "license", True)),
    "calendar.update_entry_checklist": ("TA", lambda db, x: calendar.update_entry_checklist(db, x["code"], done=["license"])),
    "records.add_project": ("TA", lambda db, x: records.add_project(db, x["ent"], {"name": "新项目", "kind": "技改项目"})),
    "records.add_project_by_credit_code": ("TA", lambda db, x: records.add_project_by_credit_code(
        db, x["code"], {"name": "新项目", "kind": "技改项目"})),
    "records.update_project": ("TA", lambda db, x: records.update_project(db, x["project"], {"name": "改名项目"})),
    "records.add_milestone": ("TA", lambda db, x: records.add_milestone(db, x["project"], {"name": "投产", "due_date": "2027-01-01"})),
    "records.complete_milestone": ("TA", lambda db, x: records.complete_milestone(db, x["milestone"], "2026-11-01")),
    "records.add_reward_claim": ("TA", lambda db, x: records.add_reward_claim(db, x["ent"], {"kind": "award", "year": 2026})),
    "records.add_claim_by_credit_code": ("TA", lambda db, x: records.add_claim_by_credit_code(
        db, x["code"], {"kind": "award", "year": 2026})),
    "records.set_claim_status": ("TA", lambda db, x: records.set_claim_status(db, "no-such-claim", "approved")),
    "excel.import_file": ("TA", lambda db, x: excel.import_file(db, _sheet(Path(db.path).parent / "名单.xlsx", x["code"]))),
    "sync.export_packages": ("TA", lambda db, x: sync_service.export_packages(db, Path(db.path).parent / "out")),
    "sync.import_packages": ("TA", lambda db, x: sync_service.import_packages(db, [Path(db.path).parent / "none.sgpkg"])),
    "sync.resolve_conflict": ("TA", lambda db, x: sync_service.resolve_conflict(db, "no-such-conflict", "local")),
    "sync.find_duplicates": ("TA", lambda db, x: sync_service.find_duplicates(db)),
    "sync.merge_duplicates": ("TA", lambda db, x: sync_service.merge_duplicates(db, "no-such-task", x["ent"])),
    "sync.dismiss_duplicates": ("TA", lambda db, x: sync_service.dismiss_duplicates(db, "no-such-task")),
    "sync.rotate_keys": ("TA", lambda db, x: sync_service.rotate_keys(db)),
    "backups.make_backup": ("CTAV", lambda db, x: backups.make_backup(db)),
    "backups.prepare_restore": ("TA", lambda db, x: backups.discard_restore(backups.prepare_restore(
        db, backups.backup_folder(Path(db.path)) / x["backup"]))),
    "backups.restore_backup": ("TA", lambda db, x: backups.restore_backup(db, backups.backup_folder(Path(db.path)) / x["backup"])),
    "backups.set_backup_folder": ("TA", lambda db, x: backups.set_backup_folder(db, Path(db.path).parent / "备份")),
    "upkeep.backup_ledger": ("CTAV", lambda db, x: upkeep.backup_ledger(db, Path(db.path).parent / "copy.sgdb")),
    "demo.generate": ("TA", lambda db, x: demo.generate(db, enterprises=3, townships=1, seed=3, as_of=TODAY, months=2)),
    "users.add_user": ("TA", lambda db, x: users.add_user(db, "newbie", "newbie-password-1",
                                                         role=next(iter(users.roles(db))))),
    "users.disable_user": ("TA", lambda db, x: users.disable_user(db, "admin")),
    "users.enable_user": ("TA", lambda db, x: users.enable_user(db, "admin", "another-password-1")),
    "users.set_role": ("TA", lambda db, x: users.set_role(db, "admin", next(iter(users.roles(db))))),
    "users.reset_password": ("TA", lambda db, x: users.reset_password(db, "admin", "another-password-1")),
    "users.new_recovery_code": ("TA", lambda db, x: users.new_recovery_code(db)),
    "policy.choose_profile": ("TA", lambda db, x: policy.choose_profile(db, "yuxian")),
    "policy.copy_profile": ("TA", lambda db, x: policy.copy_profile(db)),
    "policy.edit_profile": ("TA", lambda db, x: policy.edit_profile(db, {"name": "本地修订"})),
    "policy.apply_profile_targets": ("TA", lambda db, x: policy.apply_profile_targets(db)),
    # the county's decisions: the county administrator only (a township's refuses them as an office)
    "records.record_scale_period": ("At", lambda db, x: records.record_scale_period(
        db, x["code"], "秀水新材料有限公司", "2026-01-01")),
    "targets.set_target": ("At", lambda db, x: target_service.set_target(db, value=5, year=2026, township="秀水镇")),
    "townships.rename_township": ("At", lambda db, x: townships.rename_township(db, "140322101", "路家村")),
    "townships.merge_townships": ("At", lambda db, x: townships.merge_townships(db, "140322101", "140322100")),
    "townships.add_township": ("At", lambda db, x: townships.add_township(db, "140322102", "南娄镇")),
    "townships.add_department": ("At", lambda db, x: townships.add_department(db, "应急局")),
    "townships.set_target": ("At", lambda db, x: townships.set_target(
        db, {"year": 2026, "scope": "township", "township_code": "140322100", "net_increase": 3})),
    "sync.rekey_site": ("At", lambda db, x: sync_service.rekey_site(
        db, [], area_code="140322100", fingerprint="0" * 16)),
    "sync.import_packages(accept)": ("At", lambda db, x: sync_service.import_packages(
        db, [Path(db.path).parent / "none.sgpkg"], accept_fingerprint="0" * 16)),
    "sync.retire_device": ("At", lambda db, x: sync_service.retire_device(db, "秀水镇", "1a2b")),
    # 一表通 templates (#22 item 4): the county sends, withdraws and moves due dates
    "form_templates.send_template": ("At", lambda db, x: form_templates.send_template(
        db, _form(Path(db.path).parent / "名单.xlsx"), department="统计局", due="2026-12-10", today=TODAY)),
    "form_templates.withdraw_template": ("At", lambda db, x: form_templates.withdraw_template(db, "no-such-form")),
    "form_templates.change_due": ("At", lambda db, x: form_templates.change_due(db, "no-such-form", "2026-12-20")),
    # … and a township fills and reports (the county's office check refuses it in its words)
    "form_templates.record_filled": ("CTA", lambda db, x: form_templates.record_filled(db, "no-such-form")),
    "form_templates.mark_sent": ("CTA", lambda db, x: form_templates.mark_sent(db, "no-such-form")),
    "starter.make_starter": ("At", lambda db, x: starter.make_starter(
        db, "140322100", Path(db.path).parent / "秀水镇.sgstart")),
    # reading, reports and exports: everyone, the viewer included
    "reports.print_report": ("CTAV", lambda db, x: reports.print_report(
        db, "ledger", Path(db.path).parent / "台账.pdf", reports.resolve_filters(db), printed_on=TODAY)),
    "excel.export_table": ("CTAV", lambda db, x: excel.export_table(db, "enterprises", Path(db.path).parent / "企业.xlsx")),
}
PAIRS = [(role, service) for service in SERVICES for role in USERS]


def _open_as(template, tmp_path, role):
    folder, ctx = template
    office, name, password = USERS[role]
    for f in folder.iterdir():
        target = tmp_path / f.name
        (shutil.copytree if f.is_dir() else shutil.copy2)(f, target)
    ledger = session.unlock(tmp_path / FILES[office], password=password, user=name)
    return ledger, ctx[office]


def test_the_matrix_is_complete():
    """Every service function that checks a role is in the matrix, with every role."""
    import ast

    import shengui_desktop.services as services_package

    checked = set()
    for path in Path(services_package.__file__).parent.rglob("*.py"):
        for node in ast.parse(path.read_text("utf-8")).body:
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", "")) in
                    ("require", "require_admin") for n in ast.walk(node)):
                checked.add(node.name)
    tested = {key.split(".")[1].split("(")[0] for key in SERVICES}
    assert checked - tested - {"require", "finish_restore"} == set()  # finish_restore: through restore_backup
    assert len(PAIRS) == len(SERVICES) * 4 >= 4 * 60
    assert {r for allowed, _ in SERVICES.values() for r in allowed} <= set(SHORT) | {"t"}


@pytest.mark.parametrize("role, service", PAIRS, ids=[f"{s}-{r}" for r, s in PAIRS])
def test_each_role_against_each_service(template, tmp_path, role, service):
    allowed_roles, call = SERVICES[service]
    ledger, ctx = _open_as(template, tmp_path, role)
    try:
        allowed = role in {SHORT[c] for c in allowed_roles if c.isupper()}
        by_office = role == "township_admin" and "t" in allowed_roles
        before = (content_hash(ledger), keys_path_for(ledger.path).read_bytes(),
                  sorted(p.name for p in tmp_path.rglob("*") if p.name != "名单.xlsx"))
        office_refusal = None
        try:
            call(ledger, ctx)
            refused = None
        except users.NotPermitted as e:
            refused = str(e)
        except UserError as e:
            refused = None  # refused for another reason (an unknown id, a township's limits)
            office_refusal = str(e)
        if by_office:
            assert refused is None and office_refusal, f"{service}: the township's own check should refuse"
            after = (content_hash(ledger), keys_path_for(ledger.path).read_bytes(),
                     sorted(p.name for p in tmp_path.rglob("*") if p.name != "名单.xlsx"))
            assert after == before, "a refused call wrote something"
        elif allowed:
            assert refused is None, refused
        else:
            assert refused is not None, f"{users.ROLES[role]}不应能调用{service}"
            assert f"是{users.ROLES[role]}" in refused  # who is refused, and why
            if not refused.startswith("只有管理员"):  # users.require_admin's own words
                office = USERS[role][0]
                needed = [users.ROLES[SHORT[c]] for c in allowed_roles if c.isupper() and SHORT[c].startswith(office)] \
                    or [users.ROLES["county_admin"]]
                assert refused.endswith(f"需要{'或'.join(needed)}。"), refused
            after = (content_hash(ledger), keys_path_for(ledger.path).read_bytes(),
                     sorted(p.name for p in tmp_path.rglob("*") if p.name != "名单.xlsx"))
            assert after == before, "a refused call wrote something"
    finally:
        ledger.close()


@pytest.mark.parametrize("role, service, expected", [
    ("township_clerk", "visits.add_visit", 1), ("county_admin", "visits.add_visit", 1),
    ("township_admin", "enterprises.create_enterprise", 2), ("county_admin", "townships.add_township", 3),
    ("township_admin", "users.add_user", 3), ("county_viewer", "excel.export_table", None),
])
def test_an_allowed_call_really_writes(template, tmp_path, role, service, expected):
    """Not only 'not refused': the allowed call did its work."""
    ledger, ctx = _open_as(template, tmp_path, role)
    try:
        counts = {1: "SELECT count(*) FROM visits", 2: "SELECT count(*) FROM enterprises",
                  3: "SELECT count(*) FROM townships"}
        if expected == 3 and service == "users.add_user":
            before = len(users.list_users(ledger))
            SERVICES[service][1](ledger, ctx)
            assert len(users.list_users(ledger)) == before + 1
            return
        if expected is None:
            SERVICES[service][1](ledger, ctx)
            assert (tmp_path / "企业.xlsx").stat().st_size > 0
            return
        before = ledger.scalar(counts[expected])
        SERVICES[service][1](ledger, ctx)
        assert ledger.scalar(counts[expected]) == before + 1
    finally:
        ledger.close()


def test_messages_name_the_role_needed(template, tmp_path):
    ledger, ctx = _open_as(template, tmp_path, "township_clerk")
    try:
        with pytest.raises(users.NotPermitted) as e:
            pools.move_pool(ledger, ctx["ent"], "reserve", "走访发现")
        assert str(e.value) == "当前用户“clerk”是乡镇填报员，不能调整企业库别；需要乡镇管理员。"
        assert permissions.allowed(ledger, "visits") and not permissions.allowed(ledger, "pools")
        assert permissions.reason(ledger, "visits") is None
    finally:
        ledger.close()


def test_the_recovery_code_counts_as_the_offices_administrator(template, tmp_path):
    folder, ctx = template
    _open_as(template, tmp_path, "county_viewer")[0].close()  # copies the files
    code = None
    admin = session.unlock(tmp_path / FILES["county"], password=PASSWORD, user="admin")
    try:
        code = users.new_recovery_code(admin)
    finally:
        admin.close()
    opened = session.unlock(tmp_path / FILES["county"], recovery_code=code)
    try:
        assert opened.user is None and permissions.current_role(opened) == "county_admin"
        townships.add_township(opened, "140322102", "南娄镇")
    finally:
        opened.close()


def test_a_user_disabled_while_signed_in_may_write_nothing(template, tmp_path):
    ledger, ctx = _open_as(template, tmp_path, "township_clerk")
    try:
        admin = session.unlock(ledger.path, password=PASSWORD, user="admin")
        users.disable_user(admin, "clerk")
        admin.close()
        with pytest.raises(users.NotPermitted, match="用户“clerk”已停用或不存在"):
            visits.add_issue(ledger, ctx["ent"], {"description": "缺工", "category": "用工"})
    finally:
        ledger.close()


def test_the_command_line_is_refused_by_the_same_services(template, tmp_path, monkeypatch, capsys):
    ledger, ctx = _open_as(template, tmp_path, "county_viewer")
    path = ledger.path
    ledger.close()
    monkeypatch.setenv("SHENGUI_PASSPHRASE", USERS["county_viewer"][2])
    code = main(["visit", "add", "--db", str(path), "--user", "viewer", "--credit-code", ctx["code"],
                 "--date", "2026-11-20", "--visitors", "张三", "--summary", "了解生产"])
    err = capsys.readouterr().err
    assert code != 0 and "县级查看" in err and "县级管理员" in err and "Traceback" not in err
    assert main(["user", "list", "--db", str(path), "--user", "viewer"]) == 0
    assert "viewer" in capsys.readouterr().out
    code = main(["user", "role", "--db", str(path), "--user", "viewer", "viewer", "县级管理员"])
    assert code != 0 and "只有管理员" in capsys.readouterr().err
