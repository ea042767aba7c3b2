"""The ledger at rest: encrypted file, WAL and backups; key slots; bad keys and bad files."""

import hashlib
import os
from pathlib import Path

import pytest

from conftest import PASSWORD
from shengui_desktop.errors import LedgerDamaged, UserError, WrongPassphrase
from shengui_desktop.services.ledger.enterprises import create_enterprise
from shengui_desktop.storage.files import change_password, open_ledger
from shengui_desktop.storage.keyslots import KdfParams, KeySlots, keys_path_for

SECRET_NAME = "绝密测试机械制造有限公司ZQX7"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _digest(folder: Path) -> dict[str, str]:
    return {k: hashlib.sha256(v).hexdigest() for k, v in _files(folder).items()}


def _add_secret(ledger):
    create_enterprise(ledger, {"name": SECRET_NAME, "credit_code": "91110000600037341L",
                               "township_code": ledger.scalar("SELECT code FROM townships LIMIT 1")})


def test_no_plaintext_anywhere(township, tmp_path):
    """A unique name written by the test is in none of the bytes of any file written."""
    _add_secret(township)
    # while open: the WAL holds the new pages
    assert Path(f"{township.path}-wal").exists()
    township.backup(tmp_path / "backup.sgdb")
    township.set_meta("probe", "1")
    files = _files(tmp_path)
    assert {"township.sgdb", "township.sgdb-wal", "backup.sgdb", "backup.sgdb.keys"} <= set(files)
    needles = [SECRET_NAME.encode("utf-8"), SECRET_NAME.encode("utf-16-le"), b"SQLite format 3",
               b"91110000600037341L", b"enterprises"]
    for name, data in files.items():
        for needle in needles:
            assert needle not in data, (name, needle)
    township.close()
    for name, data in _files(tmp_path).items():
        assert SECRET_NAME.encode() not in data and b"SQLite format 3" not in data, name


def test_backup_opens_with_same_password_and_is_encrypted(township, tmp_path):
    _add_secret(township)
    out = township.backup(tmp_path / "b.sgdb")
    with open_ledger(out, passphrase=PASSWORD) as copy:
        assert copy.scalar("SELECT name FROM enterprises") == SECRET_NAME
    with pytest.raises(WrongPassphrase):
        open_ledger(out, passphrase="wrong-password")


def test_wrong_passphrase_changes_nothing(township, tmp_path):
    township.close()
    before = _digest(tmp_path)
    with pytest.raises(WrongPassphrase, match="用户名或密码错误"):
        open_ledger(township.path, passphrase="not-the-password")
    with pytest.raises(WrongPassphrase):
        open_ledger(township.path, passphrase=PASSWORD, user="nobody")
    assert _digest(tmp_path) == before


def test_missing_and_corrupted_key_file(township, tmp_path):
    township.close()
    keys = keys_path_for(township.path)
    original = keys.read_bytes()
    keys.write_bytes(original[:40])
    before = _digest(tmp_path)
    with pytest.raises(LedgerDamaged, match="密钥文件.*已损坏"):
        open_ledger(township.path, passphrase=PASSWORD)
    assert _digest(tmp_path) == before
    keys.unlink()
    with pytest.raises(LedgerDamaged, match="找不到密钥文件"):
        open_ledger(township.path, passphrase=PASSWORD)
    # a wrapped key edited in place fails authentication: wrong password, not garbage
    tampered = original.replace(b'"time_cost": 1', b'"time_cost": 2', 1)
    assert tampered != original
    keys.write_bytes(tampered)
    with pytest.raises(WrongPassphrase):
        open_ledger(township.path, passphrase=PASSWORD, user="admin")


