"""The policy evaluations stored in the ledger (schema 14), kept up to date from the change log.

After an unlock the window's policy columns (建议库别, 提示, 本年预计, 上年营收) come from here:
one read of the stored rows, then only the enterprises that the change-log entries newer than
the stamp touched (evaluation.touched_enterprises), or whose row the passing of time may have
changed (a visit falling due: `stale_on`), are evaluated again and stored. Anything else the
stamp names changing — the program's rules, the schema, the active profile, the month, the
months so far, a deletion or a record moved between enterprises, a ranked (孝义) profile
touched at all — evaluates every enterprise again (on the worker: the caller's) and stores it.

The stored rows are never a second source of truth: they hold only what `evaluate` would
give now, in compact form (codes and numbers); the reason texts are made when asked for
(`evaluate` of the enterprises concerned: a tooltip, a print, an export).
tests/test_evaluation_store.py compares them with a full fresh evaluation after random
edits, imports, moves, deletions, a profile change and a month change.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from functools import cache
from importlib import metadata
from typing import Callable, Iterable, NamedTuple

import sqlcipher3

from ...domain.annual import source_text
from ...domain.evaluation import Evaluation
from ...domain.policy import Profile
from ...domain.policy_rules import CompactRules, Facts
from ...errors import UserError
from ...storage import evaluations as store
from ...storage.ledger import Ledger
from ...storage.migrations import current_version
from .evaluation import evaluate, evaluate_fresh, rules_input, touched_enterprises
from .facts import latest_month
from .profiles import active_profile, active_profile_row

# Bump when the rules, the facts or the compact form change in a way the program's version
# does not show (a development build): every stored row is then evaluated again.
RULES_VERSION = 1
# More new change-log entries than this: evaluating everything again is as quick
CATCH_UP_LIMIT = 50_000


class StoredEvaluation(NamedTuple):
    """One enterprise's evaluation without its texts: what the ledger page's columns, its
    filters and the home page read (the attributes they share with domain Evaluation)."""

    pool: str  # the current pool when evaluated
    suggested_pool: str
    has_suggestion: bool
    flag_codes: tuple[str, ...]
    prior_year_revenue: int | None
    prior_year_source: str | None
    prior_months: int
    projected_revenue: int | None
    projection_method: str
    growth_rate: float | None

    @property
    def prior_year_source_text(self) -> str:
        """年报, 月报合计 or 月报合计（3个月）; "" without a prior-year total."""
        if self.prior_year_revenue is None:
            return ""
        return source_text(self.prior_year_source, self.prior_months)


_SHARED: dict[str, object] = {}  # one object per distinct code, flag list: 100,000 rows share them


def _shared(value):
    return _SHARED.setdefault(value, value) if value is not None else None


def _intern(text: str) -> str:
    return _SHARED.setdefault(text, text)  # type: ignore[return-value]


def _flag_tuple(text: str) -> tuple[str, ...]:
    found = _SHARED.get("flags:" + text)
    if found is None:
        found = _SHARED.setdefault("flags:" + text, tuple(_intern(c) for c in text.split(",")) if text else ())
    return found  # type: ignore[return-value]


def compact(ev: Evaluation) -> StoredEvaluation:
    """The stored form of a full evaluation."""
    return StoredEvaluation(_intern(ev.pool), _intern(ev.suggested_pool), ev.has_suggestion,
                            _flag_tuple(",".join(ev.flag_codes)), ev.prior_year_revenue,
                            _shared(ev.prior_year_source), ev.prior_months, ev.projected_revenue,
                            _intern(ev.projection_method), ev.growth_rate)


def _compact_rows(rows: Iterable[tuple]) -> dict[str, StoredEvaluation]:
    """enterprise id → StoredEvaluation of stored rows (storage.evaluations.COLUMNS, or
    READ_COLUMNS). 100,000 rows each time the window loads: the codes are shared through
    C-level dict calls, not a Python function per value."""
    share = _SHARED.setdefault
    flag_tuples = _SHARED.get
    make = StoredEvaluation._make
    out: dict[str, StoredEvaluation] = {}
    for row in rows:
        enterprise_id, pool, suggested, has_suggestion, flags, prior, source, months, projected, \
            method, growth = row[:11]
        codes = flag_tuples("flags:" + flags)
        out[enterprise_id] = make((
            share(pool, pool), share(suggested, suggested), has_suggestion == 1,
            codes if codes is not None else _flag_tuple(flags), prior,
            None if source is None else share(source, source), months, projected,
            share(method, method), growth))
    return out


@cache
def _program() -> str:
    """The installed program's version (a new one may bring other rules)."""
    try:
        return metadata.version("shengui-desktop")
    except metadata.PackageNotFoundError:
        return "?"


def _profile_key(ledger: Ledger) -> str:
    row = active_profile_row(ledger)
    if row is None:
        return ""
    digest = hashlib.sha256((row["content"] or "").encode("utf-8")).hexdigest()[:16]
    return f"{row['id']}:{row['version']}:{digest}"


