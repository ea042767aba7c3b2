"""Every benchmark's goal, in one place (the runner's table reads them from here).

A goal is met when every bound it states holds:
* ``ratio``: the measured median over the baseline's median, both measured in the same run;
* ``seconds``: the measured median, at the scale named by ``at`` (other scales only report);
* ``mb``: peak resident memory of the measured path, at ``at``;
* ``ratio_at``: when set, the ratio is a goal at that scale only (elsewhere it is reported):
  a baseline that is a few milliseconds at the county (a LIKE over 6,000 rows, a load whose
  indexes fit in the cache) says little about the path.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Goal:
    title: str  # what a user waits for
    baseline: str  # what the ratio is against ("" when there is no ratio)
    ratio: float | None = None
    seconds: float | None = None
    mb: float | None = None
    at: str = "province"  # the scale the absolute bounds are for
    ratio_at: str | None = None  # the ratio's scale, when it is a goal at one scale only

    def text(self) -> str:
        parts = []
        if self.ratio is not None:
            parts.append(f"≤ {self.ratio:g}×" + (f" (@{self.ratio_at})" if self.ratio_at else ""))
        if self.seconds is not None:
            parts.append(f"≤ {self.seconds:g} s")
        if self.mb is not None:
            parts.append(f"≤ {self.mb:g} MB")
        return ", ".join(parts) + (f" (@{self.at})" if self.seconds or self.mb else "")


GOALS: dict[str, Goal] = {
    "policy_columns": Goal("policy columns after unlock (上年营收, 建议库别, 提示, 本年预计)",
                           "one SQL aggregate of two years over the covering index",
                           ratio=3.0, seconds=2.0),
    # no goal of its own: the first unlock of a month (or after the upgrade to schema 14)
    "policy_columns_cold": Goal("policy columns when every enterprise is evaluated and stored",
                                "one SQL aggregate of two years over the covering index"),
    "annual_totals": Goal("上年营收 of every enterprise (annual_revenue_totals)",
                          "one SQL aggregate of the year over the covering index", ratio=3.0),
    "incremental_package": Goal("incremental package of 1,000 changes (county → township)",
                                "reading the same 1,000 change-log rows", seconds=1.0),
    "start_to_unlock": Goal("start to the unlock dialog", "a bare PySide6 window", ratio=2.0),
    "window_rss": Goal("window memory, ledger open and the policy columns loaded", "", mb=400),
    "window_rss_cold": Goal("window memory when the window evaluated every enterprise", ""),
    "xlsx_export": Goal("xlsx export, enterprises + monthly figures",
                        "XlsxWriter constant_memory writing the same rows", ratio=1.5, mb=500),
    "sync_import": Goal("the county imports 30 township packages (one command)",
                        "plain executemany of the same rows into a new ledger", ratio=2.0),
    "figures_import": Goal("monthly-figures import, 10,000 rows (checks and writing)",
                           "the raw read of the same file (calamine)", ratio=3.0),
    "encrypted_vs_plain": Goal("the policy aggregate on the encrypted ledger",
                               "the same query on a plaintext copy", ratio=2.0),
    # the demo's own bookkeeping (change log, search keys, pools by the profile) is worth
    # little more than loading its rows: ≤ 1.2× (it measured 0.94× in #20, 80k visits)
    "demo_generate": Goal("shengui demo (the province's shape: 3.6M monthly figures, 1M visits)",
                          "executemany of the same rows into a new ledger", ratio=1.2, mb=1000,
                          ratio_at="province"),
    "keystroke_filter": Goal("企业台账's search, a keystroke (p95)",
                             "the same search in raw SQL (p95)", ratio=1.0, seconds=0.05,
                             ratio_at="province"),
    "pdf_ledger": Goal("PDF 台账 of 1,000 enterprises", "a bare reportlab table of the same cells",
                       ratio=1.2),
}
