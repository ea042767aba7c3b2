"""The Chinese text the pages show for policy results (domain.policy_results): target lines and
reminders on the home page, reward lines and checklist boxes in the enterprise window, flag
names in the ledger table. Formatting only; the results come from services.policy."""

from __future__ import annotations

from ..domain.evaluation import FLAG_NAMES
from ..domain.money import format_wan
from ..domain.policy_results import ChecklistItem, KindLine, KindTargets, Reminder, Rewards, TargetLine, TargetProgress

MISSING = "—"  # shown where a value is not (yet) known


def flag_label(code: str) -> str:
    return FLAG_NAMES.get(code, code)


def _rate(value: float | None) -> str:
    return MISSING if value is None else f"{value * 100:.0f}%"


def _target_line(line: TargetLine) -> str:
    target = "未设" if line.target is None else f"{line.target}"
    name = line.name if line.registered else f"{line.name}（未登记）"
    return (f"{name}：目标净增{target}，新增{line.entries}，退规{line.exits}，"
            f"净增{line.net_increase}，完成率{_rate(line.completion_rate)}")


def _kind_line(targets: KindTargets, line: KindLine) -> str:
    target = "未设" if line.target is None else f"{line.target}"
    name = line.name if line.registered else f"{line.name}（未登记）"
    rate = _rate(line.completion_rate) if line.counted else "由上级统计"
    return (f"{name}：目标{targets.kind_name}{target}，{targets.achieved_label}{line.achieved}，"
            f"完成率{rate}")


def target_lines(progress: TargetProgress) -> list[str]:
    """The year's 净增: the county first, then townships with a target or a move (those the
    profile allocates to that are not in the ledger yet marked 未登记), then departments.
    Then each other target of the year (新增, 累计新增, 规上企业总数, a higher level's) the
    same way, its title first."""
    lines = [_target_line(progress.county)]
    lines += ["乡镇 · " + _target_line(t) for t in progress.townships
              if t.target is not None or t.entries or t.exits]
    lines += ["部门 · " + _target_line(d) for d in progress.departments]
    for k in progress.other_targets:
        lines.append(f"{k.title} · " + _kind_line(k, k.county))
        lines += [f"{k.title} · 乡镇 · " + _kind_line(k, t) for t in k.townships if t.target is not None]
        lines += [f"{k.title} · 部门 · " + _kind_line(k, d) for d in k.departments if d.target is not None]
    return lines


def reminder_lines(reminders: list[Reminder]) -> list[str]:
    return [f"{r.text}（{r.source}）" for r in reminders]


def reward_lines(rewards: Rewards, enterprise_id: str) -> list[str]:
    """The reward lines of one enterprise; without a profile, why nothing was computed."""
    out = []
    for line in rewards.lines_of(enterprise_id):
        amount = line.amount_text or (f"{format_wan(line.amount)}万元" if line.amount else "")
        out.append(f"{line.rule_name}（{line.payer}）：{line.status_text}"
                   f"{'，' + amount if amount else ''}——{line.reason}")
    if not out and rewards.profile is None:
        out = list(rewards.notes)
    return out


def checklist_label(item: ChecklistItem) -> str:
    """The text beside an entry material's tick box."""
    extra = "；".join(x for x in (item.done_on, item.auto) if x)
    return item.label + (f"（{extra}）" if extra else "")
