"""Users of an office's ledger (services/office/users.py, `shengui user …`): adding one gives
them their own key slot; disabling removes it and unlocking as them says 该用户已停用; an
administrator resets passwords and sets roles, nobody else may; one's own password changes;
a new recovery code replaces the old one."""

from __future__ import annotations

import json

import pytest

from conftest import PASSWORD
from shengui_desktop.cli import main
from shengui_desktop.errors import LedgerDamaged, UserError, WrongPassphrase
from shengui_desktop.services.office import session, users
from shengui_desktop.storage import files
from shengui_desktop.storage.keyslots import KeySlots, UserDisabled, keys_path_for

BOB = "bob-password-1"
NEW = "a-new-password-2"


def keys_text(ledger) -> str:
    return keys_path_for(ledger.path).read_text("utf-8")


def unlocks(path, user, password) -> bool:
    try:
        opened = session.unlock(path, password=password, user=user)
    except WrongPassphrase:
        return False
    try:
        assert opened.user == user
    finally:
        session.close(opened)
    return True


def as_user(ledger, user, password):
    return session.unlock(ledger.path, password=password, user=user)


# -- adding and listing -------------------------------------------------------------------------
def test_an_added_user_unlocks_with_their_own_password(township):
    added = users.add_user(township, "bob", BOB, role="乡镇填报员", display_name="张三")
    assert (added.username, added.display_name, added.role, added.active) == \
        ("bob", "张三", "township_clerk", True)
    assert session.users(township.path) == ["admin", "bob"]
    assert unlocks(township.path, "bob", BOB)
    assert not unlocks(township.path, "bob", PASSWORD)  # the admin's password is not bob's
    assert unlocks(township.path, "admin", PASSWORD)  # the admin is unaffected
    listed = {u.username: (u.role_name, u.status) for u in users.list_users(township)}
    assert listed == {"admin": ("乡镇管理员", "正常"), "bob": ("乡镇填报员", "正常")}
    opened = as_user(township, "bob", BOB)
    try:
        me = users.current_user(opened)
        assert (me.username, me.role, me.is_admin) == ("bob", "township_clerk", False)
    finally:
        session.close(opened)


def test_roles_are_those_of_the_office(township, county):
    assert users.roles(township) == {"township_clerk": "乡镇填报员", "township_admin": "乡镇管理员"}
    assert users.roles(county) == {"county_viewer": "县级查看", "county_admin": "县级管理员"}
    assert [u.role_name for u in users.list_users(county)] == ["县级管理员"]
    viewer = users.add_user(county, "wang", BOB, role="county_viewer")
    assert viewer.role_name == "县级查看"
    with pytest.raises(UserError, match="“县级查看”不适用于乡镇台账；可选：乡镇填报员、乡镇管理员"):
        users.add_user(township, "li", BOB, role="县级查看")
    with pytest.raises(UserError, match="角色“boss”无效"):
        users.add_user(township, "li", BOB, role="boss")
    assert session.users(township.path) == ["admin"]


@pytest.mark.parametrize("name, message", [
    ("", "用户名不能为空"), ("zhang san", "空格或不可见字符"), ("zhang\u200bsan", "不可见字符"),
    ("bad\x1b[31m", "不可见字符"), ("x" * 33, "最多32个字符"), ("admin", "用户“admin”已存在"),
])
def test_bad_or_taken_names_are_refused_and_nothing_is_written(township, name, message):
    before = keys_text(township)
    with pytest.raises(UserError, match=message):
        users.add_user(township, name, BOB, role="乡镇填报员")
    assert keys_text(township) == before
    assert township.scalar("SELECT count(*) FROM users") == 1


def test_a_short_password_is_refused_before_anything_is_written(township):
    before = keys_text(township)
    with pytest.raises(UserError, match="密码至少需要8个字符"):
        users.add_user(township, "bob", "short", role="乡镇填报员")
    assert keys_text(township) == before
    assert township.scalar("SELECT count(*) FROM users") == 1


