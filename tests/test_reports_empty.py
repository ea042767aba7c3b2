"""Reports of a new enterprise and of an empty ledger: no figures, no visits, no issues, no
enterprises at all. Every kind must print, and say in words what is missing instead of
drawing an empty or broken chart."""

from __future__ import annotations

import json

import pytest
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Circle, Group, PolyLine, String, UserNode

from shengui_desktop import cli
from shengui_desktop.domain.credit_code import complete, org_check_character
from shengui_desktop.reports import charts
from shengui_desktop.services.ledger.enterprises import create_enterprise
from shengui_desktop.services.ledger.figures import record_month
from shengui_desktop.services.reports import print_report, resolve_filters

from reports_helpers import (TODAY, assert_fonts_embedded, assert_page_footers, flat, needs_poppler,
                             pdf_pages)

pytestmark = needs_poppler

KINDS = ("ledger", "dossier", "visits", "issues", "targets")


def _credit_code(n: int) -> str:
    body = f"{n:08d}"
    return complete("91140322" + body + org_check_character(body))


def _new_enterprise(ledger, figures: dict[str, int], n: int = 1, name: str = "秀水新材料有限公司") -> str:
    """A newly registered enterprise with only the given monthly revenues (period → yuan)."""
    code = _credit_code(n)
    eid, _warnings = create_enterprise(ledger, {"name": name, "credit_code": code,
                                                "township_code": "140322100"})
    for period, revenue in figures.items():
        record_month(ledger, eid, period, {"revenue": revenue})
    return code


def _checked(out, pages_reported: int) -> str:
    pages = pdf_pages(out)
    assert pages_reported == len(pages) >= 1
    assert_page_footers(pages)
    assert_fonts_embedded(out)
    return flat("\n".join(pages))


def _print(ledger, kind, out, **filters) -> str:
    result = print_report(ledger, kind, out, resolve_filters(ledger, today=TODAY, **filters), printed_on=TODAY)
    return _checked(out, result.pages)


