"""Backups of an office's ledger: the folder they live in, listing them, making one now, and
restoring one (the current ledger is kept as a backup first).

A backup is an encrypted copy of the ledger under the same key with a copy of its key file
beside it (`<backup>.keys`); nothing is ever written in the clear. They live in a folder
`backups/` beside the ledger, named `<ledger>-<YYYYMMDD-HHMMSS>.sgdb`; the copy kept before a
restore ends in `-before-restore`. The copies the schema upgrade makes beside the ledger
(`<ledger>.v<N>-<stamp>.bak`, storage/migrations.py) are listed too.

Restoring brings back the backup's records; this office's passwords, users, keys, trusted
peers and sync numbers stay as they are now (storage/restore.py says why). The window runs
:func:`prepare_restore` on a worker (copying and checking a large file, keeping the current
ledger) and :func:`finish_restore` on its own thread once every other connection is closed;
the command line calls :func:`restore_backup`, which does both.

Automatic backups (kind "auto", names ending in `-auto`) are made when the window closes
(:func:`backup_on_close`) and at the first unlock of a day (:func:`daily_backup`); after each,
:func:`rotate` keeps the newest of each of the last 7 days that have one and of each of the
last 4 weeks, and removes the other automatic ones (never a manual backup, a copy kept before
a restore or an upgrade). The folder is a setting (:func:`set_backup_folder`, kept in
`<ledger>.backup.json` beside the ledger, not in the ledger: a restore must not move it);
by default `backups/` beside the ledger.

On a new computer (the old one died, the backup is on a USB stick) there is no ledger yet:
the first-run wizard's 从备份恢复 calls :func:`restore_new_ledger`, which opens the backup's
own key file with the password (or recovery code) of the time of the backup, checks a copy,
puts the ledger and its key file in place and opens it; :func:`new_place_text` is what the
person confirms first.
"""

from __future__ import annotations

import json
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import UserError, os_error_message
from ...paths import write_replacing
from ...progress import Cancel, Cancelled, Job, Progress
from ...storage import restore
from ...storage.connection import DatabaseError
from ...storage.keyslots import KeySlots, keys_path_for
from .audit import RESTORE, record
from .session import unlock
from .upkeep import backup_ledger
from .users import require_admin

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

FOLDER = "backups"
SUFFIX = ".sgdb"
KINDS = {"manual": "手动备份", "auto": "自动备份", "before_restore": "恢复前自动保留",
         "before_upgrade": "升级前自动备份", "other": "备份文件"}  # other: a file of another name (copied to a USB stick, renamed)
STAMP = "%Y%m%d-%H%M%S"
_OURS = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?(?P<kind>-before-restore|-auto)?\.sgdb$")
_TAILS = {"before_restore": "-before-restore", "auto": "-auto"}
KEEP_DAILY = 7  # automatic backups: the newest of each of the last 7 days that have one
KEEP_WEEKLY = 4  # and of each of the last 4 weeks
SETTINGS_SUFFIX = ".backup.json"
KEYS_TEMP_PREFIX = ".keys-"  # storage/keyslots.py KeySlots.save's temporary file
STALE_SECONDS = 300
_UPGRADE = re.compile(r"^(?P<name>.+)\.v(?P<version>\d+)-(?P<stamp>\d{8}-\d{6})(?:-\d+)?\.bak$")


@dataclass(frozen=True)
class Backup:
    path: Path
    made: datetime
    size: int  # bytes of the backup file (its key file is a few KB more)
    kind: str  # a key of KINDS
    modified: float = 0.0  # the file's time: orders two backups of one second

    @property
    def kind_name(self) -> str:
        return KINDS[self.kind]

    @property
    def has_keys(self) -> bool:
        return keys_path_for(self.path).is_file()

    @property
    def size_text(self) -> str:
        return size_text(self.size)

    @property
    def made_text(self) -> str:
        return self.made.strftime("%Y-%m-%d %H:%M:%S")

    def as_dict(self) -> dict:
        return {"path": str(self.path), "name": self.path.name, "made": self.made.isoformat(timespec="seconds"),
                "size": self.size, "kind": self.kind, "kind_name": self.kind_name,
                "has_keys": self.has_keys}


