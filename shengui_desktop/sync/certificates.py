"""Site certificates: enrolment, pinning and key rotation (docs/sync-format.md, property 5).

A certificate is a JSON object with the site's identity and public keys, signed by the site's
own Ed25519 key (``self_signature`` over the canonical JSON of every other field except
``rotation``). After a key rotation it also carries ``rotation``: the new certificate body
signed by the *previous* key, so an office that pinned the old key can accept the new one
without a phone call.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyrage import x25519

from ..domain.fingerprint import fingerprint
from ..errors import UserError
from ..storage import audit, enrolled

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

FORMAT = "shengui-certificate"
VERSION = 1
_BODY_FIELDS = ("format", "version", "site_id", "role", "name", "area_code", "sign_public_key",
                "age_recipient", "fingerprint")


# A township made from a county's starter package keeps in `meta` the starter's id and its
# enrolment secret; its certificate then carries `starter`: the id and an HMAC of its body
# under that secret, by which the county enrols its key without a phone check (sync/starter.py).
STARTER_KEY = "starter_enrolment"


class CertificateError(UserError):
    pass


def starter_proof(secret_hex: str, body: dict) -> str:
    """HMAC-SHA256 of a certificate body under a starter package's enrolment secret."""
    return hmac.new(bytes.fromhex(secret_hex), canonical(body), hashlib.sha256).hexdigest()


def canonical(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sign(ledger: Ledger, data: bytes) -> str:
    row = ledger.one("SELECT sign_private_key FROM site_secrets WHERE site_id = ?", (ledger.site_id,))
    if row is None:
        raise UserError("本台账没有签名密钥，无法导出同步包。")
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(row["sign_private_key"]))
    return _b64(key.sign(data))


def verify(sign_public_key_b64: str, data: bytes, signature_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(sign_public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), data)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def age_identities(ledger: Ledger) -> list:
    """This site's current decryption identity first, then identities from before rotations."""
    found = [ledger.scalar("SELECT age_identity FROM site_secrets WHERE site_id = ?", (ledger.site_id,))]
    found += [r[0] for r in ledger.conn.execute(
        "SELECT age_identity FROM site_key_history WHERE site_id = ? AND age_identity IS NOT NULL"
        " ORDER BY replaced_at DESC", (ledger.site_id,))]
    return [x25519.Identity.from_str(v) for v in found if v]


def _body(site: dict) -> dict:
    return {"format": FORMAT, "version": VERSION, "site_id": site["id"], "role": site["role"],
            "name": site["name"], "area_code": site["area_code"],
            "sign_public_key": site["sign_public_key"], "age_recipient": site["age_recipient"],
            "fingerprint": site["fingerprint"]}


def export_certificate(ledger: Ledger) -> dict:
    """This site's certificate (the JSON `cert export` writes and `init --county-cert` reads)."""
    site = ledger.this_site()
    body = _body(site)
    cert = {**body, "self_signature": sign(ledger, canonical(body))}
    rotation = ledger.meta("cert_rotation")
    if rotation:
        cert["rotation"] = json.loads(rotation)
    starter = ledger.meta(STARTER_KEY)
    if starter:
        claim = json.loads(starter)
        cert["starter"] = {"starter_id": claim["starter_id"],
                           "proof": starter_proof(claim["secret"], body)}
    return cert


def verify_certificate(cert: object) -> dict:
    """The certificate's body if it is well formed and self-signed; else CertificateError."""
    if not isinstance(cert, dict) or cert.get("format") != FORMAT:
        raise CertificateError("证书格式无效（不是本程序导出的单位证书）。")
    if cert.get("version") != VERSION:
        raise CertificateError(f"证书版本{cert.get('version')}不受支持，请升级程序。")
    body = {k: cert.get(k) for k in _BODY_FIELDS}
    if not all(isinstance(v, (str, int)) and v != "" for v in body.values()):
        raise CertificateError("证书缺少必要字段。")
    if body["role"] not in ("township", "county"):
        raise CertificateError("证书中的单位类型无效。")
    try:
        x25519.Recipient.from_str(body["age_recipient"])
        expected = fingerprint(body["sign_public_key"], body["age_recipient"])
    except Exception:
        raise CertificateError("证书中的公钥无效。") from None
    if expected != body["fingerprint"]:
        raise CertificateError("证书指纹与公钥不符，证书可能被篡改。")
    if not verify(body["sign_public_key"], canonical(body), str(cert.get("self_signature", ""))):
        raise CertificateError("证书签名无效，证书可能被篡改。")
    return body


