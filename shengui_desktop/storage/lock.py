"""One writer per ledger file: a lock file beside the ledger held with the operating system's
lock (fcntl.flock on Linux and macOS, msvcrt.locking on Windows).

The file `<ledger>.lock` names its holder (host, process id, start time) so a second program
— a window or a `shengui` command — that finds the ledger taken can say who has it
(台账正由另一个程序使用：主机、进程、开始时间). The operating system releases its lock when
the holder dies, even by SIGKILL or a power cut; the text then stays in the file. A program
that gets the lock and finds a holder's text there knows the last one crashed: when that
holder was on this computer and its process is gone, the lock is taken over and
:attr:`WriterLock.note` says so. A lock written by another computer (a ledger on a shared or
removable disk) is never taken over silently: the message names that computer, and only a
person's deliberate takeover (:func:`acquire` with `take_over`, after a confirmation naming
host, process and time: the window's 强制接管, `--take-over-lock`) passes it, and only while
the lock file still names the holder the person was shown.

Within one process the lock is shared: a worker's second connection, a test opening one file
twice, a restore reopening the file — they are the same program, and count references.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import UserError

LOCK_SUFFIX = ".lock"
_WINDOWS_LOCK_OFFSET = 1 << 30  # Windows locks a byte range: far past the text others read


class LedgerInUse(UserError):
    """The ledger is open for writing in another program. `holder`: what the lock file says
    (host, pid, started); `elsewhere`: it names another computer, whose program this one
    cannot see: a person may take the lock over deliberately (acquire's `take_over`)."""

    exit_code = 5

    def __init__(self, message: str, holder: dict | None = None, elsewhere: bool = False):
        super().__init__(message)
        self.holder = dict(holder or {})
        self.elsewhere = elsewhere


TAKE_OVER_RISK = ("如果那台电脑上的程序其实仍在使用这份台账（例如台账放在共享文件夹中），两个程序同时写入会损坏台账、"
                  "丢失修改。只有确认那台电脑已关闭本程序、或已不再使用这份台账（例如它异常退出后台账被拷了过来）时，"
                  "才可强制接管。")


def takeover_question(holder: dict) -> str:
    """What a person confirms before taking over a lock another computer holds (Chinese)."""
    started = str(holder.get("started") or "未知").replace("T", " ")
    return (f"台账锁由另一台电脑持有：主机 {holder.get('host') or '未知'}，进程 {holder.get('pid') or '未知'}，"
            f"自 {started} 起。\n\n{TAKE_OVER_RISK}\n\n强制接管会记入审计日志。确定强制接管吗？")


def lock_path_for(ledger_path: Path) -> Path:
    return Path(f"{ledger_path}{LOCK_SUFFIX}")


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        return None


def process_alive(pid: int) -> bool:
    """Whether a process of this id runs on this computer now."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def holder_text(info: dict) -> str:
    """主机 X，进程 N，开始时间 T."""
    started = str(info.get("started") or "未知").replace("T", " ")
    return f"主机 {info.get('host') or '未知'}，进程 {info.get('pid') or '未知'}，开始时间 {started}"


def _read_info(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(4096)
        info = json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _try_os_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@dataclass
class WriterLock:
    """This process's hold on one ledger's lock file."""

    path: Path  # the lock file
    fd: int
    note: str | None = None  # set when a crashed holder's lock was taken over (Chinese)
    count: int = 1
    info: dict = field(default_factory=dict)
    taken_over: dict | None = None  # the other computer's holder a person took the lock from

    def release(self) -> None:
        """One user of the lock is done; the last one removes the file and lets go."""
        with _REGISTRY_GUARD:
            self.count -= 1
            if self.count > 0:
                return
            _REGISTRY.pop(_key(self.path), None)
            try:
                if sys.platform == "win32":  # pragma: no cover - an open file cannot be removed there
                    os.ftruncate(self.fd, 0)
                else:  # removed while still held: a waiting program never locks a removed file
                    self.path.unlink(missing_ok=True)
            except OSError:
                pass
            finally:
                os.close(self.fd)


_REGISTRY: dict[str, WriterLock] = {}
_REGISTRY_GUARD = threading.RLock()


def _key(lock_file: Path) -> str:
    return os.path.normcase(str(lock_file.resolve()))


def held(ledger_path: Path) -> WriterLock | None:
    """This process's lock on `ledger_path`, if it holds one."""
    return _REGISTRY.get(_key(lock_path_for(Path(ledger_path))))


def acquire(ledger_path: Path, take_over: dict | None = None) -> WriterLock:
    """Take the ledger's writer lock (or another reference to this process's). Raises
    LedgerInUse naming the holder when another program has it; a lock left by a crashed
    program on this computer is taken over (`note`). `take_over`: the holder on another
    computer a person confirmed taking the lock from (LedgerInUse.holder): taken over
    (`taken_over`, `note`) while the lock file still names it and no program here holds the
    operating system's lock."""
    lock_file = lock_path_for(Path(ledger_path))
    with _REGISTRY_GUARD:
        mine = _REGISTRY.get(_key(lock_file))
        if mine is not None:
            mine.count += 1
            return mine
        for _attempt in range(5):
            try:
                fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as e:
                if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):  # a read-only folder
                    raise UserError(f"无法在“{lock_file.parent}”建立台账锁文件（没有写入权限，或磁盘为只读）。"
                                    "台账需要放在可写的文件夹中。") from None
                raise
            if not _try_os_lock(fd):
                os.close(fd)
                info = _read_info(lock_file)
                raise LedgerInUse(f"台账正由另一个程序使用：{holder_text(info)}。"
                                  "请先关闭那个程序（窗口或命令），再打开台账。", info)
            try:
                same = os.fstat(fd).st_ino == os.stat(lock_file).st_ino
            except FileNotFoundError:
                same = False
            if not same and sys.platform != "win32":  # the holder removed it as we opened it
                os.close(fd)
                continue
            try:
                return _hold(lock_file, fd, take_over)
            except BaseException:
                os.close(fd)
                raise
        raise LedgerInUse("台账正由另一个程序反复打开和关闭，请稍后再试。")


