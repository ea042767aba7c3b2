"""Enterprise size for industry (统计上大中小微型企业划分办法 2017)."""

from __future__ import annotations

SIZE_NAMES = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


def size_class(employees: int | None, revenue_yuan: int | None) -> str | None:
    """Large/medium/small need both bounds met, else one tier down; micro when either is tiny."""
    if employees is None or revenue_yuan is None:
        return None
    wan = revenue_yuan / 10_000
    if employees < 20 or wan < 300:
        return "micro"
    if employees >= 1000 and wan >= 40000:
        return "large"
    if employees >= 300 and wan >= 2000:
        return "medium"
    return "small"