def test_truncated_ledger(township, tmp_path):
    _add_secret(township)
    township.close()
    data = township.path.read_bytes()
    township.path.write_bytes(data[: len(data) // 2 + 100])
    before = _digest(tmp_path)
    with pytest.raises(LedgerDamaged, match="已损坏|不完整"):
        with open_ledger(township.path, passphrase=PASSWORD) as ledger:
            ledger.scalar("SELECT count(*) FROM enterprises")
            problems = ledger.verify()
            assert not problems  # unreachable when damage is detected
    assert _digest(tmp_path) == before
    township.path.write_bytes(data[:10])
    with pytest.raises(LedgerDamaged, match="不完整"):
        open_ledger(township.path, passphrase=PASSWORD)


def test_plain_sqlite_file_is_refused(township, tmp_path):
    import shutil
    import sqlite3
    plain = tmp_path / "plain.sgdb"
    sqlite3.connect(plain).execute("CREATE TABLE t(x)").connection.commit()
    shutil.copy(keys_path_for(township.path), keys_path_for(plain))  # a key that unwraps
    with pytest.raises(LedgerDamaged, match="未加密的数据库"):
        open_ledger(plain, passphrase=PASSWORD)


def test_recovery_code_and_password_change_without_reencryption(township, tmp_path):
    _add_secret(township)
    recovery = township.recovery_code
    township.close()
    ledger_bytes = township.path.read_bytes()
    with open_ledger(township.path, recovery_code=recovery.lower().replace("-", " ")) as ledger:
        assert ledger.scalar("SELECT name FROM enterprises") == SECRET_NAME
    ledger_bytes = township.path.read_bytes()
    change_password(township.path, "admin", PASSWORD, "a-new-passw0rd")
    assert township.path.read_bytes() == ledger_bytes  # only the key slot was rewrapped
    with pytest.raises(WrongPassphrase):
        open_ledger(township.path, passphrase=PASSWORD)
    with open_ledger(township.path, passphrase="a-new-passw0rd") as ledger:
        assert ledger.user == "admin"
    with pytest.raises(WrongPassphrase, match="恢复码不正确"):
        open_ledger(township.path, recovery_code="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")


def test_recovery_code_is_grouped_and_easy_to_type(township):
    code = township.recovery_code
    groups = code.split("-")
    assert len(groups) == 5 and all(len(g) == 5 for g in groups)
    assert not set(code) & set("01ILO")


def test_default_kdf_is_argon2id_64mib_3_passes(monkeypatch, tmp_path):
    monkeypatch.delenv("SHENGUI_KDF_MEMORY_KIB")
    monkeypatch.delenv("SHENGUI_KDF_TIME_COST")
    assert KdfParams.default() == KdfParams(65536, 3, 4)
    slots = KeySlots.new(tmp_path / "x.keys")
    slots.set_password("admin", "long-enough-1", os.urandom(32))
    kdf = slots.data["slots"][0]["kdf"]
    assert (kdf["name"], kdf["memory_kib"], kdf["time_cost"]) == ("argon2id", 65536, 3)


def test_short_password_refused(tmp_path):
    from shengui_desktop.services.office.setup import init_office
    with pytest.raises(UserError, match="至少需要8个字符"):
        init_office(tmp_path / "x.sgdb", role="township", name="秀水镇", area_code="140322100",
                    admin_user="admin", password="short")
    assert list(tmp_path.iterdir()) == []


def test_sqlite_utils_refuses_a_path(tmp_path):
    """The pysqlite3 trap (shengui_desktop/storage/__init__.py): a path given to sqlite-utils would make an unencrypted
    file through SQLCipher; the storage package makes that impossible."""
    import sqlite_utils

    import shengui_desktop.storage  # noqa: F401  (installs the guard)
    for target in (str(tmp_path / "plain.db"), tmp_path / "plain.db", None):
        with pytest.raises(RuntimeError, match="keyed sqlcipher3 connection"):
            sqlite_utils.Database(target)
    assert list(tmp_path.iterdir()) == []


def test_ledger_files_are_private(township):
    assert township.path.stat().st_mode & 0o077 == 0
    assert keys_path_for(township.path).stat().st_mode & 0o077 == 0
