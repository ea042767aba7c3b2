"""Guard rails for the layout of shengui_desktop; docs/ARCHITECTURE.md draws the same map.

Every rule but one is checked by reading the source with `ast`, so a test names the file and
line of each offending import rather than failing on the first one. Which imports count:

* every `import …` and `from … import …` anywhere in a module: at module level, inside
  functions and methods (lazy imports), inside `try:`; relative imports are resolved;
* `from pkg import name` counts as importing the submodule `pkg.name` when there is one,
  else as importing `pkg` itself (its `__init__.py`); a package's `__init__.py` importing
  its own submodules is an import like any other;
* `importlib.import_module("a.b")` with a literal name counts as `import a.b`;
* imports under `if TYPE_CHECKING:` never run: the layer table and the cycle test leave them
  out; the Qt test does not.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "shengui_desktop"
QT = ("PySide6", "shiboken6")

# -- the layer table -------------------------------------------------------------------------
# area → (what it owns, the other areas its modules may import). An area is a top-level
# module or package of shengui_desktop; everything under services/ is one area. A module may
# always import modules of its own area. docs/ARCHITECTURE.md prints this table.
BOTTOM = frozenset({"errors", "paths", "gc_pause", "progress"})
FORMATS = frozenset({"sync", "reports", "spreadsheets"})
LAYERS: dict[str, tuple[str, frozenset[str]]] = {
    "errors": ("UserError and its kinds; OS errors in Chinese", BOTTOM),
    "paths": ("where the program's data and resources are; writing a file by replacing it", BOTTOM),
    "gc_pause": ("pausing the cycle collector around bulk work", BOTTOM),
    "progress": ("the one progress-and-cancel protocol of long work", BOTTOM),
    "domain": ("records, values, validation and the policy rules: pure Python, no I/O",
               frozenset({"errors"})),
    "storage": ("the encrypted ledger: connection, key slots, migrations, write API, change log",
                frozenset({"domain"}) | BOTTOM),
    "sync": ("the .sgpkg package: certificates, export, reading, authorisation, merge, conflicts",
             frozenset({"storage", "domain"}) | BOTTOM),
    "reports": ("PDF reports: reading the ledger (reports/sources.py), layout, charts",
                frozenset({"storage", "domain"}) | BOTTOM),
    "spreadsheets": ("xlsx/xls/csv: reading cells, templates, writing sheets",
                     frozenset({"storage", "domain"}) | BOTTOM),
    "services": ("the use cases the window and the command line call",
                 FORMATS | frozenset({"storage", "domain"}) | BOTTOM),
    "cli": ("the `shengui` command line over the services",
            frozenset({"services", "storage", "domain"}) | FORMATS | BOTTOM),
    "ui": ("the window: PySide6 widgets, models, dialogs, background jobs",
           frozenset({"services", "domain"}) | BOTTOM),
    "__main__": ("`python -m shengui_desktop`", frozenset({"cli"})),
    PACKAGE: ("the package itself (its version)", frozenset()),
}
# The one import of ui outside ui: `shengui gui` opens the window (ui.app.run), importing Qt
# only then, inside the command's function.
GUI_ENTRY = "shengui_desktop.ui.app"


# -- reading the package ---------------------------------------------------------------------
@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # dotted name of the module imported (may lie outside the package)
    names: tuple[str, ...]  # the names taken from it by `from target import …`; () for `import`
    line: int
    lazy: bool  # inside a function
    type_only: bool  # under `if TYPE_CHECKING:`

    def where(self) -> str:
        return f"{module_path(self.importer)}:{self.line}"


@cache
def modules() -> dict[str, Path]:
    """Every module of the package: dotted name → file (a package is its __init__.py)."""
    out = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def module_path(name: str) -> str:
    return modules()[name].relative_to(ROOT).as_posix()


def is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def area(name: str) -> str:
    """The row of LAYERS a module of the package belongs to."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE


