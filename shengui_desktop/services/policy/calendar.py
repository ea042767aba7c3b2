"""The profile's calendar reminders and the entry checklist (the target-sized pools of 孝义
are in targets.py).

Read-only except the checklist ticks (written through the ledger, synced).
"""

from __future__ import annotations

import hashlib
from datetime import date

from ...domain.policy_calendar import CHECKLIST_ITEMS, checklist, reminders
from ...domain.policy_results import ChecklistItem, Reminder
from ...errors import UserError
from ...storage.ledger import Ledger
from ..ledger.figures import revenue_by_year
from ..ledger.lookup import enterprise_by_credit_code
from .evaluation import evaluate
from .profiles import active_profile
from ..office.permissions import require

THRESHOLD_YUAN = 20_000_000


def calendar_reminders(ledger: Ledger, today: date | None = None) -> list[Reminder]:
    """The profile's calendar items due this month, with the counts they concern."""
    today = today or date.today()
    profile = active_profile(ledger)
    counts: dict[str, int] = {}
    due = [c for c in (profile.data["calendar"] if profile else ()) if today.month in c["months"]]
    if any(c.get("related_flag") for c in due):
        for ev in evaluate(ledger, today=today).values():
            for code in ev.flag_codes:
                counts[code] = counts.get(code, 0) + 1
    return reminders(profile, today, counts)


def _checklist_id(enterprise_id: str, item: str) -> str:
    return hashlib.blake2b(f"entry-checklist:{enterprise_id}:{item}".encode(), digest_size=16).hexdigest()


def entry_checklist(ledger: Ledger, enterprise_id: str, today: date | None = None) -> list[ChecklistItem]:
    """The entry materials of one enterprise, what is ticked and what the ledger shows."""
    today = today or date.today()
    enterprise = ledger.get("enterprises", enterprise_id)
    if enterprise is None:
        raise UserError("企业不存在")
    rows = {r["item"]: r for r in ledger.rows("SELECT * FROM entry_checklist WHERE enterprise_id = ?",
                                              (enterprise_id,))}
    index = today.year * 12 + today.month - 1
    first = f"{(index - 12) // 12:04d}-{(index - 12) % 12 + 1:02d}"
    months = ledger.scalar("SELECT count(revenue) FROM monthly_figures WHERE enterprise_id = ?"
                           " AND period >= ? AND period < ?",
                           (enterprise_id, first, f"{today.year}-{today.month:02d}"))
    # last year's revenue: its twelve months, else its annual figure (年度数), else its months
    last_year = revenue_by_year(ledger, enterprise_id).get(today.year - 1)
    prior = last_year.revenue if last_year else None
    profile = active_profile(ledger)
    threshold = profile.threshold if profile else THRESHOLD_YUAN
    has_project = ledger.scalar("SELECT 1 FROM projects WHERE enterprise_id = ?", (enterprise_id,))
    return checklist(rows, is_new_project=bool(has_project) or enterprise["source"] == "new_project",
                     months_recorded=months or 0,
                     threshold_reached=None if prior is None else prior >= threshold)


def set_checklist_item(ledger: Ledger, enterprise_id: str, item: str, done: bool,
                       note: str | None = None, done_on: str | None = None) -> dict:
    """Tick (or untick) one entry-material item; returns the fields that changed."""
    require(ledger, "records")
    if item not in CHECKLIST_ITEMS:
        raise UserError(f"没有“{item}”这一申报材料项")
    if ledger.get("enterprises", enterprise_id) is None:
        raise UserError("企业不存在")
    row_id = _checklist_id(enterprise_id, item)
    fields = {"done": 1 if done else 0, "note": note,
              "done_on": (done_on or date.today().isoformat()) if done else None,
              "checked_by": ledger.user}
    with ledger.transaction():
        if ledger.get("entry_checklist", row_id) is None:
            ledger.insert("entry_checklist", {"id": row_id, "enterprise_id": enterprise_id, "item": item,
                                              **fields})
            return fields
        return ledger.update("entry_checklist", row_id, fields)


def update_entry_checklist(ledger: Ledger, credit_code: str, *, done: list[str] | tuple = (),
                           undone: list[str] | tuple = (), note: str | None = None) -> list[ChecklistItem]:
    """`shengui checklist`: tick and untick items of the enterprise named by its credit code,
    all or nothing; returns its checklist as it then stands."""
    require(ledger, "records")
    enterprise = enterprise_by_credit_code(ledger, credit_code)
    if done or undone:
        with ledger.transaction():
            for item in done:
                set_checklist_item(ledger, enterprise["id"], item, True, note=note)
            for item in undone:
                set_checklist_item(ledger, enterprise["id"], item, False, note=note)
    return entry_checklist(ledger, enterprise["id"])
