"""What the active profile's rules say about each enterprise (suggested pool, flags).

Reads only: the current pool is reported as it is and never changed here.
"""

from __future__ import annotations

from datetime import date
from typing import Callable, NamedTuple

from ...domain.evaluation import Evaluation
from ...domain.policy import Profile
from ...domain.policy_rules import (Facts, evaluate_one, not_above, projected_value, rank_into_pools,
                                      revenue_jump_flag)
from ...storage.ledger import Ledger
from .facts import gather_facts, latest_month
from .profiles import active_profile
from .targets import pool_sizing


# The last evaluation of a whole ledger, keyed by (file, last change-log entry, day): every
# write to a synced table appends to the change log, so an unchanged key means unchanged
# inputs. The home page, the ledger page and the reminders would otherwise each pay the
# full evaluation (seconds at 100,000 enterprises). After a few writes it is caught up
# incrementally (_catch_up): only the enterprises those writes touched are evaluated again.
_last_full: tuple[tuple, dict[str, Evaluation], str | None] | None = None

# Tables whose records are an enterprise's own inputs to the rules (found by enterprise_id)
_PER_ENTERPRISE = frozenset({"monthly_figures", "annual_figures", "visits", "projects"})
# Tables the rules never read: a write to them changes no evaluation
_NOT_READ = frozenset({"issues", "pool_events", "entry_checklist", "reward_claims",
                       "project_milestones", "townships", "departments"})
# More new entries than this: evaluating everything again is as quick
_CATCH_UP_LIMIT = 5000


def evaluate(ledger: Ledger, enterprise_ids: list[str] | None = None, today: date | None = None,
             progress: Callable[[str, int, int], None] | None = None,
             cancelled: Callable[[], bool] | None = None) -> dict[str, Evaluation]:
    """What the active profile's rules say about each enterprise (all, or those given).

    Reads only; the current pool is reported as it is and never changed here.
    """
    global _last_full
    today = today or date.today()
    key = (str(ledger.path), ledger.scalar("SELECT max(seq) FROM change_log"), today)
    cached = _last_full
    if cached is not None and cached[0] != key:
        cached = _last_full = _catch_up(ledger, cached, key, today)
    if cached is not None and cached[0] == key:
        if enterprise_ids is None:
            return dict(cached[1])
        return {i: cached[1][i] for i in enterprise_ids if i in cached[1]}
    latest = latest_month(ledger, today)
    result = _evaluate(ledger, enterprise_ids, today, progress, cancelled)
    if enterprise_ids is None and not (cancelled and cancelled()):
        _last_full = (key, dict(result), latest)
    return result


def touched_enterprises(ledger: Ledger, after: int, upto: int,
                        limit: int = _CATCH_UP_LIMIT) -> set[str] | None:
    """The enterprises whose evaluation the change-log entries after `after` (up to `upto`)
    can change; None when they may change more than those (a deletion, a record moved to
    another enterprise, the profile, targets, the 规上 history …) or are more than `limit`
    entries to look at."""
    entries = ledger.conn.execute(
        "SELECT tbl, row_id, op, data FROM change_log WHERE seq > ? AND seq <= ?"
        " LIMIT ?", (after, upto, limit + 1)).fetchall()
    if len(entries) > limit:
        return None
    touched: set[str] = set()
    records: dict[str, set[str]] = {}  # table → ids of its records the entries name
    for tbl, row_id, op, data in entries:
        if tbl in _NOT_READ:
            continue
        if op == "d":
            return None
        if tbl == "enterprises":
            touched.add(row_id)
        elif tbl in _PER_ENTERPRISE:
            if op == "u" and data is not None and '"enterprise_id"' in data:
                return None  # moved from one enterprise to another: the first is not named
            records.setdefault(tbl, set()).add(row_id)
        else:
            return None
    for tbl, ids in records.items():  # the owners, a chunk of records at a time
        wanted = sorted(ids)
        for i in range(0, len(wanted), 900):
            chunk = wanted[i:i + 900]
            found = ledger.conn.execute(
                f"SELECT id, enterprise_id FROM {tbl} WHERE id IN ({','.join('?' * len(chunk))})",
                chunk).fetchall()
            if len(found) < len(chunk) or any(owner is None for _id, owner in found):
                return None
            touched.update(owner for _id, owner in found)
    return touched