def size_text(size: int) -> str:
    if size >= 1 << 30:
        return f"{size / (1 << 30):.1f} GB"
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def default_backup_folder(ledger_path: Path) -> Path:
    """`backups/` beside the ledger, in its data folder."""
    return Path(ledger_path).parent / FOLDER


def settings_path(ledger_path: Path) -> Path:
    return Path(f"{ledger_path}{SETTINGS_SUFFIX}")


def backup_folder(ledger_path: Path) -> Path:
    """Where this ledger's backups go: the folder set with :func:`set_backup_folder`, else
    `backups/` beside it."""
    try:
        with open(settings_path(Path(ledger_path)), encoding="utf-8") as f:
            folder = json.load(f).get("folder")
    except (OSError, ValueError, AttributeError):
        folder = None
    return Path(folder) if isinstance(folder, str) and folder else default_backup_folder(ledger_path)


def set_backup_folder(ledger: Ledger, folder: Path | str | None) -> Path:
    """The 备份文件夹 setting (an administrator's): `folder` (made if missing; it must be
    writable), or None for the default beside the ledger. Returns the folder now used. Backups
    already made stay where they are."""
    require_admin(ledger, "设置备份文件夹")
    if ledger.path is None:
        raise UserError("内存中的台账不能备份。")
    target = settings_path(ledger.path)
    if folder is None or not str(folder).strip():
        target.unlink(missing_ok=True)
        return default_backup_folder(ledger.path)
    path = Path(str(folder).strip()).expanduser()
    if not path.is_absolute():
        raise UserError(f"备份文件夹“{folder}”不是完整路径，请选择一个文件夹。")
    if path.exists() and not path.is_dir():
        raise UserError(f"“{path}”是一个文件，不是文件夹。")
    problem = folder_problem(ledger.path, path)
    if problem:
        raise UserError(problem + "设置未改变。")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".{ledger.path.name}.write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise UserError(f"备份文件夹不可用：{os_error_message(e)}。设置未改变。") from None
    data = json.dumps({"folder": str(path)}, ensure_ascii=False)
    write_replacing(target, lambda tmp: tmp.write_text(data, encoding="utf-8"))
    return path


def folder_problem(ledger_path: Path, folder: Path) -> str | None:
    """Why `folder` cannot hold this ledger's backups (Chinese), or None: the folder the
    ledger itself is in (its backups would lie among the ledger's own files: the key file,
    the journal, the lock, and be taken for them), or a place inside a file."""
    here = Path(ledger_path).resolve().parent
    try:
        chosen = Path(folder).resolve()
    except OSError:
        return f"备份文件夹“{folder}”无法访问。"
    if chosen == here:
        return (f"不能把台账所在的文件夹“{here}”本身作为备份文件夹：备份会与台账文件、密钥文件混在一起。"
                f"请选择其他文件夹（最好在另一块磁盘或U盘上），或恢复默认的“{FOLDER}”子文件夹。")
    for parent in (chosen, *chosen.parents):
        if parent.exists() and not parent.is_dir():
            return f"“{parent}”是一个文件，不能在其中建立备份文件夹。"
    return None


def folder_state(ledger_path: Path) -> dict:
    """The 备份文件夹 setting as the window and `shengui backup folder` show it: {"folder",
    "default" (the folder beside the ledger), "is_default"}."""
    folder, default = backup_folder(ledger_path), default_backup_folder(ledger_path)
    return {"folder": str(folder), "default": str(default), "is_default": folder == default}


