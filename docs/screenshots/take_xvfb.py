"""Screenshots of the real window (xcb platform) under Xvfb, on the demo ledger:

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1440x900x24" \\
        uv run python docs/screenshots/take_xvfb.py docs/screenshots
"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from shengui_desktop.ui import app as appmod

out = sys.argv[1]
application = appmod._application()
shots = []

def grab(name):
    screen = QApplication.primaryScreen()
    screen.grabWindow(0).save(f"{out}/{name}.png")
    shots.append(name)

def unlock():
    dlg = QApplication.activeModalWidget()
    grab("xvfb-unlock")
    QTest.keyClick(dlg, Qt.Key_Return)

QTimer.singleShot(2500, unlock)
window = appmod.start(demo="county")
def later():
    grab("xvfb-main")
    window.close()
    application.quit()
QTimer.singleShot(6000, later)
application.exec()
print("shots", shots, "platform", application.platformName())
