"""一户一册, visits (and the blank form), the issue ledger and targets, read back as text."""

from __future__ import annotations

import re
from datetime import date

import pytest

from shengui_desktop.errors import UserError
from shengui_desktop.services.reports import print_report, resolve_filters
from shengui_desktop.services.ledger.visits import add_issue

from reports_helpers import (TODAY, assert_fonts_embedded, assert_page_footers, flat, needs_poppler,
                             pdf_pages)

pytestmark = needs_poppler


def _print(ledger, kind, tmp_path, blank_form=False, **filters):
    out = tmp_path / f"{kind}.pdf"
    result = print_report(ledger, kind, out, resolve_filters(ledger, today=TODAY, **filters),
                          printed_on=TODAY, blank_form=blank_form)
    pages = pdf_pages(out)
    assert result.pages == len(pages)
    assert_page_footers(pages)
    assert_fonts_embedded(out)
    return pages


def test_dossier_of_one_enterprise(demo_county, tmp_path):
    e = demo_county.one("SELECT * FROM enterprises WHERE pool = 'entry' ORDER BY name LIMIT 1")
    pages = _print(demo_county, "dossier", tmp_path, credit_code=e["credit_code"])
    text = "\n".join(pages)
    assert f"一户一册 {e['name']}" in re.sub(r"\s+", " ", pages[0])
    for section in ("一、基本情况", "二、近三年月度数据", "三、入库及调库记录", "四、走访记录",
                    "五、问题诉求及办理情况", "六、应享奖补", "七、入规申报材料清单"):
        assert section in text
    # the figures table: 2025 revenue total in 万元 (one decimal), and the chart's threshold
    total_2025 = demo_county.scalar("SELECT sum(revenue) FROM monthly_figures WHERE enterprise_id = ?"
                                    " AND period LIKE '2025-%'", (e["id"],))
    assert f"{total_2025 / 10_000:,.1f}" in text
    assert "规上标准 2,000万元" in text
    assert "年度审核登记表" in text and "真实性承诺书" in text
    assert "年度培育库动态调整" in text  # the pool move the demo recorded


def test_dossier_of_a_pool_starts_each_enterprise_on_a_new_page(demo_county, tmp_path):
    names = [r["name"] for r in demo_county.rows("SELECT name FROM enterprises WHERE pool = 'cultivation'")]
    assert len(names) >= 2
    pages = _print(demo_county, "dossier", tmp_path, pool="cultivation")
    openers = [p for p in pages if "一、基本情况" in p]
    assert len(openers) == len(names)
    for name in names:
        assert sum(1 for p in openers if flat(name) in flat(p)) >= 1


def test_dossier_needs_a_choice(demo_county, tmp_path):
    with pytest.raises(UserError, match="须指定企业"):
        print_report(demo_county, "dossier", tmp_path / "x.pdf", resolve_filters(demo_county, today=TODAY))


def test_visits_for_a_period(demo_county, tmp_path):
    pages = _print(demo_county, "visits", tmp_path, period_from="2026-01-01", period_to="2026-11-23")
    text = "\n".join(pages)
    count = demo_county.scalar("SELECT count(*) FROM visits WHERE visit_date BETWEEN '2026-01-01' AND '2026-11-23'")
    assert re.search(rf"共走访\s*{count}\s*次", text)
    first = demo_county.one("SELECT v.visit_date, e.name FROM visits v JOIN enterprises e ON e.id = v.enterprise_id"
                            " WHERE visit_date >= '2026-01-01' ORDER BY visit_date LIMIT 1")
    assert first["visit_date"] in text and flat(first["name"]) in flat(text)


def test_blank_visit_form_has_fields_and_signature_boxes(demo_county, tmp_path):
    pages = _print(demo_county, "visits", tmp_path, blank_form=True)
    assert len(pages) == 1
    text = flat(pages[0])
    for field in ("企业名称", "统一社会信用代码", "走访日期", "走访人员", "生产经营情况", "企业诉求及问题",
                  "走访人员（签字）", "企业负责人（签字/盖章）"):
        assert field in text


def test_blank_form_for_one_enterprise_is_prefilled(demo_county, tmp_path):
    e = demo_county.one("SELECT name, credit_code FROM enterprises ORDER BY name LIMIT 1")
    pages = _print(demo_county, "visits", tmp_path, blank_form=True, credit_code=e["credit_code"])
    assert e["credit_code"] in pages[0] and flat(e["name"]) in flat(pages[0])


def test_issue_ledger_by_department_open_first_overdue_marked(demo_county, tmp_path):
    ent = demo_county.scalar("SELECT id FROM enterprises ORDER BY name LIMIT 1")
    dept = demo_county.scalar("SELECT id FROM departments WHERE name = '住建局'")
    add_issue(demo_county, ent, {"category": "land", "description": "厂房扩建规划许可迟迟未批",
                                 "department_id": dept, "deadline": "2026-10-01",
                                 "raised_date": "2026-09-01"})
    pages = _print(demo_county, "issues", tmp_path)
    text = "\n".join(pages)
    assert "厂房扩建规划许可迟迟未批" in text
    overdue_days = (TODAY - date(2026, 10, 1)).days
    assert f"逾期{overdue_days}天" in flat(text)
    # open issues come before settled ones within each department's table
    statuses = re.findall(r"(待办理|办理中|已解决|已关闭)", text)
    open_total = demo_county.scalar("SELECT count(*) FROM issues WHERE status IN ('open', 'in_progress')")
    assert re.search(rf"合计\s+\d+\s+{open_total}\s", text)
    assert statuses


def test_targets_by_township_and_department_with_charts(demo_county, tmp_path):
    pages = _print(demo_county, "targets", tmp_path)
    text = "\n".join(pages)
    assert "盂县2026年小升规目标任务完成情况" in text
    town_total = demo_county.scalar("SELECT sum(net_increase) FROM targets WHERE year = 2026 AND scope = 'township'")
    dept_total = demo_county.scalar("SELECT sum(net_increase) FROM targets WHERE year = 2026 AND scope = 'department'")
    totals = re.findall(r"合计\s+(\d+)", text)
    assert str(town_total) in totals and str(dept_total) in totals
    assert "分乡镇目标与实际净增" in text and "实际净增" in text  # the bar chart's title and legend
    cultivation = demo_county.scalar("SELECT count(*) FROM enterprises WHERE pool = 'cultivation'")
    assert f"培育库 {cultivation}户" in text  # the funnel's band
