"""Finding the enterprise a person named by its credit code (below the services that use it,
so the policy services can look one up without importing the ledger's enterprise service)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...domain.credit_code import normalise
from ...errors import UserError

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


def find_by_credit_code(ledger: Ledger, credit_code: str) -> dict | None:
    return ledger.one("SELECT * FROM enterprises WHERE credit_code = ?", (credit_code,))


def enterprise_by_credit_code(ledger: Ledger, credit_code: str) -> dict:
    """The enterprise a person named by its credit code, typed as people type it (spaces,
    lower case, full-width); a Chinese UserError when the ledger has none."""
    code = normalise(credit_code)
    found = find_by_credit_code(ledger, code)
    if found is None:
        raise UserError(f"台账中没有统一社会信用代码为{code}的企业")
    return found
