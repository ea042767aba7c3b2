"""The rewards calculator: what a profile's reward schedule gives one enterprise in one year.

Each line names the rule, the payer, the amount (integer yuan, or None when the document
leaves the amount to a higher level, with the text saying so), a status and why. Year k of
an enterprise is counted from the year of its entry into the statistics register (k = 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from .money import format_wan_short as wan
from .policy import BID_REGIONS, REWARD_STATUSES, Profile
from .policy_results import RewardLine, RewardTotals
from .text import match_key


@dataclass
class RewardFacts:
    enterprise_id: str
    name: str
    credit_code: str
    township_code: str = ""
    stat_status: str = "below_scale"
    entered_stats_date: str | None = None
    exited_stats_date: str | None = None
    earlier_periods: list[tuple[str, str, str | None]] = field(default_factory=list)
    output_by_year: dict[int, tuple[int, int]] = field(default_factory=dict)  # year → (total, months)
    claims: list[dict] = field(default_factory=list)  # reward_claims rows of the year asked
    paid_before: dict[str, int] = field(default_factory=dict)  # rule code → first earlier year paid

    @property
    def entry_year(self) -> int | None:
        return int(self.entered_stats_date[:4]) if self.entered_stats_date else None

    @property
    def exit_year(self) -> int | None:
        """Year the current above-scale period ended (None while still above scale)."""
        if self.exited_stats_date and (not self.entered_stats_date
                                       or self.exited_stats_date >= self.entered_stats_date):
            return int(self.exited_stats_date[:4])
        return None

    def exited_by(self, year: int) -> bool | None:
        """True if out of the register by the end of `year`; None when the date is unknown."""
        if self.exit_year is not None:
            return self.exit_year <= year
        if self.stat_status == "exited":
            return None
        return False

    @property
    def renamed(self) -> list[tuple[str, str, str | None]]:
        return [p for p in self.earlier_periods if match_key(p[0]) != match_key(self.name)]


def _line(f: RewardFacts, rule: dict, year: int, status: str, reason: str,
          amount: int | None = None, amount_text: str = "") -> RewardLine:
    k = year - f.entry_year + 1 if f.entry_year else None
    return RewardLine(enterprise_id=f.enterprise_id, credit_code=f.credit_code, name=f.name,
                      township_code=f.township_code, year=year, entry_year=f.entry_year,
                      reward_year=k, rule=rule["code"], rule_name=rule["name"],
                      payer=rule["payer"], amount=amount if status == "due" else None,
                      computed_amount=amount, amount_text=amount_text, status=status,
                      status_text=REWARD_STATUSES[status], reason=reason, quote=rule["quote"])


CLAIM_STATUS_TEXT = {"claimed": "已申报", "reviewing": "审核中", "paid": "已兑现", "rejected": "不予兑现"}


def _decision(c: dict) -> str:
    """What the county decided on a claim, for a reason text: "县级审核不予兑现（理由）"."""
    status = c.get("status") or "claimed"
    when = c.get("decided_on") or c.get("recorded_on") or ""
    text = {"claimed": f"{when}已申报" if when else "已申报", "reviewing": "县级审核中",
            "paid": f"县级已于{when}兑现" if when else "县级已兑现",
            "rejected": "县级审核不予兑现"}[status]
    return text + (f"（{c['decision_note']}）" if c.get("decision_note") else "")


def _eligibility(f: RewardFacts, rule: dict) -> tuple[str, str] | None:
    """A blocking (status, reason) from the enterprise's earlier periods, if any."""
    if rule.get("exclude_renamed_reentry") and f.renamed:
        name, entered, _ = f.renamed[-1]
        return "not_eligible", f"曾以“{name}”名称于{entered[:7]}入规，已入规退库只变更企业名称再次入规，不予享受"
    if rule.get("first_entry_only") and f.earlier_periods:
        return "not_eligible", f"非首次入规（曾于{f.earlier_periods[0][1][:7]}入规）"
    if rule.get("once_per_enterprise") and f.earlier_periods:
        return "to_verify", (f"曾于{f.earlier_periods[0][1][:7]}入规，每户企业只享受一次，"
                             "请核实此前是否已享受")
    return None


def _still(f: RewardFacts, year: int) -> tuple[bool | None, str]:
    gone = f.exited_by(year)
    if gone is None:
        return None, "已退规但退规日期未登记，请核实"
    if gone:
        return False, f"{f.exited_stats_date}退规"
    return True, ""


def _entry_year_rule(f: RewardFacts, rule: dict, year: int, k: int) -> list[RewardLine]:
    if k != rule["year"]:
        return []
    blocked = _eligibility(f, rule)
    if blocked:
        return [_line(f, rule, year, blocked[0], blocked[1], rule["amount"], rule.get("amount_text", ""))]
    reason = f"{f.entry_year}年入规，本年为入规第{k}年"
    if k > 1:
        still, why = _still(f, year)
        if still is None:
            return [_line(f, rule, year, "to_verify", why, rule["amount"])]
        if not still:
            return [_line(f, rule, year, "not_eligible", f"{why}，第{k}年未继续在规", rule["amount"])]
        reason += "，继续在规"
    if rule.get("condition_text"):
        reason += f"（{rule['condition_text']}）"
    return [_line(f, rule, year, "due", reason, rule["amount"], rule.get("amount_text", ""))]


