"""The records a person enters for the policy rules: projects and their milestones, reward
claims, earlier above-scale periods. Their labels and their validation, shared by the
command line, the spreadsheet import and the window (one Chinese message for one mistake).

Pure Python: values arrive already typed (integer yuan, ISO dates as text); the callers turn
what people type (万元, 2024/3/5) into those first.
"""

from __future__ import annotations

from datetime import date

from ..errors import ValidationError
from .credit_code import normalise
from .policy import BID_REGIONS
from .records import narrative, parse_iso_date
from .text import clean, clean_name, name_problem

PROJECT_KINDS = {"new_build": "新建项目", "tech_upgrade": "技改项目", "key": "重点项目"}
PROJECT_STATUSES = {"planned": "在谈", "signed": "已签约", "under_construction": "在建",
                    "in_production": "已投产", "abandoned": "已终止"}
CLAIM_KINDS = {"tech_upgrade": "技术改造投资", "bid_contract": "省外或本省其他地市中标合同",
               "local_contribution": "新增地方经济贡献（财政部门核定）",
               "award": "奖补项目申报"}
CLAIM_STATUSES = {"claimed": "申报", "reviewing": "审核", "paid": "兑现", "rejected": "不予"}
# the statuses only the county sets (a township files claims: 申报)
COUNTY_CLAIM_STATUSES = ("reviewing", "paid", "rejected")

# other ways offices write the same choice (a spreadsheet cell, a command-line option)
_ALIASES = {
    "project_kind": {"新建": "new_build", "新建项目": "new_build", "技改": "tech_upgrade",
                     "技术改造": "tech_upgrade", "技术改造项目": "tech_upgrade",
                     "技改项目": "tech_upgrade", "重点": "key", "重点项目": "key"},
    "project_status": {"签约": "signed", "建设中": "under_construction", "投产": "in_production",
                       "终止": "abandoned", "谈判": "planned"},
    "claim_kind": {"技改": "tech_upgrade", "技改投资": "tech_upgrade", "技改补助": "tech_upgrade",
                   "技术改造": "tech_upgrade", "中标": "bid_contract", "中标合同": "bid_contract",
                   "市外中标合同": "bid_contract", "中标奖励": "bid_contract",
                   "地方经济贡献": "local_contribution", "新增地方经济贡献": "local_contribution",
                   "成长激励": "local_contribution", "奖励": "award", "奖补": "award",
                   "奖补申报": "award"},
    "claim_status": {"申报中": "claimed", "已申报": "claimed", "审核中": "reviewing",
                     "已兑现": "paid", "不予兑现": "rejected", "不予享受": "rejected"},
    "bid_region": {"本省其他地市（含平潭）": "other_city_in_province", "外省": "outside_province",
                   "市内": "same_city"},
}
_CHOICES = {"project_kind": PROJECT_KINDS, "project_status": PROJECT_STATUSES,
            "claim_kind": CLAIM_KINDS, "claim_status": CLAIM_STATUSES, "bid_region": BID_REGIONS}

# project date fields and their labels, in the order of a project's life
PROJECT_DATES = {
    "planned_start_date": "计划开工日期", "actual_start_date": "实际开工日期",
    "planned_completion_date": "计划竣工日期", "actual_completion_date": "实际竣工日期",
    "planned_production_date": "计划投产日期", "production_start_date": "实际投产日期",
}
PROJECT_LABELS = {
    "name": "项目名称", "kind": "项目类别", "status": "项目状态", "investment": "总投资",
    **PROJECT_DATES, "expected_output": "预计达产年产值", "expected_to_reach_scale": "预计达产升规",
    "expected_scale_year": "预计升规年度", "responsible_unit": "责任单位", "note": "备注",
}


def choice_code(vocabulary: str, value: object) -> str | None:
    """The code a value names in one vocabulary (the code itself, its label or a common
    other way of writing it); None when it names none."""
    text = clean(value)
    choices = _CHOICES[vocabulary]
    if text in choices:
        return text
    for code, label in choices.items():
        if text == label:
            return code
    return _ALIASES[vocabulary].get(text.replace(" ", ""))


