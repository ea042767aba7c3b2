"""The crash campaign (#19 item 6): SIGKILL at points *inside* each operation's writes —
spreadsheet import, demo generation, backup, sync import, sync export, migration, restore —
and after each kill the ledger opens, `verify` passes, and its content is wholly as before
or wholly as after; the operation then runs again (or needs not) to the same end.

The kill point is deterministic, not timed: the child process counts "ticks" — SQLite's
progress handler on every connection it opens (every EVERY virtual-machine steps, so inside
statements, inside the one write transaction), each progress report of the operation (a
backup's page steps, a copy's chunks, an import's chunks), and each rename, fsync, link and
unlink before and after it — and SIGKILLs itself at tick N (SHENGUI_KILL_AT). A probe run
counts the ticks of a whole operation; the kill points are drawn from that range with a fixed
seed. The default run kills each operation a few times; `pytest -m slow` runs the campaign
of at least 200 kills. The kill counts per operation are printed (-s) and checked.

Writes at the level of the C library (SQLite's pwrite of a page inside COMMIT) are not split
by this hook; SQLite's own crash tests cover its journal, this campaign covers ours: every
statement of the transaction, the files we copy and rename around it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from conftest import PASSWORD
from excel_build import credit, write_xlsx
from helpers import content_hash
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.excel import import_file
from shengui_desktop.services.ledger import demo, demo_county, reference
from shengui_desktop.services.office import backups, session
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.storage import migrations
from shengui_desktop.storage.connection import connect_read_only
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.storage.ledger import monthly_figure_id, new_id
from shengui_desktop.storage.lock import lock_path_for

from fixtures.make_ledger_v1 import HERE as V1_HERE, PASSWORD as V1_PASSWORD
from sync_helpers import CODES, build_template, clone

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent('''
    import json, os, signal, sys
    import sqlcipher3
    from shengui_desktop import progress as progress_module

    KILL_AT = int(os.environ.get("SHENGUI_KILL_AT", "0"))
    EVERY = int(os.environ.get("SHENGUI_KILL_EVERY", "2000"))
    ticks = [0]

    def tick(*_args):
        ticks[0] += 1
        if ticks[0] == KILL_AT:
            os.kill(os.getpid(), signal.SIGKILL)
        return 0

    real_connect = sqlcipher3.connect

    def connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_progress_handler(tick, EVERY)
        return conn

    sqlcipher3.connect = connect
    for name in ("replace", "rename", "fsync", "link", "unlink"):
        def wrapped(*args, _real=getattr(os, name), **kwargs):
            tick()
            result = _real(*args, **kwargs)
            tick()
            return result
        setattr(os, name, wrapped)
    real_tell = progress_module.Job.tell

    def tell(self, stage, done, total):
        tick()
        return real_tell(self, stage, done, total)

    progress_module.Job.tell = tell
    from shengui_desktop.storage import connection, restore
    from shengui_desktop.sync import rows
    connection.BACKUP_STEP_PAGES = 4
    restore.COPY_CHUNK = 16 << 10
    rows.CHUNK = rows.HELD_CHUNK = 200

    # a named point of the export's write order (sync/exporter.py export_to), beside the ticks
    POINT = os.environ.get("SHENGUI_KILL_POINT", "")
    if POINT:
        from shengui_desktop.sync import certificates, package as package_module

        def die():
            os.kill(os.getpid(), signal.SIGKILL)
        real_sign, real_write, real_link = certificates.sign, package_module.write, os.link
        if POINT == "inside the export's transaction":  # the manifest is signed in it
            certificates.sign = lambda *a: (die(), real_sign(*a))[1]
        elif POINT == "committed, file not begun":
            package_module.write = lambda *a: (die(), real_write(*a))[1]
        elif POINT == "file written under its hidden name":
            os.link = lambda *a, **k: (die(), real_link(*a, **k))[1]
        elif POINT == "file named, record not cleared":
            package_module.write = lambda *a: (real_write(*a), die())[0]
        else:
            raise SystemExit("unknown kill point " + POINT)

    op, args = sys.argv[1], sys.argv[2:]
    if op == "excel_import":
        from shengui_desktop.services.excel import import_file
        from shengui_desktop.services.office import session
        ledger = session.unlock(args[0], password=args[2])
        result = import_file(ledger, args[1], progress=lambda *a: None)
        assert result.ok and result.applied, result.problem_lines()
    elif op == "demo":
        from shengui_desktop.services.ledger import demo_county
        demo_county.ensure_demo_ledger(args[0], township_path=args[1], enterprises=int(args[2]),
                                       progress=lambda *a: None)
    elif op == "backup":
        from shengui_desktop.services.office import backups, session
        ledger = session.unlock(args[0], password=args[1])
        backups.auto_backup(ledger, progress=lambda *a: None)
    elif op in ("sync_import", "sync_import_journal"):
        from shengui_desktop.services import sync
        from shengui_desktop.services.office import session
        if op == "sync_import_journal":  # a large import's rollback journal, at this size,
            from shengui_desktop.sync import importer, rows   # and its owner trigger dropped
            importer.BULK_JOURNAL_ENTRIES = (1, 10**9)
            rows.QUIET_FROM = 1
        ledger = session.unlock(args[0], password=args[2])
        sync.import_packages(ledger, [args[1]], progress=lambda *a: None)
    elif op == "sync_export":
        from shengui_desktop.services import sync
        from shengui_desktop.services.office import session
        ledger = session.unlock(args[0], password=args[2])
        sync.export_packages(ledger, args[1], progress=lambda *a: None)
    elif op == "migration":
        from shengui_desktop.services.office import session
        ledger = session.unlock(args[0], password=args[1])
    elif op == "restore":
        from shengui_desktop.services.office import backups, session
        ledger = session.unlock(args[0], password=args[2])
        ledger = backups.restore_backup(ledger, args[1], progress=lambda *a: None).ledger
    else:
        raise SystemExit("unknown operation " + op)
    ledger.close() if op != "demo" else None
    print(json.dumps({"ticks": ticks[0]}), flush=True)
''')

DEFAULT_KILLS = 3  # per operation in the default run (8 operations: 24 kills)
SLOW_KILLS = 32  # per operation with -m slow (256 kill points, at least 232 kills)


def copy_ledger(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dst)
    shutil.copy(keys_path_for(src), keys_path_for(dst))
    return dst


def run_child(op: str, args: list[str], kill_at: int, every: int, point: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, SHENGUI_KILL_AT=str(kill_at), SHENGUI_KILL_EVERY=str(every),
               SHENGUI_KILL_POINT=point)
    return subprocess.run([sys.executable, "-c", CHILD, op, *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=300)


def stale_lock(path: Path) -> bool:
    """A lock file a killed program left with its name in it (the next opening takes it over)."""
    lock = lock_path_for(path)
    return lock.exists() and lock.stat().st_size > 0


def open_after_kill(path: Path, password: str = PASSWORD, user: str | None = None):
    """Open as a person would after the crash: the stale lock is taken over with a note."""
    stale = stale_lock(path)
    ledger = session.unlock(path, password=password, user=user)
    assert (session.lock_note(ledger) is not None) == stale
    assert ledger.verify() == []
    return ledger


@dataclass
class Operation:
    name: str
    every: int  # SQLite VM steps between two ticks
    prepare: Callable[[Path], list]  # a fresh copy in the folder -> the child's arguments
    check: Callable[[Path], str]  # after a kill: "before" or "after" (asserting the rest)
    outcomes: dict = field(default_factory=dict)


# -- the operations ------------------------------------------------------------------------
def excel_state(ledger) -> tuple:
    """What a spreadsheet import writes, without the ids it draws."""
    return (tuple(ledger.conn.execute("SELECT credit_code, name, township_code FROM enterprises"
                                      " ORDER BY credit_code").fetchall()),
            ledger.scalar("SELECT count(*) FROM change_log"))


def excel_operation(base: Path) -> Operation:
    src = base / "excel" / "county.sgdb"
    county, _ = init_office(src, role="county", name="盂县", area_code="140322", admin_user="admin",
                            password=PASSWORD)
    reference.add_township(county, "140322100", "秀水镇")
    reference.add_township(county, "140322101", "路家村镇")
    sheet = write_xlsx(base / "excel" / "名单.xlsx", [["企业名称", "统一社会信用代码", "所属乡镇"]] + [
        [f"盂县测试企业{i}有限公司", credit(i + 1), "秀水镇" if i % 2 else "路家村镇"] for i in range(300)])
    before = excel_state(county)
    county.close()
    expected = copy_ledger(src, base / "excel" / "expected.sgdb")
    with open_ledger(expected, passphrase=PASSWORD) as ledger:
        assert import_file(ledger, sheet).applied
        after = excel_state(ledger)

    def prepare(run: Path) -> list:
        return [copy_ledger(src, run / "county.sgdb"), sheet, PASSWORD]

    def check(run: Path) -> str:
        ledger = open_after_kill(run / "county.sgdb")
        try:
            state = excel_state(ledger)
            assert state in (before, after)
            if state == before:  # the same file imports whole afterwards
                assert import_file(ledger, sheet).applied and excel_state(ledger) == after
        finally:
            session.close(ledger)
        return "after" if state == after else "before"

    return Operation("spreadsheet import", 100, prepare, check)


DEMO_SIZE = 40  # enterprises of the demo county (the conflicts and duplicates need a few)


def demo_operation(base: Path) -> Operation:
    """The demo county with 秀水镇's ledger, made together (demo_county.py)."""
    expected_path = demo_county.ensure_demo_ledger(base / "demo" / "county.sgdb", enterprises=DEMO_SIZE,
                                                   township_path=base / "demo" / "town.sgdb")
    tables = ("enterprises", "monthly_figures", "visits", "issues", "townships", "departments", "sites")

    def counts(path: Path) -> dict:
        with open_ledger(path, passphrase=demo.DEMO_PASSWORD, user=demo.DEMO_USER) as ledger:
            assert ledger.verify() == []
            return {t: ledger.scalar(f"SELECT count(*) FROM {t}") for t in tables}  # noqa: S608

    expected = (counts(expected_path), counts(base / "demo" / "town.sgdb"))

    def prepare(run: Path) -> list:
        run.mkdir(parents=True, exist_ok=True)
        return [run / "county.sgdb", run / "town.sgdb", DEMO_SIZE]

    def check(run: Path) -> str:
        county, town = run / "county.sgdb", run / "town.sgdb"
        made = county.exists()
        for path in (county, town):
            if path.exists():  # a stale lock is taken over, the demo is whole
                session.close(open_after_kill(path, demo.DEMO_PASSWORD, demo.DEMO_USER))
        # the next start, as ensure_township_demo does it (with this size): both made again
        # unless the township is there (the county is renamed into place first)
        if not town.exists():
            demo_county.remove_ledger(county)
            demo_county.ensure_demo_ledger(county, township_path=town, enterprises=DEMO_SIZE)
        assert (counts(county), counts(town)) == expected
        assert sorted(p.name for p in run.iterdir()) == ["county.sgdb", "county.sgdb.keys",
                                                         "town.sgdb", "town.sgdb.keys"]
        return "after" if made else "before"

    return Operation("demo generation", 500, prepare, check)


