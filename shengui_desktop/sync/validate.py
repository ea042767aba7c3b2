"""Schema and type validation of every change in a payload, before any of it is applied."""

from __future__ import annotations

import re
from collections import Counter
from itertools import compress, count, islice, pairwise, repeat
from operator import itemgetter, ne
from types import NoneType
from typing import TYPE_CHECKING

from ..domain.text import NAME_LIMITS, name_problem, shown
from ..storage.ledger import DERIVED_COLUMNS
from .errors import PackageRejected
from .rules import content_problems, label, synced_tables

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

ENTRY_KEYS = frozenset(("tbl", "row_id", "op", "data", "base", "hlc", "site_id", "site_seq"))
# a change may also name the person who made it (schema 13); packages of older programs don't
WITH_PERSON = ENTRY_KEYS | {"person"}
PERSON_MAX = 100  # characters of a person's name as a change carries it
_ROW_ID = re.compile(r"[0-9A-Za-z_-]{1,64}\Z")  # \Z: no trailing newline (as $ allows)
_SITE_ID = re.compile(r"[0-9a-f]{16}\Z")
MAX_INT = 2**63 - 1

# The names a synced record carries, the same checks (domain.text.name_problem) the services
# make where they are typed: table -> column -> (Chinese label, kind of NAME_LIMITS). A package
# from a ledger that skipped them (an old version, a hand-made one) must not bring them in.
NAME_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "townships": {"name": ("乡镇名称", "township")},
    "departments": {"name": ("部门名称", "department")},
    "enterprises": {"name": ("企业名称", "enterprise"), "legal_person": ("法定代表人", "person"),
                    "contact_person": ("联系人", "person"), "liaison_cadre": ("包联干部", "person")},
    "visits": {"visitors": ("走访人员", "people")},
    "pool_events": {"decided_by": ("决定人", "people")},
    "projects": {"name": ("项目名称", "enterprise"), "responsible_unit": ("责任单位", "enterprise")},
    "project_milestones": {"name": ("节点任务名称", "enterprise")},
    "scale_history": {"name": ("当时的企业名称", "enterprise")},
    "reward_claims": {"description": ("项目或合同名称", "enterprise")},
    "form_templates": {"name": ("报表名称", "enterprise"), "department": ("下发部门", "department"),
                       "file_name": ("模板文件名", "enterprise")},
}
_SHORTEST_LIMIT = min(NAME_LIMITS[kind] for cols in NAME_COLUMNS.values() for _l, kind in cols.values())


def column_types(ledger: Ledger) -> dict[str, dict[str, type]]:
    """Per synced table: column -> the Python type its values must have."""
    out = {}
    for table in synced_tables():
        derived = DERIVED_COLUMNS.get(table, set())
        types = {}
        for _cid, name, decl, _nn, _default, _pk in ledger.conn.execute(f"PRAGMA table_info({table})"):
            if name == "id" or name in derived:
                continue
            types[name] = int if "INT" in decl.upper() else str
        out[table] = types
    return out


def validate_entries(ledger: Ledger | None, items: list, manifest: dict, name: str, *,
                     types: dict | None = None, facts: dict | None = None) -> list[dict]:
    """Every item must be a well-formed change of a known table with known, well-typed columns.

    Counts must match the manifest's (a payload swapped under a hand-edited manifest fails
    the signature; this catches a sender bug or a truncated payload that still parses).

    Checked a column at a time (_column_checks); when that finds anything wrong, change by
    change, naming each problem (_check_each). Given `types` (column_types of the ledger),
    it does not touch the ledger and may run on a worker thread. `facts`, when given, is
    filled with what the column checks found on the way (merge.plan's summary takes them
    instead of passing over every change again): counts, newest_hlc and, for a package of one
    origin, lowest and highest.
    """
    if types is None:
        types = column_types(ledger)
    counts = _well_formed_counts(items, types, facts)
    if counts is None:
        counts = _check_each(items, name, True, types)
    declared = {k: v for k, v in manifest["counts"].items() if v}
    if counts != declared or len(items) != manifest["entries"]:
        raise PackageRejected("counts", f"“{name}”的变更数量与清单不符（数据不完整或被改动），拒绝导入。")
    problems = name_problems(items)
    if problems:
        raise PackageRejected("invalid", f"“{name}”中有名称含不可见字符或过长，拒绝导入（未导入任何数据）：",
                              problems)
    problems = content_problems(items)
    if problems:
        raise PackageRejected("content", f"“{name}”中的文件未通过检查，整个包未导入（未导入任何数据）：",
                              problems)
    return items


