"""Calendar reminders, the entry-materials checklist and target-sized pools (pure)."""

from __future__ import annotations

from datetime import date

from .policy import Profile
from .policy_results import ChecklistItem, PoolSize, PoolSizing, Reminder
from .records import POOLS

# The typical materials for entry into the statistics register (national practice, the same
# under every profile).
CHECKLIST_ITEMS = {
    "registration_form": "年度审核登记表 / 纳入申报表",
    "legal_entity_form": "法人单位基本情况表",
    "business_licence": "营业执照",
    "site_verification": "现场核查确认书",
    "income_statement": "最新一期利润表（加盖公章）",
    "vat_return": "增值税纳税申报表及附列资料",
    "photos": "企业大门、生产车间照片",
    "project_approval": "项目审批或备案文件（新建项目）",
    "authenticity_pledge": "真实性承诺书",
    "monthly_ledger": "连续12个月以上产值、营业收入月度台账",
    "revenue_matches_vat": "利润表营业收入与增值税申报销售额一致，且达到规上标准",
}
NEW_PROJECT_ONLY = {"project_approval"}


def checklist(rows: dict[str, dict], *, is_new_project: bool, months_recorded: int,
              threshold_reached: bool | None) -> list[ChecklistItem]:
    """The checklist of one enterprise: each item with what is done.

    rows: the entry_checklist rows by item. `auto` says what the ledger itself shows (the
    monthly ledger and the revenue threshold); a person still ticks the item.
    """
    out = []
    for item, label in CHECKLIST_ITEMS.items():
        row = rows.get(item) or {}
        auto = ""
        if item == "monthly_ledger":
            auto = f"台账中已有近12个月中{months_recorded}个月的数据"
        elif item == "revenue_matches_vat" and threshold_reached is not None:
            auto = "台账上年主营业务收入已达规上标准" if threshold_reached else "台账上年主营业务收入未达规上标准"
        out.append(ChecklistItem(item=item, label=label,
                                 applicable=is_new_project or item not in NEW_PROJECT_ONLY,
                                 done=bool(row.get("done")), done_on=row.get("done_on"),
                                 note=row.get("note"), checked_by=row.get("checked_by"), auto=auto))
    return out


def reminders(profile: Profile | None, today: date, counts: dict[str, int]) -> list[Reminder]:
    """The calendar items of the profile that fall in today's month."""
    if profile is None:
        return []
    out = []
    for entry in profile.data["calendar"]:
        if today.month not in entry["months"]:
            continue
        flag = entry.get("related_flag")
        count, text = None, entry["title"]
        if flag:
            count = counts.get(flag, 0)
            label = {"reached_scale_not_entered": "达规未入统", "exit_risk": "退规风险"}[flag]
            text = f"{entry['title']}（当前{label}企业{count}户）"
        out.append(Reminder(code=entry["code"], title=entry["title"], month=today.month,
                            source="本地文件" if entry["source"] == "document" else "统计制度",
                            quote=entry["quote"], related_flag=flag, count=count, text=text))
    return out


def sizing(profile: Profile, year: int, year_target: int | None, counts: dict[str, int],
           year_target_text: str = "") -> PoolSizing | None:
    """孝义: each pool's required size and the shortfall against its count. The document:
    储备库 5 × and 培育库 2 × the “十四五” plan's annual target, 入统库 = this year's target
    (the year's target stands in for the plan's when the profile sets none). The ranking of
    the evaluation sizes the pools with this same function."""
    spec = profile.pool_sizing
    if spec is None:
        return None
    plan = spec.get("plan_annual_target")
    basis = plan if plan is not None else year_target
    basis_text = ("“十四五”计划年均目标" if plan is not None else
                  f"本年度目标{year_target_text}（未设“十四五”计划年均目标，以本年度目标代替）")
    plan_label = f"“十四五”计划年均目标{plan}户" if plan is not None else f"本年度目标{year_target}户"
    lines = []
    for pool, multiple, base, label in (
            ("reserve", spec["reserve_multiple"], basis, plan_label),
            ("cultivation", spec["cultivation_multiple"], basis, plan_label),
            ("entry", spec["entry_multiple"], year_target, f"本年度目标{year_target}户")):
        required = None if base is None else base * multiple
        count = counts.get(pool, 0)
        shortfall = None if required is None else max(required - count, 0)
        lines.append(PoolSize(pool=pool, pool_name=POOLS[pool], multiple=multiple, required=required,
                              count=count, shortfall=shortfall, basis=label if base is not None else ""))
    return PoolSizing(year=year, year_target=year_target, plan_annual_target=plan, basis_text=basis_text,
                      pools=lines, quote=spec["quote"],
                      problem=None if year_target is not None else "未设定本年度目标，无法计算库容")
