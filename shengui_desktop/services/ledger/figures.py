"""Monthly figures: one record per enterprise and month, integer yuan and kWh."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...domain.records import FIGURE_FIELDS, validate_monthly_figure
from ...errors import UserError
from ...storage.ledger import monthly_figure_id

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


def record_month(ledger: Ledger, enterprise_id: str, period: str, values: dict) -> dict:
    """Insert or update one month; returns the fields that changed."""
    clean = validate_monthly_figure({"period": period, **values})
    if ledger.get("enterprises", enterprise_id) is None:
        raise UserError("企业不存在")
    fields = {k: clean[k] for k in FIGURE_FIELDS if k in clean}
    row_id = monthly_figure_id(enterprise_id, clean["period"])
    with ledger.transaction():
        if ledger.get("monthly_figures", row_id) is None:
            ledger.insert("monthly_figures", {"id": row_id, "enterprise_id": enterprise_id,
                                              "period": clean["period"], **fields})
            return fields
        return ledger.update("monthly_figures", row_id, fields)


def figures_of(ledger: Ledger, enterprise_id: str) -> list[dict]:
    return ledger.rows("SELECT * FROM monthly_figures WHERE enterprise_id = ? ORDER BY period",
                       (enterprise_id,))
