"""A township's audit log travelling to the county in its packages (docs/sync-format.md).

The township sends the entries of its own chain the county has not yet acknowledged, as
lines ``{"audit": {...}}`` after the changes of the payload (the manifest's
``audit_entries`` says how many; a package without it has none). The county stores them
under the township's site id, each chain apart (storage/audit.py), so its verify checks every
office's chain; a re-delivered entry is already there and is skipped. The county's packages
tell the township how much of its chain arrived (``audit_seen``), and its next package
leaves that out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..storage import audit
from .errors import PackageRejected

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

_SITE_ID = re.compile(r"[0-9a-f]{16}\Z")
_HASH = re.compile(r"[0-9a-f]{64}\Z")
MAX_AUDIT = 1_000_000  # entries in one package, far above years of a township's work


def _acked_key(peer_id: str) -> str:
    return f"audit_acked:{peer_id}"


def select_audit(ledger: Ledger, peer: dict, full: bool) -> list[dict]:
    """This township's own audit entries the county `peer` has not acknowledged (all of
    them in a full package). A county sends none: a township keeps only its own chain."""
    me = ledger.this_site()
    if me is None or me["role"] != "township" or peer["role"] != "county" \
            or not audit.has_log(ledger.conn):
        return []
    after = 0 if full else int(ledger.meta(_acked_key(peer["id"]), "0"))
    cur = ledger.conn.execute(f"SELECT {', '.join(audit.COLUMNS)} FROM audit_log"
                              " WHERE office_id = ? AND no > ? ORDER BY no", (me["id"], after))
    return [dict(zip(audit.COLUMNS, r)) for r in cur]


def seen_for(ledger: Ledger, peer: dict) -> dict[str, int]:
    """How much of `peer`'s chain this ledger holds (the manifest's ``audit_seen``)."""
    if not audit.has_log(ledger.conn):
        return {}
    top = ledger.scalar("SELECT max(no) FROM audit_log WHERE office_id = ?", (peer["id"],))
    return {peer["id"]: int(top)} if top else {}


def split(items: list, manifest: dict, name: str) -> tuple[list, list[dict]]:
    """The payload's changes and its audit entries (the last ``audit_entries`` lines),
    each audit entry checked for shape: the whole package is refused otherwise."""
    count = manifest.get("audit_entries", 0)
    if type(count) is not int or not 0 <= count <= MAX_AUDIT:
        raise PackageRejected("manifest", f"“{name}”的清单无效：审计日志条数无效，拒绝导入。")
    if count > len(items):
        raise PackageRejected("invalid", f"“{name}”中的审计日志条数与清单不符（数据不完整或被改动），拒绝导入。")
    if not count:
        return items, []
    changes, lines = items[:len(items) - count], items[len(items) - count:]
    sender = manifest["sender"]["site_id"]
    entries = []
    for i, line in enumerate(lines):
        e = line.get("audit") if type(line) is dict and len(line) == 1 else None
        if not _well_formed(e, sender):
            raise PackageRejected("invalid", f"“{name}”中的审计日志数据不合规，拒绝导入：",
                                  [f"第{i + 1}条审计记录：结构无效"])
        entries.append(e)
    return changes, entries


def _well_formed(e: object, sender: str) -> bool:
    if type(e) is not dict or e.keys() != set(audit.COLUMNS):
        return False
    if e["office_id"] != sender or not _SITE_ID.match(e["office_id"]):
        return False  # an office sends its own chain, no one else's
    if type(e["no"]) is not int or not 0 < e["no"] < 2**62:
        return False
    for key in ("at", "office", "person", "action", "object", "detail"):
        if type(e[key]) is not str or len(e[key]) > audit.MAX_TEXT:
            return False
    return all(type(e[k]) is str and _HASH.match(e[k]) for k in ("prev_hash", "hash"))


def store(ledger: Ledger, sender: dict, entries: list[dict]) -> tuple[int, list[str]]:
    """Keep a township's audit entries (inside the import's transaction): (how many were
    new, what a person should know). An entry already held is skipped; one whose number is
    held with another content is not stored and is reported (the township's ledger was
    copied or restored, or its log tampered with)."""
    if not entries or not audit.has_log(ledger.conn):
        return 0, []
    conn = ledger.conn
    held = dict(conn.execute("SELECT no, hash FROM audit_log WHERE office_id = ?",
                             (sender["site_id"],)).fetchall())
    new, clashes = 0, []
    for e in sorted(entries, key=lambda x: x["no"]):
        if e["no"] in held:
            if held[e["no"]] != e["hash"]:
                clashes.append(e["no"])
            continue
        conn.execute(f"INSERT INTO audit_log({', '.join(audit.COLUMNS)}) VALUES"
                     f" ({', '.join('?' * len(audit.COLUMNS))})", tuple(e[c] for c in audit.COLUMNS))
        held[e["no"]] = e["hash"]
        new += 1
    notes = []
    if clashes:
        notes.append(f"“{sender['name']}”发来的审计日志第{'、'.join(map(str, clashes[:10]))}条与此前收到的不同，"
                     "未保存：对方的台账可能被复制或从备份恢复过，或审计日志被改动。请与对方核实。")
    broken = audit.check_chain(sender["site_id"], audit.chain(conn, sender["site_id"]))
    if broken is not None and new:
        notes.append(f"“{sender['name']}”的审计日志校验不通过：{broken.what}。")
    return new, notes


def acknowledge(ledger: Ledger, sender: dict, manifest: dict) -> None:
    """The county's package says how much of this township's chain it holds."""
    seen = manifest.get("audit_seen")
    if not isinstance(seen, dict) or ledger.site_id is None:
        return
    top = seen.get(ledger.site_id)
    if type(top) is int and top > int(ledger.meta(_acked_key(sender["site_id"]), "0")):
        ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                            (_acked_key(sender["site_id"]), str(top)))
