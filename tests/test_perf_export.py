"""The county's incremental package looks at the unacknowledged changes only (#20); it
carries exactly what working out the owner of every change in the log gives."""

from __future__ import annotations

import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shengui_desktop.errors import UserError
from shengui_desktop.services.ledger import figures, reference
from shengui_desktop.services.ledger.enterprises import delete_enterprise, update_enterprise
from shengui_desktop.services.ledger.visits import add_issue, add_visit
from shengui_desktop.storage import owners
from shengui_desktop.sync import duplicates, exporter
from shengui_desktop.sync.rules import TOWNSHIP, synced_tables, table_kind

from sync_helpers import CODES, clone, exchange, world_fixtures

PERIODS = ("2026-01", "2026-02", "2026-03")

template, world = world_fixtures("perf-export")


def same_both_ways(county, full: bool = False) -> int:
    """Both ways (the owner written with each entry, and an owner worked out for every entry
    of the log) give the same package to every township."""
    sent = 0
    for peer in exporter.peers(county):
        quick = exporter.select_entries(county, peer, full, [])
        whole = exporter.select_entries(county, peer, full, [], scan_log=True)
        assert quick == whole, peer["name"]
        sent += len(quick)
    return sent


def test_the_storage_layer_reads_table_kinds_as_the_sync_rules_do(world):
    county = world["C"]
    assert {t: owners.kind(county.conn, t) for t in synced_tables()} == \
        {t: table_kind(county, t) for t in synced_tables()}
    assert owners.TOWNSHIP == TOWNSHIP


def ids_in(ledger, code: str) -> list[str]:
    return [r[0] for r in ledger.conn.execute(
        "SELECT id FROM enterprises WHERE township_code = ? ORDER BY name", (code,))]


def test_incremental_package_same_as_the_whole_log(world, tmp_path):
    c, a, b = world["C"], world["A"], world["B"]
    for town in (a, b):
        exchange(c, town, tmp_path / "out")
        exchange(town, c, tmp_path / "out")
    assert same_both_ways(c) == 0
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
    assert same_both_ways(c) > 0

    # a deletion, and a move from 秀水镇 to 路家村镇 (the move sends a whole history)
    delete_enterprise(c, in_b[0])
    assert same_both_ways(c) > 0
    update_enterprise(c, in_a[0], {"township_code": CODES["B"]})
    assert same_both_ways(c) > 0
    for town in (a, b):
        exchange(c, town, tmp_path / "out")
        exchange(town, c, tmp_path / "out")
    same_both_ways(c)


# -- random histories (hypothesis) --------------------------------------------------------

def owners_agree(ledger) -> None:
    """The owner written with every entry is what working it out over the whole log says."""
    exporter._owners(ledger)
    stored = dict(ledger.conn.execute("SELECT seq, owner FROM change_log"))
    worked_out = dict(ledger.conn.execute("SELECT seq, enterprise FROM temp._log_owner"))
    assert stored == worked_out


