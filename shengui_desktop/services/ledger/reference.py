"""Townships, departments and targets: the reference data of a county."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...domain.records import validate_target
from ...domain.text import checked_name, clean, clean_name, match_key, shown
from ...errors import UserError, ValidationError
# ids derived from a reference row's natural key; in storage so that sync makes the
# township row of an enrolled office with the same id (public here too)
from ...storage.ledger import reference_id

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


STANDARD_DEPARTMENTS = ("工信局", "开发区", "应急局", "能源局", "住建局", "统计局", "税务局",
                        "发改局", "自然资源局", "人社局", "金融办", "市场监管局")


def add_township(ledger: Ledger, code: str, name: str) -> str:
    code, name = clean(code), checked_name(name, "乡镇名称", "township")
    if not re.fullmatch(r"\d{9}", code):
        raise ValidationError({"code": "乡镇代码应为9位数字（统计用区划代码前9位）"})
    if not name:
        raise ValidationError({"name": "乡镇名称不能为空"})
    existing = ledger.one("SELECT id, name FROM townships WHERE code = ?", (code,))
    if existing:
        if existing["name"] != name:
            ledger.update("townships", existing["id"], {"name": name})
        return existing["id"]
    return ledger.insert("townships", {"id": reference_id("township", code), "code": code,
                                       "name": name})


# -- matching a name as a document or a person writes it -------------------------------------
_PLACE = re.compile(r".+?(?:自治区|自治州|自治县|[省市县区])")
_SEAT = ("人民政府", "办事处")


def place_prefixes(*places: str | None) -> tuple[str, ...]:
    """The names that may stand before a township's own name: each administrative level of
    the places given and the chains that end with it (山西省阳泉市盂县 → 山西省阳泉市盂县,
    阳泉市盂县, 盂县), longest first."""
    found: set[str] = set()
    for place in places:
        parts = _PLACE.findall(name_key(place or ""))
        found.update("".join(parts[i:]) for i in range(len(parts)))
    return tuple(sorted(found, key=len, reverse=True))


def name_key(name: str, prefixes: tuple[str, ...] = ()) -> str:
    """What two names of one township (or department) have in common: their match_key
    (width, spaces, bracket forms and letter case do not count), without a leading name of
    the county it lies in (`prefixes`, see place_prefixes: 盂县秀水镇 is 秀水镇) or a
    trailing 人民政府."""
    key = match_key(clean_name(name))
    for prefix in prefixes:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix):]
            break
    for seat in _SEAT:
        if key.endswith(seat) and len(key) > len(seat) + 1:
            key = key[:-len(seat)]
    return key


def ledger_places(ledger: Ledger) -> tuple[str, ...]:
    """The county names a township's name may begin with in this ledger (the county office's
    own name, at the county or at its townships)."""
    return place_prefixes(*(r["name"] for r in ledger.rows("SELECT name FROM sites WHERE role = 'county'")))


def townships_named(ledger: Ledger, names: list[str], places: tuple[str, ...] = ()) -> dict[str, list[dict]]:
    """For each name (as a document writes it), the ledger's townships it names, by code
    (usually one; none when the township is not in the ledger yet)."""
    prefixes = tuple(sorted(set(ledger_places(ledger)) | set(places), key=len, reverse=True))
    by_key: dict[str, list[dict]] = {}
    for row in ledger.rows("SELECT * FROM townships ORDER BY code"):
        by_key.setdefault(name_key(row["name"], prefixes), []).append(row)
    return {name: by_key.get(name_key(name, prefixes), []) for name in names}


def township_by_name(ledger: Ledger, name: str) -> dict | None:
    """The township of that name, however its width, brackets or spaces are written."""
    return _by_name(ledger, "townships", name)


def department_by_name(ledger: Ledger, name: str) -> dict | None:
    """The department of that name, however its width, brackets or spaces are written."""
    return _by_name(ledger, "departments", name)


def _by_name(ledger: Ledger, table: str, name: str) -> dict | None:
    # a county has a few dozen townships and departments: compare every name's match key
    key = match_key(clean_name(name))
    if not key:
        return None
    return next((row for row in ledger.rows(f"SELECT * FROM {table} ORDER BY rowid")
                 if match_key(row["name"]) == key), None)


def _county_decides(ledger: Ledger, table: str) -> None:
    from ...sync.rules import check_local_write

    problems = check_local_write(ledger, table, {})
    if problems:
        raise UserError(problems[0] + "，乡镇台账从县级同步包中获得。")


def add_department(ledger: Ledger, name: str) -> str:
    name = checked_name(name, "部门名称", "department")
    if not name:
        raise ValidationError({"name": "部门名称不能为空"})
    existing = department_by_name(ledger, name)
    if existing:
        return existing["id"]
    _county_decides(ledger, "departments")
    # the id comes from the name in its normal form, as it did when names were stored so:
    # two offices that add one department, however written, still make one record
    return ledger.insert("departments", {"id": reference_id("department", clean(name)),
                                         "name": name})


def department_id(ledger: Ledger, name: str | None) -> str | None:
    if not name:
        return None
    row = department_by_name(ledger, name)
    if row is None:
        raise UserError(unknown_department_message(name, department_names(ledger)))
    return row["id"]


def unknown_department_message(name: str, known: list[str]) -> str:
    """What a person is told of a 责任单位 the ledger does not have: the departments it has
    (the first dozen), or, when it has none, how to add one: never an empty list."""
    text = f"未知的责任单位“{shown(clean_name(name))}”"
    if not known:
        return (f"{text}：本台账还没有任何部门，请先在“乡镇与部门”页面添加部门"
                "（乡镇台账的部门由县级同步下发），或不填责任单位")
    more = f"等{len(known)}个" if len(known) > 12 else ""
    return f"{text}，请改为已有的部门：{'、'.join(known[:12])}{more}；或先在部门列表中添加"


def set_target(ledger: Ledger, record: dict) -> str:
    """One target per (kind, year, until year, scope, township or department); setting it
    again updates it."""
    _county_decides(ledger, "targets")
    target = validate_target(record)
    existing = ledger.one(
        "SELECT id FROM targets WHERE year = ? AND scope = ? AND township_code IS ? "
        "AND department_id IS ? AND kind = ? AND until_year IS ?",
        (target["year"], target["scope"], target.get("township_code"), target.get("department_id"),
         target["kind"], target.get("until_year")))
    fields = {k: target.get(k) for k in ("year", "scope", "township_code", "department_id",
                                          "net_increase", "note", "kind", "until_year")}
    if existing:
        ledger.update("targets", existing["id"], fields)
        return existing["id"]
    key = fields.get("township_code") or fields.get("department_id") or ""
    # a net target keeps the id it had before targets had kinds
    extra = () if fields["kind"] == "net" else (fields["kind"], fields["until_year"])
    return ledger.insert("targets", {"id": reference_id("target", fields["year"], fields["scope"], key, *extra),
                                     **fields})


def remove_target(ledger: Ledger, target_id: str) -> None:
    """Take a target away (a tracked deletion: it leaves the townships' ledgers too)."""
    _county_decides(ledger, "targets")
    ledger.delete("targets", target_id)


def list_townships(ledger: Ledger) -> list[dict]:
    return ledger.rows("SELECT id, code, name FROM townships ORDER BY code")


def list_departments(ledger: Ledger) -> list[dict]:
    return ledger.rows("SELECT id, name FROM departments ORDER BY name")


def department_names(ledger: Ledger) -> list[str]:
    """Department names in the order they were added (the standard list first), as the
    import template offers them."""
    return [r["name"] for r in ledger.rows("SELECT name FROM departments ORDER BY rowid")]
