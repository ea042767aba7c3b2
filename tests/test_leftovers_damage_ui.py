"""A ledger page damaged after the unlock: a page the window reads later (on the worker)
shows the Chinese damage message and advice the unlock and the command line give, never
'后台任务出错: DatabaseError'."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from shengui_desktop.services.ledger import demo
from shengui_desktop.services.office import session
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.ui.jobs import JobRunner

from conftest import PASSWORD

PAGE = 4096


@pytest.fixture
def damaged_after_unlock(tmp_path):
    """A county ledger with demo data, unlocked, then every page past the schema's damaged
    on disk (a worker's own connection reads them fresh)."""
    db = tmp_path / "c.sgdb"
    ledger, _ = init_office(db, role="county", name="盂县", area_code="140322", admin_user="admin",
                            password=PASSWORD)
    demo.generate(ledger, enterprises=40)
    ledger.close()
    ledger = session.unlock(db, password=PASSWORD, user="admin")
    data = bytearray(Path(db).read_bytes())
    for page in range(len(data) // PAGE // 2, len(data) // PAGE):
        data[page * PAGE + 200] ^= 0x10
    Path(db).write_bytes(bytes(data))
    yield ledger
    try:
        ledger.close()
    except Exception:  # noqa: BLE001 - the damaged file may refuse the closing checkpoint
        pass


def every_row(ledger, _progress, _cancelled):
    return [ledger.rows(f"SELECT * FROM {t}") for t in ("enterprises", "monthly_figures", "visits",
                                                        "issues", "change_log")]


def test_a_job_on_a_damaged_page_fails_with_the_damage_message(qtbot, damaged_after_unlock):
    runner = JobRunner()
    failed: list[str] = []
    job = runner.start(damaged_after_unlock, every_row, on_error=failed.append)
    qtbot.waitUntil(lambda: bool(failed), timeout=10000)
    assert job.damaged
    assert "已损坏" in failed[0] and "备份" in failed[0] and "c.sgdb" in failed[0], failed[0]
    assert "后台任务出错" not in failed[0] and "DatabaseError" not in failed[0]
    runner.shutdown()


def test_a_quiet_page_load_shows_one_damage_box(qtbot, damaged_after_unlock):
    from PySide6.QtWidgets import QWidget
    page = QWidget()
    qtbot.addWidget(page)
    page.show()
    runner = JobRunner(page)
    for _ in range(3):  # three pages loading at once: one box
        runner.start(damaged_after_unlock, every_row, on_done=lambda _r: None)

    def boxes():
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    qtbot.waitUntil(lambda: not runner.jobs, timeout=10000)
    qtbot.waitUntil(lambda: bool(boxes()), timeout=5000)
    (box,) = boxes()
    assert box.windowTitle() == "台账文件已损坏"
    assert "已损坏" in box.text() and "备份" in box.text()
    box.close()