def _catch_up(ledger: Ledger, cached: tuple, key: tuple, today: date):
    """The cached evaluation brought up to `key` by evaluating again only the enterprises
    the new change-log entries touched; None when that cannot give what a full evaluation
    would (tests/test_perf_paths.py compares the two)."""
    (path, seq, day), evaluations, latest = cached
    if path != key[0] or day != today or seq is None or key[1] is None or key[1] < seq:
        return None
    touched = touched_enterprises(ledger, seq, key[1])
    if touched is None:
        return None
    profile = active_profile(ledger)
    # ranked pools (孝义) depend on every enterprise; "months so far" on the latest month anyone reported
    if (profile is not None and profile.pool_sizing) or latest_month(ledger, today) != latest:
        return None
    fresh = _evaluate(ledger, sorted(touched), today, None, None) if touched else {}
    evaluations = dict(evaluations)
    for enterprise_id in touched:
        if enterprise_id in fresh:
            evaluations[enterprise_id] = fresh[enterprise_id]
        else:
            evaluations.pop(enterprise_id, None)
    return key, evaluations, latest


def evaluate_fresh(ledger: Ledger, enterprise_ids: list[str] | None, today: date,
                   progress: Callable[[str, int, int], None] | None = None,
                   cancelled: Callable[[], bool] | None = None,
                   facts_out: dict[str, Facts] | None = None) -> dict[str, Evaluation]:
    """Evaluate all enterprises (or those given) now, past the cache; `facts_out` receives
    the facts the rules were given (what evaluation_store needs to know when time alone
    changes a result). Cancelled: what was evaluated until then."""
    return _evaluate(ledger, enterprise_ids, today, progress, cancelled, facts_out)


class RulesInput(NamedTuple):
    """What the rules are applied to: the active profile, each enterprise's facts, and the
    places a target-sized ranking (孝义) gave."""

    profile: Profile | None
    facts: dict[str, Facts]
    ranked: dict[str, tuple[str, str]]


def rules_input(ledger: Ledger, enterprise_ids: list[str] | None, today: date,
                progress: Callable[[str, int, int], None] | None = None) -> RulesInput:
    """The facts of every enterprise (or those given; all of them under a ranked profile,
    whose places depend on everybody) and the ranking, gathered in a handful of set-based
    queries (facts.gather_facts)."""
    profile = active_profile(ledger)
    window = 12
    if profile and profile.flag("electricity_without_output"):
        window = profile.flag("electricity_without_output")["months"]
    sizing = profile.pool_sizing if profile else None
    ids = None if enterprise_ids is None or sizing else list(enterprise_ids)
    if progress:
        progress("汇总月度数据", 0, 1)
    jump = profile.flag("revenue_jump") if profile else None
    facts = gather_facts(ledger, today, ids, window, jump["min_growth_percent"] if jump else None,
                         late_report=bool(profile and profile.flag("late_report")),
                         last_visits=bool(profile and profile.flag("not_visited")),
                         **({"threshold": profile.threshold} if profile else {}))
    ranked: dict[str, tuple[str, str]] = {}
    if sizing and profile:
        # the same sizes `pool sizing` reports (储备库、培育库 by the plan's annual target,
        # 入统库 by the year's); nothing is ranked while a size is unknown
        sizes = pool_sizing(ledger, today.year)
        if sizes is not None and sizes.problem is None:
            candidates = []
            for f in facts.values():
                if not_above(f):
                    value = projected_value(f)
                    value = f.prior_year_revenue if value is None else value
                    if value:
                        candidates.append((f.enterprise_id, value, revenue_jump_flag(profile, f) is not None))
            ranked = rank_into_pools(candidates, sizes)
    return RulesInput(profile, facts, ranked)


def _evaluate(ledger: Ledger, enterprise_ids: list[str] | None, today: date,
              progress: Callable[[str, int, int], None] | None,
              cancelled: Callable[[], bool] | None,
              facts_out: dict[str, Facts] | None = None) -> dict[str, Evaluation]:
    report = progress or (lambda stage, done, total: None)
    profile, facts, ranked = rules_input(ledger, enterprise_ids, today, report)
    if facts_out is not None:
        facts_out.update(facts)
    wanted = facts.keys() if enterprise_ids is None else [i for i in enterprise_ids if i in facts]
    total = len(wanted)
    out: dict[str, Evaluation] = {}
    for n, enterprise_id in enumerate(wanted):
        if cancelled and n % 5000 == 0 and cancelled():
            break
        out[enterprise_id] = evaluate_one(profile, facts[enterprise_id], today, ranked.get(enterprise_id))
        if n % 20000 == 0:
            report("评估企业", n, total)
    report("评估企业", total, total)
    return out
