"""The printed 台账: every enterprise, amounts in 万元, totals, headers, footers, the font."""

from __future__ import annotations

import re

import pytest
from reportlab.lib.units import mm

from shengui_desktop.domain.money import format_wan
from shengui_desktop.reports import ledger_report
from shengui_desktop.reports.facts import LedgerFacts
from shengui_desktop.reports.text import width
from shengui_desktop.services.ledger.enterprises import create_enterprise
from shengui_desktop.services.ledger.figures import record_month
from shengui_desktop.services.reports import print_report, resolve_filters

from reports_helpers import (TODAY, assert_fonts_embedded, assert_page_footers, flat, needs_poppler,
                              pdf_pages)

pytestmark = needs_poppler


@pytest.fixture
def ledger_pdf(demo_county, tmp_path):
    out = tmp_path / "台账.pdf"
    filters = resolve_filters(demo_county, today=TODAY)
    result = print_report(demo_county, "ledger", out, filters, printed_on=TODAY)
    return result, pdf_pages(out)


def test_every_enterprise_is_listed_with_its_code(demo_county, ledger_pdf):
    _result, pages = ledger_pdf
    text = flat("".join(pages))
    for e in demo_county.rows("SELECT name, credit_code FROM enterprises"):
        assert flat(e["name"]) in text
        assert e["credit_code"] in text


def test_title_unit_period_signatures_and_footers(ledger_pdf):
    result, pages = ledger_pdf
    assert result.pages == len(pages) >= 2
    first = pages[0]
    assert "盂县小升规企业培育台账" in first
    assert "单位：万元" in first
    assert "2026年度" in first and "数据截至2026年10月" in first
    last = flat(pages[-1])
    for label in ("制表人", "审核人", "负责人"):
        assert label in last
    assert_page_footers(pages)
    for page in pages:
        assert "打印日期：2026-11-23" in page
        assert "统一社会信用代码" in page  # the header row repeats on every page


def test_grand_total_matches_the_monthly_figures(demo_county, ledger_pdf):
    _result, pages = ledger_pdf
    prior = demo_county.scalar("SELECT sum(revenue) FROM monthly_figures WHERE period LIKE '2025-%'")
    count = demo_county.scalar("SELECT count(*) FROM enterprises")
    # the grand total is kept on the last page with the signature lines
    total_line = next(line for line in pages[-1].splitlines() if re.search(r"合计\s*共", line))
    assert re.search(rf"共\s*{count}\s*户", total_line)
    assert format_wan(prior) in total_line


def test_subtotals_per_township_add_up(demo_county):
    facts = LedgerFacts(demo_county, TODAY)
    data = ledger_report.collect(demo_county, facts, resolve_filters(demo_county, today=TODAY))
    rows = ledger_report.table_rows(data)
    subtotals = [r for r in rows if "小计" in r[1]]
    assert len(subtotals) == len(data.groups) == 2
    for group, row in zip(data.groups, subtotals):
        assert row[6] == format_wan(sum(x.prior for x in group.lines if x.prior is not None))
    grand = rows[-1]
    assert grand[1] == f"合计　共 {sum(len(g.lines) for g in data.groups)} 户"


def test_one_row_per_enterprise_amounts_in_wan(demo_county, ledger_pdf):
    _result, pages = ledger_pdf
    e = demo_county.one("SELECT id, name FROM enterprises ORDER BY name LIMIT 1")
    prior = demo_county.scalar("SELECT sum(revenue) FROM monthly_figures WHERE enterprise_id = ?"
                               " AND period LIKE '2025-%'", (e["id"],))
    row = next(line for page in pages for line in page.splitlines() if e["name"][:6] in line)
    assert format_wan(prior) in row  # 上年主营业务收入 in 万元, two decimals


def test_long_names_wrap_and_nothing_is_lost(demo_county, tmp_path):
    long_name = "秀水镇新时代高端装备智能制造与新材料综合利用产业园区投资开发建设运营管理有限责任公司"
    ent_id, _ = create_enterprise(demo_county, {"name": long_name, "credit_code": "91110000600037341L",
                                                "township_code": "140322100", "industry_code": "3311"})
    record_month(demo_county, ent_id, "2025-03", {"revenue": 123_456_789})
    out = tmp_path / "long.pdf"
    print_report(demo_county, "ledger", out, resolve_filters(demo_county, township="秀水镇", today=TODAY),
                 printed_on=TODAY)
    text = "".join(pdf_pages(out))
    # the name cell wraps to several lines; every line of it is printed in full
    cell = ledger_report.blocks(ledger_report.collect(
        demo_county, LedgerFacts(demo_county, TODAY),
        resolve_filters(demo_county, township="秀水镇", today=TODAY)))[0].rows
    wrapped = next(r[1] for r in cell if r[1].startswith("秀水镇新时代"))
    assert len(wrapped.split("\n")) >= 2
    assert "".join(wrapped.split("\n")) == long_name
    for part in wrapped.split("\n"):
        assert part in text
        assert width(part, ledger_report.FONT_SIZE) <= ledger_report.WIDTHS_MM[1] * mm - ledger_report.PAD
    assert "12,345.67" in text  # 123,456,789 yuan: money is cut to 0.01万 everywhere (money.cut_wan)


def test_group_by_pool_and_filters(demo_county, tmp_path):
    out = tmp_path / "pool.pdf"
    filters = resolve_filters(demo_county, pool="培育库", group_by="pool", today=TODAY)
    print_report(demo_county, "ledger", out, filters, printed_on=TODAY)
    text = "".join(pdf_pages(out))
    names = [r["name"] for r in demo_county.rows("SELECT name FROM enterprises WHERE pool = 'cultivation'")]
    others = [r["name"] for r in demo_county.rows("SELECT name FROM enterprises WHERE pool = 'base'")]
    assert names and all(flat(n) in flat(text) for n in names)
    assert not any(flat(n) in flat(text) for n in others)
    assert "按库别分组" in text and "培育库" in text


def test_only_the_embedded_cjk_font(ledger_pdf, tmp_path):
    result, _pages = ledger_pdf
    assert_fonts_embedded(result.path)