def describe(path: Path, ledger_path: Path | None = None) -> Backup:
    """A backup file as the list shows it (its date from its name, else from the file)."""
    path = Path(path)
    stat = path.stat()
    made, kind = None, "other"
    match = _OURS.match(path.name) or _UPGRADE.match(path.name)
    if match:
        try:
            made = datetime.strptime(match["stamp"], STAMP)
        except ValueError:
            made = None
        if "version" in match.groupdict():
            kind = "before_upgrade"
        else:
            kind = {"-before-restore": "before_restore", "-auto": "auto"}.get(match["kind"] or "", "manual")
    return Backup(path, made or datetime.fromtimestamp(stat.st_mtime), stat.st_size, kind,
                  stat.st_mtime)


def list_backups(ledger_path: Path) -> list[Backup]:
    """This ledger's backups, newest first: those in its backups folder (named after it) and
    the copies kept by schema upgrades beside it."""
    ledger_path = Path(ledger_path)
    stem = ledger_path.stem
    found: list[Path] = []
    folder = backup_folder(ledger_path)
    if folder.is_dir():
        found += [p for p in folder.iterdir() if p.is_file() and (m := _OURS.match(p.name))
                  and m["stem"] == stem]
    if ledger_path.parent.is_dir():
        found += [p for p in ledger_path.parent.iterdir() if p.is_file()
                  and (m := _UPGRADE.match(p.name)) and m["name"] == ledger_path.name]
    out = []
    for p in found:
        try:
            out.append(describe(p))
        except OSError:  # removed meanwhile
            continue
    return sorted(out, key=lambda b: (b.made, b.modified, b.path.name), reverse=True)


def _new_name(ledger_path: Path, kind: str, now: datetime | None = None,
              folder: Path | None = None, taken: set[Path] | frozenset[Path] = frozenset()) -> Path:
    folder = folder or backup_folder(ledger_path)
    stamp = (now or datetime.now()).strftime(STAMP)
    tail = _TAILS.get(kind, "")
    target = folder / f"{ledger_path.stem}-{stamp}{tail}{SUFFIX}"
    n = 1
    while target in taken or target.exists() or keys_path_for(target).exists():  # two within one second
        n += 1
        target = folder / f"{ledger_path.stem}-{stamp}-{n}{tail}{SUFFIX}"
    return target


# Names of backups being written now. Two backups of one ledger can run at once in one
# program (the window's close backup beside the day's, or a manual one): within one second
# both would choose the same free name, and the second would fail ("已存在") or remove the
# first's part file. One program per ledger (storage/lock.py), so a lock here is enough.
_WRITING: set[Path] = set()
_WRITING_LOCK = threading.Lock()


@contextmanager
def _reserved_name(ledger_path: Path, kind: str, folder: Path | None):
    with _WRITING_LOCK:
        target = _new_name(ledger_path, kind, folder=folder, taken=_WRITING)
        _WRITING.add(target)
    try:
        yield target
    finally:
        with _WRITING_LOCK:
            _WRITING.discard(target)


def make_backup(ledger: Ledger, *, kind: str = "manual", progress: Progress | None = None,
                cancel: Cancel = None, folder: Path | None = None) -> Backup:
    """An encrypted backup now, into the backups folder (made if missing), or into `folder`
    (a USB stick: 备份到U盘), with its key file beside it. A cancel stops it and leaves no
    file. Anyone signed in may make one (it writes nothing to the ledger and is as encrypted
    as it); restoring one is an administrator's."""
    if ledger.path is None:
        raise UserError("内存中的台账不能备份。")
    job = Job(progress, cancel)
    job.check()
    if folder is not None and not Path(folder).is_dir():
        raise UserError(f"找不到文件夹“{folder}”（U盘是否已拔出？）。")
    with _reserved_name(ledger.path, kind, Path(folder) if folder is not None else None) as target:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = backup_ledger(ledger, target, progress=lambda done, total: job.report("备份", done, total))
    return describe(out)


def _when(seconds: float | None) -> str:
    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M") if seconds else "无修改记录"