def _continued_rule(f: RewardFacts, rule: dict, year: int, k: int) -> list[RewardLine]:
    if k < rule["from_year"] or k > rule.get("to_year", k):
        return []
    still, why = _still(f, year)
    if not still:
        exit_year = f.exit_year  # not None when `still` is False
        return [] if still is False and exit_year is not None and exit_year < year else [
            _line(f, rule, year, "to_verify" if still is None else "not_eligible", why)]
    # the document names the award but not its amount (nor, without to_year, how many years
    # it runs): a person checks
    span = f"（第{rule['from_year']}–{rule['to_year']}年）" if "to_year" in rule else ""
    return [_line(f, rule, year, "to_verify", f"{f.entry_year}年入规，本年为入规第{k}年{span}，持续在规；"
                  f"{rule['amount_text']}", None, rule["amount_text"])]


def _instalments(f: RewardFacts, rule: dict, year: int, k: int) -> list[RewardLine]:
    parts = rule["parts"]
    if not 1 <= k <= parts:
        return []
    part = rule["total"] // parts + (rule["total"] % parts if k == parts else 0)
    label = f"第{k}期（共{parts}期，合计{wan(rule['total'])}）"
    blocked = _eligibility(f, rule)
    if blocked:
        return [_line(f, rule, year, blocked[0], f"{label}：{blocked[1]}", part)]
    still, why = _still(f, year)
    if still is None:
        return [_line(f, rule, year, "to_verify", f"{label}：{why}", part)]
    if not still and rule["forfeit_on_exit"]:
        return [_line(f, rule, year, "forfeited",
                      f"{label}：{why}，入规后{parts}年内退出规上，尚未兑现部分不再兑现", part)]
    return [_line(f, rule, year, "due", f"{label}：{f.entry_year}年入规，仍在规上", part)]


def _growth(f: RewardFacts, rule: dict, year: int, k: int, today: date) -> list[RewardLine]:
    if not 1 <= k <= rule["years"]:
        return []
    if year >= today.year:
        return [_line(f, rule, year, "pending", "年度结束后按全年工业产值较上年增长情况核定")]
    now, before = f.output_by_year.get(year), f.output_by_year.get(year - 1)
    if not now or not before or now[1] < 12 or before[1] < 12 or not before[0]:
        return [_line(f, rule, year, "to_verify", f"{year}年或{year - 1}年工业产值月度数据不全，无法计算增长")]
    growth = now[0] / before[0] - 1
    text = f"工业产值{wan(now[0])}，较上年{wan(before[0])}增长{growth:.1%}"
    if now[0] * 100 < before[0] * (100 + rule["min_output_growth_percent"]):  # exact at 10%
        return [_line(f, rule, year, "not_eligible",
                      f"{text}，未达{rule['min_output_growth_percent']}%")]
    claims = [c for c in f.claims if c["kind"] == "local_contribution"]
    confirmed = [c for c in claims if c.get("status") != "rejected"]
    if confirmed:
        total = sum(c["amount"] for c in confirmed)
        states = "、".join(dict.fromkeys(_decision(c) for c in confirmed))
        return [_line(f, rule, year, "due", f"{text}；新增地方经济贡献已核定{wan(total)}（{states}）", total)]
    if claims:
        return [_line(f, rule, year, "not_eligible", f"{text}；新增地方经济贡献申报{_decision(claims[-1])}")]
    return [_line(f, rule, year, "due", text, None, rule["amount_text"])]


