"""The demo offices `shengui --demo county|township` opens: 盂县 and its townships, made as a
real county's ledger comes to be.

The county is not filled by writing rows: township ledgers are set up with the county's
certificate, enrolled through their first packages, given the county's reference data and
policy profile by the county's answer, fill their own enterprises, figures, visits and issues
(demo.generate), and send them in packages the county imports through the sync services. The
county then decides what only it decides (规上/规下, entry and exit dates, pools by its
profile, the year's targets), so the demo shows a county in the middle of its year:

- several townships enrolled, with their names (the county's list has more than sent so far);
- an open field conflict (the county and 秀水镇 both changed an enterprise's 联系电话 before
  either saw the other's change), to settle on the 数据同步 page;
- a suspected duplicate (路家村镇 registered an enterprise 秀水镇 already keeps), to resolve;
- targets in progress, some townships behind;
- the rewards of this year's entries due under the profile (盂县's document).

秀水镇's ledger, after the county's answer, is the township demo: the two demos are made
together, since the county pins 秀水镇's key when it enrols it.
"""

from __future__ import annotations

import os
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ...errors import UserError
from ..office.site import this_site
from ..policy import choose_profile
from . import reference
from .demo import DEMO_PASSWORD, DEMO_PROFILE, DEMO_USER, KNOWN_TOWNSHIPS, generate, pools_by_profile
from .enterprises import create_enterprise, update_enterprise
from .visits import add_visit

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

COUNTY_CODE = "140322"
COUNTY_NAME = "盂县（演示）"
# the county's list of townships; the first SENDING have sent their packages
LISTED = 8
SENDING = 4
# the targets' shortfall per township, in list order (0: already met): some are behind
SHORTFALL = (0, 2, 1, 0, 1, 1, 1, 1)
CONFLICT_FIELD = "contact_phone"

Progress = Callable[[str, int, int], None]


