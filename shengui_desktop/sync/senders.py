"""Who sent a package: the sender's identity against the offices this ledger has enrolled.

A known key, a key change the old key vouched for, a new office a person accepted by its
fingerprint, an office re-keyed after a phone check — or a refusal that says which of the
impostor, revoked-key or wrong-recipient cases it is (docs/sync-format.md, property 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from . import certificates, package
from .errors import PackageRejected

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

def normalise_fingerprint(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


# What a person accepted for new offices: one fingerprint, or several (one per new office,
# `sync import --accept-new-site A --accept-new-site B`).
Accepted = str | Iterable[str] | None


def accepted_fingerprints(accepted: Accepted) -> list[str]:
    """The fingerprints given, normalised, without blanks or repeats."""
    values = [accepted] if isinstance(accepted, str) else list(accepted or ())
    out: list[str] = []
    for value in values:
        plain = normalise_fingerprint(str(value or ""))
        if plain and plain not in out:
            out.append(plain)
    return out


def _short(fp: object) -> str:
    """The first two groups of a fingerprint, as a window shows them (for messages)."""
    plain = normalise_fingerprint(str(fp or ""))
    if not plain:
        return "（未注明）"
    return " ".join(plain[i:i + 4] for i in (0, 4) if plain[i:i + 4]) + "…"


def not_for_this_site(name: str, recipient: dict, me: dict) -> PackageRejected:
    """The refusal of a package addressed to another site. When that site has this office's
    own code it is another ledger of this same office (a second laptop set up for it, or
    the ledger from before a reinstall): say which, by its key fingerprint, so nobody reads
    it as "not for our township"."""
    who = f"“{recipient['name']}”（{recipient['area_code']}）"
    if recipient["area_code"] != me["area_code"]:
        return PackageRejected("recipient", f"“{name}”是发给{who}的，不是发给本单位“{me['name']}”"
                                            f"（{me['area_code']}）的，拒绝导入。")
    button = "更换乡镇密钥" if me["role"] == "township" else "更换县级密钥"
    return PackageRejected(
        "recipient",
        f"“{name}”是发给{who}另一台电脑上的台账的（该台账的证书指纹为{_short(recipient.get('fingerprint'))}），"
        f"不是发给本机台账的（本机证书指纹为{_short(me['fingerprint'])}），拒绝导入，台账未作任何修改。\n"
        f"对方为本单位的区划代码只登记一把密钥，它发出的同步包只能在指纹为{_short(recipient.get('fingerprint'))}的"
        "那台电脑上导入。如果本机台账是后来新建的（例如重装了电脑），需由对方电话核对本机证书指纹后"
        f"“{button}”，此后对方导出的同步包才是发给本机的。")


@dataclass(frozen=True)
class Rekey:
    """A person's decision, after a phone call, to replace the key enrolled for `area_code`
    by the key whose fingerprint the office read out (`fingerprint`)."""
    area_code: str
    fingerprint: str


@dataclass
class SenderStatus:
    """What this ledger makes of a package's sender before anything is decrypted."""
    site: dict | None               # the site row of the claimed sender id, if any
    pinned: bool                    # signed with the key pinned for that (trusted) site
    rotation: dict | None           # else: a rotated certificate vouched for by the pinned key
    revoked: dict | None            # else: the revoked key that signed it (or the revoked site)
    conflict: dict | None           # else: the enrolled site whose code it claims under another key

    @property
    def trusted(self) -> bool:
        return self.site is not None and bool(self.site["trusted"])


def _vouched_rotation(site: dict, raw: package.RawPackage) -> dict | None:
    cert = raw.manifest.get("sender_certificate")
    if not isinstance(cert, dict) or not isinstance(cert.get("rotation"), dict):
        return None
    try:
        body = certificates.verify_certificate(cert)
    except Exception:  # noqa: BLE001 - any broken certificate is simply no rotation
        return None
    if (body["site_id"] == site["id"]
            and cert["rotation"].get("previous_sign_public_key") == site["sign_public_key"]
            and certificates.verify(site["sign_public_key"], certificates.canonical(body),
                                    str(cert["rotation"].get("signature", "")))
            and certificates.verify(body["sign_public_key"], raw.manifest_bytes, raw.signature)):
        return cert
    return None


def _self_consistent(raw: package.RawPackage) -> dict | None:
    """The sender certificate's body when it is valid, matches the manifest's sender and
    the package is signed with its key: a real office's package, whoever that office is."""
    try:
        body = certificates.verify_certificate(raw.manifest.get("sender_certificate"))
    except Exception:  # noqa: BLE001
        return None
    claim = raw.manifest["sender"]
    if body["site_id"] != claim["site_id"] or body["area_code"] != claim["area_code"]:
        return None
    if not certificates.verify(body["sign_public_key"], raw.manifest_bytes, raw.signature):
        return None
    return body


