"""Helpers for the window tests: a main window on a temporary ledger, settings in tmp."""

from __future__ import annotations

import random
from datetime import date

from PySide6.QtCore import QSettings

from shengui_desktop.domain import credit_code
from shengui_desktop.services.ledger.enterprises import create_enterprise

TODAY = date.today()


def valid_code(seed: int) -> str:
    rng = random.Random(seed)
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        body = "".join(rng.choice(chars) for _ in range(8))
        check = credit_code.org_check_character(body)
        if check in chars:
            return credit_code.complete("91140322" + body + check)


def add_enterprise(ledger, name: str, seed: int, township: str = "140322100", **extra) -> str:
    enterprise_id, _warnings = create_enterprise(ledger, {
        "name": name, "credit_code": valid_code(seed), "township_code": township,
        "industry_code": "3411", **extra})
    return enterprise_id


def open_window(qtbot, ledger, tmp_path, today=TODAY):
    from shengui_desktop.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ledger, settings=settings, today=today)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.figures_ready, timeout=10000)
    return window


def test_index_finds_pinyin_initials_substring_and_code():
    from shengui_desktop.ui.ledger.index import EnterpriseIndex, Filters
    from shengui_desktop.domain.search import search_key

    rows = [("a", "秀水机械有限公司", "91140322MA0000001X", "140322100", "3411", "below_scale",
             "reserve", None, None, search_key("秀水机械有限公司")),
            ("b", "南娄化工有限公司", "91140322MA0000002X", "140322101", "2611", "above_scale",
             "none", None, None, search_key("南娄化工有限公司"))]
    index = EnterpriseIndex(rows=rows)
    assert index.filter(Filters(text="xsjx")) == [0]
    assert index.filter(Filters(text="化工")) == [1]
    assert index.filter(Filters(text="0000002")) == [1]
    assert index.filter(Filters(text="XSJX")) == [0]
    assert index.filter(Filters(pool="reserve")) == [0]
    assert index.filter(Filters(industry="26", text="nl")) == [1]
    assert index.filter(Filters(text="xsjx", township="140322101")) == []


def type_text(qtbot, widget, text: str) -> None:
    """Key clicks for ASCII (QTest cannot synthesise CJK keys); CJK arrives as an input
    method would deliver it, committed text inserted at the cursor."""
    if text.isascii():
        qtbot.keyClicks(widget, text)
    elif hasattr(widget, "insertPlainText"):
        widget.insertPlainText(text)
    else:
        widget.insert(text)


def test_a_file_error_on_a_worker_is_a_chinese_message(qtbot):
    from shengui_desktop.ui.jobs import JobRunner

    runner = JobRunner()
    failed = []

    def work(_ledger, _progress, _cancelled):
        raise FileNotFoundError(2, "No such file or directory", "/media/usb/包.sgpkg")
    job = runner.start(None, work, on_error=failed.append)
    qtbot.waitUntil(lambda: bool(failed), timeout=5000)
    assert failed == ["无法读写“/media/usb/包.sgpkg”：文件或文件夹不存在"]
    assert job.outcome[0] == "failed"
    runner.shutdown()


def test_a_load_started_earlier_and_ending_later_is_not_drawn(qtbot):
    """Two worker threads: the home page's statistics loaded before 标记已报送 could end after
    the load started after it and draw the form as still due (CI, session 9). A page's load
    (start(latest=True)) superseded by a newer one of its name is cancelled and dropped."""
    import threading

    from shengui_desktop.ui.jobs import JobRunner

    runner = JobRunner()
    drawn, release = [], threading.Event()

    def before_the_change(_ledger, _progress, cancelled):
        release.wait(5)
        return ("before", cancelled())

    def after_the_change(_ledger, _progress, _cancelled):
        return ("after", False)

    first = runner.start(None, before_the_change, name="home", latest=True, on_done=drawn.append)
    second = runner.start(None, after_the_change, name="home", latest=True, on_done=drawn.append)
    other = runner.start(None, after_the_change, name="visits", latest=True, on_done=drawn.append)
    qtbot.waitUntil(lambda: second not in runner.jobs and other not in runner.jobs, timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: first not in runner.jobs, timeout=5000)
    assert drawn == [("after", False), ("after", False)]  # the older load's result never drawn
    assert first.is_cancelled()  # and it was told to stop reading
    # ended on its thread before the newer load started, its result not yet on the GUI
    # thread: dropped too, so nothing older is drawn between the two
    drawn.clear()
    ended = runner.start(None, lambda *_a: ("before", False), name="home", latest=True, on_done=drawn.append)
    assert ended.done.wait(5)
    newer = runner.start(None, after_the_change, name="home", latest=True, on_done=drawn.append)
    qtbot.waitUntil(lambda: ended not in runner.jobs and newer not in runner.jobs, timeout=5000)
    assert drawn == [("after", False)]
    # a job without latest (an action, not a load) is never superseded
    plain = []
    runner.start(None, after_the_change, name="home", on_done=plain.append)
    qtbot.waitUntil(lambda: bool(plain), timeout=5000)
    assert plain == [("after", False)]
    runner.shutdown()


