"""#20: an import registers the check of form templates without importing the spreadsheet
services (0.6 s before the first package was merged); the first template a package brings
imports them and is checked like any other (sync/rules.py refuses it while no check is
registered: tests/test_form_templates.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    from shengui_desktop.services import sync
    from shengui_desktop.sync import rules

    sync.content_checks()
    assert "shengui_desktop.services.excel" not in sys.modules, "imported before a template came"
    assert "openpyxl" not in sys.modules
    lazy = rules.CONTENT_CHECKS["form_templates"]
    assert lazy is not None
    bad = {"tbl": "form_templates", "row_id": "f1",
           "data": {"name": "月报", "content": "不是文件", "due_date": "明天"}}
    problems = rules.content_problems([bad])
    assert problems == ["报表模板“月报”（f1）：模板内容无效（不是编码后的.xlsx文件，或超过大小上限）",
                        "报表模板“月报”（f1）：截止日期“明天”无效"], problems
    from shengui_desktop.services.excel import form_templates
    # the module, once imported, stands in its own check; registering again keeps it
    assert rules.CONTENT_CHECKS["form_templates"] is form_templates.check_incoming
    sync.content_checks()
    assert rules.CONTENT_CHECKS["form_templates"] is form_templates.check_incoming
    good = {"tbl": "form_templates", "row_id": "f2", "data": {"name": "月报", "due_date": "2026-11-30"}}
    assert rules.content_problems([good]) == []
    print("ok")
""")


def test_the_template_check_is_registered_without_importing_the_spreadsheet_services():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
