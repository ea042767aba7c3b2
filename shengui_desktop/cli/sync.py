"""`shengui sync …`, `shengui conflicts …`, `shengui duplicates …`: thin wrappers over
services.sync."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import add_db, counted, emit, open_from_args, progress_printer


def cmd_sync_export(args) -> int:
    from ..services import sync

    with open_from_args(args) as ledger:
        results = sync.export_packages(ledger, Path(args.out), full=args.full, to=args.to,
                                       progress=progress_printer("导出同步包"))
    data = [{"file": str(r.path), "recipient": r.recipient, "package_no": r.package_no,
             "entries": r.entries, "counts": r.counts, "full": r.full, "notices": r.notices}
            for r in results]
    emit(args, data, lambda: "\n".join(
        f"已导出{'完整' if r.full else ''}同步包：{r.path}（发往{r.recipient}，第{r.package_no}号，"
        f"变更{r.entries}条）" + "".join("\n注意：" + n for n in r.notices) for r in results))
    return 0


def cmd_sync_import(args) -> int:
    from ..services import sync

    with open_from_args(args) as ledger:
        results = sync.import_packages(ledger, [Path(f) for f in args.files],
                                       accept_fingerprint=args.accept_new_site,
                                       progress=progress_printer("导入同步包"))
    emit(args, _import_data(results), lambda: "\n".join(r.message for r in results))
    return 0


def _import_data(results) -> list[dict]:
    return [{"file": str(r.path), "status": r.status, "package_id": r.package_id,
             "sender": r.sender, "package_no": r.package_no, "entries": r.entries,
             "new_entries": r.new_entries, "counts": r.counts, "conflicts": r.conflicts,
             "duplicates": r.duplicates, "gaps": r.gaps, "warnings": r.warnings,
             "enrolled": r.enrolled, "rekeyed": r.rekeyed} for r in results]


def cmd_sync_rekey(args) -> int:
    """`sync rekey`: replace the key enrolled for an office code (a reinstalled township,
    checked by phone); the old key is revoked."""
    from ..services import sync

    print("警告：" + sync.REKEY_WARNING, file=sys.stderr)
    with open_from_args(args) as ledger:
        results = sync.rekey_site(ledger, [Path(f) for f in args.files], area_code=args.area_code,
                                  fingerprint=args.fingerprint,
                                  progress=progress_printer("更换密钥并导入"))
    emit(args, _import_data(results), lambda: "\n".join(r.message for r in results))
    return 0


def _starter_passphrase(args) -> str | None:
    """The county's own passphrase for a starter package: from a file (its first line) or
    typed twice at a prompt; never an option's value (it would stay in the shell history)."""
    import getpass

    from ..errors import UserError

    if args.passphrase_file:
        try:
            lines = Path(args.passphrase_file).read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"无法读取口令文件“{args.passphrase_file}”：{getattr(e, 'strerror', None) or e}") from None
        return lines[0] if lines else ""
    if not args.ask_passphrase:
        return None
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("初始包密码（至少8个字符）：")
    if getpass.getpass("再次输入：") != first:
        raise UserError("两次输入的初始包密码不一致")
    return first


def cmd_sync_starter(args) -> int:
    """`sync starter`: the county's starter package for a new township (#21 item 5)."""
    from ..services.office import starter

    passphrase = _starter_passphrase(args)
    with open_from_args(args) as ledger:
        out = Path(args.out)
        if out.is_dir():
            out = out / starter.starter_file_name(ledger, args.township)
        made = starter.make_starter(ledger, args.township, out, passphrase=passphrase,
                                    progress=progress_printer("制作乡镇初始包"))
    data = {"file": str(made.path), "township": made.township, "area_code": made.area_code,
            "enterprises": made.enterprises, "profile": made.profile, "code": made.code}

    def text() -> str:
        lines = ["已制作乡镇初始包：", *("  " + line for line in made.lines())]
        if made.code:
            lines += ["", "初始码（只显示这一次，请抄写或打印后交给乡镇经办人，与文件分开交付）：",
                      f"    {made.code}"]
        else:
            lines += ["", "初始包用您设置的密码加密，请将密码另行告知乡镇经办人。"]
        lines.append("该乡镇用此包建账后发来的第一个同步包将自动登记其密钥（无需 --accept-new-site）。")
        return "\n".join(lines)

    emit(args, data, text)
    return 0


