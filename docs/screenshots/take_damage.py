"""Screenshots of the unlock dialog meeting damage (issue 19 item 4): a ledger with a damaged
page (the message names the damage and how to restore a backup) and a tampered key file
(密钥文件已损坏, not a wrong password). Whole-screen grabs of a real window under Xvfb:

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_damage.py OUT_DIR 1024 768
"""
import json
import os
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


def wait(until=lambda: False, ms=300):
    start = time.monotonic()
    while not until() and (time.monotonic() - start) * 1000 < ms:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 30)
        time.sleep(0.01)


def ledger(name: str) -> Path:
    made, _ = init_office(work / name / "盂县台账.sgdb", role="county", name="盂县", area_code="140322",
                          admin_user="admin", password=PASSWORD)
    made.close()
    return made.path


def shot(path: Path, tag: str) -> None:
    dialog = UnlockDialog(path)
    dialog.move(max(0, (width - 560) // 2), max(0, (height - 320) // 3))
    dialog.show()
    dialog.password.setText(PASSWORD)
    dialog.try_unlock()
    wait(lambda: dialog.ok.isEnabled(), 10000)
    wait(ms=800)
    app.primaryScreen().grabWindow(0).save(str(out / f"damage-{tag}-{width}.png"))
    dialog.close()


damaged = ledger("page")
data = bytearray(damaged.read_bytes())
data[4096 + 100] ^= 1  # page 2: the schema, met by the unlock itself
damaged.write_bytes(bytes(data))
shot(damaged, "ledger")

tampered = ledger("keys")
keys = Path(str(tampered) + ".keys")
content = json.loads(keys.read_text("utf-8"))
content["slots"][0]["kdf"]["memory_kib"] = 2 ** 40
keys.write_text(json.dumps(content), "utf-8")
shot(tampered, "keys")
