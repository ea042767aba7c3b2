"""The `shengui` command: thin wrappers that parse options and call services (no Qt).

The passphrase comes from SHENGUI_PASSPHRASE or a prompt, never from an argument. Errors go
to stderr in Chinese with a non-zero exit code. Command groups of other areas (sync, excel,
report, policy) register themselves through `register(subparsers)` in their module of this package.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Callable

from ..errors import UserError, os_error_message
from ..paths import default_ledger_path

COMMAND_MODULES = [f"shengui_desktop.cli.{area}" for area in ("policy", "sync", "excel", "report")]


# -- helpers shared by every command -------------------------------------------------------
def ledger_path(args) -> Path:
    return Path(args.db) if getattr(args, "db", None) else default_ledger_path()


def read_passphrase(prompt: str = "密码：", *, confirm: bool = False) -> str:
    value = os.environ.get("SHENGUI_PASSPHRASE")
    if value:
        return value
    if not sys.stdin.isatty():
        raise UserError("需要密码：请设置环境变量SHENGUI_PASSPHRASE，或在终端中运行以输入密码。")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("再次输入密码：") != first:
        raise UserError("两次输入的密码不一致")
    return first


def open_from_args(args):
    from ..services.office import session

    recovery = os.environ.get("SHENGUI_RECOVERY_CODE")
    if recovery:
        return session.unlock(ledger_path(args), recovery_code=recovery)
    path = ledger_path(args)
    if not path.exists():
        raise UserError(f"找不到台账文件“{path}”。请用 --db 指定，或先运行 shengui init。")
    return session.unlock(path, password=read_passphrase(), user=getattr(args, "user", None))


def emit(args, data, text: Callable[[], str] | str | None = None) -> None:
    if getattr(args, "json", False) or text is None:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(text() if callable(text) else text)


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


def add_db(p: argparse.ArgumentParser, json_flag: bool = True) -> None:
    p.add_argument("--db", help="台账文件路径（默认在用户数据目录）")
    p.add_argument("--user", help="用户名（默认尝试所有用户）")
    if json_flag:
        p.add_argument("--json", action="store_true", help="输出JSON")


# -- commands -------------------------------------------------------------------------------
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
    from ..sync import certificates

    with open_from_args(args) as ledger:
        if not args.out:
            print(json.dumps(certificates.export_certificate(ledger), ensure_ascii=False, indent=1))
            return 0
        try:
            cert = sync.export_certificate(ledger, Path(args.out))
        except OSError as e:
            raise UserError(f"无法写入“{args.out}”：{e.strerror or e}") from None
    print(f"已导出本单位证书：{args.out}（指纹 {cert.get('fingerprint')}）")
    return 0


def cmd_demo(args) -> int:
    from ..services.ledger.demo import generate

    with open_from_args(args) as ledger:
        if ledger.scalar("SELECT count(*) FROM enterprises"):
            raise UserError("台账中已有企业，演示数据只能填入空台账。")
        counts = generate(ledger, enterprises=args.enterprises, townships=args.townships,
                          seed=args.seed,
                          as_of=date.fromisoformat(args.as_of) if args.as_of else None,
                          progress=progress_printer("生成演示数据"))
    emit(args, counts, lambda: "已生成演示数据：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_visit_add(args) -> int:
    from ..domain.credit_code import normalise
    from ..services.ledger.enterprises import find_by_credit_code
    from ..services.ledger.visits import add_visit

    with open_from_args(args) as ledger:
        enterprise = find_by_credit_code(ledger, normalise(args.credit_code))
        if enterprise is None:
            raise UserError(f"台账中没有统一社会信用代码为{normalise(args.credit_code)}的企业")
        issues = []
        for text in args.issue or []:
            category, _, description = text.partition(":")
            if not description:
                category, description = "other", text
            issues.append({"category": category, "description": description,
                           "department_id": _department(ledger, args.department),
                           "deadline": args.deadline})
        visit_id, issue_ids = add_visit(ledger, enterprise["id"], {
            "visit_date": args.date or date.today().isoformat(), "visitors": args.visitors,
            "summary": args.summary, "demands": args.demands, "kind": args.kind}, issues)
    emit(args, {"visit_id": visit_id, "issue_ids": issue_ids},
         f"已记录对“{enterprise['name']}”的走访" + (f"，问题{len(issue_ids)}个" if issue_ids else ""))
    return 0


def _department(ledger, name):
    from ..services.ledger.reference import department_id
    return department_id(ledger, name) if name else None


def cmd_list_enterprises(args) -> int:
    from ..services.ledger.enterprises import list_enterprises

    with open_from_args(args) as ledger:
        rows = list_enterprises(ledger, township_code=args.township, pool=args.pool)
    if args.json:
        emit(args, rows)
    else:
        for r in rows:
            print(f"{r['credit_code']}  {r['name']}  {r['township_name'] or r['township_code']}  {r['pool']}")
        print(f"共{len(rows)}户")
    return 0


def cmd_verify(args) -> int:
    with open_from_args(args) as ledger:
        problems = ledger.verify()
        counts = {t: ledger.scalar(f"SELECT count(*) FROM {t}") for t in
                  ("enterprises", "monthly_figures", "visits", "issues", "change_log")}
    emit(args, {"ok": not problems, "problems": problems, "counts": counts},
         lambda: ("台账检查通过：" + "，".join(f"{k} {v}" for k, v in counts.items()))
         if not problems else "台账检查发现问题：\n" + "\n".join(problems))
    return 0 if not problems else 4


def cmd_backup(args) -> int:
    with open_from_args(args) as ledger:
        out = ledger.backup(Path(args.out))
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


def cmd_gui(args) -> int:
    from ..ui.app import run  # the only place Qt is imported

    return run(ledger=Path(args.db) if getattr(args, "db", None) else None,
               demo=getattr(args, "demo", False))


# -- parser ---------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shengui", description="小升规企业培育台账（离线版）")
    parser.add_argument("--demo", action="store_true", help="打开演示台账（不存在时自动生成）")
    parser.add_argument("--db", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="命令")

    p = sub.add_parser("gui", help="打开窗口")
    p.add_argument("--db")
    p.add_argument("--demo", action="store_true")
    p.set_defaults(func=cmd_gui)

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

    p = sub.add_parser("demo", help="在空台账中生成演示数据")
    add_db(p)
    p.add_argument("--enterprises", type=int, default=300)
    p.add_argument("--townships", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--as-of", help="以哪一天为“今天”生成（YYYY-MM-DD）")
    p.set_defaults(func=cmd_demo)

    visit = sub.add_parser("visit", help="走访记录").add_subparsers(dest="visit_command", metavar="操作")
    p = visit.add_parser("add", help="记录一次走访")
    add_db(p)
    p.add_argument("--credit-code", required=True)
    p.add_argument("--date")
    p.add_argument("--visitors", required=True)
    p.add_argument("--summary", required=True)
    p.add_argument("--demands")
    p.add_argument("--kind", default="onsite", choices=["onsite", "phone", "meeting"])
    p.add_argument("--issue", action="append", help="走访中提出的问题，可写“类别:描述”，可重复")
    p.add_argument("--department", help="问题的责任单位")
    p.add_argument("--deadline", help="问题办结时限 YYYY-MM-DD")
    p.set_defaults(func=cmd_visit_add)

    lst = sub.add_parser("list", help="列表").add_subparsers(dest="list_command", metavar="对象")
    p = lst.add_parser("enterprises", help="企业列表")
    add_db(p)
    p.add_argument("--township")
    p.add_argument("--pool")
    p.set_defaults(func=cmd_list_enterprises)

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

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        args.func = cmd_gui
    try:
        return args.func(args) or 0
    except UserError as e:
        print(f"错误：{e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:  # an output folder that does not exist, a full or protected disk
        print(f"错误：{os_error_message(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
