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
import re
from dataclasses import dataclass
from decimal import Decimal
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


# -- the county's editor: the documented parameters of a profile, one line each -----------------
@dataclass(frozen=True)
class ProfileParameter:
    """One number (or month list) of a profile the county may adapt in its copy.

    `path` is the `profile set` path; `text` the value as the editor shows and takes it
    (money in 万元, months as 1,2,3); `quote` the document's words it comes from."""

    path: str
    section: str
    label: str
    unit: str
    value: Any
    text: str
    quote: str
    optional: bool = False


# key → (label, unit, optional) for the numbers inside a reward rule
_REWARD_FIELDS = {
    "amount": ("金额", "万元", True), "total": ("总额", "万元", False),
    "parts": ("分期数", "期", False),
    "from_year": ("自入规第几年", "年", False), "to_year": ("至入规第几年", "年", True),
    "years": ("年限", "年", False), "min_output_growth_percent": ("产值增长下限", "%", False),
    "min_investment": ("投资额下限", "万元", False), "min_contract": ("合同额下限", "万元", False),
    "rate_percent": ("比例", "%", False), "project_cap": ("单个项目上限", "万元", True),
    "annual_cap": ("年度上限", "万元", True),
}
_POOL_NAMES = {"base": "基础信息库", "reserve": "储备库", "cultivation": "培育库", "entry": "入统库",
               "exit_risk": "退规风险库"}


def _money_text(yuan: int | None) -> str:
    if yuan is None:
        return ""
    text = f"{Decimal(yuan) / 10000:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _param(path, section, label, unit, value, quote, optional=False) -> ProfileParameter:
    if unit == "万元":
        text = _money_text(value)
    elif unit == "月份":
        text = ",".join(str(m) for m in value)
    else:
        text = "" if value is None else str(value)
    return ProfileParameter(path, section, label, unit, value, text, quote or "", optional)


def profile_parameters(profile: Profile) -> list[ProfileParameter]:
    """The documented parameters of a profile in the order of the 政策配置 summary:
    threshold, pool rules and sizing, warnings, rewards, targets, calendar."""
    d = profile.data
    out = [_param("threshold", "规上标准", "年主营业务收入", "万元", d["threshold"], d.get("document"))]
    for i, rule in enumerate(d["pool_rules"]):
        pool = _POOL_NAMES.get(rule["pool"], rule["pool"])
        if rule["when"] == "revenue_between":
            basis = "上年营收" if rule["basis"] == "prior_year" else "预计营收"
            out.append(_param(f"pool_rules.{i}.min", "培育库", f"{pool}：{basis}下限", "万元", rule["min"],
                              rule["quote"]))
            out.append(_param(f"pool_rules.{i}.max", "培育库", f"{pool}：{basis}上限（空为不设）", "万元", rule.get("max"),
                              rule["quote"], optional=True))
        elif rule["when"] == "exited_within_years":
            out.append(_param(f"pool_rules.{i}.years", "培育库", f"{pool}：退规后年数", "年", rule["years"],
                              rule["quote"]))
    sizing = d.get("pool_sizing")
    if sizing:
        out.append(_param("pool_sizing.plan_annual_target", "培育库", "库容：计划年均目标（空为本年度目标）", "户",
                          sizing.get("plan_annual_target"), sizing["quote"], optional=True))
        for key, pool in (("reserve_multiple", "储备库"), ("cultivation_multiple", "培育库"),
                          ("entry_multiple", "入统库")):
            out.append(_param(f"pool_sizing.{key}", "培育库", f"库容：{pool}为目标的", "倍", sizing[key],
                              sizing["quote"]))
    flags = d["flags"]
    risk = flags.get("exit_risk")
    if risk and risk["rule"] == "decline":
        out.append(_param("flags.exit_risk.percent", "预警", "退规风险：营收下降", "%", risk["percent"], risk["quote"]))
    elif risk:
        out.append(_param("flags.exit_risk.amount", "预警", "退规风险：预计营收低于", "万元", risk["amount"],
                          risk["quote"]))
    for path, label, unit in (("electricity_without_output.months", "有电量无产值：连续", "个月"),
                              ("revenue_jump.min_growth_percent", "营收异常增长：增幅达", "%"),
                              ("revenue_jump.min_intensity_drop_percent", "营收异常增长：电耗强度降幅达", "%"),
                              ("not_visited.days", "久未走访：超过", "天")):
        code, key = path.split(".")
        if flags.get(code):
            out.append(_param(f"flags.{path}", "预警", label, unit, flags[code][key], flags[code]["quote"]))
    for i, rule in enumerate(d["rewards"]):
        for key, (label, unit, optional) in _REWARD_FIELDS.items():
            if key in rule:
                out.append(_param(f"rewards.{i}.{key}", "奖补", f"{rule['name']}：{label}", unit, rule[key],
                                  rule["quote"], optional=optional))
    for i, block in enumerate(d["targets"]):
        if block.get("area") is not None:
            continue
        period = f"{block['year']}–{block['until']}年" if block.get("until") not in (None, block["year"]) \
            else f"{block['year']}年"
        title = f"{period}{TARGET_KINDS[block.get('kind', 'net')]}"
        if block.get("county") is not None:
            out.append(_param(f"targets.{i}.county", "目标", f"{title}：全县", "户", block["county"], block["quote"]))
        for group, word in (("townships", "乡镇"), ("departments", "部门")):
            for j, unit in enumerate(block[group]):
                key = "value" if "value" in unit else "net_increase"
                out.append(_param(f"targets.{i}.{group}.{j}.{key}", "目标", f"{title}：{unit['name']}", "户",
                                  unit[key], block["quote"]))
    for i, entry in enumerate(d["calendar"]):
        out.append(_param(f"calendar.{i}.months", "日程", entry["title"], "月份", entry["months"], entry["quote"]))
    return out


