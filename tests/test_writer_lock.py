"""One writer per ledger (storage/lock.py): a second program — a window or a `shengui`
command — opening a ledger another program has open is refused with who has it (主机、进程、
开始时间); the lock of a program that was killed is taken over with a note; a lock written on
another computer, or by a process of this computer that still runs, is never taken silently.
The holders here are real processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import PASSWORD
from shengui_desktop.errors import UserError
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.office import session
from shengui_desktop.storage import lock
from shengui_desktop.storage.lock import LedgerInUse, lock_path_for

ROOT = Path(__file__).resolve().parent.parent

HOLDER = textwrap.dedent("""
    import sys
    from shengui_desktop.services.office import session
    ledger = session.unlock(sys.argv[1], password=sys.argv[2])
    print("holding", flush=True)
    sys.stdin.readline()
    session.close(ledger)
    print("closed", flush=True)
""")


def start_holder(path: Path) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), PASSWORD], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    line = child.stdout.readline()
    assert line.strip() == "holding", child.stderr.read()
    return child


def shengui(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, SHENGUI_PASSPHRASE=PASSWORD)
    return subprocess.run([sys.executable, "-m", "shengui_desktop", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


@pytest.fixture
def closed(county):
    path = county.path
    county.close()
    return path


def test_a_second_program_is_refused_with_the_holder_named(closed):
    child = start_holder(closed)
    try:
        info = json.loads(lock_path_for(closed).read_text(encoding="utf-8"))
        assert info["pid"] == child.pid and info["host"] == socket.gethostname()
        with pytest.raises(LedgerInUse) as refused:
            session.unlock(closed, password=PASSWORD)
        text = str(refused.value)
        assert text.startswith("台账正由另一个程序使用：")
        assert f"主机 {socket.gethostname()}" in text and f"进程 {child.pid}" in text
        assert f"开始时间 {info['started'].replace('T', ' ')}" in text
        # the command line is refused the same way: a Chinese message, no traceback, no write
        before = closed.read_bytes()
        done = shengui("verify", "--db", str(closed))
        assert done.returncode == LedgerInUse.exit_code, done.stderr
        assert "台账正由另一个程序使用" in done.stderr + done.stdout and f"进程 {child.pid}" in done.stderr
        assert "Traceback" not in done.stderr
        assert closed.read_bytes() == before
    finally:
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "closed"
        child.wait(timeout=30)
    assert not lock_path_for(closed).exists()  # a clean exit leaves no lock file
    opened = session.unlock(closed, password=PASSWORD)
    try:
        assert session.lock_note(opened) is None
    finally:
        session.close(opened)


def test_the_lock_of_a_killed_program_is_taken_over_with_a_note(closed):
    child = start_holder(closed)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert lock_path_for(closed).exists()  # SIGKILL: no chance to clean up
    assert json.loads(lock_path_for(closed).read_text(encoding="utf-8"))["pid"] == child.pid
    opened = session.unlock(closed, password=PASSWORD)
    try:
        note = session.lock_note(opened)
        assert note is not None and "没有正常退出" in note and f"进程 {child.pid}" in note
        assert json.loads(lock_path_for(closed).read_text(encoding="utf-8"))["pid"] == os.getpid()
        reference.add_township(opened, "140322102", "南娄镇")  # and it writes
    finally:
        session.close(opened)
    # the command line takes over too, and says so on stderr
    child = start_holder(closed)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    done = shengui("verify", "--db", str(closed))
    assert done.returncode == 0, done.stderr
    assert "没有正常退出" in done.stderr and "Traceback" not in done.stderr


def test_a_lock_from_another_computer_or_a_live_process_is_not_taken(closed):
    lock_file = lock_path_for(closed)
    lock_file.write_text(json.dumps({"host": "县局-笔记本", "pid": 4242, "started": "2026-12-01T09:00:00"}),
                         encoding="utf-8")
    with pytest.raises(LedgerInUse) as refused:
        session.unlock(closed, password=PASSWORD)
    assert "主机 县局-笔记本" in str(refused.value) and str(lock_file) in str(refused.value)
    # a process of this computer that still runs (on a disk where the OS lock does not hold)
    sleeper = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"],
                               stdin=subprocess.PIPE)
    try:
        lock_file.write_text(json.dumps({"host": socket.gethostname(), "pid": sleeper.pid,
                                         "started": "2026-12-01T09:00:00", "boot": lock._boot_id()}),
                             encoding="utf-8")
        with pytest.raises(LedgerInUse, match=f"进程 {sleeper.pid}"):
            session.unlock(closed, password=PASSWORD)
    finally:
        sleeper.stdin.close()
        sleeper.wait(timeout=30)
    # once it has gone, the lock is taken over
    opened = session.unlock(closed, password=PASSWORD)
    try:
        assert "进程已不存在" in session.lock_note(opened)
    finally:
        session.close(opened)


def test_one_program_may_open_its_ledger_twice(closed):
    first = session.unlock(closed, password=PASSWORD)
    second = session.unlock(closed, password=PASSWORD)
    worker = session.worker_connection(first)
    try:
        assert first.writer_lock is second.writer_lock and first.writer_lock.count == 2
        session.close(second)
        assert lock_path_for(closed).exists()  # still held by the first
        child = subprocess.run([sys.executable, "-c", HOLDER, str(closed), PASSWORD], capture_output=True,
                               text=True, cwd=ROOT, input="\n", timeout=120)
        assert child.returncode != 0 and "台账正由另一个程序使用" in child.stderr
    finally:
        session.close(worker)
        session.close(first)
    assert not lock_path_for(closed).exists()


def test_a_restore_keeps_the_lock(county):
    from shengui_desktop.services.office import backups

    made = backups.make_backup(county)
    done = backups.restore_backup(county, made.path)
    try:
        assert done.ledger.writer_lock is not None and lock_path_for(county.path).exists()
        child = subprocess.run([sys.executable, "-c", HOLDER, str(county.path), PASSWORD],
                               capture_output=True, text=True, cwd=ROOT, input="\n", timeout=120)
        assert "台账正由另一个程序使用" in child.stderr
    finally:
        session.close(done.ledger)
    assert not lock_path_for(county.path).exists()


def test_a_folder_without_write_permission_says_so(closed, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    folder = closed.parent
    os.chmod(folder, 0o500)
    try:
        with pytest.raises(UserError, match="无法在.*建立台账锁文件"):
            session.unlock(closed, password=PASSWORD)
    finally:
        os.chmod(folder, 0o700)
