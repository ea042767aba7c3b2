"""The fast evaluation of every enterprise (policy_rules.CompactRules over set-based facts,
evaluation_store.evaluate_rows: what the first unlock of a month runs, #20) gives exactly what
the straightforward evaluation gives (evaluate_one with its texts, then compacted): on a
generated county under each of the five shipped profiles, every enterprise, on days that
reach the rules' edges (January, February, a late month); and on random facts."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PASSWORD
from shengui_desktop.domain.policy_rules import COMPACT_FIELDS, CompactRules, Facts, evaluate_one
from shengui_desktop.services.ledger import figures, reference
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.policy import choose_profile, evaluation, evaluation_store, shipped_profiles
from shengui_desktop.services.policy.records import add_project, record_scale_period
from shengui_desktop.services.policy.evaluation_store import StoredEvaluation, compact
from shengui_desktop.storage import evaluations as store

AS_OF = date(2026, 11, 23)
PROFILES = ("hunan", "shuncheng", "yuxian", "minhou", "xiaoyi")
DAYS = (AS_OF, date(2026, 1, 20), date(2026, 2, 3), date(2026, 7, 1))


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """A generated county (4 townships, 400 enterprises, 36 months), with what the demo does
    not make: annual figures, projects, an earlier above-scale period under another name, a
    year's target (孝义 ranks by it)."""
    from shengui_desktop.services.office.setup import init_office

    ledger, _ = init_office(tmp_path_factory.mktemp("compact") / "county.sgdb", role="county",
                            name="测试县", area_code="140322", admin_user="admin", password=PASSWORD)
    generate(ledger, enterprises=400, townships=4, seed=23, as_of=AS_OF)
    ids = [r[0] for r in ledger.conn.execute("SELECT id FROM enterprises ORDER BY id")]
    for n, ent in enumerate(ids[:40]):
        figures.record_year(ledger, ent, 2025, {"revenue": 1_000_000 * (n + 1) ** 2})
    add_project(ledger, ids[50], {"name": "新建厂房", "kind": "new_build", "status": "under_construction",
                                  "expected_to_reach_scale": 1})
    add_project(ledger, ids[51], {"name": "二期", "kind": "new_build", "status": "in_production",
                                  "production_start_date": "2026-03-01"})
    code = ledger.scalar("SELECT credit_code FROM enterprises WHERE id = ?", (ids[52],))
    record_scale_period(ledger, code, "旧名称有限公司", "2019-01-01", "2021-12-31")
    reference.set_target(ledger, {"year": 2026, "scope": "county", "net_increase": 6})
    yield ledger
    ledger.close()


def straightforward(ledger, today: date) -> dict[str, StoredEvaluation]:
    """evaluate_one of every enterprise, with its texts, compacted."""
    return {k: compact(v) for k, v in evaluation.evaluate_fresh(ledger, None, today).items()}


@pytest.mark.parametrize("code", PROFILES)
def test_fast_rows_equal_the_straightforward_evaluation(county, code):
    choose_profile(county, code)
    for today in DAYS:
        expected = straightforward(county, today)
        rows = evaluation_store.evaluate_rows(county, None, today, 7)
        assert rows is not None and [r[0] for r in rows] == sorted(expected)  # key order
        assert all(len(r) == len(store.COLUMNS) and r[-1] == 7 for r in rows)
        got = {r[0]: StoredEvaluation(r[1], r[2], r[3] == 1, tuple(r[4].split(",")) if r[4] else (),
                                      *r[5:11]) for r in rows}
        assert len(got) == county.scalar("SELECT count(*) FROM enterprises")
        differing = [k for k in expected if got[k] != expected[k]]
        assert not differing, (code, today, differing[:3], [expected[k] for k in differing[:3]])
        # the county reaches more than one suggested pool and flag under every profile
        assert len({e.suggested_pool for e in expected.values()}) > 1
        if today == AS_OF:
            assert any(e.flag_codes for e in expected.values())
            assert evaluation_store.stored_evaluations(county, today) == expected


def test_ranked_places_are_given_under_xiaoyi(county):
    """The ranking (孝义) takes part in the comparison above: places are handed out."""
    choose_profile(county, "xiaoyi")
    rows = evaluation_store.evaluate_rows(county, None, AS_OF, None)
    assert rows is not None
    assert {"entry", "cultivation", "reserve"} <= {r[2] for r in rows}


def test_a_few_given_enterprises(county):
    choose_profile(county, "hunan")
    ids = sorted(r[0] for r in county.conn.execute("SELECT id FROM enterprises"))[::37]
    rows = evaluation_store.evaluate_rows(county, [*ids, "no-such-enterprise"], AS_OF, None)
    assert rows is not None and [r[0] for r in rows] == ids
    expected = straightforward(county, AS_OF)
    assert evaluation_store._compact_rows(rows) == {k: expected[k] for k in ids}


def test_cancelled_gives_nothing(county):
    assert evaluation_store.evaluate_rows(county, None, AS_OF, None, cancelled=lambda: True) is None


# -- random facts ----------------------------------------------------------------------------

# the profiles' lines (5, 10, 15, 20, 30 百万元; 25 declining by 20 % meets 20)
LINES = (5_000_000, 10_000_000, 15_000_000, 20_000_000, 25_000_000, 30_000_000)
PERIODS = st.sampled_from([f"2026-{m:02d}" for m in range(1, 13)])


def _days_before(today: date, days: int) -> str:
    return date.fromordinal(today.toordinal() - days).isoformat()


