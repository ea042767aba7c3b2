"""Where the program finds its own files (migrations, resources) and the user's ledger,
and how it writes a file the user asked for (whole or not at all)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

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


def write_replacing(path: Path, write: Callable[[Path], object]) -> Path:
    """`write` fills a temporary file beside `path`, which then replaces `path` in one step:
    a failure half-way (a full disk, a pulled USB stick) leaves no half file behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