def in_package(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, package: bool):
        self.module = module
        self.package = package  # the module is a package's __init__.py
        self.found: list[Import] = []
        self.bindings: dict[str, str] = {}  # local name → module of the package bound to it
        self.depth = 0  # functions around the node
        self.type_only = 0  # `if TYPE_CHECKING:` bodies around the node

    def _add(self, target: str, names: tuple[str, ...], node: ast.AST) -> None:
        self.found.append(Import(self.module, target, names, node.lineno, self.depth > 0, self.type_only > 0))

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self.visit(node.test)
            self.type_only += 1
            for child in node.body:
                self.visit(child)
            self.type_only -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, (), node)
            if in_package(alias.name):
                # `import a.b` binds a; `import a.b as c` binds c to a.b
                local = alias.asname or alias.name.split(".")[0]
                self.bindings[local] = alias.name if alias.asname else local

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.module.split(".")
            if not self.package:
                base.pop()
            base = base[:len(base) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        plain = []
        for alias in node.names:
            if f"{source}.{alias.name}" in modules():
                self._add(f"{source}.{alias.name}", (), node)  # a submodule
                self.bindings[alias.asname or alias.name] = f"{source}.{alias.name}"
            else:
                plain.append(alias.name)
        if plain:
            self._add(source, tuple(plain), node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and not node.args[0].value.startswith("."):
            self._add(node.args[0].value, (), node)
        self.generic_visit(node)


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text("utf-8"), filename=str(modules()[name]))


@cache
def _collected(name: str) -> _Collector:
    collector = _Collector(name, is_package(name))
    collector.visit(tree(name))
    return collector


def imports(name: str) -> tuple[Import, ...]:
    return tuple(_collected(name).found)


def all_imports() -> list[Import]:
    return [i for name in modules() for i in imports(name)]


def package_imports(*, runtime: bool = True) -> list[Import]:
    """Imports of a module of the package by a module of the package; with `runtime`, only
    those that run (not those under `if TYPE_CHECKING:`)."""
    return [i for i in all_imports() if in_package(i.target) and not (runtime and i.type_only)]


def known(target: str) -> str:
    """The module an import of `target` loads: itself, or its longest known parent (an import of
    a name the package does not have fails elsewhere)."""
    while target not in modules() and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


def fail_listing(title: str, lines: list[str]) -> None:
    """Fail with `title` and every offending line, sorted, one a line (no traceback noise)."""
    if lines:
        pytest.fail(f"{title} ({len(lines)}):\n  " + "\n  ".join(sorted(lines)), pytrace=False)


# -- the tests -------------------------------------------------------------------------------
def test_import_reader_resolves_lazy_relative_and_type_only_imports():
    source = """
from __future__ import annotations
import importlib
from typing import TYPE_CHECKING
import shengui_desktop.domain.money as money
from . import sources as src
from .facts import LedgerFacts, _note
from .. import storage
if TYPE_CHECKING:
    from ..storage.ledger import Ledger
def f():
    from ..ui.app import run
    importlib.import_module("shengui_desktop.services.policy")
"""
    collector = _Collector("shengui_desktop.reports.example", package=False)
    collector.visit(ast.parse(source))
    seen = {(i.target, i.names, i.lazy, i.type_only) for i in collector.found}
    assert seen == {
        ("__future__", ("annotations",), False, False), ("importlib", (), False, False),
        ("typing", ("TYPE_CHECKING",), False, False),
        ("shengui_desktop.domain.money", (), False, False),
        ("shengui_desktop.reports.sources", (), False, False),
        ("shengui_desktop.reports.facts", ("LedgerFacts", "_note"), False, False),
        ("shengui_desktop.storage", (), False, False),
        ("shengui_desktop.storage.ledger", ("Ledger",), False, True),
        ("shengui_desktop.ui.app", ("run",), True, False),
        ("shengui_desktop.services.policy", (), True, False)}
    assert collector.bindings == {"money": "shengui_desktop.domain.money", "src": "shengui_desktop.reports.sources",
                                  "storage": "shengui_desktop.storage"}
    package = _Collector("shengui_desktop.reports", package=True)
    package.visit(ast.parse("from .job import Job\nfrom .. import errors"))
    assert [(i.target, i.names) for i in package.found] == [("shengui_desktop.reports.job", ("Job",)),
                                                           ("shengui_desktop.errors", ())]


def test_every_module_has_a_row_in_the_layer_table():
    missing = sorted(f"{module_path(m)} (area {area(m)!r})" for m in modules() if area(m) not in LAYERS)
    fail_listing("modules of an area the layer table does not know; add a row to LAYERS "
                 "(and to docs/ARCHITECTURE.md)", missing)


def test_no_qt_outside_ui():
    """The core runs without Qt: no module outside ui/ names PySide6 or shiboken6, not even
    lazily or for type checking."""
    found = [f"{i.where()} imports {i.target}" for i in all_imports()
             if area(i.importer) != "ui" and i.target.split(".")[0] in QT]
    fail_listing("Qt outside shengui_desktop/ui/", found)


def core_modules() -> list[str]:
    # __main__ runs the command line when imported
    return [m for m in modules() if area(m) not in ("ui", "__main__")]


def test_core_imports_with_pyside6_unavailable():
    """Every module outside ui/ (found by walking the package) imports with PySide6 made
    unimportable, and so does every command module the parser registers."""
    core = core_modules()
    assert len(core) > 50 and "shengui_desktop.storage.ledger" in core
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            f"        if name.split('.')[0] in {QT!r}:\n"
            "            raise ImportError('Qt is not allowed in the core')\n"
            "sys.meta_path.insert(0, Block())\n"
            + "".join(f"import {m}\n" for m in core)
            + "from shengui_desktop.cli import build_parser; build_parser()\n"
            + "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
            + "assert not loaded, loaded\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_ui_reaches_the_ledger_only_through_services():
    """Nothing under ui/ imports storage or sync (a type named under `if TYPE_CHECKING:` is
    allowed), and no widget carries SQL: opening, unlocking and reading a ledger are services."""
    found = [f"{i.where()} imports {i.target}" for i in package_imports()
             if area(i.importer) == "ui" and area(i.target) in ("storage", "sync")]
    sql = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH|PRAGMA|CREATE)\s")
    for name in modules():
        if area(name) == "ui":
            for node in ast.walk(tree(name)):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and sql.match(node.value):
                    found.append(f"{module_path(name)}:{node.lineno} SQL {node.value.strip()[:40]!r}")
    fail_listing("ui/ past the services", found)