def backup_operation(base: Path) -> Operation:
    src = base / "backup" / "county.sgdb"
    county, _ = init_office(src, role="county", name="盂县", area_code="140322", admin_user="admin",
                            password=PASSWORD)
    demo.generate(county, enterprises=40, townships=2, seed=3)
    before = content_hash(county)
    county.close()

    def prepare(run: Path) -> list:
        return [copy_ledger(src, run / "county.sgdb"), PASSWORD]

    def check(run: Path) -> str:
        path = run / "county.sgdb"
        ledger = open_after_kill(path)
        try:
            assert content_hash(ledger) == before
            made = backups.list_backups(path)
            for b in made:  # whatever is listed is a whole backup with its key file
                assert b.has_keys
                with open_ledger(b.path, passphrase=PASSWORD) as copy:
                    assert copy.verify() == [] and content_hash(copy) == before
            for p in backups.backup_folder(path).glob(".keys-*"):  # a crash some time ago
                os.utime(p, (p.stat().st_atime - 3600, p.stat().st_mtime - 3600))
            backups.auto_backup(ledger)  # the next backup clears what the crash left
            left = sorted(p.name for p in backups.backup_folder(path).iterdir())
            assert all(n.endswith((".sgdb", ".sgdb.keys")) for n in left), left
            assert len(left) == 2 * len(backups.list_backups(path))
        finally:
            session.close(ledger)
        return "after" if made else "before"

    return Operation("backup", 50, prepare, check)


