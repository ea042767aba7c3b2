"""Shared fixtures: temporary encrypted ledgers, offscreen Qt, a cheap KDF for speed.

The KDF cost is lowered through the environment (parameters are recorded in each slot, so
these ledgers open like any other); one test checks the real default separately.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

import pytest

from shengui_desktop.services.office.setup import init_office

PASSWORD = "correct-horse-9"


@pytest.fixture(autouse=True)
def _unlock_never_sleeps(monkeypatch):
    """Wrong passwords make the next unlock wait (services/office/session.py); tests do not
    sleep: the wait is skipped here (tests/test_unlock_delay.py checks it with its own sleeper)."""
    from shengui_desktop.services.office import session

    monkeypatch.setattr(session, "sleep", lambda seconds: None)


@pytest.fixture
def ledger_path(tmp_path):
    return tmp_path / "ledger.sgdb"


@pytest.fixture
def county(tmp_path):
    """An empty county ledger (盂县, 140322) with two townships and the standard departments."""
    from shengui_desktop.services.ledger import reference

    ledger, recovery = init_office(tmp_path / "county.sgdb", role="county", name="盂县",
                                   area_code="140322", admin_user="admin", password=PASSWORD)
    ledger.recovery_code = recovery
    reference.add_township(ledger, "140322100", "秀水镇")
    reference.add_township(ledger, "140322101", "路家村镇")
    for name in reference.STANDARD_DEPARTMENTS:
        reference.add_department(ledger, name)
    yield ledger
    ledger.close()


@pytest.fixture
def township(tmp_path):
    """An empty township ledger (秀水镇, 140322100)."""
    ledger, recovery = init_office(tmp_path / "township.sgdb", role="township", name="秀水镇",
                                   area_code="140322100", admin_user="admin", password=PASSWORD)
    ledger.recovery_code = recovery
    yield ledger
    ledger.close()


@pytest.fixture
def demo_county(county):
    """The county ledger filled with a small deterministic demo (40 enterprises)."""
    from datetime import date

    from shengui_desktop.services.ledger.demo import generate

    generate(county, enterprises=40, townships=2, seed=7, as_of=date(2026, 11, 23))
    return county



# no test takes a tenth of this (the longest: 47 s, tests/test_sync_property.py)
HANG_S = int(os.environ.get("SHENGUI_TEST_HANG_S", "600"))


def pytest_configure(config):
    """The folder where a hung test's stacks are written (_a_hang_ends_the_worker): made by
    the first process, inherited by pytest-xdist's workers through the environment."""
    if "SHENGUI_TEST_HANGS" not in os.environ:
        import tempfile

        os.environ["SHENGUI_TEST_HANGS"] = tempfile.mkdtemp(prefix="shengui-test-hangs-")
        config.made_hangs_folder = os.environ["SHENGUI_TEST_HANGS"]


def pytest_unconfigure(config):
    import shutil

    if getattr(config, "made_hangs_folder", None):
        shutil.rmtree(config.made_hangs_folder, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    """Print the stacks of any test that hung (the worker's own output is not shown)."""
    from pathlib import Path

    folder = Path(os.environ.get("SHENGUI_TEST_HANGS", ""))
    for dump in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
        if dump.stat().st_size:
            terminalreporter.write_sep("=", f"a test hung in process {dump.stem} (pytest-xdist names it above)")
            terminalreporter.write(dump.read_text(encoding="utf-8", errors="replace") + "\n")


_hang_file = None  # this process's file for the stacks of a test that hung, opened once


@pytest.fixture(autouse=True)
def _a_hang_ends_the_worker():
    """A test still running after HANG_S has hung: every thread's stack is written down and
    its process ends, which pytest-xdist reports as a crash of that test (the stacks are
    printed at the end of the run). Python's faulthandler does it from a thread of its own
    that needs no interpreter lock, so it also ends a hang inside Qt's C++ code holding that
    lock (session 11: a thread pool destroyed while its job ran; a watchdog written in Python
    never woke, and CI ran to its limit)."""
    import faulthandler
    from pathlib import Path

    global _hang_file
    if _hang_file is None:
        _hang_file = open(Path(os.environ["SHENGUI_TEST_HANGS"]) / f"{os.getpid()}.txt", "w", encoding="utf-8")
    faulthandler.dump_traceback_later(HANG_S, exit=True, file=_hang_file)
    yield
    faulthandler.cancel_dump_traceback_later()


# far beyond any answer a test schedules (the longest: 200 ms)
MODAL_PATIENCE_MS = int(os.environ.get("SHENGUI_TEST_MODAL_PATIENCE_MS", "30000"))


@pytest.fixture(autouse=True)
def _no_modal_waits_for_nobody(request):
    """A message box or dialog run modally (exec) that no test answers would wait for good,
    and the run with it: a close backup that failed in a later test's wait would ask 仍然关闭/
    取消 of no one. One left open MODAL_PATIENCE_MS is closed here, and the test fails
    naming it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QProgressDialog

    app = QApplication.instance()
    if app is None:  # no Qt yet in this process: nothing can be shown
        yield
        return
    waiting: dict[int, float] = {}
    left: list[str] = []

    def look() -> None:
        import time

        now = time.monotonic()
        modal = QApplication.activeModalWidget()
        if not isinstance(modal, QDialog) or isinstance(modal, QProgressDialog):
            return  # a progress dialog is shown, not run: the work behind it ends it
        since = waiting.setdefault(id(modal), now)
        if (now - since) * 1000 >= MODAL_PATIENCE_MS:
            text = modal.text() if hasattr(modal, "text") else ""
            left.append(f"{type(modal).__name__} “{modal.windowTitle()}”: {text}")
            modal.reject()

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(1000)
    yield
    timer.stop()
    if left:
        pytest.fail("a modal dialog waited for an answer no one gave: " + "; ".join(left))


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item):
    """pytest-qt closes a test's widgets and deletes them later; a main window's close starts
    its backup on the worker and closes the window when it is made (ui/close_backup.py).
    Wait here, before the test's ledger is closed, until each such window has closed or been
    deleted (which cancels its backup, ui/jobs.py), so that none finishes closing — or asks
    about a failed backup — in the middle of a later test."""
    _finish_closing_windows()
    yield


def _finish_closing_windows(limit_s: float = 60) -> None:
    import time

    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return

    def closing() -> list:
        return [w for w in QApplication.topLevelWidgets()
                if getattr(w, "close_backup", None) is not None and not w.close_backup.ended]
    deadline = time.monotonic() + limit_s
    while closing() and time.monotonic() < deadline:
        QTest.qWait(20)
