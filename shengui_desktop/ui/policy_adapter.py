"""The policy rules as the pages show them: calls into services.policy, and the lines of
Chinese text its results become. No rule is evaluated here."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..domain.evaluation import FLAG_NAMES, Evaluation
from ..services import policy
from .jobs import core_progress

MISSING = "—"


def evaluate(ledger, enterprise_ids=None, today: date | None = None,
             progress=None, cancelled=None) -> dict[str, Evaluation]:
    """Evaluation per enterprise id; progress in the jobs' (done, total, text) form."""
    report = None if progress is None else core_progress(progress)
    return policy.evaluate(ledger, enterprise_ids=enterprise_ids, today=today,
                           progress=report, cancelled=cancelled)


target_progress = policy.target_progress
rewards = policy.rewards
calendar_reminders = policy.calendar_reminders
entry_checklist = policy.entry_checklist
choose_profile = policy.choose_profile


def set_checklist_item(ledger, enterprise_id: str, item: str, done: bool) -> bool:
    policy.set_checklist_item(ledger, enterprise_id, item, done)
    return True


def profiles() -> list[tuple[str, str]]:
    """(code, name) of the policy profiles that ship with the program."""
    return [(p["code"], p["name"]) for p in policy.list_profiles()]


def flag_label(code: str) -> str:
    return FLAG_NAMES.get(code, code)


def describe(value: Any) -> list[str]:
    """Lines of text for a result of unknown shape (dicts, dataclasses, lists, strings)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if all(not isinstance(v, (dict, list)) for v in value.values()):
            return ["，".join(f"{k}：{v}" for k, v in value.items())]
        lines = []
        for k, v in value.items():
            lines.extend(f"{k}：{line}" for line in describe(v))
        return lines
    if isinstance(value, (list, tuple)):
        lines = []
        for item in value:
            lines.extend(describe(item))
        return lines
    text = getattr(value, "text", None) or getattr(value, "message", None)
    if isinstance(text, str):
        return [text]
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict
        return describe(asdict(value))
    return [str(value)]


# -- the shapes services.policy returns, as lines of Chinese text --------------------------
def _rate(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _target_line(line: dict) -> str:
    target = "未设" if line.get("target") is None else f"{line['target']}"
    return (f"{line.get('name')}：目标净增{target}，新增{line.get('entries', 0)}，"
            f"退规{line.get('exits', 0)}，净增{line.get('net_increase', 0)}，"
            f"完成率{_rate(line.get('completion_rate'))}")


def target_lines(value) -> list[str]:
    if not isinstance(value, dict) or "county" not in value:
        return describe(value)
    lines = [_target_line(value["county"])]
    lines += ["乡镇 · " + _target_line(t) for t in value.get("townships", []) if t.get("target") is not None
              or t.get("entries") or t.get("exits")]
    lines += ["部门 · " + _target_line(d) for d in value.get("departments", [])]
    return lines


def reminder_lines(value) -> list[str]:
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return [f"{v.get('text') or v.get('title')}（{v.get('source', '')}）" for v in value]
    return describe(value)


def reward_lines(value, enterprise_id: str) -> list[str]:
    if not (isinstance(value, dict) and "lines" in value):
        return describe(value)
    out = []
    for line in value["lines"]:
        if line.get("enterprise_id") != enterprise_id:
            continue
        amount = line.get("amount_text") or (f"{line['amount'] / 10000:,.2f}万元" if line.get("amount") else "")
        out.append(f"{line.get('rule_name')}（{line.get('payer', '')}）：{line.get('status_text', '')}"
                   f"{'，' + amount if amount else ''}——{line.get('reason', '')}")
    if not out and value.get("profile") is None:
        out = list(value.get("notes") or [])
    return out


def checklist_lines(value) -> list[str]:
    if not (isinstance(value, list) and all(isinstance(v, dict) and "label" in v for v in value)):
        return describe(value)
    out = []
    for item in value:
        if not item.get("applicable", True):
            continue
        mark = "☑" if item.get("done") else "☐"
        extra = "；".join(x for x in (item.get("done_on"), item.get("auto"), item.get("note")) if x)
        out.append(f"{mark} {item['label']}" + (f"（{extra}）" if extra else ""))
    return out
