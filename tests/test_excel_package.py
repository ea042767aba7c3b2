"""services/excel is a package with a small public face (ARCHITECTURE.md): its modules
import each other without a circle and without underscore names, and nothing outside it
reaches for one of its underscore names."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "shengui_desktop" / "services" / "excel"


def package_imports(source: Path) -> list[tuple[str, list[str]]]:
    """(module of the package imported, names imported) for each import inside it."""
    out = []
    for node in ast.walk(ast.parse(source.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            out.append((node.module or "__init__", [a.name for a in node.names]))
    return out


def test_no_circle_and_no_underscore_name_inside_the_package():
    graph = {}
    for source in sorted(PACKAGE.glob("*.py")):
        imports = package_imports(source)
        for module, names in imports:
            assert not [n for n in names if n.startswith("_")], (source.name, module, names)
            assert module != "__init__" or source.name == "__init__.py", \
                f"{source.name} imports the package's face"
        graph[source.stem] = {m for m, _ in imports}

    def visit(module, path):
        assert module not in path, " → ".join([*path, module])
        for imported in graph.get(module, ()):
            visit(imported, [*path, module])
    for module in graph:
        visit(module, [])


def test_nothing_outside_takes_an_underscore_name_of_the_package():
    for folder in ("shengui_desktop", "tests", "bench"):
        for source in (ROOT / folder).rglob("*.py"):
            if PACKAGE in source.parents:
                continue
            for node in ast.walk(ast.parse(source.read_text("utf-8"))):
                module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
                if "services.excel" in module or (source.parent.name == "services"
                                                  and module.startswith("excel")):
                    names = [a.name for a in node.names]
                    assert not [n for n in names if n.startswith("_")], (source, node.module, names)
