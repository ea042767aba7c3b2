"""Who may do what: each writing service names its action and calls `require` first.

The four roles (users.py) within an office:

* 乡镇填报员 township_clerk — visits, issues and monthly/annual figures (and drafts of visits);
* 乡镇管理员 township_admin — all of that, and enterprises, projects and claims, pools, sync,
  spreadsheet imports, restoring a backup, users, the office's own keys, the policy profile
  its ledger runs under (chosen at set-up; the county's package replaces it);
* 县级管理员 county_admin — everything: all townships, county-only fields, targets, the
  profile, enrolling and re-keying townships, renaming and merging townships (at a township
  ledger, such a call by its administrator reaches the service, whose office check refuses
  it in its own words: 只有县级台账可以设定目标, …只能由县级修改);
* 县级查看 county_viewer — nothing that writes (reading, reports, exports and making a backup,
  which writes nothing to the ledger and is as encrypted as it, need no action).

Whoever opened the ledger with the recovery code counts as the office's administrator (they
could reset any password anyway). What an *office* may write (a township never writes a
county-only field) is sync/rules.py's business and is checked by the services themselves; this
module is only about the person. Both the window and the command line call the services, so
both are covered; the window also asks `allowed` / `reason` to disable what the role cannot do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import users
from .users import ROLES, NotPermitted

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

CLERKS = frozenset({"township_clerk", "township_admin", "county_admin"})
ADMINS = frozenset({"township_admin", "county_admin"})
COUNTY = frozenset({"county_admin"})

# action → (what it is, in the words of a refusal: 不能…; the roles that may do it)
ACTIONS: dict[str, tuple[str, frozenset[str]]] = {
    "visits": ("记录或修改走访", CLERKS),
    "issues": ("登记或处理问题", CLERKS),
    "figures": ("录入月度或年度数据", CLERKS),
    "drafts": ("保存走访草稿", CLERKS),
    "enterprises": ("新增、修改或删除企业", ADMINS),
    "records": ("登记项目、奖补申报、入规材料清单", ADMINS),
    "pools": ("调整企业库别", ADMINS),
    "sync": ("导入、导出同步包或处理冲突和疑似重复企业", ADMINS),
    "import": ("从Excel导入数据", ADMINS),
    "restore": ("从备份恢复台账", ADMINS),
    "users": ("管理用户", ADMINS),
    "keys": ("更换本单位的密钥", ADMINS),
    "demo": ("生成演示数据", ADMINS),
    "profile": ("选择或修改政策配置", ADMINS),
    "county_fields": ("修改入规历史等县级决定的数据", COUNTY),
    "targets": ("设置目标任务", COUNTY),
    "enrolment": ("登记乡镇或更换乡镇的密钥", COUNTY),
    "townships": ("新增、改名或合并乡镇和部门", COUNTY),
    "form_templates": ("下发或撤回报表模板、修改截止日期", COUNTY),
    "form_returns": ("标记报表已填报或已报送", CLERKS),
}


def office_kind(ledger: Ledger) -> str:
    return (ledger.this_site() or {}).get("role") or ledger.meta("role", "township")


def current_role(ledger: Ledger) -> str | None:
    """The signed-in person's role code; the office's administrator for the recovery code
    (or a ledger opened without a user); None for a user no longer listed or disabled."""
    if ledger.user is None:
        return "county_admin" if office_kind(ledger) == "county" else "township_admin"
    me = users.current_user(ledger)
    if me is None or not me.active:
        return None
    return me.role


def _action(action: str) -> tuple[str, frozenset[str]]:
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    return ACTIONS[action]


def allowed(ledger: Ledger, action: str) -> bool:
    return current_role(ledger) in _action(action)[1]


def reason(ledger: Ledger, action: str) -> str | None:
    """Why the signed-in person may not do `action` (Chinese, names the role needed), or None."""
    what, roles = _action(action)
    role = current_role(ledger)
    if role in roles:
        return None
    if role == "township_admin" and roles == COUNTY:
        return None  # what a township office may not do at all, its service says (sync/rules.py)
    office = office_kind(ledger)
    here = [r for r in ROLES if r in roles and r.startswith(office)]
    needed = "或".join(ROLES[r] for r in (here or [r for r in ROLES if r in roles]))
    who = (f"当前用户“{ledger.user}”是{ROLES[role]}" if role
           else f"用户“{ledger.user}”已停用或不存在")
    return f"{who}，不能{what}；需要{needed}。"


def require(ledger: Ledger, action: str) -> None:
    """Raise NotPermitted (with `reason`) unless the signed-in person may do `action`."""
    why = reason(ledger, action)
    if why is not None:
        raise NotPermitted(why)


__all__ = ["ACTIONS", "NotPermitted", "allowed", "current_role", "office_kind", "reason", "require"]