def _choice(record: dict, key: str, vocabulary: str, label: str, problems: dict,
            default: str | None = None) -> str | None:
    value = record.get(key)
    if value is None or clean(value) == "":
        return default
    code = choice_code(vocabulary, value)
    if code is None:
        problems[key] = f"{label}“{clean(value)}”无效，应为：{'、'.join(_CHOICES[vocabulary].values())}"
    return code


def _amount(record: dict, key: str, label: str, problems: dict, *, required: bool = False) -> int | None:
    value = record.get(key)
    if value is None or value == "":
        if required:
            problems[key] = f"{label}不能为空"
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems[key] = f"{label}应为金额（整数元）"
        return None
    if value < 0:
        problems[key] = f"{label}不能为负数"
    return value


def _year(record: dict, key: str, label: str, problems: dict, *, required: bool) -> int | None:
    value = record.get(key)
    if value is None or value == "":
        if required:
            problems[key] = f"{label}不能为空"
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        problems[key] = f"{label}应为2000–2100之间的年份"
        return None
    return value


def _not_before(values: dict, later: str, earlier: str, labels: dict, problems: dict) -> None:
    if values.get(later) and values.get(earlier) and values[later] < values[earlier] \
            and later not in problems:
        problems[later] = f"{labels[later]}{values[later]}不能早于{labels[earlier]}{values[earlier]}"


def _name(record: dict, key: str, label: str, problems: dict) -> str:
    """A name of a policy record (a project's, a milestone's, a claim's, an earlier name)
    as given (clean_name); nothing hidden in it and not too long (name_problem, the limit of
    an enterprise's name: these are names of that length, and sync checks them the same)."""
    text = clean_name(record.get(key))
    problem = name_problem(text, label, "enterprise") if text else None
    if problem:
        problems[key] = problem
    return text


def validate_project(record: dict) -> dict:
    """A project's clean fields (every field of the table the record may set); raises
    ValidationError naming each field that is wrong."""
    problems: dict[str, str] = {}
    out: dict = {"name": _name(record, "name", "项目名称", problems)}
    if not out["name"]:
        problems["name"] = "项目名称不能为空"
    out["kind"] = _choice(record, "kind", "project_kind", "项目类别", problems, "new_build")
    for key, label in PROJECT_DATES.items():
        out[key] = parse_iso_date(record.get(key), label, problems, key)
    status = _choice(record, "status", "project_status", "项目状态", problems)
    if status is None:  # what the dates say
        status = ("in_production" if out["production_start_date"] else
                  "under_construction" if out["actual_start_date"] else "planned")
    out["status"] = status
    out["investment"] = _amount(record, "investment", "总投资", problems)
    out["expected_output"] = _amount(record, "expected_output", "预计达产年产值", problems)
    out["expected_to_reach_scale"] = 1 if record.get("expected_to_reach_scale") else 0
    out["expected_scale_year"] = _year(record, "expected_scale_year", "预计升规年度", problems,
                                       required=False)
    out["responsible_unit"] = _name(record, "responsible_unit", "责任单位", problems) or None
    out["note"] = narrative(record.get("note"), "备注", problems, "note") or None
    for later, earlier in (("actual_completion_date", "actual_start_date"),
                           ("production_start_date", "actual_start_date"),
                           ("planned_completion_date", "planned_start_date"),
                           ("planned_production_date", "planned_start_date")):
        _not_before(out, later, earlier, PROJECT_LABELS, problems)
    if problems:
        raise ValidationError(problems)
    return out


def validate_milestone(record: dict) -> dict:
    """A milestone (节点任务): its name, due date, done date and note."""
    problems: dict[str, str] = {}
    out = {"name": _name(record, "name", "节点任务名称", problems),
           "due_date": parse_iso_date(record.get("due_date"), "计划完成日期", problems, "due_date"),
           "done_date": parse_iso_date(record.get("done_date"), "实际完成日期", problems, "done_date"),
           "note": narrative(record.get("note"), "备注", problems, "note") or None}
    if not out["name"]:
        problems["name"] = "节点任务名称不能为空"
    if problems:
        raise ValidationError(problems)
    return out


