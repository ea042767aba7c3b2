"""A person's session with a ledger file: who may open it, unlocking it with a password or the
printed recovery code, passwords, a worker thread's own connection, closing.

The unlock dialog, the background jobs and the command line all come through here: the window
never opens storage itself. Each function wraps storage (key slots, keyed connections); the
messages a person reads (wrong password, wrong recovery code, missing key file) are storage's own.

Wrong passwords slow down: after n failures in a row the next attempt waits 1, 2, 4, 8 … seconds
(at most MAX_DELAY_S) from the last failure. The count lives beside the ledger
(`<ledger>.attempts`, no secret in it), so starting the program again does not reset it; the
next successful unlock reads it out (上次登录以来有3次密码错误) and clears it. The clock and the
sleeper are parameters, so tests never sleep.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ...errors import WrongPassphrase
from ...paths import write_replacing
from ...storage import audit as audit_chain
from ...storage import files
from ...storage.connection import RESTORE_ADVICE, DatabaseError, database_error
from ...storage.keyslots import KeySlots, keys_path_for
from ...storage.lock import LedgerInUse, holder_text, takeover_question
from . import audit

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


def users(path: Path) -> list[str]:
    """The user names that have a password for this ledger (the unlock dialog's list).

    Raises LedgerDamaged when the key file beside the ledger is missing or unreadable.
    """
    return KeySlots.load(keys_path_for(Path(path))).users


FIRST_DELAY_S = 1
MAX_DELAY_S = 30


def attempts_path(path: Path) -> Path:
    """The file beside the ledger that counts wrong passwords since the last unlock."""
    return Path(str(path) + ".attempts")


def failed_attempts(path: Path) -> tuple[int, float]:
    """(wrong passwords in a row since the last unlock, when the last one was: epoch seconds).
    A missing or unreadable file counts as none."""
    try:
        data = json.loads(attempts_path(Path(path)).read_text("utf-8"))
        failures, last = int(data["failures"]), float(data["last_failure"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0, 0.0
    return max(failures, 0), last


def delay_after(failures: int) -> float:
    """Seconds to wait after `failures` wrong passwords in a row: 0, then 1, 2, 4 … ≤ MAX_DELAY_S."""
    if failures <= 0:
        return 0.0
    return float(min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** min(failures - 1, 16)))


def wait_seconds(path: Path, now: float | None = None) -> float:
    """How long before the next attempt may be made (0 when it may be made now)."""
    failures, last = failed_attempts(path)
    now = time.time() if now is None else now
    if failures == 0 or now < last:  # a clock set back does not lock anyone out for ever
        return 0.0 if failures == 0 else delay_after(failures)
    return max(0.0, last + delay_after(failures) - now)


def _record(path: Path, failures: int, now: float) -> None:
    target = attempts_path(path)
    if failures == 0:
        target.unlink(missing_ok=True)
        return
    text = json.dumps({"failures": failures, "last_failure": now})
    try:
        write_replacing(target, lambda tmp: tmp.write_text(text, "utf-8"))
    except OSError:
        pass  # a read-only folder: the delay cannot be kept, the unlock itself goes on


def failures_message(failures: int) -> str:
    return f"上次登录以来有{failures}次密码错误。" if failures else ""


# what unlock waits with when not given its own (tests replace it: they never sleep)
clock: Callable[[], float] = time.time
sleep: Callable[[float], None] = time.sleep


def unlock(path: Path, *, password: str | None = None, user: str | None = None,
           recovery_code: str | None = None, on_wait: Callable[[float, int], None] | None = None,
           now: Callable[[], float] | None = None, wait: Callable[[float], None] | None = None,
           take_over_lock: dict | None = None) -> Ledger:
    """Open the ledger with a user's password or, when one is given, the recovery code.

    Without a user, every user's password slot is tried. A wrong password or recovery code
    raises WrongPassphrase ("用户名或密码错误，台账未打开。" / "恢复码不正确…"); a missing or
    damaged file raises LedgerDamaged (a damaged page too: never a raw DatabaseError). The
    schema is brought up to date on the way.

    After wrong passwords the attempt first waits what is left of the delay (`on_wait(seconds,
    failures)` is told before; the window counts down instead and calls this when it is over).
    `now` and `wait` replace the module's `clock` and `sleep` for one call.
    The opened ledger's `failed_unlocks` is how many wrong passwords came before it.

    A lock another computer holds raises LedgerInUse with `elsewhere` and its `holder`;
    `take_over_lock`: that holder, after the person confirmed taking it over
    (takeover_question): the lock is taken and the takeover recorded in the audit log.
    """
    path = Path(path)
    now = now or clock
    remaining = wait_seconds(path, now())
    if remaining > 0:
        if on_wait is not None:
            on_wait(remaining, failed_attempts(path)[0])
        (wait or sleep)(remaining)
    try:
        ledger = files.open_ledger(path, passphrase=password, user=user, recovery_code=recovery_code,
                                   take_over_lock=take_over_lock)
    except WrongPassphrase:
        if path.exists():
            _record(path, failed_attempts(path)[0] + 1, now())
        # it cannot be written into the ledger it could not open: counted beside it, and
        # written into the audit log at the next successful unlock
        audit_chain.note_failed_unlock(path, user, recovery=bool(recovery_code))
        raise
    except DatabaseError as e:  # a damaged page met while checking or upgrading the schema
        raise database_error(e, path) from None
    failures = failed_attempts(path)[0]
    _record(path, 0, now())
    ledger.failed_unlocks = failures
    # held until the session records something or ends well (the counted failures go then)
    audit.note_unlock(ledger, audit_chain.read_failures(path))
    taken = getattr(ledger.writer_lock, "taken_over", None)
    if taken:
        ledger.hold_audit([(audit.TAKE_OVER_LOCK, str(taken.get("host") or "未知"),
                            f"另一台电脑持有的台账锁被强制接管（{holder_text(taken)}）", audit_chain.now_text())])
    return ledger


def failed_before(ledger: Ledger) -> int:
    """How many wrong passwords came before this session's unlock (0 when none)."""
    return int(getattr(ledger, "failed_unlocks", 0))


def is_database_error(error: BaseException) -> bool:
    """Whether `error` is SQLite's or SQLCipher's (database_error turns it into the Chinese
    message a person reads: damage, a busy or a full disk)."""
    return isinstance(error, DatabaseError)


def database_message(error: BaseException, ledger: Ledger | None) -> str:
    """The Chinese message for SQLite's or SQLCipher's `error` met on `ledger` after the
    unlock (a page the window reads later): the same words and advice the unlock and the
    command line give (database_error)."""
    return str(database_error(error, getattr(ledger, "path", None)))


def lock_note(ledger: Ledger | None) -> str | None:
    """When opening took over the writer lock of a program that had crashed (storage/lock.py):
    the note saying so (Chinese), for the window or the command line to show; else None."""
    writer = getattr(ledger, "writer_lock", None)
    return writer.note if writer is not None else None


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


__all__ = ["RESTORE_ADVICE", "LedgerInUse", "takeover_question", "users", "unlock", "is_database_error", "database_message", "change_password", "reset_password",
           "worker_connection", "close"]
