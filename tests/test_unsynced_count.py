"""The status bar's 未同步的修改 (services/office/site.unsynced_change_count) for a ledger
that was copied to another computer: the same number a count over the change log gives,
held inserts included, found without reading the change log (#20: the count over the log
took 6.7 s at a province, on the window's thread, when the window opened)."""

from __future__ import annotations

import json
import sqlite3

from shengui_desktop.services.ledger import figures
from shengui_desktop.services.office import site
from shengui_desktop.storage import origins
from shengui_desktop.storage.ledger import monthly_figure_id

from sync_helpers import copy_to_other_computer
from test_ui_support import add_enterprise

PEER = "0123456789abcdef"


def _count_over_the_log(ledger) -> int:
    """What the status bar said before: every own entry beyond the acknowledged, counted."""
    acked: dict[str, int] = {}
    for (vector,) in ledger.conn.execute("SELECT acked_vector FROM peer_state"):
        for origin, seq in json.loads(vector).items():
            acked[origin] = max(acked.get(origin, 0), seq)
    return sum(ledger.scalar("SELECT count(*) FROM change_log WHERE site_id = ? AND site_seq > ?",
                             (origin, acked.get(origin, 0))) or 0
               for origin in origins.own_origins(ledger))


def _acknowledge(ledger, vector: dict[str, int]) -> None:
    with ledger.transaction():
        ledger.conn.execute("INSERT OR REPLACE INTO peer_state(site_id, acked_vector) VALUES (?, ?)",
                            (PEER, json.dumps(vector)))


def _held_figures(ledger, enterprise_ids: list[str], year: int) -> None:
    """A bulk load (as a spreadsheet import writes): row-held insert entries."""
    rows = [(monthly_figure_id(e, f"{year}-{m:02d}"), e, f"{year}-{m:02d}", 1000 * m)
            for e in enterprise_ids for m in range(1, 13)]
    with ledger.transaction():
        ledger.insert_rows("monthly_figures", ("id", "enterprise_id", "period", "revenue"), rows)


def test_a_copy_counts_what_the_log_holds_beyond_the_acknowledged(county, tmp_path):
    ids = [add_enterprise(county, f"秀水机械{i}有限公司", i) for i in range(1, 4)]
    figures.record_month(county, ids[0], "2025-01", {"revenue": 5_000_000})
    site_seq = county.scalar("SELECT max_seq FROM version_vector WHERE site_id = ?", (county.site_id,))
    _acknowledge(county, {str(county.site_id): site_seq - 2})
    assert site.unsynced_change_count(county) == _count_over_the_log(county) == 2

    copy = copy_to_other_computer(county, tmp_path / "laptop")
    try:
        origin = copy.origin_id
        assert origin != county.site_id and origins.own_origins(copy) == [str(copy.site_id), origin]
        assert site.unsynced_change_count(copy) == 2  # nothing written under the copy's origin yet
        # the copy goes on: ordinary entries and held inserts (a bulk load), under its origin
        more = [add_enterprise(copy, f"路家村化工{i}有限公司", 10 + i, township="140322101") for i in range(2)]
        _held_figures(copy, ids + more, 2024)
        figures.record_month(copy, more[0], "2025-02", {"revenue": 7_000_000})
        held = copy.scalar("SELECT count(*) FROM change_log WHERE site_id = ? AND data IS NULL", (origin,))
        assert held == 60
        mine = copy.scalar("SELECT count(*) FROM change_log WHERE site_id = ?", (origin,))
        assert site.unsynced_change_count(copy) == _count_over_the_log(copy) == 2 + mine

        # the county acknowledges part of the copy's work, then all of the site id's
        first = origins.first_seq(copy, origin)
        assert first == site_seq + 1
        for vector in ({str(copy.site_id): site_seq - 2, origin: first + 9},
                       {str(copy.site_id): site_seq, origin: first + 40},
                       {str(copy.site_id): site_seq, origin: first + mine - 1}):
            _acknowledge(copy, vector)
            assert site.unsynced_change_count(copy) == _count_over_the_log(copy)
        assert site.unsynced_change_count(copy) == 0

        # a copy made by a program that did not record where its origin's numbers start:
        # they come after the origin before it
        _acknowledge(copy, {str(copy.site_id): site_seq - 1, origin: first + 3})
        with copy.transaction():
            copy.conn.execute("DELETE FROM meta WHERE key = ?", (origins.FIRST_SEQS,))
        assert origins.first_seq(copy, origin) == first
        assert site.unsynced_change_count(copy) == _count_over_the_log(copy) == 1 + mine - 4
    finally:
        copy.close()


def test_the_count_reads_no_change_log(county, tmp_path):
    ids = [add_enterprise(county, f"秀水机械{i}有限公司", i) for i in range(1, 3)]
    copy = copy_to_other_computer(county, tmp_path / "laptop")
    try:
        _held_figures(copy, ids, 2024)
        read: set[str] = set()

        def watch(action, table, _column, _db, _trigger):
            if action == sqlite3.SQLITE_READ and table:
                read.add(table)
            return sqlite3.SQLITE_OK

        copy.conn.set_authorizer(watch)
        try:
            count = site.unsynced_change_count(copy)
        finally:
            copy.conn.set_authorizer(None)
        assert count == _count_over_the_log(copy) > 24
        assert "change_log" not in read and "version_vector" in read
        plan = " ".join(r[3] for r in copy.conn.execute(f"EXPLAIN QUERY PLAN {site.LATEST_SQL}", (copy.origin_id,)))
        assert "SEARCH version_vector USING" in plan and "(site_id=?)" in plan, plan
    finally:
        copy.close()