def compare_text(ledger: Ledger, backup: Backup) -> str:
    """The two ledgers side by side: the office, how many enterprises, when last changed —
    what is replaced by what."""
    now, then = restore.summaries(ledger, backup.path)
    lines = [f"当前台账（将被替换）：{now['office'] or '未知单位'}，企业 {now['enterprises']:,} 家，"
             f"最后修改 {_when(now['last_change'])}"]
    if then is None:
        lines.append("备份：本台账的密钥打不开它，无法读取（恢复时会再检查，不会改动台账）。")
    else:
        lines.append(f"备份（恢复后的台账）：{then['office'] or '未知单位'}，企业 {then['enterprises']:,} 家，"
                     f"备份时间 {backup.made_text}，最后修改 {_when(then['last_change'])}")
        if now["office"] and then["office"] and now["office"] != then["office"]:
            lines.append(f"注意：备份中的单位（{then['office']}）与当前台账（{now['office']}）不同。")
    return "\n".join(lines)


def confirm_text(ledger_path: Path, backup: Backup, ledger: Ledger | None = None) -> str:
    """What a person confirms before a restore: which file is replaced by which backup, and
    what is kept; with the open `ledger`, also the office, the enterprises and the dates of
    both (:func:`compare_text`)."""
    compared = f"{compare_text(ledger, backup)}\n\n" if ledger is not None else ""
    return (f"将用备份“{backup.path.name}”（{backup.kind_name}，{backup.made_text}，{backup.size_text}）"
            f"替换台账文件“{ledger_path}”。\n\n" + compared +
            f"台账中{backup.made_text}之后的修改将被替换（不再显示）。"
            "恢复之前，当前台账会先另存为一份备份，需要时可再恢复回来。\n"
            "用户、密码、恢复码和本单位密钥保持现在的设置，不随备份改变。")


@dataclass
class PreparedRestore:
    """A backup checked beside the ledger and the current ledger kept: ready to swap in."""

    staged: Path
    source: Backup
    kept: Backup


@dataclass
class Restored:
    ledger: Ledger  # the restored ledger, open
    source: Backup  # the backup it came from
    kept: Backup  # the ledger as it was just before

    @property
    def message(self) -> str:
        return (f"已从备份“{self.source.path.name}”（{self.source.made_text}）恢复台账。\n"
                f"恢复前的台账已保存为备份“{self.kept.path.name}”。\n"
                "如本单位在该备份之后已向对方发送过同步包，请让对方导出“完整包（恢复用）”并导入，"
                "以找回备份之后的修改。")


def prepare_restore(ledger: Ledger, backup: Path, *, progress: Progress | None = None,
                    cancel: Cancel = None) -> PreparedRestore:
    """Copy `backup` beside the ledger and check it (this ledger's, sound, readable), then
    keep the current ledger as a backup. Long: run it on a worker (with that worker's own
    connection). Nothing of the ledger changes; a failure or a cancel removes what it made."""
    require_admin(ledger, "从备份恢复台账")
    if ledger.path is None:
        raise UserError("内存中的台账不能恢复。")
    job = Job(progress, cancel)
    source = describe(Path(backup)) if Path(backup).is_file() else None
    if source is None:
        raise UserError(f"找不到备份文件“{backup}”。")
    staged = restore.stage(ledger, source.path, lambda done, total: job.report("检查备份", done, total))
    try:
        kept = make_backup(ledger, kind="before_restore",
                           progress=lambda stage, done, total: job.tell("保留当前台账", done, total),
                           cancel=job.cancelled)
    except BaseException:
        restore.remove_database(staged)
        raise
    return PreparedRestore(staged, source, kept)


