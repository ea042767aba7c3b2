"""Creating and opening ledger files: the only functions that key a connection."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

from ..errors import LedgerDamaged, UserError
from . import enrolled, lock, migrations, origins
from .connection import connect
from .keyslots import KEY_BYTES, KdfParams, KeySlots, keys_path_for
from .ledger import Ledger, new_id


def _unlock(slots: KeySlots, passphrase: str | None, user: str | None,
            recovery_code: str | None) -> tuple[str | None, bytes]:
    if recovery_code:
        return None, slots.unlock_recovery(recovery_code)
    if passphrase is None:
        raise UserError("需要密码才能打开台账。")
    return slots.unlock_password(passphrase, user)


def open_ledger(path: Path, *, passphrase: str | None = None, user: str | None = None,
                recovery_code: str | None = None, migrate: bool = True,
                take_over_lock: dict | None = None) -> Ledger:
    """Unlock the key slot, key the connection, check it, bring the schema up to date.
    `take_over_lock`: the other computer's lock holder a person confirmed taking over."""
    path = Path(path)
    if not path.exists():
        raise LedgerDamaged(f"找不到台账文件“{path}”。")
    slots = KeySlots.load(keys_path_for(path))
    # a second program on this file is refused (storage/lock.py)
    writer = lock.acquire(path, take_over_lock)
    try:
        who, key = _unlock(slots, passphrase, user, recovery_code)
        conn = connect(path, key)
    except BaseException:
        writer.release()
        raise
    try:
        version = migrations.current_version(conn)
        if version == 0:
            raise LedgerDamaged(f"“{path.name}”不是本程序的台账（没有数据表）。")
        if migrate:
            migrations.migrate(conn, key, path)
        ledger = Ledger(conn, path, key, who)
        if ledger.meta("ledger_uuid") != slots.ledger_uuid:
            raise LedgerDamaged(
                f"密钥文件“{keys_path_for(path).name}”与台账文件“{path.name}”不匹配（来自另一本台账），"
                "无法打开（与密码无关）。请把本台账自己的 .keys 文件放在台账旁边，或从备份中恢复这两个文件"
                "（备份文件夹中同名的 .sgdb 和 .keys 文件）。")
        ledger.writer_lock = writer
        if migrate:
            enrolled.finish_upgrade(ledger)  # migration 8's tracked writes
            # a copy on another computer writes under its own origin from now on
            ledger.opened_notice = origins.check_place(ledger)
    except BaseException:
        conn.close()
        writer.release()
        raise
    return ledger


def create_ledger(path: Path, *, role: str, name: str, area_code: str, admin_user: str,
                  password: str, display_name: str | None = None,
                  kdf: KdfParams | None = None, site_id: str | None = None) -> tuple[Ledger, str]:
    """Make a new encrypted ledger and its key slots; returns (ledger, recovery code).
    `site_id`: the office's id when it was given beforehand (a county's starter package names
    the township's, sync/starter.py); else a new random one.

    The key slots are written first: a ledger file without its keys would be lost data.
    """
    path = Path(path)
    keys_path = keys_path_for(path)
    for p in (path, keys_path):
        if p.exists():
            raise UserError(f"文件“{p}”已存在，不会覆盖。请换一个位置或文件名。")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    slots = KeySlots.new(keys_path)
    slots.set_password(admin_user, password, key, kdf)
    recovery = slots.set_recovery_code(key, kdf)
    writer = lock.acquire(path)
    try:
        slots.save()
        conn = connect(path, key, create=True)
        migrations.migrate(conn, key, None)
        ledger = Ledger(conn, path, key, admin_user)
        site_id = site_id or secrets.token_hex(8)
        now = datetime.now().isoformat(timespec="seconds")
        with ledger.transaction():
            ledger.conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", [
                ("site_id", site_id), ("ledger_uuid", slots.ledger_uuid), ("role", role),
                ("created_at", now), ("hlc", "0"), ("site_seq", "0"),
            ])
            ledger.conn.execute(
                "INSERT INTO sites(id, role, name, area_code, is_self, trusted, created_at)"
                " VALUES (?, ?, ?, ?, 1, 1, ?)", (site_id, role, name, area_code, now))
            ledger.conn.execute(
                "INSERT INTO users(username, display_name, role, created_at) VALUES (?, ?, 'admin', ?)",
                (admin_user, display_name or admin_user, now))
        ledger.site_id = ledger.origin_id = site_id
        origins.record_place(ledger)
        ledger.writer_lock = writer
    except BaseException:
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), keys_path):
            p.unlink(missing_ok=True)
        writer.release()
        raise
    return ledger, recovery


def reopen(ledger: Ledger) -> Ledger:
    """A second keyed connection to the same file, for a worker thread.

    A SQLCipher connection must not be used by two threads at once; a background job gets
    its own (the raw key costs ~3 ms, no KDF). The caller closes it.
    """
    if ledger.path is None:
        raise UserError("内存中的台账不能再次打开。")
    conn = connect(ledger.path, ledger._key)
    try:
        return Ledger(conn, ledger.path, ledger._key, ledger.user)
    except BaseException:
        conn.close()
        raise


def change_password(path: Path, user: str, old: str, new: str) -> None:
    """Rewrap the user's slot; the ledger itself is not touched or re-encrypted."""
    slots = KeySlots.load(keys_path_for(Path(path)))
    _, key = slots.unlock_password(old, user)
    slots.set_password(user, new, key)
    slots.save()


def add_user_slot(path: Path, key_holder: Ledger, user: str, password: str) -> None:
    slots = KeySlots.load(keys_path_for(Path(path)))
    slots.set_password(user, password, key_holder._key)
    slots.save()


def disable_user_slot(path: Path, user: str) -> None:
    """Remove the user's slot and mark them disabled: their password opens nothing from now
    on and unlocking as them says 该用户已停用. (Copies of the key file made earlier, e.g. in
    backups, still hold their old slot.)"""
    slots = KeySlots.load(keys_path_for(Path(path)))
    slots.disable_user(user)
    slots.save()


def disabled_users(path: Path) -> list[str]:
    return KeySlots.load(keys_path_for(Path(path))).disabled


def new_recovery_code(key_holder: Ledger) -> str:
    """A new recovery slot replacing the old one (whose code stops opening this ledger);
    returns the new code, shown once."""
    if key_holder.path is None:
        raise UserError("内存中的台账没有密钥文件。")
    slots = KeySlots.load(keys_path_for(key_holder.path))
    code = slots.set_recovery_code(key_holder._key)
    slots.save()
    return code


def reset_password_with_recovery(path: Path, recovery_code: str, user: str, new: str) -> None:
    slots = KeySlots.load(keys_path_for(Path(path)))
    key = slots.unlock_recovery(recovery_code)
    slots.set_password(user, new, key)
    slots.save()


__all__ = ["open_ledger", "reopen", "create_ledger", "change_password", "reset_password_with_recovery",
           "add_user_slot", "disable_user_slot", "disabled_users", "new_recovery_code", "new_id"]