def sync_world(base: Path) -> dict:
    folder = base / "sync"
    sites = clone(build_template(folder / "template"), folder / "ledgers")
    a = sites["A"]
    ents = [(new_id(), f"91140322{i:010d}", f"秀水企业{i}", CODES["A"]) for i in range(150)]
    a.insert_rows("enterprises", ("id", "credit_code", "name", "township_code"), ents)
    a.insert_rows("monthly_figures", ("id", "enterprise_id", "period", "revenue"),
                  ((monthly_figure_id(e[0], f"2025-{m:02d}"), e[0], f"2025-{m:02d}", m * 1000)
                   for e in ents for m in range(1, 13)))
    for ledger in sites.values():
        ledger.close()
    return {"county": folder / "ledgers" / "county.sgdb", "township": folder / "ledgers" / "xiushui.sgdb",
            "folder": folder}


def sync_import_operation(base: Path, world: dict, name: str = "sync import") -> Operation:
    """The county imports 秀水镇's package; `name` "sync import, rollback journal": as a
    large import does (importer.BULK_JOURNAL_ENTRIES), its commit writing the file itself,
    the owner trigger dropped while its new records are written (rows.QUIET_FROM)."""
    folder = world["folder"] / name.replace(" ", "-").replace(",", "")
    town = copy_ledger(world["township"], folder / "xiushui.sgdb")
    with open_ledger(town, passphrase=PASSWORD) as ledger:
        pkg = sync_service.export_packages(ledger, folder / "usb")[0].path
    expected = copy_ledger(world["county"], folder / "expected.sgdb")
    with open_ledger(expected, passphrase=PASSWORD) as ledger:
        before = content_hash(ledger)
        sync_service.import_packages(ledger, [pkg])
        after = content_hash(ledger)

    def prepare(run: Path) -> list:
        return [copy_ledger(world["county"], run / "county.sgdb"), pkg, PASSWORD]

    def check(run: Path) -> str:
        ledger = open_after_kill(run / "county.sgdb")
        try:
            state = content_hash(ledger)
            assert state in (before, after)
            result = sync_service.import_packages(ledger, [pkg])[0]
            assert result.status == ("already_imported" if state == after else "imported")
            assert content_hash(ledger) == after and ledger.verify() == []
            # the owner trigger, dropped while a large import writes, is there again
            assert ledger.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                                 " AND name = 'change_log_owner_written'") == 1
            assert ledger.scalar("SELECT count(*) FROM change_log WHERE owner IS NULL") == 0
        finally:
            session.close(ledger)
        return "after" if state == after else "before"

    return Operation(name, 500, prepare, check)


