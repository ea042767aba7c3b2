"""The county's incremental package looks at the unacknowledged changes only (#20); it
carries exactly what working out the owner of every change in the log gives."""

from __future__ import annotations

from shengui_desktop.services.ledger import figures, reference
from shengui_desktop.services.ledger.enterprises import delete_enterprise, update_enterprise
from shengui_desktop.services.ledger.visits import add_issue, add_visit
from shengui_desktop.sync import exporter

from sync_helpers import CODES, exchange, world_fixtures

template, world = world_fixtures("perf-export")


def same_both_ways(county, quick_for: set[str] | None = None) -> int:
    """Both ways give the same package to every township; `quick_for`: the townships whose
    package the quick way made itself (the others had an enterprise moved in)."""
    sent = 0
    for peer in exporter.peers(county):
        quick = exporter.select_entries(county, peer, False, [])
        made = exporter._unacked_for_township(county, peer)  # temp._acked is this peer's now
        whole = exporter.select_entries(county, peer, False, [], scan_log=True)
        assert quick == whole, peer["name"]
        if quick_for is not None:
            assert (made is not None) == (peer["area_code"] in quick_for), peer["name"]
        sent += len(quick)
    return sent


def ids_in(ledger, code: str) -> list[str]:
    return [r[0] for r in ledger.conn.execute(
        "SELECT id FROM enterprises WHERE township_code = ? ORDER BY name", (code,))]


def test_incremental_package_same_as_the_whole_log(world, tmp_path):
    c, a, b = world["C"], world["A"], world["B"]
    for town in (a, b):
        exchange(c, town, tmp_path / "out")
        exchange(town, c, tmp_path / "out")
    assert same_both_ways(c, quick_for=set(CODES.values())) == 0
    in_a, in_b = ids_in(c, CODES["A"]), ids_in(c, CODES["B"])

    # the county's own work on both townships' enterprises, and a county-wide record
    figures.record_month(c, in_a[0], "2026-03", {"revenue": 1_230_000})
    figures.record_month(c, in_b[0], "2026-03", {"revenue": 4_560_000})
    visit, _ = add_visit(c, in_a[1], {"visit_date": "2026-04-01", "visitors": "张三", "summary": "走访"})
    add_issue(c, in_a[1], {"category": "finance", "description": "贷款"}, visit)
    update_enterprise(c, in_b[1], {"note": "县级备注"})
    reference.add_department(c, "统计局")
    # a township's changes reach the county and are due to nobody else
    figures.record_month(a, ids_in(a, CODES["A"])[0], "2026-05", {"revenue": 7_000_000})
    exchange(a, c, tmp_path / "out")
    assert same_both_ways(c, quick_for=set(CODES.values())) > 0

    # a deletion, and a move from 秀水镇 to 路家村镇 (the move sends a whole history)
    delete_enterprise(c, in_b[0])
    assert same_both_ways(c, quick_for=set(CODES.values())) > 0
    update_enterprise(c, in_a[0], {"township_code": CODES["B"]})
    assert same_both_ways(c, quick_for={CODES["A"]}) > 0
    for town in (a, b):
        exchange(c, town, tmp_path / "out")
        exchange(town, c, tmp_path / "out")
    same_both_ways(c)
