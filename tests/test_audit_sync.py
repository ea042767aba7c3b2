"""The person and the audit log in sync packages: a change carries who made it to the
other office (and into a conflict: "秀水镇 张三 2026-11-03"); a township's audit entries
travel to the county, are stored per office, verified per office, never duplicated; a
package of an older program (no person, no audit lines) still imports."""

from __future__ import annotations

import hashlib
import json
import zipfile

from conftest import PASSWORD
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.office import audit, session, users
from shengui_desktop.storage import audit as chain
from shengui_desktop.sync import certificates, package
from sync_helpers import CODES, exchange, world_fixtures

template, world = world_fixtures("audit")


def as_person(ledger, name: str, password: str = "pw-of-person-1"):
    """The same ledger, opened by another user (added by the admin)."""
    users.add_user(ledger, name, password, role="乡镇管理员" if ledger.meta("role") == "township" else "县级管理员")
    return session.unlock(ledger.path, password=password, user=name)


def enterprise_of(ledger, code: str) -> str:
    return ledger.scalar("SELECT id FROM enterprises WHERE township_code = ? ORDER BY name LIMIT 1", (code,))


def test_the_person_travels_with_the_change(world, tmp_path):
    a, c = world["A"], world["C"]
    zhang = as_person(a, "zhangsan")
    try:
        ent = enterprise_of(zhang, CODES["A"])
        zhang.update("enterprises", ent, {"contact_person": "王经理"})
        zhang.insert("visits", {"enterprise_id": ent, "visit_date": "2026-11-03", "visitors": "张三",
                                "summary": "走访"})
        exported, imported = exchange(zhang, c, tmp_path / "usb")
    finally:
        zhang.close()
    assert imported.status == "imported"
    assert c.scalar("SELECT person FROM change_log WHERE site_id = ? AND tbl = 'enterprises'"
                    " AND op = 'u'", (a.site_id,)) == "zhangsan"
    assert c.scalar("SELECT person FROM change_entries WHERE site_id = ? AND tbl = 'visits'",
                    (a.site_id,)) == "zhangsan"
    # the county's own change names its person at the township
    wang = as_person(c, "wangwu")
    try:
        wang.update("enterprises", ent, {"stat_status": "above_scale"})
    finally:
        wang.close()
    exchange(c, a, tmp_path / "usb2")
    assert a.scalar("SELECT person FROM change_log WHERE row_id = ? AND data LIKE '%above_scale%'",
                    (ent,)) == "wangwu"


def test_a_conflict_names_office_and_person(world, tmp_path):
    a, c = world["A"], world["C"]
    ent = enterprise_of(a, CODES["A"])
    zhang, wang = as_person(a, "zhangsan"), as_person(c, "wangwu")
    try:
        zhang.update("enterprises", ent, {"contact_phone": "13800000001"})
        wang.update("enterprises", ent, {"contact_phone": "13900000002"})
        exchange(zhang, c, tmp_path / "usb")
    finally:
        zhang.close()
        wang.close()
    rows = sync_service.review_conflicts(c)
    assert len(rows) == 1
    r = rows[0]
    assert r["incoming"]["site"] == "秀水镇 zhangsan" and r["local"]["site"] == "盂县 wangwu"
    assert r["incoming"]["person"] == "zhangsan" and r["incoming"]["office"] == "秀水镇"
    line = sync_service.describe_conflict(r)
    assert f"（秀水镇 zhangsan {r['incoming']['time']}）" in line
    # resolved by a person: that person is recorded as the decider
    sync_service.resolve_conflict(c, r["id"], "incoming")
    settled = sync_service.review_conflicts(c, settled=True)[0]
    assert settled["decided"].startswith("admin")


