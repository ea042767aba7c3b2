"""Wrong passwords (#19 item 2): each one in a row makes the next unlock wait longer (1, 2, 4 …
seconds, at most 30), counted beside the ledger so that starting again does not reset it, and
the next successful unlock says how many there were (上次登录以来有3次密码错误). The clock and
the sleeper are injected: nothing here sleeps."""

from __future__ import annotations

import json

import pytest

from conftest import PASSWORD
from shengui_desktop.cli import main
from shengui_desktop.errors import WrongPassphrase
from shengui_desktop.services.office import session


class FakeTime:
    def __init__(self, start: float = 1_000_000.0):
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def fake(monkeypatch):
    t = FakeTime()
    monkeypatch.setattr(session, "clock", t.clock)
    monkeypatch.setattr(session, "sleep", t.sleep)
    return t


@pytest.fixture
def path(county):
    county.close()
    return county.path


def wrong(path, **kw):
    with pytest.raises(WrongPassphrase):
        session.unlock(path, password="wrong-password", user="admin", **kw)


def test_the_delay_doubles_and_is_capped():
    assert [session.delay_after(n) for n in range(0, 8)] == [0, 1, 2, 4, 8, 16, 30, 30]
    assert session.delay_after(10_000) == 30


def test_each_wrong_password_makes_the_next_attempt_wait_longer(path, fake):
    for _ in range(7):
        wrong(path)
    # the first attempt waited nothing, then 1, 2, 4, 8, 16, 30 seconds
    assert fake.slept == [1, 2, 4, 8, 16, 30]
    assert session.failed_attempts(path) == (7, fake.now)
    assert session.wait_seconds(path, fake.now) == 30
    fake.now += 12  # time spent reading the message counts
    assert session.wait_seconds(path, fake.now) == 18


def test_a_right_password_after_the_wait_says_how_many_were_wrong_and_resets(path, fake):
    for _ in range(3):
        wrong(path)
    ledger = session.unlock(path, password=PASSWORD, user="admin")
    try:
        assert fake.slept == [1, 2, 4]
        assert session.failed_before(ledger) == 3
        assert session.failures_message(3) == "上次登录以来有3次密码错误。"
    finally:
        ledger.close()
    assert not session.attempts_path(path).exists()
    again = session.unlock(path, password=PASSWORD, user="admin")  # no wait, nothing to report
    try:
        assert fake.slept == [1, 2, 4] and session.failed_before(again) == 0
    finally:
        again.close()


def test_waiting_is_not_reset_by_starting_the_program_again(path, fake):
    """The count is a file beside the ledger: a new process (here: a fresh read) still waits,
    even a right password; a wrong recovery code counts too."""
    wrong(path)
    wrong(path)
    with pytest.raises(WrongPassphrase):
        session.unlock(path, recovery_code="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")
    state = json.loads(session.attempts_path(path).read_text("utf-8"))
    assert state == {"failures": 3, "last_failure": fake.now}
    assert "password" not in session.attempts_path(path).read_text("utf-8")
    told = []
    ledger = session.unlock(path, password=PASSWORD, user="admin", on_wait=lambda s, n: told.append((s, n)))
    ledger.close()
    assert told == [(4, 3)] and fake.slept[-1] == 4


def test_a_clock_set_back_or_a_damaged_count_locks_nobody_out(path, fake):
    wrong(path)
    fake.now -= 86_400  # the PC's clock set back a day
    assert session.wait_seconds(path, fake.now) == 1
    session.attempts_path(path).write_text("{not json", "utf-8")
    assert session.failed_attempts(path) == (0, 0.0)
    session.unlock(path, password=PASSWORD, user="admin").close()


def test_injected_clock_and_sleeper_for_one_call(path):
    t = FakeTime(5.0)
    with pytest.raises(WrongPassphrase):
        session.unlock(path, password="wrong-password", now=t.clock, wait=t.sleep)
    with pytest.raises(WrongPassphrase):
        session.unlock(path, password="wrong-password", now=t.clock, wait=t.sleep)
    assert t.slept == [1]


def test_the_command_line_waits_and_reports_on_stderr(path, fake, monkeypatch, capsys):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", "wrong-password")
    for _ in range(3):
        assert main(["user", "list", "--db", str(path)]) != 0
    err = capsys.readouterr().err
    assert "已连续1次密码错误，请等待1秒" in err and "已连续2次密码错误，请等待2秒" in err
    assert "Traceback" not in err
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    assert main(["user", "list", "--db", str(path)]) == 0
    captured = capsys.readouterr()
    assert "上次登录以来有3次密码错误" in captured.err and "admin" in captured.out
    assert main(["user", "list", "--db", str(path)]) == 0
    assert "密码错误" not in capsys.readouterr().err
