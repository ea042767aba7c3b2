"""The `shengui` parser and entry point: the top-level options, the window as the default
command, and the command groups, each a module of this package with `register(subparsers)`.

Errors go to stderr in Chinese with a non-zero exit code: 2 for what the user can fix (3 a
wrong password, 4 a damaged ledger, 5 a refused sync package), 130 when interrupted. When the reader of the output goes
away early (`shengui list enterprises --json | head -1`) the command stops quietly with 141,
the status a shell reports for `cat` or `grep` ended by SIGPIPE: no message, no traceback, and a
script under `set -o pipefail` still sees that the output was not all read.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import UserError, os_error_message
from . import (claim, excel, forms, ledger, monitor, office, policy, project, report, scale_period, sync,
               townships, upkeep, users)

# In this order in `shengui --help`.
GROUPS = (office, users, ledger, townships, upkeep, policy, monitor, project, claim, scale_period, sync, excel,
          forms, report)


def cmd_gui(args) -> int:
    from . import preflight

    # before Qt is loaded: Qt meets a missing display or library with an abort and a core dump
    preflight.check()
    from ..ui.app import run  # the only place Qt is imported

    return run(ledger=Path(args.db) if getattr(args, "db", None) else None,
               demo=getattr(args, "demo", None))


# `--demo` alone asks which office to show; `--demo township|county` (or 乡镇|县级) says it.
DEMO_WORDS = {"ask": "ask", "township": "township", "乡镇": "township", "county": "county", "县级": "county", "县": "county"}
DEMO_HELP = "打开演示台账（不存在时自动生成）：township 乡镇，county 县级；不写则询问"


def demo_office(text: str) -> str:
    office = DEMO_WORDS.get(text.strip().lower())
    if office is None:
        raise argparse.ArgumentTypeError(f"“{text}”不是演示单位，请写 township（乡镇）或 county（县级）")
    return office


def add_demo_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", nargs="?", const="ask", type=demo_office, metavar="township|county",
                        help=DEMO_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shengui", description="小升规企业培育台账（离线版）")
    add_demo_option(parser)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="命令")

    p = sub.add_parser("gui", help="打开窗口")
    p.add_argument("--db")
    add_demo_option(p)
    p.set_defaults(func=cmd_gui)

    for group in GROUPS:
        group.register(sub)
    return parser


SIGPIPE_STATUS = 128 + 13  # what a shell reports for a program that SIGPIPE ended


def reader_gone() -> int:
    """The reader of stdout closed the pipe: stop quietly (Python's documentation, "Note on
    SIGPIPE"). Pointing stdout at devnull keeps the interpreter's flush at exit from failing
    again with "Exception ignored … BrokenPipeError"."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a file descriptor (captured in a test)
        pass
    return SIGPIPE_STATUS


def undecodable_argument(argv: list[str]) -> str | None:
    """The first argument that is not valid text (bytes the terminal's encoding could not
    decode reach Python as lone surrogates, which no file, SQL or print can take), shown
    with the bad bytes as \\xNN; None when all are fine."""
    for arg in argv:
        if any("\udc80" <= ch <= "\udcff" for ch in arg):
            return arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = None
    try:
        bad = undecodable_argument(sys.argv[1:] if argv is None else argv)
        if bad is not None:
            raise UserError(f"参数“{bad}”含有无法识别的字符（不是有效的UTF-8文字，可能是终端或文件名的编码不对），"
                            "请重新输入。")
        args = parser.parse_args(argv)  # --help writes to stdout too
        if not getattr(args, "func", None):
            args.func = cmd_gui
        code = args.func(args) or 0
        sys.stdout.flush()  # output to a pipe is buffered: a reader gone early shows up here
        return code
    except BrokenPipeError:
        return reader_gone()
    except UserError as e:
        print(f"错误：{e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:  # an output folder that does not exist, a full or protected disk
        print(f"错误：{os_error_message(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
    except Exception as e:
        # SQLite met a damaged page (or a busy, full or read-only disk) somewhere in the
        # command: one message here, not a try in every command (the transaction it was in
        # rolled back, so the ledger is as it was)
        from ..services.office.session import database_error, is_database_error
        from .common import ledger_path

        if not is_database_error(e):
            raise
        error = database_error(e, ledger_path(args) if args is not None else None)
        print(f"错误：{error}", file=sys.stderr)
        return error.exit_code
