"""Three enrolled offices (county 盂县 + townships 秀水镇, 路家村镇) for sync tests.

Setting up keys and enrolment costs far more than a merge, so a template is built once and
each test (or hypothesis example) works on a file copy of it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from shengui_desktop.services.ledger import reference
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.storage import origins
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.storage.ledger import Ledger
from shengui_desktop.sync import certificates
from shengui_desktop.sync.rules import CHILD, ENTERPRISE, synced_tables, table_kind

from conftest import PASSWORD

CODES = {"A": "140322100", "B": "140322101"}
NAMES = {"C": "盂县", "A": "秀水镇", "B": "路家村镇"}
FILES = {"C": "county.sgdb", "A": "xiushui.sgdb", "B": "lujiacun.sgdb"}


def fingerprint(ledger: Ledger) -> str:
    return ledger.scalar("SELECT fingerprint FROM sites WHERE is_self = 1")


def exchange(sender: Ledger, recipient: Ledger, out: Path, **kw):
    """Export from sender to recipient and import it; returns (export, import) results."""
    me = recipient.one("SELECT * FROM sites WHERE is_self = 1")
    exported = sync_service.export_packages(sender, out, to=me["area_code"], **kw)[0]
    known = sender.site_id in {r[0] for r in recipient.conn.execute("SELECT id FROM sites")}
    imported = sync_service.import_packages(
        recipient, [exported.path], accept_fingerprint=None if known else fingerprint(sender))[0]
    return exported, imported


def build_template(folder: Path, enterprises_per_township: int = 2,
                   townships: dict[str, tuple[str, str]] | None = None) -> dict[str, Path]:
    """County and two townships, enrolled, each township with a few enterprises, synced.
    `townships`: key ("A", "B") -> (area code, name), instead of CODES and NAMES."""
    folder.mkdir(parents=True, exist_ok=True)
    codes = {k: v[0] for k, v in townships.items()} if townships else CODES
    names = {"C": NAMES["C"], **{k: v[1] for k, v in townships.items()}} if townships else NAMES
    c, _ = init_office(folder / FILES["C"], role="county", name=names["C"], area_code="140322",
                       admin_user="admin", password=PASSWORD)
    for key in ("A", "B"):
        reference.add_township(c, codes[key], names[key])
    reference.add_department(c, "工信局")
    cert = folder / "county.cert.json"
    cert.write_text(json.dumps(certificates.export_certificate(c), ensure_ascii=False), "utf-8")
    towns = {}
    for key in ("A", "B"):
        t, _ = init_office(folder / FILES[key], role="township", name=names[key],
                           area_code=codes[key], admin_user="admin", password=PASSWORD)
        certificates.pin_county_certificate(t, cert)
        for i in range(enterprises_per_township):
            t.insert("enterprises", {"credit_code": f"9114032200000{key}{i:03d}",
                                     "name": f"{names[key]}企业{i}", "township_code": codes[key]})
        towns[key] = t
    out = folder / "usb"
    for t in towns.values():
        exchange(t, c, out)
    for t in towns.values():
        exchange(c, t, out)
    shutil.rmtree(out)
    for ledger in (c, *towns.values()):
        ledger.close()
    return {k: folder / v for k, v in FILES.items()}


def clone(template: dict[str, Path], folder: Path) -> dict[str, Ledger]:
    folder.mkdir(parents=True, exist_ok=True)
    opened = {}
    for key, path in template.items():
        target = folder / path.name
        shutil.copy(path, target)
        shutil.copy(keys_path_for(path), keys_path_for(target))
        opened[key] = open_ledger(target, passphrase=PASSWORD, user="admin")
    return opened


def world_fixtures(name: str):
    """The `template` (built once per test module) and `world` (a fresh clone per test, its
    ledgers closed afterwards) fixtures: `template, world = world_fixtures("flows")`."""
    @pytest.fixture(scope="module")
    def template(tmp_path_factory):
        return build_template(tmp_path_factory.mktemp(f"{name}-template"))

    @pytest.fixture
    def world(template, tmp_path):
        sites = clone(template, tmp_path / "ledgers")
        yield sites
        for ledger in sites.values():
            ledger.close()

    return template, world


def township_of(ledger: Ledger) -> str | None:
    return ledger.scalar("SELECT area_code FROM sites WHERE is_self = 1 AND role = 'township'")


def owners(county: Ledger) -> dict[str, set[str]]:
    """enterprise id -> every township code it has had (moves included), deleted enterprises
    included (from the county's log): the townships whose ledgers hold its records."""
    found: dict[str, set[str]] = {}
    for row_id, data in county.conn.execute(
            "SELECT row_id, data FROM change_entries WHERE tbl = 'enterprises'"):
        code = json.loads(data).get("township_code")
        if code is not None:
            found.setdefault(row_id, set()).add(code)
    return found


def projection(ledger: Ledger, code: str | None, owner: dict[str, set[str]]) -> dict[str, list]:
    """The rows a township with `code` should hold (None: everything): the records of every
    enterprise that is or was in that township (one moved away stays, read-only)."""
    out = {}
    for table in synced_tables():
        cols = ["id", *ledger.spec(table).columns]
        rows = ledger.conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id").fetchall()
        kind = table_kind(ledger, table)
        if code is not None and kind == ENTERPRISE:
            rows = [r for r in rows if code in owner.get(r[0], ())]
        elif code is not None and kind == CHILD:
            i = cols.index("enterprise_id")
            rows = [r for r in rows if code in owner.get(r[i], ())]
        out[table] = rows
    return out


def copy_to_other_computer(ledger, folder: Path):
    """The ledger file (and its key file) copied as a person does, opened on a computer
    with another machine id. The original stays open and in use."""
    folder.mkdir(parents=True, exist_ok=True)
    ledger.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target = folder / ledger.path.name
    shutil.copy(ledger.path, target)
    shutil.copy(keys_path_for(ledger.path), keys_path_for(target))
    return open_on_other_computer(target)


def open_on_other_computer(path: Path):
    real = origins.machine_id
    try:
        origins.machine_id = lambda: "another-computer"
        return open_ledger(path, passphrase=PASSWORD, user="admin")
    finally:
        origins.machine_id = real