def _stamp(ledger: Ledger, today: date) -> store.EvaluationStamp:
    seq, hlc = store.log_mark(ledger)
    return store.EvaluationStamp(
        rules=f"{_program()}/{RULES_VERSION}/schema{current_version(ledger.conn)}",
        profile=_profile_key(ledger), as_of=today.isoformat(), latest=latest_month(ledger, today),
        log_seq=seq, log_hlc=hlc)


def _same_basis(old: store.EvaluationStamp, new: store.EvaluationStamp) -> bool:
    """Can the stored rows be caught up (rather than all evaluated again)?"""
    return (old.rules == new.rules and old.profile == new.profile and old.latest == new.latest
            and old.as_of[:7] == new.as_of[:7] and old.as_of <= new.as_of)


def _projects_due(ledger: Ledger, today: date, ids: Iterable[str] | None) -> dict[str, str]:
    """Enterprise → the first day after today in this year on which one of its live projects
    goes into production (the rules' 本年度建成投产 turns true then)."""
    rows = ledger.conn.execute(
        "SELECT enterprise_id, min(production_start_date) FROM projects WHERE status != 'abandoned'"
        " AND production_start_date > ? AND production_start_date <= ? GROUP BY enterprise_id",
        (today.isoformat(), f"{today.year}-12-31")).fetchall()
    wanted = None if ids is None else set(ids)
    return {e: d for e, d in rows if wanted is None or e in wanted}


def _years_after(day: str, years: int) -> date:
    """The first day on which `day` is more than `years` years back (as the rules'
    exited_within_years counts: 29 February counts as the 28th in a common year)."""
    d = date.fromisoformat(day[:10])
    try:
        d = d.replace(year=d.year + years)
    except ValueError:
        d = d.replace(year=d.year + years, day=28)
    return d + timedelta(days=1)


def staleness(profile: Profile | None, today: date) -> Callable[[Facts, str | None], str | None]:
    """(facts, project_due) → the first day after `today` on which time alone may change that
    enterprise's evaluation within the month (a new month evaluates everything anyway); None
    if never. Early is safe (the row is only evaluated again); late is not: each day here is
    the first on which the rule's answer can differ. The profile is read once, for many
    enterprises."""
    visit_rule = profile.flag("not_visited") if profile is not None else None
    visit_pools = visit_rule["pools"] if visit_rule else ()
    visit_days = timedelta(days=visit_rule["days"] + 1) if visit_rule else None
    exit_years = [r["years"] for r in profile.pool_rules if r["when"] == "exited_within_years"] \
        if profile is not None else []

    def stale(f: Facts, project_due: str | None) -> str | None:
        days: list[date] = []
        if project_due:
            days.append(date.fromisoformat(project_due[:10]))
        if visit_days is not None and f.pool in visit_pools and f.last_visit:
            days.append(date.fromisoformat(f.last_visit[:10]) + visit_days)
        if exit_years and f.stat_status == "exited" and f.exited_stats_date:
            days.extend(_years_after(f.exited_stats_date, years) for years in exit_years)
        if not days:
            return None
        future = [d.isoformat() for d in days if d > today]
        return min(future) if future else None

    return stale


def stored_evaluations(ledger: Ledger, today: date | None = None,
                       progress: Callable[[str, int, int], None] | None = None,
                       cancelled: Callable[[], bool] | None = None) -> dict[str, StoredEvaluation]:
    """Every enterprise's evaluation in compact form, as `evaluate` would give it now:
    the stored rows caught up (see the module's text), stored again. Cancelled: {} (nothing
    stored). A ledger that cannot be written now (busy, read-only, full) still gets the
    result; it is stored another time."""
    today = today or date.today()
    report = progress or (lambda stage, done, total: None)
    if not store.has_table(ledger):  # a ledger not migrated (never in the window)
        return {k: compact(v) for k, v in evaluate_fresh(ledger, None, today, progress, cancelled).items()}
    now = _stamp(ledger, today)
    old = store.read_stamp(ledger)
    profile = active_profile(ledger)
    if old is not None and _same_basis(old, now):
        report("读取已存评估结果", 0, 1)
        caught = _catch_up(ledger, old, now, today, profile, cancelled)
        if caught is not None:
            return caught
    report("按政策规则评估", 0, 1)
    rows = evaluate_rows(ledger, None, today, now.log_seq, progress, cancelled)
    if rows is None or (cancelled and cancelled()):
        return {}
    if not _write(ledger, now, rows, replace_all=True):
        return _compact_rows(rows)
    # what the window keeps is read back once the facts, the texts and the rows are gone: it
    # then fills the memory they freed instead of pinning it, an id here and there (the
    # window's RSS, bench/README.md)
    del rows
    return _compact_rows(store.read_rows(ledger))


