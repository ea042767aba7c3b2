"""The rewards of a year under the active profile: every enterprise's reward lines and the totals."""

from __future__ import annotations

from datetime import date

from ...domain.policy import REWARD_STATUSES
from ...domain.policy_results import ProfileRef, Rewards
from ...domain.policy_rewards import rewards_for, totals
from ...storage.ledger import Ledger
from .facts import gather_reward_facts
from .profiles import active_profile


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
