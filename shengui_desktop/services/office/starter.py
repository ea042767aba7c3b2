"""A county's starter package for a new township (#21 item 5), both sides.

County (乡镇与部门 → 制作乡镇初始包…, `shengui sync starter`): :func:`make_starter` writes one
`.sgstart` file for a township of its list: the county's certificate, the township's name and
code, the active policy profile, the township's enterprises with their figures, pools and
records, the targets — as a full county package to that township — signed by the county's
key and encrypted under a one-time code (or a passphrase the county chose). The county
remembers the starter (and records it in its audit log); the township's first package,
signed by the key its ledger made when it opened the starter, is enrolled without a phone
check (sync/starter.py `enrolment`).

Township (the first-run wizard's 从县里的初始包开始, `shengui init --from-starter`):
:func:`preview_starter` opens the file with the code and says what it holds, writing
nothing; :func:`set_up_from_starter` creates the ledger (admin user and password of its
own), pins the county's certificate and imports everything in one transaction, in a hidden
file beside the ledger's place that takes the ledger's name only when all is done: a wrong
code, a changed or foreign file, a cancel or a crash leaves no ledger behind.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pyrage import x25519

from ...progress import Cancel, Job, Progress
from ...storage import audit
from ...storage.keyslots import keys_path_for
from ...storage import lock
from ...storage.lock import lock_path_for
from ...sync import certificates, exporter, importer
from ...sync import starter as format_
from .permissions import require
from .session import unlock
from .setup import OfficeSetUp, init_office

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

StarterError = format_.StarterError
SUFFIX = format_.SUFFIX
FILTER = format_.FILTER
normalise_code = format_.normalise_code
MIN_PASSPHRASE = format_.MIN_PASSPHRASE


# -- the county's side ---------------------------------------------------------------------------
@dataclass
class StarterMade:
    """What make_starter wrote. `code` is the one-time code to print (None when the county
    chose a passphrase)."""
    path: Path
    code: str | None
    township: str
    area_code: str
    county: str
    fingerprint: str
    enterprises: int
    profile: str
    entries: int

    def lines(self) -> list[str]:
        return [f"乡镇：{self.township}（{self.area_code}）", f"企业：{self.enterprises}户",
                f"政策配置：{self.profile}", f"县级证书：{self.county}，指纹 {self.fingerprint}",
                f"文件：{self.path}"]


def township_choices(ledger: Ledger) -> list[dict]:
    """The townships of the county's list a starter may be made for: (code, name, its
    enterprises, whether an office already holds the code, whether a starter was made)."""
    out = []
    for t in ledger.rows("SELECT code, name FROM townships ORDER BY code"):
        holder = certificates.enrolled_holder(ledger, t["code"])
        made = format_.pending(ledger, t["code"])
        out.append({**t, "enterprises": ledger.scalar(
            "SELECT count(*) FROM enterprises WHERE township_code = ?", (t["code"],)),
            "enrolled": holder is not None,
            "starter_made": (made or {}).get("issued_at"), "starter_used": (made or {}).get("used_at")})
    return out


def _township(ledger: Ledger, which: str) -> dict:
    which = (which or "").strip()
    row = ledger.one("SELECT code, name FROM townships WHERE code = ? OR name = ? ORDER BY code",
                     (which, which))
    if row is None:
        raise StarterError(f"乡镇列表中没有“{which}”：请先在“乡镇与部门”页添加该乡镇（名称和9位代码），"
                           "再为它制作初始包。")
    return row


def starter_file_name(ledger: Ledger, township: str) -> str:
    """The name the save dialog offers: `<code>_<township>_初始包_<county>.sgstart`."""
    town = _township(ledger, township)
    name = f"{town['code']}_{town['name']}_初始包_{ledger.this_site()['name']}"
    return "".join("-" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in name) + SUFFIX


def make_starter(ledger: Ledger, township: str, out: Path, *, passphrase: str | None = None,
                 overwrite: bool = False, progress: Progress | None = None,
                 cancel: Cancel = None) -> StarterMade:
    """Write the starter package for `township` (its code or name) to `out`.

    Refused (nothing written) when this is not a county ledger, the township is not on its
    list or already has an enrolled office (a reinstalled township is re-keyed instead),
    no policy profile is active, or `out` exists and `overwrite` is not given. The county's
    full package to the township, the starter's record (the key it expects) and the audit
    entry are one transaction; the file is written inside it, so a failure leaves neither."""
    require(ledger, "enrolment")
    job = Job(progress, cancel)
    me = ledger.this_site()
    if me["role"] != "county":
        raise StarterError("只有县级台账可以制作乡镇初始包。")
    town = _township(ledger, township)
    holder = certificates.enrolled_holder(ledger, town["code"])
    if holder is not None:
        raise StarterError(f"“{town['name']}”（{town['code']}）已有登记的台账（指纹{holder['fingerprint']}），"
                           "不再需要初始包。如该乡镇重装了电脑、原台账已丢失，请对方导出同步包后用"
                           "“更换乡镇密钥”登记其新台账。")
    profile = ledger.one("SELECT code, name, version FROM policy_profiles WHERE active = 1"
                         " ORDER BY version DESC, id")
    if profile is None:
        raise StarterError("本县尚未选择政策配置：请先在“政策配置”页选择，再制作初始包。")
    secret_text = format_.check_passphrase(passphrase) if passphrase is not None else format_.new_code()
    kind = "passphrase" if passphrase is not None else "code"
    out = Path(out)
    if out.suffix.lower() != SUFFIX:
        out = out.with_name(out.name + SUFFIX)
    if out.exists() and not overwrite:
        raise StarterError(f"文件“{out}”已存在，不会覆盖。请换一个文件名。")
    if not out.parent.is_dir():
        raise StarterError(f"文件夹“{out.parent}”不存在。")
    job.report("选择企业和数据", 0, 1)
    site_id = secrets.token_hex(8)
    identity = x25519.Identity.generate()
    peer = {"id": site_id, "role": "township", "name": town["name"], "area_code": town["code"],
            "fingerprint": "", "age_recipient": str(identity.to_public())}
    starter_id = secrets.token_hex(16)
    secret = format_.new_secret()
    summary = {
        "enterprises": ledger.scalar("SELECT count(*) FROM enterprises WHERE township_code = ?",
                                     (town["code"],)),
        "profile": dict(profile),
        "targets": ledger.scalar("SELECT count(*) FROM targets WHERE scope = 'township'"
                                 " AND township_code = ?", (town["code"],)),
    }
    written = False
    try:
        with ledger.transaction(), tempfile.TemporaryDirectory(prefix="shengui-starter-") as tmp:
            made = exporter.export_to(ledger, peer, Path(tmp), full=True,
                                      progress=lambda stage, done, total: job.report("选择企业和数据", done, total))
            job.report("加密并写入文件", 0, 1)
            package_file = made.path.read_bytes()
            sealed = format_.seal(ledger, township={"name": town["name"], "area_code": town["code"]},
                                  contents=format_.contents_json(
                                      certificate=certificates.export_certificate(ledger),
                                      township={"name": town["name"], "area_code": town["code"],
                                                "site_id": site_id},
                                      secret=secret, summary=summary, package_name=made.path.name,
                                      package_file=package_file, identity=str(identity)),
                                  kind=kind, secret_text=secret_text, starter_id=starter_id)
            job.check()
            format_.expect(ledger, {"starter_id": starter_id, "site_id": site_id, "secret": secret,
                                    "area_code": town["code"], "name": town["name"],
                                    "issued_at": datetime.now().isoformat(timespec="seconds"),
                                    "by": ledger.user or "", "file": out.name})
            ledger.audit(audit.ENROL, f"{town['name']}（{town['code']}）",
                         f"制作乡镇初始包“{out.name}”：企业{summary['enterprises']}户，政策配置{profile['name']}；"
                         "该乡镇凭此包建账后发来的第一个同步包将自动登记其密钥")
            try:
                format_.write(out, sealed)
                written = True
            except OSError as e:
                raise StarterError(f"无法写入“{out}”：{e.strerror or e}") from None
    except BaseException:
        if written:  # the transaction did not commit: the file would expect nothing
            out.unlink(missing_ok=True)
        raise
    job.tell("完成", 1, 1)
    return StarterMade(out, secret_text if kind == "code" else None, town["name"], town["code"],
                       me["name"], me["fingerprint"], summary["enterprises"], profile["name"],
                       made.entries)


# -- the township's side ------------------------------------------------------------------------
@dataclass
class StarterPreview:
    """A starter package opened with its code: what setting up from it will create."""
    path: Path
    county: str
    county_code: str
    fingerprint: str
    township: str
    area_code: str
    enterprises: int
    profile: str
    targets: int
    created_at: str
    opened: object = field(repr=False, default=None)  # the checked contents (sync/starter.py)

    def lines(self) -> list[str]:
        return [f"县级单位：{self.county}（{self.county_code}）",
                f"县级证书指纹：{self.fingerprint}",
                f"本乡镇：{self.township}（{self.area_code}）",
                f"企业：{self.enterprises}户（含月度数据、库别、走访等记录）",
                f"政策配置：{self.profile}",
                f"目标任务：{self.targets}项",
                f"制作时间：{self.created_at[:16].replace('T', ' ')}"]


def preview_starter(path: Path, code: str) -> StarterPreview:
    """Open `path` with the typed code and check everything; nothing is written. A wrong code,
    a changed, foreign or county file gets a StarterError in Chinese."""
    raw = format_.read(Path(path))
    opened = format_.open_starter(raw, code)
    s = opened.summary
    profile = s.get("profile") or {}
    return StarterPreview(raw.path, opened.certificate["name"], opened.certificate["area_code"],
                          opened.certificate["fingerprint"], opened.township["name"],
                          opened.township["area_code"], int(s.get("enterprises") or 0),
                          str(profile.get("name") or "（未注明）"), int(s.get("targets") or 0),
                          raw.manifest["created_at"], opened)


def _remove_ledger_files(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"),
              keys_path_for(path), lock_path_for(path)):
        try:
            p.unlink(missing_ok=True)
        except OSError:
            pass


def _clear_leftovers(ledger_path: Path) -> None:
    """Work files of a set-up that was killed half-way (its hidden ledger and keys beside
    `ledger_path`); one whose writer lock is still held is another set-up at work: kept."""
    for leftover in ledger_path.parent.glob(f".{ledger_path.stem}.starter-*{ledger_path.suffix}"):
        try:
            held = lock.acquire(leftover)
        except lock.LedgerInUse:
            continue
        held.release()
        _remove_ledger_files(leftover)


def set_up_from_starter(ledger_path: Path, preview: StarterPreview, *, admin_user: str,
                        password: str, display_name: str | None = None,
                        progress: Progress | None = None, cancel: Cancel = None) -> OfficeSetUp:
    """Create the township's ledger at `ledger_path` from a previewed starter package.

    The ledger is built under a hidden name beside `ledger_path` (its keys made, the county's
    certificate pinned, the county's package imported: one transaction) and renamed to
    `ledger_path` only when all of it is done; any failure or a cancel removes it, so nothing
    is left. Returns the opened ledger and its recovery code, as set_up_office does."""
    ledger_path = Path(ledger_path)
    job = Job(progress, cancel)
    opened = preview.opened
    if not isinstance(opened, format_.Opened):
        raise StarterError("请先输入初始码，核对初始包的内容。")
    for p in (ledger_path, keys_path_for(ledger_path)):
        if p.exists():
            raise StarterError(f"本机已有台账“{p}”：初始包只用于在新电脑上新建乡镇台账，不会覆盖已有的台账。"
                               "如需重新建账，请先把原台账移走（并保留其备份）。")
    ledger_path.parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(ledger_path)
    town = opened.township
    work = ledger_path.with_name(f".{ledger_path.stem}.starter-{secrets.token_hex(4)}{ledger_path.suffix}")
    job.report("创建加密台账", 0, 3)
    ledger = None
    try:
        ledger, recovery = init_office(work, role="township", name=town["name"],
                                       area_code=town["area_code"], admin_user=admin_user,
                                       password=password, display_name=display_name,
                                       site_id=town["site_id"])
        job.check()
        job.report("导入县级证书和企业数据", 1, 3)
        body = opened.certificate
        with ledger.transaction(), tempfile.TemporaryDirectory(prefix="shengui-starter-") as tmp:
            certificates.check_enrolment(ledger, body)
            certificates.pin_site(ledger, body)
            certificates.record_key_event(ledger, "enrol", body, note="从县里制作的初始包导入县级证书")
            ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                                (certificates.STARTER_KEY, _claim(opened)))
            inner = Path(tmp) / opened.package_name
            inner.write_bytes(opened.package)
            results = importer.import_files(
                ledger, [inner], identities=[x25519.Identity.from_str(opened.identity)],
                progress=lambda stage, done, total: job.report("导入县级证书和企业数据", done, total),
                cancel=cancel)
            ledger.audit(audit.KEYS, f"{body['name']}（{body['area_code']}）",
                         f"从县里的初始包“{preview.path.name}”建账：县级证书指纹{body['fingerprint']}")
        enterprises = ledger.scalar("SELECT count(*) FROM enterprises")
        job.check()
        job.report("完成", 3, 3)
        ledger.close()
        ledger = None
        for suffix in ("-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        if ledger_path.exists() or keys_path_for(ledger_path).exists():
            raise StarterError(f"本机已有台账“{ledger_path}”，不会覆盖。")
        os.replace(keys_path_for(work), keys_path_for(ledger_path))
        os.replace(work, ledger_path)
    except BaseException:
        if ledger is not None:
            ledger.close()
        _remove_ledger_files(work)
        raise
    opened_ledger = unlock(ledger_path, password=password, user=admin_user)
    made = OfficeSetUp(opened_ledger, recovery)
    made.done.append(f"已导入县级证书（{body['name']}，指纹{body['fingerprint']}）。")
    made.done.append(f"已导入企业{enterprises}户及其数据，政策配置：{preview.profile}。")
    made.done += [f"注意：{w}" for r in results for w in r.warnings]
    made.done.append("请导出第一个同步包交给县里：县里导入时会自动登记本乡镇的密钥。")
    return made


def _claim(opened: format_.Opened) -> str:
    return json.dumps({"starter_id": opened.starter_id, "secret": opened.secret})
