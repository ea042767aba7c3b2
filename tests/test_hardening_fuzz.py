"""Issue 19, item 4: a fuzz over corrupt ledgers, key files and packages.

Each example damages a copy of a real file (bits flipped, bytes overwritten, zeroed pages, a
cut-off end; a key file's JSON edited or its bytes mutated; a package's bytes mutated) and runs
a command on it through `shengui`'s main(). The assertions: no exception escapes (that would
be the traceback a person sees), a refusal is a Chinese message, and the ledger and its key
file are byte for byte as they were. Bounded for CI; `-m slow` runs many more examples.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PASSWORD
from shengui_desktop.cli import main
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.services import sync as sync_service
from sync_helpers import CODES, build_template

PAGE = 4096
FAST = settings(max_examples=20, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SLOW = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# read-only commands (and a backup to elsewhere): whatever they do, the ledger must not change
READ_COMMANDS = (
    ["verify"], ["list", "enterprises"], ["townships", "list"], ["user", "list"],
    ["targets", "--year", "2026"], ["conflicts", "list"], ["duplicates", "list"],
)


def only_with_slow(request) -> None:
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("long fuzz run: pytest -m slow")


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def digest(*paths: Path) -> list[str | None]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None for p in paths]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The sync template (county + two townships, enrolled) and one package from 秀水镇 to
    the county, all closed files."""
    folder = tmp_path_factory.mktemp("fuzz")
    template = build_template(folder / "template")
    work = folder / "sender"
    work.mkdir()
    for suffix in ("", ".keys"):
        shutil.copy(str(template["A"]) + suffix, str(work / template["A"].name) + suffix)
    with open_ledger(work / template["A"].name, passphrase=PASSWORD, user="admin") as a:
        ent = a.scalar("SELECT id FROM enterprises ORDER BY credit_code LIMIT 1")
        a.update("enterprises", ent, {"address": "秀水镇新街1号"})
        a.insert("visits", {"enterprise_id": ent, "visit_date": "2026-11-02", "visitors": "李四",
                            "summary": "走访"})
        pkg = sync_service.export_packages(a, folder / "usb", to="140322")[0].path
    return {"county": template["C"], "package": pkg, "township_code": CODES["A"]}


def audit_entries(db: Path) -> list[tuple[str, str]]:
    with open_ledger(db, passphrase=PASSWORD) as ledger:
        return ledger.conn.execute("SELECT action, detail FROM audit_log ORDER BY id").fetchall()


def assert_left_as_it_was(files, db: Path, before: list, code: int, context) -> None:
    """A command that failed (the damage found, a key file refused) changed neither file.
    One that worked (the damage in a page it never read, or none) left the key file as it was
    and changed the ledger by one audit entry at most, the unlock it records
    (services/office/audit.py: written when the session ends well; not where the damage
    keeps that write from the log, which the next 检查 names)."""
    if code or digest(db) == before[:1]:
        assert digest(db, keys_path_for(db)) == before, context
        return
    assert digest(keys_path_for(db)) == before[1:], context
    assert audit_entries(db) == audit_entries_of(files) + [("解锁", "用密码解锁")], context


_TEMPLATE_AUDIT: dict = {}


def audit_entries_of(files) -> list[tuple[str, str]]:
    """The audit entries of the undamaged county (read from a copy: reading writes none)."""
    if "county" not in _TEMPLATE_AUDIT:
        with tempfile.TemporaryDirectory() as tmp:
            _TEMPLATE_AUDIT["county"] = audit_entries(copy_county(files, Path(tmp)))
    return _TEMPLATE_AUDIT["county"]


def copy_county(files, folder: Path) -> Path:
    db = folder / files["county"].name
    shutil.copy(files["county"], db)
    shutil.copy(keys_path_for(files["county"]), keys_path_for(db))
    return db


def run(monkeypatch, capsys, argv: list) -> tuple[int, str]:
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:  # argparse: a usage error is a message, not a traceback
        code = e.code
    out, err = capsys.readouterr()
    return code, out + err


