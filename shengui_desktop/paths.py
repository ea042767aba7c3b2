"""Where the program finds its own files (migrations, resources) and the user's ledger."""

from __future__ import annotations

from pathlib import Path

import platformdirs

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # A source checkout (or editable install) keeps database/ and resources/ beside the
    # package; a wheel or a frozen bundle carries them inside it under _data/.
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"找不到程序数据目录：{name}")


def migrations_dir() -> Path:
    return _data_dir("database")


def resources_dir() -> Path:
    return _data_dir("resources")


def default_ledger_path() -> Path:
    """The ledger lives in the platform's user data folder, never beside the program."""
    folder = Path(platformdirs.user_data_dir("shengui_desktop", appauthor=False))
    return folder / "ledger.sgdb"
