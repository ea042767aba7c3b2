"""What the policy rules return: targets and their completion, rewards, pool sizing, calendar
reminders and the entry checklist, as types.

services.policy builds these; the CLI, the PDF reports and the window read their fields.
`dataclasses.asdict` of a result (or `to_dict()` where a type has one) is the `--json` form,
with the fields in the order declared here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


# -- targets ---------------------------------------------------------------------------------
@dataclass
class TargetLine:
    """One township, department or the county under the year's 净增 target: target, entries (新增), exits and what follows
    from them (净增 = entries − exits, completion = 净增 ÷ target, rounded to 4 places).

    `registered` is False for a township or department that the policy profile allocates a
    target to but that is not in the ledger yet (未登记): listed with its share, no key, no
    entries or exits; its share applies as soon as it is added, imported or enrolled."""

    scope: str  # "township" | "department" | "county"
    key: str | None  # township code or department id (None: the county, no department, or 未登记)
    name: str
    target: int | None  # net increase asked for; None when not set
    entries: int
    new_entries: int = field(init=False)  # = entries (the name the documents use)
    exits: int
    net_increase: int = field(init=False)
    completion_rate: float | None = field(init=False)
    note: str | None = None
    registered: bool = True

    def __post_init__(self) -> None:
        self.new_entries = self.entries
        self.net_increase = self.entries - self.exits
        self.completion_rate = round(self.net_increase / self.target, 4) if self.target else None


@dataclass
class CountyTargetLine(TargetLine):
    target_source: str = ""  # 全县目标 / 各乡镇目标之和 / 未设定


@dataclass
class KindLine:
    """One township, department or the county under a target of another kind than the
    year's 净增: the number asked for, what is achieved (新增: entries in the year; 累计新增:
    entries since the period began; 规上企业总数: enterprises above scale at the end of the
    year) and completion = achieved ÷ target, rounded to 4 places. `counted` is False for a
    higher level's target (全省): this ledger holds only part of what it counts, so no
    completion is given."""

    scope: str  # "township" | "department" | "county"
    key: str | None
    name: str
    target: int | None
    achieved: int
    completion_rate: float | None = field(init=False)
    note: str | None = None
    registered: bool = True
    counted: bool = True

    def __post_init__(self) -> None:
        self.completion_rate = (round(self.achieved / self.target, 4)
                                if self.target and self.counted else None)


@dataclass
class KindTargets:
    """A target of one kind over one period that applies to the year asked, with its
    completion by township, department and for the county."""

    kind: str  # a key of domain.records.TARGET_KINDS
    kind_name: str  # 净增 | 新增 | 累计新增 | 规上企业总数
    first_year: int
    last_year: int  # = first_year for 净增 and 新增
    title: str  # e.g. "2022–2026年累计新增", "至2025年底规上企业总数", "2022年新增"
    achieved_label: str  # what `achieved` counts, e.g. "2022–2024年新增入规"
    area: str | None  # a higher level's target (全省), listed for reference only
    county: KindLine
    target_source: str  # 全县目标 / 各乡镇目标之和 / 未设定 / 全省目标
    townships: list[KindLine]  # as TargetProgress.townships (none for a higher level's)
    departments: list[KindLine]  # those with a target or something achieved; then 未登记 ones
    note: str | None
    quote: str  # the document's words, when a profile sets it


@dataclass
class TargetProgress:
    year: int
    county: CountyTargetLine
    # every township of the ledger, in code order; then those the profile allocates to that are
    # not in the ledger yet (registered False), in the profile's order
    townships: list[TargetLine]
    departments: list[TargetLine]  # those with a target or a move in the year; then 未登记 ones
    township_target_total: int | None
    department_target_total: int | None
    # every other target that applies to the year: 新增, 累计新增, 规上企业总数, a higher
    # level's 净增; in that order
    other_targets: list[KindTargets] = field(default_factory=list)


# -- rewards ---------------------------------------------------------------------------------
@dataclass
class ProfileRef:
    code: str
    name: str
    version: str


@dataclass
class RewardLine:
    """What one reward rule gives one enterprise in one year."""

    enterprise_id: str
    credit_code: str
    name: str
    township_code: str
    year: int
    entry_year: int | None
    reward_year: int | None  # k-th year since entry (1 = the entry year)
    rule: str  # the rule's code in the profile
    rule_name: str
    payer: str
    amount: int | None  # yuan, only when due and the document fixes the amount
    computed_amount: int | None  # the amount the rule gives, whatever the status
    amount_text: str  # what to say instead of (or about) the amount
    status: str  # a key of domain.policy.REWARD_STATUSES
    status_text: str
    reason: str
    quote: str


@dataclass
class RewardTotals:
    due_amount: int
    due_by_payer: dict[str, int]
    due_without_amount: int  # due lines whose amount a higher level or the finance office sets
    enterprises: int  # enterprises with at least one due line


@dataclass
class Rewards:
    year: int
    profile: ProfileRef | None  # None: no profile chosen, nothing computed (see notes)
    lines: list[RewardLine]
    totals: RewardTotals
    statuses: dict[str, str] | None  # REWARD_STATUSES; None without a profile
    notes: list[str]  # each rule's name and quote, or why nothing was computed

    def lines_of(self, enterprise_id: str) -> list[RewardLine]:
        return [line for line in self.lines if line.enterprise_id == enterprise_id]

    def to_dict(self) -> dict:
        data = asdict(self)
        if self.statuses is None:
            del data["statuses"]
        return data


# -- pool sizing (孝义) -----------------------------------------------------------------------
@dataclass
class PoolSize:
    pool: str
    pool_name: str
    multiple: int
    required: int | None  # None when the target it is a multiple of is not set
    count: int
    shortfall: int | None
    basis: str = ""  # what the size is a multiple of, e.g. "本年度目标2户"


@dataclass
class PoolSizing:
    year: int
    year_target: int | None
    plan_annual_target: int | None
    basis_text: str
    pools: list[PoolSize]
    quote: str
    problem: str | None


# -- calendar and entry checklist ------------------------------------------------------------
@dataclass
class Reminder:
    code: str
    title: str
    month: int
    source: str  # 本地文件 | 统计制度
    quote: str
    related_flag: str | None
    count: int | None  # enterprises carrying related_flag (None without one)
    text: str  # the title, with the count when there is one


@dataclass
class ChecklistItem:
    """One entry material of one enterprise (DOMAIN.md "Typical entry materials")."""

    item: str  # a key of domain.policy_calendar.CHECKLIST_ITEMS
    label: str
    applicable: bool
    done: bool
    done_on: str | None
    note: str | None
    checked_by: str | None
    auto: str  # what the ledger itself shows about the item ("" when nothing)
