"""The policy evaluations stored in the ledger (#20, schema 14) are never a second source of
truth: after any edit, import, move, deletion, profile change or new day or month, what the
window reads from the store equals a full fresh evaluation of the ledger; small changes are
caught up for the enterprises they touched only; the reason texts made on demand are the
texts exports and prints show."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PASSWORD
from shengui_desktop.domain.evaluation import FLAG_NAMES
from shengui_desktop.errors import UserError
from shengui_desktop.services.ledger import enterprises as enterprise_service
from shengui_desktop.services.ledger import figures, pools, visits
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.policy import choose_profile, evaluate, evaluation, evaluation_store, records
from shengui_desktop.services.policy.evaluation_store import compact, stored_evaluations
from shengui_desktop.storage import evaluations as store
from sync_helpers import exchange, world_fixtures

AS_OF = date(2026, 11, 23)
PROFILES = ("hunan", "shuncheng", "yuxian", "minhou", "xiaoyi")
template, world = world_fixtures("evaluations")


@pytest.fixture(scope="module")
def county_ledger(tmp_path_factory):
    """A generated county (3 townships, 60 enterprises, 36 months) under 湖南's profile."""
    from shengui_desktop.services.office.setup import init_office

    ledger, _ = init_office(tmp_path_factory.mktemp("store") / "county.sgdb", role="county",
                            name="测试县", area_code="140322", admin_user="admin", password=PASSWORD)
    generate(ledger, enterprises=60, townships=3, seed=11, as_of=AS_OF)
    choose_profile(ledger, "hunan")
    yield ledger
    ledger.close()


def fresh(ledger, today: date) -> dict:
    """What a full evaluation of the ledger gives now, in the stored form."""
    return {k: compact(v) for k, v in evaluation.evaluate_fresh(ledger, None, today).items()}


class Asked:
    """Records which enterprises the store evaluated again (None: all of them)."""

    def __init__(self):
        self.calls: list = []
        self.real = evaluation_store.evaluate_rows

    def __call__(self, ledger, ids, *args, **kw):
        self.calls.append(None if ids is None else sorted(ids))
        return self.real(ledger, ids, *args, **kw)

    def __enter__(self):
        evaluation_store.evaluate_rows = self
        return self

    def __exit__(self, *exc):
        evaluation_store.evaluate_rows = self.real


def test_a_fresh_ledger_evaluates_once_then_reads_what_it_stored(county_ledger):
    ledger = county_ledger
    evaluation_store.forget(ledger)
    with Asked() as asked:
        first = stored_evaluations(ledger, AS_OF)
        assert asked.calls == [None]
        again = stored_evaluations(ledger, AS_OF)
        assert asked.calls == [None]  # nothing evaluated: one read of the stored rows
    assert first == again == fresh(ledger, AS_OF)
    assert ledger.scalar("SELECT count(*) FROM policy_evaluations") == len(first) == 60
    stamp = store.read_stamp(ledger)
    assert stamp is not None and stamp.as_of == AS_OF.isoformat()
    assert stamp.log_seq == ledger.scalar("SELECT max(seq) FROM change_log")
    # the rows keep codes and numbers, never a reason text
    columns = [r[1] for r in ledger.conn.execute("PRAGMA table_info(policy_evaluations)")]
    assert not any("reason" in c or "text" in c for c in columns)


def test_an_edit_is_caught_up_for_its_enterprise_only(county_ledger):
    ledger = county_ledger
    stored_evaluations(ledger, AS_OF)
    ids = sorted(r[0] for r in ledger.conn.execute("SELECT id FROM enterprises"))
    with Asked() as asked:
        figures.record_month(ledger, ids[0], f"{AS_OF.year}-03", {"revenue": 987_654_321})
        visits.add_visit(ledger, ids[1], {"visit_date": AS_OF.isoformat(), "visitors": "张三",
                                          "summary": "了解生产经营情况"})
        visits.add_issue(ledger, ids[2], {"description": "用电增容", "category": "用能"})  # not read by the rules
        got = stored_evaluations(ledger, AS_OF)
        assert asked.calls == [sorted({ids[0], ids[1]})]
    assert got == fresh(ledger, AS_OF)
    assert got[ids[0]].projected_revenue > 900_000_000


def test_a_new_month_or_profile_evaluates_everything_again(county_ledger):
    ledger = county_ledger
    stored_evaluations(ledger, AS_OF)
    with Asked() as asked:
        next_month = date(2026, 12, 2)
        assert stored_evaluations(ledger, next_month) == fresh(ledger, next_month)
        assert asked.calls == [None]
        choose_profile(ledger, "shuncheng")
        assert stored_evaluations(ledger, next_month) == fresh(ledger, next_month)
        assert asked.calls == [None, None]
        choose_profile(ledger, "hunan")
        stored_evaluations(ledger, AS_OF)  # an earlier day than stored: everything again
        assert asked.calls == [None, None, None]


