"""The catalogue of reports (services/report_kinds.py): every kind listed has a maker, names
only filters the window knows, and the blank visit form is a kind of its own."""

from __future__ import annotations

import pytest

from shengui_desktop.errors import UserError
from shengui_desktop.services import reports
from shengui_desktop.services.report_kinds import FILTERS, KINDS, REPORT_KINDS

from reports_helpers import TODAY, flat, needs_poppler, pdf_pages


def test_every_kind_has_a_maker_and_known_filters():
    assert set(reports.MAKERS) == set(REPORT_KINDS)
    for code, kind in REPORT_KINDS.items():
        assert kind.code == code and kind.title and kind.note
        assert set(kind.filters) <= set(FILTERS), code
        assert KINDS[code] == kind.title
    # the window's names for the kinds the issue asks for
    assert [k.title for k in REPORT_KINDS.values()][:6] == [
        "企业台账", "一户一册", "走访记录", "空白走访登记表", "问题台账", "目标完成情况"]


def test_the_command_line_lists_the_catalogue():
    from shengui_desktop.cli.app import build_parser

    parser = build_parser()
    for code in REPORT_KINDS:
        assert parser.parse_args(["report", code, "--out", "x.pdf"]).kind == code


def test_dossier_needs_a_choice_unless_narrowed(demo_county):
    whole = reports.resolve_filters(demo_county, today=TODAY)
    assert reports.needs_choice("dossier", whole)
    assert not reports.needs_choice("ledger", whole)
    assert not reports.needs_choice("dossier", reports.resolve_filters(demo_county, today=TODAY, pool="培育库"))


def test_filters_by_enterprise_id(demo_county):
    eid = demo_county.scalar("SELECT id FROM enterprises ORDER BY name LIMIT 1")
    assert reports.resolve_filters(demo_county, today=TODAY, enterprise_id=eid).enterprise_ids == [eid]
    with pytest.raises(UserError, match="所选企业已不在台账中"):
        reports.resolve_filters(demo_county, today=TODAY, enterprise_id="no-such-id")


@needs_poppler
def test_visit_form_kind_is_the_blank_form_prefilled_for_one_enterprise(demo_county, tmp_path):
    e = demo_county.one("SELECT id, name, credit_code FROM enterprises ORDER BY name LIMIT 1")
    out = tmp_path / "form.pdf"
    result = reports.print_report(demo_county, "visit_form", out,
                                  reports.resolve_filters(demo_county, today=TODAY, enterprise_id=e["id"]),
                                  printed_on=TODAY)
    assert result.pages == 1 and result.kind == "visit_form"
    text = flat(pdf_pages(out)[0])
    assert "走访记录表" in text and e["credit_code"] in text and flat(e["name"]) in text
