"""Moving an enterprise between pools: only ever a recorded decision with a reason."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ...domain.records import POOLS, validate_pool_move
from ...errors import UserError
from .enterprises import enterprise_by_credit_code
from ..office.permissions import require

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


def move_pool(ledger: Ledger, enterprise_id: str, to_pool: str, reason: str,
              decided_by: str | None = None, moved_on: str | None = None,
              allowed: tuple[str, ...] | None = None) -> str:
    """One enterprise's move: `move_pools` of one. Returns the pool event's id."""
    require(ledger, "pools")
    moves = move_pools(ledger, [enterprise_id], to_pool, reason, decided_by=decided_by,
                       moved_on=moved_on, allowed=allowed)
    return moves[0]["event_id"]


def move_pools(ledger: Ledger, enterprise_ids: list[str], to_pool: str, reason: str,
               decided_by: str | None = None, moved_on: str | None = None,
               allowed: tuple[str, ...] | None = None) -> list[dict]:
    """Move several enterprises into one pool with one reason, all or nothing: one
    transaction, and any problem (no enterprise, no reason, a pool not `allowed`, an
    enterprise missing or already there) refuses the whole move with a Chinese message and
    writes nothing. `allowed`: the pools the caller offers (the profile's, and 未入库).
    Returns the moves in the order given: event_id, enterprise_id, name, from_pool, to_pool."""
    require(ledger, "pools")
    ids = list(dict.fromkeys(enterprise_ids))
    if not ids:
        raise UserError("请先选择要调整库别的企业")
    clean = validate_pool_move({
        "to_pool": to_pool, "reason": reason, "decided_by": decided_by or ledger.user,
        "moved_on": moved_on or date.today().isoformat()})
    if allowed is not None and clean["to_pool"] not in allowed:
        offered = "、".join(POOLS[p] for p in allowed if p in POOLS)
        raise UserError(f"本地政策配置未设{POOLS[clean['to_pool']]}，只能调入：{offered}")
    moves = []
    with ledger.transaction():
        found = {i: e for i in ids if (e := ledger.get("enterprises", i)) is not None}
        missing = [i for i in ids if i not in found]
        if missing:
            raise UserError(f"有{len(missing)}户企业已不在台账中（可能已被合并或删除），请刷新后重选")
        already = [found[i]["name"] for i in ids if found[i]["pool"] == clean["to_pool"]]
        if already:
            raise UserError(f"以下企业已在{POOLS[clean['to_pool']]}，无需调整（请取消选择后再调）："
                            + "、".join(already[:10]) + (f"等{len(already)}户" if len(already) > 10 else ""))
        for enterprise_id in ids:
            enterprise = found[enterprise_id]
            event_id = ledger.insert("pool_events", {
                "enterprise_id": enterprise_id, "from_pool": enterprise["pool"],
                "to_pool": clean["to_pool"], "moved_on": clean["moved_on"],
                "reason": clean["reason"], "decided_by": clean["decided_by"]})
            ledger.update("enterprises", enterprise_id, {"pool": clean["to_pool"]})
            moves.append({"event_id": event_id, "enterprise_id": enterprise_id, "name": enterprise["name"],
                          "from_pool": enterprise["pool"], "to_pool": clean["to_pool"]})
    return moves


def move_pools_by_credit_codes(ledger: Ledger, credit_codes: list[str], to_pool: str, reason: str,
                               decided_by: str | None = None, moved_on: str | None = None,
                               allowed: tuple[str, ...] | None = None) -> list[dict]:
    """`shengui pool move` with one or several --credit-code: every one found first (a code
    not in the ledger refuses the lot), then `move_pools`."""
    require(ledger, "pools")
    ids = [enterprise_by_credit_code(ledger, code)["id"] for code in credit_codes]
    return move_pools(ledger, ids, to_pool, reason, decided_by=decided_by, moved_on=moved_on, allowed=allowed)


def pool_history(ledger: Ledger, enterprise_id: str) -> list[dict]:
    return ledger.rows("SELECT * FROM pool_events WHERE enterprise_id = ? ORDER BY moved_on, rowid",
                       (enterprise_id,))
