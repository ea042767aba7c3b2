"""The people who may open this office's ledger: users, their roles, their passwords, and
the recovery code.

A user is a row of `users` (name, display name, role) and a key slot in the ledger's key
file under their password (storage/keyslots.py). Disabling a user removes the slot, so their
password opens nothing, and unlocking as them says 该用户已停用; enabling them is giving
them a new password. Only an administrator may manage users (the printed recovery code counts
as one: whoever holds it can open the ledger and reset any password anyway); every function
here that changes someone else checks that, whoever calls it (window or command line).

The four roles are stored now; what each may do elsewhere is enforced later, in each
service. A role is kept in the `users.role` column (admin / cadre / viewer), read with the
office's kind: an administrator of a township ledger is 乡镇管理员, of a county 县级管理员.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ...domain.text import NAME_LIMITS, name_problem, user_name_problem
from ...errors import UserError, WrongPassphrase
from ...storage import files
from ...storage.keyslots import KeySlots, keys_path_for
from . import session
from .audit import KEYS, USERS, record

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

ROLES = {
    "township_clerk": "乡镇填报员",
    "township_admin": "乡镇管理员",
    "county_admin": "县级管理员",
    "county_viewer": "县级查看",
}
# the roles a user of each kind of office can have, the usual one first
OFFICE_ROLES = {"township": ("township_clerk", "township_admin"),
                "county": ("county_viewer", "county_admin")}
STORED_ROLE = {"township_clerk": "cadre", "township_admin": "admin",
               "county_admin": "admin", "county_viewer": "viewer"}
MIN_PASSWORD = 8
MAX_NAME = NAME_LIMITS["user"]
MAX_DISPLAY_NAME = 40


class NotPermitted(UserError):
    """The signed-in user's role does not allow what was asked."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str  # a key of ROLES
    active: bool  # False: disabled (no key slot)
    created_at: str = ""

    @property
    def role_name(self) -> str:
        return ROLES[self.role]

    @property
    def is_admin(self) -> bool:
        return self.role.endswith("_admin")

    @property
    def status(self) -> str:
        return "正常" if self.active else "已停用"

    def as_dict(self) -> dict:
        return {"username": self.username, "display_name": self.display_name, "role": self.role,
                "role_name": self.role_name, "active": self.active, "created_at": self.created_at}


def _office(ledger: Ledger) -> str:
    return (ledger.this_site() or {}).get("role") or ledger.meta("role", "township")


def _role_code(office: str, stored: str | None) -> str:
    if stored == "admin":
        return "county_admin" if office == "county" else "township_admin"
    if stored == "viewer":
        return "county_viewer"
    return "township_clerk" if office == "township" else "county_viewer"


def roles(ledger: Ledger) -> dict[str, str]:
    """The roles a user of this office can have: code → Chinese name."""
    return {code: ROLES[code] for code in OFFICE_ROLES[_office(ledger)]}


def parse_role(ledger: Ledger, text: str) -> str:
    """A role's code from its code or its Chinese name; one this office offers."""
    text = text.strip()
    code = text if text in ROLES else next((c for c, n in ROLES.items() if n == text), None)
    offered = roles(ledger)
    if code is None or code not in offered:
        where = "乡镇" if _office(ledger) == "township" else "县级"
        kind = "无效" if code is None else f"不适用于{where}台账"
        raise UserError(f"角色“{text}”{kind}；可选：{'、'.join(offered.values())}")
    return code


# -- who is who ---------------------------------------------------------------------------
def _slots(ledger: Ledger) -> KeySlots:
    if ledger.path is None:
        raise UserError("内存中的台账没有密钥文件。")
    return KeySlots.load(keys_path_for(ledger.path))


def list_users(ledger: Ledger) -> list[User]:
    """Everyone who has or had a password for this ledger: active users first, by name."""
    office = _office(ledger)
    slots = _slots(ledger)
    active, disabled = set(slots.users), set(slots.disabled)
    rows = {r["username"]: r for r in ledger.rows(
        "SELECT username, display_name, role, created_at FROM users")}
    out = []
    for name in active | disabled | set(rows):
        row = rows.get(name) or {}
        out.append(User(name, row.get("display_name") or name, _role_code(office, row.get("role")),
                        name in active, row.get("created_at") or ""))
    return sorted(out, key=lambda u: (not u.active, u.username))


def find_user(ledger: Ledger, username: str) -> User | None:
    return next((u for u in list_users(ledger) if u.username == username), None)


def current_user(ledger: Ledger) -> User | None:
    """The signed-in user (None when the ledger was opened with the recovery code)."""
    return find_user(ledger, ledger.user) if ledger.user else None


def is_admin(ledger: Ledger) -> bool:
    """May the signed-in person manage users? An administrator, or whoever opened the ledger
    with the recovery code."""
    if ledger.user is None:
        return True
    me = current_user(ledger)
    return me is not None and me.active and me.is_admin


def require_admin(ledger: Ledger, what: str = "管理用户") -> None:
    if is_admin(ledger):
        return
    me = current_user(ledger)
    role = f"（当前用户“{ledger.user}”是{me.role_name}）" if me else ""
    raise NotPermitted(f"只有管理员可以{what}{role}。")


def _user(ledger: Ledger, username: str) -> User:
    user = find_user(ledger, username)
    if user is None:
        raise UserError(f"没有用户“{username}”。")
    return user


