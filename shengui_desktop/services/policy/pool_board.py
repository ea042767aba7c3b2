"""The county's desk of pools (the 培育库 page): the pools the active profile defines with their
counts against the profile's sizing (孝义 5× / 2× / 1×), the enterprises whose suggested pool
differs from their pool and why, the quarterly review where the profile has one (顺城), and
the enterprises at risk of leaving the above-scale list (退规风险).

Read-only: moves are services.ledger.pools `move_pools`, to one of `offered_pools`.

A profile holds a quarterly review when its calendar has the entry REVIEW_CODE (顺城:
“按季度对不具备升规潜力的企业进行调整，并以企业主营业务收入预计数为依据，甄选新的优质企业
入库培育”). The pools it reviews are those a pool rule fills on the projected revenue (预计数),
or every pool of the profile when no rule does. In a review month the list says who leaves
(in the pool, the rules no longer suggest it) and who joins (suggested for it, by projected
revenue, highest first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from ...domain.evaluation import Evaluation
from ...domain.policy import POOL_ORDER, Profile
from ...domain.records import POOLS
from ...progress import Cancelled
from ...storage.ledger import Ledger
from .evaluation import evaluate
from .profiles import active_profile
from .targets import pool_sizing

REVIEW_CODE = "quarterly_pool_review"
NO_POOL = "none"


def profile_pools(profile: Profile | None) -> tuple[str, ...]:
    """The pools a profile defines, in the order of readiness (退规风险库 last); none without a profile."""
    if profile is None:
        return ()
    pools = profile.data["pools"]
    order = [*POOL_ORDER, "exit_risk"]
    return tuple(sorted(pools, key=lambda p: order.index(p) if p in order else len(order)))


def offered_pools(ledger: Ledger) -> tuple[str, ...]:
    """Where a person may move an enterprise: the profile's pools, then 未入库 (out of every
    pool). Nothing without a profile: the pools are the profile's to define."""
    pools = profile_pools(active_profile(ledger))
    return (*pools, NO_POOL) if pools else ()


@dataclass
class PoolCount:
    pool: str
    pool_name: str
    count: int
    required: int | None = None  # the profile's size for the whole county (孝义), when known
    shortfall: int | None = None
    basis: str = ""  # what the size is a multiple of


@dataclass
class BoardLine:
    """One enterprise on the board, with what the rules say of it."""

    enterprise_id: str
    name: str
    credit_code: str
    township_code: str | None
    township_name: str
    pool: str
    pool_name: str
    suggested_pool: str
    suggested_pool_name: str
    reason: str  # the suggestion's reason, or the exit-risk flag's text
    projected_revenue: int | None
    prior_year_revenue: int | None


@dataclass
class QuarterlyReview:
    title: str
    quote: str
    months: list[int]
    due: bool  # this month is a review month
    when_text: str  # 本月（9月）为季度调整月 / 下次调整：12月
    pools: list[str]  # the pools reviewed
    leaving: list[BoardLine] = field(default_factory=list)
    joining: list[BoardLine] = field(default_factory=list)


@dataclass
class PoolBoard:
    today: date
    profile_name: str | None  # None: no profile chosen (nothing suggested, nothing offered)
    township_code: str | None  # the filter, None for all
    pools: list[PoolCount]  # the profile's pools, in order
    outside_count: int  # enterprises in no pool (未入库)
    elsewhere: dict[str, int]  # enterprises in pools the profile does not define, by pool
    sizing_text: str  # 孝义: what the sizes are a multiple of; "" when the profile sets none
    sizing_problem: str | None
    differs: list[BoardLine]
    review: QuarterlyReview | None
    exit_risks: list[BoardLine]
    offered: tuple[str, ...]
    total: int  # enterprises shown (within the township filter)


def _review_spec(profile: Profile) -> dict | None:
    return next((c for c in profile.data["calendar"] if c["code"] == REVIEW_CODE), None)


def _reviewed_pools(profile: Profile, pools: tuple[str, ...]) -> list[str]:
    projected = [r["pool"] for r in profile.pool_rules if r.get("basis") == "projected"]
    return [p for p in pools if p in projected] or [p for p in pools if p != "exit_risk"]


def _when(months: list[int], today: date) -> tuple[bool, str]:
    if today.month in months:
        return True, f"本月（{today.month}月）为季度调整月"
    later = [m for m in sorted(months) if m > today.month]
    nxt = later[0] if later else min(months)
    return False, f"下次调整：{'' if later else '明年'}{nxt}月"


