"""Checking who sent each file before anything of it is decrypted or applied: addressed to
this office, sent by an enrolled office with a valid signature (or a new one a person
accepted by its fingerprint, one set up from this county's starter package, a re-keyed one),
which copy of its ledger made it. sync/importer.py applies what passes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import package, starter
from .errors import PackageRejected
from .senders import (Accepted, Rekey, accepted_fingerprints, certificate_of_body, confirmed_certificate,
                      enrolled_elsewhere, normalise_fingerprint, not_for_this_site, revoked_refusal,
                      sender_status)
from ..storage import origins

if TYPE_CHECKING:
    from ..storage.ledger import Ledger


@dataclass
class Verified:
    raw: package.RawPackage
    sender: dict                    # the sender's site row (pinned, or to be pinned)
    enrol: dict | None = None       # certificate body to pin (new site accepted by a person)
    rotate: dict | None = None      # rotated certificate vouched for by the pinned key
    replaces: dict | None = None    # re-keying: the enrolled site row whose key `enrol` replaces
    already: bool = False
    starter: dict | None = None     # the county's starter record that enrols `enrol` (sync/starter.py)
    device: str = ""                # the origin of the copy of the sender's ledger that made it
    retired: list = field(default_factory=list)  # origins that copy no longer writes under


def verify(ledger: Ledger, path: Path | package.RawPackage, accept_fingerprint: Accepted = None,
           rekey: Rekey | None = None) -> Verified:
    """Everything that needs no decryption: read (unless `path` was read already), address,
    signature, enrolment.

    `accept_fingerprint`: the fingerprint(s) a person confirmed for new offices; a new
    office is enrolled only with the one its own certificate has.

    `rekey`: the package comes from an office whose code is enrolled under another key and
    a person confirmed its new key by phone (services.sync.rekey_site)."""
    raw = path if isinstance(path, package.RawPackage) else package.read(path)
    m, name = raw.manifest, raw.path.name
    me = ledger.this_site()
    recipient = m["recipient"]
    if recipient["site_id"] != me["id"]:
        raise not_for_this_site(name, recipient, me)
    sender_claim = m["sender"]
    if sender_claim["site_id"] == me["id"]:
        raise PackageRejected("own", f"“{name}”是本单位自己导出的包，不能导入。")
    st = sender_status(ledger, raw)
    site = st.site
    who = f"“{sender_claim['name']}”（{sender_claim['area_code']}）"
    if st.revoked is not None:
        raise revoked_refusal(name, st.revoked)
    if rekey is not None:
        if sender_claim["area_code"] != rekey.area_code:
            raise PackageRejected("rekey_mismatch", f"“{name}”来自{who}，不是要更换密钥的区划代码"
                                                    f"{rekey.area_code}的单位，拒绝导入。")
        if st.conflict is None:
            if st.pinned or st.rotation is not None:
                raise PackageRejected("rekey_not_needed", f"“{name}”是用{who}已登记的密钥签名的，无需更换密钥，"
                                                          "请直接导入。")
            if not st.trusted:
                raise PackageRejected("rekey_not_enrolled", f"区划代码{rekey.area_code}没有已登记的单位，无需更换密钥；"
                                                            "新单位请核对指纹后登记（--accept-new-site）。")
            # a trusted site, and a package its key did not sign: refused as forged below
        else:
            body = confirmed_certificate(ledger, raw, rekey.fingerprint, show_fingerprint=False)
            verified = Verified(raw, certificate_of_body(body), enrol=body, replaces=st.conflict)
            verified.already = ledger.scalar("SELECT 1 FROM imported_packages WHERE package_id = ?",
                                             (m["package_id"],)) is not None
            device_of(ledger, verified)
            return verified
    if st.conflict is not None:
        raise enrolled_elsewhere(name, st.conflict)
    by_starter = None if st.trusted else starter.enrolment(ledger, raw)
    if by_starter is not None:
        # the first package of a township set up from this county's starter package
        verified = Verified(raw, certificate_of_body(by_starter[0]), enrol=by_starter[0],
                            starter=by_starter[1])
    elif not st.trusted:
        cert = m.get("sender_certificate")
        fp = cert.get("fingerprint") if isinstance(cert, dict) else None
        accepted = accepted_fingerprints(accept_fingerprint)
        if not accepted:
            raise PackageRejected(
                "unknown_sender",
                f"“{name}”来自未登记的单位{who}，拒绝导入。如确认是该单位发来的，请与对方电话核对"
                f"密钥指纹“{fp or '（包中没有证书）'}”，核对一致后用 --accept-new-site 指纹 重新导入。")
        # each accepted fingerprint is only for the office whose certificate has it
        typed = normalise_fingerprint(str(fp or ""))
        if typed not in accepted:
            given = f"{len(accepted)}个指纹都" if len(accepted) > 1 else "指纹"
            raise PackageRejected(
                "fingerprint",
                f"{who}的密钥指纹与您输入的{given}不一致，拒绝导入。包中的指纹为“{fp or '（包中没有证书）'}”。"
                "如果它是另一个新单位，请与该单位电话核对后，为它再加一个 --accept-new-site 指纹"
                "（每个新单位一个）。")
        body = confirmed_certificate(ledger, raw, typed)
        verified = Verified(raw, certificate_of_body(body), enrol=body)
    else:
        if not st.pinned and st.rotation is None:
            raise PackageRejected(
                "signature", f"“{name}”的签名验证失败：它不是由“{site['name']}”的已登记密钥签发的"
                             "（文件被改动，或是伪造的包），拒绝导入。")
        if sender_claim["area_code"] != site["area_code"] or sender_claim.get("role", site["role"]) != site["role"]:
            raise PackageRejected("signature", f"“{name}”声明的发送单位与已登记的不符，拒绝导入。")
        verified = Verified(raw, {**site, "site_id": site["id"]}, rotate=st.rotation)
    verified.already = ledger.scalar("SELECT 1 FROM imported_packages WHERE package_id = ?",
                                     (m["package_id"],)) is not None
    device_of(ledger, verified)
    return verified


def device_of(ledger: Ledger, v: Verified) -> None:
    """The copy of the sender's ledger that made the package (manifest `sender.origin`; a
    package without it comes from the ledger as it was made: its site id), the origins it
    stopped using (`sender.retired`), and for the checks, which origins are the sender's
    and which another office's (docs/sync-format.md, "Copies of a ledger")."""
    claim, name = v.raw.manifest["sender"], v.raw.path.name
    site_id = v.sender["site_id"]
    device = claim.get("origin", site_id)
    retired = claim.get("retired", [])
    if not _origin_ok(device) or not isinstance(retired, list) or not all(map(_origin_ok, retired)):
        raise PackageRejected("manifest", f"“{name}”的清单无效：设备编号无效，拒绝导入。")
    foreign = origins.foreign_origins(ledger, site_id)
    if device in foreign or foreign.intersection(retired):
        raise PackageRejected("unauthorised", f"“{name}”声明的设备编号属于其他单位，拒绝导入。")
    v.device, v.retired = device, [r for r in retired if r != device]
    v.sender["origins"] = origins.origins_of(ledger, site_id)
    v.sender["foreign_origins"] = foreign


