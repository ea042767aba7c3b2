"""Setting up an office: the ledger, this site's keys, the first reference data."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import x25519

from ...errors import UserError
from ...storage.files import create_ledger
from ...storage.ledger import Ledger
from ...sync.certificates import fingerprint

ROLES = {"township": "乡镇（街道）", "county": "县（区、市）"}


def check_area_code(role: str, area_code: str) -> None:
    if role not in ROLES:
        raise UserError(f"角色“{role}”无效，应为township（乡镇）或county（县）")
    digits = 9 if role == "township" else 6
    if not (area_code.isdigit() and len(area_code) == digits):
        kind = "乡镇（街道）代码应为9位数字" if role == "township" else "县级区划代码应为6位数字"
        raise UserError(f"区划代码“{area_code}”无效：{kind}")


def init_office(path: Path, *, role: str, name: str, area_code: str, admin_user: str,
                password: str, display_name: str | None = None) -> tuple[Ledger, str]:
    """Create the office's ledger and signing/encryption keys; returns (ledger, recovery code)."""
    name = name.strip()
    if not name:
        raise UserError("单位名称不能为空")
    check_area_code(role, area_code)
    ledger, recovery = create_ledger(path, role=role, name=name, area_code=area_code,
                                     admin_user=admin_user, password=password,
                                     display_name=display_name)
    sign_key = Ed25519PrivateKey.generate()
    sign_private = base64.b64encode(sign_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption())).decode()
    sign_public = base64.b64encode(sign_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    with ledger.transaction():
        ledger.conn.execute(
            "UPDATE sites SET sign_public_key = ?, age_recipient = ?, fingerprint = ? WHERE id = ?",
            (sign_public, recipient, fingerprint(sign_public, recipient), ledger.site_id))
        ledger.conn.execute(
            "INSERT INTO site_secrets(site_id, sign_private_key, age_identity) VALUES (?, ?, ?)",
            (ledger.site_id, sign_private, str(identity)))
        if role == "township":
            from ..ledger.reference import add_township
            add_township(ledger, area_code, name)
    return ledger, recovery


def this_site(ledger: Ledger) -> dict:
    return ledger.one("SELECT * FROM sites WHERE is_self = 1")


def unsynced_change_count(ledger: Ledger) -> int:
    """Changes made at this site that no package has carried yet.

    First approximation until sync records what was exported: this site's change-log entries
    beyond the highest sequence a peer has acknowledged (0 when nothing was ever sent). Site
    sequence numbers are consecutive, so this is a subtraction, not a count over the log.
    """
    import json

    acked = 0
    for (vector,) in ledger.conn.execute("SELECT acked_vector FROM peer_state"):
        try:
            acked = max(acked, int(json.loads(vector or "{}").get(ledger.site_id, 0)))
        except (ValueError, TypeError, AttributeError):
            continue
    latest = ledger.scalar("SELECT max_seq FROM version_vector WHERE site_id = ?",
                           (ledger.site_id,)) or 0
    return max(0, latest - acked)
