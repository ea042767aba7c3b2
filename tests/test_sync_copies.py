"""Issue #15, the remaining sync hole (docs/sync-format.md, "Copies of a ledger").

(a) A township copies its ledger file to a second computer and both copies go on working
and sending packages. Each copy writes under its own origin, so two different changes
never share an (origin, number); the county relays each copy's changes to the other; every
office converges and nothing is refused or lost.

(b) An edit a township kept back because the county had moved the enterprise away is
written again, and reaches the county, when the enterprise comes back.
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shengui_desktop.errors import UserError
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.ledger.enterprises import update_enterprise
from shengui_desktop.services.ledger.figures import record_month
from shengui_desktop.storage import origins
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.storage.ledger import monthly_figure_id

from conftest import PASSWORD
from sync_helpers import (CODES, build_template, clone, copy_to_other_computer, open_on_other_computer, owners,
                          projection)

COUNTY = "140322"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("copies-template"))


@pytest.fixture
def world(template, tmp_path):
    sites = clone(template, tmp_path / "ledgers")
    sites["A2"] = copy_to_other_computer(sites["A"], tmp_path / "laptop")
    yield sites
    for ledger in sites.values():
        ledger.close()


def enterprises_of(ledger, code: str) -> list[str]:
    return [r[0] for r in ledger.conn.execute(
        "SELECT id FROM enterprises WHERE township_code = ? ORDER BY credit_code", (code,))]


def send(sender, recipient, folder: Path):
    """Export from sender to recipient's office and import it at recipient."""
    code = recipient.this_site()["area_code"]
    [exported] = sync_service.export_packages(sender, folder, to=code)
    [imported] = sync_service.import_packages(recipient, [exported.path])
    assert imported.status == "imported", imported.message
    return exported, imported


def scope_of(c, code):
    return projection(c, code, owners(c))


# -- the copy is found, and told ------------------------------------------------------------

def test_a_copy_on_another_computer_gets_its_own_origin_and_says_so(world):
    a, a2 = world["A"], world["A2"]
    assert a2.site_id == a.site_id and a2.origin_id != a.origin_id
    assert a2.opened_notice and "复制到另一台电脑" in a2.opened_notice
    assert a.opened_notice is None
    # the office is the same: same keys and certificate
    assert sync_service.certificate(a2)["fingerprint"] == sync_service.certificate(a)["fingerprint"]
    # reopened on the same computer, the copy keeps its origin and says nothing more
    path, origin = a2.path, a2.origin_id
    a2.close()
    again = open_on_other_computer(path)
    world["A2"] = again
    assert again.origin_id == origin and again.opened_notice is None
    # the person sees the notice once, with the copy's first export
    [export] = sync_service.export_packages(again, path.parent / "usb", to=COUNTY)
    assert any("复制到另一台电脑" in n for n in export.notices)
    [export] = sync_service.export_packages(again, path.parent / "usb", to=COUNTY)
    assert not any("复制到另一台电脑" in n for n in export.notices)


def test_the_copy_and_its_original_never_number_two_changes_alike(world):
    a, a2 = world["A"], world["A2"]
    ent = enterprises_of(a, CODES["A"])[0]
    a.update("enterprises", ent, {"note": "办公室台式机"})
    a2.update("enterprises", ent, {"address": "笔记本上改的地址"})
    mine = a.one("SELECT site_id, site_seq FROM change_log ORDER BY seq DESC LIMIT 1")
    theirs = a2.one("SELECT site_id, site_seq FROM change_log ORDER BY seq DESC LIMIT 1")
    assert mine["site_seq"] == theirs["site_seq"]      # the counter came along with the copy
    assert mine["site_id"] != theirs["site_id"]        # the origin did not


# -- (a) two copies, different fields and the same field, both orders, several rounds ----------

