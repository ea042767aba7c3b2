"""Screenshot of the unlock dialog refused because another program has the ledger open
(issue 19 item 3, storage/lock.py): the message names the host, the process and when it
started. The holder is a real second process. Whole-screen grab under Xvfb:

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_writer_lock.py OUT_DIR 1024 768
"""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from shengui_desktop.services.office.setup import init_office
from shengui_desktop.ui.app import install_chinese
from shengui_desktop.ui.start.unlock import UnlockDialog

out, width, height = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
app = QApplication(sys.argv)
translators = install_chinese(app)
work = Path(tempfile.mkdtemp())
PASSWORD = "screenshot-123"

HOLDER = """
import sys
from shengui_desktop.services.office import session
ledger = session.unlock(sys.argv[1], password=sys.argv[2])
print("holding", flush=True)
sys.stdin.readline()
session.close(ledger)
"""


def wait(until=lambda: False, ms=300):
    start = time.monotonic()
    while not until() and (time.monotonic() - start) * 1000 < ms:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 30)
        time.sleep(0.01)


made, _ = init_office(work / "盂县台账.sgdb", role="county", name="盂县", area_code="140322",
                      admin_user="admin", password=PASSWORD)
made.close()
holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(made.path), PASSWORD], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True)
assert holder.stdout.readline().strip() == "holding"
try:
    dialog = UnlockDialog(made.path)
    dialog.move(max(0, (width - 560) // 2), max(0, (height - 320) // 3))
    dialog.show()
    dialog.password.setText(PASSWORD)
    dialog.try_unlock()
    wait(lambda: dialog.ok.isEnabled(), 10000)
    wait(ms=800)
    app.primaryScreen().grabWindow(0).save(str(out / f"writer-lock-{width}.png"))
    dialog.close()
finally:
    holder.stdin.write("\n")
    holder.stdin.flush()
    holder.wait(timeout=30)
