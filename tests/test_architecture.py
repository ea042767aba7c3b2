"""The core runs without Qt (STYLE.md 1)."""

import subprocess
import sys

CORE = ["shengui_desktop.cli", "shengui_desktop.domain.records", "shengui_desktop.storage.files",
        "shengui_desktop.services.ledger.demo", "shengui_desktop.services.ledger.visits",
        "shengui_desktop.services.ledger.pools"]


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


def test_sync_page_calls_services_only():
    """The window side of sync reaches the ledger and the package format only through
    services (STYLE.md 2): no storage, sync, spreadsheets or report module, no SQL."""
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "shengui_desktop" / "ui" / "sync"
    forbidden = ("storage", "sync", "spreadsheets", "reports")
    for source in sorted(folder.glob("*.py")):
        tree = ast.parse(source.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 3:
                top = (node.module or "").split(".")[0]
                assert top not in forbidden, f"{source.name} imports {node.module}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith(tuple(f"shengui_desktop.{f}" for f in forbidden)), source.name
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not node.value.lstrip().upper().startswith(("SELECT ", "INSERT ", "UPDATE ", "DELETE ")), \
                    f"SQL in {source.name}"


def test_cli_commands_call_services_only():
    """A command parses its options, calls a service and prints (STYLE.md 2): in cli/ no SQL,
    no reads through the ledger object, no storage, sync, spreadsheets or reports module."""
    import ast
    from pathlib import Path

    # opening the ledger, changing a password and setting up an office still reach storage
    # and sync themselves; they are being moved behind a session / set-up service
    waiting = {"open_from_args", "cmd_passwd", "cmd_init"}
    folder = Path(__file__).resolve().parent.parent / "shengui_desktop" / "cli"
    forbidden = ("storage", "sync", "spreadsheets", "reports")
    sources = sorted(folder.glob("*.py"))
    assert len(sources) >= 8
    for source in sources:
        tree = ast.parse(source.read_text("utf-8"))
        skipped = {id(n) for f in ast.walk(tree)
                   if isinstance(f, ast.FunctionDef) and f.name in waiting for n in ast.walk(f)}
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            where = f"{source.name}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                assert (node.module or "").split(".")[0] not in forbidden, where
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not node.value.lstrip().upper().startswith(("SELECT ", "INSERT ", "UPDATE ", "DELETE ")), \
                    f"SQL in {where}"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id == "ledger":
                assert node.attr not in ("one", "rows", "scalar", "get", "conn", "db", "verify",
                                         "backup"), f"ledger.{node.attr} in {where}"