def test_audit_entries_travel_to_the_county_once(world, tmp_path):
    a, c = world["A"], world["C"]
    audit.record(a, audit.PRINT, "企业台账", "秀水镇打印")
    mine = chain.chain(a.conn, a.site_id)
    held_before = c.scalar("SELECT count(*) FROM audit_log WHERE office_id = ?", (a.site_id,))
    assert held_before > 0  # the template's first exchange brought the first ones
    exported, imported = exchange(a, c, tmp_path / "usb")
    assert imported.audit_entries == len(mine) - held_before
    held = chain.chain(c.conn, a.site_id)
    assert held == mine  # stored as they are, under the township's site id
    assert any(e.office == "秀水镇" and e.detail == "秀水镇打印" for e in audit.entries(c))
    assert any(e.action == "导入同步包" and e.office == "盂县" for e in audit.entries(c))
    result = audit.verify(c)
    assert result.ok and {x["office"] for x in result.checked} >= {"盂县", "秀水镇"}
    # the same package again: already imported; a full package: nothing duplicated
    again = sync_service.import_packages(c, [exported.path])[0]
    assert again.status == "already_imported"
    full = sync_service.export_packages(a, tmp_path / "usb3", full=True)[0]
    result = sync_service.import_packages(c, [full.path])[0]
    assert c.scalar("SELECT count(*) FROM audit_log WHERE office_id = ?", (a.site_id,)) == \
        len(chain.chain(a.conn, a.site_id)) - 1  # all but the export of the full package itself
    assert c.scalar("SELECT count(*) - count(DISTINCT no) FROM audit_log WHERE office_id = ?",
                    (a.site_id,)) == 0
    assert result.audit_entries == len(chain.chain(a.conn, a.site_id)) - 1 - len(mine)
    assert audit.verify(c).ok


def test_the_township_sends_only_what_the_county_has_not_acknowledged(world, tmp_path):
    a, c = world["A"], world["C"]
    exchange(a, c, tmp_path / "usb")
    exchange(c, a, tmp_path / "usb2")   # tells the township how much of its log arrived
    audit.record(a, audit.PRINT, "之后的报表")
    exported = sync_service.export_packages(a, tmp_path / "usb3")[0]
    with zipfile.ZipFile(exported.path) as zf:
        manifest = json.loads(zf.read(package.MANIFEST))
    sent_after = manifest["audit_entries"]
    held = c.scalar("SELECT max(no) FROM audit_log WHERE office_id = ?", (a.site_id,))
    top = a.scalar("SELECT max(no) FROM audit_log WHERE office_id = ?", (a.site_id,))
    assert sent_after == top - held - 1  # entries after what the county holds, not the export's own
    result = sync_service.import_packages(c, [exported.path])[0]
    assert result.audit_entries == sent_after
    assert audit.verify(c).ok


def test_the_county_verifies_each_township_chain(world, tmp_path):
    a, c = world["A"], world["C"]
    for i in range(3):
        audit.record(a, audit.PRINT, f"报表{i}")
    exchange(a, c, tmp_path / "usb")
    c.conn.execute("DROP TRIGGER audit_log_no_update")
    c.conn.execute("UPDATE audit_log SET person = '李四' WHERE office_id = ? AND no = 2", (a.site_id,))
    result = audit.verify(c)
    assert not result.ok
    assert "秀水镇：审计日志在第2条" in result.message
    assert "盂县：" in result.message and "校验通过" in result.message