def pool_board(ledger: Ledger, today: date | None = None, township_code: str | None = None,
               progress: Callable[[str, int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> PoolBoard:
    """The board for the whole ledger, or the enterprises of one township. The evaluation
    is the slow part (seconds on a county's ledger): run it on a worker."""
    today = today or date.today()
    profile = active_profile(ledger)
    pools = profile_pools(profile)
    evaluations: dict[str, Evaluation] = evaluate(ledger, today=today, progress=progress, cancelled=cancelled)
    if cancelled and cancelled():
        raise Cancelled
    townships = dict(ledger.conn.execute("SELECT code, name FROM townships").fetchall())
    sql = "SELECT id, name, credit_code, township_code, pool FROM enterprises"
    rows = ledger.rows(sql + " WHERE township_code = ? ORDER BY name", (township_code,)) if township_code \
        else ledger.rows(sql + " ORDER BY township_code, name")

    def line(row: dict, ev: Evaluation | None, reason: str | None = None) -> BoardLine:
        suggested = ev.suggested_pool if ev is not None and ev.has_suggestion else row["pool"]
        return BoardLine(
            enterprise_id=row["id"], name=row["name"], credit_code=row["credit_code"],
            township_code=row["township_code"], township_name=townships.get(row["township_code"], "未指定乡镇"),
            pool=row["pool"], pool_name=POOLS.get(row["pool"], row["pool"]),
            suggested_pool=suggested, suggested_pool_name=POOLS.get(suggested, suggested),
            reason=reason if reason is not None else (ev.suggested_pool_reason if ev else ""),
            projected_revenue=ev.projected_revenue if ev else None,
            prior_year_revenue=ev.prior_year_revenue if ev else None)

    counts: dict[str, int] = {}
    differs: list[BoardLine] = []
    risks: list[BoardLine] = []
    for row in rows:
        counts[row["pool"]] = counts.get(row["pool"], 0) + 1
        ev = evaluations.get(row["id"])
        if profile is not None and ev is not None and ev.has_suggestion and ev.suggested_pool != row["pool"]:
            differs.append(line(row, ev))
        risk = next((f for f in ev.flags if f.code == "exit_risk"), None) if ev else None
        if risk is not None:
            risks.append(line(row, ev, risk.text))
        elif row["pool"] == "exit_risk":
            risks.append(line(row, ev, "在退规风险库（规则本次未提示风险，可复核是否调出）"))

    sizes = pool_sizing(ledger, today.year) if profile is not None else None
    by_pool = {p.pool: p for p in sizes.pools} if sizes else {}
    # the sizes are the county's: a township's ledger, or one township's share of the
    # county's, is not held to them
    county_view = township_code is None and ledger.this_site()["role"] == "county"
    columns = []
    for pool in pools:
        size = by_pool.get(pool) if county_view else None
        columns.append(PoolCount(pool, POOLS[pool], counts.get(pool, 0),
                                 required=size.required if size else None,
                                 shortfall=size.shortfall if size else None,
                                 basis=size.basis if size else ""))
    sizing_text = ""
    if sizes is not None:
        sizing_text = (f"{sizes.year}年库容按{sizes.basis_text}" if county_view
                       else "库容按全县目标核定，请在县级台账的“全部乡镇”中查看")

    review = None
    spec = _review_spec(profile) if profile is not None else None
    if spec is not None and profile is not None:
        reviewed = _reviewed_pools(profile, pools)
        due, when_text = _when(spec["months"], today)
        review = QuarterlyReview(title=spec["title"], quote=spec["quote"], months=spec["months"], due=due,
                                 when_text=when_text, pools=reviewed)
        for item in differs:
            if item.pool in reviewed:
                review.leaving.append(item)
            elif item.suggested_pool in reviewed:
                review.joining.append(item)
        review.joining.sort(key=lambda b: -(b.projected_revenue or 0))

    return PoolBoard(
        today=today, profile_name=profile.name if profile else None, township_code=township_code,
        pools=columns, outside_count=counts.get(NO_POOL, 0),
        elsewhere={p: n for p, n in counts.items() if p != NO_POOL and p not in pools and n},
        sizing_text=sizing_text, sizing_problem=sizes.problem if sizes and county_view else None,
        differs=differs, review=review, exit_risks=risks,
        offered=(*pools, NO_POOL) if pools else (), total=len(rows))
