"""Issue 19, item 4: nothing damaged ends in a traceback.

Every command on a ledger with flipped bits, a cut-off end or a zeroed page ends with a
Chinese message naming the damage and saying to restore a backup (or, when it never reads the
damaged page, succeeds), and the ledger file is left as it was; `shengui verify` names the
damaged pages. A tampered `.keys` file says 密钥文件已损坏 (never 密码错误, never a hang on a
huge key-derivation cost); `sync import` reads regular files only; an argument that is not
UTF-8 gets a Chinese message. The window's unlock dialog shows the same damage message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from shengui_desktop.cli import main
from shengui_desktop.errors import LedgerDamaged
from shengui_desktop.storage.keyslots import KeySlots, keys_path_for

PASS = "cli-pass-123"
PAGE = 4096


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASS)


def run(capsys, *args) -> tuple[int, str]:
    """The command's exit code and everything it printed. An exception escaping main() is
    the traceback a person would have seen: the test fails with it."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out + err


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A county ledger with demo data (30 enterprises), made through the command line."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SHENGUI_PASSPHRASE", PASS)
    folder = tmp_path_factory.mktemp("damage-base")
    db = folder / "c.sgdb"
    try:
        assert main(["init", "--db", str(db), "--role", "county", "--name", "盂县",
                     "--area-code", "140322", "--json"]) == 0
        assert main(["demo", "--db", str(db), "--enterprises", "30", "--townships", "3",
                     "--as-of", "2026-11-23", "--json"]) == 0
    finally:
        mp.undo()
    return db