def load_certificate_file(path: Path) -> dict:
    path = Path(path)
    try:
        if path.stat().st_size > 64 * 1024:
            raise CertificateError(f"“{path.name}”过大，不是单位证书。")
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise CertificateError(f"找不到证书文件“{path}”。") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CertificateError(f"“{path.name}”不是有效的证书文件（JSON格式错误）。") from None


def pin_site(ledger: Ledger, body: dict) -> list[str]:
    """Record a peer's keys as trusted (after a person compared the fingerprint).

    One enrolled key per office code (SYNC.md property 7): a second site claiming a code
    that another trusted peer holds is never pinned beside it; only :func:`replace_site`
    (the deliberate re-keying) takes a code over, after revoking the key that held it.

    At a county, a township office pinned is a township of its list: its `townships` row
    (code and name from the certificate) is written with it, a tracked change that syncs,
    unless the list has the code already (storage/enrolled.py). Returns notes for the person
    (Chinese): a township of the same name under another code, to merge."""
    holder = enrolled_holder(ledger, body["area_code"], exclude=body["site_id"])
    if holder is not None:
        button = "乡镇" if holder["role"] == "township" else "县级"
        raise CertificateError(f"区划代码{body['area_code']}已登记为“{holder['name']}”（另一把密钥），"
                               f"不能再登记一个单位；如对方重装了电脑，请用“更换{button}密钥”"
                               "（shengui sync rekey）。")
    if is_revoked_key(ledger, body["sign_public_key"]):
        raise CertificateError(f"“{body['name']}”的这把密钥已被吊销，不能再登记。")
    now = datetime.now().isoformat(timespec="seconds")
    with ledger.transaction():
        ledger.conn.execute(
            "INSERT INTO sites(id, role, name, area_code, sign_public_key, age_recipient, fingerprint,"
            " is_self, trusted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 1, ?)"
            " ON CONFLICT(id) DO UPDATE SET role = excluded.role, name = excluded.name,"
            " area_code = excluded.area_code, sign_public_key = excluded.sign_public_key,"
            " age_recipient = excluded.age_recipient, fingerprint = excluded.fingerprint,"
            " trusted = 1",
            (body["site_id"], body["role"], body["name"], body["area_code"],
             body["sign_public_key"], body["age_recipient"], body["fingerprint"], now))
        ledger.conn.execute("INSERT OR IGNORE INTO peer_state(site_id) VALUES (?)", (body["site_id"],))
        if body["role"] == "township":
            enrolled.add_office_township(ledger, body["area_code"], body["name"])
    return township_notes(ledger, body) if body["role"] == "township" else []


def township_notes(ledger: Ledger, body: dict) -> list[str]:
    """What a person should know about the township of an enrolled office: another township
    of its name under a made-up code (an earlier spreadsheet import's), to merge."""
    code = body["area_code"]
    return [f"本台账另有同名乡镇“{t['name']}”（代码{t['code']}），可能是此前导入表格时临时分配的代码；"
            f"核对后可用“shengui townships merge {t['code']} --into {code}”把它合并到"
            f"“{body['name']}”（{code}）。" for t in enrolled.same_name_elsewhere(ledger, code)]


def enrolled_holder(ledger: Ledger, area_code: str, exclude: str | None = None) -> dict | None:
    """The trusted peer enrolled under `area_code` (other than site `exclude`), if any."""
    return ledger.one("SELECT * FROM sites WHERE is_self = 0 AND trusted = 1 AND area_code = ?"
                      " AND id != ? ORDER BY created_at, id LIMIT 1", (area_code, exclude or ""))


def revoked_keys(ledger: Ledger) -> list[dict]:
    """Peer signing keys this office no longer accepts: keys replaced by a rotation the peer
    vouched for, and keys revoked by a re-keying (newest first)."""
    return ledger.rows(
        "SELECT h.site_id, h.sign_public_key, h.fingerprint, h.replaced_at,"
        " coalesce(s.name, '') AS name, coalesce(s.area_code, '') AS area_code"
        " FROM site_key_history h LEFT JOIN sites s ON s.id = h.site_id"
        " WHERE h.site_id != ? ORDER BY h.replaced_at DESC", (ledger.site_id or "",))


