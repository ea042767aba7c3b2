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

On a new computer (the old one died, the backup is on a USB stick) there is no ledger yet:
the first-run wizard's 从备份恢复 calls :func:`restore_new_ledger`, which opens the backup's
own key file with the password (or recovery code) of the time of the backup, checks a copy,
puts the ledger and its key file in place and opens it; :func:`new_place_text` is what the
person confirms first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import UserError
from ...progress import Cancel, Job, Progress
from ...storage import restore
from ...storage.keyslots import KeySlots, keys_path_for
from .session import unlock
from .upkeep import backup_ledger
from .users import require_admin

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

FOLDER = "backups"
SUFFIX = ".sgdb"
KINDS = {"manual": "手动备份", "before_restore": "恢复前自动保留", "before_upgrade": "升级前自动备份",
         "other": "备份文件"}  # other: a file of another name (copied to a USB stick, renamed)
STAMP = "%Y%m%d-%H%M%S"
_OURS = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?(?P<kind>-before-restore)?\.sgdb$")
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


def backup_folder(ledger_path: Path) -> Path:
    """Where this ledger's backups go: `backups/` beside it."""
    return Path(ledger_path).parent / FOLDER


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
            kind = "before_restore" if match["kind"] else "manual"
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
              folder: Path | None = None) -> Path:
    folder = folder or backup_folder(ledger_path)
    stamp = (now or datetime.now()).strftime(STAMP)
    tail = "-before-restore" if kind == "before_restore" else ""
    target = folder / f"{ledger_path.stem}-{stamp}{tail}{SUFFIX}"
    n = 1
    while target.exists() or keys_path_for(target).exists():  # two within one second
        n += 1
        target = folder / f"{ledger_path.stem}-{stamp}-{n}{tail}{SUFFIX}"
    return target


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
    target = _new_name(ledger.path, kind, folder=Path(folder) if folder is not None else None)
    target.parent.mkdir(parents=True, exist_ok=True)
    out = backup_ledger(ledger, target, progress=lambda done, total: job.report("备份", done, total))
    return describe(out)


def confirm_text(ledger_path: Path, backup: Backup) -> str:
    """What a person confirms before a restore: which file is replaced by which backup, and
    what is kept."""
    return (f"将用备份“{backup.path.name}”（{backup.kind_name}，{backup.made_text}，{backup.size_text}）"
            f"替换台账文件“{ledger_path}”。\n\n"
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
    return unlock(Path(ledger_path), password=password, user=user, recovery_code=recovery_code)
