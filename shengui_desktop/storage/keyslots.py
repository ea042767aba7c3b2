"""Key slots beside the ledger, like LUKS: the random database key, wrapped once per password.

The ledger is encrypted with 32 random bytes used as a raw SQLCipher key. That key never
touches the disk in the clear: the sidecar file ``<ledger>.keys`` holds it wrapped with
AES-256-GCM under a key derived by Argon2id from each user's password, and once under a
recovery code printed at set-up. Changing a password rewraps one slot; the ledger is not
re-encrypted. The slot's header (kind, user, KDF parameters, salt) is the GCM associated
data, so editing parameters in the file makes the slot fail rather than weaken.

Disabling a user removes their slot (their password no longer unwraps anything) and lists
the name under "disabled", so that unlocking as them says so instead of "wrong password".
Enabling them again is giving them a new password.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

# argon2 and AES-GCM are imported by the functions that derive and wrap keys: the unlock
# dialog reads the user list from this file before any of that (#20, start to the dialog).

from ..errors import LedgerDamaged, UserError, WrongPassphrase, os_error_message

FORMAT = "shengui-keyslots"
VERSION = 1
KEY_BYTES = 32
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: easy to read aloud
RECOVERY_GROUPS, RECOVERY_GROUP_LEN = 5, 5
MIN_MEMORY_KIB = 8 * 1024
# Bounds on every key-derivation parameter read from disk: a `.keys` file is data, and an
# edited one must not make unlocking allocate a terabyte (memory_kib 2^40), spin for hours
# (time_cost 1e9) or crash argon2 (parallelism 0). The defaults sit well inside them.
MAX_MEMORY_KIB = 1024 * 1024       # 1 GiB
MAX_TIME_COST = 16
# memory × passes: ten times the default's 64 MiB × 3, a few seconds at most on an office laptop
MAX_KDF_WORK = 10 * 64 * 1024 * 3
MAX_PARALLELISM = 16
SALT_BYTES = (16, 64)              # what we write: 16
NONCE_BYTES = 12
WRAPPED_BYTES = KEY_BYTES + 16     # the key and the GCM tag
MAX_KEYS_FILE_BYTES = 1024 * 1024  # a few hundred users' slots take a few hundred KB
MAX_SLOTS = 1000
NEWER_VERSIONS = 10                # a version above VERSION by more than this is damage


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int = 64 * 1024
    time_cost: int = 3
    parallelism: int = 4

    @classmethod
    def default(cls) -> "KdfParams":
        # Tests create many ledgers; they may lower the cost, never below a floor.
        memory = int(os.environ.get("SHENGUI_KDF_MEMORY_KIB", 64 * 1024))
        passes = int(os.environ.get("SHENGUI_KDF_TIME_COST", 3))
        memory = min(max(memory, MIN_MEMORY_KIB), MAX_MEMORY_KIB)
        passes = min(max(passes, 1), MAX_TIME_COST, MAX_KDF_WORK // memory)
        return cls(memory, passes, 4)


def keys_path_for(ledger_path: Path) -> Path:
    return Path(str(ledger_path) + ".keys")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(secret: str, kdf: dict) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        secret.encode("utf-8"), _unb64(kdf["salt"]), time_cost=kdf["time_cost"],
        memory_cost=kdf["memory_kib"], parallelism=kdf["parallelism"], hash_len=32,
        type=Type.ID,
    )


def _aad(slot: dict) -> bytes:
    header = {k: slot[k] for k in ("id", "kind", "user", "kdf")}
    return json.dumps(header, sort_keys=True, ensure_ascii=False).encode("utf-8")


def new_recovery_code() -> str:
    chars = [secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LEN)]
    groups = ["".join(chars[i:i + RECOVERY_GROUP_LEN])
              for i in range(0, len(chars), RECOVERY_GROUP_LEN)]
    return "-".join(groups)


def normalise_recovery_code(text: str) -> str:
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(raw[i:i + RECOVERY_GROUP_LEN] for i in range(0, len(raw), RECOVERY_GROUP_LEN))


class KeysFileInvalid(ValueError):
    """What is wrong with a `.keys` file's content (Chinese, part of LedgerDamaged's message)."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_b64(value: object, what: str, lengths: tuple[int, int]) -> None:
    if not isinstance(value, str) or len(value) > 4 * lengths[1]:
        raise KeysFileInvalid(f"{what}无效")
    try:
        size = len(_unb64(value))
    except ValueError:  # binascii.Error, a non-ASCII character
        raise KeysFileInvalid(f"{what}无效") from None
    if not lengths[0] <= size <= lengths[1]:
        raise KeysFileInvalid(f"{what}长度不对")