def _capped(f: RewardFacts, rule: dict, year: int, k: int, kind: str) -> list[RewardLine]:
    claims = [c for c in f.claims if c["kind"] == kind]
    if not claims:
        return []
    window = f.entry_year is not None and 1 <= k <= rule["years"]
    lines, paid = [], 0
    is_bid = rule["kind"] == "bid_award"
    minimum = rule["min_contract"] if is_bid else rule["min_investment"]
    noun = "中标合同金额" if is_bid else "设备和信息化实际投资额（不含增值税）"
    for c in claims:
        head = f"“{c['description']}”{noun}{wan(c['amount'])}"
        if c.get("status") == "rejected":
            lines.append(_line(f, rule, year, "not_eligible", f"{head}：{_decision(c)}"))
            continue
        if not window:
            lines.append(_line(f, rule, year, "not_eligible",
                               f"{head}：不在小升规当年度和之后{rule['years'] - 1}年内"))
            continue
        if c["amount"] < minimum:
            lines.append(_line(f, rule, year, "not_eligible", f"{head}，未达{wan(minimum)}"))
            continue
        if is_bid and c.get("bid_region") not in rule["regions"]:
            region = BID_REGIONS.get(c.get("bid_region") or "", "未登记地区")
            lines.append(_line(f, rule, year, "not_eligible",
                               f"{head}：{region}项目，须为{'或'.join(BID_REGIONS[r] for r in rule['regions'])}"))
            continue
        if is_bid and rule["public_tender_only"] and not c.get("public_tender"):
            lines.append(_line(f, rule, year, "not_eligible", f"{head}：须为公开招标项目"))
            continue
        amount = c["amount"] * rule["rate_percent"] // 100
        notes = [f"按不超过{rule['rate_percent']}%计{wan(amount)}"]
        if is_bid and rule["project_cap"] is not None and amount > rule["project_cap"]:
            amount = rule["project_cap"]
            notes.append(f"单个项目不超过{wan(amount)}")
        if rule["annual_cap"] is not None and paid + amount > rule["annual_cap"]:
            amount = max(rule["annual_cap"] - paid, 0)
            notes.append(f"单家企业年度不超过{wan(rule['annual_cap'])}，本项计{wan(amount)}")
        paid += amount
        if c.get("status") in ("reviewing", "paid"):
            notes.append(_decision(c))
        lines.append(_line(f, rule, year, "due", f"{head}，" + "，".join(notes), amount,
                           "已兑现" if c.get("status") == "paid" else "以上为上限（文件：不超过）"))
    return lines


def rewards_for(profile: Profile, f: RewardFacts, year: int, today: date) -> list[RewardLine]:
    """Every reward line of this enterprise for `year` under the profile."""
    k = year - f.entry_year + 1 if f.entry_year else 0
    lines: list[RewardLine] = []
    for rule in profile.data["rewards"]:
        kind = rule["kind"]
        if kind in ("investment_subsidy", "bid_award"):
            lines += _capped(f, rule, year, k, "tech_upgrade" if kind == "investment_subsidy"
                             else "bid_contract")
        elif f.entry_year is None or k < 1:
            continue
        elif kind == "entry_year":
            lines += _entry_year_rule(f, rule, year, k)
        elif kind == "continued":
            lines += _continued_rule(f, rule, year, k)
        elif kind == "instalments":
            lines += _instalments(f, rule, year, k)
        elif kind == "growth":
            lines += _growth(f, rule, year, k, today)
    by_rule: dict[str, list[RewardLine]] = {}
    for line in lines:
        by_rule.setdefault(line.rule, []).append(line)
    out: list[RewardLine] = []
    for rule in profile.data["rewards"]:
        out += _claimed(f, rule, year, k, by_rule.get(rule["code"], []))
    return out


def _claimed(f: RewardFacts, rule: dict, year: int, k: int, lines: list[RewardLine]) -> list[RewardLine]:
    """The rule's lines with what was claimed under it by name (kind 'award') and what the
    county decided: a refusal ends the award, a payment fixes an amount the document leaves
    to a higher level, and an award paid in an earlier year is not paid again where the
    document gives it once per enterprise."""
    claims = [c for c in f.claims if c["kind"] == "award" and c.get("rule") == rule["code"]]
    first = f.paid_before.get(rule["code"])
    if lines and first is not None and (rule.get("once_per_enterprise") or rule["kind"] == "entry_year"):
        return [replace(ln, status="not_eligible", status_text=REWARD_STATUSES["not_eligible"], amount=None,
                        reason=f"已于{first}年兑现，每户企业只享受一次") for ln in lines]
    if not claims:
        return lines
    c = claims[-1]
    if not lines:
        when = f"入规第{k}年" if f.entry_year and k >= 1 else "未登记入规日期"
        return [_line(f, rule, year, "not_eligible", f"{_decision(c)}“{c['description']}”，但本年（{when}）"
                                                      "不适用该奖补，请核实")]
    out = []
    for ln in lines:
        status, amount = ln.status, ln.computed_amount
        if c.get("status") == "rejected":
            status = "not_eligible"
        elif c.get("status") == "paid" and status in ("due", "to_verify", "pending"):
            status = "due"
            amount = amount if amount is not None else (c["amount"] or None)
        reason = f"{ln.reason}；{_decision(c)}" + (f"{wan(c['amount'])}" if c.get("status") == "paid" else "")
        out.append(replace(ln, status=status, status_text=REWARD_STATUSES[status], reason=reason,
                           computed_amount=amount, amount=amount if status == "due" else None))
    return out


def totals(lines: list[RewardLine]) -> RewardTotals:
    due = [line for line in lines if line.status == "due"]
    by_payer: dict[str, int] = {}
    for line in due:
        if line.amount is not None:
            by_payer[line.payer] = by_payer.get(line.payer, 0) + line.amount
    return RewardTotals(due_amount=sum(by_payer.values()), due_by_payer=by_payer,
                        due_without_amount=sum(1 for line in due if line.amount is None),
                        enterprises=len({line.enterprise_id for line in due}))
