"""Starting and piping like a command-line tool should (#15 item 6): the window refuses a
machine without a display or Qt's system libraries with a plain message instead of Qt's abort;
a reader that closes the pipe early ends the command quietly; plain-text outputs speak Chinese,
not internal codes; counts are checked by the parser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager

import pytest

from shengui_desktop.cli import main
from shengui_desktop.domain.records import POOLS
from conftest import PASSWORD
from sync_helpers import CODES, exchange, world_fixtures

template, world = world_fixtures("startup")

BLOCK_QT = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('PySide6', 'shiboken6'):\n"
            "            raise ImportError('Qt must not be loaded before the check')\n"
            "sys.meta_path.insert(0, Block())\n")


def _no_display_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE")}
    # a demo ledger, if anything made one, lands here and not in the real user folder
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), **extra)
    return env


def _run(args, env, code=None):
    argv = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "shengui_desktop", *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)


# -- 1. the window on a machine that cannot show it ---------------------------------------------
@pytest.mark.parametrize("args", [["gui", "--db", "LEDGER"], ["--demo"], []])
def test_no_display_is_a_plain_message_not_a_core_dump(tmp_path, args):
    args = [str(tmp_path / "x.sgdb") if a == "LEDGER" else a for a in args]
    result = _run(args, _no_display_env(tmp_path, QT_QPA_PLATFORM="xcb"))
    assert result.returncode == 2, result.stderr  # Qt's abort is -6 (SIGABRT, core dumped)
    assert result.stderr.startswith("错误：无法打开窗口：没有可用的图形显示（环境变量DISPLAY未设置）")
    assert "Error: cannot open the window: no display is available (DISPLAY is not set)" in result.stderr
    assert "xvfb-run" in result.stderr and "qt.qpa" not in result.stderr
    assert not (tmp_path / "data").exists()  # the check comes first: no demo ledger was made


def test_no_display_variables_at_all_names_both(tmp_path):
    result = _run(["gui"], _no_display_env(tmp_path))
    assert result.returncode == 2
    assert "DISPLAY和WAYLAND_DISPLAY均未设置" in result.stderr
    assert "neither DISPLAY nor WAYLAND_DISPLAY is set" in result.stderr


def test_a_display_nobody_answers_is_a_plain_message(tmp_path):
    result = _run(["gui"], _no_display_env(tmp_path, DISPLAY=":4711", QT_QPA_PLATFORM="xcb"))
    assert result.returncode == 2, result.stderr
    assert "无法连接图形显示“:4711”" in result.stderr
    assert 'cannot connect to the display ":4711"' in result.stderr


def test_a_missing_xcb_library_names_the_package_and_the_apt_command(tmp_path):
    """libxcb-cursor0 and libxcb-icccm4 missing (the finder is told so; nothing is uninstalled):
    the check runs before Qt is even imported."""
    code = (BLOCK_QT
            + "from shengui_desktop.cli import preflight\n"
            + "real = preflight.library_loads\n"
            + "preflight.library_loads = lambda so: so not in ('libxcb-cursor.so.0', 'libxcb-icccm.so.4') and real(so)\n"
            + "from shengui_desktop.cli import main\n"
            + "sys.exit(main(sys.argv[1:]))\n")
    result = _run(["gui"], _no_display_env(tmp_path, DISPLAY=":0", QT_QPA_PLATFORM="xcb"), code)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == ("错误：无法打开窗口：缺少图形界面所需的系统库：libxcb-cursor.so.0（软件包libxcb-cursor0）、"
                        "libxcb-icccm.so.4（软件包libxcb-icccm4）。请以管理员身份运行下面的命令安装后重试。")
    assert lines[1].startswith("Error: cannot open the window: missing system libraries that Qt's window "
                               "(xcb platform plugin) needs: libxcb-cursor.so.0 (package libxcb-cursor0), "
                               "libxcb-icccm.so.4 (package libxcb-icccm4).")
    assert lines[2].strip().endswith("apt-get install --no-install-recommends libxcb-cursor0 libxcb-icccm4")
    assert len(lines) == 3


def test_the_check_loads_no_qt_and_passes_when_the_window_can_open(tmp_path):
    code = (BLOCK_QT + "from shengui_desktop.cli import preflight\n"
            "preflight.check()\n"
            "assert not any(m.startswith('PySide6') for m in sys.modules)\n")
    result = _run([], _no_display_env(tmp_path, QT_QPA_PLATFORM="offscreen"), code)
    assert result.returncode == 0, result.stderr


def _preflight():
    from shengui_desktop.cli import preflight  # here, so the other tests run without it

    return preflight


def _refuse(*sonames):
    return lambda so: so not in sonames


@pytest.mark.parametrize("environ", [{"QT_QPA_PLATFORM": "offscreen"}, {"QT_QPA_PLATFORM": "minimal"},
                                     {"QT_QPA_PLATFORM": "vnc"}, {"QT_QPA_PLATFORM": "offscreen:fontengine=freetype"},
                                     {"QT_QPA_PLATFORM": "xcb;offscreen"}])
def test_platforms_without_a_display_server_need_no_display_nor_xcb(environ):
    preflight = _preflight()
    assert preflight.problems(environ, system="linux", loads=_refuse("libxcb-cursor.so.0")) == []


def test_a_wayland_session_does_not_need_the_xcb_libraries():
    preflight = _preflight()
    environ = {"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}
    assert preflight.problems(environ, system="linux", loads=_refuse(*preflight.XCB_LIBRARIES)) == []
    # but Qt's own libraries are needed whatever the platform
    [found] = preflight.problems(environ, system="linux", loads=_refuse("libGL.so.1"))
    assert found.install.endswith("apt-get install --no-install-recommends libgl1")


def test_every_missing_library_is_named_once_per_package():
    preflight = _preflight()
    found = preflight.problems({"DISPLAY": ":0"}, system="linux", loads=lambda so: False)
    [libraries] = found
    packages = libraries.install.split("--no-install-recommends ")[1].split()
    assert packages == list(dict.fromkeys([*preflight.QT_GUI_LIBRARIES.values(),
                                           *preflight.XCB_LIBRARIES.values()]))
    assert {"libxcb-cursor0", "libxkbcommon-x11-0", "libglib2.0-0"} <= set(packages)
    assert all(so in libraries.chinese and so in libraries.english
               for so in [*preflight.QT_GUI_LIBRARIES, *preflight.XCB_LIBRARIES])


@pytest.mark.parametrize("system", ["win32", "darwin"])
def test_windows_and_macos_are_not_checked(system):
    preflight = _preflight()
    assert preflight.problems({}, system=system, loads=lambda so: False, answers=lambda d: False) == []


def test_the_libraries_of_this_machine_are_found():
    """The real finder on this machine (which has the README's packages): every library loads."""
    preflight = _preflight()
    if not sys.platform.startswith("linux"):
        pytest.skip("the xcb libraries are Linux only")
    missing = [so for so in [*preflight.QT_GUI_LIBRARIES, *preflight.XCB_LIBRARIES]
               if not preflight.library_loads(so)]
    assert missing == []
    assert not preflight.library_loads("libxcb-does-not-exist.so.9")


def test_a_running_x_server_passes_the_check():
    preflight = _preflight()
    xvfb = shutil.which("Xvfb")
    if not xvfb:
        pytest.skip("Xvfb is not installed")
    read, write = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0",
                               "640x480x24"], pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as announced:  # Xvfb writes its display number once it accepts clients
            number = announced.readline().strip()
        assert number.isdigit()
        assert preflight.problems({"DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}) == []
    finally:
        server.terminate()
        server.wait(timeout=30)


# -- 2. a reader that goes away early -----------------------------------------------------------
@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)


@pytest.fixture
def county_db(tmp_path, env, capsys):
    db = tmp_path / "c.sgdb"
    assert main(["init", "--db", str(db), "--role", "county", "--name", "盂县",
                 "--area-code", "140322"]) == 0
    assert main(["demo", "--db", str(db), "--enterprises", "200", "--townships", "3",
                 "--as-of", "2026-11-23"]) == 0
    capsys.readouterr()
    return db


def test_a_reader_closing_the_pipe_early_ends_the_command_quietly(county_db):
    """`shengui list enterprises --json | head -1`: the output (≈140 KB) is more than the pipe
    holds, so the command is still writing when the reader leaves."""
    proc = subprocess.Popen([sys.executable, "-m", "shengui_desktop", "list", "enterprises",
                             "--db", str(county_db), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    assert proc.stdout.readline() == b"[\n"
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141  # 128 + SIGPIPE, as a shell reports for `cat` or `grep`
    assert err == ""  # no 错误：文件读写失败：Broken pipe, no "Exception ignored"


def test_through_a_shell_pipe_under_pipefail(county_db):
    bash = shutil.which("bash")
    if not bash:
        pytest.skip("no bash")
    command = (f"set -o pipefail; '{sys.executable}' -m shengui_desktop list enterprises "
               f"--db '{county_db}' --json | head -1")
    result = subprocess.run([bash, "-c", command], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ))
    assert (result.stdout, result.stderr, result.returncode) == ("[\n", "", 141)


# -- 3. plain text in words, --json in codes ----------------------------------------------------
def test_list_enterprises_shows_pools_in_chinese(county_db, capsys):
    assert main(["list", "enterprises", "--db", str(county_db), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["pool"] for r in rows} <= set(POOLS) and len({r["pool"] for r in rows}) > 2
    assert main(["list", "enterprises", "--db", str(county_db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"共{len(rows)}户"
    for row, line in zip(rows, lines):
        assert line.split("  ")[:4] == [row["credit_code"], row["name"], row["township_name"], POOLS[row["pool"]]]
    text = "\n".join(lines)
    assert not any(code in text for code in ("none", "base", "reserve", "cultivation", "entry"))


def test_demo_and_verify_name_the_tables_in_chinese(tmp_path, env, capsys):
    db = tmp_path / "d.sgdb"
    assert main(["init", "--db", str(db), "--role", "county", "--name", "盂县", "--area-code", "140322"]) == 0
    capsys.readouterr()
    assert main(["demo", "--db", str(db), "--enterprises", "12", "--townships", "2",
                 "--as-of", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("已生成演示数据：乡镇 2，部门 12，企业 12，月度数据 ")
    assert "走访记录" in out and "库别调整" in out and "目标任务" in out
    assert not any(code in out for code in ("townships", "monthly_figures", "visits", "pool_events"))
    assert main(["verify", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("台账检查通过：企业 12，月度数据 ") and "变更记录" in out
    assert "change_log" not in out and "enterprises" not in out
    assert main(["verify", "--db", str(db), "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["counts"]) == {
        "enterprises", "monthly_figures", "visits", "issues", "change_log"}


@contextmanager
def ledgers_closed(world):
    """The commands open the ledgers themselves: close the world's copies meanwhile, then
    open them again for the fixture to close."""
    from shengui_desktop.storage.files import open_ledger

    paths = {k: ledger.path for k, ledger in world.items()}
    for ledger in world.values():
        ledger.close()
    try:
        yield paths
    finally:
        for k, path in paths.items():
            world[k] = open_ledger(path, passphrase=PASSWORD)


def test_conflicts_list_names_fields_values_and_outcomes_in_chinese(world, tmp_path, env, capsys):
    c, a = world["C"], world["A"]
    ent = c.scalar("SELECT id FROM enterprises WHERE township_code = ? ORDER BY credit_code", (CODES["A"],))
    c.update("enterprises", ent, {"legal_person": "县里写的", "pool": "entry"})
    a.update("enterprises", ent, {"legal_person": "镇里写的", "pool": "cultivation"})
    exchange(a, c, tmp_path / "usb")
    name = c.get("enterprises", ent)["name"]
    with ledgers_closed(world) as paths:
        db = str(paths["C"])
        assert main(["conflicts", "list", "--db", db, "--json"]) == 0
        coded = json.loads(capsys.readouterr().out)
        assert sorted(x["field"] for x in coded) == ["legal_person", "pool"]  # codes for programs
        assert main(["conflicts", "list", "--db", db]) == 0
        out = capsys.readouterr().out
        lines = out.splitlines()
        assert lines[-1] == "共2处冲突待确认"
        assert {ln[1:9] for ln in lines[:-1]} == {x["id"][:8] for x in coded}
        by_field = {("法定代表人" if "法定代表人" in ln else "库别"): ln for ln in lines[:-1]}
        assert f"企业“{name}”的“法定代表人”：本地：县里写的（盂县 " in by_field["法定代表人"]
        assert "对方：镇里写的（秀水镇 " in by_field["法定代表人"]
        assert f"企业“{name}”的“库别”：本地：入统库（盂县 " in by_field["库别"]
        assert "对方：培育库（秀水镇 " in by_field["库别"]
        assert all(ln.endswith(("现采用本地的值。", "现采用对方的值。")) for ln in lines[:-1])
        for code in ("legal_person", "pool", "entry", "cultivation", '"'):
            assert code not in out

        conflict = next(x for x in coded if x["field"] == "legal_person")
        assert main(["conflicts", "resolve", "--db", db, conflict["id"], "--keep", "local"]) == 0
        capsys.readouterr()
        assert main(["conflicts", "list", "--db", db, "--all"]) == 0
        out = capsys.readouterr().out
        settled = next(ln for ln in out.splitlines() if "法定代表人" in ln)
        assert "；已处理：保留本地（admin，" in settled and "kept_" not in out
        assert out.splitlines()[-1] == "共2处冲突"


def test_duplicates_merge_names_the_moved_records_in_chinese(world, tmp_path, env, capsys):
    c, a = world["C"], world["A"]
    code = "91140322MA0DUP0001"
    at_town = a.insert("enterprises", {"credit_code": code, "name": "重复企业（镇录入）",
                                       "township_code": CODES["A"]})
    a.insert("visits", {"enterprise_id": at_town, "visit_date": "2026-11-01", "visitors": "张三",
                        "summary": "镇里的走访"})
    at_county = c.insert("enterprises", {"credit_code": code, "name": "重复企业",
                                         "township_code": CODES["A"]})
    exchange(a, c, tmp_path / "usb")
    with ledgers_closed(world) as paths:
        db = str(paths["C"])
        assert main(["duplicates", "list", "--db", db, "--json"]) == 0
        [task] = json.loads(capsys.readouterr().out)
        assert main(["duplicates", "merge", "--db", db, task["id"], "--keep", at_county]) == 0
        out = capsys.readouterr().out
        assert out.endswith("（走访记录 1）\n") and "visits" not in out


# -- 4. counts the parser refuses ---------------------------------------------------------------
@pytest.mark.parametrize("option, value, message", [
    ("--enterprises", "-5", "企业数应为正整数（至少为1），不能是-5"),
    ("--enterprises", "0", "企业数应为正整数（至少为1），不能是0"),
    ("--enterprises", "五", "企业数应为正整数，“五”不是整数"),
    ("--townships", "0", "乡镇数应为正整数（至少为1），不能是0"),
    ("--townships", "-2", "乡镇数应为正整数（至少为1），不能是-2"),
    ("--townships", "901", "乡镇数最多为900，不能是901"),
])
def test_demo_refuses_counts_below_one(tmp_path, env, capsys, option, value, message):
    db = tmp_path / "e.sgdb"
    assert main(["init", "--db", str(db), "--role", "county", "--name", "盂县", "--area-code", "140322"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as refused:
        main(["demo", "--db", str(db), option, value])
    assert refused.value.code == 2
    assert message in capsys.readouterr().err
    assert main(["verify", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["enterprises"] == 0
    assert main(["demo", "--db", str(db), "--enterprises", "3", "--townships", "1",
                 "--as-of", "2026-11-23", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["townships"] == 1  # nothing was half-made before