def check_kdf(kdf: object) -> None:
    """Refuse key-derivation parameters outside the bounds (KeysFileInvalid): checked
    before any derivation, so a tampered file costs nothing to refuse."""
    if not isinstance(kdf, dict) or kdf.get("name") != "argon2id":
        raise KeysFileInvalid("密钥派生方法无效")
    for field, low, high in (("memory_kib", MIN_MEMORY_KIB, MAX_MEMORY_KIB),
                             ("time_cost", 1, MAX_TIME_COST),
                             ("parallelism", 1, MAX_PARALLELISM)):
        value = kdf.get(field)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise KeysFileInvalid(f"密钥派生参数{field}={str(value)[:20]}超出{low}–{high}")
    if kdf["memory_kib"] * kdf["time_cost"] > MAX_KDF_WORK:
        raise KeysFileInvalid("密钥派生参数的总计算量过大")
    _check_b64(kdf.get("salt"), "盐值", SALT_BYTES)


def check_keys_data(data: object) -> int:
    """Check a `.keys` file's parsed content completely (types, bounds, lengths) and return
    its format version; KeysFileInvalid names the first problem. After this, reading a slot
    cannot fail on its shape: a slot that does not open is a wrong password, nothing else."""
    if not isinstance(data, dict):
        raise KeysFileInvalid("内容不是密钥表")
    if data.get("format") != FORMAT:
        raise KeysFileInvalid("不是本程序的密钥文件")
    version = data.get("version", VERSION)
    if not _is_int(version) or not 1 <= version <= VERSION + NEWER_VERSIONS:
        raise KeysFileInvalid(f"格式版本“{str(version)[:20]}”无效")
    uid = data.get("ledger_uuid")
    if not isinstance(uid, str) or not 1 <= len(uid) <= 64:
        raise KeysFileInvalid("台账编号无效")
    slots = data.get("slots")
    if not isinstance(slots, list) or not slots:
        raise KeysFileInvalid("没有密钥槽")
    if len(slots) > MAX_SLOTS:
        raise KeysFileInvalid("密钥槽过多")
    for slot in slots:
        if not isinstance(slot, dict):
            raise KeysFileInvalid("密钥槽格式错误")
        for field in ("id", "kind", "user"):
            if not isinstance(slot.get(field), str) or len(slot[field]) > 200:
                raise KeysFileInvalid(f"密钥槽字段{field}缺失或无效")
        if slot["kind"] not in ("password", "recovery"):
            raise KeysFileInvalid("密钥槽类型无效")
        check_kdf(slot.get("kdf"))
        _check_b64(slot.get("nonce"), "随机数", (NONCE_BYTES, NONCE_BYTES))
        _check_b64(slot.get("wrapped_key"), "加密的密钥", (WRAPPED_BYTES, WRAPPED_BYTES))
    disabled = data.get("disabled", [])
    if not isinstance(disabled, list) or not all(isinstance(u, str) for u in disabled):
        raise KeysFileInvalid("停用用户列表无效")
    return version


class UserDisabled(WrongPassphrase):
    """The user was disabled by an administrator: their key slot is gone."""


