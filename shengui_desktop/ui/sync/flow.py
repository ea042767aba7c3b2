"""What the sync page runs on a worker thread (no Qt here): export to a folder, import a
choice of files with the new offices a person accepted, and the Chinese summary of it.

New offices are accepted one at a time (the page shows one enrolment dialog per office, in
turn); then every good file -- from known offices and from each accepted one -- goes in one
call with every accepted fingerprint (the services enrol each office only with its own), so
the choice is imported in one transaction, and a file that cannot be meant for us is
imported on its own to get its refusal. When a call of several files is refused, its files
are imported one by one so every file gets its own line; should the services have kept
packages applied before the refusal, they come back as already imported and are reported as
imported now.

Two new offices claiming one office code are not offered for enrolment: one key per code
(SYNC.md property 7), a person has to find out by phone which one is real.

A file that claims an office code enrolled under another key (an impostor, or an office
that reinstalled) or that is signed by a revoked key is never offered for enrolment: it is
imported on its own to get its refusal, and the first kind comes back as an offer of the
deliberate re-keying (更换乡镇密钥), which runs through :func:`rekey`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ...errors import UserError
from ...progress import Cancelled
from ...services import sync

IMPORT_STAGES = {"verify": "正在校验", "merge": "正在合并变更"}
EXPORT_STAGES = {"select": "正在选取变更", "pack": "正在打包加密", "done": "已写出"}


@dataclass
class FileOutcome:
    path: Path
    result: object | None = None     # services' ImportResult when the file was imported
    refusal: str | None = None       # the Chinese reason when it was refused
    imported_now: bool = False       # applied by an earlier call of this same import
    reason: str | None = None        # the refusal's stable code (PackageRejected.reason)


@dataclass
class ImportOutcome:
    files: list[FileOutcome] = field(default_factory=list)
    # offices a person has to accept first: one dict per office (sender, fingerprint, files)
    needs_enrolment: list[dict] = field(default_factory=list)
    # refused files claiming an enrolled office's code under another key, one dict per
    # claiming office: `enrolled` (the site enrolled for the code), `sender`, `fingerprint`
    # (the key in the files), `files` -- what the 更换乡镇密钥 dialog needs
    rekey_offers: list[dict] = field(default_factory=list)

    def count(self, what: str) -> int:
        if what == "refused":
            return sum(1 for f in self.files if f.refusal)
        if what == "already":
            return sum(1 for f in self.files if f.result is not None and f.result.status == "already_imported"
                       and not f.imported_now)
        return sum(1 for f in self.files if f.result is not None and (f.result.status == "imported" or f.imported_now))

    def total(self, attr: str) -> int:
        return sum(getattr(f.result, attr) for f in self.files
                   if f.result is not None and f.result.status == "imported")

    @property
    def changed(self) -> bool:
        return any(f.result is not None and (f.result.status == "imported" or f.imported_now)
                   for f in self.files)


def export(ledger, out_dir: Path, *, full: bool, to: str | None, progress: Callable,
           cancelled: Callable[[], bool], written: list) -> list:
    """One package per peer (or for `to`); `written` receives each result as it is written,
    so a cancel between two peers still tells the user which files exist."""
    peers = [to] if to else [p["site_id"] for p in sync.sync_status(ledger)]
    if not peers:  # the service's own message says what is missing
        return sync.export_packages(ledger, out_dir, full=full)

    def report(stage, done, total):
        if stage in ("select", "pack") and cancelled():
            # before the package number is taken and the file written: nothing happened
            raise Cancelled("已取消导出。")
        progress(done, total, EXPORT_STAGES.get(stage, ""))

    for peer in peers:
        if cancelled():
            break
        written += sync.export_packages(ledger, out_dir, full=full, to=peer, progress=report)
    return list(written)


def import_files(ledger, paths: list[Path], accepted: dict[str, str], *, progress: Callable,
                 cancelled: Callable[[], bool]) -> ImportOutcome:
    """`accepted`: sender site id -> fingerprint a person confirmed in the enrolment dialog."""
    out = ImportOutcome()
    by_path = {Path(p): FileOutcome(Path(p)) for p in paths}
    infos: dict[Path, dict] = {}
    for p, outcome in by_path.items():
        try:
            infos[p] = sync.inspect_package(ledger, p)
        except UserError as e:
            outcome.refusal = str(e)
    unknown: dict[str, dict] = {}
    for p, info in list(infos.items()):
        sender = info["sender"]
        if not info["for_this_office"] or info["known_sender"] or info.get("by_starter") \
                or sender["site_id"] in accepted:
            continue  # known, set up from this county's starter package, or accepted
        if info["revoked"] or info["enrolled_as"]:
            continue  # refused on its own below: never a new office
        if info["certificate_problem"] or not info["fingerprint"]:
            by_path[p].refusal = (f"“{p.name}”来自未登记的单位“{sender['name']}”（{sender['area_code']}），"
                                  f"且包中的单位证书无效（{info['certificate_problem'] or '没有证书'}），"
                                  "无法登记，拒绝导入。")
            del infos[p]
            continue
        office = unknown.setdefault(sender["site_id"], {**info, "files": []})
        office["files"].append(p)
    for office in _claiming_one_code(unknown):
        for p in office["files"]:
            by_path[p].refusal = f"“{p.name}”未导入：" + office["refusal"]
            by_path[p].reason = "enrolled_other_key"
            del infos[p]
        del unknown[office["sender"]["site_id"]]
    if unknown:
        out.needs_enrolment = list(unknown.values())
        return out  # nothing applied until every new office is accepted or the user gives up

    together = [p for p, i in infos.items() if i["for_this_office"] and not i["enrolled_as"]
                and not i["revoked"] and (i["known_sender"] or i.get("by_starter")
                                              or i["sender"]["site_id"] in accepted)]
    groups: list[tuple[list[Path], list[str] | None]] = []
    if together:
        groups.append((together, list(accepted.values()) or None))
    groups += [([p], None) for p in infos if p not in together]

    def report(stage, done, total):
        progress(done, total, IMPORT_STAGES.get(stage, ""))

    for files, fingerprints in groups:
        files.sort(key=lambda p: (infos[p]["sender"]["site_id"], infos[p]["package_no"]))
        _import_group(ledger, files, fingerprints, infos, by_path, report, cancelled)
    out.files = [by_path[Path(p)] for p in paths]
    out.rekey_offers = _rekey_offers(out.files, infos)
    return out


def _claiming_one_code(unknown: dict[str, dict]) -> list[dict]:
    """New offices that claim the same office code as another new office among the files,
    each with the refusal its files get."""
    by_code: dict[str, list[dict]] = {}
    for office in unknown.values():
        by_code.setdefault(office["sender"]["area_code"], []).append(office)
    out = []
    for code, offices in by_code.items():
        if len(offices) < 2:
            continue
        named = "；".join(f"“{o['sender']['name']}”（指纹{o['fingerprint']}）" for o in offices)
        for office in offices:
            out.append({**office, "refusal": (
                f"所选文件中有{len(offices)}个不同的单位都声称是区划代码{code}（{named}）。一个区划代码只登记一把密钥，其中至少一个是冒充者"
                "或重装前的旧台账。请打电话核实哪一个是真的，只选择它的文件重新导入。")})
    return out


def _rekey_offers(files: list[FileOutcome], infos: dict[Path, dict]) -> list[dict]:
    offers: dict[str, dict] = {}
    for f in files:
        info = infos.get(f.path)
        if f.reason != "enrolled_other_key" or not info or not info["enrolled_as"] \
                or info["certificate_problem"] or not info["fingerprint"]:
            continue
        offer = offers.setdefault(info["sender"]["site_id"], {
            "enrolled": info["enrolled_as"], "sender": info["sender"],
            "fingerprint": info["fingerprint"], "files": []})
        offer["files"].append(f.path)
    return list(offers.values())


def rekey(ledger, offer: dict, fingerprint: str, *, progress: Callable,
          cancelled: Callable[[], bool]) -> list:
    """更换乡镇密钥 for one offer, with the fingerprint the person typed as it was heard."""
    def report(stage, done, total):
        progress(done, total, IMPORT_STAGES.get(stage, ""))
    return sync.rekey_site(ledger, list(offer["files"]), area_code=offer["enrolled"]["area_code"],
                           fingerprint=fingerprint, progress=report, cancel=cancelled)


def _import_group(ledger, files, fingerprints, infos, by_path, report, cancelled) -> None:
    try:
        results = sync.import_packages(ledger, files, accept_fingerprint=fingerprints, progress=report,
                                       cancel=cancelled)
    except UserError as e:
        if cancelled():
            raise
        if len(files) == 1:
            by_path[files[0]].refusal = str(e)
            by_path[files[0]].reason = getattr(e, "reason", None)
            return
        for p in files:  # which one? each file on its own, in the same order
            _import_group(ledger, [p], fingerprints, infos, by_path, report, cancelled)
            o = by_path[p]
            if o.result is not None and o.result.status == "already_imported" \
                    and not infos[p]["already_imported"]:
                o.imported_now = True
        return
    for r in results:
        by_path[Path(r.path)].result = r


def summary(outcome: ImportOutcome, when: str) -> str:
    """The Chinese report under the import button (one line per file)."""
    lines = [f"导入结果（{when}）：共{len(outcome.files)}个文件，导入{outcome.count('imported')}个，"
             f"此前已导入{outcome.count('already')}个，拒绝{outcome.count('refused')}个。"]
    if outcome.changed:
        conflicts, dups = outcome.total("conflicts"), outcome.total("duplicates")
        text = f"新变更共{outcome.total('new_entries'):,}条"
        if conflicts:
            text += f"；冲突{conflicts}处，请到“冲突”页确认"
        if dups:
            text += f"；疑似重复企业{dups}组，请到“疑似重复”页处理"
        lines.append(text + "。")
    for offer in outcome.rekey_offers:
        name = offer["enrolled"]["name"]
        button = "乡镇" if offer["enrolled"]["role"] == "township" else "县级"
        lines.append(f"如经电话核实，确是{name}重装了电脑（原密钥已丢失），请点“更换{button}密钥…”，"
                     "逐组核对指纹后更换；否则不要理会这些文件。")
    for f in outcome.files:
        if f.refusal:
            lines.append("✗ " + f.refusal)
        elif f.imported_now:
            lines.append(f"✓ “{f.path.name}”已在本次导入（与同批的包一并导入）。")
        elif f.result is not None:
            mark = "·" if f.result.status == "already_imported" else "✓"
            parts = f.result.message.split("\n")
            if f.result.status == "imported" and f.result.counts:
                counts = "，".join(f"{sync.table_label(t)}{n:,}条" for t, n in sorted(f.result.counts.items()))
                done = next((i for i, t in enumerate(parts) if "导入完成" in t), len(parts) - 1)
                parts[done] = parts[done].rstrip("。") + f"（{counts}）。"
            lines.append(f"{mark} " + "\n    ".join(parts))
    return "\n".join(lines)
