"""Can the window open on this machine? Asked before Qt is loaded.

Qt answers a missing display or a missing system library by aborting the process: a core dump
and an English line that often blames the wrong library (STACK.md). A township's IT person
needs the name of what is missing and the command that installs it, so `shengui gui` asks here
first and stops with a plain message (`DisplayUnavailable`, exit status 2).

No Qt in this module (nor anything that imports it): `cli.app.cmd_gui` calls `check()` before
it imports `ui.app`. Only Linux is checked; Windows and macOS always have their platform.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from ..errors import UserError

# System libraries (soname → the Debian package that ships it, as in the README's apt line).
# Found with `ldd` / `readelf -d` on PySide6's libQt6Gui.so.6, libqxcb.so and libQt6XcbQpa.so.6;
# their own dependencies come with these packages.
QT_GUI_LIBRARIES = {  # Qt's GUI module on any platform (offscreen included)
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libX11.so.6": "libx11-6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libxkbcommon.so.0": "libxkbcommon0",
}
XCB_LIBRARIES = {  # the xcb platform plugin: a real window on X11
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}
# The platforms that need a display server, and the variable naming it. Any other one
# (offscreen for tests and servers, minimal, vnc, the framebuffer ones) draws without one.
_NEEDS_A_SERVER = {"xcb": "DISPLAY", "wayland": "WAYLAND_DISPLAY", "wayland-egl": "WAYLAND_DISPLAY",
                   "wayland-brcm": "WAYLAND_DISPLAY"}


class DisplayUnavailable(UserError):
    """The window cannot open here; the message says why and what to do (Chinese, then English)."""

    exit_code = 2


def _library_folders() -> list[Path]:
    """Where a bundle or the PySide6 wheel may carry its own copy of a library (never imports it)."""
    folders = []
    if getattr(sys, "_MEIPASS", None):  # the PyInstaller bundle
        folders.append(Path(sys._MEIPASS))
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        spec = None
    if spec and spec.submodule_search_locations:
        folders.append(Path(list(spec.submodule_search_locations)[0]) / "Qt" / "lib")
    return folders


def library_loads(soname: str) -> bool:
    """Whether the dynamic linker finds and loads `soname` (with what it needs), as Qt's will."""
    for candidate in (soname, *(str(f / soname) for f in _library_folders() if (f / soname).exists())):
        try:
            ctypes.CDLL(candidate)
            return True
        except OSError:
            continue
    return False


def x_server_answers(display: str) -> bool:
    """Whether an X server accepts a connection at `display` (what Qt's xcb plugin does first)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return True  # reported as a missing library instead
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)  # never NULL, even on failure
    try:
        return xcb.xcb_connection_has_error(connection) == 0
    finally:
        xcb.xcb_disconnect(connection)


def _platforms(environ: Mapping[str, str]) -> list[str]:
    """The Qt platform plugins Qt will try, in order (QT_QPA_PLATFORM may list several, with options)."""
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return [p.split(":")[0].strip().lower() for p in chosen.split(";") if p.strip()]
    if environ.get("XDG_SESSION_TYPE") == "wayland" or (environ.get("WAYLAND_DISPLAY")
                                                        and not environ.get("DISPLAY")):
        return ["wayland", "xcb"]
    return ["xcb"]


def _missing(libraries: Mapping[str, str], loads: Callable[[str], bool]) -> dict[str, str]:
    return {soname: package for soname, package in libraries.items() if not loads(soname)}


def _install_command(packages: list[str]) -> str:
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return ("" if as_root else "sudo ") + "apt-get install --no-install-recommends " + " ".join(packages)


@dataclass
class Finding:
    """One reason the window cannot open: what a person reads, and the command that fixes it."""

    chinese: str
    english: str
    install: str | None = None


def problems(environ: Mapping[str, str] | None = None, *, system: str | None = None,
             loads: Callable[[str], bool] | None = None,
             answers: Callable[[str], bool] | None = None) -> list[Finding]:
    """Why the window cannot open here; empty when it can. `loads` (is a library there) and
    `answers` (does an X server accept a connection) are the system probes, for tests."""
    environ = os.environ if environ is None else environ
    system = sys.platform if system is None else system
    loads = loads or library_loads
    answers = answers or x_server_answers
    if not system.startswith("linux"):
        return []
    found: list[Finding] = []
    platforms = _platforms(environ)
    headless = any(p not in _NEEDS_A_SERVER for p in platforms)
    connected = [p for p in platforms if p in _NEEDS_A_SERVER and environ.get(_NEEDS_A_SERVER[p])]
    # xcb is what Qt ends up with unless a display-less platform or a Wayland one can serve
    needs_xcb = not headless and "xcb" in platforms and not any(p != "xcb" for p in connected)
    if not headless and not connected:
        # which variable would have told Qt where the display is
        unset = (["DISPLAY", "WAYLAND_DISPLAY"] if not environ.get("QT_QPA_PLATFORM", "").strip()
                 else list(dict.fromkeys(_NEEDS_A_SERVER[p] for p in platforms)))
        found.append(Finding(
            f"没有可用的图形显示（环境变量{'和'.join(unset)}{'均' if len(unset) > 1 else ''}未设置）。"
            "请在桌面环境中运行；通过SSH连接时请用 ssh -X，没有显示器的服务器上可用 "
            "xvfb-run shengui gui；命令行功能不需要显示（shengui --help）。",
            "no display is available ("
            + ("neither DISPLAY nor WAYLAND_DISPLAY is set" if len(unset) > 1 else f"{unset[0]} is not set")
            + "). Run it in a desktop session; over SSH "
            "use ssh -X, on a server without a screen xvfb-run shengui gui; the command-line "
            "functions need no display (shengui --help)."))
    missing = _missing(QT_GUI_LIBRARIES, loads)
    if needs_xcb:
        missing.update(_missing(XCB_LIBRARIES, loads))
    if missing:
        packages = list(dict.fromkeys(missing.values()))
        found.append(Finding(
            "缺少图形界面所需的系统库：" + "、".join(f"{so}（软件包{pkg}）" for so, pkg in missing.items())
            + "。请以管理员身份运行下面的命令安装后重试。",
            "missing system libraries that Qt's window (xcb platform plugin) needs: "
            + ", ".join(f"{so} (package {pkg})" for so, pkg in missing.items())
            + ". Install them as root with the command below, then try again.",
            _install_command(packages)))
    elif needs_xcb and "xcb" in connected and not answers(environ["DISPLAY"]):
        display = environ["DISPLAY"]
        found.append(Finding(
            f"无法连接图形显示“{display}”：X服务器没有运行或拒绝连接。请在桌面环境中运行，"
            "或检查DISPLAY和XAUTHORITY；命令行功能不需要显示（shengui --help）。",
            f"cannot connect to the display \"{display}\": the X server is not running or refuses "
            "the connection. Run it in a desktop session, or check DISPLAY and XAUTHORITY; the "
            "command-line functions need no display (shengui --help)."))
    return found


def check(environ: Mapping[str, str] | None = None, **probes) -> None:
    """Raise DisplayUnavailable when the window cannot open: the reasons in Chinese, then in
    English, then the command that installs what is missing."""
    found = problems(environ, **probes)
    if found:
        lines = ["无法打开窗口：" + "".join(f.chinese for f in found),
                 "Error: cannot open the window: " + " ".join(f.english for f in found)]
        lines += [f"    {f.install}" for f in found if f.install]
        raise DisplayUnavailable("\n".join(lines))
