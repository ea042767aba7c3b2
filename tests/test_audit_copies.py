"""Issue #19, the audit chain per copy of a ledger (docs/sync-format.md, "Copies of a
ledger"): two copies of one township's ledger (same keys, distinct origins) each keep their
own chain, numbered from 1; both reach the county and are kept apart there; each verifies;
a tampered entry in either is named with its copy."""

from __future__ import annotations

import json

from shengui_desktop.cli.app import main
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.office import audit
from shengui_desktop.storage import audit as chain

from conftest import PASSWORD
import test_sync_copies
from test_sync_copies import COUNTY, send

template = test_sync_copies.template  # the fixtures: a county, 秀水镇 and its copy A2
world = test_sync_copies.world


def test_two_copies_keep_and_send_their_own_chains(world, tmp_path, capsys, monkeypatch):
    a, a2, c = world["A"], world["A2"], world["C"]
    assert a2.origin_id != a.origin_id == a.site_id
    audit.record(a, audit.PRINT, "企业台账", "原台账打印")
    audit.record(a2, audit.PRINT, "走访记录", "笔记本打印")
    audit.record(a2, audit.PRINT, "问题台账", "笔记本再打印")
    # the copy's chain starts at 1 under its own origin; the original's goes on
    mine = chain.chain(a2.conn, a2.site_id, a2.origin_id)
    assert [e["no"] for e in mine] == [1, 2] and {e["origin"] for e in mine} == {a2.origin_id}
    assert mine[0]["prev_hash"] == chain.GENESIS
    theirs = chain.chain(a.conn, a.site_id)
    assert theirs[-1]["detail"] == "原台账打印"
    # both copies have an entry numbered 2: the same number, different chains
    assert any(e["no"] == 2 for e in theirs)
    assert audit.verify(a).ok and audit.verify(a2).ok

    send(a, c, tmp_path / "usb1")
    send(a2, c, tmp_path / "usb2")
    held_a = chain.chain(c.conn, a.site_id, a.origin_id)
    held_a2 = chain.chain(c.conn, a.site_id, a2.origin_id)
    assert held_a == chain.chain(a.conn, a.site_id)[:len(held_a)] and held_a[-1]["detail"] == "原台账打印"
    assert [e["detail"] for e in held_a2][:2] == ["笔记本打印", "笔记本再打印"]
    assert held_a2 == chain.chain(a2.conn, a2.site_id, a2.origin_id)[:len(held_a2)]
    result = audit.verify(c)
    assert result.ok, result.message
    names = {x["copy"] for x in result.checked}
    assert f"秀水镇（设备{a2.origin_id[:4]}）" in names and "秀水镇（原台账）" in names
    # and the county's answers acknowledge each copy's chain apart: nothing is sent twice
    send(c, a, tmp_path / "usb3")
    send(c, a2, tmp_path / "usb4")
    audit.record(a2, audit.PRINT, "之后")
    [again] = sync_service.export_packages(a2, tmp_path / "usb5", to=COUNTY)
    [imported] = sync_service.import_packages(c, [again.path])
    assert imported.status == "imported" and imported.audit_entries == 3  # its export, its import, 之后
    assert not [w for w in imported.warnings if "审计日志" in w]
    assert audit.verify(c).ok

    # a tampered entry in either chain is named with its copy
    c.conn.execute("DROP TRIGGER audit_log_no_update")
    c.conn.execute("UPDATE audit_log SET detail = '改过' WHERE office_id = ? AND origin = ? AND no = 2",
                   (a.site_id, a2.origin_id))
    result = audit.verify(c)
    assert not result.ok
    assert f"秀水镇（设备{a2.origin_id[:4]}）：审计日志在第2条" in result.message
    assert "秀水镇（原台账）：" in result.message and "校验通过" in result.message
    assert [(b.origin, b.no) for b in result.breaks] == [(a2.origin_id, 2)]
    c.conn.execute("UPDATE audit_log SET person = '冒名' WHERE office_id = ? AND origin = ? AND no = 1",
                   (a.site_id, a.site_id))
    result = audit.verify(c)
    assert {(b.origin, b.no) for b in result.breaks} == {(a2.origin_id, 2), (a.site_id, 1)}
    assert "秀水镇（原台账）：审计日志在第1条" in result.message
    # the command line names the copy too
    path = c.path
    c.close()
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    code = main(["audit", "verify", "--db", str(path), "--user", "admin"])
    out = capsys.readouterr().out
    assert code == 1 and f"秀水镇（设备{a2.origin_id[:4]}）：审计日志在第2条" in out


