"""Who may write what, and which records concern which office (docs/sync-format.md, property 7).

Data-driven so a new synced table fits without code: a table is either

* ``enterprise`` – the enterprises themselves, owned by their ``township_code``;
* ``child``      – owned through ``enterprise_id`` (visits, issues, figures, projects, …);
* ``county``     – county-wide reference data (townships, departments, targets, profiles,
  form templates);
* ``township``   – a township's own record that hangs off no enterprise, owned by its
  ``township_code`` (a township's answer to a form template): the township writes it, the
  county receives it and sends it to nobody.

A table not listed here is a ``child`` when it has an ``enterprise_id`` column, else
``county``. Some child tables hold only county decisions (``COUNTY_WRITES``), and some fields
of township records are the county's to decide (``COUNTY_ONLY_FIELDS``; the value is what a
township's insert must carry, i.e. the column's neutral default).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..storage import ledger as ledger_mod

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

ENTERPRISE, CHILD, COUNTY, TOWNSHIP = "enterprise", "child", "county", "township"

TABLE_KIND = {
    "enterprises": ENTERPRISE,
    "townships": COUNTY, "departments": COUNTY, "targets": COUNTY, "policy_profiles": COUNTY,
    "form_templates": COUNTY, "form_returns": TOWNSHIP,
}
# Records that carry a file a person will open (a form template's .xlsx): table -> the check
# of a change's data, giving the problems (Chinese). The service that owns the file's format
# registers it (sync may not import spreadsheets); a package bringing such a record while no
# check is registered is refused, never stored unchecked.
CONTENT_CHECKS: dict[str, Callable[[dict], list[str]] | None] = {"form_templates": None}
# Child tables whose every write is a county decision (a stats history entry is 规上/规下).
COUNTY_WRITES = {"scale_history"}
COUNTY_ONLY_FIELDS: dict[str, dict[str, object]] = {
    "enterprises": {"stat_status": "below_scale", "entered_stats_date": None,
                    "exited_stats_date": None},
    "pool_events": {"confirmed": 0},
    # a township files a claim (申报); 审核, 兑现 and 不予 are the county's decisions
    "reward_claims": {"status": "claimed", "decided_on": None, "decision_note": None},
}
# Natural keys of county-wide tables. A township's own placeholder row (made at set-up, never
# exported) gives way when the county's row with the same key arrives.
NATURAL_KEYS = {"townships": "code", "departments": "name"}

TABLE_LABELS = {
    "townships": "乡镇", "departments": "部门", "enterprises": "企业", "monthly_figures": "月度数据",
    "visits": "走访记录", "issues": "问题", "pool_events": "库别调整", "targets": "目标任务",
    "policy_profiles": "政策配置", "projects": "项目", "scale_history": "入规历史",
    "reward_claims": "奖补申报", "entry_checklist": "入规材料清单", "annual_figures": "年度数据",
    "project_milestones": "项目节点任务", "form_templates": "报表模板", "form_returns": "报表填报",
    "change_log": "变更记录",  # not synced; `verify` counts it
}


def synced_tables() -> tuple[str, ...]:
    return tuple(ledger_mod.SYNCED_TABLES)


def table_kind(ledger: Ledger, table: str) -> str:
    if table in TABLE_KIND:
        return TABLE_KIND[table]
    return CHILD if "enterprise_id" in ledger.spec(table).columns else COUNTY


def label(table: str) -> str:
    return TABLE_LABELS.get(table, table)


def county_only(table: str) -> dict[str, object]:
    return COUNTY_ONLY_FIELDS.get(table, {})


def township_may_write(ledger: Ledger, table: str) -> bool:
    return table_kind(ledger, table) != COUNTY and table not in COUNTY_WRITES


def check_local_write(ledger: Ledger, table: str, changes: dict) -> list[str]:
    """Problems (Chinese) if this office may not make this write; for services to call.

    A township ledger that writes a county-only field would make its packages be refused
    at the county, so the write should be stopped where it is typed.
    """
    if ledger.meta("role") != "township":
        return []
    if not township_may_write(ledger, table):
        return [f"{label(table)}只能由县级修改"]
    return [f"{label(table)}的“{f}”只能由县级修改" for f in changes if f in county_only(table)]


def register_content_check(table: str, check: Callable[[dict], list[str]]) -> None:
    CONTENT_CHECKS[table] = check


def content_problems(items: list[dict], limit: int = 20) -> list[str]:
    """What the registered checks refuse in these well-formed changes, each naming the
    record (its name when the change carries it)."""
    problems: list[str] = []
    for e in items:
        if e["tbl"] not in CONTENT_CHECKS or not e["data"]:
            continue
        check = CONTENT_CHECKS[e["tbl"]]
        title = e["data"].get("name")
        where = f"“{title}”（{e['row_id'][:8]}）" if isinstance(title, str) else e["row_id"][:8]
        found = ["本程序无法检查此类记录"] if check is None else check(e["data"])
        problems += [f"{label(e['tbl'])}{where}：{p}" for p in found]
        if len(problems) >= limit:
            break
    return problems