def name_problems(items: list) -> list[str]:
    """The names in well-formed changes that name_problem refuses, each naming the change,
    the record and the field (at most 50). A printable name no longer than the shortest
    limit is passed over in C (str.isprintable is false for every hidden character)."""
    problems: list[str] = []
    for i, e in enumerate(items):
        columns = NAME_COLUMNS.get(e["tbl"])
        if columns is None or not e["data"]:
            continue
        data = e["data"]
        for key, (field, kind) in columns.items():
            text = data.get(key)
            if text is None or (len(text) <= _SHORTEST_LIMIT and text.isprintable()):
                continue
            problem = name_problem(text, field, kind)
            if problem:
                record = data.get("name") if key != "name" and type(data.get("name")) is str else None
                where = f"“{shown(record)}”" if record else f" {e['row_id'][:8]}"
                problems.append(f"第{i + 1}条变更：{label(e['tbl'])}{where}的{problem}")
                if len(problems) >= 50:
                    return problems
    return problems


_ENTRY_KEYS = ("tbl", "row_id", "op", "data", "base", "hlc", "site_id", "site_seq")


def _well_formed_counts(items: list, types: dict, facts: dict | None = None) -> dict[str, int] | None:
    try:
        return _column_checks(items, types, facts)
    except (KeyError, TypeError):  # a key missing, an unhashable value where a name belongs
        return None


def _column_checks(items: list, types: dict, facts: dict | None = None) -> dict[str, int] | None:
    """The changes per table when every change is well formed, else None (then
    :func:`_check_each` finds and names each problem).

    The same rules as _check_each, checked column by column (each check one pass in C over
    a whole column) instead of change by change: 0.3 s instead of 1.5 s for the 287,227
    changes of the bench's 30 township packages."""
    if not items:
        return {}
    if set(map(type, items)) != {dict}:
        return None
    sizes = set(map(len, items))
    if not sizes <= {8, 9}:
        return None
    named = items if sizes == {9} else [e for e in items if len(e) == 9] if 9 in sizes else []
    if named:
        # nine keys: the eight below and the person (KeyError otherwise)
        persons = list(map(itemgetter("person"), named))
        if set(map(type, persons)) != {str} or max(map(len, persons)) > PERSON_MAX:
            return None
    # eight keys and all eight present: exactly the entry's keys (KeyError otherwise)
    tbls, row_ids, ops, datas, bases, hlcs, sites, seqs = (
        list(map(itemgetter(k), items)) for k in _ENTRY_KEYS)
    counts = Counter(tbls)
    if not all(type(t) is str and t in types for t in counts):
        return None
    if set(map(type, row_ids)) != {str} or not all(map(_ROW_ID.match, row_ids)):
        return None
    if not set(ops) <= {"i", "u", "d"}:
        return None
    ranges = []
    for numbers in (hlcs, seqs):
        if set(map(type, numbers)) != {int}:
            return None
        ranges.append((min(numbers), max(numbers)))
        if ranges[-1][0] <= 0 or ranges[-1][1] > MAX_INT:
            return None
    site_set = set(sites)
    if not all(type(x) is str and _SITE_ID.match(x) for x in site_set):
        return None
    if len(site_set) == 1:  # a township's package holds only its own changes
        if len(set(seqs)) != len(seqs):
            return None
    elif len(set(zip(sites, seqs))) != len(items):
        return None
    if set(map(type, datas)) != {dict}:
        return None
    if ops.count("i") != len(ops) and any(
            o == "d" and d or o == "u" and not d for o, d in zip(ops, datas)):
        return None
    by_table = _by_table(tbls, datas, counts)
    for t, group in by_table.items():
        cols = types[t]
        used = set().union(*group)
        if not used <= cols.keys():
            return None
        for k in used:
            if cols[k] is int:
                values = list(map(dict.get, group, repeat(k)))
                if not set(map(type, values)) <= {int, NoneType} or not _in_range(values):
                    return None
            elif not set(map(type, map(dict.get, group, repeat(k)))) <= {cols[k], NoneType}:
                return None
    if bases.count(None) != len(bases):  # a first package's inserts have none
        for t, base in zip(tbls, bases):
            if base is not None and not _base_ok(base, types[t]):
                return None
    if facts is not None:
        (_oldest, newest), (lowest, highest) = ranges  # of the stamps, of the numbers
        facts.update(counts=dict(counts), newest_hlc=newest)
        if len(site_set) == 1:
            site = next(iter(site_set))
            facts.update(lowest={site: lowest}, highest={site: highest})
    return dict(counts)