def test_a_copy_cannot_send_its_original_s_chain(world, tmp_path):
    """An audit entry naming another copy than the package's sender is refused like a forged one."""
    import hashlib
    import zipfile

    from shengui_desktop.sync import certificates, package

    a, a2, c = world["A"], world["A2"], world["C"]
    exported = sync_service.export_packages(a2, tmp_path / "usb", to=COUNTY)[0]
    with zipfile.ZipFile(exported.path) as zf:
        manifest = json.loads(zf.read(package.MANIFEST))
    assert manifest["sender"]["origin"] == a2.origin_id
    entry = dict(chain.chain(a.conn, a.site_id)[0])
    recipient = c.scalar("SELECT age_recipient FROM sites WHERE is_self = 1")
    payload = package.compress_and_encrypt(json.dumps({"audit": entry}).encode() + b"\n", recipient)
    m = dict(manifest, package_id="e" * 32, entries=0, counts={}, audit_entries=1,
             payload={"size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()})
    data = json.dumps(m, ensure_ascii=False).encode()
    path = package.write(tmp_path / "forged.sgpkg", data, certificates.sign(a2, data), payload)
    before = c.scalar("SELECT count(*) FROM audit_log")
    try:
        sync_service.import_packages(c, [path])
    except Exception as e:  # noqa: BLE001 - the refusal is what is tested
        assert "审计日志数据不合规" in str(e)
    else:
        raise AssertionError("another copy's entry was accepted")
    assert c.scalar("SELECT count(*) FROM audit_log") == before


def test_an_upgraded_ledger_s_entries_belong_to_its_current_origin(tmp_path):
    """Schema 16 on a ledger of 13-15: its own entries go to the copy it is (its current
    origin), with the newest entry recorded for that chain; a copy's acknowledgements are
    dropped so it sends its chain once under its origin; everything still verifies."""
    import shutil

    from fixtures.make_ledger_v1 import HERE, PASSWORD as V1_PASSWORD
    from shengui_desktop.storage import migrations
    from shengui_desktop.storage.connection import connect
    from shengui_desktop.storage.files import open_ledger
    from shengui_desktop.storage.keyslots import KeySlots, keys_path_for

    path = tmp_path / "old.sgdb"
    shutil.copy(HERE / "ledger_v1.sgdb", path)
    shutil.copy(keys_path_for(HERE / "ledger_v1.sgdb"), keys_path_for(path))
    _, key = KeySlots.load(keys_path_for(path)).unlock_password(V1_PASSWORD)
    before = next(n for n, script in migrations.available() if script.name.endswith("_audit_origins.sql")) - 1
    conn = connect(path, key)
    migrations.migrate(conn, key, path, upto=before)
    conn.close()
    with open_ledger(path, passphrase=V1_PASSWORD, migrate=False) as old:
        assert not chain.has_origins(old.conn)
        for i in range(3):
            old.audit(audit.PRINT, f"报表{i}")
        origin = old.origin_id
        site = old.site_id
        assert old.meta("audit_head", "").startswith("3:") or old.scalar("SELECT max(no) FROM audit_log") > 3
        old.set_meta("audit_acked:" + "c" * 16, "2")
        kept = old.rows("SELECT no, hash FROM audit_log ORDER BY no")
    with open_ledger(path, passphrase=V1_PASSWORD) as ledger:
        assert migrations.current_version(ledger.conn) == migrations.latest_version()
        rows = ledger.rows("SELECT no, hash, origin FROM audit_log WHERE no <= ? ORDER BY no", (len(kept),))
        assert [(r["no"], r["hash"]) for r in rows] == [(r["no"], r["hash"]) for r in kept]
        assert {r["origin"] for r in rows} == {origin}
        assert ledger.meta("audit_head") is None and ledger.meta(chain.head_key(origin))
        acked = ledger.meta(f"audit_acked:{'c' * 16}:{site}")
        assert acked == ("2" if origin == site else None)
        assert ledger.meta("audit_acked:" + "c" * 16) is None
        assert audit.verify(ledger).ok, audit.verify(ledger).message