def is_revoked_key(ledger: Ledger, sign_public_key: str) -> bool:
    return any(k["sign_public_key"] == sign_public_key for k in revoked_keys(ledger))


def revoked_signer(ledger: Ledger, data: bytes, signature_b64: str) -> dict | None:
    """The revoked key (with its office) that made this signature, if one did."""
    for key in revoked_keys(ledger):
        if verify(key["sign_public_key"], data, signature_b64):
            return key
    return None


def record_key_event(ledger: Ledger, kind: str, new: dict, old: dict | None = None, *,
                     package_id: str | None = None, note: str | None = None) -> None:
    """One line of the peer-key audit log (site_key_events). `new`: the certificate body or
    site row now trusted; `old`: the site row whose key it replaced."""
    ledger.conn.execute(
        "INSERT INTO site_key_events(at, kind, area_code, name, old_site_id, old_fingerprint,"
        " new_site_id, new_fingerprint, by_user, package_id, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (datetime.now().isoformat(timespec="seconds"), kind, new["area_code"], new["name"],
         old["id"] if old else None, old["fingerprint"] if old else None,
         new.get("site_id") or new["id"], new["fingerprint"], ledger.user, package_id, note))


def key_events(ledger: Ledger, area_code: str | None = None) -> list[dict]:
    if area_code is None:
        return ledger.rows("SELECT * FROM site_key_events ORDER BY id")
    return ledger.rows("SELECT * FROM site_key_events WHERE area_code = ? ORDER BY id", (area_code,))


def replace_site(ledger: Ledger, old: dict, body: dict, *, package_id: str | None = None) -> list[str]:
    """The deliberate re-keying of a peer (a township that reinstalled, checked by phone):
    the key of `old` (the enrolled site row) is revoked and `body` (a verified certificate
    of the same office code) is pinned in its place.

    A new site id (a new ledger) takes over the code: the old row stays, untrusted, with
    `revoked_at` and `replaced_by`, so its name still reads in conflicts; records that were
    to be re-sent to it go to the new site. The same site id gets its key replaced in place.
    Either way the old key joins site_key_history, and packages it signs are refused. The
    township row of the code stays as it is (pin_site adds it if it is missing); returns
    pin_site's notes."""
    if body["area_code"] != old["area_code"] or body["role"] != old["role"]:
        raise CertificateError(f"“{body['name']}”（{body['area_code']}）不是“{old['name']}”"
                               f"（{old['area_code']}），不能替换其密钥。")
    if body["sign_public_key"] == old["sign_public_key"]:
        raise CertificateError(f"“{old['name']}”登记的已是这把密钥，无需更换。")
    now = datetime.now().isoformat(timespec="seconds")
    with ledger.transaction():
        ledger.conn.execute(
            "INSERT INTO site_key_history(site_id, sign_public_key, age_recipient, fingerprint,"
            " replaced_at) VALUES (?, ?, ?, ?, ?)",
            (old["id"], old["sign_public_key"], old["age_recipient"], old["fingerprint"], now))
        if body["site_id"] != old["id"]:
            ledger.conn.execute("UPDATE sites SET trusted = 0, revoked_at = ?, replaced_by = ?"
                                " WHERE id = ?", (now, body["site_id"], old["id"]))
            ledger.conn.execute("UPDATE OR REPLACE sync_resend SET peer_site_id = ?"
                                " WHERE peer_site_id = ?", (body["site_id"], old["id"]))
        notes = pin_site(ledger, body)
        record_key_event(ledger, "rekey", body, old, package_id=package_id,
                         note="电话核对指纹后更换密钥，原密钥已吊销")
    return notes


def check_enrolment(ledger: Ledger, body: dict) -> None:
    """A county enrols townships of its own county; a township pins its own county."""
    me = ledger.this_site()
    if body["site_id"] == me["id"]:
        raise CertificateError("这是本单位自己的证书。")
    if me["role"] == body["role"]:
        raise CertificateError(f"对方“{body['name']}”与本单位同为{'县级' if me['role'] == 'county' else '乡镇'}，"
                               "乡镇只与县级交换同步包。")
    county_code = me["area_code"] if me["role"] == "county" else body["area_code"]
    town_code = body["area_code"] if me["role"] == "county" else me["area_code"]
    if not town_code.startswith(county_code[:6]):
        raise CertificateError(f"乡镇代码{town_code}不属于县级区划{county_code}，拒绝登记。")