def test_sync_page_calls_services_only():
    """The window side of sync reaches the ledger and the package format only through
    services: no storage, sync, spreadsheets or report module (not even for type checking)."""
    found = [f"{i.where()} imports {i.target}" for i in package_imports(runtime=False)
             if i.importer.startswith("shengui_desktop.ui.sync") and area(i.target) in
             ("storage", "sync", "spreadsheets", "reports")]
    fail_listing("ui/sync/ past the services", found)


def test_layers_point_downwards():
    """Each import of the package by the package follows the LAYERS table; the one exception
    is `shengui gui`'s `from ..ui.app import run` inside a function of cli/."""
    found, gui_entries = [], []
    for i in package_imports():
        mine, theirs = area(i.importer), area(known(i.target))
        if theirs == mine or mine not in LAYERS:
            continue
        if mine == "cli" and known(i.target) == GUI_ENTRY and i.lazy:
            gui_entries.append(i.where())
            continue
        if theirs not in LAYERS[mine][1]:
            found.append(f"{i.where()}: {mine} imports {i.target} ({theirs})")
    fail_listing("imports against the layer table (tests/test_architecture.py LAYERS)", found)
    if len(gui_entries) > 1:
        fail_listing("cli/ opens the window from more than one place", gui_entries)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def test_cycle_finder():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e", "d"}, "f": {"g"}, "g": {"f"}}
    assert sorted(_cycles(graph)) == [["a", "b", "c"], ["f", "g"]]


