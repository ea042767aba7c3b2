"""Where the window freezes: the main window on a cached ledger, every page shown in turn
(and each visible tab), a few keystrokes in 企业台账's search box and one enterprise's
window, while a 20 ms heartbeat on the GUI thread records every gap over 150 ms against the
step running; with the worker jobs that ran over 0.3 s and the cycle collections over 50 ms
(which thread, how long). A survey, not a benchmark with a goal: bench/README.md keeps what
it found.

    SHENGUI_BENCH_CACHE=/tmp/bench-x QT_QPA_PLATFORM=offscreen \\
        uv run python -m bench.window_stalls province [--pages 月度监测,数据同步]

It opens a copy of the cached ledger (`<cache>/stalls-<scale>.sgdb`, made once): showing
the pages stores evaluations and may upgrade the schema, which the runner's copies must not
see.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import threading
import time
from pathlib import Path

from bench.ledgers import DEFAULT_CACHE, PASSWORD, build

GAP_S, JOB_S, COLLECTION_S = 0.15, 0.3, 0.05


def copy_of(scale: str, cache: Path) -> Path:
    source = build(scale, cache)
    target = cache / f"stalls-{scale}.sgdb"
    if not target.exists():
        for suffix in (".keys", ""):  # the file last: its presence says the copy is whole
            shutil.copyfile(f"{source}{suffix}", f"{target}.part{suffix}")
        Path(f"{target}.part.keys").rename(f"{target}.keys")
        Path(f"{target}.part").rename(target)
    return target


def survey(path: Path, pages: list[str] | None) -> dict:
    from datetime import date

    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QTabWidget

    from shengui_desktop.storage.files import open_ledger
    from shengui_desktop.ui import jobs

    app = QApplication.instance() or QApplication(sys.argv)
    from shengui_desktop.ui.main_window import MainWindow
    from shengui_desktop.ui.pages import PAGES

    start = time.monotonic()
    step, last = ["open"], [start]
    stalls: list[tuple[str, int, float]] = []
    ran: list[tuple[str, float, float]] = []
    collections: list[tuple[int, int, float, str]] = []
    began: dict[int, float] = {}

    def at() -> float:
        return round(time.monotonic() - start, 2)

    real_run = jobs.Job.run

    def run(job) -> None:
        begun = at()
        real_run(job)
        ran.append((job.name, begun, at()))
    jobs.Job.run = run  # type: ignore[method-assign]

    def collected(phase: str, info: dict) -> None:
        if phase == "start":
            began[threading.get_ident()] = time.monotonic()
            return
        took = time.monotonic() - began.pop(threading.get_ident(), time.monotonic())
        if took > COLLECTION_S:
            collections.append((info["generation"], round(took * 1000), at(), threading.current_thread().name))
    gc.callbacks.append(collected)

    def beat() -> None:
        now = time.monotonic()
        if now - last[0] > GAP_S:
            stalls.append((step[0], round((now - last[0]) * 1000), at()))
        last[0] = now
    heart = QTimer()
    heart.setInterval(20)
    heart.timeout.connect(beat)
    heart.start()

    def wait(until=lambda: False, seconds: float = 3.0) -> None:
        end = time.monotonic() + seconds
        while not until() and time.monotonic() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.005)

    def begin(name: str) -> None:
        step[0], last[0] = name, time.monotonic()

    ledger = open_ledger(path, passphrase=PASSWORD, user="admin")
    settings = QSettings(str(path.parent / "stalls.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ledger, settings=settings, today=date(2026, 11, 23))
    window.setGeometry(0, 0, 1024, 768)
    window.show()
    begin("start")
    wait(lambda: window.figures_ready, 300)
    usable = at()
    for name in pages or PAGES:
        begin(f"page {name}")
        window.show_page(name)
        wait(seconds=4.0)
        for tabs in window.stack.currentWidget().findChildren(QTabWidget):
            if tabs.isVisible():
                for i in range(tabs.count()):
                    begin(f"page {name} tab {tabs.tabText(i)}")
                    tabs.setCurrentIndex(i)
                    wait(seconds=2.0)
    window.show_page("企业台账")
    for text in ("秀", "秀水", "机械", "", "9114"):
        begin(f"search {text!r}")
        window.ledger_page.search.setText(text)
        wait(seconds=1.0)
    begin("enterprise window")
    window.open_enterprise(window.index.rows[0][0])
    wait(seconds=3.0)
    for other in window.open_windows:
        for i in range(other.tabs.count()):
            begin(f"enterprise tab {other.tabs.tabText(i)}")
            other.tabs.setCurrentIndex(i)
            wait(seconds=2.0)
    heart.stop()
    gc.callbacks.remove(collected)
    jobs.Job.run = real_run  # type: ignore[method-assign]
    window.close()
    return {"usable_s": usable, "stalls": stalls, "jobs": [j for j in ran if j[2] - j[1] > JOB_S],
            "collections": collections}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scale", choices=("county", "province"))
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--pages", help="comma-separated page names (default: every page)")
    args = parser.parse_args()
    found = survey(copy_of(args.scale, args.cache), args.pages.split(",") if args.pages else None)
    print(f"usable after {found['usable_s']} s")
    print(f"jobs over {JOB_S} s (name, began, ended):")
    for job in found["jobs"]:
        print("  ", job)
    print(f"cycle collections over {COLLECTION_S * 1000:.0f} ms (generation, ms, ended at, thread):")
    for c in found["collections"]:
        print("  ", c)
    print(f"the window frozen over {GAP_S * 1000:.0f} ms (step, ms, at): {len(found['stalls'])}")
    for s in found["stalls"]:
        print("  ", s)


if __name__ == "__main__":
    main()