def sync_export_operation(base: Path, world: dict) -> Operation:
    with open_ledger(world["township"], passphrase=PASSWORD) as ledger:
        town_before = content_hash(ledger)
        sent_before = ledger.scalar("SELECT max(last_sent_no) FROM peer_state")
    expected = copy_ledger(world["county"], world["folder"] / "export" / "expected.sgdb")
    town = copy_ledger(world["township"], world["folder"] / "export" / "xiushui.sgdb")
    with open_ledger(town, passphrase=PASSWORD) as ledger:
        pkg = sync_service.export_packages(ledger, world["folder"] / "export" / "usb")[0].path
    with open_ledger(expected, passphrase=PASSWORD) as ledger:
        sync_service.import_packages(ledger, [pkg])
        county_after = content_hash(ledger)

    def prepare(run: Path) -> list:
        (run / "usb").mkdir(parents=True)
        return [copy_ledger(world["township"], run / "xiushui.sgdb"), run / "usb", PASSWORD]

    def check(run: Path) -> str:
        usb = run / "usb"
        # a kill while the zip is written leaves its hidden `.part` (sync/package.py write):
        # never a name a package has, never taken for one
        written = sorted(p for p in usb.iterdir() if not p.name.startswith("."))
        assert all(p.suffix == ".sgpkg" for p in written), written
        assert all(p.name.endswith(".part") for p in usb.iterdir() if p.name.startswith("."))
        town_ledger = open_after_kill(run / "xiushui.sgdb")
        try:
            assert content_hash(town_ledger) == town_before
            sent = town_ledger.scalar("SELECT max(last_sent_no) FROM peer_state")
            recorded = town_ledger.scalar("SELECT value FROM meta WHERE key LIKE 'export_pending:%'")
            # the export is committed before its file is written (sync/exporter.py): a file
            # on the stick is always a counted export, never an orphan
            if sent == sent_before:
                assert written == [] and recorded is None, (written, recorded)
                outcome = "before"
            else:
                assert sent == sent_before + 1 and len(written) <= 1, (sent, written)
                outcome = "after" if written else "recorded, file not written"
            written += [r.path for r in sync_service.export_packages(town_ledger, usb)]
            assert town_ledger.scalar("SELECT value FROM meta WHERE key LIKE 'export_pending:%'") is None
        finally:
            session.close(town_ledger)
        numbers: dict[int, str] = {}
        for path in written:  # no two different packages carry one number
            with zipfile.ZipFile(path) as zf:
                m = json.loads(zf.read("manifest.json"))
            assert numbers.setdefault(m["package_no"], m["package_id"]) == m["package_id"], written
        county = copy_ledger(world["county"], run / "county.sgdb")
        with open_ledger(county, passphrase=PASSWORD) as ledger:
            for package in written:  # whatever the county is given, it ends the same
                sync_service.import_packages(ledger, [package])
            assert content_hash(ledger) == county_after and ledger.verify() == []
        return outcome

    return Operation("sync export", 200, prepare, check)