_INTEGER = re.compile(r"^[+-]?\d+$")
_MONEY = re.compile(r"^\d+(\.\d{1,4})?$")


def parse_parameter(param: ProfileParameter, text: str) -> Any:
    """The value typed for a parameter, or a UserError naming it in Chinese."""
    raw = text.strip().replace("，", ",").replace("、", ",").replace(" ", "")
    if not raw:
        if param.optional:
            return None
        raise UserError(f"“{param.label}”不能为空")
    if param.unit == "万元":
        plain = raw.replace(",", "")
        if not _MONEY.match(plain):
            raise UserError(f"“{param.label}”应为以万元计的金额（如 2000 或 12.5），实际为“{text.strip()}”")
        return int(Decimal(plain) * 10000)
    if param.unit == "月份":
        parts = [p for p in raw.split(",") if p]
        if not parts or not all(_INTEGER.match(p) and 1 <= int(p) <= 12 for p in parts):
            raise UserError(f"“{param.label}”应为1至12的月份，用逗号分隔（如 3,6,9,12），实际为“{text.strip()}”")
        return sorted({int(p) for p in parts})
    if not _INTEGER.match(raw):
        raise UserError(f"“{param.label}”应为整数（{param.unit}），实际为“{text.strip()}”")
    return int(raw)


def original_profile(profile: Profile) -> Profile | None:
    """The shipped document a local copy was made from (None for a shipped profile, or when
    this program no longer ships it)."""
    base = profile.data.get("based_on")
    if not base:
        return None
    return shipped_profiles().get(base.split("@")[0])


def parameter_changes(profile: Profile) -> list[dict]:
    """What a local copy sets differently from its document: label, unit, the document's
    value, the copy's, and the document's quote (the words the county departs from)."""
    original = original_profile(profile)
    if original is None:
        return []
    before = {p.path: p for p in profile_parameters(original)}
    out = []
    for p in profile_parameters(profile):
        was = before.get(p.path)
        if was is None or was.value != p.value:
            out.append({"path": p.path, "section": p.section, "label": p.label, "unit": p.unit,
                        "original": was.text if was else None, "current": p.text, "quote": p.quote})
    return out


def edit_profile_parameters(ledger: Ledger, texts: dict[str, str]) -> dict:
    """The editor's save: the typed texts by path, parsed and checked all before anything is
    written (then edit_profile, the `profile set` path, checks the whole profile once more).
    Only the values that differ from the stored ones are changed; nothing changed is an error."""
    current = active_profile(ledger)
    if current is None:
        raise UserError("尚未选择政策配置")
    params = {p.path: p for p in profile_parameters(current)}
    changes: dict[str, Any] = {}
    problems = []
    for path, text in texts.items():
        param = params.get(path)
        if param is None:
            raise UserError(f"配置中没有“{path}”")
        try:
            value = parse_parameter(param, text)
        except UserError as e:
            problems.append(str(e))
            continue
        if value != param.value:
            changes[path] = value
    if problems:
        raise UserError("；".join(problems))
    if not changes:
        raise UserError("没有修改任何参数")
    try:
        return edit_profile(ledger, changes)
    except ProfileError as e:
        # the schema names paths; say them as the form does
        named = []
        for problem in e.problems:
            for path in sorted(params, key=len, reverse=True):
                if path in problem:
                    problem = problem.replace(path, f"“{params[path].label}”")
                    break
            named.append(problem)
        raise UserError("修改未保存：" + "；".join(named)) from None