# -- mutations ------------------------------------------------------------------------------------

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10 ** 9), st.integers(0, 7)),
    st.tuples(st.just("write"), st.integers(0, 10 ** 9), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("zero"), st.integers(0, 10 ** 9), st.integers(1, 2 * PAGE)),
    st.tuples(st.just("truncate"), st.integers(0, 10 ** 9), st.just(0)),
)


def mutate(data: bytes, steps) -> bytes:
    out = bytearray(data)
    for kind, where, arg in steps:
        if not out:
            break
        at = where % len(out)
        if kind == "flip":
            out[at] ^= 1 << arg
        elif kind == "write":
            out[at:at + len(arg)] = arg
        elif kind == "zero":
            out[at:at + arg] = bytes(min(arg, len(out) - at))
        else:
            del out[at:]
    return bytes(out)


def check_ledger_damage(files, monkeypatch, capsys, steps, command):
    with tempfile.TemporaryDirectory() as tmp:
        db = copy_county(files, Path(tmp))
        damaged = mutate(db.read_bytes(), steps)
        db.write_bytes(damaged)
        before = digest(db, keys_path_for(db))
        code, out = run(monkeypatch, capsys, [*command, "--db", db])
        assert code in (0, 2, 4), (steps, command, out)
        if code:
            assert has_chinese(out), (steps, command, out)
            if damaged != files["county"].read_bytes():
                assert "损坏" in out or "不是本程序的台账" in out or "不匹配" in out, (steps, command, out)
        assert_left_as_it_was(files, db, before, code, (steps, command))


@FAST
@given(steps=st.lists(mutation, min_size=1, max_size=4), command=st.sampled_from(READ_COMMANDS))
def test_fuzz_corrupt_ledgers(files, monkeypatch, capsys, steps, command):
    check_ledger_damage(files, monkeypatch, capsys, steps, command)


@pytest.mark.slow
@SLOW
@given(steps=st.lists(mutation, min_size=1, max_size=8), command=st.sampled_from(READ_COMMANDS))
def test_fuzz_corrupt_ledgers_long(files, monkeypatch, capsys, request, steps, command):
    only_with_slow(request)
    check_ledger_damage(files, monkeypatch, capsys, steps, command)


# -- key files ------------------------------------------------------------------------------------

