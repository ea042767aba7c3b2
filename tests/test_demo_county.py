"""`shengui --demo county` (#18 item 8): the county's ledger is made as a real one comes to be,
from its townships' packages imported through the sync services, and shows what a county
meets in its year: enrolled townships with their names, an open conflict, a suspected
duplicate, targets in progress with some townships behind, rewards due under its profile."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from PySide6.QtCore import Qt  # noqa: F401  (pytest-qt drives the window below)

from shengui_desktop.domain.policy import POOL_ORDER
from shengui_desktop.services import policy, sync
from shengui_desktop.services.ledger.demo import DEMO_PASSWORD, DEMO_USER
from shengui_desktop.services.ledger.demo_county import (build_county_demo, ensure_demo_ledger,
                                                         ensure_township_demo)
from shengui_desktop.services.office import session
from shengui_desktop.storage.keyslots import keys_path_for

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("county-demo")
    stages = []
    result = build_county_demo(folder / "demo-county.sgdb", folder / "demo-township.sgdb", as_of=AS_OF,
                               progress=lambda stage, done, total: stages.append(stage))
    return {"folder": folder, "result": result, "stages": stages}


@pytest.fixture
def county(made, tmp_path):
    """A copy of the built county demo, opened (a test may change it)."""
    path = tmp_path / "demo-county.sgdb"
    shutil.copy(made["folder"] / "demo-county.sgdb", path)
    shutil.copy(keys_path_for(made["folder"] / "demo-county.sgdb"), keys_path_for(path))
    ledger = session.unlock(path, password=DEMO_PASSWORD, user=DEMO_USER)
    yield ledger
    session.close(ledger)


def test_townships_are_enrolled_through_their_packages(county, made):
    sites = county.rows("SELECT id, name, area_code FROM sites WHERE role = 'township'")
    assert len(sites) >= 3
    names = {r["code"]: r["name"] for r in county.rows("SELECT code, name FROM townships")}
    for site in sites:
        assert names[site["area_code"]] == site["name"]  # known by name, not by code
        # its enterprises, figures and visits came in its packages: their origin is its site
        for table in ("enterprises", "monthly_figures", "visits"):
            assert county.scalar(f"SELECT count(*) FROM change_entries WHERE tbl = '{table}' AND op = 'i'"
                                 " AND site_id = ?", (site["id"],)) > 0, (site["name"], table)
        assert county.scalar("SELECT count(*) FROM imported_packages WHERE sender_id = ?", (site["id"],)) >= 2
        assert county.scalar("SELECT count(*) FROM enterprises WHERE township_code = ?", (site["area_code"],)) > 20
    # no enterprise was written at the county: every one was inserted by a township
    assert county.scalar("SELECT count(*) FROM change_entries WHERE tbl = 'enterprises' AND op = 'i'"
                         " AND site_id = ?", (county.site_id,)) == 0
    # the county's list has townships that have not sent anything yet
    assert len(names) > len(sites)
    assert set(made["stages"]) >= {"townships", "enterprises", "monthly_figures", "import"}


def test_an_open_conflict_and_a_suspected_duplicate_wait_for_the_county(county, made):
    [conflict] = sync.review_conflicts(county)
    assert conflict["status"] == "open" and conflict["field_label"] == "联系电话"
    assert conflict["record"] == made["result"]["conflict_enterprise"]
    assert conflict["local"]["site"].startswith("盂县") and conflict["incoming"]["office"] == "秀水镇"
    assert conflict["incoming"]["site"].startswith("秀水镇")  # and who: "秀水镇 admin"
    assert conflict["local"]["text"] != conflict["incoming"]["text"]
    [task] = sync.list_duplicates(county)
    assert task["status"] == "open" and task["credit_code"] == made["result"]["twin"]
    assert {e["township_name"] for e in task["enterprises"]} == {"秀水镇", "路家村镇"}
    # settling both works as on any ledger
    sync.resolve_conflict(county, conflict["id"], "local")
    survivor = next(e["id"] for e in task["enterprises"] if e["township_name"] == "秀水镇")
    sync.merge_duplicates(county, task["id"], survivor)
    assert sync.list_conflicts(county) == [] and sync.list_duplicates(county) == []


def test_targets_are_in_progress_with_some_townships_behind(county):
    progress = policy.target_progress(county, AS_OF.year)
    lines = [t for t in progress.townships if t.target is not None]
    assert len(lines) >= 3
    behind = [t for t in lines if (t.completion_rate or 0) < 1]
    met = [t for t in lines if (t.completion_rate or 0) >= 1]
    assert behind and met
    # behind among the townships that send, not only among those that have not started
    sending = {r["area_code"] for r in county.rows("SELECT area_code FROM sites WHERE role = 'township'")}
    assert any(t.key in sending for t in behind)
    assert progress.county.entries > 0


def test_rewards_are_due_under_the_demo_profile(county, made):
    assert policy.active_profile(county).code == "yuxian"
    rewards = policy.rewards(county, AS_OF.year, today=AS_OF)
    due = [ln for ln in rewards.lines if ln.status == "due"]
    assert len(due) >= 1
    assert made["result"]["entered"] >= 1


def test_the_demo_obeys_its_profile(county):
    own = set(policy.active_profile(county).data["pools"]) | {"none"}
    pools = {r["id"]: r["pool"] for r in county.rows("SELECT id, pool FROM enterprises")}
    assert set(pools.values()) <= own and len(set(pools.values())) >= 2
    evaluations = policy.evaluate(county, today=AS_OF)
    differ = {i: ev for i, ev in evaluations.items() if ev.suggested_pool != pools[i]}
    assert len(differ) < 0.05 * len(pools)
    for enterprise_id, ev in differ.items():  # pending adjustments only go up
        assert POOL_ORDER.index(ev.suggested_pool) > POOL_ORDER.index(pools[enterprise_id]), ev
    # every pool is a recorded decision: the last move of each enterprise put it where it is
    last = {r["enterprise_id"]: r["to_pool"] for r in county.rows(
        "SELECT enterprise_id, to_pool FROM pool_events ORDER BY moved_on, rowid")}
    assert all(pools[i] == pool for i, pool in last.items())
    # (基础信息库 is where the generator starts everyone, as demo.generate does)
    assert all(i in last for i, pool in pools.items() if pool not in ("none", "base"))


def test_the_township_demo_is_xiushui_after_the_countys_answer(made):
    town = session.unlock(made["folder"] / "demo-township.sgdb", password=DEMO_PASSWORD, user=DEMO_USER)
    try:
        me = town.this_site()
        assert me["role"] == "township" and me["area_code"] == "140322100"
        assert {r[0] for r in town.conn.execute("SELECT DISTINCT township_code FROM enterprises")} == {"140322100"}
        # the county's decisions reached it: some of its enterprises are above scale now
        assert town.scalar("SELECT count(*) FROM enterprises WHERE stat_status = 'above_scale'") > 0
        assert policy.active_profile(town).code == "yuxian"
    finally:
        session.close(town)


def test_the_demos_are_made_once_and_together(tmp_path):
    county_path, town_path = tmp_path / "demo-county.sgdb", tmp_path / "demo-township.sgdb"
    assert ensure_demo_ledger(county_path, township_path=town_path, enterprises=40) == county_path
    assert town_path.exists()
    made_at = county_path.stat().st_mtime_ns
    assert ensure_demo_ledger(county_path, township_path=town_path) == county_path
    assert ensure_township_demo(town_path, county_path) == town_path
    assert county_path.stat().st_mtime_ns == made_at  # reused, not made again
    # the township demo lost: both are made again, so the county knows the new 秀水镇's key
    for suffix in ("", ".keys"):
        (tmp_path / f"demo-township.sgdb{suffix}").unlink()
    assert ensure_township_demo(town_path, county_path) == town_path
    town = session.unlock(town_path, password=DEMO_PASSWORD, user=DEMO_USER)
    county = session.unlock(county_path, password=DEMO_PASSWORD, user=DEMO_USER)
    try:
        assert county.scalar("SELECT fingerprint FROM sites WHERE area_code = '140322100'") == \
            town.this_site()["fingerprint"]
    finally:
        session.close(town)
        session.close(county)


def test_the_sync_page_of_the_county_demo_lists_the_conflict(qtbot, county, tmp_path):
    from test_ui_support import open_window

    window = open_window(qtbot, county, tmp_path / "ui", today=AS_OF)
    window.show_page("数据同步")
    page = window.sync_page
    assert page.tabs.tabText(1) == "冲突（1）" and page.tabs.tabText(2) == "疑似重复（1）"
    page.show_tab("冲突")
    [row] = page.conflicts.model.rows_data
    assert row["field_label"] == "联系电话" and row["incoming_by"].startswith("秀水镇")
    page.conflicts.table.selectRow(0)
    assert page.conflicts.keep_local.isEnabled()
    page.show_tab("疑似重复")
    assert page.duplicates.tasks.rowCount() == 1
    window.close()