def _cli(ledger, kind, out, capsys, *extra) -> str:
    code = cli.main(["report", kind, "--db", str(ledger.path), "--out", str(out), "--today", TODAY.isoformat(),
                     "--json", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert result["kind"] == kind and result["out"] == str(out)
    return _checked(out, result["pages"])


@pytest.fixture
def passphrase(monkeypatch):
    from conftest import PASSWORD

    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)


# -- 一户一册 of a new enterprise -----------------------------------------------------------------
MONTHS = {
    0: {},
    1: {"2026-01": 1_000_000},
    2: {"2026-01": 1_000_000, "2026-02": 2_000_000},
    3: {"2026-01": 1_000_000, "2026-02": 2_000_000, "2026-03": 3_000_000},
    # one month in each of two years: one point per year, not a line
    "2 years": {"2025-12": 1_500_000, "2026-01": 2_500_000},
}


@pytest.mark.parametrize("months", list(MONTHS))
def test_dossier_of_a_new_enterprise_through_the_service(county, tmp_path, months):
    figures = MONTHS[months]
    code = _new_enterprise(county, figures)
    text = _print(county, "dossier", tmp_path / "一户一册.pdf", credit_code=code)
    assert "秀水新材料有限公司" in text and "一、基本情况" in text
    assert "暂无走访记录" in text
    assert "暂无问题" in text
    assert "暂无调库记录" in text
    if not figures:
        assert "暂无月度数据" in text
        assert "逐月累计" not in text and "规上标准2,000万元" not in text  # no chart at all
        assert "年累计" not in text
        return
    assert "暂无月度数据" not in text
    assert "逐月累计" in text and "规上标准2,000万元" in text  # the chart is drawn
    years = sorted({p[:4] for p in figures})
    for year in ("2024", "2025", "2026"):
        # a legend entry only for a year that has a point on the chart
        assert (f"{year}年累计" in text) == (year in years)
    # each month's revenue in the table, in 万元 with one decimal
    for revenue in figures.values():
        assert f"{revenue / 10_000:,.1f}" in text


def test_a_short_series_is_labelled_with_its_cumulative_values(county, tmp_path):
    code = _new_enterprise(county, MONTHS[2])
    text = _print(county, "dossier", tmp_path / "d.pdf", credit_code=code)
    # 100 + 200 万元: only the chart shows the running total
    assert "300.0" in text


@pytest.mark.parametrize("months", [0, 2])
def test_dossier_of_a_new_enterprise_through_the_cli(county, tmp_path, capsys, passphrase, months):
    code = _new_enterprise(county, MONTHS[months])
    text = _cli(county, "dossier", tmp_path / "一户一册.pdf", capsys, "--credit-code", code)
    assert "暂无走访记录" in text and "暂无问题" in text
    assert ("暂无月度数据" in text) == (months == 0)


def test_a_month_with_output_but_no_revenue_draws_no_chart(county, tmp_path):
    code = _credit_code(7)
    eid, _ = create_enterprise(county, {"name": "秀水电子", "credit_code": code, "township_code": "140322100"})
    record_month(county, eid, "2026-03", {"output_value": 4_000_000})
    text = _print(county, "dossier", tmp_path / "d.pdf", credit_code=code)
    assert "400.0" in text  # the table keeps the month
    assert "暂无月度数据" not in text
    assert "暂无主营业务收入" in text and "规上标准2,000万元" not in text


# -- the chart itself --------------------------------------------------------------------------------
def _shapes(node):
    """Every primitive shape a drawing renders (widgets expanded)."""
    if isinstance(node, UserNode):
        yield from _shapes(node.provideNode())
    elif isinstance(node, Group):
        for child in node.contents:
            yield from _shapes(child)
    else:
        yield node


@pytest.mark.parametrize("points", [0, 1, 2, 3, 12])
def test_cumulative_chart_draws_any_number_of_months(points):
    months = [1_000_000] * points + [None] * (12 - points)
    drawing = charts.cumulative_revenue({2024: [None] * 12, 2025: [None] * 12, 2026: months})
    assert renderPDF.drawToString(drawing).startswith(b"%PDF")
    shapes = list(_shapes(drawing))
    lines = [s for s in shapes if isinstance(s, PolyLine)]
    marks = [s for s in shapes if isinstance(s, Circle)]
    texts = [s.text for s in shapes if isinstance(s, String)]
    assert all(len(line.points) >= 4 for line in lines)  # never a line of fewer than 2 points
    assert "2024年累计" not in texts and "2025年累计" not in texts  # no legend for an empty year
    if points == 0:
        assert not lines and not marks and texts == ["暂无主营业务收入月度数据"]
    elif points < 3:  # labelled points, no line
        assert not lines and len(marks) == points
        assert [t for t in texts if t.endswith(".0")] == [f"{100 * (m + 1):.1f}" for m in range(points)]
        assert "2026年累计" in texts
    else:  # a line, as before
        assert len(lines) == 1 and len(lines[0].points) == 2 * points and not marks
        assert not [t for t in texts if t.endswith(".0")]


def test_cumulative_chart_with_one_month_per_year_marks_each_year():
    one = [5_000_000] + [None] * 11
    drawing = charts.cumulative_revenue({2024: one, 2025: one, 2026: [None] * 11 + [2_000_000]})
    assert renderPDF.drawToString(drawing).startswith(b"%PDF")
    shapes = list(_shapes(drawing))
    assert not [s for s in shapes if isinstance(s, PolyLine)]
    marks = [s for s in shapes if isinstance(s, Circle)]
    assert len(marks) == 3
    texts = [s.text for s in shapes if isinstance(s, String)]
    assert texts.count("500.0") == 2 and "200.0" in texts
    assert {"2024年累计", "2025年累计", "2026年累计"} <= set(texts)


def test_bars_and_funnel_without_anything_to_draw_say_so():
    for drawing in (charts.grouped_bars([], []), charts.grouped_bars(["秀水镇"], [("目标", [0]), ("净增", [0])]),
                    charts.funnel([]), charts.funnel([("基础库", 0), ("储备库", 0)])):
        texts = [s.text for s in _shapes(drawing) if isinstance(s, String)]
        assert len(texts) == 1 and texts[0].startswith("暂无"), texts
        assert renderPDF.drawToString(drawing).startswith(b"%PDF")


# -- every kind on an empty ledger -------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_on_a_ledger_without_enterprises_through_the_service(county, tmp_path, kind):
    filters = {"township": "秀水镇"} if kind == "dossier" else {}
    text = _print(county, kind, tmp_path / f"{kind}.pdf", **filters)
    assert "暂无企业" in text
    if kind == "targets":
        assert "实际净增" not in text  # no bar chart of zeros
        assert "基础库0户" not in text  # no funnel of empty bands


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_on_a_ledger_without_enterprises_through_the_cli(county, tmp_path, capsys, passphrase,
                                                                   kind):
    extra = ["--township", "秀水镇"] if kind == "dossier" else []
    text = _cli(county, kind, tmp_path / f"{kind}.pdf", capsys, *extra)
    assert "暂无企业" in text


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_on_an_empty_township_ledger(township, tmp_path, kind):
    filters = {"township": "秀水镇"} if kind == "dossier" else {}
    text = _print(township, kind, tmp_path / f"{kind}.pdf", **filters)
    assert "暂无企业" in text


def test_a_ledger_of_one_new_enterprise_prints_every_kind(county, tmp_path):
    code = _new_enterprise(county, {})
    ledger = _print(county, "ledger", tmp_path / "ledger.pdf")
    assert code in ledger and "未走访" in ledger and "暂无企业" not in ledger
    visits = _print(county, "visits", tmp_path / "visits.pdf")
    assert "暂无走访记录" in visits and "暂无企业" not in visits
    issues = _print(county, "issues", tmp_path / "issues.pdf")
    assert "暂无问题" in issues and "暂无企业" not in issues
    targets = _print(county, "targets", tmp_path / "targets.pdf")
    # no targets set and nobody entered: say so instead of a chart of zero bars;
    # the enterprise is in no pool yet: no funnel of empty bands either
    assert "实际净增" not in targets and "暂无目标" in targets
    assert "基础库0户" not in targets and "暂无入库企业" in targets
    dossier = _print(county, "dossier", tmp_path / "dossier.pdf", township="秀水镇")
    assert "暂无月度数据" in dossier and "暂无企业" not in dossier
