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

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import LedgerDamaged, UserError, WrongPassphrase

FORMAT = "shengui-keyslots"
VERSION = 1
KEY_BYTES = 32
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: easy to read aloud
RECOVERY_GROUPS, RECOVERY_GROUP_LEN = 5, 5
MIN_MEMORY_KIB = 8 * 1024


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
        return cls(max(memory, MIN_MEMORY_KIB), max(passes, 1), 4)


def keys_path_for(ledger_path: Path) -> Path:
    return Path(str(ledger_path) + ".keys")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(secret: str, kdf: dict) -> bytes:
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
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError
            if not isinstance(data.get("slots"), list) or not data["slots"]:
                raise ValueError
            for slot in data["slots"]:
                for key in ("id", "kind", "user", "kdf", "nonce", "wrapped_key"):
                    slot[key]  # presence check: KeyError if missing
            disabled = data.get("disabled", [])
            if not isinstance(disabled, list) or not all(isinstance(u, str) for u in disabled):
                raise ValueError
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise LedgerDamaged(f"密钥文件“{path.name}”已损坏，无法读取。请从备份中恢复该文件。") from None
        if data.get("version", 0) > VERSION:
            raise UserError("密钥文件由较新版本的程序创建，请升级本程序。")
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
        nonce = secrets.token_bytes(12)
        wrapped = AESGCM(_derive(secret, slot["kdf"])).encrypt(nonce, key, _aad(slot))
        slot["nonce"], slot["wrapped_key"] = _b64(nonce), _b64(wrapped)
        return slot

    def _unwrap(self, slot: dict, secret: str) -> bytes | None:
        try:
            kdf = slot["kdf"]
            if kdf.get("name") != "argon2id" or kdf["memory_kib"] < MIN_MEMORY_KIB:
                return None
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
