"""The core runs without Qt (STYLE.md 1)."""

import subprocess
import sys

CORE = ["shengui_desktop.cli", "shengui_desktop.domain.records", "shengui_desktop.storage.files",
        "shengui_desktop.services.demo", "shengui_desktop.services.visits",
        "shengui_desktop.services.pools"]


def test_core_imports_with_pyside6_unavailable():
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('PySide6', 'shiboken6'):\n"
            "            raise ImportError('Qt is not allowed in the core')\n"
            "sys.meta_path.insert(0, Block())\n"
            + "".join(f"import {m}\n" for m in CORE)
            + "from shengui_desktop.cli import build_parser; build_parser()\n"
            + "assert not any(m.startswith('PySide6') for m in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
