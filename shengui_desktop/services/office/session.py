"""A person's session with a ledger file: who may open it, unlocking it with a password or the
printed recovery code, passwords, a worker thread's own connection, closing.

The unlock dialog, the background jobs and the command line all come through here: the window
never opens storage itself. Each function wraps storage (key slots, keyed connections); the
messages a person reads (wrong password, wrong recovery code, missing key file) are storage's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import WrongPassphrase
from ...storage import audit as audit_chain
from ...storage import files
from ...storage.connection import RESTORE_ADVICE, DatabaseError, database_error
from ...storage.keyslots import KeySlots, keys_path_for
from . import audit

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


def users(path: Path) -> list[str]:
    """The user names that have a password for this ledger (the unlock dialog's list).

    Raises LedgerDamaged when the key file beside the ledger is missing or unreadable.
    """
    return KeySlots.load(keys_path_for(Path(path))).users


def unlock(path: Path, *, password: str | None = None, user: str | None = None,
           recovery_code: str | None = None) -> Ledger:
    """Open the ledger with a user's password or, when one is given, the recovery code.

    Without a user, every user's password slot is tried. A wrong password or recovery code
    raises WrongPassphrase ("用户名或密码错误，台账未打开。" / "恢复码不正确…"); a missing or
    damaged file raises LedgerDamaged (a damaged page too: never a raw DatabaseError). The
    schema is brought up to date on the way.
    """
    path = Path(path)
    try:
        ledger = files.open_ledger(path, passphrase=password, user=user, recovery_code=recovery_code)
    except WrongPassphrase:
        # it cannot be written into the ledger it could not open: counted beside it, and
        # written into the audit log at the next successful unlock
        audit_chain.note_failed_unlock(path, user, recovery=bool(recovery_code))
        raise
    except DatabaseError as e:  # a damaged page met while checking or upgrading the schema
        raise database_error(e, path) from None
    failures = audit_chain.read_failures(path)
    ledger.failed_unlocks = len(failures)
    # held until the session records something or ends well (the counted failures go then)
    audit.note_unlock(ledger, failures)
    return ledger


def is_database_error(error: BaseException) -> bool:
    """Whether `error` is SQLite's or SQLCipher's (database_error turns it into the Chinese
    message a person reads: damage, a busy or a full disk)."""
    return isinstance(error, DatabaseError)


def change_password(path: Path, user: str, old: str, new: str) -> None:
    """Rewrap `user`'s key slot under a new password (the old one must be right).

    The ledger is not re-encrypted; other users and the recovery code are unaffected.
    """
    files.change_password(Path(path), user, old, new)


def reset_password(ledger: Ledger, recovery_code: str, user: str, new: str) -> None:
    """After opening with the recovery code: give `user` a new password (the recovery code
    stays valid). The open session then works as that user."""
    files.reset_password_with_recovery(ledger.path, recovery_code, user, new)
    audit.record(ledger, audit.USERS, user, "用恢复码重设密码")
    ledger.user = user


def worker_connection(ledger: Ledger) -> Ledger:
    """A second keyed connection to the same ledger for a worker thread (a connection must not
    be used by two threads at once). It sees what the first has committed; close it when done."""
    return files.reopen(ledger)


def close(ledger: Ledger | None) -> None:
    """End a session (or a worker's connection): checkpoint the journal and close."""
    if ledger is not None:
        ledger.close()


__all__ = ["RESTORE_ADVICE", "users", "unlock", "is_database_error", "change_password", "reset_password",
           "worker_connection", "close"]