@pytest.mark.parametrize("order", ["copy first", "original first"])
def test_two_copies_editing_one_enterprise_converge_with_the_county(world, tmp_path, order):
    c, a, a2 = world["C"], world["A"], world["A2"]
    ent, other = enterprises_of(a, CODES["A"])
    usb = itertools.count()

    def stick() -> Path:
        return tmp_path / f"usb{next(usb)}"

    # round 1: different fields on one enterprise, the same field on another, a month each
    a.update("enterprises", ent, {"note": "台式机写的备注"})
    a2.update("enterprises", ent, {"contact_phone": "13900000000"})
    a.update("enterprises", other, {"address": "台式机写的地址"})
    a2.update("enterprises", other, {"address": "笔记本写的地址"})
    record_month(a, ent, "2026-10", {"revenue": 1_000_000})
    record_month(a2, other, "2026-10", {"revenue": 2_000_000})
    laptops = [a2, a] if order == "copy first" else [a, a2]
    for t in laptops:
        send(t, c, stick())
    # nothing lost at the county: both copies' changes are there
    assert c.get("enterprises", ent)["note"] == "台式机写的备注"
    assert c.get("enterprises", ent)["contact_phone"] == "13900000000"
    assert c.get("monthly_figures", monthly_figure_id(ent, "2026-10"))["revenue"] == 1_000_000
    assert c.get("monthly_figures", monthly_figure_id(other, "2026-10"))["revenue"] == 2_000_000
    # the same field written on both copies is a conflict for a person, naming the copy
    [conflict] = sync_service.list_conflicts(c)
    assert conflict["field"] == "address"
    assert {conflict["winner"]["value"], conflict["loser"]["value"]} == {"台式机写的地址", "笔记本写的地址"}
    assert {conflict["winner"]["site"][:3], conflict["loser"]["site"][:3]} == {"秀水镇"}
    for t in reversed(laptops):
        send(c, t, stick())
    # round 2: more work on both copies, and the county decides the address
    sync_service.resolve_conflict(c, conflict["id"], "local")
    a2.update("enterprises", ent, {"note": "笔记本后来改的备注"})
    a.insert("visits", {"enterprise_id": other, "visit_date": "2026-11-02", "visitors": "张三",
                        "summary": "台式机录入的走访"})
    for t in laptops:
        send(t, c, stick())
    for t in laptops:
        send(c, t, stick())
    # round 3: one more exchange in the other order
    for t in reversed(laptops):
        send(t, c, stick())
        send(c, t, stick())
    for t in laptops:
        send(c, t, stick())
    want = scope_of(c, CODES["A"])
    assert scope_of(a, CODES["A"]) == want
    assert scope_of(a2, CODES["A"]) == want
    assert c.get("enterprises", ent)["note"] == "笔记本后来改的备注"
    assert sync_service.list_conflicts(a) == sync_service.list_conflicts(a2) == []
    assert sync_service.list_conflicts(c) == []


def test_no_warning_about_numbers_twice_or_missing_packages_between_copies(world, tmp_path):
    c, a, a2 = world["C"], world["A"], world["A2"]
    ent = enterprises_of(a, CODES["A"])[0]
    a.update("enterprises", ent, {"note": "甲"})
    a2.update("enterprises", ent, {"address": "乙"})
    _e, first = send(a, c, tmp_path / "u1")
    _e, second = send(a2, c, tmp_path / "u2")
    assert first.package_no == second.package_no   # both copies number packages alike
    assert not any("另一个第" in w for w in second.warnings), second.warnings
    # the county's packages: the original imports one, the copy the next, made after the
    # county heard from the copy: no "尚未收到" at the copy
    send(c, a, tmp_path / "u3")
    _e, got = send(c, a2, tmp_path / "u4")
    assert got.gaps == [], got.message
    assert a2.get("enterprises", ent)["note"] == "甲"


