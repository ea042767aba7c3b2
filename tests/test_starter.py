"""A county's starter package for a new township (#21 item 5): county → starter → township →
first package back → the county enrols the township's key without a phone check and merges
without conflicts; a wrong code, a changed byte, a sync package or a county's file instead,
a ledger already there, a cancel write nothing; an impostor with a copy of the starter is
refused once the real township enrolled (the one-key-per-code rule of #19 item 1)."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from conftest import PASSWORD
from helpers import content_hash
from shengui_desktop.cli import main
from shengui_desktop.services import policy
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.ledger import reference, visits
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.office import starter
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.sync import certificates
from shengui_desktop.sync.errors import PackageRejected
from sync_helpers import owners, projection

TOWN = "140322100"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """盂县 with a demo (two townships, 20 enterprises each), its own edited profile active,
    a target for 秀水镇, and one starter package for 秀水镇 made with a printed code."""
    folder = tmp_path_factory.mktemp("starter")
    county, _ = init_office(folder / "county.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    reference.add_township(county, TOWN, "秀水镇")
    reference.add_township(county, "140322101", "路家村镇")
    generate(county, enterprises=40, townships=2, seed=7, as_of=date(2026, 11, 23))
    policy.choose_profile(county, "yuxian")
    policy.copy_profile(county, "盂县本县修订版")
    made = starter.make_starter(county, TOWN, folder / "秀水镇.sgstart")
    county.close()
    return folder, made


@pytest.fixture
def county(template, tmp_path):
    folder, made = template
    for name in ("county.sgdb", "county.sgdb.keys", "秀水镇.sgstart"):
        shutil.copy(folder / name, tmp_path / name)
    ledger = open_ledger(tmp_path / "county.sgdb", passphrase=PASSWORD, user="admin")
    yield ledger, tmp_path / "秀水镇.sgstart", made.code
    ledger.close()


def set_up(path: Path, code: str, where: Path):
    preview = starter.preview_starter(path, code)
    return starter.set_up_from_starter(where, preview, admin_user="zhang", password="town-password-1")


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_made_at_the_county(county):
    ledger, path, code = county
    assert len(starter.normalise_code(code)) == 20 and code.count("-") == 3
    record = ledger.rows("SELECT value FROM meta WHERE key = ?", (f"starter_pending:{TOWN}",))
    assert json.loads(record[0]["value"])["name"] == "秀水镇"
    entry = ledger.rows("SELECT action, object, detail FROM audit_log WHERE detail LIKE '制作乡镇初始包%'")
    assert entry and entry[0]["object"] == "秀水镇（140322100）" and "企业20户" in entry[0]["detail"]
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("starter.json"))
        assert "秀水镇" not in zf.read("starter.json.gz.enc").decode("latin-1")
    assert manifest["township"] == {"name": "秀水镇", "area_code": TOWN}
    assert path.stat().st_mode & 0o077 == 0


def test_round_trip_county_township_county(county, tmp_path):
    c, path, code = county
    preview = starter.preview_starter(path, code.lower().replace("-", " "))  # as typed
    (tmp_path / "town").mkdir()
    for name in (".ledger.starter-0badc0de.sgdb", ".ledger.starter-0badc0de.sgdb.keys"):
        (tmp_path / "town" / name).write_bytes(b"left by a set-up killed half-way")
    assert preview.township == "秀水镇" and preview.enterprises == 20
    assert preview.profile == "盂县本县修订版" and preview.fingerprint == c.this_site()["fingerprint"]
    made = starter.set_up_from_starter(tmp_path / "town" / "ledger.sgdb", preview,
                                       admin_user="zhang", password="town-password-1")
    t = made.ledger
    try:
        # the ledger and its keys (and SQLite's and the lock's files while open): no work file left
        assert {"ledger.sgdb", "ledger.sgdb.keys"} <= set(files_under(tmp_path / "town"))
        assert not [n for n in files_under(tmp_path / "town") if n.startswith(".")]
        assert t.this_site()["area_code"] == TOWN and t.meta("role") == "township"
        assert certificates.county_site(t)["fingerprint"] == c.this_site()["fingerprint"]
        assert policy.active_profile(t).name == "盂县本县修订版"
        assert t.scalar("SELECT count(*) FROM enterprises") == 20
        assert t.scalar("SELECT count(*) FROM targets WHERE township_code = ?", (TOWN,)) >= 1
        owner = owners(c)
        assert projection(t, TOWN, owner) == projection(c, TOWN, owner)
        # the township works, sends its first package: enrolled without --accept-new-site
        ent = t.scalar("SELECT id FROM enterprises ORDER BY id LIMIT 1")
        visits.add_visit(t, ent, {"visit_date": "2026-12-01", "visitors": "张三", "summary": "走访了解用工"})
        first = sync_service.export_packages(t, tmp_path / "usb")[0]
        result = sync_service.import_packages(c, [first.path])[0]
        assert result.enrolled and result.conflicts == 0 and result.new_entries == 1
        assert c.scalar("SELECT count(*) FROM sync_conflicts") == 0
        assert c.scalar("SELECT count(*) FROM visits WHERE summary = '走访了解用工'") == 1
        events = certificates.key_events(c, TOWN)
        assert events[-1]["note"] == "凭本县制作的初始包登记"
        assert json.loads(c.meta(f"starter_pending:{TOWN}"))["used_at"]
        # and back: the county's next package follows the starter's (no gap), nothing conflicts
        reference.add_department(c, "应急管理局")
        back = sync_service.export_packages(c, tmp_path / "usb2", to=TOWN)[0]
        assert back.package_no == 2
        got = sync_service.import_packages(t, [back.path])[0]
        assert got.gaps == [] and got.conflicts == 0
        owner = owners(c)
        assert projection(t, TOWN, owner) == projection(c, TOWN, owner)
    finally:
        t.close()


def test_wrong_code_writes_nothing(county, tmp_path):
    _c, path, _code = county
    with pytest.raises(starter.StarterError, match="初始码不正确"):
        starter.preview_starter(path, "AAAAA-BBBBB-CCCCC-DDDDD")
    with pytest.raises(starter.StarterError, match="请输入"):
        starter.preview_starter(path, "  ")


@pytest.mark.parametrize("where", ["payload", "manifest"])
def test_a_changed_byte_is_refused(county, tmp_path, where):
    _c, path, code = county
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    if where == "payload":
        data = bytearray(parts["starter.json.gz.enc"])
        data[len(data) // 2] ^= 1
        parts["starter.json.gz.enc"] = bytes(data)
    else:
        parts["starter.json"] = parts["starter.json"].replace("秀水镇".encode(), "南娄镇".encode())
    changed = tmp_path / "changed.sgstart"
    with zipfile.ZipFile(changed, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with pytest.raises(starter.StarterError, match="改动"):
        set_up(changed, code, tmp_path / "town" / "ledger.sgdb")
    assert not (tmp_path / "town").exists()


def test_foreign_files_are_named(county, tmp_path):
    c, _path, _code = county
    cert = tmp_path / "county.cert.json"
    cert.write_text(json.dumps(certificates.export_certificate(c)), "utf-8")
    with pytest.raises(starter.StarterError, match="证书或其他文件"):
        starter.preview_starter(cert, "x")
    other = tmp_path / "notes.sgstart"
    other.write_bytes(b"hello")
    with pytest.raises(starter.StarterError, match="不是乡镇初始包"):
        starter.preview_starter(other, "x")
    # a sync package (one for a county office) is not a starter
    t, _ = init_office(tmp_path / "t.sgdb", role="township", name="路家村镇", area_code="140322101",
                       admin_user="admin", password=PASSWORD)
    certificates.pin_site(t, certificates.verify_certificate(certificates.export_certificate(c)))
    pkg = sync_service.export_packages(t, tmp_path / "usb")[0].path
    t.close()
    with pytest.raises(starter.StarterError, match="是同步包"):
        starter.preview_starter(pkg, "x")


def test_a_starter_for_a_county_code_is_refused(county, tmp_path):
    _c, path, _code = county
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(parts["starter.json"])
    manifest["township"]["area_code"] = "140322"
    parts["starter.json"] = json.dumps(manifest).encode()
    bad = tmp_path / "county.sgstart"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with pytest.raises(starter.StarterError, match="不是乡镇"):
        starter.preview_starter(bad, "x")


def test_an_existing_ledger_is_never_replaced(county, tmp_path):
    _c, path, code = county
    where = tmp_path / "town" / "ledger.sgdb"
    where.parent.mkdir()
    where.write_bytes(b"the township's real ledger")
    preview = starter.preview_starter(path, code)
    with pytest.raises(starter.StarterError, match="已有台账"):
        starter.set_up_from_starter(where, preview, admin_user="zhang", password="town-password-1")
    assert where.read_bytes() == b"the township's real ledger"
    assert files_under(tmp_path / "town") == ["ledger.sgdb"]


def test_a_cancel_leaves_nothing(county, tmp_path):
    _c, path, code = county
    preview = starter.preview_starter(path, code)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 1  # after the ledger was created, during the import

    with pytest.raises(Exception, match="取消"):
        starter.set_up_from_starter(tmp_path / "town" / "ledger.sgdb", preview, admin_user="zhang",
                                    password="town-password-1", cancel=cancel)
    assert files_under(tmp_path / "town") == []


def test_an_impostor_with_a_copy_of_the_starter_is_refused(county, tmp_path):
    c, path, code = county
    real = set_up(path, code, tmp_path / "real" / "ledger.sgdb").ledger
    fake = set_up(path, code, tmp_path / "fake" / "ledger.sgdb").ledger
    try:
        assert real.this_site()["fingerprint"] != fake.this_site()["fingerprint"]
        first = sync_service.export_packages(real, tmp_path / "usb1")[0]
        assert sync_service.import_packages(c, [first.path])[0].enrolled
        before = content_hash(c)
        forged = sync_service.export_packages(fake, tmp_path / "usb2")[0]
        with pytest.raises(PackageRejected) as refused:
            sync_service.import_packages(c, [forged.path])
        assert refused.value.reason == "enrolled_other_key"
        with pytest.raises(PackageRejected):  # a person's fingerprint does not enrol it either
            sync_service.import_packages(c, [forged.path],
                                         accept_fingerprint=fake.this_site()["fingerprint"])
        assert content_hash(c) == before
        assert certificates.enrolled_holder(c, TOWN)["fingerprint"] == real.this_site()["fingerprint"]
    finally:
        real.close()
        fake.close()


def test_a_second_starter_replaces_the_first(county, tmp_path):
    c, path, code = county
    old = set_up(path, code, tmp_path / "old" / "ledger.sgdb").ledger
    again = starter.make_starter(c, TOWN, tmp_path / "again.sgstart")
    try:
        pkg = sync_service.export_packages(old, tmp_path / "usb")[0]
        with pytest.raises(PackageRejected) as refused:  # the first starter no longer enrols
            sync_service.import_packages(c, [pkg.path])
        assert refused.value.reason == "unknown_sender"
        new = set_up(again.path, again.code, tmp_path / "new" / "ledger.sgdb").ledger
        try:
            first = sync_service.export_packages(new, tmp_path / "usb2")[0]
            assert sync_service.import_packages(c, [first.path])[0].enrolled
        finally:
            new.close()
    finally:
        old.close()


def test_county_refusals(county, tmp_path):
    c, _path, _code = county
    with pytest.raises(starter.StarterError, match="乡镇列表中没有"):
        starter.make_starter(c, "140322199", tmp_path / "x.sgstart")
    with pytest.raises(starter.StarterError, match="至少需要"):
        starter.make_starter(c, TOWN, tmp_path / "x.sgstart", passphrase="short")
    made = starter.make_starter(c, "路家村镇", tmp_path / "x", passphrase="县里选的口令 2026")
    assert made.code is None and made.path.name == "x.sgstart"
    with pytest.raises(starter.StarterError, match="已存在"):
        starter.make_starter(c, "路家村镇", made.path)
    preview = starter.preview_starter(made.path, "县里选的口令 2026")
    assert preview.township == "路家村镇"
    with pytest.raises(starter.StarterError, match="初始包密码不正确"):
        starter.preview_starter(made.path, "县里选的口令 2027")


def test_the_command_line(county, tmp_path, monkeypatch, capsys):
    c, _path, _code = county
    c.close()
    secret = tmp_path / "口令.txt"
    secret.write_text("一个足够长的口令\n", "utf-8")
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    out = tmp_path / "路家村镇.sgstart"
    assert main(["sync", "starter", "--db", str(tmp_path / "county.sgdb"), "--township", "140322101",
                 "--out", str(out), "--passphrase-file", str(secret)]) == 0
    assert "已制作乡镇初始包" in capsys.readouterr().out
    monkeypatch.setenv("SHENGUI_STARTER_CODE", "一个足够长的口令")
    monkeypatch.setenv("SHENGUI_PASSPHRASE", "town-password-1")
    town = tmp_path / "town.sgdb"
    assert main(["init", "--db", str(town), "--from-starter", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "路家村镇" in printed and "恢复码" in printed
    t = open_ledger(town, passphrase="town-password-1", user="admin")
    try:
        assert t.scalar("SELECT count(*) FROM enterprises") == 20
    finally:
        t.close()
    monkeypatch.setenv("SHENGUI_STARTER_CODE", "wrong code here")
    other = tmp_path / "other.sgdb"
    assert main(["init", "--db", str(other), "--from-starter", str(out)]) != 0
    assert "不正确" in capsys.readouterr().err
    assert not other.exists() and not keys_path_for(other).exists()


def test_a_failed_write_leaves_the_county_as_it_was(county, tmp_path, monkeypatch):
    c, _path, _code = county
    before = (content_hash(c), c.scalar("SELECT count(*) FROM audit_log"), starter.township_choices(c))

    def full_disk(path, sealed):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(starter.format_, "write", full_disk)
    with pytest.raises(starter.StarterError, match="无法写入"):
        starter.make_starter(c, "140322101", tmp_path / "x.sgstart")
    assert (content_hash(c), c.scalar("SELECT count(*) FROM audit_log"), starter.township_choices(c)) == before
    assert c.meta("starter_pending:140322101") is None and not (tmp_path / "x.sgstart").exists()