def test_no_import_cycles():
    """No import circle anywhere in the package, lazy imports included: a capability that
    outgrows one module becomes a package with a small public face, not a ring of modules."""
    graph: dict[str, set[str]] = {m: set() for m in modules()}
    edges = defaultdict(list)
    for i in package_imports():
        target = known(i.target)
        if target != i.importer:
            graph[i.importer].add(target)
            edges[i.importer, target].append(i.line)
    report = []
    for component in _cycles(graph):
        members = set(component)
        lines = [f"{module_path(a)}:{','.join(map(str, edges[a, b]))} imports {b}"
                 for a in component for b in sorted(graph[a] & members)]
        report.append(f"a circle of {len(component)} modules:\n      " + "\n      ".join(lines))
    fail_listing("import cycles (every import inside each one listed)", report)


def test_no_private_names_across_modules():
    """An underscore name belongs to its module. No module of the package imports `_name` from
    another module, or reads `module._name` of a module it imported, whether the two sit in
    one package or not and whether the other is a package's `__init__` or not: a helper two
    modules share is public in one of them (or gets a module of its own). Dunder names
    (`__version__`) are not private. A private module (`_x.py`) may be imported only from
    inside its own package."""
    found = []
    for i in package_imports(runtime=False):
        for name in i.names:
            if name.startswith("_") and not name.startswith("__"):
                found.append(f"{i.where()} from {i.target} import {name}")
        parts = i.target.split(".")
        for depth, part in enumerate(parts):
            if part.startswith("_") and not part.startswith("__") and \
                    not i.importer.startswith(".".join(parts[:depth]) + "."):
                found.append(f"{i.where()} imports the private module {i.target}")
    for name in modules():
        aliases = _collected(name).bindings
        for node in ast.walk(tree(name)):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = _dotted(node.value)
                if owner is None:
                    continue
                head, _, rest = owner.partition(".")
                target = ".".join(x for x in (aliases.get(head), rest) if x) if head in aliases else None
                if target in modules() and target != name:
                    found.append(f"{module_path(name)}:{node.lineno} {owner}.{node.attr}")
    fail_listing("private names used outside their module", found)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def test_reports_read_the_ledger_in_one_module():
    """Of reports/, only reports/sources.py queries the ledger (calls rows/one/scalar/query/
    execute on it, touches its connection, or holds SQL); the report modules and LedgerFacts
    ask sources.py. Whatever a printed page rests on is read in one place."""
    reading_calls = {"rows", "one", "scalar", "query", "execute", "executemany", "executescript", "reader"}
    sql = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH|PRAGMA)\s")
    readers: dict[str, list[str]] = defaultdict(list)
    for name in modules():
        if area(name) != "reports":
            continue
        for node in ast.walk(tree(name)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in reading_calls:
                readers[name].append(f"{module_path(name)}:{node.lineno} .{node.func.attr}()")
            elif isinstance(node, ast.Attribute) and node.attr in ("conn", "db"):
                readers[name].append(f"{module_path(name)}:{node.lineno} .{node.attr}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and sql.match(node.value):
                readers[name].append(f"{module_path(name)}:{node.lineno} SQL {node.value.strip()[:40]!r}")
    assert "shengui_desktop.reports.sources" in readers  # the check sees the reading it allows
    others = [line for name, lines in readers.items() if name != "shengui_desktop.reports.sources"
              for line in lines]
    fail_listing("reports/ modules reading the ledger besides reports/sources.py", others)


def test_cli_commands_call_services_only():
    """A command parses its options, calls a service and prints (docs/ARCHITECTURE.md): in cli/ no SQL,
    no reads through the ledger object, no storage, sync, spreadsheets or reports module."""
    import ast
    from pathlib import Path

    waiting: set[str] = set()
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