def test_the_stick_list_names_the_device_once_an_office_has_two(world, tmp_path):
    """U盘中的同步包 names the sender's device as the devices list does, once the county
    knows more than one computer of that office; a single computer is just its name."""
    c, a, a2 = world["C"], world["A"], world["A2"]
    [first] = sync_service.export_packages(a, tmp_path / "u1", to=COUNTY)
    [row] = sync_service.describe_files(c, [first.path])
    assert row["sender"] == "秀水镇" and row["device"] == ""
    sync_service.import_packages(c, [first.path])
    [copy] = sync_service.export_packages(a2, tmp_path / "u2", to=COUNTY)
    [row] = sync_service.describe_files(c, [copy.path])
    device = sync_service.device_name(a2.origin_id, a2.site_id)
    assert row["device"] == device and row["sender"] == f"秀水镇（{device}）"
    sync_service.import_packages(c, [copy.path])
    [again] = sync_service.export_packages(a, tmp_path / "u3", to=COUNTY)
    [row] = sync_service.describe_files(c, [again.path])
    assert row["sender"] == f"秀水镇（{sync_service.device_name(a.origin_id, a.site_id)}）"
    assert {d["device"] for d in sync_service.list_devices(c, "秀水镇")} == {
        device, sync_service.device_name(a.origin_id, a.site_id)}


def test_a_package_claiming_another_offices_origin_is_refused(world, tmp_path):
    c, a, b = world["C"], world["A"], world["B"]
    # 路家村镇's ledger is made to write under 秀水镇's origin (a tampered program)
    ent = enterprises_of(b, CODES["B"])[0]
    b.origin_id = a.origin_id
    b.update("enterprises", ent, {"note": "冒用"})
    [export] = sync_service.export_packages(b, tmp_path / "usb", to=COUNTY)
    before = c.scalar("SELECT count(*) FROM change_log")
    with pytest.raises(Exception) as info:
        sync_service.import_packages(c, [export.path])
    assert "其他单位" in str(info.value)
    assert c.scalar("SELECT count(*) FROM change_log") == before


def test_a_ledger_upgraded_from_before_copies_were_known_starts_a_new_origin(world, tmp_path):
    """Copies made before the upgrade cannot be told from the original: each starts a new
    origin when first opened, retires the old one, and the county stops waiting for it."""
    c, a = world["C"], world["A"]
    with a.transaction():
        a.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('pending_new_origin', '1')")
    path = a.path
    a.close()
    a = world["A"] = open_ledger(path, passphrase=PASSWORD, user="admin")
    assert a.origin_id != a.site_id and a.opened_notice is None
    ent = enterprises_of(a, CODES["A"])[0]
    a.update("enterprises", ent, {"note": "升级后"})
    send(a, c, tmp_path / "u1")
    devices = [r[0] for r in c.conn.execute("SELECT origin_id FROM peer_devices WHERE site_id = ?",
                                            (a.site_id,))]
    assert devices == [a.origin_id]
    send(c, a, tmp_path / "u2")
    assert scope_of(a, CODES["A"]) == scope_of(c, CODES["A"])


# -- (b) a kept-back edit comes back with its enterprise ---------------------------------------

def test_an_edit_kept_back_after_a_move_reaches_the_county_when_the_enterprise_returns(world, tmp_path):
    c, a, b = world["C"], world["A"], world["B"]
    moved, _other = enterprises_of(c, CODES["A"])
    update_enterprise(c, moved, {"township_code": CODES["B"]})
    send(c, a, tmp_path / "u1")
    send(c, b, tmp_path / "u2")
    # 秀水镇 knows; what it types in for the enterprise now stays home
    record_month(a, moved, "2026-11", {"revenue": 9_900_000})
    a.update("enterprises", moved, {"note": "划出期间镇里写的备注"})
    [export] = sync_service.export_packages(a, tmp_path / "u3", to=COUNTY)
    assert export.entries == 0
    sync_service.import_packages(c, [export.path])
    assert c.get("monthly_figures", monthly_figure_id(moved, "2026-11")) is None
    # the county moves it back (a correction, or 路家村镇 merged into 秀水镇)
    update_enterprise(c, moved, {"township_code": CODES["A"]})
    _e, back = send(c, a, tmp_path / "u4")
    assert any("划回本乡镇" in w for w in back.warnings), back.warnings
    [export] = sync_service.export_packages(a, tmp_path / "u5", to=COUNTY)
    assert not any("不再发送" in n for n in export.notices), export.notices
    [result] = sync_service.import_packages(c, [export.path])
    assert result.status == "imported"
    assert c.get("monthly_figures", monthly_figure_id(moved, "2026-11"))["revenue"] == 9_900_000
    assert c.get("enterprises", moved)["note"] == "划出期间镇里写的备注"
    send(c, a, tmp_path / "u6")
    send(c, b, tmp_path / "u7")
    owner = owners(c)
    assert projection(a, CODES["A"], owner) == projection(c, CODES["A"], owner)
    assert projection(b, CODES["B"], owner) == projection(c, CODES["B"], owner)
    # written again once only
    [export] = sync_service.export_packages(a, tmp_path / "u8", to=COUNTY)
    assert export.entries == 0


