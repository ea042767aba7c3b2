"""`shengui init` and `shengui cert export`: setting up this office and handing out its certificate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import UserError
from .common import add_db, emit, environment_text, ledger_path, open_from_args, progress_printer, read_passphrase


def _starter_code() -> str:
    """The starter package's one-time code (or passphrase): SHENGUI_STARTER_CODE, or typed."""
    import getpass

    value = environment_text("SHENGUI_STARTER_CODE")
    if value:
        return value
    if not sys.stdin.isatty():
        raise UserError("需要初始码：请设置环境变量SHENGUI_STARTER_CODE，或在终端中运行以输入初始码。")
    return getpass.getpass("县里给的初始码（或初始包密码）：")


def cmd_init(args) -> int:
    from ..services.office import session
    from ..services.office.setup import set_up_office
    from ..services.office.site import this_site

    path = ledger_path(args)
    if args.from_starter:
        return _init_from_starter(args, path)
    missing = [f"--{n.replace('_', '-')}" for n in ("role", "name", "area_code") if not getattr(args, n)]
    if missing:
        raise UserError(f"新建台账需要{'、'.join(missing)}（或用 --from-starter 县里的初始包）。")
    password = read_passphrase("设置管理员密码：", confirm=True)
    made = set_up_office(path, role=args.role, name=args.name, area_code=args.area_code,
                         admin_user=args.admin, password=password,
                         county_certificate=Path(args.county_cert) if args.county_cert else None,
                         profile=args.profile)
    try:
        site = this_site(made.ledger)
    finally:
        session.close(made.ledger)
    recovery = made.recovery_code
    emit(args, {"ledger": str(path), "site_id": site["id"], "fingerprint": site["fingerprint"],
                "recovery_code": recovery},
         lambda: (f"已创建台账：{path}\n本单位密钥指纹：{site['fingerprint']}\n\n"
                  f"恢复码（只显示这一次，请打印或抄写后妥善保管）：\n    {recovery}\n"
                  "忘记密码时可用恢复码打开台账并重设密码。"))
    # The ledger exists and its recovery code is printed; a step after creation that failed
    # (e.g. an unknown --profile) is an error to fix with its own command.
    for problem in made.problems:
        print(f"错误：台账已创建，但：{problem}", file=sys.stderr)
    return 2 if made.problems else 0


def _init_from_starter(args, path: Path) -> int:
    """`init --from-starter FILE`: a township's ledger from the county's starter package."""
    from ..services.office import session, starter
    from ..services.office.site import this_site

    if args.role == "county" or args.name or args.area_code or args.county_cert or args.profile:
        raise UserError("--from-starter 不能与 --role、--name、--area-code、--county-cert、--profile 同用："
                        "单位、县级证书和政策配置都来自初始包。")
    preview = starter.preview_starter(Path(args.from_starter), _starter_code())
    print("初始包内容：\n" + "\n".join("  " + line for line in preview.lines()))
    password = read_passphrase("设置管理员密码：", confirm=True)
    made = starter.set_up_from_starter(path, preview, admin_user=args.admin, password=password,
                                       progress=progress_printer("从初始包建账"))
    try:
        site = this_site(made.ledger)
    finally:
        session.close(made.ledger)
    emit(args, {"ledger": str(path), "site_id": site["id"], "fingerprint": site["fingerprint"],
                "recovery_code": made.recovery_code, "notes": made.notes},
         lambda: (f"已创建台账：{path}\n" + "\n".join(made.notes) + f"\n本单位密钥指纹：{site['fingerprint']}\n\n"
                  f"恢复码（只显示这一次，请打印或抄写后妥善保管）：\n    {made.recovery_code}\n"
                  "忘记密码时可用恢复码打开台账并重设密码。"))
    return 0


def cmd_cert_export(args) -> int:
    from ..services import sync

    with open_from_args(args) as ledger:
        if not args.out:
            print(json.dumps(sync.certificate(ledger), ensure_ascii=False, indent=1))
            return 0
        try:
            cert = sync.export_certificate(ledger, Path(args.out))
        except OSError as e:
            raise UserError(f"无法写入“{args.out}”：{e.strerror or e}") from None
    print(f"已导出本单位证书：{args.out}（指纹 {cert.get('fingerprint')}）")
    return 0


def register(sub) -> None:
    """Add this group's subcommands to the top-level parser's subparsers."""
    p = sub.add_parser("init", help="新建加密台账和本单位密钥")
    add_db(p)
    p.add_argument("--role", choices=["township", "county"])
    p.add_argument("--name", help="单位名称，如 秀水镇")
    p.add_argument("--area-code", help="区划代码：乡镇9位，县6位")
    p.add_argument("--from-starter", metavar="FILE",
                   help="乡镇：用县里制作的初始包（.sgstart）建账（运行时输入初始码和管理员密码）")
    p.add_argument("--admin", default="admin", help="管理员用户名")
    p.add_argument("--county-cert", help="县级证书文件（乡镇台账）")
    p.add_argument("--profile", help="政策配置（县级台账）")
    p.set_defaults(func=cmd_init)

    cert = sub.add_parser("cert", help="本单位证书").add_subparsers(dest="cert_command", metavar="操作")
    p = cert.add_parser("export", help="导出本单位证书")
    add_db(p, json_flag=False)
    p.add_argument("--out")
    p.set_defaults(func=cmd_cert_export)
