"""Setting up an office: the encrypted ledger, this site's keys, the first reference data, and
either the county's certificate (a township) or the policy profile (a county).

The set-up wizard and `shengui init` both call :func:`set_up_office`. Everything that can be
checked before a file is written is checked first (name, area code, the certificate file), so
bad input leaves nothing behind.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import x25519

from ...domain.fingerprint import fingerprint
from ...domain.text import checked_name, checked_user_name
from ...errors import UserError
from ...storage.files import create_ledger
from ...sync import certificates

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

ROLES = {"township": "乡镇（街道）", "county": "县（区、市）"}


def check_area_code(role: str, area_code: str) -> None:
    if role not in ROLES:
        raise UserError(f"角色“{role}”无效，应为township（乡镇）或county（县）")
    digits = 9 if role == "township" else 6
    if not (area_code.isascii() and area_code.isdigit() and len(area_code) == digits):
        kind = "乡镇（街道）代码应为9位数字" if role == "township" else "县级区划代码应为6位数字"
        raise UserError(f"区划代码“{area_code}”无效：{kind}")


def init_office(path: Path, *, role: str, name: str, area_code: str, admin_user: str,
                password: str, display_name: str | None = None,
                site_id: str | None = None) -> tuple[Ledger, str]:
    """Create the office's ledger and signing/encryption keys; returns (ledger, recovery code).
    `site_id`: given by a county's starter package (services/office/starter.py), else new."""
    name = checked_name(name, "单位名称", "office")
    if not name:
        raise UserError("单位名称不能为空")
    check_area_code(role, area_code)
    admin_user = checked_user_name(admin_user)
    ledger, recovery = create_ledger(path, role=role, name=name, area_code=area_code,
                                     admin_user=admin_user, password=password,
                                     display_name=display_name, site_id=site_id)
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


def check_county_certificate(path: Path, area_code: str) -> dict:
    """Read and verify the county's certificate file for a township with `area_code`, before
    anything is written: a well-formed, self-signed certificate of a county that this township
    belongs to. Returns the certificate's body; CertificateError says what is wrong."""
    body = certificates.verify_certificate(certificates.load_certificate_file(Path(path)))
    if body["role"] != "county":
        raise certificates.CertificateError(f"“{body['name']}”的证书不是县级证书。")
    if not area_code.startswith(str(body["area_code"])[:6]):
        raise certificates.CertificateError(
            f"乡镇代码{area_code}不属于县级区划{body['area_code']}，拒绝登记。")
    return body


@dataclass
class OfficeSetUp:
    """What set-up made. `ledger` is open (the caller closes it); `recovery_code` is shown once."""

    ledger: Ledger
    recovery_code: str
    done: list[str] = field(default_factory=list)      # the steps after creation that were done
    problems: list[str] = field(default_factory=list)  # the steps that failed; the ledger is kept

    @property
    def notes(self) -> list[str]:
        """The lines the wizard shows under "台账已创建。"."""
        return self.done + [f"台账已创建，但：{p}" for p in self.problems]


def set_up_office(path: Path, *, role: str, name: str, area_code: str, admin_user: str,
                  password: str, display_name: str | None = None,
                  county_certificate: Path | None = None, profile: str | None = None) -> OfficeSetUp:
    """Create the office's ledger and keys, then pin the county's certificate (a township) and
    choose the policy profile (`profile`: a shipped profile's code or name).

    Bad input (name, area code, a certificate that would be refused) raises UserError before
    any file is written. A later step that fails (say, an unknown profile) does not undo the
    ledger, whose recovery code must still reach the person: it is listed in `problems` and can
    be done again later (sync page, `shengui profile choose`).
    """
    if not name.strip():
        raise UserError("单位名称不能为空")
    check_area_code(role, area_code)
    if county_certificate:
        if role != "township":
            raise certificates.CertificateError("只有乡镇台账需要导入县级证书。")
        check_county_certificate(county_certificate, area_code)
    ledger, recovery = init_office(path, role=role, name=name, area_code=area_code,
                                   admin_user=admin_user, password=password,
                                   display_name=display_name)
    made = OfficeSetUp(ledger, recovery)
    try:
        if county_certificate:
            try:
                certificates.pin_county_certificate(ledger, Path(county_certificate))
                made.done.append("已导入县级证书。")
            except UserError as e:
                made.problems.append(str(e))
        if profile:
            from .. import policy

            try:
                policy.choose_profile(ledger, profile)
                made.done.append("已选择政策配置。")
            except UserError as e:
                made.problems.append(str(e))
    except BaseException:
        ledger.close()
        raise
    return made