def test_a_kept_back_edit_replaced_later_is_not_brought_back(world, tmp_path):
    c, a, b = world["C"], world["A"], world["B"]
    moved, _other = enterprises_of(c, CODES["A"])
    update_enterprise(c, moved, {"township_code": CODES["B"]})
    send(c, a, tmp_path / "u1")
    a.update("enterprises", moved, {"note": "镇里划出期间写的"})
    # 路家村镇, now its owner, writes the note afterwards; it reaches 秀水镇 with the return
    send(c, b, tmp_path / "u2")
    b.update("enterprises", moved, {"note": "路家村镇后来写的"})
    send(b, c, tmp_path / "u3")
    update_enterprise(c, moved, {"township_code": CODES["A"]})
    send(c, a, tmp_path / "u4")
    assert a.get("enterprises", moved)["note"] == "路家村镇后来写的"
    [export] = sync_service.export_packages(a, tmp_path / "u5", to=COUNTY)
    sync_service.import_packages(c, [export.path])
    assert c.get("enterprises", moved)["note"] == "路家村镇后来写的"


# -- the property: random work on two copies of one township's ledger --------------------------

FIELDS = ("name", "address", "note")
PERIODS = ("2026-01", "2026-02")
KEYS = ("C", "A", "A2", "B")
TOWN = {"A": CODES["A"], "A2": CODES["A"], "B": CODES["B"]}
ROUTES = (("A", "C"), ("A2", "C"), ("B", "C"), ("C", "A"), ("C", "A2"), ("C", "B"))

who = st.sampled_from(KEYS)
copy_ops = st.one_of(
    st.tuples(st.just("move"), st.integers(0, 3)),
    st.tuples(st.just("race"), st.integers(0, 3), st.sampled_from(FIELDS)),
    st.tuples(st.just("edit"), who, st.integers(0, 3), st.sampled_from(FIELDS)),
    st.tuples(st.just("figure"), who, st.integers(0, 3), st.sampled_from(PERIODS)),
    st.tuples(st.just("visit"), who, st.integers(0, 3)),
    st.tuples(st.just("visit_edit"), who, st.integers(0, 50)),
    st.tuples(st.just("export"), st.sampled_from(ROUTES)),
    st.tuples(st.just("import"), who, st.integers(0, 50)),
)