def test_the_user_row_is_rolled_back_when_the_key_file_cannot_be_written(township, monkeypatch):
    def fail(*_a, **_k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(files, "add_user_slot", fail)
    with pytest.raises(OSError):
        users.add_user(township, "bob", BOB, role="乡镇填报员")
    assert township.scalar("SELECT count(*) FROM users WHERE username = 'bob'") == 0


# -- disabling ---------------------------------------------------------------------------------
def test_a_disabled_user_is_refused_at_unlock_by_name_and_can_be_enabled_again(township):
    users.add_user(township, "bob", BOB, role="乡镇填报员")
    disabled = users.disable_user(township, "bob")
    assert (disabled.active, disabled.status) == (False, "已停用")
    with pytest.raises(UserDisabled) as refused:
        session.unlock(township.path, password=BOB, user="bob")
    assert "该用户已停用（bob），台账未打开" in str(refused.value)
    assert refused.value.exit_code == 3
    # without a user name, bob's password simply opens nothing (his slot is gone)
    with pytest.raises(WrongPassphrase, match="用户名或密码错误"):
        session.unlock(township.path, password=BOB)
    assert session.users(township.path) == ["admin"]  # the unlock dialog no longer lists him
    slots = KeySlots.load(keys_path_for(township.path))
    assert [s["user"] for s in slots.data["slots"] if s["kind"] == "password"] == ["admin"]
    assert slots.disabled == ["bob"]
    assert [(u.username, u.active) for u in users.list_users(township)] == [("admin", True), ("bob", False)]
    with pytest.raises(UserError, match="已停用：请用“启用”"):
        users.reset_password(township, "bob", NEW)
    with pytest.raises(UserError, match="已存在（已停用"):
        users.add_user(township, "bob", BOB, role="乡镇填报员")

    users.enable_user(township, "bob", NEW)
    assert unlocks(township.path, "bob", NEW)
    assert not unlocks(township.path, "bob", BOB)


def test_one_cannot_disable_oneself_or_leave_the_office_without_an_administrator(township):
    users.add_user(township, "bob", BOB, role="乡镇填报员")
    with pytest.raises(UserError, match="不能停用当前登录的用户"):
        users.disable_user(township, "admin")
    with pytest.raises(UserError, match="唯一的管理员，不能改为乡镇填报员"):
        users.set_role(township, "admin", "乡镇填报员")
    users.set_role(township, "bob", "乡镇管理员")
    opened = as_user(township, "bob", BOB)
    try:
        assert users.is_admin(opened)
        users.set_role(opened, "admin", "乡镇填报员")  # bob is an administrator now
        with pytest.raises(UserError, match="唯一的管理员，不能改为乡镇填报员"):
            users.set_role(opened, "bob", "乡镇填报员")
    finally:
        session.close(opened)
    assert {u.username: u.role for u in users.list_users(township)} == \
        {"admin": "township_clerk", "bob": "township_admin"}


# -- who may -----------------------------------------------------------------------------------
def test_a_user_who_is_not_an_administrator_cannot_manage_users(township):
    users.add_user(township, "bob", BOB, role="乡镇填报员")
    users.add_user(township, "carol", BOB, role="乡镇填报员")
    before = keys_text(township)
    bob = as_user(township, "bob", BOB)
    try:
        assert not users.is_admin(bob)
        for attempt in (lambda: users.add_user(bob, "mallory", BOB, role="乡镇管理员"),
                        lambda: users.disable_user(bob, "carol"),
                        lambda: users.enable_user(bob, "carol", NEW),
                        lambda: users.set_role(bob, "bob", "乡镇管理员"),
                        lambda: users.reset_password(bob, "admin", NEW),
                        lambda: users.new_recovery_code(bob)):
            with pytest.raises(users.NotPermitted, match="只有管理员可以.*（当前用户“bob”是乡镇填报员）"):
                attempt()
        assert [u.username for u in users.list_users(bob)] == ["admin", "bob", "carol"]  # reading is fine
    finally:
        session.close(bob)
    assert keys_text(township) == before
    assert township.scalar("SELECT count(*) FROM users WHERE username = 'mallory'") == 0
    assert township.scalar("SELECT role FROM users WHERE username = 'bob'") == "cadre"


def test_the_recovery_code_counts_as_an_administrator(township):
    opened = session.unlock(township.path, recovery_code=township.recovery_code)
    try:
        assert opened.user is None and users.is_admin(opened)
        users.add_user(opened, "bob", BOB, role="乡镇管理员")
        users.reset_password(opened, "admin", NEW)
        with pytest.raises(UserError, match="用恢复码打开台账时没有登录用户"):
            users.change_my_password(opened, NEW, "yet-another-3")
    finally:
        session.close(opened)
    assert unlocks(township.path, "admin", NEW) and unlocks(township.path, "bob", BOB)


# -- passwords ---------------------------------------------------------------------------------
def test_an_administrator_resets_a_password_without_the_old_one(township):
    users.add_user(township, "bob", BOB, role="乡镇填报员")
    users.reset_password(township, "bob", NEW)
    assert not unlocks(township.path, "bob", BOB)
    assert unlocks(township.path, "bob", NEW)
    with pytest.raises(UserError, match="没有用户“nobody”"):
        users.reset_password(township, "nobody", NEW)


def test_changing_my_password_the_old_one_stops_working(township):
    users.add_user(township, "bob", BOB, role="乡镇填报员")
    bob = as_user(township, "bob", BOB)
    try:
        with pytest.raises(WrongPassphrase, match="原密码不正确，密码未修改"):
            users.change_my_password(bob, "not-my-password", NEW)
        with pytest.raises(UserError, match="新密码不能与原密码相同"):
            users.change_my_password(bob, BOB, BOB)
        with pytest.raises(UserError, match="至少需要8个字符"):
            users.change_my_password(bob, BOB, "short")
        users.change_my_password(bob, BOB, NEW)  # a clerk may change their own password
    finally:
        session.close(bob)
    assert not unlocks(township.path, "bob", BOB)
    assert unlocks(township.path, "bob", NEW)
    assert unlocks(township.path, "admin", PASSWORD)


def test_a_new_recovery_code_replaces_the_old_one(township):
    old = township.recovery_code
    code = users.new_recovery_code(township)
    assert code != old and len(code) == 29
    with pytest.raises(WrongPassphrase, match="恢复码不正确"):
        session.unlock(township.path, recovery_code=old)
    session.close(session.unlock(township.path, recovery_code=code.lower()))
    assert unlocks(township.path, "admin", PASSWORD)


def test_a_damaged_list_of_disabled_users_is_reported_as_a_damaged_key_file(township):
    path = keys_path_for(township.path)
    data = json.loads(path.read_text("utf-8"))
    data["disabled"] = "bob"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(LedgerDamaged, match="已损坏"):
        session.users(township.path)


# -- the command line --------------------------------------------------------------------------
def test_cli_user_add_disable_enable_role_reset_and_list(township, monkeypatch, capsys):
    db = str(township.path)
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    monkeypatch.setenv("SHENGUI_NEW_PASSPHRASE", BOB)
    assert main(["user", "add", "bob", "--db", db, "--role", "乡镇填报员", "--display-name", "张三"]) == 0
    assert "已添加用户：bob（张三）  乡镇填报员" in capsys.readouterr().out
    assert unlocks(township.path, "bob", BOB)

    assert main(["user", "disable", "bob", "--db", db]) == 0
    monkeypatch.setenv("SHENGUI_PASSPHRASE", BOB)
    assert main(["user", "list", "--db", db, "--user", "bob"]) == 3
    assert "该用户已停用（bob）" in capsys.readouterr().err

    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    monkeypatch.setenv("SHENGUI_NEW_PASSPHRASE", NEW)
    assert main(["user", "enable", "bob", "--db", db]) == 0
    assert main(["user", "role", "bob", "township_admin", "--db", db]) == 0
    assert "角色已改为乡镇管理员" in capsys.readouterr().out
    monkeypatch.setenv("SHENGUI_NEW_PASSPHRASE", "third-password-3")
    assert main(["user", "reset-password", "bob", "--db", db]) == 0
    assert unlocks(township.path, "bob", "third-password-3")
    capsys.readouterr()
    assert main(["user", "list", "--db", db, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(u["username"], u["role_name"], u["active"]) for u in listed] == \
        [("admin", "乡镇管理员", True), ("bob", "乡镇管理员", True)]


def test_cli_a_clerk_cannot_add_users_and_no_password_comes_from_an_argument(township, monkeypatch, capsys):
    users.add_user(township, "bob", BOB, role="乡镇填报员")
    db = str(township.path)
    monkeypatch.setenv("SHENGUI_PASSPHRASE", BOB)
    monkeypatch.setenv("SHENGUI_NEW_PASSPHRASE", NEW)
    assert main(["user", "add", "mallory", "--db", db, "--user", "bob"]) == 2
    assert "只有管理员可以管理用户" in capsys.readouterr().err
    assert session.users(township.path) == ["admin", "bob"]
    with pytest.raises(SystemExit):
        main(["user", "add", "eve", "--db", db, "--password", "x"])