def _check_name(username: str) -> str:
    name = username.strip()
    problem = user_name_problem(name)
    if problem:
        raise UserError(problem)
    return name


def _check_display_name(display_name: str | None, username: str) -> str:
    text = (display_name or "").strip() or username
    if len(text) > MAX_DISPLAY_NAME:
        raise UserError(f"姓名最多{MAX_DISPLAY_NAME}个字符")
    problem = name_problem(text, "姓名", "person")
    if problem or any(unicodedata.category(ch)[0] == "C" for ch in text):
        raise UserError(problem or "姓名含有不可见的控制字符")
    return text


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少需要{MIN_PASSWORD}个字符")


def _active_admins(ledger: Ledger) -> list[str]:
    return [u.username for u in list_users(ledger) if u.active and u.is_admin]


def _upsert(ledger: Ledger, user: User) -> None:
    ledger.conn.execute(
        "INSERT INTO users(username, display_name, role, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role",
        (user.username, user.display_name, STORED_ROLE[user.role],
         user.created_at or datetime.now().isoformat(timespec="seconds")))


# -- managing users (administrators) -------------------------------------------------------
def add_user(ledger: Ledger, username: str, password: str, *, role: str,
             display_name: str | None = None) -> User:
    """A new user with their own password (a new key slot). `role`: a code or Chinese name."""
    require_admin(ledger)
    name = _check_name(username)
    code = parse_role(ledger, role)
    shown = _check_display_name(display_name, name)
    _check_password(password)
    existing = find_user(ledger, name)
    if existing is not None:
        hint = "（已停用：可在用户列表中重新启用）" if not existing.active else ""
        raise UserError(f"用户“{name}”已存在{hint}")
    user = User(name, shown, code, True, datetime.now().isoformat(timespec="seconds"))
    with ledger.transaction():  # the row is rolled back if the key file cannot be written
        _upsert(ledger, user)
        record(ledger, USERS, name, f"新增用户（{ROLES[code]}）")
        files.add_user_slot(Path(ledger.path), ledger, name, password)
    return user


def disable_user(ledger: Ledger, username: str) -> User:
    """The user's password stops opening the ledger; unlocking as them says 该用户已停用."""
    require_admin(ledger)
    user = _user(ledger, username)
    if not user.active:
        raise UserError(f"用户“{username}”已经停用")
    if username == ledger.user:
        raise UserError("不能停用当前登录的用户（自己）")
    if user.is_admin and _active_admins(ledger) == [username]:
        raise UserError(f"“{username}”是唯一的管理员，不能停用；请先把另一位用户设为管理员")
    files.disable_user_slot(Path(ledger.path), username)
    record(ledger, USERS, username, "停用用户")
    return _user(ledger, username)


def enable_user(ledger: Ledger, username: str, password: str) -> User:
    """A disabled user may open the ledger again, with a new password."""
    require_admin(ledger)
    user = _user(ledger, username)
    if user.active:
        raise UserError(f"用户“{username}”未停用")
    _check_password(password)
    with ledger.transaction():
        _upsert(ledger, user)
        record(ledger, USERS, username, "重新启用用户并设置新密码")
        files.add_user_slot(Path(ledger.path), ledger, username, password)
    return _user(ledger, username)


def set_role(ledger: Ledger, username: str, role: str) -> User:
    require_admin(ledger, "更改用户角色")
    user = _user(ledger, username)
    code = parse_role(ledger, role)
    if user.is_admin and not code.endswith("_admin") and user.active \
            and _active_admins(ledger) == [username]:
        raise UserError(f"“{username}”是唯一的管理员，不能改为{ROLES[code]}；请先把另一位用户设为管理员")
    with ledger.transaction():
        _upsert(ledger, User(user.username, user.display_name, code, user.active, user.created_at))
        record(ledger, USERS, username, f"角色由{ROLES[user.role]}改为{ROLES[code]}")
    return _user(ledger, username)


def reset_password(ledger: Ledger, username: str, password: str) -> None:
    """An administrator gives a user a new password (without the old one)."""
    require_admin(ledger, "重设他人的密码")
    user = _user(ledger, username)
    if not user.active:
        raise UserError(f"用户“{username}”已停用：请用“启用”并设置新密码")
    _check_password(password)
    files.add_user_slot(Path(ledger.path), ledger, username, password)
    record(ledger, USERS, username, "管理员重设密码")


def new_recovery_code(ledger: Ledger) -> str:
    """A new recovery code for this ledger; the old one stops opening it (copies of the key
    file in earlier backups keep the old one). Returned once, to be printed."""
    require_admin(ledger, "生成新的恢复码")
    code = files.new_recovery_code(ledger)
    record(ledger, KEYS, "恢复码", "生成新的恢复码（原恢复码作废）")
    return code


# -- oneself -------------------------------------------------------------------------------
def change_my_password(ledger: Ledger, old: str, new: str) -> None:
    """The signed-in user changes their own password (the old one must be right)."""
    if ledger.user is None:
        raise UserError("用恢复码打开台账时没有登录用户：请在用户列表中为用户重设密码。")
    if ledger.path is None:
        raise UserError("内存中的台账没有密钥文件。")
    _check_password(new)
    if new == old:
        raise UserError("新密码不能与原密码相同")
    try:
        session.change_password(ledger.path, ledger.user, old, new)
    except WrongPassphrase:
        raise WrongPassphrase("原密码不正确，密码未修改。") from None
    record(ledger, USERS, ledger.user, "修改本人密码")
