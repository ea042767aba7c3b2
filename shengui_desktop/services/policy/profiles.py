"""The policy profile of a ledger: the shipped profiles, choosing one, copying and editing it,
loading the targets it allocates.

A county chooses one of the shipped profiles (resources/policies/*.json); the choice is a
policy_profiles record (code, version, content) that syncs to the townships, so every ledger
knows which profile and version it runs. A county may copy the profile and edit the copy.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from ...domain.policy import Profile, ProfileError, validate_profile
from ...domain.records import TARGET_KINDS
from ...errors import UserError
from ...paths import resources_dir
from ...storage.ledger import Ledger
from ..ledger import reference
from ..office.permissions import require


# -- the shipped profiles --------------------------------------------------------------------
def _policy_files():
    return sorted(resources_dir().joinpath("policies").glob("*.json"))


def load_file(path) -> Profile:
    try:
        data = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as e:
        raise ProfileError(path.name, [f"不是有效的JSON（第{e.lineno}行第{e.colno}列）"]) from None
    return validate_profile(data, path.name)


def shipped_profiles() -> dict[str, Profile]:
    return {p.code: p for p in map(load_file, _policy_files())}


def list_profiles() -> list[dict]:
    """The profiles that ship with the program (for set-up and `shengui profile list`)."""
    return [{"id": p.code, "code": p.code, "name": p.name, "version": p.version,
             "locality": p.data["locality"], "document": p.data["document"]}
            for p in shipped_profiles().values()]


def _find_shipped(code_or_name: str) -> Profile:
    profiles = shipped_profiles()
    for p in profiles.values():
        if code_or_name in (p.code, p.name, p.data["locality"]):
            return p
    names = "、".join(f"{p.code}（{p.name}）" for p in profiles.values())
    raise UserError(f"没有名为“{code_or_name}”的政策配置。可选：{names}")


# -- the ledger's profile --------------------------------------------------------------------
def _row_id(code: str, version: str) -> str:
    return hashlib.blake2b(f"policy-profile:{code}:{version}".encode(), digest_size=16).hexdigest()


def active_profile_row(ledger: Ledger) -> dict | None:
    return ledger.one("SELECT * FROM policy_profiles WHERE active = 1 ORDER BY version DESC, id")


def active_profile(ledger: Ledger) -> Profile | None:
    row = active_profile_row(ledger)
    if row is None:
        return None
    return validate_profile(json.loads(row["content"]), row["name"])


def profiles_in_ledger(ledger: Ledger) -> list[dict]:
    return [{k: r[k] for k in ("id", "code", "name", "version", "active")}
            for r in ledger.rows("SELECT * FROM policy_profiles ORDER BY code, version")]


def _activate(ledger: Ledger, profile_id: str) -> None:
    for row in ledger.rows("SELECT id FROM policy_profiles WHERE active = 1 AND id != ?", (profile_id,)):
        ledger.update("policy_profiles", row["id"], {"active": 0})
    ledger.update("policy_profiles", profile_id, {"active": 1})


def _store(ledger: Ledger, profile: Profile) -> str:
    row_id = _row_id(profile.code, profile.version)
    content = json.dumps(profile.data, ensure_ascii=False, sort_keys=True)
    fields = {"code": profile.code, "name": profile.name, "version": profile.version,
              "content": content}
    if ledger.get("policy_profiles", row_id) is None:
        ledger.insert("policy_profiles", {"id": row_id, **fields, "active": 0})
    else:
        ledger.update("policy_profiles", row_id, fields)
    return row_id


def choose_profile(ledger: Ledger, code: str) -> dict:
    """Run this ledger under a shipped profile (or a copy already in the ledger, by code).

    Stores the profile's target allocations (apply_profile_targets); those of townships not
    in the ledger yet apply when they appear.
    """
    require(ledger, "profile")
    own = ledger.one("SELECT id FROM policy_profiles WHERE code = ? ORDER BY version DESC", (code,))
    with ledger.transaction():
        previous = active_profile(ledger)
        if own and code not in shipped_profiles():
            row_id = own["id"]
        else:
            row_id = _store(ledger, _find_shipped(code))
        _activate(ledger, row_id)
        report = apply_profile_targets(ledger, previous=previous)
    row = ledger.get("policy_profiles", row_id)
    return {"id": row_id, "code": row["code"], "name": row["name"], "version": row["version"],
            "targets": report}


def copy_profile(ledger: Ledger, name: str | None = None, *, activate: bool = True) -> dict:
    """A local copy of the active profile that the county may edit (made active unless told
    otherwise, its allocation then stored as choose_profile does)."""
    require(ledger, "profile")
    current = active_profile(ledger)
    if current is None:
        raise UserError("尚未选择政策配置，无法复制")
    data = copy.deepcopy(current.data)
    base = data.get("based_on") or f"{current.code}@{current.version}"
    n = 1 + ledger.scalar("SELECT count(*) FROM policy_profiles WHERE code LIKE ?",
                          (f"{current.code.split('.')[0]}.local%",))
    data.update(code=f"{current.code.split('.')[0]}.local{n}", name=name or f"{current.name}（本地修订{n}）",
                version="1", based_on=base)
    profile = validate_profile(data, data["name"])
    with ledger.transaction():
        row_id = _store(ledger, profile)
        if activate:
            _activate(ledger, row_id)
            report = apply_profile_targets(ledger, profile, previous=current)
        else:
            report = []
    return {"id": row_id, "code": profile.code, "name": profile.name, "version": profile.version,
            "targets": report}


def _set_path(data: Any, path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for i, part in enumerate(parts[:-1]):
        key: Any = int(part) if isinstance(node, list) and part.isdigit() else part
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            raise UserError(f"配置中没有“{'.'.join(parts[:i + 1])}”") from None
    last: Any = int(parts[-1]) if isinstance(node, list) and parts[-1].isdigit() else parts[-1]
    if isinstance(node, list) and not (isinstance(last, int) and last < len(node)):
        raise UserError(f"配置中没有“{path}”")
    node[last] = value


def edit_profile(ledger: Ledger, changes: dict[str, Any]) -> dict:
    """Change values of the active (copied) profile: {"flags.not_visited.days": 60, …}.

    Shipped profiles are kept as issued; copy first. Each edit raises the version, and the
    record syncs to the townships like any county-wide record; the stored targets follow the
    edited allocation.
    """
    require(ledger, "profile")
    row = active_profile_row(ledger)
    if row is None:
        raise UserError("尚未选择政策配置")
    if ".local" not in row["code"]:
        raise UserError(f"“{row['name']}”是随程序发布的配置，不能直接修改；请先复制再修改")
    data = json.loads(row["content"])
    previous = validate_profile(copy.deepcopy(data), row["name"])
    for path, value in changes.items():
        _set_path(data, path, value)
    data["version"] = str(int(row["version"]) + 1) if row["version"].isdigit() else row["version"] + ".1"
    profile = validate_profile(data, row["name"])
    with ledger.transaction():
        ledger.update("policy_profiles", row["id"], {
            "version": profile.version, "name": profile.name,
            "content": json.dumps(profile.data, ensure_ascii=False, sort_keys=True)})
        report = apply_profile_targets(ledger, profile, previous=previous)
    return {"id": row["id"], "code": profile.code, "version": profile.version, "targets": report}


def profile_places(profile: Profile | None) -> tuple[str, ...]:
    """The county names a township's name may begin with in this profile's documents."""
    return reference.place_prefixes(profile.data.get("locality")) if profile else ()


def _family(profile: Profile) -> str:
    return profile.code.split(".")[0]


def _block_key(block: dict) -> tuple:
    return block.get("kind", "net"), block["year"], block.get("until")


def apply_profile_targets(ledger: Ledger, profile: Profile | None = None, *,
                          previous: Profile | None = None) -> list[dict]:
    """Store the targets the profile allocates (by township and by department) as given, for
    every kind and period it allocates: the stored targets of such a kind and period become
    exactly the profile's (a unit the profile no longer names loses its stored target).
    Returns one line per allocation. A higher level's target (`area`) is not stored: it is
    not this county's.

    Townships are matched by name (see reference.name_key); one not in the ledger yet gets no
    stored target, but its share is not lost: services.policy.targets reads what the profile
    allocates from the profile itself, so the share applies as soon as the township
    appears, however it comes (added, imported, enrolled). Departments are added when missing.

    `previous`, the profile this one replaces: when it is a version or a copy of the same
    document, the stored targets of a kind and period it allocated and this one no longer
    does are taken away too (闽侯's 2022 target was stored as 净增 before it became 新增).
    """
    require(ledger, "profile")
    profile = profile or active_profile(ledger)
    if profile is None or ledger.meta("role") != "county":
        return []
    out = []
    with ledger.transaction():
        if previous is not None and _family(previous) == _family(profile):
            now = {_block_key(b) for b in profile.data["targets"] if b.get("area") is None}
            for block in previous.data["targets"]:
                if block.get("area") is None and _block_key(block) not in now:
                    kind, year, until = _block_key(block)
                    for row in ledger.rows("SELECT id FROM targets WHERE year = ? AND kind = ?"
                                           " AND until_year IS ?", (year, kind, until)):
                        reference.remove_target(ledger, row["id"])
        for block in profile.data["targets"]:
            if block.get("area") is not None:
                continue
            year, kind = block["year"], block.get("kind", "net")
            until = block.get("until")
            label = TARGET_KINDS[kind]
            common = {"year": year, "kind": kind, "until_year": until}
            line = {"year": year, "kind": kind, "until": until}
            kept: set[str] = set()
            if block.get("county") is not None:
                kept.add(reference.set_target(ledger, {**common, "scope": "county",
                                                       "net_increase": block["county"], "note": block.get("note")}))
                out.append({**line, "scope": "county", "name": "全县", "net_increase": block["county"],
                            "value": block["county"], "loaded": True})
            named = reference.townships_named(ledger, [t["name"] for t in block["townships"]],
                                              profile_places(profile))
            for t in block["townships"]:
                value = t.get("value", t.get("net_increase"))
                towns = named[t["name"]]
                for town in towns:
                    kept.add(reference.set_target(ledger, {**common, "scope": "township",
                                                           "township_code": town["code"],
                                                           "net_increase": value, "note": t.get("note")}))
                out.append({**line, "scope": "township", "name": t["name"], "net_increase": value,
                            "value": value, "loaded": bool(towns),
                            "notice": None if towns else
                            f"乡镇“{t['name']}”尚未登记，其目标（{label}{value}户）"
                            "在该乡镇加入台账时自动生效"})
            for d in block["departments"]:
                value = d.get("value", d.get("net_increase"))
                dept_id = reference.add_department(ledger, d["name"])
                kept.add(reference.set_target(ledger, {**common, "scope": "department", "department_id": dept_id,
                                                       "net_increase": value, "note": d.get("note")}))
                out.append({**line, "scope": "department", "name": d["name"], "net_increase": value,
                            "value": value, "loaded": True})
            for row in ledger.rows("SELECT id FROM targets WHERE year = ? AND kind = ? AND until_year IS ?",
                                   (year, kind, until)):
                if row["id"] not in kept:
                    reference.remove_target(ledger, row["id"])
    return out
