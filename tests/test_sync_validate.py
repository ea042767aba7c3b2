"""The column-wise check of a payload's changes (the fast path) and the change-by-change check
that names each problem must agree on every input: a payload the fast path accepts is one
the careful path accepts, with the same counts per table."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shengui_desktop.sync.errors import PackageRejected
from shengui_desktop.sync.validate import _check_each, _well_formed_counts

TYPES = {
    "enterprises": {"name": str, "credit_code": str, "township_code": str, "note": str},
    "visits": {"enterprise_id": str, "visit_date": str, "summary": str},
    "monthly_figures": {"enterprise_id": str, "period": str, "revenue": int, "employees": int},
}
SITE = "0123456789abcdef"


def good_entries() -> list[dict]:
    out = []
    seq = 0
    for i in range(4):
        seq += 1
        out.append({"tbl": "enterprises", "row_id": f"e{i}", "op": "i",
                    "data": {"name": f"企业{i}", "credit_code": f"91{i:016d}",
                             "township_code": "140322100", "note": None},
                    "base": None, "hlc": 1000 + seq, "site_id": SITE, "site_seq": seq})
        for m in range(2):
            seq += 1
            out.append({"tbl": "monthly_figures", "row_id": f"f{i}{m}", "op": "i",
                        "data": {"enterprise_id": f"e{i}", "period": f"2025-0{m + 1}",
                                 "revenue": 100 * m, "employees": None},
                        "base": None, "hlc": 1000 + seq, "site_id": SITE, "site_seq": seq})
    out.append({"tbl": "enterprises", "row_id": "e0", "op": "u", "data": {"note": "改"},
                "base": {"note": [1001, SITE]}, "hlc": 5000, "site_id": SITE, "site_seq": 99})
    out.append({"tbl": "visits", "row_id": "v0", "op": "d", "data": {}, "base": None,
                "hlc": 5001, "site_id": SITE, "site_seq": 100})
    return out


BAD_VALUES = [None, True, False, 0, -1, 2**63, 1.5, "", "x", "e0\n", "ABCDEF0123456789",
              [], {}, ["1", 2], [1, SITE], {"note": [1, SITE]}, {"nope": 1}, "enterprises",
              "u", "d", "i", SITE, "0123456789abcde\n"]
KEYS = ["tbl", "row_id", "op", "data", "base", "hlc", "site_id", "site_seq"]


@st.composite
def mutated(draw):
    items = good_entries()
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(items) - 1))
        kind = draw(st.sampled_from(["field", "data", "drop", "extra", "dup_seq", "not_dict"]))
        e = items[i]
        if not isinstance(e, dict):
            continue
        if kind == "field":
            e[draw(st.sampled_from(KEYS))] = draw(st.sampled_from(BAD_VALUES))
        elif kind == "data" and isinstance(e.get("data"), dict):
            key = draw(st.sampled_from(["name", "revenue", "employees", "period", "bogus", "note"]))
            e["data"][key] = draw(st.sampled_from(BAD_VALUES))
        elif kind == "drop":
            e.pop(draw(st.sampled_from(KEYS)), None)
        elif kind == "extra":
            e["extra"] = 1
        elif kind == "dup_seq":
            other = items[(i + 1) % len(items)]
            e["site_seq"] = other.get("site_seq") if isinstance(other, dict) else 1
        elif kind == "not_dict":
            items[i] = draw(st.sampled_from([[], "x", None, 1]))
    return items


def careful(items):
    try:
        return _check_each(copy.deepcopy(items), "p.sgpkg", True, TYPES)
    except PackageRejected:
        return None


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_fast_and_careful_checks_agree(items):
    assert _well_formed_counts(items, TYPES) == careful(items)


def test_a_good_payload_passes_both_ways_with_counts():
    items = good_entries()
    expected = {"enterprises": 5, "monthly_figures": 8, "visits": 1}
    assert _well_formed_counts(items, TYPES) == expected == careful(items)


@pytest.mark.parametrize("row_id", ["e0\n", "", "a" * 65, "e 0", "e0/../x"])
def test_row_ids_with_a_trailing_newline_or_odd_characters_are_refused(row_id):
    items = good_entries()
    items[0]["row_id"] = row_id
    assert _well_formed_counts(items, TYPES) is None and careful(items) is None


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63) + 1, 0, None])
def test_integers_that_fit_64_bits_pass(value):
    items = good_entries()
    items[1]["data"]["revenue"] = value
    assert _well_formed_counts(items, TYPES) == careful(items) is not None


@pytest.mark.parametrize("text", [b"9223372036854775808", b"18446744073709551615",
                                  b"18446744073709551616", b"-9223372036854775808",
                                  b"-99999999999999999999", b"123456789012345678901234567890"])
def test_integers_beyond_64_bits_are_refused_both_ways_as_orjson_reads_them(text):
    """Beyond 64 bits unsigned orjson reads a float (a type error); from 2**63 to 2**64 - 1
    an int, which the column check range-checks: the payload's text is not searched for
    long numbers any more."""
    import orjson

    items = good_entries()
    items[1]["data"]["revenue"] = orjson.loads(text)
    assert _well_formed_counts(items, TYPES) is None and careful(items) is None


@settings(max_examples=200, deadline=None)
@given(mutated())
def test_what_the_column_checks_find_on_the_way_is_what_the_plan_would_work_out(items):
    """validate_entries hands merge.plan the counts, origins' lowest and highest numbers and
    newest stamp it found (facts) instead of a second pass: the same as the plan's own."""
    from shengui_desktop.sync.merge import plan
    from shengui_desktop.sync.rows import RowMaker
    from shengui_desktop.storage.columns import TableSpec

    facts: dict = {}
    if _well_formed_counts(items, TYPES, facts) is None:
        return
    maker = RowMaker({t: TableSpec(t, tuple(cols), {}) for t, cols in TYPES.items()})
    given_facts, own = plan(items, maker, facts), plan(items, maker)
    assert (given_facts.counts, given_facts.lowest, given_facts.highest, given_facts.newest_hlc) == (
        own.counts, own.lowest, own.highest, own.newest_hlc)
    if len({e["site_id"] for e in items}) == 1:
        assert facts["lowest"] == own.lowest


