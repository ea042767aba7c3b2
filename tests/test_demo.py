"""The demo generator: realistic, valid, deterministic; killed mid-write it leaves no trace."""

import os
import signal
import subprocess
import sys
from datetime import date

from helpers import table_rows
from shengui_desktop.domain import credit_code, industry
from shengui_desktop.services.demo import generate
from shengui_desktop.services.site import init_office
from shengui_desktop.storage.files import open_ledger

AS_OF = date(2026, 11, 23)


def test_generated_data_is_valid(demo_county):
    rows = demo_county.rows("SELECT * FROM enterprises")
    assert len(rows) == 40
    assert all(credit_code.check(r["credit_code"]).ok and r["credit_code"][17] ==
               credit_code.check_character(r["credit_code"][:17]) for r in rows)
    assert all(industry.is_industrial(r["industry_code"]) for r in rows)
    assert len({r["credit_code"] for r in rows}) == 40
    periods = [p for (p,) in demo_county.conn.execute(
        "SELECT DISTINCT period FROM monthly_figures ORDER BY period")]
    assert len(periods) == 36 and periods[0] == "2023-11" and periods[-1] == "2026-10"
    assert demo_county.scalar("SELECT min(revenue) FROM monthly_figures") >= 0
    assert demo_county.scalar("SELECT count(*) FROM visits") > 10
    assert demo_county.scalar("SELECT count(*) FROM issues WHERE department_id IS NULL") == 0
    # seasonality: December above February on average
    dec, feb = (demo_county.scalar("SELECT avg(revenue) FROM monthly_figures WHERE period LIKE ?",
                                   (f"%-{m}",)) for m in ("12", "02"))
    assert dec > 1.5 * feb


def test_same_seed_same_ledger(tmp_path):
    ledgers = []
    for name in ("a", "b"):
        ledger, _ = init_office(tmp_path / f"{name}.sgdb", role="county", name="盂县",
                                area_code="140322", admin_user="admin", password="demo-pass-1")
        generate(ledger, enterprises=15, townships=3, seed=42, as_of=AS_OF)
        ledgers.append(ledger)
    for table in ("townships", "departments", "enterprises", "monthly_figures", "visits",
                  "issues", "pool_events", "targets"):
        assert table_rows(ledgers[0], table) == table_rows(ledgers[1], table), table
    for ledger in ledgers:
        ledger.close()


CHILD = r"""
import os, sys
from datetime import date
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.services.demo import generate
ledger = open_ledger(sys.argv[1], passphrase="kill-pass-1")
def progress(stage, done, total):
    if stage == "monthly_figures" and done:
        print("writing", flush=True)
        sys.stdin.readline()  # wait for the parent, which kills us here
generate(ledger, enterprises=1200, townships=3, seed=1, as_of=date(2026, 11, 23), progress=progress)
print("finished", flush=True)
"""


def test_killed_mid_generation_leaves_the_ledger_as_it_was(tmp_path):
    path = tmp_path / "k.sgdb"
    ledger, _ = init_office(path, role="county", name="盂县", area_code="140322",
                            admin_user="admin", password="kill-pass-1")
    ledger.close()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                             stdin=subprocess.PIPE, text=True, env=os.environ.copy())
    assert child.stdout.readline().strip() == "writing"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    with open_ledger(path, passphrase="kill-pass-1") as after:
        assert after.verify() == []
        assert after.scalar("SELECT count(*) FROM enterprises") == 0
        assert after.scalar("SELECT count(*) FROM change_log") == 0
        counts = generate(after, enterprises=20, townships=2, seed=1, as_of=AS_OF)
        assert counts["enterprises"] == 20
