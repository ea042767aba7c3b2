"""Building enterprises with exact yearly figures for the policy-profile tests."""

from __future__ import annotations

import random
from datetime import date

from shengui_desktop.services import policy
from shengui_desktop.services.ledger.demo import random_credit_code
from shengui_desktop.services.ledger.enterprises import create_enterprise
from shengui_desktop.storage.ledger import monthly_figure_id

TODAY = date(2026, 11, 23)  # this year 2026 (January–October reported), last year 2025
_rng = random.Random(3)


def spread(total: int, months: int) -> list[int]:
    """`total` split over `months` months, exactly (the remainder goes to the last month)."""
    part = total // months
    return [part] * (months - 1) + [total - part * (months - 1)]


def add_enterprise(ledger, name: str = "测试机械有限公司", *, township_code: str = "140322100",
                   years: dict[int, int] | None = None, ytd: tuple[int, int] | None = None,
                   department: str | None = None, outputs: dict[int, int] | None = None,
                   **fields) -> str:
    """An enterprise with revenue per full year ({2025: 16_500_000}) and, optionally, this
    year's first `months` months totalling an amount (ytd=(months, total), year of TODAY
    unless `ytd_year` is given). Output = revenue × 1.05 unless `outputs` gives a year's total, tax 3%, electricity 10%."""
    ytd_year = fields.pop("ytd_year", TODAY.year)
    record = {"credit_code": random_credit_code(_rng, "140322"), "name": name,
              "township_code": township_code, **fields}
    if department:
        record["department_id"] = ledger.scalar("SELECT id FROM departments WHERE name = ?", (department,))
    enterprise_id, _warnings = create_enterprise(ledger, record)
    rows = []
    for year, total in (years or {}).items():
        output = spread(outputs[year], 12) if outputs and year in outputs else None
        for month, revenue in enumerate(spread(total, 12), start=1):
            over = {"output_value": output[month - 1]} if output else {}
            rows.append(figure(enterprise_id, f"{year}-{month:02d}", revenue, **over))
    if ytd:
        months, total = ytd
        for month, revenue in enumerate(spread(total, months), start=1):
            rows.append(figure(enterprise_id, f"{ytd_year}-{month:02d}", revenue))
    if rows:
        ledger.insert_many("monthly_figures", rows)
    return enterprise_id


def figure(enterprise_id: str, period: str, revenue: int, **over) -> dict:
    return {"id": monthly_figure_id(enterprise_id, period), "enterprise_id": enterprise_id,
            "period": period, "revenue": revenue, "output_value": revenue * 105 // 100,
            "tax_paid": revenue * 3 // 100, "electricity_kwh": revenue // 10, **over}


def evaluation(ledger, enterprise_id: str, today: date = TODAY):
    return policy.evaluate(ledger, [enterprise_id], today)[enterprise_id]


def reward_lines(ledger, enterprise_id: str, year: int, today: date = TODAY) -> dict[str, dict]:
    return {ln.rule: ln for ln in policy.rewards(ledger, year, today).lines
            if ln.enterprise_id == enterprise_id}