json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 64, 2 ** 64) | st.floats(allow_nan=False)
    | st.text(max_size=20) | st.sampled_from([0, -1, 2 ** 40, 10 ** 9, 1e9, "argon2id", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)

# where in the key file an edit lands: a top-level field, or a field of the first slot or its KDF
KEY_PATHS = [("format",), ("version",), ("ledger_uuid",), ("slots",), ("disabled",),
             ("slots", 0), ("slots", 0, "kdf"), ("slots", 0, "nonce"), ("slots", 0, "wrapped_key"),
             ("slots", 0, "user"), ("slots", 0, "kind"), ("slots", 0, "id"),
             ("slots", 0, "kdf", "memory_kib"), ("slots", 0, "kdf", "time_cost"),
             ("slots", 0, "kdf", "parallelism"), ("slots", 0, "kdf", "salt"), ("slots", 0, "kdf", "name")]


def edit_json(data, path, value, delete: bool):
    data = json.loads(json.dumps(data))
    target = data
    for key in path[:-1]:
        target = target[key]
    if delete:
        if isinstance(target, dict):
            target.pop(path[-1], None)
        else:
            del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


def check_keys_damage(files, monkeypatch, capsys, content: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        db = copy_county(files, Path(tmp))
        keys_path_for(db).write_bytes(content)
        before = digest(db, keys_path_for(db))
        code, out = run(monkeypatch, capsys, ["list", "enterprises", "--db", db])
        # 3: an edit inside the bounds of a slot this user's password opens changes the slot's
        # authenticated header, which no program can tell from a wrong password
        assert code in (0, 2, 3, 4), out
        if code:
            assert has_chinese(out), out
        if code == 4:
            assert "密钥文件" in out and "备份" in out, out
        assert_left_as_it_was(files, db, before, code, out)


@FAST
@given(path=st.sampled_from(KEY_PATHS), value=json_value, delete=st.booleans())
def test_fuzz_edited_key_files(files, monkeypatch, capsys, path, value, delete):
    good = json.loads(keys_path_for(files["county"]).read_text("utf-8"))
    check_keys_damage(files, monkeypatch, capsys, json.dumps(edit_json(good, path, value, delete)).encode())


@FAST
@given(steps=st.lists(mutation, min_size=1, max_size=4))
def test_fuzz_mutated_key_file_bytes(files, monkeypatch, capsys, steps):
    check_keys_damage(files, monkeypatch, capsys, mutate(keys_path_for(files["county"]).read_bytes(), steps))


@pytest.mark.slow
@SLOW
@given(path=st.sampled_from(KEY_PATHS), value=json_value, delete=st.booleans(),
       steps=st.lists(mutation, max_size=3))
def test_fuzz_key_files_long(files, monkeypatch, capsys, request, path, value, delete, steps):
    only_with_slow(request)
    good = json.loads(keys_path_for(files["county"]).read_text("utf-8"))
    content = json.dumps(edit_json(good, path, value, delete)).encode()
    check_keys_damage(files, monkeypatch, capsys, mutate(content, steps))


def test_a_key_file_of_another_ledger_says_which_files_and_the_way_out(files, monkeypatch, capsys):
    """The key file opens with the password but names another ledger (found by the long fuzz
    run): refused, nothing written, and the message names both files and the backup."""
    good = json.loads(keys_path_for(files["county"]).read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        db = copy_county(files, Path(tmp))
        keys_path_for(db).write_text(json.dumps(dict(good, ledger_uuid="0" * 32)), "utf-8")
        before = digest(db, keys_path_for(db))
        code, out = run(monkeypatch, capsys, ["list", "enterprises", "--db", db])
        assert code == 4 and digest(db, keys_path_for(db)) == before
        assert f"密钥文件“{keys_path_for(db).name}”与台账文件“{db.name}”不匹配" in out, out
        assert "备份" in out and ".keys" in out and "与密码无关" in out, out


# -- packages -------------------------------------------------------------------------------------

def check_package_damage(files, monkeypatch, capsys, steps):
    with tempfile.TemporaryDirectory() as tmp:
        db = copy_county(files, Path(tmp))
        pkg = Path(tmp) / "收到的.sgpkg"
        original = files["package"].read_bytes()
        damaged = mutate(original, steps)
        pkg.write_bytes(damaged)
        before = digest(db, keys_path_for(db))
        code, out = run(monkeypatch, capsys, ["sync", "import", "--db", db, pkg])
        assert code in (0, 2, 5), (steps, out)
        if code:
            assert has_chinese(out) and "拒绝" in out or "未作" in out or "不是" in out, (steps, out)
            assert digest(db, keys_path_for(db)) == before, steps
        else:  # a byte zip never reads (a timestamp, a comment): the signed content is intact
            assert "导入" in out


@FAST
@given(steps=st.lists(mutation, min_size=1, max_size=4))
def test_fuzz_corrupt_packages(files, monkeypatch, capsys, steps):
    check_package_damage(files, monkeypatch, capsys, steps)


@pytest.mark.slow
@SLOW
@given(steps=st.lists(mutation, min_size=1, max_size=8))
def test_fuzz_corrupt_packages_long(files, monkeypatch, capsys, request, steps):
    only_with_slow(request)
    check_package_damage(files, monkeypatch, capsys, steps)


def test_the_untouched_package_imports(files, monkeypatch, capsys, tmp_path):
    """The fuzz's starting point is a good package: refusals come from the damage."""
    db = copy_county(files, tmp_path)
    code, out = run(monkeypatch, capsys, ["sync", "import", "--db", db, files["package"]])
    assert code == 0, out