def remove_ledger(path: Path) -> None:
    """A ledger's file with its write-ahead log and its key file."""
    for suffix in ("", "-wal", "-shm", ".keys"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _code(i: int) -> str:
    return f"{COUNTY_CODE}{100 + i:03d}"


def build_county_demo(county_path: Path, township_path: Path | None = None, *,
                      enterprises: int = 300, profile: str = DEMO_PROFILE,
                      as_of: date | None = None, progress: Progress | None = None) -> dict:
    """Make the demo county at `county_path` (and 秀水镇's ledger at `township_path`, if
    given) through real packages; both files must not exist. Returns what was made: the
    townships that sent packages, the open conflicts and duplicate tasks, the enterprises
    the county entered this year. On any failure neither file is left behind."""
    from .. import sync
    from ..office.session import close
    from ..office.setup import init_office, set_up_office

    as_of = as_of or date.today()
    tell = progress or (lambda stage, done, total: None)
    rng = random.Random(2026)
    county_path = Path(county_path)
    made: list[Path] = []
    county = None
    towns: dict[str, Ledger] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            county, _ = init_office(county_path, role="county", name=COUNTY_NAME, area_code=COUNTY_CODE,
                                    admin_user=DEMO_USER, password=DEMO_PASSWORD, display_name="演示管理员")
            made.append(county_path)
            choose_profile(county, profile)
            names = KNOWN_TOWNSHIPS[:LISTED]
            for i, name in enumerate(names):
                reference.add_township(county, _code(i), name)
            for name in reference.STANDARD_DEPARTMENTS:
                reference.add_department(county, name)
            cert = folder / "county.cert.json"
            sync.export_certificate(county, cert)

            # each township sets up its ledger and enrols with its first package
            for i, name in enumerate(names[:SENDING]):
                tell("townships", i, SENDING)
                path = township_path if i == 0 and township_path else folder / f"town{i}.sgdb"
                town = set_up_office(path, role="township", name=name, area_code=_code(i),
                                     admin_user=DEMO_USER, password=DEMO_PASSWORD,
                                     display_name="演示乡镇干部", county_certificate=cert).ledger
                if path == township_path:
                    made.append(path)
                towns[_code(i)] = town
            tell("townships", SENDING, SENDING)
            _send(sync, list(towns.values()), county, folder / "enrol", accept=True)
            # the county answers: its departments, township list and policy profile
            for code, town in towns.items():
                _send(sync, [county], town, folder / f"answer-{code}", to=code)

            # each township keeps its ledger: a cadre's own enterprises, figures, visits
            per_town = -(-enterprises // SENDING)
            for i, town in enumerate(towns.values()):
                generate(town, enterprises=per_town, seed=11 + i, as_of=as_of, progress=progress)
            xiushui, lujiacun = towns[_code(0)], towns[_code(1)]
            twin = _register_twin(xiushui, lujiacun, as_of)
            tell("import", 0, SENDING)
            _send(sync, list(towns.values()), county, folder / "first")
            tell("import", SENDING, SENDING)

            # the county's own decisions, then 秀水镇 changes the same phone before it learns
            edited = _conflicting_edits(county, xiushui, rng)
            with county.transaction():  # one commit for a few hundred decisions
                entered = _county_decides(county, as_of, rng)
                _set_targets(county, as_of, rng)
            _send(sync, [xiushui], county, folder / "second")
            # the county's answer to 秀水镇 (the township demo shows what the county decided)
            _send(sync, [county], xiushui, folder / "reply", to=_code(0))
            result = {"townships": names[:SENDING], "listed": names,
                      "conflicts": len(sync.list_conflicts(county)),
                      "duplicates": len(sync.list_duplicates(county)),
                      "entered": entered, "twin": twin, "conflict_enterprise": edited}
    except BaseException:
        for town in towns.values():
            close(town)
        close(county)
        for path in made:
            remove_ledger(path)
        raise
    for town in towns.values():
        close(town)
    close(county)
    return result


def _send(sync, senders: list[Ledger], recipient: Ledger, folder: Path, *, to: str | None = None,
          accept: bool = False) -> list:
    """Each sender exports its package to `recipient` (to: the recipient's area code, when
    the sender has several peers); the recipient imports them in one go, confirming the
    senders' fingerprints when `accept` (a county enrolling townships)."""
    to = to or this_site(recipient)["area_code"]
    paths = [r.path for s in senders for r in sync.export_packages(s, folder, to=to)]
    fingerprints = [this_site(s)["fingerprint"] for s in senders] if accept else None
    return sync.import_packages(recipient, paths, accept_fingerprint=fingerprints)


def _register_twin(keeper: Ledger, other: Ledger, as_of: date) -> str:
    """`other` registers an enterprise `keeper` keeps (same credit code and name: its plant
    straddles the boundary) and visits it, which the county will see as a suspected duplicate."""
    row = keeper.one("SELECT credit_code, name, industry_code, legal_person FROM enterprises"
                     " WHERE stat_status = 'below_scale' ORDER BY credit_code LIMIT 1")
    own = this_site(other)["area_code"]
    twin, _warnings = create_enterprise(other, {**row, "township_code": own, "address": "（跨乡镇厂区）"})
    add_visit(other, twin, {"visit_date": (as_of - timedelta(days=12)).isoformat(), "visitors": "演示乡镇干部", "kind": "onsite",
                            "summary": "新建厂区位于本乡镇，企业称统计关系在秀水镇，待县级核实。"})
    return row["credit_code"]


def _conflicting_edits(county: Ledger, township: Ledger, rng: random.Random) -> str:
    """The county corrects an enterprise's phone from the statistics bureau's list; the
    township, not having seen it, types the number its cadre was given on a visit."""
    ent = township.one("SELECT id, name FROM enterprises ORDER BY credit_code LIMIT 1 OFFSET 3")
    update_enterprise(county, ent["id"], {CONFLICT_FIELD: f"0353-{rng.randint(6000000, 6999999)}"})
    update_enterprise(township, ent["id"], {CONFLICT_FIELD: f"139{rng.randint(0, 99999999):08d}"})
    return ent["name"]


def _county_decides(county: Ledger, as_of: date, rng: random.Random) -> int:
    """规上/规下 is the county's decision: an enterprise with 2000万 or more last year is above
    scale (most since earlier years, some entered this January), a few that fell below have
    left this year; then the pools its profile gives. Returns this year's entries."""
    last = as_of.year - 1
    rows = county.rows(
        "SELECT e.id, coalesce(sum(f.revenue), 0) AS revenue FROM enterprises e"
        " LEFT JOIN monthly_figures f ON f.enterprise_id = e.id AND f.period LIKE ?"
        " GROUP BY e.id ORDER BY e.credit_code", (f"{last}-%",))
    entered = 0
    for r in rows:
        if r["revenue"] >= 20_000_000 and rng.random() < 0.85:
            this_year = rng.random() < 0.1
            entered += this_year
            county.update("enterprises", r["id"], {
                "stat_status": "above_scale",
                "entered_stats_date": f"{as_of.year}-01-01" if this_year else f"{rng.randint(2012, last - 1)}-01-01"})
        elif 16_000_000 <= r["revenue"] < 20_000_000 and rng.random() < 0.1:
            county.update("enterprises", r["id"], {
                "stat_status": "exited", "entered_stats_date": f"{rng.randint(2015, last - 1)}-01-01",
                "exited_stats_date": f"{as_of.year}-01-01"})
    rows = county.rows("SELECT id, pool FROM enterprises ORDER BY credit_code")
    before = {r["id"]: r["pool"] for r in rows}
    pools_by_profile(county, rows, as_of)
    for r in rows:  # each of its moves recorded with its reason, as pools.move_pool records one
        if r["pool"] != before[r["id"]]:
            county.insert("pool_events", {
                "enterprise_id": r["id"], "from_pool": before[r["id"]], "to_pool": r["pool"],
                "moved_on": f"{as_of.year}-01-15", "reason": "县级年度培育库动态调整（演示数据）",
                "decided_by": county.user or DEMO_USER})
    return entered


def _set_targets(county: Ledger, as_of: date, rng: random.Random) -> None:
    """This year's 净增 targets: each township's is what it has reached plus its shortfall
    (SHORTFALL), so some have met theirs and some are behind; the departments' at random."""
    from ..policy import target_progress

    reached = {t.key: t.net_increase for t in target_progress(county, as_of.year).townships if t.key}
    for i, t in enumerate(reference.list_townships(county)):
        value = max(1, reached.get(t["code"], 0) + SHORTFALL[i % len(SHORTFALL)])
        reference.set_target(county, {"year": as_of.year, "scope": "township", "township_code": t["code"],
                                      "net_increase": value})
    for dept in ("开发区", "工信局", "应急局", "能源局", "住建局"):
        reference.set_target(county, {"year": as_of.year, "scope": "department",
                                      "department_id": reference.department_id(county, dept),
                                      "net_increase": rng.randint(1, 3)})


def ensure_demo_ledger(path, *, township_path=None, enterprises: int = 300, progress=None,
                       profile: str = DEMO_PROFILE) -> Path:
    """The demo county (known password, shown on the unlock dialog), made once
    (build_county_demo). `township_path`: where 秀水镇's ledger, made with it, is kept (an
    older one there belongs to another county's making and is replaced)."""
    path = Path(path)
    if path.exists():
        return path
    town = None if township_path is None else Path(township_path)
    # built under names of their own and renamed when whole: a crash half-way (the program
    # killed, the power cut) leaves no half demo that the next start would open
    building = _building(path)
    town_building = None if town is None else _building(town)
    for p in (path, building, town, town_building):  # key files a crash left between renames
        if p is not None:
            remove_ledger(p)
    build_county_demo(building, town_building, enterprises=enterprises, profile=profile,
                      progress=progress)
    # the county first: a township without its county is made again with it (below)
    _move_ledger(building, path)
    if town is not None and town_building is not None:
        _move_ledger(town_building, town)
    return path


def _building(path: Path) -> Path:
    return path.with_name(f".{path.name}.building")


def _move_ledger(source: Path, target: Path) -> None:
    """The key file first, then the ledger (whose presence says the demo is whole)."""
    os.replace(f"{source}.keys", f"{target}.keys")
    os.replace(source, target)


def ensure_township_demo(path, county_path, *, progress=None) -> Path:
    """The demo township 秀水镇: set up as a real township is (the county's certificate
    pinned), enrolled at the demo county by its first package, its own enterprises, figures,
    visits and issues, and everything the county decided from the county's packages. Made
    once, together with the demo county; when only the county is left, both are made again
    (the county has 秀水镇's key pinned, and the ledger that held it is gone)."""
    path, county_path = Path(path), Path(county_path)
    if path.exists():
        return path
    remove_ledger(county_path)
    ensure_demo_ledger(county_path, township_path=path, progress=progress)
    if not path.exists():
        raise UserError("演示乡镇台账未能生成。")
    return path
