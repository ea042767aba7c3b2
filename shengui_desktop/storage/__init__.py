"""Encrypted SQLite storage: the only way a ledger is opened, migrated and written.

sqlite-utils catches only the standard library's or ``pysqlite3``'s exception classes, so
its recovering calls (``insert(alter=True)``, ``drop(ignore=True)``, ``cached_counts()``)
would raise on SQLCipher's errors; ``sqlcipher3`` is therefore registered as ``pysqlite3``
before sqlite-utils is imported (lazily: see _GuardOnImport).
The price: sqlite-utils given a *path* would open an unencrypted file through SQLCipher.
So its constructor is guarded here to accept only a connection, and every connection comes
from :func:`connection.connect`, which keys it first.
"""

import importlib.util
import sys

import sqlcipher3

sys.modules.setdefault("pysqlite3", sqlcipher3)
sys.modules.setdefault("pysqlite3.dbapi2", sqlcipher3.dbapi2)


def _guard(sqlite_utils) -> None:
    original_init = sqlite_utils.Database.__init__
    if getattr(original_init, "shengui_guard", False):
        return

    def _connection_only_init(self, filename_or_conn=None, *args, **kwargs):
        if not isinstance(filename_or_conn, sqlcipher3.Connection):
            raise RuntimeError("sqlite_utils.Database must be given a keyed sqlcipher3 connection "
                               "(a path or memory database would be unencrypted)")
        original_init(self, filename_or_conn, *args, **kwargs)

    _connection_only_init.shengui_guard = True  # type: ignore[attr-defined]
    sqlite_utils.Database.__init__ = _connection_only_init


class _GuardOnImport:
    """sqlite-utils costs half a second to import (its plugin machinery) and nothing on the
    way to the unlock dialog uses it, so it is not imported here; whoever imports it first
    gets it guarded (a meta path finder that wraps its loader, then steps aside)."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "sqlite_utils":
            return None
        sys.meta_path.remove(cls)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            _guard(module)

        spec.loader.exec_module = exec_module
        return spec


if "sqlite_utils" in sys.modules:
    _guard(sys.modules["sqlite_utils"])
else:
    sys.meta_path.insert(0, _GuardOnImport)
