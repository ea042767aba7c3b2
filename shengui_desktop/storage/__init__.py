"""Encrypted SQLite storage: the only way a ledger is opened, migrated and written.

sqlite-utils catches only the standard library's or ``pysqlite3``'s exception classes, so
``sqlcipher3`` is registered as ``pysqlite3`` before sqlite-utils is imported (STACK.md).
The price: ``sqlite_utils.Database("path")`` would open an *unencrypted* file through
SQLCipher. Nothing may do that; every connection comes from :func:`connection.connect`,
which keys it first.
"""

import sys

import sqlcipher3

sys.modules.setdefault("pysqlite3", sqlcipher3)
sys.modules.setdefault("pysqlite3.dbapi2", sqlcipher3.dbapi2)