class CopiesRun:
    """A county, 秀水镇 on two computers (A and its copy A2), 路家村镇 (B)."""

    def __init__(self, template, folder: Path):
        self.folder = folder
        self.sites = clone(template, folder / "ledgers")
        self.sites["A2"] = copy_to_other_computer(self.sites["A"], folder / "laptop")
        self.enterprises = [r[0] for r in self.sites["C"].conn.execute(
            "SELECT id FROM enterprises ORDER BY credit_code")]
        self.mailbox: dict[str, list[Path]] = {k: [] for k in KEYS}
        self.writes: list[dict] = []
        self.counter = itertools.count(1)

    def own(self, key: str, table: str = "enterprises") -> list[str]:
        ledger, code = self.sites[key], TOWN[key]
        if table == "enterprises":
            return [r[0] for r in ledger.conn.execute(
                "SELECT id FROM enterprises WHERE township_code = ? ORDER BY credit_code", (code,))]
        return [r[0] for r in ledger.conn.execute(
            f"SELECT r.id FROM {table} r JOIN enterprises e ON e.id = r.enterprise_id"
            " WHERE e.township_code = ? ORDER BY r.id", (code,))]

    def enterprise_for(self, key: str, index: int) -> str | None:
        if key == "C":
            return self.enterprises[index]
        own = self.own(key)
        return own[index % len(own)] if own else None

    def logged(self, key: str, fn) -> None:
        ledger = self.sites[key]
        known = set(ledger.conn.execute("SELECT site_id, site_seq FROM change_entries").fetchall())
        before = ledger.scalar("SELECT coalesce(max(seq), 0) FROM change_log")
        try:
            fn(ledger)
        except (UserError, LookupError):
            return
        for tbl, row_id, op, data, site_id, site_seq in ledger.conn.execute(
                "SELECT tbl, row_id, op, data, site_id, site_seq FROM change_entries WHERE seq > ?",
                (before,)):
            self.writes.append({"tbl": tbl, "row_id": row_id, "op": op, "data": json.loads(data),
                                "origin": (site_id, site_seq), "knew": known, "site": key})

    def value(self, key: str) -> str:
        return f"{key}-{next(self.counter)}"

    def edit(self, key: str, ent: str, what: str) -> None:
        self.logged(key, lambda led: led.update("enterprises", ent, {what: self.value(key)}))

    def apply(self, op) -> None:
        kind = op[0]
        if kind == "move":
            ent = self.enterprises[op[1]]

            def move(led):
                row = led.get("enterprises", ent)
                other = CODES["B"] if row["township_code"] == CODES["A"] else CODES["A"]
                led.update("enterprises", ent, {"township_code": other})
            self.logged("C", move)
        elif kind == "race":
            ent = self.enterprises[op[1]]
            for key in KEYS:
                if key == "C" or ent in self.own(key):
                    self.edit(key, ent, op[2])
        elif kind == "edit":
            ent = self.enterprise_for(op[1], op[2])
            if ent is not None:
                self.edit(op[1], ent, op[3])
        elif kind == "figure":
            key, ent = op[1], self.enterprise_for(op[1], op[2])
            if ent is None:
                return
            fid, revenue = monthly_figure_id(ent, op[3]), next(self.counter) * 1000

            def record(led):
                if led.get("monthly_figures", fid) is None:
                    led.insert("monthly_figures", {"id": fid, "enterprise_id": ent, "period": op[3],
                                                 "revenue": revenue})
                else:
                    led.update("monthly_figures", fid, {"revenue": revenue})
            self.logged(key, record)
        elif kind == "visit":
            key, ent = op[1], self.enterprise_for(op[1], op[2])
            if ent is not None:
                self.logged(key, lambda led: led.insert("visits", {
                    "enterprise_id": ent, "visit_date": "2026-11-01", "visitors": self.value(key),
                    "summary": self.value(key)}))
        elif kind == "visit_edit":
            key = op[1]
            visits = ([r[0] for r in self.sites[key].conn.execute("SELECT id FROM visits ORDER BY id")]
                      if key == "C" else self.own(key, "visits"))
            if visits:
                vid = visits[op[2] % len(visits)]
                self.logged(key, lambda led: led.update("visits", vid, {"summary": self.value(key)}))
        elif kind == "export":
            self.export(*op[1])
        elif kind == "import":
            box = self.mailbox[op[1]]
            if box:
                sync_service.import_packages(self.sites[op[1]], [box[op[2] % len(box)]])

    def export(self, sender: str, recipient: str) -> Path:
        code = TOWN.get(recipient, COUNTY)
        [result] = sync_service.export_packages(self.sites[sender], self.folder / "usb", to=code)
        self.mailbox[recipient].append(result.path)
        return result.path

    def settle(self) -> None:
        for sender, recipient in ROUTES:
            sync_service.import_packages(self.sites[recipient], [self.export(sender, recipient)])
        for key, box in self.mailbox.items():
            for path in reversed(box):
                sync_service.import_packages(self.sites[key], [path])

    def races(self) -> set:
        found = set()
        by_row: dict[tuple, list[dict]] = {}
        for w in self.writes:
            by_row.setdefault((w["tbl"], w["row_id"]), []).append(w)
        for (tbl, row_id), writes in by_row.items():
            for w1, w2 in itertools.combinations(writes, 2):
                if w1["site"] == w2["site"] or w1["origin"] in w2["knew"] or w2["origin"] in w1["knew"]:
                    continue
                for f in set(w1["data"]) & set(w2["data"]):
                    if w1["data"][f] != w2["data"][f]:
                        found.add((tbl, row_id, f))
        return found

    def close(self) -> None:
        for ledger in self.sites.values():
            ledger.close()