def test_time_alone_changes_a_row_on_its_day(county_ledger):
    """顺城: an enterprise of the 培育库 not visited for more than 92 days is flagged on the
    day after the limit, and one that left the register three years ago leaves the pool's
    rule the day after: without any change in the ledger, within the month."""
    ledger = county_ledger
    choose_profile(ledger, "shuncheng")
    try:
        rule = evaluation.active_profile(ledger).flag("not_visited")
        # two enterprises below the register whose visits (the demo makes ~10 each) are taken
        # away, so that the test's visit is the last
        watched, exited = [r[0] for r in ledger.conn.execute(
            "SELECT e.id FROM enterprises e WHERE e.stat_status != 'above_scale'"
            " AND NOT EXISTS (SELECT 1 FROM issues i WHERE i.enterprise_id = e.id)"
            " ORDER BY (SELECT count(*) FROM visits v WHERE v.enterprise_id = e.id), e.id LIMIT 2")]
        with ledger.transaction():
            for (visit_id,) in ledger.conn.execute("SELECT id FROM visits WHERE enterprise_id IN (?, ?)",
                                                   (watched, exited)).fetchall():
                ledger.delete("visits", visit_id)
        if ledger.scalar("SELECT pool FROM enterprises WHERE id = ?", (watched,)) != "cultivation":
            pools.move_pool(ledger, watched, "cultivation", "测试")
        day = date(2026, 12, 5)
        last = day - timedelta(days=rule["days"])  # flagged from day + 1
        visits.add_visit(ledger, watched, {"visit_date": last.isoformat(), "visitors": "张三", "summary": "走访"})
        enterprise_service.update_enterprise(ledger, exited, {"stat_status": "exited",
                                                              "exited_stats_date": "2023-12-10"})
        before = stored_evaluations(ledger, day)
        assert "not_visited" not in before[watched].flag_codes
        assert before[exited].suggested_pool == "cultivation"
        stale = dict(ledger.conn.execute("SELECT enterprise_id, stale_on FROM policy_evaluations"
                                         " WHERE enterprise_id IN (?, ?)", (watched, exited)).fetchall())
        assert stale == {watched: (day + timedelta(days=1)).isoformat(), exited: "2026-12-11"}
        with Asked() as asked:
            after = stored_evaluations(ledger, day + timedelta(days=1))
            assert len(asked.calls) == 1 and watched in asked.calls[0] and exited not in asked.calls[0]
            assert "not_visited" in after[watched].flag_codes
            assert after == fresh(ledger, day + timedelta(days=1))
            later = stored_evaluations(ledger, date(2026, 12, 11))
            assert exited in asked.calls[1] and len(asked.calls[1]) < ledger.scalar("SELECT count(*) FROM enterprises")
        assert later[exited].suggested_pool != "cultivation"
        assert later == fresh(ledger, date(2026, 12, 11))
    finally:
        choose_profile(ledger, "hunan")


def test_texts_made_on_demand_are_those_of_exports(county_ledger, tmp_path):
    """The window keeps codes and numbers; the texts its tooltips make for one enterprise
    are the texts the 企业库别 export writes for it (both from the same rules)."""
    from openpyxl import load_workbook

    from shengui_desktop.services.excel.export import export_table

    ledger = county_ledger
    stored = stored_evaluations(ledger, AS_OF)
    path = tmp_path / "pools.xlsx"
    export_table(ledger, "pools", path, today=AS_OF)
    sheet = load_workbook(path, read_only=True)["企业库别"]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and isinstance(r[0], int)]
    by_code = {r[2]: r for r in rows}
    assert len(by_code) == len(stored)
    flagged = 0
    for ent, compact_ev in stored.items():
        code = ledger.scalar("SELECT credit_code FROM enterprises WHERE id = ?", (ent,))
        full = evaluate(ledger, [ent], AS_OF)[ent]  # what a tooltip asks for
        assert compact(full) == compact_ev
        reason = full.suggested_pool_reason if full.has_suggestion else None
        flags = "；".join(f"{FLAG_NAMES[f.code]}：{f.text}" for f in full.flags) or None
        assert (by_code[code][7], by_code[code][11]) == (reason or None, flags)
        flagged += bool(full.flags)
    assert flagged  # the comparison saw texts with numbers in them