MIGRATED_TABLES = ("enterprises", "visits", "monthly_figures")


def migration_operation(base: Path) -> Operation:
    src = copy_ledger(V1_HERE / "ledger_v1.sgdb", base / "migration" / "v1.sgdb")
    expected = copy_ledger(src, base / "migration" / "expected.sgdb")

    def snapshot(ledger) -> dict:
        out = {t: ledger.conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()  # noqa: S608
               for t in MIGRATED_TABLES}
        out["log"] = ledger.conn.execute("SELECT seq, tbl, row_id, op, data FROM change_log ORDER BY seq").fetchall()
        return out

    with open_ledger(expected, passphrase=V1_PASSWORD) as ledger:
        after = snapshot(ledger)

    def prepare(run: Path) -> list:
        return [copy_ledger(src, run / "v1.sgdb"), V1_PASSWORD]

    def check(run: Path) -> str:
        path = run / "v1.sgdb"
        stale = stale_lock(path)
        with open_ledger(path, passphrase=V1_PASSWORD, migrate=False) as ledger:
            version = migrations.current_version(ledger.conn)
            assert ledger.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert (ledger.writer_lock.note is not None) == stale
        ledger = open_after_kill(path, V1_PASSWORD)
        try:
            assert migrations.current_version(ledger.conn) == migrations.latest_version()
            assert snapshot(ledger) == after
            for b in backups.list_backups(path):  # the copies kept before upgrading are whole
                copy = connect_read_only(b.path, ledger._key)
                try:
                    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                finally:
                    copy.close()
        finally:
            session.close(ledger)
        return "after" if version == migrations.latest_version() else f"v{version}"

    return Operation("migration", 100, prepare, check)


