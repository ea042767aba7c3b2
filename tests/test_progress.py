"""One progress-and-cancel protocol (shengui_desktop.progress): the spreadsheet import, the
sync import and a report, cancelled the same way while they run, raise the same exception
type with their own Chinese message and leave the ledger as it was."""

from __future__ import annotations

import threading

import pytest
from excel_build import credit, write_xlsx

from shengui_desktop.progress import Cancelled, ImportCancelled, Job, ReportCancelled
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.excel import import_file
from shengui_desktop.services.reports import print_report, resolve_filters

from sync_helpers import CODES, world_fixtures

template, world = world_fixtures("progress")


def snapshot(ledger) -> dict[str, list]:
    """Every row of every table of the ledger (the change log and sync state included)."""
    tables = [r[0] for r in ledger.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: sorted(map(repr, ledger.conn.execute(f'SELECT * FROM "{t}"').fetchall()))
            for t in tables}


def cancelled_at(stage: str) -> tuple:
    """(progress, cancel, stages seen): the person presses 取消 once the work reports `stage`."""
    cancel = threading.Event()
    seen = []

    def progress(s, done, total):
        seen.append(s)
        if s == stage:
            cancel.set()
    return progress, cancel, seen


def spreadsheet_import(world, tmp_path):
    """(ledger, run(progress, cancel)): a list of a new township's enterprise and one of a
    known township; the new township is written before the first check inside the
    transaction, so a cancel there has something to undo."""
    county = world["C"]
    rows = [["企业名称", "统一社会信用代码", "乡镇"],
            ["甲机械有限公司", credit(901), "上社镇"], ["乙机械有限公司", credit(902), "秀水镇"]]
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    return county, lambda progress, cancel: import_file(county, path, create_townships=True,
                                                        progress=progress, cancel=cancel)


def sync_import(world, tmp_path):
    """(ledger, run(progress, cancel)): a township's package of 20 visits, imported."""
    county, township = world["C"], world["A"]
    enterprise = township.scalar("SELECT id FROM enterprises WHERE township_code = ?", (CODES["A"],))
    for i in range(20):
        township.insert("visits", {"enterprise_id": enterprise, "visit_date": "2026-11-01",
                                   "visitors": "张三", "summary": f"走访{i}"})
    package = sync_service.export_packages(township, tmp_path / "out")[0].path
    return county, lambda progress, cancel: sync_service.import_packages(
        county, [package], progress=progress, cancel=cancel)


def report(world, tmp_path):
    """(ledger, run(progress, cancel)): the 台账 PDF of the county."""
    county = world["C"]
    return county, lambda progress, cancel: print_report(
        county, "ledger", tmp_path / "台账.pdf", resolve_filters(county),
        progress=progress, cancelled=cancel)


OPERATIONS = {
    # what is cancelled, the stage at which 取消 is pressed, what the person reads
    "spreadsheet": (spreadsheet_import, "写入台账", "已取消导入，台账未作任何修改"),
    "sync": (sync_import, "merge", "已取消导入，台账未作任何修改。"),
    "report": (report, "排版", "已取消生成报表"),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_a_cancel_while_running_raises_cancelled_and_changes_nothing(world, tmp_path, name):
    prepare, stage, message = OPERATIONS[name]
    ledger, run = prepare(world, tmp_path)
    before = snapshot(ledger)
    progress, cancel, seen = cancelled_at(stage)
    with pytest.raises(Cancelled) as raised:
        run(progress, cancel)
    assert stage in seen  # it was under way when cancelled
    assert str(raised.value) == message
    assert raised.value.exit_code == 130
    assert type(raised.value) is (ReportCancelled if name == "report" else ImportCancelled)
    assert snapshot(ledger) == before
    assert not (tmp_path / "台账.pdf").exists()
    # not cancelled, the same work goes through
    run(None, None)
    if name == "report":
        assert (tmp_path / "台账.pdf").stat().st_size > 0
    else:
        assert snapshot(ledger) != before


@pytest.mark.parametrize("flag", ["callable", "event"])
def test_the_cancel_flag_may_be_a_callable_or_an_event(world, tmp_path, flag):
    event = threading.Event()
    event.set()
    cancel = event if flag == "event" else (lambda: True)
    for name, (prepare, _stage, message) in OPERATIONS.items():
        (tmp_path / name).mkdir()
        ledger, run = prepare(world, tmp_path / name)
        before = snapshot(ledger)
        with pytest.raises(Cancelled) as raised:
            run(None, cancel)
        assert str(raised.value) == message
        assert snapshot(ledger) == before


def test_job_turns_progress_and_cancel_into_one_checker():
    told = []
    job = Job(lambda *a: told.append(a))
    job.report("读取", 1, 2)  # no cancel flag: never raises
    assert told == [("读取", 1, 2)] and job.cancelled is None

    event = threading.Event()
    job = Job(told.append, event, error=ImportCancelled)
    job.check()
    event.set()
    with pytest.raises(ImportCancelled, match="^已取消导入，台账未作任何修改$"):
        job.report("写入", 1, 1)
    assert len(told) == 1  # a cancelled report tells nothing more

    with pytest.raises(Cancelled, match="^已取消。$"):
        Job(cancel=lambda: True).check()


def test_a_cancel_re_raised_by_reportlab_keeps_its_plain_message():
    # reportlab re-raises an error from inside a build as type(e)(annotated message)
    error = ReportCancelled("\nhandle_pageEnd args=() 已取消生成报表")
    assert str(error) == "已取消生成报表" and isinstance(error, Cancelled)


def test_the_windows_job_hands_its_cancel_to_the_core_and_ends_cancelled(qtbot, world, tmp_path):
    from shengui_desktop.ui.jobs import Job as WindowJob
    from shengui_desktop.ui.jobs import core_progress

    county, run = spreadsheet_import(world, tmp_path)
    before = snapshot(county)
    shown = []

    def work(_ledger, progress, cancelled):
        def pressed_cancel(done, total, text):
            shown.append(text)
            if text == "检查数据":
                job.cancel()  # the person presses 取消 in the progress dialog
            progress(done, total, text)
        return run(core_progress(pressed_cancel), cancelled)

    job = WindowJob(None, work)
    job.run()  # on this thread: the job's own connection is not what is tested here
    assert job.outcome == ("cancelled", None)
    assert "检查数据" in shown
    assert snapshot(county) == before