def _origin_ok(value: object) -> bool:
    return isinstance(value, str) and len(value) == 16 and all(ch in "0123456789abcdef" for ch in value)


def verify_all(ledger: Ledger, paths: list[Path], accepted: Accepted,
                rekey: Rekey | None) -> list[Verified]:
    """verify() every file. Files from offices nobody accepted yet are refused together, one
    line per office with its fingerprint (a county gets the first packages of several new
    townships at once); two new offices claiming one code are both refused (SYNC.md
    property 7: one key per office code, a person must find out which one is real)."""
    verified: list[Verified] = []
    unknown: dict[str, tuple[PackageRejected, str]] = {}   # sender id -> refusal, its line
    for path in paths:
        raw = package.read(path)
        try:
            verified.append(verify(ledger, raw, accepted, rekey))
        except PackageRejected as e:
            if e.reason != "unknown_sender":
                raise
            m = raw.manifest
            claim, cert = m["sender"], m.get("sender_certificate")
            fp = cert.get("fingerprint") if isinstance(cert, dict) else None
            unknown.setdefault(claim["site_id"], (e, f"· “{claim['name']}”（{claim['area_code']}）："
                                                     f"密钥指纹“{fp or '（包中没有证书）'}”（如“{path.name}”）"))
    if len(unknown) == 1:
        raise next(iter(unknown.values()))[0]
    if unknown:
        raise PackageRejected(
            "unknown_sender",
            f"所选文件来自{len(unknown)}个未登记的单位，拒绝导入：\n" + "\n".join(line for _e, line in unknown.values())
            + "\n如确认是这些单位发来的，请逐一与对方电话核对密钥指纹，核对一致后每个单位各用一个"
            " --accept-new-site 指纹 重新导入（如 --accept-new-site \"指纹1\" --accept-new-site \"指纹2\"）。")
    claims: dict[str, dict[str, dict]] = {}
    for v in verified:
        if v.enrol is not None and v.replaces is None:
            claims.setdefault(v.enrol["area_code"], {})[v.enrol["site_id"]] = v.enrol
    for code, offices in claims.items():
        if len(offices) > 1:
            named = "；".join(f"“{b['name']}”（指纹{b['fingerprint']}）" for b in offices.values())
            raise PackageRejected(
                "enrolled_other_key",
                f"所选文件中有{len(offices)}个不同的单位都声称是区划代码{code}：{named}。"
                "一个区划代码只登记一把密钥，其中至少一个是冒充者或重装前的旧台账：拒绝导入，台账未作任何修改。"
                "请打电话核实哪一个是真的，只接受它的指纹，另一个的文件不要导入。")
    return verified


def pinned(ledger: Ledger, site_id: str, sign_public_key: str) -> bool:
    return ledger.scalar("SELECT 1 FROM sites WHERE id = ? AND trusted = 1 AND sign_public_key = ?",
                         (site_id, sign_public_key)) is not None
