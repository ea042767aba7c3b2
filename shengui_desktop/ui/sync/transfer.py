"""The 同步 tab: this office's certificate fingerprint, the state per peer, and the two
actions that move packages (export to a folder such as a USB stick, import chosen files)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel,
                               QMessageBox, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from ...errors import UserError
from ...services.office import site
from ...services import sync
from ...services.office.setup import ROLES
from ..common import Column, DictTableModel, make_table, show_error
from ..jobs import run_with_progress
from . import flow
from .devices import DevicesDialog
from .packages import PackagesDialog
from .enrol import EnrolDialog
from .fingerprint import FingerprintView
from .rekey import RekeyDialog

LAST_DIR = "sync/last_dir"


def _numbers(values: list[int]) -> str:
    return "无" if not values else "第" + "、".join(map(str, values[:10])) + ("…" if len(values) > 10 else "") + "号"


class TransferTab(QWidget):
    def __init__(self, page):
        super().__init__()
        self.page = page
        self.main = page.main
        self.me = site.this_site(self.main.ledger)
        self.enrol_dialog: EnrolDialog | None = None
        self.rekey_dialog: RekeyDialog | None = None
        # refused files that claim an enrolled office's code under another key (flow)
        self.rekey_offers: list[dict] = []
        self.busy = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._certificate_box())
        layout.addWidget(self._status_box(), 1)
        layout.addLayout(self._actions())
        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setPlaceholderText("导出或导入的结果显示在这里。")
        box = QGroupBox("结果")
        QVBoxLayout(box).addWidget(self.result)
        layout.addWidget(box, 1)

    # -- layout ------------------------------------------------------------------------
    def _certificate_box(self) -> QGroupBox:
        me = self.me
        box = QGroupBox("本机证书指纹（对方登记本单位时，请在电话中逐组读出）")
        row = QHBoxLayout(box)
        who = QLabel(f"{me['name']}\n{ROLES.get(me['role'], me['role'])}\n区划代码 {me['area_code']}")
        who.setStyleSheet("font-size: 14px;")
        self.own_fingerprint = FingerprintView(me["fingerprint"])
        self.cert_button = QPushButton("导出证书…")
        self.cert_button.setToolTip("写出本单位证书文件（县级证书在乡镇初始化时使用）")
        self.cert_button.clicked.connect(self.export_certificate)
        self.rotate_button = QPushButton("更换密钥…")
        self.rotate_button.setToolTip("怀疑本机密钥泄露（如电脑或U盘丢失）时使用")
        self.rotate_button.clicked.connect(self.rotate_keys)
        buttons = QVBoxLayout()
        buttons.addWidget(self.cert_button)
        buttons.addWidget(self.rotate_button)
        row.addWidget(who)
        row.addSpacing(24)
        row.addWidget(self.own_fingerprint)
        row.addStretch(1)
        row.addLayout(buttons)
        return box

    def _status_box(self) -> QGroupBox:
        box = QGroupBox("同步状态")
        col = QVBoxLayout(box)
        self.peers = DictTableModel([
            Column("name", "对方单位", width=120),
            Column("area_code", "区划代码", width=100),
            Column("sent", "已发出至", lambda v: f"第{v}号包" if v else "未发出", width=90),
            Column("received", "已收到至", lambda v: f"第{v}号包" if v else "未收到", width=90),
            Column("gaps", "缺少的包", _numbers, width=110),
            Column("fingerprint", "已登记的密钥指纹"),
        ], self)
        no_peer = ("尚未导入县级证书，无法同步：请县级提供证书文件，在设置本乡镇台账时导入"
                   if self.me["role"] == "township"
                   else "尚未登记乡镇：点“导入同步包…”导入乡镇的第一个同步包时登记")
        self.peer_table = make_table(self.peers, empty=no_peer)
        self.peer_table.setMinimumHeight(90)
        self.counts = QLabel("")
        col.addWidget(self.peer_table)
        col.addWidget(self.counts)
        return box

    def _actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.export_button = QPushButton("导出同步包…")
        self.import_button = QPushButton("导入同步包…")
        # the file names have codes only: this list shows each file's offices by name
        self.stick_button = QPushButton("U盘中的同步包…")
        self.stick_button.setToolTip("列出文件夹（U盘）中的同步包：发件、收件单位名称读自包内的签名清单，可选择导入")
        self.stick_button.clicked.connect(self.show_packages)
        for b in (self.export_button, self.import_button):
            b.setMinimumHeight(34)
            b.setStyleSheet("font-size: 14px; padding: 0 16px;")
        self.full = QCheckBox("完整包（恢复用）")
        self.full.setToolTip("包含对方应有的全部记录，用于对方台账丢失后的恢复；平时不必勾选")
        self.to = QComboBox()
        self.to.addItem("全部已登记乡镇", None)
        self.to.setVisible(self.me["role"] == "county")
        self.export_button.clicked.connect(self.export_clicked)
        self.import_button.clicked.connect(self.import_clicked)
        # shown only after an import refused a package that claims an enrolled office's code
        self.rekey_button = QPushButton("更换乡镇密钥…" if self.me["role"] == "county" else "更换县级密钥…")
        self.rekey_button.setToolTip("导入的同步包声称来自已登记的单位却用另一把密钥签名时使用："
                                     "对方重装电脑、原密钥丢失，经电话核对指纹后更换")
        self.rekey_button.setVisible(False)
        self.rekey_button.clicked.connect(self.rekey_clicked)
        row.addWidget(self.export_button)
        if self.me["role"] == "county":
            row.addWidget(QLabel("发往"))
        row.addWidget(self.to)
        row.addWidget(self.full)
        row.addSpacing(30)
        row.addWidget(self.import_button)
        row.addWidget(self.stick_button)
        row.addWidget(self.rekey_button)
        row.addStretch(1)
        if self.me["role"] == "county":
            self.devices_button = QPushButton("台账副本…")
            self.devices_button.setToolTip("乡镇台账复制到多台电脑时的各台设备；可停用已废弃的副本")
            self.devices_button.clicked.connect(self.show_devices)
            row.addWidget(self.devices_button)
        return row

    def show_packages(self) -> PackagesDialog:
        """U盘中的同步包: the last folder's packages by their offices' names; 导入所选 imports."""
        dialog = PackagesDialog(self.main.ledger, Path(self._last_dir()), self._import_chosen, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.packages_dialog = dialog
        return dialog

    def _import_chosen(self, paths: list[Path]) -> None:
        if self.busy:
            return
        self._remember_dir(paths[0].parent)
        self.import_files(paths)

    def show_devices(self) -> DevicesDialog:
        """台账副本: the townships' devices, an abandoned one retired there."""
        dialog = DevicesDialog(self.main.ledger, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.devices_dialog = dialog
        return dialog

    # -- state -------------------------------------------------------------------------
    def refresh(self, open_conflicts: int, open_duplicates: int | None) -> None:
        ledger = self.main.ledger
        status = sync.sync_status(ledger)
        self.peers.set_rows(status)
        chosen = self.to.currentData()
        self.to.blockSignals(True)
        self.to.clear()
        self.to.addItem("全部已登记乡镇", None)
        for p in status:
            self.to.addItem(p["name"], p["site_id"])
        self.to.setCurrentIndex(max(0, self.to.findData(chosen)))
        self.to.blockSignals(False)
        parts = [f"本机尚未被对方确认收到的修改：{site.unsynced_change_count(ledger):,}条",
                 f"待确认的冲突：{open_conflicts}处"]
        if open_duplicates is not None:
            parts.append(f"疑似重复企业：{open_duplicates}组")
        if not status:
            parts.append("尚未登记任何乡镇（乡镇的第一个同步包导入时登记）" if self.me["role"] == "county"
                         else "尚未导入县级证书，无法导出")
        self.counts.setText("；".join(parts))

    def _last_dir(self) -> str:
        return str(self.main.settings.value(LAST_DIR, "") or Path.home())

    def _remember_dir(self, path: Path) -> None:
        self.main.settings.setValue(LAST_DIR, str(path))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for w in (self.export_button, self.import_button, self.stick_button, self.cert_button,
                  self.rotate_button, self.rekey_button):
            w.setEnabled(not busy)

    def show_result(self, text: str) -> None:
        self.result.setPlainText(text)

    def _start(self, work, title: str, on_done, on_cancelled) -> None:
        """One job at a time, the buttons disabled meanwhile (docs/ARCHITECTURE.md, "Long work")."""
        self._set_busy(True)

        def done(result):
            self._set_busy(False)
            on_done(result)

        def failed(message: str):
            self._set_busy(False)
            self.show_result(message)
            QMessageBox.warning(self, "同步未完成", message)

        def cancelled():
            self._set_busy(False)
            on_cancelled()
        job = run_with_progress(self, self.page.runner, self.main.ledger, work, title, done, failed)
        job.on("cancelled", cancelled)

    # -- certificate -------------------------------------------------------------------
    def export_certificate(self) -> None:
        me = self.me
        suggested = Path(self._last_dir()) / f"{me['area_code']}_{me['name']}_证书.json"
        path, _ = QFileDialog.getSaveFileName(self, "导出本单位证书", str(suggested), "单位证书 (*.json)")
        if not path:
            return
        try:
            cert = sync.export_certificate(self.main.ledger, Path(path))
        except (UserError, OSError) as e:
            show_error(self, e if isinstance(e, UserError) else f"无法写入“{path}”：{e.strerror or e}",
                       "无法导出证书")
            return
        self._remember_dir(Path(path).parent)
        self.show_result(f"已导出本单位证书：{path}\n指纹：{cert['fingerprint']}\n"
                         "对方使用证书前，请电话核对指纹。")

    def rotate_keys(self) -> None:
        answer = QMessageBox.question(
            self, "更换密钥",
            "将为本单位生成新的签名和加密密钥，本机证书指纹随之改变。\n\n"
            "新证书由原密钥签名确认，对方导入本单位下一个同步包时会自动更新登记的密钥，无需重新核对；"
            "已寄出、尚未导入的同步包仍可正常导入。\n\n"
            "通常只在怀疑密钥泄露（电脑或U盘丢失）时使用。确定更换吗？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        before = self.me["fingerprint"]
        try:
            sync.rotate_keys(self.main.ledger)
        except UserError as e:
            show_error(self, e, "无法更换密钥")
            return
        self.me = site.this_site(self.main.ledger)
        self.own_fingerprint.set_fingerprint(self.me["fingerprint"])
        self.show_result(f"已更换密钥。新的证书指纹：{self.me['fingerprint']}\n"
                         f"原指纹：{before}\n"
                         "请导出同步包发给对方：对方导入后即使用新密钥。")
        self.page.refresh()

    # -- export ------------------------------------------------------------------------
    def export_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择保存同步包的文件夹（如U盘）", self._last_dir())
        if not folder:
            return
        folder_path, full, to = Path(folder), self.full.isChecked(), self.to.currentData()
        self._remember_dir(folder_path)
        written: list = []

        def work(ledger, progress, cancelled):
            try:
                return flow.export(ledger, folder_path, full=full, to=to, progress=progress,
                                   cancelled=cancelled, written=written)
            except OSError as e:
                raise UserError(f"无法写入“{folder_path}”：{e.strerror or e}（U盘是否已拔出或写保护？）") from None

        self._start(work, "正在导出同步包…", partial(self._exported, folder_path),
                    lambda: self._exported(folder_path, written, cancelled=True))

    def _exported(self, folder: Path, results: list, cancelled: bool = False) -> None:
        when = datetime.now().strftime("%H:%M")
        if cancelled:
            head = f"已取消导出（{when}）。" + ("已写出的同步包如下，其余未导出：" if results else "未写出任何文件。")
        else:
            head = f"导出完成（{when}）：已写出{len(results)}个同步包到 {folder}"
        lines = [head]
        for r in results:
            what = f"变更{r.entries:,}条" if r.entries else "没有新变更，只带回本机已收到的包号"
            lines.append(f"  · {r.path.name}（发往{r.recipient}，第{r.package_no}号，{what}"
                         f"{'，完整包' if r.full else ''}）")
            lines += [f"    注意：{n}" for n in r.notices]
        if results and not cancelled:
            lines.append("请将文件带到对方，在对方的“数据同步”页导入。")
        self.show_result("\n".join(lines))
        self.page.refresh()

    # -- import ------------------------------------------------------------------------
    def import_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "选择要导入的同步包（可多选）", self._last_dir(),
                                                "同步包 (*.sgpkg);;所有文件 (*)")
        if not paths:
            return
        self._remember_dir(Path(paths[0]).parent)
        self.import_files([Path(p) for p in paths])

    def import_files(self, paths: list[Path], accepted: dict[str, str] | None = None) -> None:
        accepted = dict(accepted or {})

        def work(ledger, progress, cancelled):
            return flow.import_files(ledger, paths, accepted, progress=progress, cancelled=cancelled)

        self._start(work, "正在导入同步包…", partial(self._imported, paths, accepted),
                    self._import_cancelled)

    def _imported(self, paths: list[Path], accepted: dict, outcome: flow.ImportOutcome) -> None:
        if outcome.needs_enrolment:
            self._ask_enrolment(paths, accepted, list(outcome.needs_enrolment))
            return
        self._offer_rekey(outcome.rekey_offers)
        self.show_result(flow.summary(outcome, datetime.now().strftime("%H:%M")))
        if outcome.changed:
            self.page.after_import()
        else:
            self.page.refresh()
        refused = [f.refusal for f in outcome.files if f.refusal]
        if refused:
            title = "同步包未导入" if not outcome.changed else "部分同步包未导入"
            QMessageBox.warning(self, title, "\n\n".join(refused[:5])
                                + (f"\n\n……另有{len(refused) - 5}个文件，见“结果”" if len(refused) > 5 else ""))

    def _import_cancelled(self) -> None:
        self.show_result("已取消导入：未完成的同步包没有作任何修改。再次导入同样的文件即可，"
                         "已导入过的包会自动跳过。")
        self.page.after_import()

    # -- enrolment ---------------------------------------------------------------------
    def _ask_enrolment(self, paths: list[Path], accepted: dict, offices: list[dict],
                       number: int = 1, total: int | None = None) -> None:
        """One dialog per new office, one after another; then the import runs again, every
        accepted office in it (the files are imported together or not at all)."""
        total = total or len(offices)
        if not offices:
            self.import_files(paths, accepted)
            return
        office = offices[0]
        dialog = EnrolDialog(office, self, number=number, total=total)
        self.enrol_dialog = dialog
        dialog.accepted.connect(partial(self._enrolment_confirmed, dialog, paths, accepted, offices, total))
        dialog.rejected.connect(partial(self._enrolment_cancelled, dialog))
        dialog.open()

    def _enrolment_confirmed(self, dialog: EnrolDialog, paths, accepted, offices, total) -> None:
        accepted[dialog.office["sender"]["site_id"]] = dialog.fingerprint
        self._dispose(dialog)
        self._ask_enrolment(paths, accepted, offices[1:], dialog.number + 1, total)

    def _enrolment_cancelled(self, dialog: EnrolDialog) -> None:
        name = dialog.office["sender"]["name"]
        self._dispose(dialog)
        self.show_result(f"已取消：未登记“{name}”，所选的同步包都没有导入，台账未作任何修改。\n"
                         "核对指纹后可再次导入。")

    def _dispose(self, dialog: EnrolDialog) -> None:
        if self.enrol_dialog is dialog:
            self.enrol_dialog = None
        dialog.deleteLater()

    # -- re-keying an enrolled office ----------------------------------------------------
    def _offer_rekey(self, offers: list[dict]) -> None:
        self.rekey_offers = list(offers)
        self.rekey_button.setVisible(bool(offers))

    def rekey_clicked(self) -> None:
        """更换乡镇密钥 for the first office the last import refused for claiming an
        enrolled code; the import runs again inside the service once the key is replaced."""
        if not self.rekey_offers or self.rekey_dialog is not None:
            return
        dialog = RekeyDialog(self.rekey_offers[0], self)
        self.rekey_dialog = dialog
        dialog.accepted.connect(partial(self._rekey_confirmed, dialog))
        dialog.rejected.connect(partial(self._rekey_cancelled, dialog))
        dialog.open()

    def _rekey_confirmed(self, dialog: RekeyDialog) -> None:
        offer, typed = dialog.offer, dialog.typed_fingerprint()
        self._dispose_rekey(dialog)

        def work(ledger, progress, cancelled):
            return flow.rekey(ledger, offer, typed, progress=progress, cancelled=cancelled)

        self._start(work, "正在更换密钥并导入…", partial(self._rekeyed, offer), self._import_cancelled)

    def _rekeyed(self, offer: dict, results: list) -> None:
        self.rekey_offers = [o for o in self.rekey_offers if o is not offer]
        self.rekey_button.setVisible(bool(self.rekey_offers))
        when = datetime.now().strftime("%H:%M")
        self.show_result(f"更换密钥（{when}）：\n" + "\n".join(r.message for r in results))
        self.page.after_import()

    def _rekey_cancelled(self, dialog: RekeyDialog) -> None:
        name = dialog.offer["enrolled"]["name"]
        self._dispose_rekey(dialog)
        self.show_result(f"已取消：未更换“{name}”的密钥，所选的同步包没有导入，台账未作任何修改。")

    def _dispose_rekey(self, dialog: RekeyDialog) -> None:
        if self.rekey_dialog is dialog:
            self.rekey_dialog = None
        dialog.deleteLater()