def evaluate_rows(ledger: Ledger, enterprise_ids: list[str] | None, today: date, seq: int | None,
                  progress: Callable[[str, int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> list[tuple] | None:
    """Every enterprise (or those given) evaluated as the rules stand now, as stored rows
    (storage.evaluations.COLUMNS, computed at change-log entry `seq`) in key order; None when
    cancelled. The rules run without their texts (policy_rules.CompactRules: the same answers
    as evaluate_one, tests/test_policy_compact.py) over facts gathered set-based
    (facts.gather_facts); nothing here is per enterprise but plain comparisons."""
    report = progress or (lambda stage, done, total: None)
    profile, facts, ranked = rules_input(ledger, enterprise_ids, today, report)
    if cancelled and cancelled():
        return None
    due = _projects_due(ledger, today, enterprise_ids)
    evaluate_one = CompactRules(profile, today).evaluate
    stale = staleness(profile, today)
    joined: dict[tuple[str, ...], str] = {}
    rows = []
    wanted = sorted(facts) if enterprise_ids is None else sorted(set(enterprise_ids) & facts.keys())
    total = len(wanted)
    for n, enterprise_id in enumerate(wanted):
        if n % 20000 == 0 and n:
            if cancelled and cancelled():
                return None
            report("评估企业", n, total)
        f = facts[enterprise_id]
        pool, suggested, has_suggestion, codes, prior, source, months, projected, method, growth = \
            evaluate_one(f, ranked.get(enterprise_id))
        flags = joined.get(codes)
        if flags is None:
            flags = joined[codes] = ",".join(codes)
        rows.append((enterprise_id, pool, suggested, int(has_suggestion), flags, prior, source, months,
                     projected, method, growth, stale(f, due.get(enterprise_id)), seq))
    report("评估企业", total, total)
    return rows


def _catch_up(ledger: Ledger, old: store.EvaluationStamp, now: store.EvaluationStamp, today: date,
              profile: Profile | None, cancelled: Callable[[], bool] | None
              ) -> dict[str, StoredEvaluation] | None:
    """The stored rows brought up to `now`; None when only evaluating everything can."""
    redo: set[str] = set()
    if old.log_seq != now.log_seq:
        if old.log_seq is None or now.log_seq is None or now.log_seq < old.log_seq \
                or store.entry_hlc(ledger, old.log_seq) != old.log_hlc:
            return None  # the log was cut back, or a number given again to another entry
        touched = touched_enterprises(ledger, old.log_seq, now.log_seq, CATCH_UP_LIMIT)
        if touched is None:
            return None
        redo |= touched
    elif old.log_seq is not None and store.entry_hlc(ledger, old.log_seq) != old.log_hlc:
        return None
    redo.update(store.stale_ids(ledger, now.as_of))
    result = _compact_rows(store.read_rows(ledger))
    existing = store.enterprise_ids(ledger)
    redo |= existing - result.keys()  # records written past the log (never by this program)
    gone = result.keys() - existing
    if (redo or gone) and profile is not None and profile.pool_sizing:
        return None  # ranked pools (孝义): one enterprise changed moves the others' places
    if not redo and not gone and old == now:
        return result
    if cancelled and cancelled():
        return {}
    rows = (evaluate_rows(ledger, sorted(redo), today, now.log_seq) or []) if redo else []
    fresh = _compact_rows(rows)
    for enterprise_id in redo | gone:
        result.pop(enterprise_id, None)
    result.update(fresh)
    _write(ledger, now, rows, replace_all=False, remove=(redo - fresh.keys()) | gone)
    return result


def _write(ledger: Ledger, stamp: store.EvaluationStamp, rows: list[tuple], *, replace_all: bool,
           remove: Iterable[str] = ()) -> bool:
    """Store; False when the ledger cannot be written now (busy, read-only, full): the
    result stands, the store is brought up to date another time."""
    try:
        store.write(ledger, stamp, rows, replace_all=replace_all, remove=remove)
    except (UserError, sqlcipher3.dbapi2.OperationalError):
        return False
    return True


def forget(ledger: Ledger) -> None:
    """Drop the stored evaluations (the next read evaluates every enterprise again)."""
    if store.has_table(ledger):
        store.clear(ledger)


def evaluations_of(ledger: Ledger, enterprise_ids: list[str], today: date | None = None
                   ) -> dict[str, StoredEvaluation]:
    """A few enterprises' evaluations in compact form, fresh (after an edit in the window)."""
    return {k: compact(v) for k, v in evaluate(ledger, enterprise_ids, today).items()}


def explain(ledger: Ledger, enterprise_ids: list[str], today: date | None = None) -> dict[str, Evaluation]:
    """A few enterprises' evaluations with their reason texts, made now (a tooltip, the
    enterprise window): the stored form has none. Under a ranked profile (孝义) every
    enterprise's place is needed for any one's anyway: all are evaluated once and kept in
    `evaluate`'s cache for the next question, until the ledger changes."""
    profile = active_profile(ledger)
    if profile is not None and profile.pool_sizing:
        everything = evaluate(ledger, None, today)
        return {i: everything[i] for i in enterprise_ids if i in everything}
    return evaluate(ledger, enterprise_ids, today)
