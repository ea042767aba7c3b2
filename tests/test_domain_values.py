"""Money in integer yuan, industry divisions, size classes, record validation."""

import pytest

from shengui_desktop.domain import industry, money
from shengui_desktop.domain.records import (validate_enterprise, validate_issue, validate_monthly_figure, validate_visit)
from shengui_desktop.domain.size_class import size_class
from shengui_desktop.errors import ValidationError


@pytest.mark.parametrize("raw, unit, yuan", [
    ("1,650.5", "万元", 16_505_000), ("1650万元", "万元", 16_500_000), (2000, "万元", 20_000_000),
    ("3,000", "千元", 3_000_000), ("12345", "元", 12_345), ("  ", "万元", None),
    ("0.015", "万元", 150), (1650.25, "万元", 16_502_500), ("１，２００", "万元", 12_000_000),
])
def test_parse_amount(raw, unit, yuan):
    assert money.parse_amount(raw, unit) == yuan


def test_parse_amount_rejects_text():
    with pytest.raises(ValueError, match="不是有效的金额"):
        money.parse_amount("约两千万", "万元")


def test_format_wan():
    assert money.format_wan(16_505_000) == "1,650.50"
    assert money.format_wan_short(16_500_000) == "1,650万元"
    assert money.format_wan_short(16_505_000) == "1,650.5万元"
    assert money.format_wan(None) == ""


@pytest.mark.parametrize("yuan, two, short, one, none", [
    (16_829_876, "1,682.98", "1,682.98万元", "1,682.9", "1,682"),  # the issue's 1,682.99 vs 1,682.98
    (19_999_999, "1,999.99", "1,999.99万元", "1,999.9", "1,999"),  # never 2,000 below the standard
    (20_000_000, "2,000.00", "2,000万元", "2,000.0", "2,000"),
    (123_456_789, "12,345.67", "12,345.67万元", "12,345.6", "12,345"),
    (16_505_000, "1,650.50", "1,650.5万元", "1,650.5", "1,650"),
    (99, "0.00", "0万元", "0.0", "0"), (-16_829_876, "-1,682.98", "-1,682.98万元", "-1,682.9", "-1,682"),
    (-50, "0.00", "0万元", "0.0", "0"),  # no "-0.00"
])
def test_one_rounding_rule_for_money(yuan, two, short, one, none):
    """Every display of money cuts integer yuan to 0.01万 (money.cut_wan): the table cell, the
    reason text of the rules, the number a chart labels, the enterprise window's header."""
    from decimal import Decimal

    from shengui_desktop.domain import policy_rules

    assert money.format_wan(yuan) == two
    assert money.format_wan_short(yuan) == short
    assert policy_rules.wan(yuan) == short
    assert money.format_wan(yuan, 1) == one and money.format_wan(yuan, 0) == none
    assert money.to_wan(yuan) == Decimal(two.replace(",", ""))
    assert money.to_wan(yuan, 1) == Decimal(one.replace(",", ""))


def test_industry_divisions_are_the_41_of_b_c_d():
    assert len(industry.DIVISIONS) == 41
    assert {s for s, _ in industry.DIVISIONS.values()} == {"B", "C", "D"}
    assert industry.DIVISIONS["33"] == ("C", "金属制品业")
    assert industry.normalise("C3311") == "3311" and industry.normalise("c33") == "33"
    assert industry.is_industrial("3311") and not industry.is_industrial("5211")
    assert industry.check("33A") is not None


@pytest.mark.parametrize("employees, revenue_wan, expected", [
    (1000, 40000, "large"), (1200, 39999, "medium"), (300, 2000, "medium"), (299, 2000, "small"),
    (500, 1999, "small"), (20, 300, "small"), (19, 5000, "micro"), (100, 299, "micro"),
])
def test_size_class_2017(employees, revenue_wan, expected):
    assert size_class(employees, revenue_wan * 10_000) == expected


def test_enterprise_validation_lists_every_problem_in_chinese():
    with pytest.raises(ValidationError) as e:
        validate_enterprise({"name": " ", "credit_code": "123", "township_code": "14032",
                             "contact_phone": "abc"})
    assert set(e.value.problems) == {"name", "credit_code", "township_code", "contact_phone"}
    assert "企业名称不能为空" in str(e.value)


def test_enterprise_warning_for_non_industrial_code():
    clean, warnings = validate_enterprise({"name": "某商贸公司", "credit_code": "91110000600037341L",
                                           "township_code": "140322100", "industry_code": "F5211"})
    assert clean["industry_code"] == "5211"
    assert any("不属于工业" in w for w in warnings)


def test_monthly_figure_validation():
    with pytest.raises(ValidationError, match="不能为负数"):
        validate_monthly_figure({"period": "2026-01", "revenue": -1})
    with pytest.raises(ValidationError, match="YYYY-MM"):
        validate_monthly_figure({"period": "2026-13"})


def test_visit_and_issue_validation():
    with pytest.raises(ValidationError) as e:
        validate_visit({"visit_date": "2099-01-01", "visitors": "", "summary": ""})
    assert {"visit_date", "visitors", "summary"} == set(e.value.problems)
    with pytest.raises(ValidationError, match="须填写办理结果"):
        validate_issue({"description": "贷款", "status": "resolved"})
    assert validate_issue({"description": "贷款", "category": "融资"})["category"] == "finance"
