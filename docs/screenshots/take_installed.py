"""Screenshot of the installed app (#21): the command of the .deb's desktop entry (`Exec=shengui`)
started under Xvfb with an empty home, as an office's first run: the set-up wizard. The shot is
of the whole X screen, taken by this (separate) Qt process once the program's window is up:

    apt install ./build/deb/shengui_*.deb
    xvfb-run -a -s "-screen 0 1024x768x24" uv run python docs/screenshots/take_installed.py OUT_DIR 1024
    (… "-screen 0 1600x1000x24" … OUT_DIR 1600)

Writes OUT_DIR/installed-first-run-<size>.png; checks the program wrote nothing into /opt/shengui
and its ledger folder is the user's.
"""
import configparser
import hashlib
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QDeadlineTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

out, size = Path(sys.argv[1]), sys.argv[2]
out.mkdir(parents=True, exist_ok=True)
entry = configparser.ConfigParser(interpolation=None)
entry.optionxform = str
entry.read("/usr/share/applications/shengui.desktop", encoding="utf-8")
command = shlex.split(entry["Desktop Entry"]["Exec"])


def install_folder_digest() -> str:
    names = sorted(str(p) for p in Path("/opt/shengui").rglob("*"))
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


before = install_folder_digest()
home = Path(tempfile.mkdtemp())
env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "XDG_"))}
env.update(HOME=str(home), LANG="zh_CN.UTF-8")
program = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
app = QGuiApplication(sys.argv)
screen = app.primaryScreen()


def program_drew_something() -> bool:
    image = screen.grabWindow(0).toImage()
    # the empty Xvfb screen is one colour; the wizard is not
    step = max(image.width() // 40, 1)
    colours = {image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)}
    return len(colours) > 3


deadline = QDeadlineTimer(60_000)
while not program_drew_something():
    if deadline.hasExpired() or program.poll() is not None:
        print("the program's window did not appear:", program.stdout.read().decode() if program.poll() is not None else "")
        program.kill()
        sys.exit(1)
    QTest.qWait(250)
QTest.qWait(1500)  # let it finish laying out
shot = out / f"installed-first-run-{size}.png"
screen.grabWindow(0).save(str(shot))
program.terminate()
program.wait(10)
assert install_folder_digest() == before, "the program wrote into /opt/shengui"
print(f"wrote {shot}; /opt/shengui unchanged; files in the new home: "
      f"{sorted(str(p.relative_to(home)) for p in home.rglob('*') if p.is_file())}")