OPS = st.lists(st.tuples(
    st.sampled_from(["figure", "annual", "visit", "status", "pool", "project", "move", "delete_visit",
                     "delete_enterprise", "profile", "day"]),
    st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(ops=OPS)
def test_the_store_always_equals_a_full_evaluation(county_ledger, ops):
    ledger = county_ledger
    today = AS_OF
    stored_evaluations(ledger, today)
    for op, a, b in ops:
        ids = sorted(r[0] for r in ledger.conn.execute("SELECT id FROM enterprises"))
        ent, other = ids[a % len(ids)], ids[b % len(ids)]
        try:
            if op == "figure":
                period = f"{2025 + b % 2}-{1 + a % 11:02d}"
                figures.record_month(ledger, ent, period, {"revenue": (a * 7919) % 40_000 * 1000,
                                                           "electricity_kwh": b * 10})
            elif op == "annual":
                figures.record_year(ledger, ent, 2025, {"revenue": a * 3_000_000})
            elif op == "visit":
                day = date(2026, 1, 1) + timedelta(days=b % 330)
                visits.add_visit(ledger, ent, {"visit_date": day.isoformat(), "visitors": "李四",
                                               "summary": "走访"})
            elif op == "status":
                change = ({"stat_status": "exited", "exited_stats_date": f"{2022 + b % 5}-0{1 + b % 9}-15"}
                          if b % 2 else {"stat_status": "below_scale"})
                enterprise_service.update_enterprise(ledger, ent, change)
            elif op == "pool":
                pools.move_pool(ledger, ent, ("reserve", "cultivation", "entry", "none")[b % 4], "测试调库")
            elif op == "project":
                start = AS_OF + timedelta(days=1 + b % 20)
                records.add_project(ledger, ent, {"name": "新建厂房", "kind": "new_build",
                                                  "production_start_date": start.isoformat(),
                                                  "expected_to_reach_scale": True})
            elif op == "move":  # a record moved to another enterprise (as a merge may)
                visit = ledger.scalar("SELECT id FROM visits WHERE enterprise_id = ? LIMIT 1", (ent,))
                if visit:
                    with ledger.transaction():
                        ledger.update("visits", visit, {"enterprise_id": other})
            elif op == "delete_visit":
                visit = ledger.scalar("SELECT id FROM visits ORDER BY id LIMIT 1 OFFSET ?", (a % 50,))
                if visit:
                    with ledger.transaction():
                        ledger.delete("visits", visit)
            elif op == "delete_enterprise" and len(ids) > 20:
                enterprise_service.delete_enterprise(ledger, ent)
            elif op == "profile":
                choose_profile(ledger, PROFILES[a % len(PROFILES)])
            elif op == "day":
                today = today + timedelta(days=b % 45)
        except UserError:
            pass  # refused by a service's own check: nothing written
        got = stored_evaluations(ledger, today)
        assert got == fresh(ledger, today), op
    with Asked() as asked:  # what was stored is what was returned
        assert stored_evaluations(ledger, today) == fresh(ledger, today)
        assert asked.calls == []


def test_an_import_touches_only_the_enterprises_of_its_entries(world, tmp_path):
    """A township's package at the county: its months and visits are evaluated again for
    their enterprises only, and the result equals a full evaluation."""
    county, township = world["C"], world["A"]
    choose_profile(county, "yuxian")
    mine = sorted(r[0] for r in township.conn.execute("SELECT id FROM enterprises"))
    # October reported already: the months so far stay what they are
    figures.record_month(township, mine[1], "2026-10", {"revenue": 3_000_000})
    exchange(township, county, tmp_path / "usb0")
    stored_evaluations(county, AS_OF)
    figures.record_month(township, mine[0], "2026-03", {"revenue": 5_000_000})
    figures.record_month(township, mine[0], "2025-03", {"revenue": 4_000_000})
    visits.add_visit(township, mine[1], {"visit_date": "2026-10-01", "visitors": "王五", "summary": "走访"})
    exchange(township, county, tmp_path / "usb")
    with Asked() as asked:
        got = stored_evaluations(county, AS_OF)
        assert asked.calls == [sorted(mine[:2])]
    assert len(got) == 4  # two of the county's four enterprises evaluated again
    assert got == fresh(county, AS_OF)
    assert got[mine[0]].projected_revenue is not None


def test_a_ledger_that_cannot_be_written_still_gets_its_result(county_ledger, monkeypatch):
    ledger = county_ledger
    evaluation_store.forget(ledger)

    def refuse(*args, **kw):
        raise UserError("写入台账失败")

    monkeypatch.setattr(store, "write", refuse)
    assert stored_evaluations(ledger, AS_OF) == fresh(ledger, AS_OF)
    assert store.read_stamp(ledger) is None  # stored another time


def test_cancelled_stores_nothing(county_ledger):
    ledger = county_ledger
    evaluation_store.forget(ledger)
    assert stored_evaluations(ledger, AS_OF, cancelled=lambda: True) == {}
    assert store.read_stamp(ledger) is None
    assert ledger.scalar("SELECT count(*) FROM policy_evaluations") == 0


def test_the_ledger_page_shows_codes_and_makes_texts_when_pointed_at(qtbot, demo_county, tmp_path):
    """The window's index holds the stored, compact evaluations; a tooltip of 建议库别 or
    提示 makes that enterprise's texts then, the same the full evaluation gives."""
    from PySide6.QtCore import Qt

    from shengui_desktop.ui.ledger.model import KEYS
    from test_ui_support import open_window

    choose_profile(demo_county, "yuxian")
    window = open_window(qtbot, demo_county, tmp_path, today=AS_OF)
    index = window.index
    assert index.evaluations and all(isinstance(e, evaluation_store.StoredEvaluation)
                                     for e in index.evaluations.values())
    assert store.read_stamp(demo_county) is not None  # the window's load stored them
    model = window.ledger_page.model
    full = evaluate(demo_county, today=AS_OF)
    checked = 0
    for row in range(model.rowCount()):
        ent = model.enterprise_id(row)
        flags = model.data(model.index(row, KEYS.index("flags")), Qt.ItemDataRole.ToolTipRole)
        reason = model.data(model.index(row, KEYS.index("suggested_pool")), Qt.ItemDataRole.ToolTipRole)
        assert flags == ("\n".join(f.text for f in full[ent].flags) or None)
        assert reason == full[ent].suggested_pool_reason
        checked += bool(flags)
    assert checked


def test_texts_under_a_ranked_profile_evaluate_everybody_once(county_ledger):
    """孝义 ranks every enterprise for any one's place: the first tooltip evaluates all of them,
    the next ones read evaluate's cache (no second evaluation while nothing changed)."""
    ledger = county_ledger
    choose_profile(ledger, "xiaoyi")
    try:
        evaluation._last_full = None
        full = evaluation.evaluate_fresh(ledger, None, AS_OF)
        ids = sorted(full)[:3]
        calls: list = []
        real = evaluation._evaluate
        evaluation._evaluate = lambda *a, **kw: calls.append(a[1]) or real(*a, **kw)
        try:
            for ent in ids:
                assert evaluation_store.explain(ledger, [ent], AS_OF)[ent] == full[ent]
        finally:
            evaluation._evaluate = real
        assert calls == [None]
    finally:
        evaluation._last_full = None
        choose_profile(ledger, "hunan")


def test_forgetting_the_store_leaves_the_held_insert_its_mark_names(tmp_path):
    """The stamp's log_seq (the log's high-water mark) is not a held-insert pointer though it
    has that column's name: deleting the stamp wrote the stamp's fields (rules, profile,
    as_of…) over the held insert it named, an enterprise's, which the county then sent on
    and a township refused (企业没有字段“as_of”). Now no synced entry changes, and the stamp
    has no release triggers (held.held_tables: synced tables only)."""
    from shengui_desktop.services.office.setup import init_office
    from shengui_desktop.storage.ledger import new_id

    ledger, _ = init_office(tmp_path / "county.sgdb", role="county", name="测试县",
                            area_code="140322", admin_user="admin", password=PASSWORD)
    generate(ledger, enterprises=20, townships=2, seed=3, as_of=AS_OF)
    code = ledger.scalar("SELECT code FROM townships ORDER BY code LIMIT 1")
    ledger.insert_rows("enterprises", ("id", "credit_code", "name", "township_code"),
                       [(new_id(), "91140322000000009X", "新企业", code)])  # the newest entry: held
    top = ledger.scalar("SELECT max(seq) FROM change_log")
    before = ledger.conn.execute("SELECT * FROM change_entries ORDER BY seq").fetchall()
    assert ledger.scalar("SELECT data IS NULL FROM change_log WHERE seq = ?", (top,)) == 1
    stored_evaluations(ledger, AS_OF)
    assert ledger.scalar("SELECT log_seq FROM policy_evaluation_stamp") == top
    evaluation_store.forget(ledger)
    assert ledger.scalar("SELECT data IS NULL FROM change_log WHERE seq = ?", (top,)) == 1
    assert ledger.conn.execute("SELECT * FROM change_entries ORDER BY seq").fetchall() == before
    assert ledger.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                         " AND tbl_name = 'policy_evaluation_stamp'") == 0
    ledger.close()
