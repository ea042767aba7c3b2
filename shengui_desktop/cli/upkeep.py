"""`shengui verify`, `shengui backup [list]`, `shengui restore`, `shengui passwd`: looking
after the ledger file."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UserError
from .common import (add_db, counted, emit, ledger_path, open_from_args, progress_printer,
                     read_new_passphrase, read_passphrase)


def cmd_verify(args) -> int:
    from ..services.office.session import RESTORE_ADVICE
    from ..services.office.upkeep import check_ledger

    with open_from_args(args) as ledger:
        result = check_ledger(ledger)
    problems, counts = result["problems"], result["counts"]
    # what to do, in the command line's words (a damaged ledger may not open in the window)
    result["advice"] = RESTORE_ADVICE if problems else ""
    emit(args, result,
         lambda: ("台账检查通过：" + counted(counts))
         if not problems else "台账检查发现问题：\n" + "\n".join(problems) + "\n" + RESTORE_ADVICE)
    return 0 if not problems else 4


def cmd_backup(args) -> int:
    from ..services.office import backups
    from ..services.office.upkeep import backup_ledger

    if args.action == "list":
        return cmd_backup_list(args)
    if args.action == "folder":
        return cmd_backup_folder(args)
    if args.path or args.default:
        raise UserError("PATH 和 --default 只用于 shengui backup folder。")
    with open_from_args(args) as ledger:
        if args.out:  # a file of the person's choosing, as before
            out = backup_ledger(ledger, Path(args.out))
        else:
            out = backups.make_backup(ledger, progress=progress_printer("备份")).path
    emit(args, {"backup": str(out)}, f"已备份（加密）到：{out}（密钥文件 {out}.keys 一并保存）")
    return 0


def cmd_backup_folder(args) -> int:
    """`shengui backup folder`: the folder now used; with PATH, set it; --default: back to
    the backups folder beside the ledger (an administrator's setting)."""
    from ..services.office import backups

    if args.path and args.default:
        raise UserError("请只给出文件夹路径或 --default 之一。")
    if not args.path and not args.default:
        state = backups.folder_state(ledger_path(args))
        emit(args, state, f"备份文件夹：{state['folder']}" + ("（默认）" if state["is_default"] else
                                                              f"（默认为：{state['default']}）"))
        return 0
    with open_from_args(args) as ledger:
        folder = backups.set_backup_folder(ledger, None if args.default else args.path)
        state = backups.folder_state(ledger.path)
    emit(args, state, f"备份文件夹已{'恢复为默认' if args.default else '设为'}：{folder}。此前的备份留在原处。")
    return 0


def cmd_backup_list(args) -> int:
    from ..services.office import backups

    path = ledger_path(args)
    found = backups.list_backups(path)
    folder = backups.backup_folder(path)
    emit(args, [b.as_dict() for b in found],
         lambda: "\n".join(f"{b.made_text}  {b.size_text:>8}  {b.kind_name}  {b.path}" for b in found)
         if found else f"还没有备份（备份文件夹：{folder}）。用 shengui backup 立即备份。")
    return 0


def _confirm(args, text: str) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise UserError("恢复会替换当前台账：请加 --yes 确认，或在终端中运行以确认。台账未作任何修改。")
    print(text, file=sys.stderr)
    if input("确认恢复？输入 yes 继续：").strip().lower() not in ("yes", "y", "是"):
        raise UserError("已取消，台账未作任何修改。")


def cmd_restore(args) -> int:
    from ..services.office import backups, session

    path, source = ledger_path(args), Path(args.file)
    if not source.is_file():
        raise UserError(f"找不到备份文件“{source}”。")
    if not path.exists():  # a new computer, a lost ledger: put the backup in its place
        backups.install_backup(path, source)
        emit(args, {"ledger": str(path), "backup": str(source)},
             f"已把备份“{source.name}”恢复为台账：{path}\n请用备份时的用户和密码打开。")
        return 0
    ledger = open_from_args(args)
    try:
        _confirm(args, backups.confirm_text(path, backups.describe(source), ledger))
        done = backups.restore_backup(ledger, source, progress=progress_printer("恢复"))
    except BaseException:
        session.close(ledger)
        raise
    session.close(done.ledger)
    emit(args, {"ledger": str(path), "backup": str(done.source.path), "kept": str(done.kept.path)},
         done.message)
    return 0


def cmd_passwd(args) -> int:
    from ..services.office import session

    path = ledger_path(args)
    old = read_passphrase("原密码：")
    new = read_new_passphrase()
    session.change_password(path, args.user or "admin", old, new)
    print("密码已修改。台账未重新加密，其他用户和恢复码不受影响。")
    return 0


def register(sub) -> None:
    """Add this group's subcommands to the top-level parser's subparsers."""
    p = sub.add_parser("verify", help="检查台账完整性")
    add_db(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("backup", help="加密备份（默认存入备份文件夹）；backup list 列出备份；"
                                      "backup folder [PATH|--default] 查看或设置备份文件夹")
    add_db(p)
    p.add_argument("action", nargs="?", choices=["list", "folder"],
                   help="list：列出本台账的备份；folder：查看或设置备份文件夹")
    p.add_argument("path", nargs="?", metavar="PATH", help="folder：新的备份文件夹（完整路径）")
    p.add_argument("--default", action="store_true", help="folder：恢复默认（台账旁的backups文件夹）")
    p.add_argument("--out", help="备份到指定文件（默认存入台账旁的backups文件夹）")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="从备份恢复台账（当前台账先另存为备份）")
    add_db(p)
    p.add_argument("file", help="备份文件（.sgdb）")
    p.add_argument("--yes", action="store_true", help="不再询问，直接恢复")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("passwd", help="修改密码（新密码取自SHENGUI_NEW_PASSPHRASE或提示输入）")
    add_db(p, json_flag=False)
    p.set_defaults(func=cmd_passwd)
