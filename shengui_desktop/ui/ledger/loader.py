"""Building the in-memory index on a worker, in two stages.

Stage 1 (the enterprises themselves, ~0.5 s at 100,000) is enough to paint the table;
stage 2 (last year's revenue over millions of monthly figures, the policy evaluation) fills
the remaining columns a few seconds later. Both take their own connection (see jobs.py).
"""

from __future__ import annotations

from datetime import date

from ...services import policy
from ...services.ledger import enterprises, reference
from ..jobs import Cancelled
from .index import EnterpriseIndex


def load_rows(ledger, progress, cancelled) -> EnterpriseIndex:
    progress(0, 3, "读取企业名录")
    rows = enterprises.ledger_rows(ledger)
    if cancelled():
        raise Cancelled
    progress(1, 3, "读取乡镇和部门")
    townships = {t["code"]: t["name"] for t in reference.list_townships(ledger)}
    departments = {d["id"]: d["name"] for d in reference.list_departments(ledger)}
    progress(2, 3, "建立检索索引")
    index = EnterpriseIndex(rows=rows, townships=townships, departments=departments,
                            year=date.today().year)
    progress(3, 3, "")
    return index


def load_figures(today: date | None = None):
    """A job function: (prior-year revenue per enterprise, evaluations)."""
    today = today or date.today()

    def work(ledger, progress, cancelled):
        progress(0, 2, "汇总上年主营业务收入")
        revenue = {k: v[0] for k, v in
                   enterprises.annual_revenue_totals(ledger, today.year - 1).items()}
        if cancelled():
            raise Cancelled
        progress(1, 2, "按政策规则评估")
        # the core reports (stage, done, total); jobs take (done, total, text)
        evaluations = policy.evaluate(ledger, today=today, cancelled=cancelled,
                                      progress=lambda stage, done, total: progress(done, total, stage))
        progress(2, 2, "")
        return revenue, evaluations

    return work
