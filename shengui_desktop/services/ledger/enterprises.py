"""Creating, editing and listing enterprises."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from ...domain.records import POOLS, validate_enterprise, validate_pool_move
from ...domain.text import clean_narrative
from ...errors import UserError, ValidationError
from ..office.site import this_site
from . import figures
from .lookup import enterprise_by_credit_code, find_by_credit_code  # noqa: F401  (public here too)
from ..office.permissions import require

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

EDITABLE = ("credit_code", "name", "township_code", "industry_code", "stat_status", "source",
            "department_id", "liaison_cadre", "address", "legal_person", "contact_person",
            "contact_phone", "established_date", "entered_stats_date", "exited_stats_date",
            "note")
THRESHOLD_YUAN = 20_000_000


def _check_township(ledger: Ledger, code: str) -> None:
    if ledger.scalar("SELECT 1 FROM townships WHERE code = ?", (code,)) is None:
        raise ValidationError({"township_code": f"乡镇代码{code}不在本台账的乡镇列表中"})
    role = ledger.meta("role")
    own = this_site(ledger)["area_code"]
    if role == "township" and code != own:
        raise ValidationError({"township_code": f"本乡镇台账只能登记本乡镇（{own}）的企业"})


def _check_county_only(ledger: Ledger, fields: dict, *, creating: bool) -> None:
    """规上/规下 status and entry/exit dates are the county's decision (docs/sync-format.md,
    property 7): a township that wrote them would have its packages refused, so stop it where
    it is typed."""
    from ...sync.rules import check_local_write, county_only

    neutral = county_only("enterprises")
    touched = {k: v for k, v in fields.items()
               if k in neutral and (not creating or v != neutral[k])}
    problems = check_local_write(ledger, "enterprises", touched)
    if problems:
        raise ValidationError({k: p for k, p in zip(touched, problems)})


def create_enterprise(ledger: Ledger, record: dict) -> tuple[str, list[str]]:
    """Returns (id, warnings). The pool starts as given or 未入库; moves go through pools."""
    require(ledger, "enterprises")
    clean, warnings = validate_enterprise(record)
    _check_township(ledger, clean["township_code"])
    _check_county_only(ledger, clean, creating=True)
    if find_by_credit_code(ledger, clean["credit_code"]):
        raise ValidationError({"credit_code": f"统一社会信用代码{clean['credit_code']}已登记，不能重复添加"})
    if isinstance(clean.get("tags"), list):
        clean["tags"] = json.dumps(clean["tags"], ensure_ascii=False)
    return ledger.insert("enterprises", clean), warnings


def townships_for_new(ledger: Ledger) -> list[dict]:
    """The townships a new enterprise may be registered in here: every township of the
    ledger at the county, only its own at a township office (code, name)."""
    from .reference import list_townships

    townships = list_townships(ledger)
    own = _own_township(ledger)
    return [t for t in townships if own is None or t["code"] == own]


def add_enterprise(ledger: Ledger, record: dict, *, pool: str = "none", pool_reason: str = "",
                   today: date | None = None) -> tuple[str, list[str]]:
    """新增企业 as the window enters it: the import's checks (validate_enterprise, the credit
    code, a township of this ledger and, at a township office, its own), every problem at
    once in one ValidationError keyed by field ("pool_reason" for the reason), nothing
    written then. The enterprise starts 未入库; another pool needs a reason, recorded as its
    first pool move (调库记录) in the same transaction. Returns (id, warnings)."""
    require(ledger, "enterprises")
    problems: dict[str, str] = {}
    clean: dict = {}
    warnings: list[str] = []
    try:
        clean, warnings = validate_enterprise({k: v for k, v in record.items() if k != "pool"})
    except ValidationError as e:
        problems.update(e.problems)
    code = clean.get("township_code") or str(record.get("township_code") or "")
    if "township_code" not in problems and code:
        try:
            _check_township(ledger, code)
        except ValidationError as e:
            problems.update(e.problems)
    if clean:
        try:
            _check_county_only(ledger, clean, creating=True)
        except ValidationError as e:
            problems.update(e.problems)
        if "credit_code" not in problems and find_by_credit_code(ledger, clean["credit_code"]):
            problems["credit_code"] = f"统一社会信用代码{clean['credit_code']}已登记，不能重复添加"
    move = None
    if pool not in POOLS:
        problems["pool"] = f"库别“{pool}”无效，应为：{'、'.join(POOLS.values())}"
    elif pool != "none":
        try:
            move = validate_pool_move({"to_pool": pool, "reason": pool_reason, "decided_by": ledger.user,
                                       "moved_on": (today or date.today()).isoformat()})
        except ValidationError as e:
            if "reason" in e.problems:  # said in the words of the form: 入库理由
                e.problems["reason"] = (f"放入{POOLS[pool]}须填写入库理由（记入调库记录）"
                                        if not clean_narrative(pool_reason) else e.problems["reason"])
            problems.update({{"reason": "pool_reason", "to_pool": "pool"}.get(k, k): v
                             for k, v in e.problems.items()})
    if problems:
        raise ValidationError(problems)
    if isinstance(clean.get("tags"), list):
        clean["tags"] = json.dumps(clean["tags"], ensure_ascii=False)
    with ledger.transaction():
        enterprise_id = ledger.insert("enterprises", {**clean, "pool": pool})
        if move is not None:
            ledger.insert("pool_events", {
                "enterprise_id": enterprise_id, "from_pool": "none", "to_pool": pool,
                "moved_on": move["moved_on"], "reason": move["reason"], "decided_by": move["decided_by"]})
    return enterprise_id, warnings


def update_enterprise(ledger: Ledger, enterprise_id: str, changes: dict) -> tuple[dict, list[str]]:
    """Edit basic data; the pool is not editable here (a move needs a reason)."""
    require(ledger, "enterprises")
    if "pool" in changes:
        raise UserError("库别不能直接修改，请使用“调整库别”并填写理由")
    unknown = set(changes) - set(EDITABLE) - {"tags"}
    if unknown:
        raise UserError(f"不能修改的字段：{'、'.join(sorted(unknown))}")
    clean, warnings = validate_enterprise(changes, partial=True)
    current = ledger.get("enterprises", enterprise_id) or {}
    _check_county_only(ledger, {k: v for k, v in clean.items() if current.get(k) != v},
                       creating=False)
    if "township_code" in clean:
        _check_township(ledger, clean["township_code"])
    if "credit_code" in clean:
        other = find_by_credit_code(ledger, clean["credit_code"])
        if other and other["id"] != enterprise_id:
            raise ValidationError({"credit_code": f"统一社会信用代码{clean['credit_code']}已属于“{other['name']}”"})
    if isinstance(clean.get("tags"), list):
        clean["tags"] = json.dumps(clean["tags"], ensure_ascii=False)
    clean.pop("pool", None)
    return ledger.update("enterprises", enterprise_id, clean), warnings


def delete_enterprise(ledger: Ledger, enterprise_id: str) -> None:
    """Remove an enterprise entered by mistake, with its figures, visits, issues, pool moves."""
    require(ledger, "enterprises")
    with ledger.transaction():
        for table in ("monthly_figures", "annual_figures", "visits", "issues", "pool_events"):
            for row in ledger.rows(f"SELECT id FROM {table} WHERE enterprise_id = ?", (enterprise_id,)):
                ledger.delete(table, row["id"])
        if not ledger.delete("enterprises", enterprise_id):
            raise UserError("企业不存在或已删除")


def annual_revenues(ledger: Ledger, enterprise_id: str) -> dict[int, tuple[int, int, str]]:
    """year → (revenue of the year, months reported, where it came from: 年报, 月报合计 or
    月报合计（3个月）). Twelve months win over the year's annual figure (年度数), which wins
    over part of a year (domain/annual.py)."""
    return {year: (r.revenue or 0, r.months, r.source_text)
            for year, r in figures.revenue_by_year(ledger, enterprise_id).items()}


def list_enterprises(ledger: Ledger, *, township_code: str | None = None,
                     pool: str | None = None, today: date | None = None) -> list[dict]:
    """The enterprise list as the CLI's `list enterprises --json` gives it, with what the
    active policy profile says: suggested pool and why, projected revenue, flags. At a
    township, its own enterprises (not those moved to another township, see
    transferred_enterprises) unless `township_code` asks for another."""
    from .. import policy

    today = today or date.today()
    where, params = [], []
    township_code = township_code or _own_township(ledger)
    if township_code:
        where.append("e.township_code = ?")
        params.append(township_code)
    if pool:
        where.append("e.pool = ?")
        params.append(pool)
    sql = f"""
        SELECT e.id, e.credit_code, e.name, e.township_code, t.name AS township_name,
               e.industry_code, e.stat_status, e.pool
          FROM enterprises e LEFT JOIN townships t ON t.code = e.township_code
          {"WHERE " + " AND ".join(where) if where else ""}
         ORDER BY e.township_code, e.name"""
    rows = ledger.rows(sql, params)
    evaluations = policy.evaluate(ledger, None if not where else [r["id"] for r in rows], today)
    for row in rows:
        ev = evaluations.get(row["id"])
        row["latest_annual_revenue"] = ev.prior_year_revenue if ev else None
        # 年报 (the year's figure from a list) or 月报合计 (the sum of its months)
        row["latest_annual_revenue_source"] = ev.prior_year_source_text if ev else ""
        # no suggestion (no profile chosen): no pool and no reason saying there is none
        suggests = ev is not None and ev.has_suggestion
        row["suggested_pool"] = ev.suggested_pool if suggests else None if ev else row["pool"]
        row["suggested_pool_reason"] = ev.suggested_pool_reason if suggests else ""
        row["projected_revenue"] = ev.projected_revenue if ev else None
        row["projection_method"] = ev.projection_method if ev else "none"
        row["projection_text"] = ev.projection_text if ev else ""
        row["flags"] = ev.flag_codes if ev else []
        row["flag_reasons"] = [f.text for f in ev.flags] if ev else []
    return rows


def _own_township(ledger: Ledger) -> str | None:
    """A township's area code (its ledger lists only its own enterprises); None at the county."""
    site = this_site(ledger)
    return site["area_code"] if site and site["role"] == "township" else None


