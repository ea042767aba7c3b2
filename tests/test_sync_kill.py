"""docs/sync-format.md, property 3: an import killed (SIGKILL) at any point leaves the ledger
intact and either untouched or complete, and the same package then imports cleanly.

The importing child reports each progress step on stdout and then waits for the parent's
"go" on stdin, so the parent kills it at an exact point inside the transaction (no sleeps).
"""

from __future__ import annotations

import json
import os
import zipfile
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shengui_desktop.services import sync as sync_service
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.storage.ledger import monthly_figure_id, new_id

from conftest import PASSWORD
from helpers import content_hash
from sync_helpers import CODES, build_template, clone

CHILD = textwrap.dedent("""
    import sys
    from shengui_desktop.services import sync
    from shengui_desktop.storage.files import open_ledger
    from shengui_desktop.sync import importer, rows
    rows.CHUNK = rows.HELD_CHUNK = int(sys.argv[3])
    importer.OWNER_INDEX_DEFERRED_FROM = int(sys.argv[5])

    def progress(stage, done, total):
        print(f"{stage} {done} {total}", flush=True)
        if sys.stdin.readline().strip() != "go":
            sys.exit(3)

    ledger = open_ledger(sys.argv[1], passphrase=sys.argv[4])
    sync.import_packages(ledger, sys.argv[2].split("|"), progress=progress)
    print("finished", flush=True)
    sys.stdin.readline()
""")


def copy_ledger(src: Path, dst: Path) -> Path:
    shutil.copy(src, dst)
    shutil.copy(keys_path_for(src), keys_path_for(dst))
    return dst


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A county ledger file and a large township package for it (plus the expected result)."""
    folder = tmp_path_factory.mktemp("kill")
    sites = clone(build_template(folder / "template"), folder / "ledgers")
    a = sites["A"]
    ents = [(new_id(), f"91140322{i:010d}", f"秀水企业{i}", CODES["A"]) for i in range(600)]
    a.insert_rows("enterprises", ("id", "credit_code", "name", "township_code"), ents)
    a.insert_rows("monthly_figures", ("id", "enterprise_id", "period", "revenue"),
                  ((monthly_figure_id(e[0], f"2025-{m:02d}"), e[0], f"2025-{m:02d}", m * 1000)
                   for e in ents for m in range(1, 13)))
    # edits of records the county already has, so the slow path is killed too
    for ent in a.conn.execute("SELECT id FROM enterprises LIMIT 2").fetchall():
        a.update("enterprises", ent[0], {"address": "被改过的地址"})
    pkg = sync_service.export_packages(a, folder / "usb")[0].path
    for ledger in sites.values():
        ledger.close()
    county = folder / "ledgers" / "county.sgdb"
    expected = copy_ledger(county, folder / "expected.sgdb")
    with open_ledger(expected, passphrase=PASSWORD) as ledger:
        before = content_hash(ledger)
        sync_service.import_packages(ledger, [pkg])
        after = content_hash(ledger)
    assert before != after
    package_id = json.loads(zipfile.ZipFile(pkg).read("manifest.json"))["package_id"]
    return {"county": county, "package": pkg, "package_id": package_id, "before": before, "after": after, "folder": folder}


def run_and_kill(big, target: Path, kill_at: int, chunk: int,
                 deferred_from: int = 20_000) -> tuple[int, bool]:
    """Run the import in a child; SIGKILL it at progress step `kill_at`.
    Returns (steps seen, whether it finished before the kill). `deferred_from`: the child's
    importer.OWNER_INDEX_DEFERRED_FROM (1: the log's owner index dropped at the start of the
    command and made again at its end, the county's first import of its townships)."""
    env = dict(os.environ)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target),
         "|".join(map(str, big["packages"] if "packages" in big else [big["package"]])), str(chunk),
         PASSWORD, str(deferred_from)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        cwd=Path(__file__).resolve().parent.parent)
    steps, finished = 0, False
    try:
        for line in child.stdout:
            if line.startswith("finished"):
                finished = True
                break
            steps += 1
            if steps == kill_at:
                break
            child.stdin.write("go\n")
            child.stdin.flush()
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return steps, finished


