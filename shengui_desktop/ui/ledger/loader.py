"""Building the in-memory index on a worker, in two stages.

Stage 1 (the enterprises themselves, ~0.5 s at 100,000) is enough to paint the table;
stage 2 (last year's revenue and the policy evaluation, stored in the ledger and caught up
from the change log) fills the remaining columns. Both take their own connection (see jobs.py).
"""

from __future__ import annotations

from datetime import date

from ...services.policy import evaluation_store
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
    """A job function: (prior-year revenue per enterprise, evaluations in compact form).

    Both come from the evaluations stored in the ledger (services/policy/evaluation_store.py):
    one read, and only the enterprises changed since they were stored are evaluated again; a
    new month, another profile or a fresh ledger evaluates every enterprise here, on the
    worker, and stores the result. 上年营收 is the evaluation's prior-year revenue (the same
    year_total of twelve months, the annual figure or part of a year)."""
    today = today or date.today()

    def work(ledger, progress, cancelled):
        progress(0, 1, "读取政策评估结果")
        # the core reports (stage, done, total); jobs take (done, total, text)
        evaluations = evaluation_store.stored_evaluations(
            ledger, today=today, cancelled=cancelled,
            progress=lambda stage, done, total: progress(done, total, stage))
        if cancelled():
            raise Cancelled
        revenue = {k: ev.prior_year_revenue for k, ev in evaluations.items()
                   if ev.prior_year_revenue is not None}
        progress(1, 1, "")
        return revenue, evaluations

    return work