@st.composite
def facts_and_day(draw):
    """Facts near the rules' edges on one of DAYS: a visit 31/92 days ago and a day either
    side (长期未走访), an exit three years ago and a day either side (近3年内退规), every month
    of the year reported (annualised = the year-to-date, so the projection meets a line)."""
    today = draw(st.sampled_from(DAYS))
    line = draw(st.sampled_from(LINES))  # amounts on it, a yuan either side, or anything
    money = st.one_of(st.none(), st.sampled_from([line - 1, line, line + 1]), st.integers(0, 80_000_000))
    three_years = today.replace(year=today.year - 3).toordinal()
    f = draw(st.builds(
        Facts,
        enterprise_id=st.just("e1"), name=st.sampled_from(["甲公司", "乙公司"]), credit_code=st.just("91X"),
        pool=st.sampled_from(["none", "base", "reserve", "cultivation", "entry"]),
        stat_status=st.sampled_from(["below_scale", "above_scale", "exited"]),
        source=st.sampled_from([None, "upgrade", "attract", "spin_off", "reserve", "new_project"]),
        entered_stats_date=st.sampled_from([None, "2020-01-01", "2026-03-01", "2026-12-01"]),
        exited_stats_date=st.one_of(st.none(), st.sampled_from(
            [date.fromordinal(three_years + d).isoformat() for d in (-1, 0, 1)] + ["2025-12-31"])),
        prior_year_revenue=money, prior_months=st.sampled_from([0, 1, 6, 11, 12]),
        prior_source=st.sampled_from([None, "annual", "monthly"]), prior_months_revenue=money,
        prior_kwh=money, prior_tax=money, ytd_revenue=money,
        ytd_mask=st.one_of(st.sampled_from([0, 1, 0b111, 1023, 4095]), st.integers(0, 4095)),
        same_period_prior=money, ytd_kwh=money, ytd_tax=money, no_output_months=st.integers(0, 3),
        no_output_last=st.sampled_from([None, "2026-10"]),
        last_visit=st.one_of(st.none(), st.sampled_from(
            [_days_before(today, d) for d in (0, 31, 32, 33, 92, 93, 94, 400)])),
        project_expected=st.booleans(), project_started_this_year=st.booleans(),
        earlier_periods=st.sampled_from([[], [("甲公司", "2019-01-01", "2020-12-31")],
                                         [("丙公司", "2019-01-01", None)]]),
        reported_periods=st.one_of(st.none(), st.frozensets(PERIODS, max_size=12)),
    ))
    return f, today


PROFILE_OF = {}


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=facts_and_day(), code=st.sampled_from((None, *PROFILES)),
       ranked=st.sampled_from([None, ("entry", "排第1位"), ("reserve", "排第9位")]))
def test_random_facts_give_what_evaluate_one_gives(case, code, ranked):
    f, today = case
    if not PROFILE_OF:
        PROFILE_OF.update(shipped_profiles())
    profile = PROFILE_OF.get(code)
    full = evaluate_one(profile, f, today, ranked)
    fast = CompactRules(profile, today).evaluate(f, ranked)
    assert fast == tuple(tuple(full.flag_codes) if name == "flag_codes" else getattr(full, name)
                         for name in COMPACT_FIELDS)


def _edge(**kw) -> Facts:
    return Facts("e1", "甲公司", "91X", **kw)


EDGES = [  # (profile, facts): each on a line a rule draws
    ("xiaoyi", _edge(stat_status="above_scale", prior_year_revenue=25_000_000, prior_months=12,
                     prior_source="monthly", ytd_revenue=20_000_000, ytd_mask=4095)),  # down 20 % exactly
    ("xiaoyi", _edge(stat_status="above_scale", prior_year_revenue=25_000_000, prior_months=12,
                     prior_source="monthly", ytd_revenue=20_000_001, ytd_mask=4095)),
    ("hunan", _edge(stat_status="above_scale", ytd_revenue=30_000_000, ytd_mask=4095)),  # 3000万 inclusive
    ("hunan", _edge(stat_status="above_scale", ytd_revenue=30_000_001, ytd_mask=4095)),
    ("hunan", _edge(stat_status="above_scale", prior_year_revenue=30_000_000, prior_months=12,
                    prior_source="monthly")),  # no month this year: judged on last year
    ("yuxian", _edge(stat_status="above_scale", prior_year_revenue=10_000_000, prior_months=6,
                     prior_source="monthly")),  # half a year, annualised to the line
    ("shuncheng", _edge(stat_status="exited", exited_stats_date="2023-11-23")),  # three years to the day
    ("shuncheng", _edge(stat_status="exited", exited_stats_date="2023-11-24")),
    ("shuncheng", _edge(stat_status="exited", exited_stats_date="2023-11-22")),
    ("hunan", _edge(prior_year_revenue=10_000_000, prior_months=12, prior_source="monthly")),
    ("hunan", _edge(prior_year_revenue=9_999_999, prior_months=12, prior_source="annual")),
    ("hunan", _edge(ytd_revenue=20_000_000, ytd_mask=4095)),
    ("minhou", _edge(pool="base", last_visit="2026-08-23")),  # 92 days
    ("minhou", _edge(pool="base", last_visit="2026-08-22")),
    ("xiaoyi", _edge(stat_status="above_scale", entered_stats_date="2026-10-01",
                     reported_periods=frozenset({"2026-10"}))),  # 不按序时进度上报 from its entry month
    ("xiaoyi", _edge(stat_status="above_scale", entered_stats_date="2026-11-01",
                     reported_periods=frozenset())),
]


@pytest.mark.parametrize("code, f", EDGES)
def test_the_rules_lines_give_what_evaluate_one_gives(code, f):
    profile = shipped_profiles()[code]
    full = evaluate_one(profile, f, AS_OF)
    assert CompactRules(profile, AS_OF).evaluate(f) == tuple(
        tuple(full.flag_codes) if name == "flag_codes" else getattr(full, name) for name in COMPACT_FIELDS)
