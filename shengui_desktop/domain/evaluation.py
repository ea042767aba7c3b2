"""What the policy rules say about one enterprise: the contract between the rules and
everything that shows them (CLI, PDF ledger, window). Computed by services.policy.evaluate."""

from __future__ import annotations

from dataclasses import dataclass, field

from .annual import source_text

FLAG_NAMES = {
    "reached_scale_not_entered": "达规未入统",
    "exit_risk": "退规风险",
    "electricity_without_output": "有用电无产值",
    "revenue_jump": "营收异常增长",
    "renamed_reentry": "更名重新入规",
    "not_visited": "长期未走访",
    "data_missing": "数据缺失",
    "late_report": "未按序时进度上报",
}


@dataclass(frozen=True)
class Flag:
    code: str  # a key of FLAG_NAMES
    text: str  # the reason, in Chinese, with the numbers that triggered it


@dataclass
class Evaluation:
    enterprise_id: str
    pool: str  # current pool (only a recorded move changes it)
    suggested_pool: str
    suggested_pool_reason: str  # e.g. "上年主营业务收入1,650万元，位于1,500–2,000万元区间"
    prior_year_revenue: int | None  # integer yuan
    projected_revenue: int | None  # current year 预计数, integer yuan
    projection_method: str  # "same_period_ratio" | "annualised" | "none"
    growth_rate: float | None = None  # projected vs prior year, e.g. 0.12
    flags: list[Flag] = field(default_factory=list)
    projection_text: str = ""  # how the projection was made, with its numbers (Chinese)
    # False when the rules make no suggestion (no profile chosen): suggested_pool then only
    # repeats the current pool and the reason says why there is none. Whatever shows a
    # 建议库别 shows neither then.
    has_suggestion: bool = True
    # where prior_year_revenue came from: "annual" (年报) or "monthly" (月报合计), see
    # domain/annual.py; prior_months: last year's months with revenue
    prior_year_source: str | None = None
    prior_months: int = 0

    @property
    def prior_year_source_text(self) -> str:
        """年报, 月报合计 or 月报合计（3个月）; "" without a prior-year total."""
        if self.prior_year_revenue is None:
            return ""
        return source_text(self.prior_year_source, self.prior_months)

    @property
    def flag_codes(self) -> list[str]:
        return [f.code for f in self.flags]