def _in_range(values: list) -> bool:
    """Do these integers (and Nones) fit SQLite's 64 bits? orjson reads an integer beyond
    64 bits unsigned as a float (refused by the type check); one of 2**63 to 2**64 - 1 as
    an int."""
    numbers = list(filter(None, values))
    return not numbers or (max(numbers) <= MAX_INT and min(numbers) >= -MAX_INT)


def _by_table(tbls: list[str], datas: list[dict], counts: Counter) -> dict[str, list[dict]]:
    """The datas of each table, in order, a run of one table at a time: where the runs
    start is found in C, and a large package's changes come in long runs (a list import, a
    first package: 5 runs for the 9,900 changes of a bench township)."""
    by_table: dict[str, list[dict]] = {t: [] for t in counts}
    starts = [0, *compress(count(1), map(ne, tbls, islice(tbls, 1, None))), len(tbls)]
    for start, end in pairwise(starts):
        by_table[tbls[start]] += datas[start:end]
    return by_table


def _base_ok(base, cols: dict) -> bool:
    return type(base) is dict and all(
        k in cols and type(b) is list and len(b) == 2 and type(b[0]) is int
        and type(b[1]) is str for k, b in base.items())


def _check_each(items: list, name: str, check_ranges: bool, types: dict) -> dict[str, int]:
    """Every change on its own, naming each problem (at most 50) in the refusal."""
    problems: list[str] = []
    counts: dict[str, int] = {}
    seen: set[tuple[str, int]] = set()
    good_keys: set[tuple] = set()
    good_sites: set[str] = set()
    shapes: dict[tuple, tuple | None] = {}
    row_ok = _ROW_ID.match

    def bad(i: int, what: str) -> None:
        problems.append(f"第{i + 1}条变更：{what}")

    def judge(tbl: str, cols: dict, data: dict) -> tuple | None:
        if not data.keys() <= cols.keys():
            return ("column", str(min(data.keys() - cols.keys()))[:40])
        for k, v in data.items():
            if v is not None and type(v) is not cols[k]:
                return ("type", k)
        return None

    for i, e in enumerate(items):
        if len(problems) >= 50:
            break
        if type(e) is not dict:
            bad(i, "结构无效")
            continue
        shape = tuple(e)
        if shape not in good_keys:
            if e.keys() != ENTRY_KEYS and e.keys() != WITH_PERSON:
                bad(i, "结构无效")
                continue
            good_keys.add(shape)
        if "person" in e and (type(e["person"]) is not str or len(e["person"]) > PERSON_MAX):
            bad(i, "修改人无效")
            continue
        tbl, row_id, op, data, base = e["tbl"], e["row_id"], e["op"], e["data"], e["base"]
        hlc, site, seq = e["hlc"], e["site_id"], e["site_seq"]
        cols = types.get(tbl) if type(tbl) is str else None
        if cols is None:
            bad(i, f"未知的数据表“{str(tbl)[:40]}”")
            continue
        if type(row_id) is not str or not row_ok(row_id):
            bad(i, f"{label(tbl)}的记录编号无效")
            continue
        if op not in ("i", "u", "d"):
            bad(i, "操作类型无效")
            continue
        if type(hlc) is not int or not 0 < hlc <= MAX_INT or type(seq) is not int \
                or not 0 < seq <= MAX_INT or type(site) is not str \
                or (site not in good_sites and not _SITE_ID.match(site)):
            bad(i, "时间戳或来源无效")
            continue
        good_sites.add(site)
        if (site, seq) in seen:
            bad(i, "变更序号重复")
            continue
        seen.add((site, seq))
        if type(data) is not dict or (op == "d" and data) or (op == "u" and not data):
            bad(i, f"{label(tbl)} {row_id[:8]}：字段数据无效")
            continue
        key = (tbl, tuple(data), tuple(map(type, data.values())))
        try:
            verdict = shapes[key]
        except KeyError:
            verdict = shapes[key] = judge(tbl, cols, data)
        if verdict is not None and verdict[0] == "column":
            bad(i, f"{label(tbl)}没有字段“{verdict[1]}”")
            continue
        if verdict is not None or check_ranges:
            # text length is bounded by the payload limit; integers must fit SQLite's 64 bits
            for k, v in data.items():
                if v is not None and (type(v) is not cols[k] or (type(v) is int and not -MAX_INT <= v <= MAX_INT)):
                    bad(i, f"{label(tbl)} {row_id[:8]}的字段“{k}”类型无效")
                    break
        if base is not None and not _base_ok(base, cols):
            bad(i, f"{label(tbl)} {row_id[:8]}：基准时间戳无效")
        counts[tbl] = counts.get(tbl, 0) + 1
    if problems:
        raise PackageRejected("invalid", f"“{name}”中的变更数据不合规，拒绝导入：", problems)
    return counts