def cmd_conflicts_list(args) -> int:
    from ..services import sync

    with open_from_args(args) as ledger:
        if args.json:  # codes, for programs
            rows = sync.list_conflicts(ledger, None if args.all else "open")
        else:  # field names, values and outcomes in words
            rows = sync.review_conflicts(ledger, settled=args.all)
    if args.json:
        emit(args, rows)
    else:
        for c in rows:
            print(sync.describe_conflict(c))
        print(f"共{len(rows)}处冲突" + ("待确认" if not args.all else ""))
    return 0


def cmd_conflicts_resolve(args) -> int:
    from ..services import sync

    with open_from_args(args) as ledger:
        done = sync.resolve_conflict(ledger, args.id, args.keep)
    emit(args, done, "已处理冲突，所作决定会随下一个同步包发往对方。")
    return 0


def cmd_duplicates_list(args) -> int:
    from ..services import sync

    with open_from_args(args) as ledger:
        sync.find_duplicates(ledger)
        tasks = sync.list_duplicates(ledger)
    if args.json:
        emit(args, tasks)
    else:
        for t in tasks:
            print(f"[{t['id'][:8]}] 疑似重复：统一社会信用代码{t['credit_code']}")
            for e in t["enterprises"]:
                print(f"    {e['id']}  {e['name']}  {e['township_name'] or e['township_code']}"
                      f"  走访{e['visits']}次  月度数据{e['months']}个月")
        print(f"共{len(tasks)}组疑似重复")
    return 0


def cmd_duplicates_merge(args) -> int:
    from ..services import sync

    with open_from_args(args) as ledger:
        moved = sync.merge_duplicates(ledger, args.id, args.keep)
    emit(args, moved, "已合并，保留的企业记录不变，其余记录已并入；合并会随同步包发往相关乡镇。"
         + (f"（{counted(moved)}）" if moved else ""))
    return 0


def cmd_duplicates_dismiss(args) -> int:
    from ..services import sync

    with open_from_args(args) as ledger:
        sync.dismiss_duplicates(ledger, args.id)
    emit(args, {"dismissed": args.id}, "已标记为不是重复。")
    return 0


def cmd_cert_rotate(args) -> int:
    from ..services import sync

    with open_from_args(args) as ledger:
        cert = sync.rotate_keys(ledger)
    emit(args, cert, f"已更换本单位密钥，新指纹：{cert['fingerprint']}。"
         "对方导入本单位的下一个同步包时会自动更新（新密钥由原密钥签名确认）。")
    return 0


def _devices_text(rows: list[dict]) -> str:
    if not rows:
        return "还没有对方台账副本的记录（对方发来第一个同步包后才有）。"
    lines = []
    for d in rows:
        when = (d["last_package_at"] or "")[:16].replace("T", " ") or "—"
        held = f"，发往{d['office']}的同步包因它而重发最多{d['held_back']}条变更" if d["held_back"] else ""
        lines.append(f"{d['office']}（{d['area_code']}）  {d['device']}  编号{d['origin_id']}"
                     f"  最后同步包第{d['package_no']}号（{when}）{held}")
    lines.append("已废弃的台账副本可停用：shengui sync devices retire --township 乡镇 --device 设备编号")
    return "\n".join(lines)


def cmd_devices_list(args) -> int:
    """`sync devices list`: the copies of each office's ledger acknowledged apart."""
    from ..services import sync

    with open_from_args(args) as ledger:
        rows = sync.list_devices(ledger, args.township)
    emit(args, rows, lambda: _devices_text(rows))
    return 0


def cmd_devices_retire(args) -> int:
    """`sync devices retire`: stop waiting for an abandoned copy's acknowledgements, after
    the person confirms (or --yes)."""
    from ..errors import UserError
    from ..services import sync

    with open_from_args(args) as ledger:
        found = sync.find_device(ledger, args.township, args.device)
        if not args.yes:
            if not sys.stdin.isatty():
                raise UserError("停用设备需要确认：请加 --yes，或在终端中运行以确认。未作任何修改。")
            print(sync.retire_confirmation(found), file=sys.stderr)
            if input("确认停用？输入 yes 继续：").strip().lower() not in ("yes", "y", "是"):
                raise UserError("已取消，未作任何修改。")
        retired = sync.retire_device(ledger, args.township, args.device)
    emit(args, retired, f"已停用{retired['office']}的{retired['device']}：发往{retired['office']}的同步包"
         "不再为它重发变更。")
    return 0