def check_after_kill(big, target: Path) -> str:
    with open_ledger(target, passphrase=PASSWORD) as ledger:
        assert ledger.verify() == []
        assert ledger.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'change_log_owner'") == 1
        state = content_hash(ledger)
        assert state in (big["before"], big["after"])
        imported = ledger.scalar("SELECT count(*) FROM imported_packages WHERE package_id = ?",
                                 (big["package_id"],))
        assert (state == big["after"]) == (imported == 1)
        result = sync_service.import_packages(ledger, [big["package"]])[0]
        assert result.status == ("already_imported" if state == big["after"] else "imported")
        assert content_hash(ledger) == big["after"]
        assert ledger.verify() == []
    return "complete" if state == big["after"] else "untouched"


def kill_everywhere(big, chunk: int) -> dict:
    # how many progress steps does a whole import take?
    probe = copy_ledger(big["county"], big["folder"] / f"probe{chunk}.sgdb")
    total, finished = run_and_kill(big, probe, 10**9, chunk, deferred_from=1)
    assert finished and total > 5
    outcomes = {}
    for kill_at in range(1, total + 2):
        target = copy_ledger(big["county"], big["folder"] / f"k{chunk}-{kill_at}.sgdb")
        run_and_kill(big, target, kill_at, chunk, deferred_from=1)
        outcomes[kill_at] = check_after_kill(big, target)
        for suffix in ("", "-wal", "-shm", ".keys"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    return outcomes


def test_sigkill_at_every_progress_point_leaves_the_ledger_untouched_or_complete(big):
    outcomes = kill_everywhere(big, chunk=1000)
    assert set(outcomes.values()) == {"untouched", "complete"}
    assert outcomes[1] == "untouched" and outcomes[max(outcomes)] == "complete"
    assert list(outcomes.values()).count("untouched") >= 8


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    """Packages from both townships, imported in one command (one transaction)."""
    folder = tmp_path_factory.mktemp("kill-two")
    sites = clone(build_template(folder / "template"), folder / "ledgers")
    packages = []
    for key, base in (("A", 0), ("B", 1000)):
        town = sites[key]
        ents = [(new_id(), f"9114032{base + i:011d}", f"企业{key}{i}", CODES[key]) for i in range(150)]
        town.insert_rows("enterprises", ("id", "credit_code", "name", "township_code"), ents)
        town.insert_rows("monthly_figures", ("id", "enterprise_id", "period", "revenue"),
                         ((monthly_figure_id(e[0], f"2025-{m:02d}"), e[0], f"2025-{m:02d}", m)
                          for e in ents for m in range(1, 13)))
        packages.append(sync_service.export_packages(town, folder / f"usb-{key}")[0].path)
    for ledger in sites.values():
        ledger.close()
    county = folder / "ledgers" / "county.sgdb"
    with open_ledger(copy_ledger(county, folder / "expected.sgdb"), passphrase=PASSWORD) as ledger:
        before = content_hash(ledger)
        sync_service.import_packages(ledger, packages)
        after = content_hash(ledger)
    return {"county": county, "packages": packages, "before": before, "after": after, "folder": folder}


def test_sigkill_between_and_inside_two_packages_keeps_neither_or_both(two):
    probe = copy_ledger(two["county"], two["folder"] / "probe.sgdb")
    total, finished = run_and_kill(two, probe, 10**9, 500)
    assert finished and total > 6
    outcomes = set()
    # every third step, and the last ones (the second package's merge and the commit)
    for kill_at in sorted(set(range(2, total + 2, 3)) | {total - 1, total, total + 1}):
        target = copy_ledger(two["county"], two["folder"] / f"k-{kill_at}.sgdb")
        run_and_kill(two, target, kill_at, 500)
        with open_ledger(target, passphrase=PASSWORD) as ledger:
            assert ledger.verify() == []
            state = content_hash(ledger)
            assert state in (two["before"], two["after"]), kill_at  # never the first alone
            outcomes.add("complete" if state == two["after"] else "untouched")
            sync_service.import_packages(ledger, two["packages"])
            assert content_hash(ledger) == two["after"]
        for suffix in ("", "-wal", "-shm", ".keys"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    assert outcomes == {"untouched", "complete"}