def finish_restore(ledger: Ledger, prepared: PreparedRestore) -> Restored:
    """Swap the checked backup in and open it (fast). `ledger` is closed, and every other
    connection to its file must be closed first. Returns the restored ledger, open."""
    require_admin(ledger, "从备份恢复台账")
    restored = restore.swap_in(ledger, prepared.staged)
    record(restored, RESTORE, prepared.source.path.name,
           f"从{prepared.source.made_text}的备份恢复；恢复前的台账已存为“{prepared.kept.path.name}”")
    return Restored(restored, prepared.source, prepared.kept)


def discard_restore(prepared: PreparedRestore) -> None:
    """The person changed their mind after preparing: remove the staged copy (the kept
    backup stays, like any other)."""
    restore.remove_database(prepared.staged)


def restore_backup(ledger: Ledger, backup: Path, *, progress: Progress | None = None,
                   cancel: Cancel = None) -> Restored:
    """Both steps at once (the command line). `ledger` must be the only connection."""
    prepared = prepare_restore(ledger, backup, progress=progress, cancel=cancel)
    return finish_restore(ledger, prepared)


def install_backup(ledger_path: Path, backup: Path) -> None:
    """No ledger at `ledger_path` yet (a new computer, a lost file): put the backup and its
    key file there. Opening it needs a password of the time of the backup."""
    restore.install(Path(ledger_path), Path(backup))


def backup_users(backup: Path) -> list[str]:
    """The user names that had a password when `backup` was made (its key file beside it);
    raises UserError (Chinese) when that key file is missing or unreadable."""
    keys = keys_path_for(Path(backup))
    if not keys.is_file():
        raise UserError(f"备份旁边没有密钥文件“{keys.name}”，无法恢复。"
                        "请把它与备份放在同一文件夹（备份时两个文件一起生成）。")
    return KeySlots.load(keys).users


def new_place_text(ledger_path: Path, backup: Backup) -> str:
    """What a person confirms before a backup becomes the ledger of a new computer."""
    ledger_path = Path(ledger_path)
    return (f"将用备份“{backup.path.name}”（{backup.made_text}，{backup.size_text}）在本机新建台账：\n"
            f"{ledger_path}（及密钥文件 {keys_path_for(ledger_path).name}）\n\n"
            "台账的内容、用户和密码都是备份时的：请输入备份时的用户名和密码，或打印的恢复码。"
            "备份文件本身不会改动。")


def restore_new_ledger(ledger_path: Path, backup: Path, *, password: str | None = None,
                       user: str | None = None, recovery_code: str | None = None,
                       progress: Progress | None = None, cancel: Cancel = None) -> Ledger:
    """No ledger at `ledger_path` (a new computer): make `backup` this computer's ledger and
    open it. The backup's key file must open with `password` (of `user`) or `recovery_code`;
    the copy is checked before anything is put in place. A wrong password, a damaged or
    foreign file, or a cancel leaves nothing at `ledger_path` (storage/restore.py
    `install_checked`). Long (a password's key derivation, copying, checking, opening): run
    it on a worker."""
    job = Job(progress, cancel)
    job.report("核对密码", 0, 1)
    restore.install_checked(Path(ledger_path), Path(backup), passphrase=password, user=user,
                            recovery_code=recovery_code,
                            progress=lambda done, total: job.report("复制并检查备份", done, total))
    job.tell("打开台账", 0, 1)
    ledger = unlock(Path(ledger_path), password=password, user=user, recovery_code=recovery_code)
    try:
        record(ledger, RESTORE, Path(backup).name, f"在本机新建台账“{Path(ledger_path).name}”")
    except BaseException:
        ledger.close()
        raise
    return ledger


# -- automatic backups -------------------------------------------------------------------------
def _auto_backups(ledger_path: Path) -> list[Backup]:
    return [b for b in list_backups(ledger_path) if b.kind == "auto"]