def transferred_enterprises(ledger: Ledger) -> list[dict]:
    """At a township: the enterprises the county moved to another township (划转). They are
    kept, with their history, but no longer listed as its own; each has `notice`
    ("已划转至南娄镇（2026-11-20）"), `township_name`, `moved_on`. Empty at the county."""
    from ...sync.transfers import transferred

    return transferred(ledger)


def get_enterprise(ledger: Ledger, enterprise_id: str) -> dict | None:
    return ledger.get("enterprises", enterprise_id)


# The columns of the window's ledger table, in order (a compact tuple per enterprise).
LEDGER_COLUMNS = ("id", "name", "credit_code", "township_code", "industry_code", "stat_status",
                  "pool", "department_id", "liaison_cadre", "search_key")


def ledger_rows(ledger: Ledger, limit: int | None = None) -> list[tuple]:
    """Every enterprise (or the first `limit`) as a tuple in LEDGER_COLUMNS order, by
    township and name, without figures or visits.

    The window keeps these in memory (about 100 bytes an enterprise) and filters them there.
    At a township, only its own (not those moved to another township).
    """
    cols = ", ".join(LEDGER_COLUMNS)
    own = _own_township(ledger)
    where, params = ("WHERE township_code = ?", (own,)) if own else ("", ())
    if limit is not None:  # the first screen: walk the (township, name) index
        return ledger.conn.execute(f"SELECT {cols} FROM enterprises {where} ORDER BY township_code, name"
                                   " LIMIT ?", (*params, limit)).fetchall()
    # all of them: a scan and one sort beats 100,000 index-ordered row lookups (~30 %)
    return ledger.conn.execute(f"SELECT {cols} FROM enterprises NOT INDEXED {where}"
                               " ORDER BY township_code, name", params).fetchall()


def annual_revenue_totals(ledger: Ledger, year: int) -> dict[str, tuple[int, int, str]]:
    """enterprise id → (revenue of one calendar year, months reported, where it came from:
    年报 or 月报合计) for every enterprise with figures of that year: the window's 上年营收.
    Twelve months win over the annual figure (年度数), which wins over part of a year."""
    return {ent: (r.revenue or 0, r.months, r.source_text)
            for ent, r in figures.year_revenues(ledger, year).items()}


def pool_counts(ledger: Ledger, township_code: str | None = None) -> dict[str, int]:
    sql = "SELECT pool, count(*) FROM enterprises"
    params: tuple = ()
    if township_code:
        sql += " WHERE township_code = ?"
        params = (township_code,)
    return dict(ledger.conn.execute(sql + " GROUP BY pool", params).fetchall())


def stat_status_counts(ledger: Ledger) -> dict[str, int]:
    return dict(ledger.conn.execute(
        "SELECT stat_status, count(*) FROM enterprises GROUP BY stat_status").fetchall())