def test_a_page_load_runs_with_the_cycle_collector_held_off(qtbot):
    """Full collections during a province's load froze the window for 60-370 ms each (eight
    in one monitoring table). A load (latest=True or loads=True) holds the collector off
    until the last running load ends, failed or not; any other job leaves it alone."""
    import gc
    import threading

    from shengui_desktop.ui.jobs import JobRunner

    runner = JobRunner()
    seen, release = {}, threading.Event()

    kept: list = []

    def load(name, wait=False):
        def work(_ledger, _progress, _cancelled):
            seen[name] = gc.isenabled()
            if name == "first":
                kept.append([{"行": i} for i in range(3)])  # a page's rows, kept after the load
            if wait:
                release.wait(5)
            if name == "broken":
                raise RuntimeError("a bug in a load")
            return name
        return work

    assert gc.isenabled()
    first = runner.start(None, load("first", wait=True), name="home", latest=True)
    qtbot.waitUntil(lambda: "first" in seen, timeout=5000)
    assert not gc.isenabled()  # process-wide while the load runs
    second = runner.start(None, load("broken"), name="monitoring", loads=True, on_error=lambda _m: None)
    qtbot.waitUntil(lambda: second not in runner.jobs, timeout=5000)
    assert seen["broken"] is False and not gc.isenabled()  # the first still runs
    release.set()
    qtbot.waitUntil(lambda: first not in runner.jobs, timeout=5000)
    assert gc.isenabled()  # on again with the last load, though one failed
    # what the load built and keeps is in the oldest generation, not walked by the young
    # collections that come next (at the province one took 297 ms, the window frozen)
    assert any(o is kept[0] for o in gc.get_objects(generation=2))
    assert not any(o is kept[0] for o in gc.get_objects(generation=0))
    plain = runner.start(None, load("action"), name="save")
    qtbot.waitUntil(lambda: plain not in runner.jobs, timeout=5000)
    assert seen["action"] is True  # an action keeps the collector
    gc.disable()  # held off by someone else before: a load does not turn it on
    try:
        again = runner.start(None, load("again"), name="home", latest=True)
        qtbot.waitUntil(lambda: again not in runner.jobs, timeout=5000)
        assert not gc.isenabled()
    finally:
        gc.enable()
    runner.shutdown()


DELETED_WHILE_RUNNING = """
import sys, threading, time
import shiboken6
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
from shengui_desktop.ui.jobs import JobRunner
page = QWidget()
runner = JobRunner(page)
started = threading.Event()

def work(_ledger, _progress, cancelled):
    started.set()
    while not cancelled():  # Python code: it needs the interpreter lock to go on
        sum(range(1000))
    return "stopped"

job = runner.start(None, work, name="load", latest=True)
assert started.wait(10)
began = time.monotonic()
shiboken6.delete(page)  # the page and its runner destroyed, from Python (the lock held)
print("deleted", round(time.monotonic() - began, 1), flush=True)
print("ended", job.done.wait(10), job.outcome, flush=True)
from PySide6.QtCore import QEventLoop
while runner.jobs:  # until its end reaches the GUI thread (the process has its time limit)
    app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
print("kept", len(runner.jobs), flush=True)
"""


def test_a_page_deleted_while_its_job_runs_neither_hangs_nor_leaves_it_running():
    """The pool used to be the runner's child: deleting the page destroyed it, and its
    destructor waited for the job, which waited for the interpreter lock the GUI thread held.
    The program hung for good (CI at 4224ea5 ran to its 5400 s limit). In a process of
    its own, so that the old behaviour fails here instead of hanging the run."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    try:
        out = subprocess.run([sys.executable, "-c", DELETED_WHILE_RUNNING], capture_output=True,
                             text=True, env=env, timeout=60)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"deleting the page hung: {e.stdout!r}") from None
    assert out.returncode == 0, out.stderr
    deleted, ended, kept = out.stdout.splitlines()
    assert float(deleted.split()[1]) < 2  # at once, not after the job
    assert ended == "ended True ('cancelled', None)"  # the runner's end cancelled its job
    assert kept == "kept 0"  # and nothing holds it (or what it made) once it has ended


def test_the_pool_of_a_deleted_page_is_let_go_once_idle(qtbot):
    """Pools are kept apart from their pages (ui/jobs.py _POOLS) only while they might still
    run something: a page locked or closed does not leave its pool behind for good."""
    import shiboken6
    from PySide6.QtWidgets import QWidget

    from shengui_desktop.ui import jobs

    page = QWidget()
    runner = jobs.JobRunner(page)
    job = runner.start(None, lambda _ledger, _progress, _cancelled: 7, name="load")
    assert job.done.wait(10)
    qtbot.waitUntil(lambda: not runner.jobs)
    pool = runner.pool
    assert any(kept is pool for kept, _owner in jobs._POOLS.kept)
    shiboken6.delete(page)
    jobs.JobRunner()  # the next runner made lets the idle pools of deleted runners go
    assert not any(kept is pool for kept, _owner in jobs._POOLS.kept)