def milestone_late(milestone: dict, today: date) -> bool:
    """Not done and its due date has passed."""
    due = milestone.get("due_date")
    return not milestone.get("done_date") and isinstance(due, str) and due < today.isoformat()


def rule_code(text: str, rules: dict[str, str]) -> str | None:
    """The reward rule a person named: its code, its name, or the one rule whose name
    starts with (or else contains) what was typed ("提升奖励" for "提升奖励（30万元分三年兑现）")."""
    if text in rules:
        return text
    key = text.replace(" ", "")
    for test in (lambda name: name == key, lambda name: name.startswith(key), lambda name: key in name):
        found = [code for code, name in rules.items() if key and test(name.replace(" ", ""))]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None


def validate_claim(record: dict, rules: dict[str, str] | None = None) -> dict:
    """A reward claim's clean fields. `rules`: code → name of the active profile's reward
    rules (a claim of kind 'award' must name one of them)."""
    problems: dict[str, str] = {}
    kind = _choice(record, "kind", "claim_kind", "申报类别", problems)
    if kind is None and "kind" not in problems:
        problems["kind"] = f"申报类别不能为空，应为：{'、'.join(CLAIM_KINDS.values())}"
    out: dict = {"kind": kind, "rule": None}
    rule = clean(record.get("rule"))
    if kind == "award" or rule:
        code = rule_code(rule, rules or {})
        if not rule:
            problems["rule"] = "奖补项目申报须写明奖补项目（如" + "、".join((rules or {}).values()) + "）"
        elif code is None:
            problems["rule"] = (f"本台账的政策配置中没有奖补项目“{rule}”"
                                + (f"，应为：{'、'.join(rules.values())}" if rules else ""))
        out["rule"] = code
    out["year"] = _year(record, "year", "年度", problems, required=True)
    out["amount"] = _amount(record, "amount", "金额", problems, required=True)
    region = _choice(record, "bid_region", "bid_region", "中标项目所在地", problems)
    if kind == "bid_contract" and region is None and "bid_region" not in problems:
        problems["bid_region"] = f"中标项目所在地应为：{'、'.join(BID_REGIONS.values())}"
    out["bid_region"] = region if kind == "bid_contract" else None
    tender = record.get("public_tender")
    out["public_tender"] = (1 if kind == "bid_contract" else 0) if tender is None else (1 if tender else 0)
    description = _name(record, "description", "项目或合同名称", problems)
    if not description and kind == "award" and out["rule"]:
        description = (rules or {}).get(out["rule"], "")
    if not description and "rule" not in problems:
        problems["description"] = "项目或合同名称不能为空"
    out["description"] = description
    out["recorded_on"] = parse_iso_date(record.get("recorded_on"), "申报日期", problems, "recorded_on")
    out["evidence"] = narrative(record.get("evidence"), "证明材料", problems, "evidence") or None
    out["status"] = _choice(record, "status", "claim_status", "状态", problems, "claimed")
    out["decided_on"] = parse_iso_date(record.get("decided_on"), "决定日期", problems, "decided_on")
    out["decision_note"] = narrative(record.get("decision_note"), "审核意见", problems,
                                     "decision_note") or None
    if problems:
        raise ValidationError(problems)
    return out


def validate_scale_period(record: dict) -> dict:
    """An earlier above-scale period: the credit code, the name it had then, entered and exited."""
    problems: dict[str, str] = {}
    code = normalise(clean(record.get("credit_code")))
    if not code:
        problems["credit_code"] = "统一社会信用代码不能为空"
    entered = parse_iso_date(record.get("entered_on"), "入规日期", problems, "entered_on")
    exited = parse_iso_date(record.get("exited_on"), "退规日期", problems, "exited_on")
    if not entered and "entered_on" not in problems:
        problems["entered_on"] = "入规日期不能为空"
    if entered and exited and exited < entered:
        problems["exited_on"] = "退规日期不能早于入规日期"
    name = _name(record, "name", "当时的企业名称", problems)
    if not name:
        problems["name"] = "当时的企业名称不能为空"
    note = narrative(record.get("note"), "备注", problems, "note") or None
    if problems:
        raise ValidationError(problems)
    return {"credit_code": code, "name": name, "entered_on": entered, "exited_on": exited, "note": note}