def pin_county_certificate(ledger: Ledger, path: Path) -> dict:
    """`init --county-cert FILE`: a township pins its county's keys from the certificate file."""
    body = verify_certificate(load_certificate_file(path))
    if ledger.meta("role") != "township":
        raise CertificateError("只有乡镇台账需要导入县级证书。")
    if body["role"] != "county":
        raise CertificateError(f"“{body['name']}”的证书不是县级证书。")
    check_enrolment(ledger, body)
    with ledger.transaction():
        pin_site(ledger, body)
        record_key_event(ledger, "enrol", body, note="初始化时导入县级证书")
    return body


def county_site(ledger: Ledger) -> dict | None:
    return ledger.one("SELECT * FROM sites WHERE role = 'county' AND is_self = 0 AND trusted = 1")


def rotate_keys(ledger: Ledger) -> dict:
    """New signing and encryption keys; the new certificate is vouched for by the old key.

    The old encryption identity is kept so packages already on their way still open.
    """
    site = ledger.this_site()
    old_identity = ledger.scalar("SELECT age_identity FROM site_secrets WHERE site_id = ?", (site["id"],))
    new_key = Ed25519PrivateKey.generate()
    private = _b64(new_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                         serialization.NoEncryption()))
    public = _b64(new_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                    serialization.PublicFormat.Raw))
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    new_site = {**site, "sign_public_key": public, "age_recipient": recipient,
                "fingerprint": fingerprint(public, recipient)}
    body = _body(new_site)
    now = datetime.now().isoformat(timespec="seconds")
    with ledger.transaction():
        rotation = {"previous_sign_public_key": site["sign_public_key"],
                    "previous_fingerprint": site["fingerprint"],
                    "signature": sign(ledger, canonical(body)), "rotated_at": now}
        ledger.conn.execute(
            "INSERT INTO site_key_history(site_id, sign_public_key, age_recipient, fingerprint,"
            " age_identity, replaced_at) VALUES (?, ?, ?, ?, ?, ?)",
            (site["id"], site["sign_public_key"], site["age_recipient"], site["fingerprint"],
             old_identity, now))
        ledger.conn.execute(
            "UPDATE sites SET sign_public_key = ?, age_recipient = ?, fingerprint = ? WHERE id = ?",
            (public, recipient, new_site["fingerprint"], site["id"]))
        ledger.conn.execute("UPDATE site_secrets SET sign_private_key = ?, age_identity = ?"
                            " WHERE site_id = ?", (private, str(identity), site["id"]))
        ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('cert_rotation', ?)",
                            (json.dumps(rotation, ensure_ascii=False),))
        ledger.audit(audit.KEYS, "本单位密钥", f"更换本单位密钥：原指纹{site['fingerprint']}，"
                                               f"新指纹{new_site['fingerprint']}")
    return export_certificate(ledger)


def accept_rotation(ledger: Ledger, pinned: dict, cert: dict) -> bool:
    """Re-pin a peer whose certificate was rotated and vouched for by the pinned key.

    Returns False when the certificate is not a rotation of the pinned key.
    """
    body = verify_certificate(cert)
    rotation = cert.get("rotation")
    if (body["site_id"] != pinned["id"] or not isinstance(rotation, dict)
            or rotation.get("previous_sign_public_key") != pinned["sign_public_key"]
            or not verify(pinned["sign_public_key"], canonical(body), str(rotation.get("signature", "")))):
        return False
    now = datetime.now().isoformat(timespec="seconds")
    with ledger.transaction():
        ledger.conn.execute(
            "INSERT INTO site_key_history(site_id, sign_public_key, age_recipient, fingerprint,"
            " replaced_at) VALUES (?, ?, ?, ?, ?)",
            (pinned["id"], pinned["sign_public_key"], pinned["age_recipient"], pinned["fingerprint"], now))
        ledger.conn.execute(
            "UPDATE sites SET sign_public_key = ?, age_recipient = ?, fingerprint = ? WHERE id = ?",
            (body["sign_public_key"], body["age_recipient"], body["fingerprint"], pinned["id"]))
        record_key_event(ledger, "rotation", body, pinned, note="对方更换密钥，新密钥由原密钥签名确认")
    return True
