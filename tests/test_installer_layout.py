"""The installers agree with the bundle (issue #21).

The Windows installer cannot be built here, so its script is read instead: every file and folder
installer/windows/shengui.iss takes from the bundle must be one that installer/shengui.spec puts
there (read from the spec's own text: the program's name, the COLLECT folder, the datas'
destinations under _internal/), and every other file it names must exist in the checkout. The
Debian side's fixed files (desktop entry, icons) are checked the same way; the .deb itself is
built and installed by installer/ci-deb.sh. Last, the first run's ledger lives in the user's
data folder, never beside the program.
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
import tomllib
from pathlib import Path, PureWindowsPath

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "installer" / "shengui.spec"
ISS = ROOT / "installer" / "windows" / "shengui.iss"
CONTENTS = "_internal"  # PyInstaller 6's one-folder contents directory (EXE(contents_directory=…))


# -- the spec ----------------------------------------------------------------------------------
def spec_calls() -> dict[str, ast.Call]:
    calls = {}
    for node in ast.walk(ast.parse(SPEC.read_text("utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("EXE", "COLLECT", "Analysis"):
            calls[node.func.id] = node
    return calls


def keyword(call: ast.Call, name: str):
    for kw in call.keywords:
        if kw.arg == name:
            return ast.literal_eval(kw.value)
    return None


def spec_datas() -> list[tuple[str, str]]:
    """(source relative to the checkout, destination in _internal) of the spec's own datas."""
    out = []
    for node in ast.walk(ast.parse(SPEC.read_text("utf-8"))):
        if isinstance(node, ast.Tuple) and len(node.elts) == 2:
            source, dest = node.elts
            if isinstance(source, ast.BinOp) and isinstance(source.left, ast.Name) and source.left.id == "ROOT" \
                    and isinstance(source.right, ast.Constant) and isinstance(dest, ast.Constant):
                out.append((source.right.value.lstrip("/"), dest.value))
    return out


class BundleLayout:
    """dist/<collect>/ as the spec builds it on Windows: the program, _internal/ and, in it,
    the datas' destinations (folders and what they hold)."""

    def __init__(self):
        calls = spec_calls()
        self.folder = keyword(calls["COLLECT"], "name")
        self.program = keyword(calls["EXE"], "name") + ".exe"
        self.contents = keyword(calls["EXE"], "contents_directory") or CONTENTS
        self.datas = spec_datas()

    def has(self, relative: str) -> bool:
        """Whether `relative` (below dist/<folder>/, '/'-separated, maybe ending in /*) is there."""
        parts = relative.split("/")
        if parts == [self.program]:
            return True
        if parts[0] != self.contents:
            return False
        inner = "/".join(parts[1:])
        if inner in ("*", ""):
            return True
        inner = inner.removesuffix("/*")
        for source, dest in self.datas:
            if inner == dest or dest.startswith(inner + "/"):
                return True
            if inner.startswith(dest + "/"):
                return (ROOT / source / inner[len(dest) + 1:]).exists()
        return False


def test_the_spec_bundles_the_programs_data_from_the_checkout():
    layout = BundleLayout()
    assert layout.folder == "shengui" and layout.program == "shengui.exe"
    assert ("database", "shengui_desktop/_data/database") in layout.datas
    assert ("resources", "shengui_desktop/_data/resources") in layout.datas
    for source, _dest in layout.datas:
        assert (ROOT / source).is_dir(), source
    # the entry script the spec names exists and runs the command line
    entry = ast.literal_eval(ast.unparse(spec_calls()["Analysis"].args[0]).replace("ROOT + ", ""))
    launcher = ROOT / entry[0].lstrip("/")
    assert launcher.is_file() and "from shengui_desktop.cli import main" in launcher.read_text("utf-8")
    # paths.py looks for the data where the spec puts it
    from shengui_desktop import paths
    assert 'PACKAGE / "_data" / name' in Path(paths.__file__).read_text("utf-8").replace("_PACKAGE", "PACKAGE")


def test_the_layout_model_refuses_what_the_spec_does_not_make():
    layout = BundleLayout()
    assert layout.has("shengui.exe") and layout.has("_internal/*")
    assert layout.has("_internal/shengui_desktop/_data/resources/fonts/wqy-microhei.ttc")
    assert not layout.has("shengui_desktop.exe")
    assert not layout.has("_internal/shengui_desktop/_data/resources/fonts/no-such-font.ttc")
    assert not layout.has("resources/fonts/wqy-microhei.ttc")  # outside _internal


# -- the Inno Setup script -------------------------------------------------------------------
def iss_text() -> str:
    return ISS.read_text("utf-8")


def iss_defines() -> dict[str, str]:
    return dict(re.findall(r'^\s*#define\s+(\w+)\s+"([^"]*)"', iss_text(), re.M))


def expand(value: str) -> str:
    defines = iss_defines()
    return re.sub(r"\{#(\w+)\}", lambda m: defines[m.group(1)], value)


def iss_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for line in iss_text().splitlines():
        line = line.strip()
        if not line or line.startswith(";") or line.startswith("#"):
            continue
        match = re.fullmatch(r"\[(\w+)\]", line)
        if match:
            current = match.group(1)
            sections[current] = []
        elif current:
            sections[current].append(line)
    return sections


def entry_fields(line: str) -> dict[str, str]:
    """`Name: "a"; Filename: "b"; Flags: x y` → {"Name": "a", …}."""
    fields = {}
    for part in re.findall(r'(\w+):\s*("[^"]*"|[^;]*)', line):
        fields[part[0]] = expand(part[1].strip().strip('"'))
    return fields