def restore_operation(base: Path) -> Operation:
    src = base / "restore" / "county.sgdb"
    county, _ = init_office(src, role="county", name="盂县", area_code="140322", admin_user="admin",
                            password=PASSWORD)
    demo.generate(county, enterprises=30, townships=2, seed=5)
    made = backups.make_backup(county)
    reference.add_township(county, "140322109", "梁家寨乡")  # after the backup
    seq = int(county.meta("site_seq"))
    before = content_hash(county)
    county.close()
    expected = copy_ledger(src, base / "restore" / "expected" / "county.sgdb")
    with open_ledger(expected, passphrase=PASSWORD) as ledger:
        done = backups.restore_backup(ledger, made.path)
        after = content_hash(done.ledger)
        done.ledger.close()
    assert after != before

    def prepare(run: Path) -> list:
        path = copy_ledger(src, run / "county.sgdb")
        return [path, copy_ledger(made.path, run / "usb" / made.path.name), PASSWORD]

    def check(run: Path) -> str:
        path = run / "county.sgdb"
        ledger = open_after_kill(path)
        try:
            state = content_hash(ledger)
            assert state in (before, after)
            assert int(ledger.meta("site_seq")) == seq  # carried forward, or never changed
            for b in backups.list_backups(path):  # the ledger kept before a restore is whole
                with open_ledger(b.path, passphrase=PASSWORD) as copy:
                    assert copy.verify() == [] and content_hash(copy) == before
            if state == before:
                done = backups.restore_backup(ledger, run / "usb" / made.path.name)
                ledger = done.ledger
                assert content_hash(ledger) == after
        finally:
            session.close(ledger)
        assert not any(p.name.startswith(".county.sgdb.restore") for p in run.iterdir())
        return "after" if state == after else "before"

    return Operation("restore", 100, prepare, check)


BUILDERS = {
    "spreadsheet import": lambda base, world: excel_operation(base),
    "demo generation": lambda base, world: demo_operation(base),
    "backup": lambda base, world: backup_operation(base),
    "sync import": lambda base, world: sync_import_operation(base, world()),
    "sync import, rollback journal": lambda base, world: sync_import_operation(
        base, world(), "sync import, rollback journal"),
    "sync export": lambda base, world: sync_export_operation(base, world()),
    "migration": lambda base, world: migration_operation(base),
    "restore": lambda base, world: restore_operation(base),
}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """The operation of a name, its source files built once per module (per test worker)."""
    base = tmp_path_factory.mktemp("crash")
    built: dict = {}

    def world() -> dict:
        if "world" not in built:
            built["world"] = sync_world(base)
        return built["world"]

    def get(name: str) -> Operation:
        if name not in built:
            built[name] = BUILDERS[name](base, world)
        return built[name]

    return get


def campaign(operation: Operation, folder: Path, kills: int, seed: int) -> dict:
    """Probe the operation's ticks, then kill it at `kills` points drawn from them (the last
    ticks — the commit, the renames after it — always among them). Returns {"tried",
    "survived", "outcomes"}."""
    probe = folder / "probe"
    done = run_child(CHILD_OPS[operation.name], operation.prepare(probe), 0, operation.every)
    assert done.returncode == 0, done.stderr
    total = json.loads(done.stdout.strip().splitlines()[-1])["ticks"]
    assert total > kills, (operation.name, total)
    rng = random.Random(seed)
    last = min(4, kills - 1) if kills > 3 else 1  # the commit and what follows it, always
    points = sorted(set(rng.sample(range(1, total - last + 1), kills - last))
                    | set(range(total - last + 1, total + 1)))
    outcomes: dict[str, int] = {}
    tried = survived = 0
    for n in points:
        run = folder / f"k{n}"
        child = run_child(CHILD_OPS[operation.name], operation.prepare(run), n, operation.every)
        if child.returncode != -signal.SIGKILL:  # the run went another way and finished
            assert child.returncode == 0, child.stderr
            continue
        tried += 1
        outcome = operation.check(run)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        survived += 1
        shutil.rmtree(run)
    return {"ticks": total, "tried": tried, "survived": survived, "outcomes": outcomes}


CHILD_OPS = {"spreadsheet import": "excel_import", "demo generation": "demo", "backup": "backup",
             "sync import": "sync_import", "sync import, rollback journal": "sync_import_journal",
             "sync export": "sync_export", "migration": "migration",
             "restore": "restore"}


def report(results: dict) -> str:
    lines = [f"{name}: {r['survived']}/{r['tried']} kills survived (ticks {r['ticks']}, {r['outcomes']}, {r['seconds']} s)"
             for name, r in results.items()]
    total = sum(r["tried"] for r in results.values())
    return "\n".join(lines + [f"total: {sum(r['survived'] for r in results.values())}/{total}"])


RESULTS: dict = {}  # what this test session's campaign saw, printed at the end (-s)