def check_copies(template, history) -> None:
    folder = Path(tempfile.mkdtemp(prefix="sync-copies-"))
    run = CopiesRun(template, folder)
    try:
        for op in history:
            run.apply(op)   # no package is ever refused: an exception fails the test
        run.settle()
        c = run.sites["C"]
        owner = owners(c)
        for key in ("A", "A2", "B"):
            assert projection(run.sites[key], TOWN[key], owner) == projection(c, TOWN[key], owner), key
        listed = {(r[0], r[1], r[2]) for r in c.conn.execute("SELECT tbl, row_id, field FROM sync_conflicts")}
        missing = run.races() - listed
        assert not missing, missing
    finally:
        run.close()
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(history=st.lists(copy_ops, min_size=4, max_size=24))
def test_random_work_on_two_copies_converges_with_nothing_refused_or_lost(template, history):
    check_copies(template, history)


def test_copies_made_before_the_upgrade_stop_colliding_and_lose_nothing(template, tmp_path):
    """Two copies in use before schema 12 (same origin, the same numbers for different
    changes, nothing sent yet): when each is first opened by this version it takes a new
    origin and its unsent changes with it, so the county gets both copies' work."""
    sites = clone(template, tmp_path / "ledgers")
    c, a = sites["C"], sites["A"]
    sites["A2"] = a2 = None
    try:
        a.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (tmp_path / "copy").mkdir()
        target = tmp_path / "copy" / a.path.name
        shutil.copy(a.path, target)
        shutil.copy(keys_path_for(a.path), keys_path_for(target))
        sites["A2"] = a2 = open_ledger(target, passphrase=PASSWORD, user="admin")  # same computer
        ent, other = enterprises_of(a, CODES["A"])
        a.update("enterprises", ent, {"note": "台式机（升级前）"})
        a2.update("enterprises", other, {"note": "笔记本（升级前）"})
        record_month(a2, ent, "2026-09", {"revenue": 700_000})
        # the same (origin, number) for two different changes
        seq = a.scalar("SELECT max(site_seq) FROM change_log WHERE site_id = ?", (a.site_id,))
        assert a2.scalar("SELECT row_id FROM change_log WHERE site_id = ? AND site_seq = ?",
                         (a.site_id, seq)) == other
        # both are upgraded (migration 0012 marks them) and opened again
        for key in ("A", "A2"):
            ledger = sites[key]
            with ledger.transaction():
                ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('pending_new_origin', '1')")
            path = ledger.path
            ledger.close()
            sites[key] = open_ledger(path, passphrase=PASSWORD, user="admin")
        a, a2 = sites["A"], sites["A2"]
        assert len({a.origin_id, a2.origin_id, a.site_id}) == 3
        for t in (a2, a, a2, a):
            send(t, c, tmp_path / f"u{t.origin_id}{c.scalar('SELECT count(*) FROM imported_packages')}")
        assert c.get("enterprises", ent)["note"] == "台式机（升级前）"
        assert c.get("enterprises", other)["note"] == "笔记本（升级前）"
        assert c.get("monthly_figures", monthly_figure_id(ent, "2026-09"))["revenue"] == 700_000
        for i, t in enumerate((a, a2, a, a2)):
            send(c, t, tmp_path / f"back{i}")
        want = scope_of(c, CODES["A"])
        assert scope_of(a, CODES["A"]) == want and scope_of(a2, CODES["A"]) == want
    finally:
        for ledger in sites.values():
            if ledger is not None:
                ledger.close()