def _names_one_by_one(items: list) -> list[str]:
    """name_problem on every name of every change: the reference for name_problems."""
    from shengui_desktop.domain.text import name_problem, shown
    from shengui_desktop.sync.rules import label
    from shengui_desktop.sync.validate import NAME_COLUMNS

    problems = []
    for i, e in enumerate(items):
        columns = NAME_COLUMNS.get(e["tbl"])
        if columns is None or not e["data"]:
            continue
        for key, (field, kind) in columns.items():
            text = e["data"].get(key)
            problem = name_problem(text, field, kind) if text is not None else None
            if problem:
                record = e["data"].get("name") if key != "name" and type(e["data"].get("name")) is str else None
                where = f"“{shown(record)}”" if record else f" {e['row_id'][:8]}"
                problems.append(f"第{i + 1}条变更：{label(e['tbl'])}{where}的{problem}")
    return problems[:50]


NAME_TEXTS = st.one_of(st.none(), st.sampled_from(["秀水镇", "", "张三、李四", "某某机械制造有限公司" * 3]),
                       st.text(alphabet=st.sampled_from(["企", "a", " ", "\u200b", "\x00", "\n", "\u3000", "·"]),
                               max_size=8),
                       st.text(min_size=30, max_size=300))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["enterprises", "visits", "monthly_figures", "projects",
                                           "reward_claims", "townships"]),
                          st.sampled_from(["name", "legal_person", "visitors", "description", "note"]),
                          NAME_TEXTS), max_size=12))
def test_names_are_refused_as_change_by_change(changes):
    """name_problems passes a short printable text over without name_problem: it refuses
    exactly what name_problem on every name refuses."""
    from shengui_desktop.sync.validate import name_problems

    items = [{"tbl": t, "row_id": f"r{i}", "op": "i", "data": {key: text} if text is not None else {},
              "base": None, "hlc": i + 1, "site_id": SITE, "site_seq": i + 1}
             for i, (t, key, text) in enumerate(changes)]
    assert name_problems(items) == _names_one_by_one(items)