def register(sub) -> None:
    """Add this area's subcommands to the top-level parser's subparsers."""
    sync = sub.add_parser("sync", help="同步包（U盘交换）").add_subparsers(dest="sync_command", metavar="操作")
    p = sync.add_parser("export", help="导出发给对方的同步包")
    add_db(p)
    p.add_argument("--out", required=True, help="输出目录（如U盘）")
    p.add_argument("--full", action="store_true", help="完整包（恢复用：包含对方应有的全部记录）")
    p.add_argument("--to", help="县级：只发给这个乡镇（区划代码或名称）；默认每个已登记乡镇一个包")
    p.set_defaults(func=cmd_sync_export)

    p = sync.add_parser("import", help="校验并合并同步包")
    add_db(p)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--accept-new-site", metavar="FINGERPRINT", action="append",
                   help="接受新单位：与对方电话核对后的密钥指纹；几个新单位各给一个（可重复）")
    p.set_defaults(func=cmd_sync_import)

    p = sync.add_parser("starter", help="县级：为新乡镇制作初始包（县级证书、乡镇名称代码、政策配置、企业）")
    add_db(p)
    p.add_argument("--township", required=True, help="乡镇的区划代码或名称（须在乡镇列表中）")
    p.add_argument("--out", required=True, help="初始包文件（.sgstart）或保存的文件夹")
    p.add_argument("--passphrase-file", metavar="FILE",
                   help="用县里自定的密码加密：密码在此文件的第一行（默认生成一次性初始码）")
    p.add_argument("--ask-passphrase", action="store_true",
                   help="用县里自定的密码加密：运行时输入（或从标准输入读一行）")
    p.set_defaults(func=cmd_sync_starter)

    p = sync.add_parser("rekey", help="更换已登记单位的密钥（对方重装电脑、原密钥丢失时；原密钥随即吊销）")
    add_db(p)
    p.add_argument("files", nargs="+", metavar="FILE", help="对方新台账导出的同步包")
    p.add_argument("--area-code", required=True, help="要更换密钥的单位的区划代码")
    p.add_argument("--fingerprint", required=True, metavar="FINGERPRINT",
                   help="对方在电话中读出的新密钥指纹（与包中的一致才会更换）")
    p.set_defaults(func=cmd_sync_rekey)

    devices = sync.add_parser("devices", help="对方台账的各个副本（设备）：列出、停用已废弃的副本").add_subparsers(
        dest="devices_command", metavar="操作")
    p = devices.add_parser("list", help="列出各单位台账的副本（设备）与因其重发的变更")
    add_db(p)
    p.add_argument("--township", help="只看该单位（区划代码或名称）")
    p.set_defaults(func=cmd_devices_list)
    p = devices.add_parser("retire", help="停用已废弃的台账副本：同步包不再为它重发变更")
    add_db(p)
    p.add_argument("--township", required=True, help="单位的区划代码或名称")
    p.add_argument("--device", required=True, help="设备编号（sync devices list 中的，至少前4位）")
    p.add_argument("--yes", action="store_true", help="不再询问，直接停用")
    p.set_defaults(func=cmd_devices_retire)

    p = sync.add_parser("rotate-keys", help="更换本单位密钥（新证书由原密钥签名）")
    add_db(p)
    p.set_defaults(func=cmd_cert_rotate)

    conflicts = sub.add_parser("conflicts", help="同步冲突").add_subparsers(dest="conflicts_command", metavar="操作")
    p = conflicts.add_parser("list", help="列出待确认的冲突")
    add_db(p)
    p.add_argument("--all", action="store_true", help="包括已处理的")
    p.set_defaults(func=cmd_conflicts_list)
    p = conflicts.add_parser("resolve", help="处理一个冲突")
    add_db(p)
    p.add_argument("id")
    p.add_argument("--keep", required=True, choices=["incoming", "local", "winner", "loser"])
    p.set_defaults(func=cmd_conflicts_resolve)

    dup = sub.add_parser("duplicates", help="疑似重复企业").add_subparsers(dest="duplicates_command", metavar="操作")
    p = dup.add_parser("list", help="列出疑似重复")
    add_db(p)
    p.set_defaults(func=cmd_duplicates_list)
    p = dup.add_parser("merge", help="合并：保留一家，其余并入")
    add_db(p)
    p.add_argument("id")
    p.add_argument("--keep", required=True, help="保留的企业编号")
    p.set_defaults(func=cmd_duplicates_merge)
    p = dup.add_parser("dismiss", help="不是重复")
    add_db(p)
    p.add_argument("id")
    p.set_defaults(func=cmd_duplicates_dismiss)