def rotate(ledger_path: Path) -> list[Path]:
    """Keep the newest automatic backup of each of the last KEEP_DAILY days that have one and
    of each of the last KEEP_WEEKLY weeks; remove the other automatic ones (each with its key
    file) and what a crash left in the folder (a `.part` copy, a key file without its
    backup). Other backups are never touched. Returns what was removed."""
    ledger_path = Path(ledger_path)
    found = _auto_backups(ledger_path)  # newest first
    keep: set[Path] = set()
    days: list[date] = []
    weeks: list[tuple[int, int]] = []
    for b in found:
        day = b.made.date()
        if day not in days and len(days) < KEEP_DAILY:
            days.append(day)
            keep.add(b.path)
        week = tuple(day.isocalendar())[:2]
        if week not in weeks and len(weeks) < KEEP_WEEKLY:
            weeks.append(week)
            keep.add(b.path)
    removed = []
    for b in found:
        if b.path not in keep:
            for p in (b.path, keys_path_for(b.path)):
                try:
                    p.unlink(missing_ok=True)
                except OSError:
                    continue
            removed.append(b.path)
    folder = backup_folder(ledger_path)
    stem = ledger_path.stem
    if folder.is_dir():
        for p in folder.iterdir():
            name = p.name
            if name.startswith(KEYS_TEMP_PREFIX):  # a key file's copy a crash left half-way
                try:  # (not of a name of ours: only when old, another ledger may share the folder)
                    if time.time() - p.stat().st_mtime > STALE_SECONDS:
                        p.unlink()
                        removed.append(p)
                except OSError:
                    pass
                continue
            if not name.startswith(f"{stem}-"):
                continue
            base = name.split(".sgdb")[0] + SUFFIX
            m = _OURS.match(base)
            if m is None or m["stem"] != stem:
                continue
            leftover = ".sgdb.part" in name or (name.endswith(".keys") and not (folder / base).exists())
            if leftover:
                try:
                    p.unlink()
                    removed.append(p)
                except OSError:
                    continue
    return removed


def auto_backup(ledger: Ledger, *, progress: Progress | None = None, cancel: Cancel = None) -> Backup:
    """An automatic backup now, then :func:`rotate`."""
    made = make_backup(ledger, kind="auto", progress=progress, cancel=cancel)
    if ledger.path is not None:
        rotate(ledger.path)
    return made


def made_today(ledger_path: Path, today: date | None = None) -> bool:
    """Whether an automatic backup of this ledger was made today."""
    today = today or date.today()
    return any(b.made.date() == today for b in _auto_backups(ledger_path))


def _quietly(ledger: Ledger, what: str, progress: Progress | None = None,
             cancel: Cancel = None) -> str | None:
    try:
        auto_backup(ledger, progress=progress, cancel=cancel)
    except Cancelled:
        raise  # the person chose to close without it: not a failure
    except UserError as e:
        return f"{what}未完成：{e}"
    except OSError as e:
        return f"{what}未完成：{os_error_message(e)}"
    except DatabaseError:  # a damaged page the copy could not read
        return f"{what}未完成：台账文件有无法读取的数据页。请在“设置 → 备份与恢复”中检查台账完整性。"
    return None


def backup_on_close(ledger: Ledger | None, *, progress: Progress | None = None,
                    cancel: Cancel = None) -> str | None:
    """The window closes: an automatic backup (encrypted, rotated; the window runs it on the
    worker, ui/main_window.py). Never raises for a full disk, a missing folder or a damaged
    file: returns what went wrong (Chinese) for the window to show, None when it was made (or
    there is nothing to back up). Cancelled (`cancel`) raises Cancelled, leaving no backup."""
    if ledger is None or ledger.path is None:
        return None
    return _quietly(ledger, "关闭时的自动备份", progress, cancel)


def daily_backup(ledger: Ledger | None, today: date | None = None) -> str | None:
    """The first unlock of a day: an automatic backup unless one was made today. Returns a
    problem as :func:`backup_on_close` does."""
    if ledger is None or ledger.path is None or made_today(ledger.path, today):
        return None
    return _quietly(ledger, "每日自动备份")
