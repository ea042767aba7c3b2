"""What every `shengui` command shares: the ledger options, opening the ledger, the
passphrase, printing text or JSON, a progress line on a terminal.

The passphrase comes from SHENGUI_PASSPHRASE or a prompt, never from an argument.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Callable

from ..errors import UserError
from ..paths import default_ledger_path


def ledger_path(args) -> Path:
    return Path(args.db) if getattr(args, "db", None) else default_ledger_path()


def environment_text(name: str) -> str | None:
    """An environment variable's text; one with bytes that are not UTF-8 (they reach Python
    as lone surrogates, which no key derivation can encode) is refused in Chinese."""
    value = os.environ.get(name)
    if value and any("\udc80" <= ch <= "\udcff" for ch in value):
        raise UserError(f"环境变量{name}含有无法识别的字符（不是有效的UTF-8文字），请重新设置。")
    return value


def read_passphrase(prompt: str = "密码：", *, confirm: bool = False) -> str:
    value = environment_text("SHENGUI_PASSPHRASE")
    if value:
        return value
    if not sys.stdin.isatty():
        raise UserError("需要密码：请设置环境变量SHENGUI_PASSPHRASE，或在终端中运行以输入密码。")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("再次输入密码：") != first:
        raise UserError("两次输入的密码不一致")
    return first


def read_new_passphrase(prompt: str = "新密码：") -> str:
    """A password being set: SHENGUI_NEW_PASSPHRASE, or typed twice at a prompt."""
    value = environment_text("SHENGUI_NEW_PASSPHRASE")
    if value:
        return value
    if not sys.stdin.isatty():
        raise UserError("需要新密码：请设置环境变量SHENGUI_NEW_PASSPHRASE，或在终端中运行。")
    first = getpass.getpass(prompt)
    if getpass.getpass("再次输入新密码：") != first:
        raise UserError("两次输入的密码不一致")
    return first


def open_from_args(args):
    from ..services.office import session

    def waiting(seconds: float, failures: int) -> None:
        print(f"已连续{failures}次密码错误，请等待{seconds:.0f}秒…", file=sys.stderr, flush=True)

    recovery = environment_text("SHENGUI_RECOVERY_CODE")
    path = ledger_path(args)
    if recovery:
        def attempt(take_over):
            return session.unlock(path, recovery_code=recovery, on_wait=waiting, take_over_lock=take_over)
    else:
        if not path.exists():
            raise UserError(f"找不到台账文件“{path}”。请用 --db 指定，或先运行 shengui init。")
        password = read_passphrase()

        def attempt(take_over):
            return session.unlock(path, password=password, user=getattr(args, "user", None),
                                  on_wait=waiting, take_over_lock=take_over)
    try:
        ledger = attempt(None)
    except session.LedgerInUse as e:
        if not (e.elsewhere and getattr(args, "take_over_lock", False)):
            raise
        if not confirm_take_over(e.holder):
            raise UserError("未接管台账锁，台账未打开。") from None
        ledger = attempt(e.holder)
    if session.failed_before(ledger):
        print(f"注意：{session.failures_message(session.failed_before(ledger))}", file=sys.stderr)
    if ledger.opened_notice:  # the ledger was copied to this computer (shown once)
        from ..services.sync import copy_notice

        print("注意：" + (copy_notice(ledger, clear=True) or ledger.opened_notice), file=sys.stderr)
    note = session.lock_note(ledger)
    if note:
        print(note, file=sys.stderr)
    return ledger


def emit(args, data, text: Callable[[], str] | str | None = None) -> None:
    if getattr(args, "json", False) or text is None:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(text() if callable(text) else text)


def counted(counts: dict[str, int]) -> str:
    """Rows per table with the tables' Chinese names (走访记录 213), for the plain-text
    outputs; --json keeps the table names."""
    from ..services.sync import table_label

    return "，".join(f"{table_label(table)} {n}" for table, n in counts.items())


def progress_printer(label: str) -> Callable[[str, int, int], None] | None:
    """A one-line progress bar on a terminal; silent when stderr is not one."""
    if not sys.stderr.isatty():
        return None

    def show(stage: str, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r{label} {stage:<16} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if total and done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


def count(what: str, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type for how many of something: a whole number from 1 (to `maximum`);
    anything else is refused, in Chinese, before the ledger is opened."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}应为正整数，“{text}”不是整数") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{what}应为正整数（至少为1），不能是{value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{what}最多为{maximum}，不能是{value}")
        return value
    return parse


def confirm_take_over(holder: dict) -> bool:
    """--take-over-lock: on a terminal the person answers y/N to the question naming the
    other computer's host, process and time, and the risk; without a terminal (a script)
    the flag itself is the decision, and the question is printed for the record."""
    from ..services.office import session

    question = session.takeover_question(holder)
    if not sys.stdin.isatty():
        print(question.replace("确定强制接管吗？", "已按 --take-over-lock 强制接管。"), file=sys.stderr)
        return True
    print(question, file=sys.stderr)
    try:
        answer = input("输入 y 强制接管，其他任意键取消 [y/N]：")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes", "是")


def add_db(p: argparse.ArgumentParser, json_flag: bool = True) -> None:
    p.add_argument("--db", help="台账文件路径（默认在用户数据目录）")
    p.add_argument("--user", help="用户名（默认尝试所有用户）")
    p.add_argument("--take-over-lock", action="store_true",
                   help="台账锁由另一台电脑持有（那台电脑异常退出）时强制接管（终端上会先确认；记入审计日志）")
    if json_flag:
        p.add_argument("--json", action="store_true", help="输出JSON")