def copy_ledger(base: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / base.name
    shutil.copy(base, db)
    shutil.copy(keys_path_for(base), keys_path_for(db))
    return db


def flip(db: Path, offset: int) -> None:
    data = bytearray(db.read_bytes())
    data[offset % len(data)] ^= 1 << (offset % 8)
    db.write_bytes(bytes(data))


def truncate(db: Path, size: int) -> None:
    db.write_bytes(db.read_bytes()[:size])


def zero_page(db: Path, number: int) -> None:
    data = bytearray(db.read_bytes())
    data[number * PAGE:(number + 1) * PAGE] = bytes(PAGE)
    db.write_bytes(bytes(data))


def credit_code_of(db: Path, capsys) -> str:
    code, out = run(capsys, "list", "enterprises", "--db", db, "--json")
    assert code == 0
    return json.loads(out)[0]["credit_code"]


def commands(db: Path, out: Path, credit_code: str) -> list[list]:
    """What a person may run on a ledger: reads, exports, reports, a backup and writes."""
    return [
        ["verify", "--db", db],
        ["list", "enterprises", "--db", db],
        ["townships", "list", "--db", db],
        ["user", "list", "--db", db],
        ["targets", "--year", "2026", "--db", db],
        ["monitor", "--period", "2026-10", "--db", db],
        ["backup", "--db", db, "--out", out / "copy.sgdb"],
        ["excel", "export", "--what", "enterprises", "--db", db, "--out", out / "e.xlsx"],
        ["excel", "export", "--what", "figures", "--db", db, "--out", out / "f.xlsx"],
        ["report", "ledger", "--db", db, "--out", out / "ledger.pdf"],
        ["visit", "add", "--db", db, "--credit-code", credit_code, "--visitors", "张三",
         "--summary", "了解生产情况", "--date", "2026-11-20"],
    ]


# offsets of the demo ledger (about 210 pages): page 1's salt, page 2 (the schema's first
# table pages), pages in the middle, the last page
def damages(size: int, *, every: bool = False):
    """Eight kinds of damage for every run; with every=True (-m slow) fifteen."""
    last = size // PAGE - 1
    some = [("flip", 7), ("flip", PAGE + 100), ("flip", size // 2 + 11), ("flip", size - 10),
            ("truncate", size - PAGE), ("truncate", 3 * PAGE + 100), ("zero", 5), ("zero", last)]
    more = [("flip", 2 * PAGE + 3000), ("flip", 20 * PAGE + 17), ("flip", size - PAGE + 200),
            ("truncate", size // 2), ("truncate", 100), ("zero", 1), ("zero", last // 2)]
    return some + more if every else some


def damage(db: Path, kind: str, where: int) -> None:
    {"flip": flip, "truncate": truncate, "zero": zero_page}[kind](db, where)


def test_every_command_on_a_damaged_ledger_ends_with_a_chinese_message(base, tmp_path, env, capsys):
    tried, refused = check_every_command(base, tmp_path, capsys, damages(base.stat().st_size))
    # nearly every damage reaches every command (how many depends on where the fixed offsets
    # land: the audit log's entries, written by these very commands, moved the pages)
    assert tried == 8 * 11 and refused > 50


@pytest.mark.slow
def test_every_command_on_every_damage(base, tmp_path, env, capsys, request):
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("long run: pytest -m slow")
    tried, refused = check_every_command(base, tmp_path, capsys, damages(base.stat().st_size, every=True))
    assert tried == 15 * 11 and refused > 100


def check_every_command(base: Path, tmp_path: Path, capsys, cases) -> tuple[int, int]:
    """Each command on a copy with each damage: (commands run, commands refused)."""
    code_of = credit_code_of(base, capsys)
    healthy = copy_ledger(base, tmp_path / "healthy")
    (tmp_path / "healthy" / "out").mkdir()
    for argv in commands(healthy, tmp_path / "healthy" / "out", code_of):
        assert run(capsys, *argv)[0] == 0, argv  # each command works on a sound ledger
    tried = refused = 0
    for kind, where in cases:
        folder = tmp_path / f"{kind}-{where}"
        db = copy_ledger(base, folder)
        damage(db, kind, where)
        before = digest(folder)
        code, out = run(capsys, "verify", "--db", db)
        assert code == 4, (kind, where, out)
        assert "损坏" in out and "备份" in out and "shengui restore" in out, (kind, where, out)
        assert "Traceback" not in out and "malformed" not in out.split("（")[0]
        assert digest(folder) == before, (kind, where)
        (folder / "out").mkdir()
        for argv in commands(db, folder / "out", code_of):
            tried += 1
            code, out = run(capsys, *argv)
            if code == 0:  # it never read a damaged page
                continue
            refused += 1
            assert code in (2, 4), (kind, where, argv, out)
            assert has_chinese(out) and "损坏" in out and "备份" in out, (kind, where, argv, out)
            assert digest(folder) == before, (kind, where, argv)
    return tried, refused


def test_verify_names_the_damaged_page(base, tmp_path, env, capsys):
    db = copy_ledger(base, tmp_path)
    flip(db, 100 * PAGE + 1234)  # page 101
    code, out = run(capsys, "verify", "--db", db)
    assert code == 4
    assert "加密页校验失败" in out and "第101页" in out
    assert "台账未作任何修改" in out and "shengui backup list" in out
    code, out = run(capsys, "verify", "--db", db, "--json")
    result = json.loads(out.split("\n错误")[0])
    assert result["ok"] is False and result["advice"]


def test_the_unlock_dialog_shows_the_damage(qtbot, base, tmp_path):
    from PySide6.QtWidgets import QDialog

    from shengui_desktop.ui.start.unlock import UnlockDialog

    db = copy_ledger(base, tmp_path)
    flip(db, PAGE + 100)  # the schema's pages: the unlock itself meets the damage
    before = digest(tmp_path)
    dialog = UnlockDialog(db)
    qtbot.addWidget(dialog)
    dialog.password.setText(PASS)
    dialog.try_unlock()
    qtbot.waitUntil(lambda: dialog.ok.isEnabled() or dialog.failures > 0, timeout=10000)
    text = dialog.message.text()
    assert "已损坏" in text and "备份" in text, text
    assert "程序错误" not in text and "DatabaseError" not in text
    dialog.show()
    qtbot.waitExposed(dialog)
    label = dialog.message  # the dialog grew: every line of the message shows
    assert label.height() >= label.heightForWidth(label.width())
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.ledger is None
    assert digest(tmp_path) == before


def test_unlock_service_raises_ledger_damaged_not_database_error(base, tmp_path):
    from shengui_desktop.services.office import session

    db = copy_ledger(base, tmp_path)
    zero_page(db, 1)
    with pytest.raises(LedgerDamaged, match="已损坏.*备份"):
        session.unlock(db, password=PASS)


# -- the .keys file -------------------------------------------------------------------------------

def keys_variants(good: dict) -> dict[str, object]:
    """Tampered contents of a `.keys` file, by what was done to it."""
    def slot_edit(**kdf):
        data = json.loads(json.dumps(good))
        data["slots"][0]["kdf"].update(kdf)
        return data

    def slot_field(field, value=None, drop=False):
        data = json.loads(json.dumps(good))
        if drop:
            del data["slots"][0][field]
        else:
            data["slots"][0][field] = value
        return data

    def top(field, value=None, drop=False):
        data = json.loads(json.dumps(good))
        if drop:
            del data[field]
        else:
            data[field] = value
        return data

    return {
        "array": [good],
        "string": "keys",
        "null": None,
        "memory 2^40": slot_edit(memory_kib=2 ** 40),
        "memory 0": slot_edit(memory_kib=0),
        "memory -1": slot_edit(memory_kib=-1),
        "memory text": slot_edit(memory_kib="65536"),
        "memory float": slot_edit(memory_kib=65536.0),
        "parallelism 0": slot_edit(parallelism=0),
        "parallelism 2^31": slot_edit(parallelism=2 ** 31),
        "time 1e9": slot_edit(time_cost=10 ** 9),
        "time 1e9 float": slot_edit(time_cost=1e9),
        "time 0": slot_edit(time_cost=0),
        "memory and time at their bounds": slot_edit(memory_kib=1024 * 1024, time_cost=16),
        "time true": slot_edit(time_cost=True),
        "kdf name": slot_edit(name="scrypt"),
        "salt missing": slot_edit(salt=None),
        "salt not base64": slot_edit(salt="!!!"),
        "salt empty": slot_edit(salt=""),
        "salt huge": slot_edit(salt=base64.b64encode(b"x" * 10_000).decode()),
        "kdf missing": slot_field("kdf", drop=True),
        "kdf list": slot_field("kdf", [1, 2, 3]),
        "nonce short": slot_field("nonce", base64.b64encode(b"123").decode()),
        "nonce number": slot_field("nonce", 12),
        "wrapped missing": slot_field("wrapped_key", drop=True),
        "wrapped short": slot_field("wrapped_key", base64.b64encode(b"k" * 10).decode()),
        "user number": slot_field("user", 5),
        "kind unknown": slot_field("kind", "master"),
        "slot is a list": top("slots", [[1, 2]]),
        "slots empty": top("slots", []),
        "slots a dict": top("slots", {"a": 1}),
        "format missing": top("format", drop=True),
        "uuid missing": top("ledger_uuid", drop=True),
        "version 1e9": top("version", 10 ** 9),
        "version -1": top("version", -1),
        "version text": top("version", "2"),
        "disabled text": top("disabled", "admin"),
    }


def test_a_tampered_keys_file_says_damaged_and_never_hangs(base, tmp_path, env, capsys):
    good = json.loads(keys_path_for(base).read_text("utf-8"))
    raw = {"not json": b"{\"format\": ", "binary": bytes(range(256)) * 4, "empty": b"",
           "deep": b"[" * 100_000, "latin-1": json.dumps(good).encode().replace(b"admin", b"adm\xe9n")}
    cases = {name: json.dumps(value).encode() for name, value in keys_variants(good).items()} | raw
    for name, content in cases.items():
        folder = tmp_path / name.replace(" ", "_")
        db = copy_ledger(base, folder)
        keys_path_for(db).write_bytes(content)
        before = digest(folder)
        started = time.monotonic()
        code, out = run(capsys, "list", "enterprises", "--db", db)
        assert time.monotonic() - started < 5, name  # no key derivation with a tampered cost
        assert code == 4, (name, out)
        assert "密钥文件" in out and "已损坏" in out and "备份" in out, (name, out)
        assert "密码错误" not in out, (name, out)
        assert digest(folder) == before, name


def test_a_keys_file_that_is_a_folder_or_huge_is_damaged(base, tmp_path, env, capsys):
    db = copy_ledger(base, tmp_path / "folder")
    keys = keys_path_for(db)
    keys.unlink()
    keys.mkdir()
    code, out = run(capsys, "list", "enterprises", "--db", db)
    assert code == 4 and "密钥文件" in out and "已损坏" in out
    db = copy_ledger(base, tmp_path / "huge")
    keys = keys_path_for(db)
    keys.write_bytes(keys.read_bytes()[:-2] + b" " * (2 * 1024 * 1024) + b"}")
    code, out = run(capsys, "list", "enterprises", "--db", db)
    assert code == 4 and "过大" in out


def test_a_plausible_newer_keys_version_asks_to_upgrade_or_restore(base, tmp_path, env, capsys):
    db = copy_ledger(base, tmp_path)
    data = json.loads(keys_path_for(db).read_text("utf-8"))
    data["version"] = 2
    keys_path_for(db).write_text(json.dumps(data), "utf-8")
    code, out = run(capsys, "list", "enterprises", "--db", db)
    assert code == 2 and "升级" in out and "备份中恢复" in out


def test_bounds_hold_for_slots_written_and_read(tmp_path, monkeypatch):
    """The environment's cost for tests is clamped into the bounds too, and a bounded
    file written by this program loads and unlocks as before."""
    from shengui_desktop.storage import keyslots

    monkeypatch.setenv("SHENGUI_KDF_MEMORY_KIB", str(2 ** 40))
    monkeypatch.setenv("SHENGUI_KDF_TIME_COST", "1000000000")
    params = keyslots.KdfParams.default()
    assert params.memory_kib == keyslots.MAX_MEMORY_KIB
    assert params.memory_kib * params.time_cost <= keyslots.MAX_KDF_WORK
    path = tmp_path / "x.keys"
    slots = KeySlots.new(path)
    key = os.urandom(32)
    slots.set_password("admin", "long-password", key, keyslots.KdfParams(8192, 1, 1))
    slots.save()
    assert KeySlots.load(path).unlock_password("long-password") == ("admin", key)


# -- what sync import reads -----------------------------------------------------------------------

def test_sync_import_reads_regular_files_only(base, tmp_path, env, capsys):
    db = copy_ledger(base, tmp_path / "ledger")
    before = digest(tmp_path / "ledger")
    folder = tmp_path / "usb" / "收件"
    folder.mkdir(parents=True)
    code, out = run(capsys, "sync", "import", "--db", db, folder)
    assert code == 5 and "这是文件夹" in out and "损坏" not in out
    fifo = tmp_path / "usb" / "pipe.sgpkg"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    code, out = run(capsys, "sync", "import", "--db", db, fifo)
    assert code == 5 and "不是普通文件" in out
    code, out = run(capsys, "sync", "import", "--db", db, "/dev/zero")  # endless zeros
    assert code == 5 and "不是普通文件" in out
    link = tmp_path / "usb" / "link.sgpkg"
    link.symlink_to("/dev/zero")
    code, out = run(capsys, "sync", "import", "--db", db, link)
    assert code == 5 and "链接" in out
    good_link = tmp_path / "usb" / "good.sgpkg"
    good_link.symlink_to(db)  # a link to a regular file is refused too: it is not the file
    code, out = run(capsys, "sync", "import", "--db", db, good_link)
    assert code == 5 and "链接" in out
    assert digest(tmp_path / "ledger") == before


def test_a_package_above_the_format_limit_is_refused_unread(tmp_path, monkeypatch):
    from shengui_desktop.sync import package
    from shengui_desktop.sync.errors import PackageRejected

    big = tmp_path / "big.sgpkg"
    with open(big, "wb") as f:
        f.truncate(3 * 1024 ** 3)  # sparse: 3 GB on the file system, nothing on the disk
    with pytest.raises(PackageRejected) as refused:
        package.read(big)
    assert refused.value.reason == "oversized" and "上限" in str(refused.value)
    monkeypatch.setitem(package.LIMITS, "package_bytes", 100)
    small = tmp_path / "small.sgpkg"
    small.write_bytes(b"PK" + bytes(200))
    with pytest.raises(PackageRejected) as refused:
        package.read(small)
    assert refused.value.reason == "oversized"


def test_a_file_swapped_after_the_check_is_refused(tmp_path, monkeypatch):
    """Between the lstat and the open another file takes the name: the fstat sees it."""
    from shengui_desktop.sync import package
    from shengui_desktop.sync.errors import PackageRejected

    path = tmp_path / "p.sgpkg"
    path.write_bytes(b"PK\x05\x06" + bytes(18))
    other = tmp_path / "other"
    other.write_bytes(b"PK\x05\x06" + bytes(18))
    real_open = os.open

    def swapping_open(p, flags, *a):
        if Path(p) == path:
            os.replace(other, path)
        return real_open(p, flags, *a)

    monkeypatch.setattr(package.os, "open", swapping_open)
    with pytest.raises(PackageRejected) as refused:
        package.read(path)
    assert refused.value.reason == "changed"


# -- arguments ------------------------------------------------------------------------------------

def test_an_argument_that_is_not_utf8_gets_a_chinese_message(base, tmp_path, env, capsys):
    db = copy_ledger(base, tmp_path)
    bad = b"\xff\xfe\xe7\xa7".decode("utf-8", "surrogateescape")
    for argv in (["list", "enterprises", "--db", db, "--township", bad],
                 ["visit", "add", "--db", db, "--credit-code", "x", "--visitors", bad, "--summary", "s"],
                 ["list", "enterprises", "--db", str(db) + bad]):
        code, out = run(capsys, *argv)
        assert code == 2 and "无法识别的字符" in out and "\\xff\\xfe" in out, out


def test_a_passphrase_that_is_not_utf8_gets_a_chinese_message(base, tmp_path, monkeypatch, capsys):
    db = copy_ledger(base, tmp_path)
    monkeypatch.setenv("SHENGUI_PASSPHRASE", b"pass\xff\xfeword".decode("utf-8", "surrogateescape"))
    code, out = run(capsys, "list", "enterprises", "--db", db)
    assert code == 2 and "SHENGUI_PASSPHRASE" in out and "无法识别的字符" in out


def test_an_undecodable_argument_in_a_real_process(base, tmp_path):
    """The whole way: bytes from the shell, the interpreter's decoding, the message."""
    import subprocess
    import sys

    db = copy_ledger(base, tmp_path)
    env = {**os.environ, "SHENGUI_PASSPHRASE": PASS, "LC_ALL": "C.UTF-8"}
    done = subprocess.run([sys.executable, "-m", "shengui_desktop", "list", "enterprises", "--db", str(db),
                           "--township", b"\xff".decode("utf-8", "surrogateescape")],
                          capture_output=True, env=env, timeout=60)
    err = done.stderr.decode("utf-8")
    assert done.returncode == 2 and "无法识别的字符" in err and "Traceback" not in err


def test_package_files_are_written_private(tmp_path):
    from shengui_desktop.sync import package

    old = os.umask(0o022)
    try:
        written = package.write(tmp_path / "p.sgpkg", b"{}", "sig", b"payload")
    finally:
        os.umask(old)
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