def sender_status(ledger: Ledger, raw: package.RawPackage) -> SenderStatus:
    """Who sent this package, as far as the pinned keys tell (SYNC.md properties 5 and 7).

    A package not signed with the pinned key is looked at further: signed by a key this
    office revoked (a rotation it followed, a re-keying) → `revoked`; a rotation vouched for
    by the pinned key → `rotation`; a site claiming an office code that another enrolled
    site holds, or the enrolled site id with a key that is neither pinned nor vouched for
    → `conflict` (an impostor or a reinstall: never enrolled beside the first)."""
    claim = raw.manifest["sender"]
    site = ledger.one("SELECT * FROM sites WHERE id = ? AND is_self = 0", (claim["site_id"],))
    st = SenderStatus(site, False, None, None, None)
    if st.trusted and certificates.verify(site["sign_public_key"], raw.manifest_bytes, raw.signature):
        # a ledger from before property 7 was enforced may hold a second key for a code:
        # the first enrolled keeps it, a later one is refused until a re-keying picks one
        holder = certificates.enrolled_holder(ledger, site["area_code"], exclude=site["id"])
        if holder is not None and (holder["created_at"], holder["id"]) < (site["created_at"], site["id"]):
            st.conflict = holder
        else:
            st.pinned = True
        return st
    st.revoked = certificates.revoked_signer(ledger, raw.manifest_bytes, raw.signature)
    if st.revoked is None and site is not None and site["revoked_at"]:
        st.revoked = {"site_id": site["id"], "name": site["name"], "area_code": site["area_code"],
                      "fingerprint": site["fingerprint"], "replaced_at": site["revoked_at"]}
    if st.revoked is not None:
        return st
    if not st.trusted:
        st.conflict = certificates.enrolled_holder(ledger, claim["area_code"], exclude=claim["site_id"])
        return st
    st.rotation = _vouched_rotation(site, raw)
    if st.rotation is None and _self_consistent(raw) is not None:
        st.conflict = site
    return st


def _office(role: str) -> tuple[str, str]:
    """(who reinstalls, whose key the window replaces) for a peer of `role`."""
    return ("乡镇", "乡镇") if role == "township" else ("县里", "县级")


def enrolled_elsewhere(name: str, holder: dict) -> PackageRejected:
    """The refusal of a package claiming `holder`'s office code under another key."""
    kind, button = _office(holder["role"])
    code = holder["area_code"]
    return PackageRejected(
        "enrolled_other_key",
        f"“{name}”拒绝导入：已登记的{holder['name']}使用另一把密钥；可能是冒充，或{kind}重装了电脑。\n"
        f"区划代码{code}已由{holder['name']}登记（登记的指纹{holder['fingerprint']}），"
        "一个区划代码只登记一把密钥：此包不会被登记为新单位（--accept-new-site 也不能），台账未作任何修改。\n"
        f"请打电话给{holder['name']}核实：\n"
        "· 对方仍有原来的台账（原密钥）：请对方用原台账导出同步包；如需换钥，请对方在原台账的“数据同步”页点"
        "“更换密钥”（shengui sync rotate-keys），新密钥由原密钥签名，本单位导入时自动更新；\n"
        "· 对方确已重装、原密钥已丢失：请对方读出本机证书指纹，逐组核对后在“数据同步”页点"
        f"“更换{button}密钥”，或运行 shengui sync rekey --area-code {code} --fingerprint \"对方读出的指纹\" "
        "此文件。更换后原密钥即被吊销，用它签名的同步包一律拒绝导入。")


def revoked_refusal(name: str, key: dict) -> PackageRejected:
    when = str(key.get("replaced_at") or "")[:10]
    who = f"“{key['name']}”（{key['area_code']}）" if key.get("name") else "对方"
    return PackageRejected(
        "revoked",
        f"“{name}”是用已吊销的密钥签名的，拒绝导入：{who}的原密钥（指纹{key['fingerprint']}）"
        f"已于{when}吊销（已更换为新密钥），此后用它签名的同步包一律拒绝导入。"
        "如果这是对方新近导出的，说明它出自原来的电脑或台账，请对方用现在登记的台账重新导出；"
        "否则该文件可能来自丢失的电脑或冒充者。台账未作任何修改。")


def confirmed_certificate(ledger: Ledger, raw: package.RawPackage, typed: str, *,
                           show_fingerprint: bool = True) -> dict:
    """The sender certificate a person confirmed by typing its fingerprint (heard on the
    phone): valid, the fingerprint equal, matching the manifest, an office this one may
    enrol, and the package signed with its key."""
    m, name = raw.manifest, raw.path.name
    claim = m["sender"]
    who = f"“{claim['name']}”（{claim['area_code']}）"
    body = certificates.verify_certificate(m.get("sender_certificate"))
    if normalise_fingerprint(typed) != normalise_fingerprint(body["fingerprint"]):
        shown = f"包中的指纹为“{body['fingerprint']}”。" if show_fingerprint else "请再次与对方电话核对。"
        raise PackageRejected("fingerprint", f"{who}的密钥指纹与您输入的不一致，拒绝导入。" + shown)
    if body["site_id"] != claim["site_id"] or body["area_code"] != claim["area_code"]:
        raise PackageRejected("signature", f"“{name}”的发送单位与其证书不符，拒绝导入。")
    certificates.check_enrolment(ledger, body)
    if not certificates.verify(body["sign_public_key"], raw.manifest_bytes, raw.signature):
        raise PackageRejected("signature", f"“{name}”的签名验证失败（文件被改动或伪造），拒绝导入。")
    return body


def certificate_of_body(body: dict) -> dict:
    return {"id": body["site_id"], "site_id": body["site_id"], "role": body["role"],
            "name": body["name"], "area_code": body["area_code"]}
