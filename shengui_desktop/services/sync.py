"""Sync use cases the window and the command line call (one function per user action).

Long work takes `progress(stage, done, total)` and a `cancel` flag (a threading.Event or a
callable returning True to stop: shengui_desktop.progress); a cancelled import raises
ImportCancelled, rolls back and changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.money import format_wan
from ..domain.records import (FIELD_LABELS, ISSUE_CATEGORIES, ISSUE_STATUSES, POOLS, SOURCES, STAT_STATUSES, VISIT_KINDS)
from ..errors import UserError
from ..progress import Cancel, Progress
from ..storage import origins
from ..sync import certificates, conflicts, duplicates, exporter, importer, package, senders, starter
from ..sync.errors import PackageRejected
from ..sync.rules import label as table_label
from .office.permissions import require

if TYPE_CHECKING:
    from ..storage.ledger import Ledger


def export_packages(ledger: Ledger, out_dir: Path, *, full: bool = False, to: str | None = None,
                    progress: Progress | None = None) -> list[exporter.ExportResult]:
    """One package per peer (a township has one: its county)."""
    require(ledger, "sync")
    return [exporter.export_to(ledger, peer, Path(out_dir), full=full, progress=progress)
            for peer in exporter.find_peer(ledger, to)]


def import_packages(ledger: Ledger, paths: list[Path], *, accept_fingerprint: senders.Accepted = None,
                    progress: Progress | None = None, cancel: Cancel = None) -> list[importer.ImportResult]:
    """Import the chosen files, all or none. `accept_fingerprint`: the fingerprint a person
    confirmed by phone for a new office, or several (one per new office: a county receiving
    the first packages of several townships at once); each enrols only the office whose
    certificate has it."""
    require(ledger, "enrolment" if accept_fingerprint else "sync")
    content_checks()
    results = importer.import_files(ledger, [Path(p) for p in paths],
                                    accept_fingerprint=accept_fingerprint, progress=progress,
                                    cancel=cancel)
    notice = copy_notice(ledger, clear=True) if results else None
    if notice:
        results[0].warnings.insert(0, notice)
    return results


def content_checks() -> None:
    """Register the checks of the files records carry (a form template's .xlsx) before an
    import: sync/rules.py refuses such a record while none is registered. Imported here, not
    at the top: the spreadsheet services are not wanted on the way to the unlock dialog."""
    from .excel import form_templates  # noqa: F401  (registers form_templates.check_incoming)


def copy_notice(ledger: Ledger, *, clear: bool = False) -> str | None:
    """The message (Chinese) for a ledger found copied to another computer when it was
    opened (storage/origins.py), until it was shown with an export or import (clear=True)."""
    return origins.pending_notice(ledger, clear=clear)


def inspect_package(ledger: Ledger, path: Path) -> dict:
    """What the enrolment dialog shows before a person accepts a new office: who sent it,
    its fingerprint, and whether it is already known. Never applies anything.

    `revoked`: signed by a key this office revoked (refused, never offered for enrolment);
    `enrolled_as`: the enrolled office whose code it claims under another key (an impostor
    or a reinstall: refused, never offered as a new office, only re-keying can take it);
    `by_starter`: a new township set up from this county's starter package, enrolled by this
    package without a fingerprint (sync/starter.py)."""
    raw = package.read(Path(path))
    m = raw.manifest
    status = senders.sender_status(ledger, raw)
    cert = m.get("sender_certificate") if isinstance(m.get("sender_certificate"), dict) else {}
    try:  # the enrolment dialog must not offer to pin a certificate the import would refuse
        certificates.verify_certificate(cert)
        certificate_problem = None
    except certificates.CertificateError as e:
        certificate_problem = str(e)
    holder = status.conflict
    try:  # set up from this county's starter package: its first package enrols it (no dialog)
        by_starter = not status.trusted and holder is None and starter.enrolment(ledger, raw) is not None
    except UserError:
        by_starter = False  # the import refuses it, saying why
    return {"sender": m["sender"], "recipient": m["recipient"], "package_no": m["package_no"],
            "created_at": m["created_at"], "counts": m["counts"], "entries": m["entries"],
            "known_sender": status.trusted, "by_starter": by_starter,
            "fingerprint": cert.get("fingerprint"),
            "certificate_problem": certificate_problem,
            "revoked": status.revoked is not None,
            "enrolled_as": None if holder is None else {
                k: holder[k] for k in ("id", "role", "name", "area_code", "fingerprint")},
            "already_imported": ledger.scalar("SELECT 1 FROM imported_packages WHERE package_id = ?",
                                              (m["package_id"],)) is not None,
            "for_this_office": m["recipient"]["site_id"] == ledger.site_id}


MAX_LISTED = 500  # packages of one folder the list reads (a stick of years of exports)


def packages_in(folder: Path) -> list[Path]:
    """The package files of a folder (a USB stick), newest name last; not its hidden
    temporary files (a package being written)."""
    try:
        found = [p for p in Path(folder).iterdir()
                 if p.suffix.lower() == ".sgpkg" and not p.name.startswith(".") and p.is_file()]
    except OSError as e:
        raise UserError(f"无法读取文件夹“{folder}”：{e.strerror or e}（U盘是否已拔出？）") from None
    return sorted(found)[-MAX_LISTED:]


def describe_files(ledger: Ledger, paths: list[Path]) -> list[dict]:
    """What a person picking packages reads of each file (the 数据同步 page's list): the
    sender and recipient by name, from the file's signed manifest (the name this office
    enrolled when the signature is the enrolled key's; the file name has codes only), its
    number and time, and whether it is for this office and already imported. A file that
    cannot be read says why. Nothing is decrypted or applied."""
    out = []
    for path in paths:
        row: dict = {"path": str(path), "file": Path(path).name, "sender": "", "recipient": "",
                     "sender_code": "", "recipient_code": "", "device": "",
                     "package_no": None, "created": "", "verified": False, "imported": False,
                     "for_this_office": False, "problem": None}
        try:
            raw = package.read(Path(path))
            status = senders.sender_status(ledger, raw)
        except (PackageRejected, UserError) as e:
            row["problem"] = str(e).splitlines()[0]
            out.append(row)
            continue
        m = raw.manifest
        pinned = status.site if status.pinned else None
        # where the sender's ledger is used on more than one computer, the device is named
        # as the devices list names it (秀水镇（设备1a2b）)
        origin, site_id = str(m["sender"].get("origin") or ""), m["sender"]["site_id"]
        others = ledger.scalar("SELECT count(*) FROM peer_devices WHERE site_id = ? AND origin_id != ?",
                               (site_id, origin)) if origin else 0
        device = device_name(origin, site_id) if others else ""
        row.update(
            sender=(pinned or m["sender"])["name"] + (f"（{device}）" if device else ""),
            sender_code=m["sender"]["area_code"], device=device,
            recipient=m["recipient"]["name"], recipient_code=m["recipient"]["area_code"],
            package_no=m["package_no"], created=str(m["created_at"])[:16].replace("T", " "),
            verified=pinned is not None, for_this_office=m["recipient"]["site_id"] == ledger.site_id,
            imported=ledger.scalar("SELECT 1 FROM imported_packages WHERE package_id = ?",
                                   (m["package_id"],)) is not None)
        out.append(row)
    return out


def file_state(row: dict) -> str:
    """A described file's state in a word or two (Chinese)."""
    if row["problem"]:
        return "无法读取：" + row["problem"]
    if not row["for_this_office"]:
        return "不是发给本单位的"
    if row["imported"]:
        return "已导入"
    return "未导入" if row["verified"] else "未导入（发件单位未登记或密钥不符，导入时核对）"


def certificate(ledger: Ledger) -> dict:
    """This office's certificate (what `cert export` prints without --out)."""
    return certificates.export_certificate(ledger)


# What a person is told before replacing an enrolled office's key (the command line prints
# it, the window's 更换乡镇密钥 dialog shows it).
REKEY_WARNING = (
    "更换密钥会吊销该单位已登记的密钥：此后用原密钥签名的同步包（包括原电脑上的台账导出的）一律拒绝导入，"
    "本单位发给该单位的同步包只有新密钥能打开，其台账的全部记录都将发给新密钥的持有者。"
    "只有在打电话给该单位、确认是对方本人重装了电脑（原密钥已丢失），并请对方读出本机证书指纹逐组核对一致后，"
    "才可更换。如果对方仍有原来的台账，请对方在原台账上“更换密钥”，不要在这里更换。"
    "如有任何疑问，请不要更换：该文件可能来自冒充者。")


def rekey_site(ledger: Ledger, paths: list[Path], *, area_code: str, fingerprint: str,
               progress: Progress = None, cancel=None) -> list[importer.ImportResult]:
    """更换乡镇密钥: the deliberate re-keying of an enrolled office whose laptop was
    reinstalled (SYNC.md property 7). `paths`: packages from the office's new ledger;
    `fingerprint`: what the office read out on the phone. The new key replaces the enrolled
    one, the old key is revoked (its packages refused from then on), an entry is written to
    the key audit log (site_key_events), and the packages are imported: all of it in one
    transaction, or nothing when any file is refused."""
    require(ledger, "enrolment")
    area_code = (area_code or "").strip()
    holder = certificates.enrolled_holder(ledger, area_code)
    if holder is None:
        raise UserError(f"没有已登记的区划代码为“{area_code}”的单位，无需更换密钥；"
                        "新单位请核对指纹后登记（--accept-new-site）。")
    if not senders.normalise_fingerprint(fingerprint or ""):
        raise UserError("请输入对方在电话中读出的密钥指纹。")
    if not paths:
        raise UserError("请选择该单位新台账导出的同步包。")
    content_checks()
    return importer.import_files(ledger, [Path(p) for p in paths],
                                 rekey=senders.Rekey(area_code, fingerprint),
                                 progress=progress, cancel=cancel)


def key_events(ledger: Ledger, area_code: str | None = None) -> list[dict]:
    """The audit log of peer keys: enrolments, rotations followed, re-keyings (oldest first)."""
    return certificates.key_events(ledger, area_code)


def export_certificate(ledger: Ledger, path: Path) -> dict:
    """`cert export --out FILE` for the window: this office's certificate as a JSON file."""
    cert = certificate(ledger)
    Path(path).write_text(json.dumps(cert, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return cert


def list_conflicts(ledger: Ledger, status: str | None = "open") -> list[dict]:
    return conflicts.list_conflicts(ledger, status)


def describe_conflict(row: dict) -> str:
    """One line a person reads (Chinese) about a conflict of review_conflicts: the field's
    name and both values in words, which value is applied now, or what was decided."""
    what = f"{row['table_label']}“{row['record']}”"
    what += "：一方删除了这条记录，另一方修改了它" if row["kind"] == "delete" else f"的“{row['field_label']}”"
    sides = "，".join(f"{name}：{row[key]['text']}（{row[key]['site']} {row[key]['time']}）"
                      for key, name in (("local", "本地"), ("incoming", "对方")))
    if row["status"] == "open":
        now = f"现采用{APPLIED[row['applied']]}"
    else:
        now = row["outcome"] + (f"（{row['decided']}）" if row["decided"] else "")
    return f"[{row['id'][:8]}] {what}：{sides}；{now}。"


# the value the ledger holds while a conflict is open: the one kept here or the one imported
APPLIED = {"local": "本地的值", "incoming": "对方的值"}
_CODED = {"stat_status": STAT_STATUSES, "pool": POOLS, "from_pool": POOLS, "to_pool": POOLS,
          "source": SOURCES, ("visits", "kind"): VISIT_KINDS,
          ("issues", "category"): ISSUE_CATEGORIES, ("issues", "status"): ISSUE_STATUSES}
_MONEY = {"revenue", "output_value", "tax_paid"}


def _show_value(ledger: Ledger, table: str, field: str | None, value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, dict):  # an edit that raced a delete: the fields it wrote
        return "；".join(f"{FIELD_LABELS.get(k, k)}：{_show_value(ledger, table, k, v)}"
                        for k, v in value.items())
    if field in _MONEY and isinstance(value, int):
        return f"{format_wan(value)}万元"
    codes = _CODED.get((table, field)) or _CODED.get(field)
    if codes and isinstance(value, str):
        return codes.get(value, value)
    if field == "department_id":
        return ledger.scalar("SELECT name FROM departments WHERE id = ?", (value,)) or str(value)
    return str(value)


def review_conflicts(ledger: Ledger, *, settled: bool = False) -> list[dict]:
    """Open conflicts (with settled=True, the settled ones too) as this office sees them:
    本地 (kept here) against 对方 (imported), each with who, when and the value in words,
    which one is applied now, and for a settled one what was decided."""
    out = []
    for c in list_conflicts(ledger, None if settled else "open"):
        incoming = c["incoming_side"] or "winner"
        local = "loser" if incoming == "winner" else "winner"
        # the value in the ledger now: the merge's, until a person decided
        applied = "incoming" if incoming == "winner" else "local"
        if c["status"] in (f"kept_{local}", f"kept_{incoming}"):
            applied = "local" if c["status"] == f"kept_{local}" else "incoming"
        elif c["status"] == "superseded":
            applied = None
        if c["status"] == "open":
            outcome = "待确认"
        elif c["status"] == "superseded":
            outcome = "已由之后的修改处理"
        else:
            outcome = "已处理：" + ("保留本地" if c["status"] == f"kept_{local}" else "采用对方")
        decided = "，".join(x for x in (c["resolved_by"], (c["resolved_at"] or "").replace("T", " ")[:16])
                           if x)
        sides = {}
        for name, side in (("local", local), ("incoming", incoming)):
            s = c[side]
            text = "（已删除）" if s["op"] == "d" else _show_value(ledger, c["table"], c["field"], s["value"])
            # who: the office and, when the change carried it, the person ("秀水镇 张三")
            who = " ".join(x for x in (s["site"], s.get("person")) if x)
            sides[name] = {"site": who, "office": s["site"], "person": s.get("person"),
                           "time": s["time"].replace("T", " ")[:16], "text": text}
        out.append({"id": c["id"], "kind": c["kind"], "table_label": c["table_label"],
                    "record": c["record"] or c["row_id"][:8], "table": c["table"], "row_id": c["row_id"],
                    "field_label": "（整条记录）" if c["kind"] == "delete" else FIELD_LABELS.get(c["field"], c["field"]),
                    "applied": applied, "status": c["status"], "outcome": outcome,
                    "decided": decided, **sides})
    return out


def resolve_conflict(ledger: Ledger, conflict_id: str, keep: str) -> dict:
    require(ledger, "sync")
    return conflicts.resolve(ledger, conflict_id, keep)


def list_duplicates(ledger: Ledger, status: str | None = "open") -> list[dict]:
    return duplicates.list_tasks(ledger, status)


def find_duplicates(ledger: Ledger) -> int:
    require(ledger, "sync")
    return duplicates.detect(ledger)


def merge_duplicates(ledger: Ledger, task_id: str, survivor_id: str) -> dict:
    require(ledger, "sync")
    return duplicates.merge(ledger, task_id, survivor_id)


def dismiss_duplicates(ledger: Ledger, task_id: str) -> None:
    require(ledger, "sync")
    duplicates.dismiss(ledger, task_id)


def rotate_keys(ledger: Ledger) -> dict:
    require(ledger, "keys")
    return certificates.rotate_keys(ledger)


def sync_status(ledger: Ledger) -> list[dict]:
    """Per peer: packages sent and received, gaps, open conflicts (for the sync screen)."""
    out = []
    for peer in exporter.peers(ledger):
        state = ledger.one("SELECT * FROM peer_state WHERE site_id = ?", (peer["id"],)) or {}
        out.append({"site_id": peer["id"], "name": peer["name"], "area_code": peer["area_code"],
                    "fingerprint": peer["fingerprint"], "sent": state.get("last_sent_no", 0),
                    "received": state.get("last_received_no", 0),
                    "gaps": importer.missing_package_numbers(ledger, peer["id"])})
    return out


# -- copies of a peer's ledger (docs/sync-format.md, "Copies of a ledger") ---------------------
def _acked_by(vectors: list[dict]) -> dict:
    """What every one of these devices acknowledged (sync/exporter.py: per origin, the
    lowest number; an origin one device never acknowledged is not acknowledged)."""
    if not vectors:
        return {}
    shared = set(vectors[0]).intersection(*vectors[1:])
    return {o: min(v[o] for v in vectors) for o in shared}


def _held_back(ledger: Ledger, every: dict, others: dict) -> int:
    """The changes the others acknowledged that `every` (all devices) did not: what one
    device alone makes every package to its office carry again (at most: a package carries
    only the office's share of them)."""
    total = 0
    for origin, high in others.items():
        low = every.get(origin, 0)
        if high > low:
            total += ledger.scalar("SELECT count(*) FROM change_log WHERE site_id = ? AND site_seq > ?"
                                   " AND site_seq <= ? AND data IS NOT NULL", (origin, low, high))
    return total


def device_name(origin_id: str, site_id: str) -> str:
    """A copy of an office's ledger as people read it: 设备1a2b (原台账 for the ledger as made)."""
    return f"设备{origin_id[:4]}" + ("（原台账）" if origin_id == site_id else "")


def list_devices(ledger: Ledger, office: str | None = None) -> list[dict]:
    """The copies of each peer office's ledger this ledger acknowledges apart (one row per
    device: its last package and when, and `held_back`, the changes every package to that
    office carries again only because this device has not acknowledged them). `office`: a
    site id, area code or name."""
    peers = exporter.find_peer(ledger, office) if office else exporter.peers(ledger)
    out = []
    for peer in peers:
        rows = ledger.rows("SELECT origin_id, acked_vector, package_no, updated_at FROM peer_devices"
                           " WHERE site_id = ? ORDER BY updated_at, origin_id", (peer["id"],))
        vectors = [json.loads(r["acked_vector"] or "{}") for r in rows]
        every = _acked_by(vectors)
        for i, r in enumerate(rows):
            others = _acked_by(vectors[:i] + vectors[i + 1:])
            out.append({"site_id": peer["id"], "office": peer["name"], "area_code": peer["area_code"],
                        "origin_id": r["origin_id"], "device": device_name(r["origin_id"], peer["id"]),
                        "package_no": r["package_no"], "last_package_at": r["updated_at"],
                        "devices": len(rows),
                        "held_back": _held_back(ledger, every, others) if len(rows) > 1 else 0})
    return out


def find_device(ledger: Ledger, office: str, device: str) -> dict:
    """One device of an office (list_devices' row) named by its origin id or a start of it
    of at least 4 characters (设备1a2b: 1a2b)."""
    ref = str(device or "").strip().lower().removeprefix("设备")
    rows = list_devices(ledger, office)
    found = [d for d in rows if len(ref) >= 4 and d["origin_id"].startswith(ref)]
    if not found:
        known = "、".join(d["device"] for d in rows) or "无"
        raise UserError(f"{rows[0]['office'] if rows else office}没有设备“{device}”（已知设备：{known}）。")
    if len(found) > 1:
        raise UserError(f"“{device}”对应{len(found)}台设备，请写出更长的设备编号。")
    return found[0]


def retire_confirmation(found: dict) -> str:
    """What retiring a device does, for the person to confirm (CLI and window)."""
    when = (found["last_package_at"] or "")[:10] or "未知日期"
    return (f"停用{found['office']}的{found['device']}（最后一次发来第{found['package_no']}号同步包，{when}）：\n"
            f"本单位此后不再等待这台设备的确认，发往{found['office']}的同步包不再为它重发"
            f"最多{found['held_back']}条变更。这台设备已收到和已发来的数据不受影响；"
            "它如果以后又发来同步包，会重新登记，也会补发它缺少的变更。\n"
            "只在这份台账副本已不再使用（电脑停用、复制后废弃）时停用。")


def retire_device(ledger: Ledger, office: str, device: str) -> dict:
    """Stop acknowledging a copy of an office's ledger that is no longer used (issue #15):
    its last acknowledgement no longer holds back what the packages to the office leave
    out. The origin stays bound to the office (its changes held here stay valid, and a
    package it sends later is taken and makes it a device again). The only device of an
    office is refused. Returns the device as list_devices gave it before."""
    require(ledger, "enrolment")
    found = find_device(ledger, office, device)
    if found["devices"] < 2:
        raise UserError(f"{found['device']}是{found['office']}目前唯一的设备，不能停用。")
    with ledger.transaction():
        ledger.conn.execute("DELETE FROM peer_devices WHERE site_id = ? AND origin_id = ?",
                            (found["site_id"], found["origin_id"]))
    return found


__all__ = ["export_packages", "import_packages", "inspect_package", "list_conflicts",
           "resolve_conflict", "list_duplicates", "find_duplicates", "merge_duplicates",
           "dismiss_duplicates", "rotate_keys", "sync_status", "PackageRejected",
           "export_certificate", "review_conflicts", "describe_conflict", "table_label",
           "FIELD_LABELS", "APPLIED", "rekey_site", "REKEY_WARNING", "key_events",
           "device_name", "list_devices", "find_device", "retire_confirmation", "retire_device",
           "packages_in", "describe_files", "file_state"]