def setup_values() -> dict[str, str]:
    return {key.strip(): expand(value.strip()) for key, value in
            (line.split("=", 1) for line in iss_sections()["Setup"])}


def bundle_relative(source: str) -> str | None:
    """A [Files] source inside the spec's bundle (dist/<folder>/…), relative to it; else None."""
    path = (ISS.parent / PureWindowsPath(source).as_posix()).resolve()
    bundle = (ROOT / "dist" / BundleLayout().folder).resolve()
    try:
        return path.relative_to(bundle).as_posix()
    except ValueError:
        return None


def installed_files() -> set[str]:
    """What [Files] puts under {app}: 'shengui.exe', '_internal/*', 'shengui.ico'…"""
    out = set()
    for line in iss_sections()["Files"]:
        fields = entry_fields(line)
        dest = fields["DestDir"].replace("{app}", "").strip("\\").replace("\\", "/")
        name = PureWindowsPath(fields["Source"]).name
        out.add(f"{dest}/{name}".lstrip("/"))
    return out


def test_every_file_the_windows_installer_takes_is_in_the_bundle_or_the_checkout():
    layout = BundleLayout()
    sources = [entry_fields(line)["Source"] for line in iss_sections()["Files"]]
    assert sources, "the .iss installs nothing"
    from_bundle = []
    for source in sources:
        relative = bundle_relative(source)
        if relative is None:
            assert (ISS.parent / PureWindowsPath(source).as_posix()).is_file(), f"{source} is not in the checkout"
        else:
            assert layout.has(relative), f"{source}: the spec does not put {relative} in the bundle"
            from_bundle.append(relative)
    assert set(from_bundle) == {layout.program, f"{layout.contents}/*"}  # the whole bundle, nothing missed
    for key in ("SetupIconFile", "LicenseFile"):
        assert (ISS.parent / PureWindowsPath(setup_values()[key]).as_posix()).is_file(), key


def test_the_windows_installer_lays_the_bundle_out_as_pyinstaller_does():
    """The program beside _internal/, which PyInstaller's bootloader looks for."""
    for line in iss_sections()["Files"]:
        fields = entry_fields(line)
        relative = bundle_relative(fields["Source"])
        if relative == f"{CONTENTS}/*":
            assert fields["DestDir"] == "{app}\\_internal" and "recursesubdirs" in fields["Flags"]
        elif relative is not None:
            assert fields["DestDir"] == "{app}"


def test_the_shortcuts_start_installed_files():
    installed = installed_files()
    icons = [entry_fields(line) for line in iss_sections()["Icons"]]
    assert any(icon["Name"].startswith("{group}\\") and icon["Filename"] == "{app}\\shengui.exe" for icon in icons)
    assert any(icon["Filename"] == "{uninstallexe}" for icon in icons)  # 卸载 in the Start menu
    for icon in icons:
        for key in ("Filename", "IconFilename"):
            target = icon.get(key, "")
            if target.startswith("{app}\\"):
                assert target.removeprefix("{app}\\").replace("\\", "/") in installed, target
    assert setup_values()["UninstallDisplayIcon"].removeprefix("{app}\\") in installed


def test_per_user_install_that_keeps_the_users_data():
    values = setup_values()
    assert values["PrivilegesRequired"] == "lowest"  # no administrator needed
    assert values["DefaultDirName"].startswith("{autopf}")  # per user: %LOCALAPPDATA%\Programs
    assert values["DefaultGroupName"] == "小升规企业培育台账"
    sections = iss_sections()
    # the uninstaller removes only what it installed: nothing of the user's data folders
    assert "UninstallDelete" not in sections and "InstallDelete" not in sections
    assert not re.search(r"\{(local)?appdata\}|\{userappdata\}", iss_text(), re.I)


def test_the_installer_version_is_the_package_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    assert iss_defines()["AppVersion"] == version
    import shengui_desktop
    assert shengui_desktop.__version__ == version


# -- the Debian side's fixed files ------------------------------------------------------------
def test_the_desktop_entry_names_the_program_and_an_icon_the_deb_installs():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(ROOT / "installer" / "linux" / "shengui.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Name"] == "小升规企业培育台账" and desktop["Type"] == "Application"
    assert desktop["Exec"] == "shengui" and desktop["Icon"] == "shengui" and desktop["Terminal"] == "false"
    script = (ROOT / "installer" / "build-deb.sh").read_text("utf-8")
    for name in ("installer/icons/shengui.png", "installer/icons/shengui.svg", "installer/linux/shengui.desktop"):
        assert name in script and (ROOT / name).is_file()
    assert "ln -s /opt/shengui/shengui" in script


# -- the first run -----------------------------------------------------------------------------
@pytest.mark.parametrize("frozen", [False, True])
def test_the_first_runs_ledger_is_in_the_users_data_folder_never_beside_the_program(tmp_path, monkeypatch, frozen):
    from shengui_desktop import paths

    install = tmp_path / "opt" / "shengui"
    install.mkdir(parents=True)
    if frozen:  # as the bundle runs: sys.executable is /opt/shengui/shengui
        monkeypatch.setattr(sys, "frozen", True, raising=False)
        monkeypatch.setattr(sys, "executable", str(install / "shengui"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "home" / "AppData" / "Local"))
    ledger = paths.default_ledger_path()
    assert ledger.name == "ledger.sgdb" and ledger.parent.name == "shengui_desktop"
    assert ledger.is_relative_to(tmp_path / "home")
    program = Path(paths.__file__).resolve().parent
    for folder in (install, program, program.parent, Path(sys.executable).resolve().parent):
        assert not ledger.is_relative_to(folder)
