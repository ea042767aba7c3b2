"""`shengui verify`, `shengui backup`, `shengui passwd`: looking after the ledger file."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from ..errors import UserError
from .common import add_db, counted, emit, ledger_path, open_from_args, read_passphrase


def cmd_verify(args) -> int:
    from ..services.office.upkeep import check_ledger

    with open_from_args(args) as ledger:
        result = check_ledger(ledger)
    problems, counts = result["problems"], result["counts"]
    emit(args, result,
         lambda: ("台账检查通过：" + counted(counts))
         if not problems else "台账检查发现问题：\n" + "\n".join(problems))
    return 0 if not problems else 4


def cmd_backup(args) -> int:
    from ..services.office.upkeep import backup_ledger

    with open_from_args(args) as ledger:
        out = backup_ledger(ledger, Path(args.out))
    emit(args, {"backup": str(out)}, f"已备份（加密）到：{out}（密钥文件 {out}.keys 一并保存）")
    return 0


def cmd_passwd(args) -> int:
    from ..services.office import session

    path = ledger_path(args)
    old = read_passphrase("原密码：")
    new = os.environ.get("SHENGUI_NEW_PASSPHRASE")
    if not new:
        if not sys.stdin.isatty():
            raise UserError("需要新密码：请设置环境变量SHENGUI_NEW_PASSPHRASE，或在终端中运行。")
        new = getpass.getpass("新密码：")
        if getpass.getpass("再次输入新密码：") != new:
            raise UserError("两次输入的密码不一致")
    session.change_password(path, args.user or "admin", old, new)
    print("密码已修改。台账未重新加密，其他用户和恢复码不受影响。")
    return 0


def register(sub) -> None:
    """Add this group's subcommands to the top-level parser's subparsers."""
    p = sub.add_parser("verify", help="检查台账完整性")
    add_db(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("backup", help="加密备份")
    add_db(p)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("passwd", help="修改密码（新密码取自SHENGUI_NEW_PASSPHRASE或提示输入）")
    add_db(p, json_flag=False)
    p.set_defaults(func=cmd_passwd)