def test_a_township_cannot_send_another_office_s_entries(world, tmp_path):
    """Audit lines are checked like changes: an entry of another office refuses the package."""
    a, c = world["A"], world["C"]
    exported = sync_service.export_packages(a, tmp_path / "usb")[0]
    with zipfile.ZipFile(exported.path) as zf:
        manifest = json.loads(zf.read(package.MANIFEST))
    recipient = c.scalar("SELECT age_recipient FROM sites WHERE is_self = 1")
    forged = {k: "x" for k in ("at", "office", "person", "action", "object", "detail")}
    forged.update(office_id=world["B"].site_id, no=1, prev_hash=chain.GENESIS, hash="0" * 64)
    payload = package.compress_and_encrypt(json.dumps({"audit": forged}).encode() + b"\n", recipient)
    m = dict(manifest, package_id="f" * 32, entries=0, counts={}, audit_entries=1,
             payload={"size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()})
    data = json.dumps(m, ensure_ascii=False).encode()
    path = package.write(tmp_path / "forged.sgpkg", data, certificates.sign(a, data), payload)
    before = c.scalar("SELECT count(*) FROM audit_log")
    try:
        sync_service.import_packages(c, [path])
    except Exception as e:  # noqa: BLE001 - the refusal is what is tested
        assert "审计日志数据不合规" in str(e)
    else:
        raise AssertionError("a forged audit entry was accepted")
    assert c.scalar("SELECT count(*) FROM audit_log") == before


def test_a_package_of_an_older_program_still_imports(world, tmp_path):
    """No person on the changes, no audit lines, no audit keys in the manifest: imported, the
    changes' person left empty."""
    a, c = world["A"], world["C"]
    ent = enterprise_of(a, CODES["A"])
    a.update("enterprises", ent, {"note": "旧版程序的修改"})
    exported = sync_service.export_packages(a, tmp_path / "usb")[0]
    with zipfile.ZipFile(exported.path) as zf:
        manifest = json.loads(zf.read(package.MANIFEST))
        payload = zf.read(package.PAYLOAD)
    from shengui_desktop.sync.certificates import age_identities

    plain = package.decrypt(package.RawPackage(exported.path, b"", manifest, "", payload), age_identities(c))
    lines = [json.loads(x) for x in plain.decode().splitlines()]
    old = [{k: v for k, v in x.items() if k != "person"} for x in lines if "audit" not in x]
    assert len(old) == manifest["entries"] and any("person" in x for x in lines)
    recipient = c.scalar("SELECT age_recipient FROM sites WHERE is_self = 1")
    body = ("\n".join(json.dumps(x, ensure_ascii=False) for x in old) + "\n").encode()
    new_payload = package.compress_and_encrypt(body, recipient)
    m = {k: v for k, v in manifest.items() if k not in ("audit_entries", "audit_seen")}
    m["payload"] = dict(m["payload"], size=len(new_payload), sha256=hashlib.sha256(new_payload).hexdigest())
    data = json.dumps(m, ensure_ascii=False).encode()
    path = package.write(tmp_path / "old.sgpkg", data, certificates.sign(a, data), new_payload)
    result = sync_service.import_packages(c, [path])[0]
    assert result.status == "imported" and result.new_entries == len(old)
    assert result.audit_entries == 0
    assert c.scalar("SELECT note FROM enterprises WHERE id = ?", (ent,)) == "旧版程序的修改"
    assert c.scalar("SELECT person FROM change_log WHERE row_id = ? AND data LIKE '%旧版程序%'",
                    (ent,)) is None


def test_enrolment_is_recorded(template, tmp_path):
    """A new township accepted by its fingerprint: 登记乡镇 in the county's log, with the
    import, in the import's transaction."""
    from shengui_desktop.services.office.setup import init_office
    from shengui_desktop.storage.files import open_ledger
    import shutil
    from shengui_desktop.storage.keyslots import keys_path_for

    folder = tmp_path / "l"
    folder.mkdir()
    shutil.copy(template["C"], folder / "c.sgdb")
    shutil.copy(keys_path_for(template["C"]), keys_path_for(folder / "c.sgdb"))
    c = open_ledger(folder / "c.sgdb", passphrase=PASSWORD, user="admin")
    try:
        from shengui_desktop.services.ledger import reference

        reference.add_township(c, "140322102", "南娄镇")
        cert = tmp_path / "county.json"
        cert.write_text(json.dumps(certificates.export_certificate(c), ensure_ascii=False), "utf-8")
        t, _ = init_office(folder / "t.sgdb", role="township", name="南娄镇", area_code="140322102",
                           admin_user="admin", password=PASSWORD)
        certificates.pin_county_certificate(t, cert)
        _e, imported = exchange(t, c, tmp_path / "usb")
        assert imported.enrolled
        found = [e for e in audit.entries(c) if e.action == "登记乡镇" and "南娄镇" in e.object]
        assert len(found) == 1 and found[0].object == "南娄镇（140322102）"
        assert found[0].office == "盂县" and found[0].person == "admin"
        assert t.scalar("SELECT fingerprint FROM sites WHERE is_self = 1") in found[0].detail
        t.close()
    finally:
        c.close()
