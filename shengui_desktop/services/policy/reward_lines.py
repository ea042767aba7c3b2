"""The rewards of a year under the active profile: every enterprise's reward lines and the totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ...domain.policy import REWARD_STATUSES
from ...domain.policy_results import ProfileRef, RewardLine, Rewards, RewardTotals
from ...domain.policy_rewards import rewards_for, totals
from ...errors import UserError
from ...progress import Cancel, Job, Progress
from .facts import gather_reward_facts
from .profiles import active_profile

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


def rewards(ledger: Ledger, year: int, today: date | None = None) -> Rewards:
    """Every reward line of the year under the active profile, with totals."""
    today = today or date.today()
    profile = active_profile(ledger)
    if profile is None:
        return Rewards(year=year, profile=None, lines=[], totals=totals([]), statuses=None,
                       notes=["尚未选择政策配置，无法计算奖补"])
    span = 1
    for rule in profile.data["rewards"]:
        span = max(span, rule.get("year", 1), rule.get("years", 1), rule.get("parts", 1),
                   rule.get("to_year", 50) if rule["kind"] == "continued" else 1)
    lines = []
    for f in gather_reward_facts(ledger, year, span).values():
        lines.extend(rewards_for(profile, f, year, today))
    lines.sort(key=lambda ln: (ln.township_code, ln.name, ln.rule))
    return Rewards(year=year, profile=ProfileRef(code=profile.code, name=profile.name, version=profile.version),
                   lines=lines, totals=totals(lines), statuses=REWARD_STATUSES,
                   notes=[f"{r['name']}：{r['quote']}" for r in profile.data["rewards"]])


# -- the 奖补测算 page, its spreadsheet and its PDF: one year's lines with their totals ----------
# A clawback case (追回): money the county paid under a rule that no longer allows it (a claim
# of the year recorded 兑现 while the rule now says 不予享受 or 不再兑现), or an award lost on
# leaving the register within the document's years (闽侯: 尚未兑现的奖励资金部分将不再兑现).
CLAWBACK_ACTIONS = {"recover": "已兑现，应追回", "stop": "未兑现部分不再兑现"}
# the claims (reward_claims.kind) each rule kind reads besides claims made under its own code
_CLAIMS_OF_RULE = {"investment_subsidy": "tech_upgrade", "bid_award": "bid_contract",
                   "growth": "local_contribution"}


@dataclass
class RewardSum:
    """The due amounts of a township or a year (the CLI's 应兑现合计 for the county)."""

    key: str  # township code, or the year as text
    label: str  # 秀水镇, 2026年
    due_amount: int  # yuan, due lines with an amount
    due_without_amount: int  # due lines whose amount a higher level sets
    enterprises: int  # enterprises with a due line
    lines: int  # every line, whatever its status


@dataclass
class Clawback:
    line: RewardLine
    township: str
    action: str  # a key of CLAWBACK_ACTIONS
    action_text: str
    amount: int | None  # recover: what was paid; stop: the part no longer paid
    paid_on: str | None  # recover: the date of the county's payment


@dataclass
class RewardOverview:
    year: int
    township_code: str | None  # None: the whole county
    township_name: str  # '' for the whole county
    profile: ProfileRef | None
    lines: list[RewardLine]  # of the township when one is chosen
    township_names: dict[str, str]  # code → name
    totals: RewardTotals  # of `lines`: for the county, those of `shengui rewards`
    townships: list[RewardSum]  # per township with lines, by code
    years: list[RewardSum]  # each year of `years`, oldest first
    clawbacks: list[Clawback]
    notes: list[str]

    def township_of(self, line: RewardLine) -> str:
        return self.township_names.get(line.township_code, line.township_code)


def _sum(key: str, label: str, lines: list[RewardLine]) -> RewardSum:
    t = totals(lines)
    return RewardSum(key, label, t.due_amount, t.due_without_amount, t.enterprises, len(lines))


def _clawbacks(ledger: Ledger, profile_rules: dict[str, str], year: int, lines: list[RewardLine],
               names: dict[str, str]) -> list[Clawback]:
    paid: dict[str, list[dict]] = {}
    for c in ledger.rows("SELECT enterprise_id, kind, rule, description, amount, decided_on FROM reward_claims"
                         " WHERE year = ? AND status = 'paid' ORDER BY recorded_on, rowid", (year,)):
        paid.setdefault(c["enterprise_id"], []).append(c)
    out = []
    for ln in lines:
        if ln.status not in ("not_eligible", "forfeited"):
            continue
        kind = profile_rules.get(ln.rule, "")
        claims = [c for c in paid.get(ln.enterprise_id, [])
                  if (c["kind"] == "award" and c["rule"] == ln.rule) or c["kind"] == _CLAIMS_OF_RULE.get(kind)]
        if kind in ("investment_subsidy", "bid_award"):  # one line per claim, named in its reason
            claims = [c for c in claims if c["kind"] == "award" or ln.reason.startswith(f"“{c['description']}”")]
        township = names.get(ln.township_code, ln.township_code)
        if claims:
            amount = sum(c["amount"] or 0 for c in claims) or None
            when = max((c["decided_on"] or "" for c in claims), default="") or None
            out.append(Clawback(ln, township, "recover", CLAWBACK_ACTIONS["recover"], amount, when))
        elif ln.status == "forfeited":
            out.append(Clawback(ln, township, "stop", CLAWBACK_ACTIONS["stop"], ln.computed_amount, None))
    return out


def township_code(ledger: Ledger, text: str) -> str:
    """A township as people type it (its name in any width, or its 9-digit code) → its code."""
    from ..ledger.reference import township_by_name

    row = ledger.one("SELECT code FROM townships WHERE code = ?", (text.strip(),)) or township_by_name(ledger, text)
    if row is None:
        raise UserError(f"台账中没有乡镇“{text}”")
    return row["code"]


def reward_overview(ledger: Ledger, year: int, today: date | None = None, *, township_code: str | None = None,
                    years: list[int] | None = None, progress: Progress | None = None,
                    cancel: Cancel = None) -> RewardOverview:
    """The year's reward lines (of one township, or the county), their totals by township and
    by year (`years`, default the year and the two before it), and the clawback cases.
    Cancelling raises Cancelled; nothing is written."""
    today = today or date.today()
    job = Job(progress, cancel)
    names = {r["code"]: r["name"] for r in ledger.rows("SELECT code, name FROM townships")}
    if township_code is not None and township_code not in names:
        raise UserError(f"台账中没有乡镇代码“{township_code}”")
    years = sorted(set(years or range(year - 2, year + 1)) | {year})
    mine = (lambda ln: ln.township_code == township_code) if township_code else (lambda ln: True)
    by_year: dict[int, Rewards] = {}
    for i, y in enumerate(years):
        job.report(f"测算{y}年奖补", i, len(years))
        by_year[y] = rewards(ledger, y, today)
    job.report("汇总", len(years), len(years))
    result = by_year[year]
    lines = [ln for ln in result.lines if mine(ln)]
    by_township: dict[str, list[RewardLine]] = {}
    for ln in lines:
        by_township.setdefault(ln.township_code, []).append(ln)
    profile = active_profile(ledger)
    rules = {r["code"]: r["kind"] for r in profile.data["rewards"]} if profile else {}
    return RewardOverview(
        year=year, township_code=township_code, township_name=names.get(township_code or "", ""),
        profile=result.profile, lines=lines, township_names=names, totals=totals(lines),
        townships=[_sum(code, names.get(code, code or "未指定乡镇"), got) for code, got in sorted(by_township.items())],
        years=[_sum(str(y), f"{y}年", [ln for ln in by_year[y].lines if mine(ln)]) for y in years],
        clawbacks=_clawbacks(ledger, rules, year, lines, names), notes=result.notes)
