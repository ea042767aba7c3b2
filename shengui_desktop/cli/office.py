"""`shengui init` and `shengui cert export`: setting up this office and handing out its certificate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import UserError
from .common import add_db, emit, ledger_path, open_from_args, read_passphrase


def cmd_init(args) -> int:
    from ..services.office import session
    from ..services.office.setup import set_up_office
    from ..services.office.site import this_site

    path = ledger_path(args)
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
    p.add_argument("--role", required=True, choices=["township", "county"])
    p.add_argument("--name", required=True, help="单位名称，如 秀水镇")
    p.add_argument("--area-code", required=True, help="区划代码：乡镇9位，县6位")
    p.add_argument("--admin", default="admin", help="管理员用户名")
    p.add_argument("--county-cert", help="县级证书文件（乡镇台账）")
    p.add_argument("--profile", help="政策配置（县级台账）")
    p.set_defaults(func=cmd_init)

    cert = sub.add_parser("cert", help="本单位证书").add_subparsers(dest="cert_command", metavar="操作")
    p = cert.add_parser("export", help="导出本单位证书")
    add_db(p, json_flag=False)
    p.add_argument("--out")
    p.set_defaults(func=cmd_cert_export)
