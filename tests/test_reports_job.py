"""Progress, cancel and the command line of the report area."""

from __future__ import annotations

import json
import threading

import pytest

from shengui_desktop import cli
from shengui_desktop.reports import ReportCancelled
from shengui_desktop.services.reports import print_report, resolve_filters

from reports_helpers import TODAY, needs_poppler, pdf_pages

pytestmark = needs_poppler


def test_progress_is_reported_and_finishes(demo_county, tmp_path):
    seen = []
    print_report(demo_county, "ledger", tmp_path / "a.pdf", resolve_filters(demo_county, today=TODAY),
                 progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert seen and seen[-1] == ("完成", 1, 1)
    assert all(0 <= done <= total for _s, done, total in seen)
    assert any(stage == "排版" for stage, _d, _t in seen)


def test_cancel_stops_and_leaves_the_earlier_file(demo_county, tmp_path):
    (tmp_path / "prints").mkdir()
    out = tmp_path / "prints" / "台账.pdf"
    out.write_bytes(b"%PDF-1.4 earlier print\n")
    cancel = threading.Event()

    def progress(stage, done, total):
        if stage == "排版":
            cancel.set()  # the person presses 取消 while pages are laid out

    with pytest.raises(ReportCancelled):
        print_report(demo_county, "ledger", out, resolve_filters(demo_county, today=TODAY),
                     progress=progress, cancelled=cancel.is_set)
    assert out.read_bytes() == b"%PDF-1.4 earlier print\n"
    assert [p.name for p in out.parent.iterdir()] == ["台账.pdf"]  # no temporary file left


def test_cancel_before_start(demo_county, tmp_path):
    with pytest.raises(ReportCancelled):
        print_report(demo_county, "targets", tmp_path / "t.pdf", resolve_filters(demo_county, today=TODAY),
                     cancelled=lambda: True)
    assert not (tmp_path / "t.pdf").exists()


def test_unknown_names_are_refused_in_chinese(demo_county):
    for kwargs, message in (({"township": "火星镇"}, "没有乡镇"), ({"pool": "金库"}, "库别"),
                            ({"department": "外交部"}, "没有责任单位"),
                            ({"credit_code": "91110000600037341L"}, "没有统一社会信用代码")):
        with pytest.raises(Exception, match=message):
            resolve_filters(demo_county, today=TODAY, **kwargs)


def test_cli_report_commands(demo_county, tmp_path, monkeypatch, capsys):
    from conftest import PASSWORD

    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = str(demo_county.path)
    out = tmp_path / "ledger.pdf"
    assert cli.main(["report", "ledger", "--db", db, "--out", str(out), "--township", "秀水镇",
                     "--today", "2026-11-23", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["kind"] == "ledger" and result["pages"] == len(pdf_pages(out))
    assert "秀水镇" in pdf_pages(out)[0]
    code = demo_county.scalar("SELECT credit_code FROM enterprises LIMIT 1")
    assert cli.main(["report", "dossier", "--db", db, "--out", str(tmp_path / "d.pdf"),
                     "--credit-code", code, "--today", "2026-11-23"]) == 0
    assert "已生成一户一册" in capsys.readouterr().out
    assert cli.main(["report", "visits", "--db", db, "--out", str(tmp_path / "form.pdf"), "--blank-form"]) == 0
    assert cli.main(["report", "issues", "--db", db, "--out", str(tmp_path / "x.pdf"), "--pool", "金库"]) == 2
    assert "库别“金库”无效" in capsys.readouterr().err


def test_the_font_ships_with_its_licence():
    from shengui_desktop.paths import resources_dir

    fonts = resources_dir() / "fonts"
    assert (fonts / "wqy-microhei.ttc").stat().st_size > 4_000_000
    licence = (fonts / "wqy-microhei.LICENSE.txt").read_text("utf-8")
    assert "Apache License" in licence and "Font exception" in licence
