"""Encrypted SQLite storage: the only way a ledger is opened, migrated and written.

sqlite-utils catches only the standard library's or ``pysqlite3``'s exception classes, so
its recovering calls (``insert(alter=True)``, ``drop(ignore=True)``, ``cached_counts()``)
would raise on SQLCipher's errors; ``sqlcipher3`` is therefore registered as ``pysqlite3``
before sqlite-utils is imported.
The price: sqlite-utils given a *path* would open an unencrypted file through SQLCipher.
So its constructor is guarded here to accept only a connection, and every connection comes
from :func:`connection.connect`, which keys it first.
"""

import sys

import sqlcipher3

sys.modules.setdefault("pysqlite3", sqlcipher3)
sys.modules.setdefault("pysqlite3.dbapi2", sqlcipher3.dbapi2)

import sqlite_utils  # noqa: E402  (must come after the registration above)

_original_init = sqlite_utils.Database.__init__


def _connection_only_init(self, filename_or_conn=None, *args, **kwargs):
    if not isinstance(filename_or_conn, sqlcipher3.Connection):
        raise RuntimeError("sqlite_utils.Database must be given a keyed sqlcipher3 connection "
                           "(a path or memory database would be unencrypted)")
    _original_init(self, filename_or_conn, *args, **kwargs)


sqlite_utils.Database.__init__ = _connection_only_init  # type: ignore[method-assign]
