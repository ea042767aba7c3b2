"""Moving an enterprise between pools: only ever a recorded decision with a reason."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ...domain.records import POOLS, validate_pool_move
from ...errors import UserError
from .enterprises import enterprise_by_credit_code

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


def move_pool(ledger: Ledger, enterprise_id: str, to_pool: str, reason: str,
              decided_by: str | None = None, moved_on: str | None = None) -> str:
    clean = validate_pool_move({
        "to_pool": to_pool, "reason": reason, "decided_by": decided_by or ledger.user,
        "moved_on": moved_on or date.today().isoformat()})
    with ledger.transaction():
        enterprise = ledger.get("enterprises", enterprise_id)
        if enterprise is None:
            raise UserError("企业不存在")
        if enterprise["pool"] == clean["to_pool"]:
            raise UserError(f"企业已在{POOLS[clean['to_pool']]}，无需调整")
        event_id = ledger.insert("pool_events", {
            "enterprise_id": enterprise_id, "from_pool": enterprise["pool"],
            "to_pool": clean["to_pool"], "moved_on": clean["moved_on"],
            "reason": clean["reason"], "decided_by": clean["decided_by"]})
        ledger.update("enterprises", enterprise_id, {"pool": clean["to_pool"]})
    return event_id


def move_pool_by_credit_code(ledger: Ledger, credit_code: str, to_pool: str, reason: str,
                             decided_by: str | None = None,
                             moved_on: str | None = None) -> tuple[dict, dict]:
    """`shengui pool move`: the enterprise named by its credit code. Returns (the enterprise
    as it was, the move: event_id, enterprise_id, from_pool, to_pool)."""
    enterprise = enterprise_by_credit_code(ledger, credit_code)
    event_id = move_pool(ledger, enterprise["id"], to_pool, reason, decided_by=decided_by,
                         moved_on=moved_on)
    return enterprise, {"event_id": event_id, "enterprise_id": enterprise["id"],
                        "from_pool": enterprise["pool"],
                        "to_pool": ledger.get("enterprises", enterprise["id"])["pool"]}


def pool_history(ledger: Ledger, enterprise_id: str) -> list[dict]:
    return ledger.rows("SELECT * FROM pool_events WHERE enterprise_id = ? ORDER BY moved_on, rowid",
                       (enterprise_id,))