def run_campaign(operation: Operation, folder: Path, kills: int, seed: int) -> dict:
    started = time.monotonic()
    result = campaign(operation, folder, kills, seed)
    result["seconds"] = round(time.monotonic() - started, 1)
    RESULTS[operation.name] = result
    print("\n" + report(RESULTS))
    if os.environ.get("SHENGUI_CRASH_REPORT"):  # the figures, from every test worker
        with open(os.environ["SHENGUI_CRASH_REPORT"], "a", encoding="utf-8") as f:
            f.write(json.dumps({"operation": operation.name, "kills": kills, **result}, ensure_ascii=False) + "\n")
    assert result["survived"] == result["tried"] and result["tried"] >= kills - 1, (operation.name, result)
    return result


@pytest.mark.parametrize("name", list(BUILDERS))
def test_a_few_kills_inside_each_operation(build, name, tmp_path):
    run_campaign(build(name), tmp_path, DEFAULT_KILLS, seed=19 + list(BUILDERS).index(name))


EXPORT_POINTS = ("inside the export's transaction", "committed, file not begun",
                 "file written under its hidden name", "file named, record not cleared")


@pytest.mark.parametrize("point", EXPORT_POINTS)
def test_an_export_killed_on_either_side_of_its_commit(build, point, tmp_path):
    """Issue 19: the export commits its record first, then writes its file. Killed before
    the commit: no package, nothing counted; after it: the package whole, or none and the
    number used again by the next export. Never two packages with one number."""
    operation = build("sync export")
    run = tmp_path / "run"
    child = run_child("sync_export", operation.prepare(run), 0, operation.every, point)
    assert child.returncode == -signal.SIGKILL, child.stderr
    outcome = operation.check(run)
    assert outcome == {"inside the export's transaction": "before",
                       "committed, file not begun": "recorded, file not written",
                       "file written under its hidden name": "recorded, file not written",
                       "file named, record not cleared": "after"}[point]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BUILDERS))
def test_the_crash_campaign(build, name, tmp_path, request):
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("the campaign of 200 kills: pytest -m slow")
    result = run_campaign(build(name), tmp_path, SLOW_KILLS, seed=1900 + list(BUILDERS).index(name))
    assert result["tried"] >= SLOW_KILLS - 3  # 8 operations: at least 232 kills in all
    assert {"before", "after"} <= set(result["outcomes"]) or name == "migration", result


# -- I/O faults: a full disk, a read-only folder, a USB stick pulled mid-write ------------------
def limited(size: int) -> Callable[[], None]:
    """For a child: files may not grow past `size` bytes (a full disk, as SQLite and Python
    see it: EFBIG), instead of being killed by SIGXFSZ."""
    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return apply