def test_packages_two_copies_wrote_before_the_upgrade_are_both_taken(template, tmp_path):
    """Packages written before the upgrade by two copies of one ledger number different
    changes alike: the county takes the second's under its own numbers (not lost, not
    refused, no crash) and says so."""
    sites = clone(template, tmp_path / "ledgers")
    c, a = sites["C"], sites["A"]
    try:
        a.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (tmp_path / "copy").mkdir()
        target = tmp_path / "copy" / a.path.name
        shutil.copy(a.path, target)
        shutil.copy(keys_path_for(a.path), keys_path_for(target))
        sites["A2"] = a2 = open_ledger(target, passphrase=PASSWORD, user="admin")  # same origin
        ent, other = enterprises_of(a, CODES["A"])
        # one enterprise, different fields; then different enterprises
        a.update("enterprises", ent, {"note": "台式机"})
        a2.update("enterprises", ent, {"address": "笔记本写的地址"})
        a.update("enterprises", other, {"contact_phone": "13800000001"})
        a2.update("enterprises", other, {"note": "笔记本"})
        [first] = sync_service.export_packages(a, tmp_path / "u1", to=COUNTY)
        [second] = sync_service.export_packages(a2, tmp_path / "u2", to=COUNTY)
        [one] = sync_service.import_packages(c, [first.path])
        [two] = sync_service.import_packages(c, [second.path])
        assert one.status == two.status == "imported"
        assert any("重新编号" in w for w in two.warnings), two.warnings
        assert c.get("enterprises", ent)["note"] == "台式机"
        assert c.get("enterprises", ent)["address"] == "笔记本写的地址"
        assert c.get("enterprises", other)["note"] == "笔记本"
        assert c.get("enterprises", other)["contact_phone"] == "13800000001"
        # the same file again, or again inside a full package: known
        [again] = sync_service.import_packages(c, [second.path])
        assert again.status == "already_imported"
        for i, t in enumerate((a, a2, a, a2)):
            send(c, t, tmp_path / f"back{i}")
        want = scope_of(c, CODES["A"])
        assert scope_of(a, CODES["A"]) == want and scope_of(a2, CODES["A"]) == want
    finally:
        for ledger in sites.values():
            ledger.close()


def test_the_window_says_so_when_it_unlocks_a_copy(qtbot, township, tmp_path, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialog, QMessageBox

    from shengui_desktop.ui.start.unlock import UnlockDialog

    township.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (tmp_path / "laptop").mkdir()
    target = tmp_path / "laptop" / township.path.name
    shutil.copy(township.path, target)
    shutil.copy(keys_path_for(township.path), keys_path_for(target))
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(origins, "machine_id", lambda: "another-computer")
    dialog = UnlockDialog(target)
    qtbot.addWidget(dialog)
    dialog.password.setText(PASSWORD)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10000)
    try:
        assert len(shown) == 1 and "复制到另一台电脑" in shown[0]
        assert dialog.ledger.origin_id != township.origin_id
        # shown once: not again with the first sync
        assert sync_service.copy_notice(dialog.ledger) is None
    finally:
        dialog.ledger.close()


def test_the_command_line_says_so_once_when_it_opens_a_copy(township, tmp_path, monkeypatch, capsys):
    from shengui_desktop import cli

    township.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (tmp_path / "laptop").mkdir()
    target = tmp_path / "laptop" / township.path.name
    shutil.copy(township.path, target)
    shutil.copy(keys_path_for(township.path), keys_path_for(target))
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    monkeypatch.setattr(origins, "machine_id", lambda: "another-computer")
    assert cli.main(["list", "enterprises", "--db", str(target)]) == 0
    assert "检测到台账被复制到另一台电脑" in capsys.readouterr().err
    assert cli.main(["list", "enterprises", "--db", str(target)]) == 0
    assert "复制" not in capsys.readouterr().err
