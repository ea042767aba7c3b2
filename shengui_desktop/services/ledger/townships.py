"""The county's list of townships: which are there (and which are enrolled offices), finding
one by a name as people write it, renaming one, and merging a township made up by mistake
into the real one (`shengui townships list|rename|merge`, and the window later).

A spreadsheet import used to make up a code for a township name it did not know; once the
real township enrolled under its own code, the county had two townships of one name, its
enterprises split between them, and the real township's packages were refused for the ones
in the twin. Merging moves everything of the twin to the real township as ordinary tracked
changes (they sync: the township receives its enterprises with their history) and removes
the twin.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from ...domain.text import checked_name, clean, match_key
from ...errors import UserError
from ..office.permissions import require
from . import reference

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

__all__ = ["nearest_names", "similarity", "township_lines", "rename_township", "merge_townships",
           "add_township", "add_department", "set_target"]


def _pinyin(name: str) -> str:
    # pypinyin only when names are compared: importing it holds ~40 MB (its phrase
    # dictionary), and the window imports this module at unlock (#20)
    from ...domain.search import search_key

    key = search_key(name) or ""
    return key.rpartition(" ")[2]


def similarity(a: str, b: str) -> float:
    """How alike two township names are (0–1): by character and by sound (牛村 and 留村 are
    far apart, 牛村 and 牛村镇 close; 北下庄 typed as 北夏庄 sounds the same)."""
    a, b = match_key(a), match_key(b)
    by_text = SequenceMatcher(None, a, b).ratio()
    by_sound = SequenceMatcher(None, _pinyin(a), _pinyin(b)).ratio()
    return max(by_text, by_sound)


def nearest_names(name: str, names, limit: int = 5) -> list[str]:
    """The known names most like `name`, nearest first (at most `limit`)."""
    unique = list(dict.fromkeys(names))
    ranked = sorted(unique, key=lambda n: (-similarity(name, n), n))
    return ranked[:limit]


def _county_only(ledger: Ledger) -> None:
    from ...sync.rules import check_local_write

    problems = check_local_write(ledger, "townships", {})
    if problems:
        raise UserError(problems[0] + "，乡镇台账从县级同步包中获得。")


def _township(ledger: Ledger, code: str) -> dict:
    code = clean(code).replace(" ", "")
    row = ledger.one("SELECT * FROM townships WHERE code = ?", (code,))
    if row is None:
        raise UserError(f"乡镇代码{code}不在本台账的乡镇列表中（可用 shengui townships list 查看）。")
    return row


def _offices(ledger: Ledger) -> dict[str, dict]:
    """Area code → the trusted township office enrolled under it."""
    return {r["area_code"]: r for r in ledger.rows(
        "SELECT area_code, name, fingerprint FROM sites WHERE is_self = 0 AND trusted = 1"
        " AND role = 'township' ORDER BY created_at")}


def township_lines(ledger: Ledger) -> list[dict]:
    """Every township of the list: `code`, `name`, `enterprises` (how many), `targets` (how
    many target rows name it), `enrolled` (an office enrolled under this code), `office`
    (its name as in its certificate, or None), `same_name` (codes of other townships of the
    same name: a twin to merge)."""
    offices = _offices(ledger)
    counts = dict(ledger.conn.execute(
        "SELECT township_code, count(*) FROM enterprises GROUP BY township_code").fetchall())
    targets = dict(ledger.conn.execute(
        "SELECT township_code, count(*) FROM targets WHERE township_code IS NOT NULL"
        " GROUP BY township_code").fetchall())
    rows = ledger.rows("SELECT code, name FROM townships ORDER BY code")
    by_key: dict[str, list[str]] = {}
    for r in rows:
        by_key.setdefault(match_key(r["name"]), []).append(r["code"])
    out = []
    for r in rows:
        office = offices.get(r["code"])
        out.append({"code": r["code"], "name": r["name"], "enterprises": counts.get(r["code"], 0),
                    "targets": targets.get(r["code"], 0), "enrolled": office is not None,
                    "office": office["name"] if office else None,
                    "same_name": [c for c in by_key[match_key(r["name"])] if c != r["code"]]})
    return out


def rename_township(ledger: Ledger, code: str, name: str) -> dict:
    """Give the township with `code` another name (a tracked change that syncs); returns
    {code, old_name, name, changed}."""
    require(ledger, "townships")
    _county_only(ledger)
    row = _township(ledger, code)
    name = checked_name(name, "乡镇名称", "township")
    if not name:
        raise UserError("乡镇名称不能为空。")
    for other in ledger.rows("SELECT code, name FROM townships WHERE code != ?", (row["code"],)):
        if match_key(other["name"]) == match_key(name):
            raise UserError(f"已有乡镇“{other['name']}”（代码{other['code']}）。如是同一乡镇，请合并："
                            f"shengui townships merge {other['code']} --into {row['code']}")
    changed = ledger.update("townships", row["id"], {"name": name})
    return {"code": row["code"], "old_name": row["name"], "name": name, "changed": bool(changed)}


def merge_townships(ledger: Ledger, source: str, into: str, *, dry_run: bool = False) -> dict:
    """Move everything of township `source` to township `into` and remove `source`, in one
    transaction, as tracked changes that sync: its enterprises (township_code), its targets
    (a year `into` has a target of already keeps that one; the other is dropped and listed).
    A township an office is enrolled under cannot be merged away (its code is the office's).

    Returns {from, into: {code, name}, enterprises, targets_moved: [years],
    targets_dropped: [{year, net_increase, kept}], dry_run}; dry_run writes nothing."""
    require(ledger, "townships")
    _county_only(ledger)
    src, dst = _township(ledger, source), _township(ledger, into)
    if src["code"] == dst["code"]:
        raise UserError("不能把乡镇合并到它自己。")
    office = _offices(ledger).get(src["code"])
    if office is not None:
        raise UserError(f"乡镇代码{src['code']}是已登记单位“{office['name']}”的区划代码（来自其证书），"
                        "不能合并掉。如两者是同一乡镇，请反过来合并："
                        f"shengui townships merge {dst['code']} --into {src['code']}")
    enterprises = [r["id"] for r in ledger.rows(
        "SELECT id FROM enterprises WHERE township_code = ? ORDER BY id", (src["code"],))]
    moved, dropped = [], []
    for t in ledger.rows("SELECT * FROM targets WHERE township_code = ? ORDER BY year, scope",
                         (src["code"],)):
        kept = ledger.one("SELECT * FROM targets WHERE township_code = ? AND year = ? AND scope = ?"
                          " AND kind = ? AND until_year IS ?",
                          (dst["code"], t["year"], t["scope"], t["kind"], t["until_year"]))
        if kept is None:
            moved.append(t)
        else:
            dropped.append((t, kept))
    result = {"from": {"code": src["code"], "name": src["name"]},
              "into": {"code": dst["code"], "name": dst["name"]},
              "enterprises": len(enterprises),
              "targets_moved": [t["year"] for t in moved],
              "targets_dropped": [{"year": t["year"], "net_increase": t["net_increase"],
                                   "kept": k["net_increase"]} for t, k in dropped],
              "dry_run": dry_run}
    if dry_run:
        return result
    with ledger.transaction():
        for enterprise_id in enterprises:
            ledger.update("enterprises", enterprise_id, {"township_code": dst["code"]})
        for t in moved:
            ledger.update("targets", t["id"], {"township_code": dst["code"]})
        for t, _kept in dropped:
            ledger.delete("targets", t["id"])
        ledger.delete("townships", src["id"])
    return result


# -- what the 乡镇与部门 page adds (a county administrator's) ----------------------------------
def _county_table(ledger: Ledger, table: str) -> None:
    from ...sync.rules import check_local_write

    problems = check_local_write(ledger, table, {})
    if problems:
        raise UserError("；".join(problems))


def add_township(ledger: Ledger, code: str, name: str) -> str:
    """A township the county adds by hand (reference.add_township, which set-up and imports
    also use, checks no role: their callers have)."""
    require(ledger, "townships")
    _county_only(ledger)
    return reference.add_township(ledger, code, name)


def add_department(ledger: Ledger, name: str) -> str:
    require(ledger, "townships")
    _county_table(ledger, "departments")
    return reference.add_department(ledger, name)


def set_target(ledger: Ledger, record: dict) -> str:
    """A department's or township's target typed on the page (reference.set_target)."""
    require(ledger, "targets")
    return reference.set_target(ledger, record)