def shengui(args: list, preexec: Callable[[], None] | None = None, password: str = PASSWORD):
    env = dict(os.environ, SHENGUI_PASSPHRASE=password)
    return subprocess.run([sys.executable, "-m", "shengui_desktop", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=ROOT, preexec_fn=preexec, timeout=300)


def assert_told(done: subprocess.CompletedProcess, *words: str) -> None:
    """Refused with a Chinese sentence and no traceback."""
    assert done.returncode not in (0, 1), (done.returncode, done.stderr)
    assert done.stderr.startswith("错误："), done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.fixture(scope="module")
def faults(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("faults")
    county, _ = init_office(base / "county.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    demo.generate(county, enterprises=40, townships=2, seed=3)
    county.close()
    sheet = write_xlsx(base / "名单.xlsx", [["企业名称", "统一社会信用代码", "所属乡镇"]] + [
        [f"盂县新企业{i}有限公司", credit(i + 5000), "秀水镇"] for i in range(2000)])
    return {"county": base / "county.sgdb", "sheet": sheet, "world": sync_world(base)}


def state_of(path: Path) -> tuple[str, int | None]:
    with open_ledger(path, passphrase=PASSWORD) as ledger:
        assert ledger.verify() == []
        return content_hash(ledger), ledger.scalar("SELECT max(last_sent_no) FROM peer_state")


def test_a_full_disk_saves_nothing_and_says_so(faults, tmp_path):
    county = copy_ledger(faults["county"], tmp_path / "county.sgdb")
    before = state_of(county)
    size = county.stat().st_size
    # a backup that does not fit: no backup, no half file, no key file left
    assert_told(shengui(["backup", "--db", county], limited(size // 2)), "无法写入备份", "台账未受影响")
    folder = backups.backup_folder(county)
    assert not folder.exists() or list(folder.iterdir()) == []
    # an import whose writes do not fit: nothing of it saved
    assert_told(shengui(["excel", "import", "--db", county, faults["sheet"]], limited(64 << 10)),
                "台账写入失败", "没有保存")
    assert state_of(county) == before
    # a package that does not fit on the stick: not counted as sent, no file
    town = copy_ledger(faults["world"]["township"], tmp_path / "xiushui.sgdb")
    town_before = state_of(town)
    usb = tmp_path / "usb"
    usb.mkdir()
    assert_told(shengui(["sync", "export", "--db", town, "--out", usb], limited(40 << 10)),
                "文件过大")
    assert list(usb.iterdir()) == [] and state_of(town) == town_before
    # with room again, each works
    assert shengui(["sync", "export", "--db", town, "--out", usb]).returncode == 0
    assert len(list(usb.glob("*.sgpkg"))) == 1


@contextmanager
def read_only(folder: Path):
    """`folder` refuses new files, for root as for a clerk's account: chmod for a user, the
    immutable attribute for root (whom permissions do not stop)."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        undo = ["chmod", "755", str(folder)]
    else:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)],
                                                             capture_output=True).returncode:
            pytest.skip("no way to make a folder read-only for root here")
        undo = ["chattr", "-i", str(folder)]
    try:
        yield folder
    finally:
        subprocess.run(undo, check=True)


def test_a_read_only_folder_is_refused_with_a_sentence(faults, tmp_path):
    county = copy_ledger(faults["county"], tmp_path / "ledgers" / "county.sgdb")
    town = copy_ledger(faults["world"]["township"], tmp_path / "ledgers" / "xiushui.sgdb")
    folder, usb = backups.backup_folder(county), tmp_path / "usb"
    folder.mkdir()
    usb.mkdir()
    before, town_before = state_of(county), state_of(town)
    with read_only(folder), read_only(usb):
        assert_told(shengui(["backup", "--db", county]), "无法在", "写入备份", "没有读写权限")
        assert_told(shengui(["sync", "export", "--db", town, "--out", usb]), "无法读写", "权限")
    assert list(folder.iterdir()) == [] and list(usb.iterdir()) == []
    with read_only(county.parent):  # a ledger in a folder it may not write: refused at once
        assert_told(shengui(["excel", "import", "--db", county, faults["sheet"]]), "台账锁文件")
    assert state_of(county) == before and state_of(town) == town_before


def test_a_usb_stick_pulled_mid_write_leaves_nothing_half(faults, tmp_path):
    from shengui_desktop.errors import UserError, os_error_message

    county_path = copy_ledger(faults["county"], tmp_path / "county.sgdb")
    before = state_of(county_path)
    usb = tmp_path / "usb"
    usb.mkdir()

    def pull(*_args) -> None:
        if usb.exists():
            shutil.rmtree(usb)

    ledger = session.unlock(county_path, password=PASSWORD)
    try:
        with pytest.raises((UserError, OSError)) as failed:  # 备份到U盘, the stick pulled
            backups.make_backup(ledger, folder=usb, progress=pull)
        if isinstance(failed.value, OSError) and not isinstance(failed.value, UserError):
            assert os_error_message(failed.value).startswith("无法读写")
        assert not usb.exists()
        assert content_hash(ledger) == before[0] and ledger.verify() == []
    finally:
        session.close(ledger)
    # a sync package: the stick pulled while the package is being made
    town = copy_ledger(faults["world"]["township"], tmp_path / "xiushui.sgdb")
    town_before = state_of(town)
    usb.mkdir()
    ledger = session.unlock(town, password=PASSWORD)
    try:
        with pytest.raises(OSError) as failed:
            sync_service.export_packages(ledger, usb, progress=pull)
        assert os_error_message(failed.value).startswith("无法读写")
        assert ledger.verify() == []
    finally:
        session.close(ledger)
    assert state_of(town) == town_before  # not counted as sent: the next export carries it all
    usb.mkdir()
    assert shengui(["sync", "export", "--db", town, "--out", usb]).returncode == 0