ops = st.one_of(
    st.tuples(st.just("figure"), st.sampled_from("CAB"), st.integers(0, 9), st.sampled_from(PERIODS)),
    st.tuples(st.just("visit"), st.sampled_from("CAB"), st.integers(0, 9)),
    st.tuples(st.just("visit_edit"), st.sampled_from("CAB"), st.integers(0, 40)),
    st.tuples(st.just("visit_delete"), st.sampled_from("CAB"), st.integers(0, 40)),
    st.tuples(st.just("edit"), st.integers(0, 9)),
    st.tuples(st.just("move"), st.integers(0, 9)),
    st.tuples(st.just("delete"), st.integers(0, 9)),
    st.tuples(st.just("merge"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("new"), st.sampled_from("AB")),
    st.tuples(st.just("department"), st.integers(0, 99)),
    st.tuples(st.just("exchange"), st.sampled_from((("A", "C"), ("B", "C"), ("C", "A"), ("C", "B")))),
)


def apply_op(sites: dict, op: tuple, out, counter: list[int]) -> None:
    c = sites["C"]
    kind, *args = op

    def enterprise(key: str, n: int) -> str | None:
        ledger = sites[key]
        if key == "C":
            found = [r[0] for r in c.conn.execute("SELECT id FROM enterprises ORDER BY name")]
        else:
            found = ids_in(ledger, CODES[key])
        return found[n % len(found)] if found else None

    def visit(key: str, n: int) -> str | None:
        found = [r[0] for r in sites[key].conn.execute(
            "SELECT v.id FROM visits v JOIN enterprises e ON e.id = v.enterprise_id"
            + ("" if key == "C" else " WHERE e.township_code = ?") + " ORDER BY v.id",
            () if key == "C" else (CODES[key],))]
        return found[n % len(found)] if found else None

    try:
        if kind == "figure":
            key, n, period = args
            ent = enterprise(key, n)
            if ent:
                counter[0] += 1
                figures.record_month(sites[key], ent, period, {"revenue": 1_000_000 + counter[0]})
        elif kind == "visit":
            key, n = args
            ent = enterprise(key, n)
            if ent:
                add_visit(sites[key], ent, {"visit_date": "2026-04-01", "visitors": "张三", "summary": "走访"})
        elif kind == "visit_edit":
            key, n = args
            found = visit(key, n)
            if found:
                counter[0] += 1
                sites[key].update("visits", found, {"summary": f"改{counter[0]}"})
        elif kind == "visit_delete":
            key, n = args
            found = visit(key, n)
            if found:
                sites[key].delete("visits", found)
        elif kind == "edit":
            ent = enterprise("C", args[0])
            if ent:
                counter[0] += 1
                update_enterprise(c, ent, {"note": f"备注{counter[0]}"})
        elif kind == "move":
            ent = enterprise("C", args[0])
            if ent:
                now = c.scalar("SELECT township_code FROM enterprises WHERE id = ?", (ent,))
                update_enterprise(c, ent, {"township_code": CODES["B"] if now == CODES["A"] else CODES["A"]})
        elif kind == "delete":
            ent = enterprise("C", args[0])
            if ent:
                delete_enterprise(c, ent)
        elif kind == "merge":
            one, other = enterprise("C", args[0]), enterprise("C", args[1])
            if one and other and one != other:
                duplicates.merge_enterprises(c, one, other)
        elif kind == "new":
            key = args[0]
            counter[0] += 1
            sites[key].insert("enterprises", {"credit_code": f"91140322{counter[0]:08d}{key}X",
                                              "name": f"新企业{counter[0]}", "township_code": CODES[key]})
        elif kind == "department":
            reference.add_department(c, f"部门{args[0]}")
        elif kind == "exchange":
            sender, recipient = args[0]
            exchange(sites[sender], sites[recipient], out)
    except UserError:
        pass  # refused as a person would be told: nothing written


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(history=st.lists(ops, min_size=3, max_size=14))
def test_random_histories_the_owner_way_equals_the_whole_log(template, tmp_path_factory, history):
    folder = tmp_path_factory.mktemp("history")
    sites = clone(template, folder / "ledgers")
    counter = [0]
    try:
        for op in history:
            apply_op(sites, op, folder / "usb", counter)
            owners_agree(sites["C"])
            same_both_ways(sites["C"])
        for key in "AB":
            owners_agree(sites[key])
        same_both_ways(sites["C"], full=True)
    finally:
        for ledger in sites.values():
            ledger.close()
        shutil.rmtree(folder, ignore_errors=True)


def test_records_moved_to_another_enterprise_change_owner(world, tmp_path):
    """A duplicate merge moves a visit to the survivor (another township's): every entry of
    the visit is the survivor's now, and so is the package that carries them."""
    c, a = world["C"], world["A"]
    in_a, in_b = ids_in(c, CODES["A"]), ids_in(c, CODES["B"])
    visit, _ = add_visit(c, in_a[0], {"visit_date": "2026-04-01", "visitors": "张三", "summary": "走访"})
    c.update("visits", visit, {"summary": "改过"})
    figures.record_month(c, in_a[0], "2026-03", {"revenue": 1_230_000})
    exchange(c, a, tmp_path / "out")
    duplicates.merge_enterprises(c, in_b[0], in_a[0])
    assert {o for (o,) in c.conn.execute(
        "SELECT owner FROM change_log WHERE tbl = 'visits' AND row_id = ?", (visit,))} == {in_b[0]}
    owners_agree(c)
    assert same_both_ways(c) > 0
    # the row gone, its entries are its latest insert's enterprise's again (as the whole log says)
    c.delete("visits", visit)
    owners_agree(c)
    same_both_ways(c)
    for town in (a, world["B"]):
        exchange(c, town, tmp_path / "out")
        owners_agree(town)
