"""docs/sync-format.md, properties 5, 7 and 9: every hostile or broken package is refused with
a Chinese message naming the reason, and the ledger's content is exactly as before."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.sync import certificates, package
from shengui_desktop.sync.errors import ImportCancelled, PackageRejected

from conftest import PASSWORD
from helpers import content_hash
from sync_helpers import CODES, clone, world_fixtures

CJK = re.compile(r"[\u4e00-\u9fff]")


template, world = world_fixtures("hostile")


def state(ledger) -> tuple:
    return (content_hash(ledger), ledger.scalar("SELECT count(*) FROM change_log"),
            ledger.scalar("SELECT count(*) FROM imported_packages"),
            ledger.scalar("SELECT count(*) FROM sites"),
            ledger.scalar("SELECT group_concat(acked_vector) FROM peer_state"))


def refused(ledger, path: Path, reason: str | set, **kw) -> PackageRejected:
    before = state(ledger)
    with pytest.raises(PackageRejected) as info:
        sync_service.import_packages(ledger, [path], **kw)
    reasons = {reason} if isinstance(reason, str) else reason
    assert info.value.reason in reasons, (info.value.reason, str(info.value))
    assert CJK.search(str(info.value))
    assert state(ledger) == before
    return info.value


def township_package(world, tmp_path, edit=True) -> Path:
    a = world["A"]
    if edit:
        ent = a.scalar("SELECT id FROM enterprises ORDER BY credit_code LIMIT 1")
        a.update("enterprises", ent, {"address": "秀水镇新街1号"})
        a.insert("visits", {"enterprise_id": ent, "visit_date": "2026-11-02", "visitors": "李四",
                            "summary": "走访"})
    return sync_service.export_packages(a, tmp_path / "usb")[0].path


def craft(path: Path, signer, manifest: dict, payload: bytes) -> Path:
    data = json.dumps(manifest, ensure_ascii=False).encode()
    return package.write(path, data, certificates.sign(signer, data), payload)


def parts(path: Path) -> tuple[dict, bytes]:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(package.MANIFEST)), zf.read(package.PAYLOAD)


def test_a_good_package_imports(world, tmp_path):
    path = township_package(world, tmp_path)
    result = sync_service.import_packages(world["C"], [path])[0]
    assert result.status == "imported" and result.new_entries == 2


def test_truncated_files_are_refused(world, tmp_path):
    path = township_package(world, tmp_path)
    data = path.read_bytes()
    for cut in sorted({1, 10, 100, len(data) // 3, len(data) // 2, len(data) - 200, len(data) - 1}):
        bad = tmp_path / f"cut{cut}.sgpkg"
        bad.write_bytes(data[:cut])
        refused(world["C"], bad, {"damaged", "contents", "hash", "signature", "manifest"})


def test_byte_flips_are_refused(world, template, tmp_path):
    path = township_package(world, tmp_path)
    data = path.read_bytes()
    other = clone(template, tmp_path / "other")
    sync_service.import_packages(other["C"], [path])
    genuine = content_hash(other["C"])
    for ledger in other.values():
        ledger.close()
    step = max(1, len(data) // 150)  # a sample spread over every part of the file
    positions = list(range(0, len(data), step)) + [len(data) - 1]
    harmless = 0
    for pos in positions:
        flipped = bytearray(data)
        flipped[pos] ^= 0xFF
        bad = tmp_path / "flip.sgpkg"
        bad.write_bytes(bytes(flipped))
        before = state(world["C"])
        try:
            sync_service.import_packages(world["C"], [bad])
        except PackageRejected as e:
            assert CJK.search(str(e))
            assert state(world["C"]) == before
        else:
            # only bytes no zip reader uses (timestamps, "made by") may flip unnoticed: the
            # signed manifest and the hashed payload are intact, so the genuine content came in
            harmless += 1
            assert content_hash(world["C"]) == genuine
            fresh = clone(template, tmp_path / f"fresh{pos}")
            for key in ("A", "B"):
                fresh[key].close()
            world["C"].close()
            world["C"] = fresh["C"]
    print(f"{len(positions)} flips, {harmless} in bytes zip readers ignore")
    assert harmless < len(positions) // 4


def test_oversized_package_and_entries_are_refused(world, tmp_path, monkeypatch):
    path = township_package(world, tmp_path)
    monkeypatch.setitem(package.LIMITS, "package_bytes", path.stat().st_size - 1)
    refused(world["C"], path, "oversized")
    monkeypatch.setitem(package.LIMITS, "package_bytes", 2 * 1024**3)
    monkeypatch.setitem(package.LIMITS, "payload_bytes", 100)
    refused(world["C"], path, "oversized")


def test_zip_bomb_entry_is_refused(world, tmp_path):
    bomb = tmp_path / "bomb.sgpkg"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(package.MANIFEST, b"{" + b" " * (50 * 1024**2) + b"}")
        zf.writestr(package.SIGNATURE, b"x")
        zf.writestr(package.PAYLOAD, b"\0" * (50 * 1024**2))
    assert bomb.stat().st_size < 1024**2
    refused(world["C"], bomb, {"zip_bomb", "oversized"})


def test_gzip_bomb_payload_from_a_known_sender_is_refused(world, tmp_path):
    path = township_package(world, tmp_path)
    manifest, _payload = parts(path)
    recipient = world["C"].scalar("SELECT age_recipient FROM sites WHERE is_self = 1")
    payload = package.compress_and_encrypt(b"\n" * (300 * 1024**2), recipient)
    manifest["payload"].update(size=len(payload), sha256=__import__("hashlib").sha256(payload).hexdigest())
    refused(world["C"], craft(tmp_path / "gzbomb.sgpkg", world["A"], manifest, payload), "zip_bomb")


@pytest.mark.parametrize("name", ["../manifest.json", "/etc/manifest.json", "sub/payload.jsonl.gz.age",
                                  "..\\manifest.sig"])
def test_path_traversal_is_refused(world, tmp_path, name):
    path = township_package(world, tmp_path)
    bad = tmp_path / "evil.sgpkg"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr(name, b"pwned")
    refused(world["C"], bad, "path")


def test_extra_or_missing_entries_are_refused(world, tmp_path):
    path = township_package(world, tmp_path)
    bad = tmp_path / "missing.sgpkg"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
        dst.writestr(package.MANIFEST, src.read(package.MANIFEST))
    refused(world["C"], bad, "contents")
    not_zip = tmp_path / "notes.sgpkg"
    not_zip.write_text("这不是同步包", "utf-8")
    refused(world["C"], not_zip, "damaged")


def test_wrong_recipient_is_refused(world, tmp_path):
    to_a = sync_service.export_packages(world["C"], tmp_path / "usb", to=CODES["A"])[0].path
    err = refused(world["B"], to_a, "recipient")
    assert "秀水镇" in str(err)
    # a package addressed to B in the manifest but encrypted to A's key fails decryption
    manifest, payload = parts(to_a)
    b_site = world["B"].one("SELECT * FROM sites WHERE is_self = 1")
    manifest["recipient"].update(site_id=b_site["id"], name=b_site["name"], area_code=b_site["area_code"])
    refused(world["B"], craft(tmp_path / "re.sgpkg", world["C"], manifest, payload), "recipient")


def test_unknown_sender_is_refused_until_a_person_accepts_the_fingerprint(world, tmp_path):
    d, _ = init_office(tmp_path / "d.sgdb", role="township", name="南娄镇", area_code="140322102",
                       admin_user="admin", password=PASSWORD)
    try:
        cert = tmp_path / "c.cert"
        cert.write_text(json.dumps(certificates.export_certificate(world["C"])), "utf-8")
        certificates.pin_county_certificate(d, cert)
        d.insert("enterprises", {"credit_code": "91140322000000D001", "name": "南娄企业",
                                 "township_code": "140322102"})
        path = sync_service.export_packages(d, tmp_path / "usb")[0].path
        err = refused(world["C"], path, "unknown_sender")
        fp = d.scalar("SELECT fingerprint FROM sites WHERE is_self = 1")
        assert fp in str(err)
        refused(world["C"], path, "fingerprint", accept_fingerprint="0000 1111 2222 3333")
        result = sync_service.import_packages(world["C"], [path], accept_fingerprint=fp.lower())[0]
        assert result.enrolled and result.new_entries == 1
        assert world["C"].scalar("SELECT trusted FROM sites WHERE id = ?", (d.site_id,)) == 1
    finally:
        d.close()


def test_forged_sender_is_refused(world, tmp_path):
    """Township A signs a package that claims to come from township B."""
    path = township_package(world, tmp_path)
    manifest, payload = parts(path)
    b = world["B"].one("SELECT * FROM sites WHERE is_self = 1")
    manifest["sender"].update(site_id=b["id"], name=b["name"], area_code=b["area_code"],
                              fingerprint=b["fingerprint"])
    manifest["sender_certificate"] = certificates.export_certificate(world["B"])
    err = refused(world["C"], craft(tmp_path / "forged.sgpkg", world["A"], manifest, payload), "signature")
    assert "签名" in str(err)


def test_edited_manifest_with_a_valid_looking_hash_is_refused(world, tmp_path):
    path = township_package(world, tmp_path)
    manifest, _payload = parts(path)
    # swap in another payload (encrypted to the county, hash recomputed) under the old signature
    with zipfile.ZipFile(path) as zf:
        signature = zf.read(package.SIGNATURE).decode()
    recipient = world["C"].scalar("SELECT age_recipient FROM sites WHERE is_self = 1")
    evil = package.compress_and_encrypt(b"", recipient)
    import hashlib
    manifest["payload"].update(size=len(evil), sha256=hashlib.sha256(evil).hexdigest())
    manifest["entries"], manifest["counts"] = 0, {}
    data = json.dumps(manifest, ensure_ascii=False).encode()
    bad = package.write(tmp_path / "edited.sgpkg", data, signature, evil)
    refused(world["C"], bad, "signature")
    # and the untouched manifest with a swapped payload fails the hash
    with zipfile.ZipFile(path) as zf:
        original = zf.read(package.MANIFEST)
    refused(world["C"], package.write(tmp_path / "swapped.sgpkg", original, signature, evil), "hash")


def test_township_touching_another_townships_enterprise_is_refused(world, tmp_path):
    b_ent = world["C"].scalar("SELECT id FROM enterprises WHERE township_code = ?", (CODES["B"],))
    a = world["A"]
    # A claims B's record id as its own, and records a visit to B's enterprise
    a.insert("enterprises", {"id": b_ent, "credit_code": "91140322000000X001", "name": "冒名",
                             "township_code": CODES["A"]})
    a.insert("visits", {"enterprise_id": b_ent, "visit_date": "2026-11-01", "visitors": "王五",
                        "summary": "越权走访"})
    path = sync_service.export_packages(a, tmp_path / "usb")[0].path
    err = refused(world["C"], path, "unauthorised")
    assert "路家村镇" in str(err) or CODES["B"] in str(err)
    assert len(err.details) >= 2 and all(b_ent[:8] in d for d in err.details)


def test_township_writing_county_only_fields_is_refused_with_the_records(world, tmp_path):
    a, c = world["A"], world["C"]
    ent = a.scalar("SELECT id FROM enterprises ORDER BY credit_code LIMIT 1")
    # written below the service layer, as a tampered or buggy township program would
    a.update("enterprises", ent, {"stat_status": "above_scale"})
    a.insert("departments", {"name": "乡镇自建部门"})
    with pytest.raises(Exception, match="只能由县级修改"):
        sync_service.export_packages(a, tmp_path / "usb")
    from shengui_desktop.sync import exporter
    rows = exporter.select_entries(a, exporter.find_peer(a, None)[0], False)
    # build the package the way a program without the export check would
    lines = "\n".join(exporter._line(r) for r in rows).encode() + b"\n"
    recipient = c.scalar("SELECT age_recipient FROM sites WHERE is_self = 1")
    payload = package.compress_and_encrypt(lines, recipient)
    import hashlib
    me = a.one("SELECT * FROM sites WHERE is_self = 1")
    peer = c.one("SELECT * FROM sites WHERE is_self = 1")
    manifest = {
        "format": "sgpkg", "format_version": 1, "package_id": "f" * 32, "package_no": 9,
        "full": False, "created_at": "2026-11-23T10:00:00+08:00", "created_hlc": 1,
        "schema_version": 4, "entries": len(rows), "counts": {"enterprises": len(rows)},
        "sender": {k: me[k] for k in ("name", "area_code", "role", "fingerprint")} | {"site_id": me["id"]},
        "recipient": {k: peer[k] for k in ("name", "area_code", "role", "fingerprint")} | {"site_id": peer["id"]},
        "version_vector": {}, "payload": {"size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()},
    }
    err = refused(c, craft(tmp_path / "statuses.sgpkg", a, manifest, payload), "unauthorised")
    assert any("stat_status" in d for d in err.details)


def test_invalid_changes_are_refused(world, tmp_path):
    """A correctly signed package from a known sender whose changes are malformed."""
    a, c = world["A"], world["C"]
    recipient = c.scalar("SELECT age_recipient FROM sites WHERE is_self = 1")
    path = township_package(world, tmp_path)
    manifest, _ = parts(path)
    cases = [
        {"tbl": "sqlite_master", "row_id": "x", "op": "i", "data": {}, "base": None, "hlc": 1,
         "site_id": a.site_id, "site_seq": 999},
        {"tbl": "visits", "row_id": "../../x", "op": "i", "data": {}, "base": None, "hlc": 1,
         "site_id": a.site_id, "site_seq": 999},
        {"tbl": "visits", "row_id": "abc", "op": "u", "data": {"summary": 5}, "base": None, "hlc": 1,
         "site_id": a.site_id, "site_seq": 999},
        {"tbl": "visits", "row_id": "abc", "op": "u", "data": {"evil; DROP TABLE visits": "x"},
         "base": None, "hlc": 1, "site_id": a.site_id, "site_seq": 999},
        [1, 2, 3],
    ]
    import hashlib
    for i, entry in enumerate(cases):
        payload = package.compress_and_encrypt(json.dumps(entry).encode() + b"\n", recipient)
        m = dict(manifest, package_id=f"{i:032d}", entries=1, counts={"visits": 1},
                 payload={"size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()})
        refused(c, craft(tmp_path / f"invalid{i}.sgpkg", a, m, payload), "invalid")


def test_a_newer_format_is_refused(world, tmp_path):
    path = township_package(world, tmp_path)
    manifest, payload = parts(path)
    manifest["format_version"] = 2  # the next one (a version no program could write is damage)
    refused(world["C"], craft(tmp_path / "new.sgpkg", world["A"], manifest, payload), "version")


def test_one_refused_file_among_several_leaves_the_ledger_untouched(world, tmp_path):
    """One command is one transaction: the good package before the refused one is not kept
    half-way either, and the message says the whole selection was not imported."""
    good = township_package(world, tmp_path)
    b_ent = world["C"].scalar("SELECT id FROM enterprises WHERE township_code = ?", (CODES["B"],))
    world["A"].insert("visits", {"enterprise_id": b_ent, "visit_date": "2026-11-01",
                                 "visitors": "王五", "summary": "越权走访"})
    bad = sync_service.export_packages(world["A"], tmp_path / "usb2")[0].path
    c = world["C"]
    before = state(c)
    with pytest.raises(PackageRejected) as info:
        sync_service.import_packages(c, [bad, good])
    assert info.value.reason == "unauthorised"
    assert "2个文件均未导入" in str(info.value)
    assert state(c) == before
    # the good one alone imports
    assert sync_service.import_packages(c, [good])[0].status == "imported"


def test_a_cancel_during_the_second_file_keeps_nothing_of_the_first(world, tmp_path):
    first = township_package(world, tmp_path)
    second = township_package(world, tmp_path / "second")
    c = world["C"]
    before = state(c)
    started = []

    def progress(stage, done, total):
        if stage == "verify" and done == 0:
            started.append(1)
    cancel = lambda: len(started) >= 2  # noqa: E731
    with pytest.raises(ImportCancelled):
        sync_service.import_packages(c, [first, second], progress=progress, cancel=cancel)
    assert state(c) == before
    assert [r.status for r in sync_service.import_packages(c, [first, second])] == ["imported"] * 2
