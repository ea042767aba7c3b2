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
import json
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyrage import x25519

from ..errors import UserError
from ..storage.ledger import Ledger

FORMAT = "shengui-certificate"
VERSION = 1
_BODY_FIELDS = ("format", "version", "site_id", "role", "name", "area_code", "sign_public_key",
                "age_recipient", "fingerprint")


class CertificateError(UserError):
    pass


def fingerprint(sign_public_key_b64: str, age_recipient: str) -> str:
    """What two people read to each other on the phone: 8 groups of 4 hex digits."""
    digest = hashlib.sha256(base64.b64decode(sign_public_key_b64) + age_recipient.encode()).hexdigest()
    return " ".join(digest[i:i + 4].upper() for i in range(0, 32, 4))


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
    site = ledger.one("SELECT * FROM sites WHERE is_self = 1")
    body = _body(site)
    cert = {**body, "self_signature": sign(ledger, canonical(body))}
    rotation = ledger.meta("cert_rotation")
    if rotation:
        cert["rotation"] = json.loads(rotation)
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


def pin_site(ledger: Ledger, body: dict) -> None:
    """Record a peer's keys as trusted (after a person compared the fingerprint)."""
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


def check_enrolment(ledger: Ledger, body: dict) -> None:
    """A county enrols townships of its own county; a township pins its own county."""
    me = ledger.one("SELECT * FROM sites WHERE is_self = 1")
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
    pin_site(ledger, body)
    return body


def county_site(ledger: Ledger) -> dict | None:
    return ledger.one("SELECT * FROM sites WHERE role = 'county' AND is_self = 0 AND trusted = 1")


def rotate_keys(ledger: Ledger) -> dict:
    """New signing and encryption keys; the new certificate is vouched for by the old key.

    The old encryption identity is kept so packages already on their way still open.
    """
    site = ledger.one("SELECT * FROM sites WHERE is_self = 1")
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
    return True
