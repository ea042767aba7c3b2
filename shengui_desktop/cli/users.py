"""`shengui user list|add|disable|enable|role|reset-password`: the people who may open this
ledger. The one who runs the command signs in as usual (--user, SHENGUI_PASSPHRASE or a
prompt, or SHENGUI_RECOVERY_CODE) and must be an administrator to change anyone; a password
being set comes from SHENGUI_NEW_PASSPHRASE or a prompt, never from an argument."""

from __future__ import annotations

from .common import add_db, emit, open_from_args, read_new_passphrase


def _line(user) -> str:
    state = "" if user.active else "  （已停用）"
    shown = f"（{user.display_name}）" if user.display_name != user.username else ""
    return f"{user.username}{shown}  {user.role_name}{state}"


def cmd_list(args) -> int:
    from ..services.office import users

    with open_from_args(args) as ledger:
        found = users.list_users(ledger)
    emit(args, [u.as_dict() for u in found], lambda: "\n".join(_line(u) for u in found))
    return 0


def cmd_add(args) -> int:
    from ..services.office import users

    with open_from_args(args) as ledger:
        users.require_admin(ledger)  # before asking for the new user's password
        roles = users.roles(ledger)
        role = users.parse_role(ledger, args.role) if args.role else next(iter(roles))
        password = read_new_passphrase(f"用户“{args.name}”的密码：")
        user = users.add_user(ledger, args.name, password, role=role, display_name=args.display_name)
    emit(args, user.as_dict(), f"已添加用户：{_line(user)}")
    return 0


def cmd_disable(args) -> int:
    from ..services.office import users

    with open_from_args(args) as ledger:
        user = users.disable_user(ledger, args.name)
    emit(args, user.as_dict(), f"已停用用户“{user.username}”：其密码不再能打开台账。")
    return 0


def cmd_enable(args) -> int:
    from ..services.office import users

    with open_from_args(args) as ledger:
        users.require_admin(ledger)
        password = read_new_passphrase(f"用户“{args.name}”的新密码：")
        user = users.enable_user(ledger, args.name, password)
    emit(args, user.as_dict(), f"已启用用户“{user.username}”，并设置了新密码。")
    return 0


def cmd_role(args) -> int:
    from ..services.office import users

    with open_from_args(args) as ledger:
        user = users.set_role(ledger, args.name, args.role)
    emit(args, user.as_dict(), f"用户“{user.username}”的角色已改为{user.role_name}。")
    return 0


def cmd_reset_password(args) -> int:
    from ..services.office import users

    with open_from_args(args) as ledger:
        users.require_admin(ledger, "重设他人的密码")
        password = read_new_passphrase(f"用户“{args.name}”的新密码：")
        users.reset_password(ledger, args.name, password)
    print(f"已为用户“{args.name}”设置新密码。台账未重新加密，其他用户不受影响。")
    return 0


def register(sub) -> None:
    """Add this group's subcommands to the top-level parser's subparsers."""
    group = sub.add_parser("user", help="用户：列表、添加、停用、启用、角色、重设密码")
    ops = group.add_subparsers(dest="user_command", metavar="操作")
    group.set_defaults(func=lambda _args: (group.print_help(), 2)[1])
    roles = "角色：乡镇填报员、乡镇管理员（乡镇台账），县级查看、县级管理员（县级台账）"

    p = ops.add_parser("list", help="列出用户")
    add_db(p)
    p.set_defaults(func=cmd_list)

    p = ops.add_parser("add", help="添加用户（密码取自SHENGUI_NEW_PASSPHRASE或提示输入）")
    add_db(p)
    p.add_argument("name", help="新用户的用户名")
    p.add_argument("--role", help=roles + "；默认乡镇填报员或县级查看")
    p.add_argument("--display-name", help="姓名（默认同用户名）")
    p.set_defaults(func=cmd_add)

    p = ops.add_parser("disable", help="停用用户（其密码不再能打开台账）")
    add_db(p)
    p.add_argument("name")
    p.set_defaults(func=cmd_disable)

    p = ops.add_parser("enable", help="重新启用用户并设置新密码")
    add_db(p)
    p.add_argument("name")
    p.set_defaults(func=cmd_enable)

    p = ops.add_parser("role", help="更改用户角色")
    add_db(p)
    p.add_argument("name")
    p.add_argument("role", help=roles)
    p.set_defaults(func=cmd_role)

    p = ops.add_parser("reset-password", help="管理员为用户设置新密码")
    add_db(p, json_flag=False)
    p.add_argument("name")
    p.set_defaults(func=cmd_reset_password)