def _same_holder(a: dict, b: dict) -> bool:
    return all(a.get(k) == b.get(k) for k in ("host", "pid", "started"))


def _hold(lock_file: Path, fd: int, take_over: dict | None = None) -> WriterLock:
    previous = _read_info(lock_file)
    note = None
    taken_over: dict | None = None
    host = socket.gethostname()
    if previous and previous.get("host") != host:
        if take_over is None or not _same_holder(previous, take_over):
            raise LedgerInUse(
                f"台账正由另一台电脑上的程序使用：{holder_text(previous)}。如果那台电脑已不再使用这份台账"
                "（例如程序异常退出后把台账拷了过来），可以强制接管：在打开台账的窗口中选择“强制接管”，"
                f"或在命令后加 --take-over-lock（也可删除锁文件“{lock_file}”）。", previous, elsewhere=True)
        taken_over = previous
        note = (f"已强制接管另一台电脑持有的台账锁（{holder_text(previous)}），已记入审计日志。"
                "建议在“设置 → 备份与恢复”中检查台账完整性。")
    elif previous:
        pid = previous.get("pid")
        same_boot = previous.get("boot") == _boot_id()
        if isinstance(pid, int) and pid != os.getpid() and same_boot and process_alive(pid):
            raise LedgerInUse(f"台账正由另一个程序使用：{holder_text(previous)}。"
                              "请先关闭那个程序（窗口或命令），再打开台账。", previous)
        note = (f"上次使用台账的程序没有正常退出（{holder_text(previous)}，进程已不存在），"
                "已接管台账锁。建议在“设置 → 备份与恢复”中检查台账完整性。")
    info = {"host": host, "pid": os.getpid(), "started": datetime.now().isoformat(timespec="seconds"),
            "boot": _boot_id(), "program": "shengui_desktop"}
    data = json.dumps(info, ensure_ascii=False).encode("utf-8")
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, data)
    try:
        os.fsync(fd)
    except OSError:
        pass
    lock = WriterLock(lock_file, fd, note, 1, info, taken_over)
    _REGISTRY[_key(lock_file)] = lock
    return lock