class KeySlots:
    def __init__(self, path: Path, data: dict):
        self.path = path
        self.data = data

    # -- loading and saving ------------------------------------------------------------
    @classmethod
    def new(cls, path: Path) -> "KeySlots":
        return cls(path, {"format": FORMAT, "version": VERSION,
                          "ledger_uuid": uuid.uuid4().hex, "slots": []})

    @classmethod
    def load(cls, path: Path) -> "KeySlots":
        if not path.exists():
            raise LedgerDamaged(f"找不到密钥文件“{path.name}”。它应与台账文件放在同一文件夹，"
                                "请从备份中恢复该文件。")
        damaged = (f"密钥文件“{path.name}”已损坏（{{}}），无法读取（与密码无关）。"
                   "请从备份中恢复该文件（备份文件夹中与台账备份同名的 .keys 文件）。")
        try:
            if not path.is_file():
                raise KeysFileInvalid("不是普通文件")
            with open(path, "rb") as f:
                raw = f.read(MAX_KEYS_FILE_BYTES + 1)
            if len(raw) > MAX_KEYS_FILE_BYTES:
                raise KeysFileInvalid("文件过大")
            data = json.loads(raw.decode("utf-8"))
            version = check_keys_data(data)
        except KeysFileInvalid as e:
            raise LedgerDamaged(damaged.format(e)) from None
        except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep
            raise LedgerDamaged(damaged.format("不是有效的JSON")) from None
        except OSError as e:
            raise UserError(os_error_message(e)) from None
        if version > VERSION:
            raise UserError(f"密钥文件“{path.name}”的格式版本为{version}，高于本程序支持的{VERSION}："
                            "如果本单位用过较新版本的程序，请升级本程序；如果没有，则该文件已被改动或损坏，"
                            "请从备份中恢复该文件。")
        return cls(path, data)

    def save(self) -> None:
        """Atomic replace: a crash leaves the old file or the new one, never half of one."""
        text = json.dumps(self.data, ensure_ascii=False, indent=1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @property
    def ledger_uuid(self) -> str:
        return self.data["ledger_uuid"]

    @property
    def users(self) -> list[str]:
        return [s["user"] for s in self.data["slots"] if s["kind"] == "password"]

    @property
    def disabled(self) -> list[str]:
        """The users an administrator disabled (they have no slot)."""
        return list(self.data.get("disabled", []))

    # -- slots ------------------------------------------------------------------------
    def _wrap(self, kind: str, user: str, secret: str, key: bytes, kdf: KdfParams) -> dict:
        slot: dict[str, Any] = {
            "id": uuid.uuid4().hex, "kind": kind, "user": user,
            "kdf": {"name": "argon2id", "memory_kib": kdf.memory_kib, "time_cost": kdf.time_cost,
                    "parallelism": kdf.parallelism, "salt": _b64(secrets.token_bytes(16))},
            "cipher": "AES-256-GCM", "created": datetime.now().isoformat(timespec="seconds"),
        }
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = secrets.token_bytes(12)
        wrapped = AESGCM(_derive(secret, slot["kdf"])).encrypt(nonce, key, _aad(slot))
        slot["nonce"], slot["wrapped_key"] = _b64(nonce), _b64(wrapped)
        return slot

    def _unwrap(self, slot: dict, secret: str) -> bytes | None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            kdf = slot["kdf"]
            check_kdf(kdf)  # load() checked it already; a slot built in memory is checked here
            key = AESGCM(_derive(secret, kdf)).decrypt(
                _unb64(slot["nonce"]), _unb64(slot["wrapped_key"]), _aad(slot))
        except (InvalidTag, ValueError, KeyError, TypeError):
            return None
        return key if len(key) == KEY_BYTES else None

    def set_password(self, user: str, password: str, key: bytes, kdf: KdfParams | None = None):
        """Give `user` a slot under `password` (replacing theirs; a disabled user is enabled)."""
        if len(password) < 8:
            raise UserError("密码至少需要8个字符")
        slots = [s for s in self.data["slots"] if not (s["kind"] == "password" and s["user"] == user)]
        slots.append(self._wrap("password", user, password, key, kdf or KdfParams.default()))
        self.data["slots"] = slots
        if user in self.disabled:
            self.data["disabled"] = [u for u in self.disabled if u != user]

    def set_recovery_code(self, key: bytes, kdf: KdfParams | None = None) -> str:
        code = new_recovery_code()
        slots = [s for s in self.data["slots"] if s["kind"] != "recovery"]
        slots.append(self._wrap("recovery", "", code, key, kdf or KdfParams.default()))
        self.data["slots"] = slots
        return code

    def remove_user(self, user: str) -> None:
        self.data["slots"] = [s for s in self.data["slots"]
                              if not (s["kind"] == "password" and s["user"] == user)]

    def disable_user(self, user: str) -> None:
        """Remove the user's slot and remember that they were disabled (not forgotten)."""
        self.remove_user(user)
        if user not in self.disabled:
            self.data["disabled"] = [*self.disabled, user]

    def unlock_password(self, password: str, user: str | None = None) -> tuple[str, bytes]:
        """Returns (user, key). Without a user, each password slot is tried. A disabled
        user is refused by name (UserDisabled), whatever the password."""
        if user is not None and user in self.disabled:
            raise UserDisabled(f"该用户已停用（{user}），台账未打开。如需继续使用，请本单位管理员在“设置”中重新启用。")
        candidates = [s for s in self.data["slots"] if s["kind"] == "password"
                      and (user is None or s["user"] == user)]
        for slot in candidates:
            key = self._unwrap(slot, password)
            if key is not None:
                return slot["user"], key
        raise WrongPassphrase("用户名或密码错误，台账未打开。")

    def unlock_recovery(self, code: str) -> bytes:
        normalised = normalise_recovery_code(code)
        for slot in self.data["slots"]:
            if slot["kind"] == "recovery":
                key = self._unwrap(slot, normalised)
                if key is not None:
                    return key
        raise WrongPassphrase("恢复码不正确，台账未打开。请核对打印的恢复码（不区分大小写，可省略横线）。")
