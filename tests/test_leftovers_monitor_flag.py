"""`shengui monitor --flag`: the rows, totals and quarterly lines of the 月度监测 page with
the same mark chosen (the service's FLAG_FILTERS, by code or Chinese name)."""

from __future__ import annotations

import json

import pytest

from conftest import PASSWORD
from reports_helpers import TODAY
from shengui_desktop.cli import main as cli_main
from shengui_desktop.services import policy
from shengui_desktop.services.policy.monitoring import FLAG_FILTERS
from test_ui_support import open_window


@pytest.fixture
def ledger(demo_county, monkeypatch):
    policy.choose_profile(demo_county, "minhou")
    late = demo_county.rows(
        "SELECT f.id FROM monthly_figures f JOIN enterprises e ON e.id = f.enterprise_id"
        " WHERE e.pool = 'base' AND f.period = '2026-10' ORDER BY e.name LIMIT 2")
    with demo_county.transaction():
        for row in late:
            demo_county.delete("monthly_figures", row["id"])
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    return demo_county


def cli(capsys, ledger, *options) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli_main(["monitor", "--db", str(ledger.path), "--period", "2026-10", "--today", TODAY.isoformat(),
                     *options])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_flag_option_gives_the_windows_rows(qtbot, ledger, tmp_path, capsys):
    window = open_window(qtbot, ledger, tmp_path, today=TODAY)
    window.show_page("月度监测")
    page = window.monitoring_page
    qtbot.waitUntil(lambda: not page.loading and page.table is not None, timeout=20000)
    compared = 0
    for code, name in FLAG_FILTERS.items():
        page.set_filters(flag=code)
        qtbot.waitUntil(lambda: not page.loading and page.table is not None, timeout=20000)
        shown = [r.enterprise_id for r in page.table.rows]
        for typed in (code, name):
            status, out, err = cli(capsys, ledger, "--flag", typed, "--json", "--quarter")
            assert status == 0, err
            data = json.loads(out)
            assert [r["enterprise_id"] for r in data["rows"]] == shown, (code, typed)
        compared += bool(shown)
    assert compared >= 3  # the demo has rows for "有提示", "当月未报" and a rule's flag at least
    window.close()


def test_the_text_output_and_a_bad_flag(ledger, capsys):
    status, out, _ = cli(capsys, ledger, "--flag", "当月未报")
    assert status == 0 and out.count("【10月未报】") == 2 and "共2户" in out
    status, out, err = cli(capsys, ledger, "--flag", "下滑")
    assert status != 0 and "提示“下滑”无效" in out + err and "Traceback" not in out + err
