"""`shengui --self-test` (issue #21): the check an installation runs, here unfrozen.

One test runs the real command in a fresh process (as the .deb's CI step runs the installed
one) with the user's folders pointed at an empty place, and checks that it wrote nothing
there; the others drive the service to see a failing step named and the run stopped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shengui_desktop.services.office import self_test
from shengui_desktop.services.office.self_test import STEPS, run_self_test


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_self_test_command_passes_and_leaves_nothing_behind(tmp_path):
    home = tmp_path / "home"
    temp = tmp_path / "tmp"
    home.mkdir()
    temp.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache"),
           "TMPDIR": str(temp), "QT_QPA_PLATFORM": "xcb"}  # the command must choose offscreen itself
    env.pop("DISPLAY", None)
    done = subprocess.run([sys.executable, "-m", "shengui_desktop", "--self-test"], env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for number, name in enumerate(STEPS, start=1):
        assert any(line.startswith(f"[{number}/{len(STEPS)}] {name}：通过") for line in lines), done.stdout
    assert lines[-1].startswith("自检通过：5 项全部正常")
    assert "Traceback" not in done.stderr
    # neither the user's folders nor the temporary one keep anything (the ledger, the PDF,
    # the xlsx, the window's settings all lived in a folder that is gone) but this computer's
    # id, which opening any ledger makes once (storage/origins.py; never a ledger's data)
    assert files_under(home) in ([], [home / "data" / "shengui_desktop" / "machine-id"])
    assert files_under(temp) == []


def test_each_step_is_timed_and_the_window_is_given_the_open_ledger(tmp_path):
    seen = {}

    def show_window(ledger, folder):
        seen["visits"] = ledger.scalar("SELECT count(*) FROM visits")
        seen["folder"] = folder
        ledger.close()

    heard = []
    result = run_self_test(show_window, on_step=heard.append)
    assert result.ok and [step.name for step in result.steps] == list(STEPS) == [s.name for s in heard]
    assert all(step.seconds >= 0 and step.error is None for step in result.steps)
    assert seen["visits"] == 1
    assert not seen["folder"].exists()  # the temporary folder is removed afterwards
    assert result.verdict().startswith("自检通过")


def test_a_failing_window_is_named_in_chinese():
    def broken(ledger, folder):
        ledger.close()
        raise RuntimeError("主窗口没有显示出来")

    result = run_self_test(broken)
    assert not result.ok and result.failed is result.steps[-1]
    assert result.failed.name == "启动程序窗口" and "主窗口没有显示出来" in result.failed.error
    assert result.verdict() == "自检失败：第 5 步“启动程序窗口”未通过。"
    assert result.steps[-1].lines()[0].startswith("[5/5] 启动程序窗口：失败")


def test_no_window_to_start_fails_the_last_step():
    result = run_self_test(None)
    assert [step.ok for step in result.steps] == [True, True, True, True, False]
    assert result.failed.error == "没有可启动的窗口"


def test_the_first_failure_stops_the_run(monkeypatch):
    def no_font(ledger, enterprise_id, out, today):
        raise self_test.SelfTestFailed("PDF没有嵌入中文字体（程序的字体文件缺失）")

    monkeypatch.setattr(self_test, "render_pdf", no_font)
    windows = []
    result = run_self_test(lambda ledger, folder: windows.append(ledger))
    assert [step.name for step in result.steps] == ["创建并打开加密台账", "写入并读取走访记录", "生成PDF报表"]
    assert result.failed.error == "PDF没有嵌入中文字体（程序的字体文件缺失）"
    assert windows == []  # later steps never ran
    assert result.verdict() == "自检失败：第 3 步“生成PDF报表”未通过。"


def test_the_command_exits_1_naming_the_failed_step(monkeypatch, capsys):
    from shengui_desktop.cli.app import main

    def no_xlsx(ledger, out, today):
        raise self_test.SelfTestFailed("Excel表格里找不到刚写入的走访记录")

    monkeypatch.setattr(self_test, "write_xlsx", no_xlsx)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert main(["--self-test"]) == 1
    out = capsys.readouterr().out
    assert "[4/5] 生成Excel表格：失败" in out and "Excel表格里找不到刚写入的走访记录" in out
    assert out.rstrip().endswith("自检失败：第 4 步“生成Excel表格”未通过。")


@pytest.mark.parametrize("header", [b"SQLite format 3\x00"])
def test_a_plaintext_ledger_fails_the_first_step(monkeypatch, header):
    from shengui_desktop.services.office import setup

    real = setup.init_office

    def plaintext(path, **kwargs):
        ledger, code = real(path, **kwargs)
        ledger.close()
        Path(path).write_bytes(header + b"\x00" * 100)
        return ledger, code

    monkeypatch.setattr(setup, "init_office", plaintext)
    result = run_self_test(None)
    assert len(result.steps) == 1 and result.failed.name == "创建并打开加密台账"
    assert "没有加密" in result.failed.error
