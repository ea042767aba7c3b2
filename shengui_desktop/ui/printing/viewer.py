"""The preview of a generated report: its pages one under another at a readable zoom, the
page count and a page box, 打印… (the system print dialog) and 另存为PDF….

Pages are rendered when they come into view (PDFium takes ~10 ms for an A4 page on screen),
a few kept; the document is a PdfPages (pdf.py), printing is printer.py on a worker.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QShortcut
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QMessageBox,
                               QPushButton, QScrollArea, QSpinBox, QStackedWidget, QVBoxLayout,
                               QWidget)

from ...errors import os_error_message
from ..common import ask_save_file
from ..jobs import JobRunner, run_with_progress
from .pdf import POINTS_PER_INCH, PdfPages
from .printer import pages_to_print, prepare_printer, print_pages

FIT_WIDTH, FIT_PAGE = "width", "page"
ZOOMS = [("适合宽度", FIT_WIDTH), ("整页", FIT_PAGE), ("50%", 0.5), ("75%", 0.75), ("100%", 1.0),
         ("125%", 1.25), ("150%", 1.5), ("200%", 2.0)]
SCREEN_DPI = 96  # 100% shows a page at its size on a 96 dpi screen
FIT_WIDTH_MAX = 1.3  # 适合宽度 stops at 130%: a portrait page across 1600 px is too big to read
LAST_DIR = "printing/last_dir"


class PageCanvas(QWidget):
    """The pages one under another, centred, each drawn when it comes into view."""

    GAP = 14
    CACHE = 12

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pages: PdfPages | None = None
        self.scale = 1.0  # screen pixels per point
        self.tops: list[int] = []
        self.cache: OrderedDict[int, QImage] = OrderedDict()
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), QColor("#8a8f96"))
        self.setPalette(palette)

    def set_pages(self, pages: PdfPages | None) -> None:
        self.pages = pages
        self.cache.clear()
        self._layout()

    def set_scale(self, scale: float) -> None:
        if abs(scale - self.scale) > 1e-3:
            self.scale = scale
            self.cache.clear()
            self._layout()

    def page_size(self, index: int):
        """The page on screen in pixels: PDFium's own rounding, so its image fits exactly
        (a picture scaled by a pixel shows seams where a scroll repaints part of it)."""
        size = self.pages.size(index)
        return math.ceil(size.width() * self.scale), math.ceil(size.height() * self.scale)

    def _layout(self) -> None:
        self.tops = []
        if self.pages is None:
            self.setMinimumSize(0, 0)
            self.update()
            return
        y, widest = self.GAP, 0
        for i in range(len(self.pages)):
            w, h = self.page_size(i)
            self.tops.append(y)
            y += h + self.GAP
            widest = max(widest, w)
        self.setMinimumSize(widest + 2 * self.GAP, y)
        self.resize(max(self.width(), widest + 2 * self.GAP), y)
        self.update()

    def page_rect(self, index: int) -> QRect:
        w, h = self.page_size(index)
        return QRect((self.width() - w) // 2, self.tops[index], w, h)

    def page_at(self, y: int) -> int:
        """The page under height `y` (the last one starting above it)."""
        index = 0
        for i, top in enumerate(self.tops):
            if top - self.GAP <= y:
                index = i
        return index

    def image(self, index: int) -> QImage:
        image = self.cache.get(index)
        if image is None:
            ratio = self.devicePixelRatioF()
            image = self.pages.image(index, self.scale * POINTS_PER_INCH * ratio)
            image.setDevicePixelRatio(ratio)
            self.cache[index] = image
            while len(self.cache) > self.CACHE:
                self.cache.popitem(last=False)
        else:
            self.cache.move_to_end(index)
        return image

    def paintEvent(self, event) -> None:
        if self.pages is None:
            return
        painter = QPainter(self)
        area = event.rect()
        for i in range(len(self.pages)):
            rect = self.page_rect(i)
            if rect.bottom() < area.top():
                continue
            if rect.top() > area.bottom():
                break
            painter.fillRect(rect.translated(3, 3), QColor(0, 0, 0, 70))
            painter.fillRect(rect, Qt.GlobalColor.white)
            painter.drawImage(rect.topLeft(), self.image(i))
        painter.end()


class PdfViewer(QWidget):
    """Shows one generated PDF; prints it and saves a copy."""

    page_changed = Signal(int)
    printing_changed = Signal(bool)  # one job at a time: the page generates nothing meanwhile

    def __init__(self, window, empty_text: str, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.runner = JobRunner(self)
        self.pages: PdfPages | None = None
        self.title = ""
        self.file_name = ""
        self.printing = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self._toolbar())
        self.stack = QStackedWidget()
        self.empty = QLabel(empty_text)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #555; font-size: 15px; background: #f4f5f7;"
                                 " border: 1px dashed #b8bcc4; padding: 24px;")
        self.canvas = PageCanvas()
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.canvas)
        self.scroll.setWidgetResizable(True)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.scroll.viewport().installEventFilter(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.scroll)
        layout.addWidget(self.stack, 1)
        # Ctrl+P is the main window's 文件 → 打印…, which prints this preview (two Ctrl+P
        # shortcuts would be ambiguous: neither would fire)
        for keys, action in ((QKeySequence("Ctrl+Shift+S"), self.save_clicked),):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)
        self._enable()

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.print_button = QPushButton("打印…")
        self.print_button.setToolTip("选择打印机、页码范围、份数和双面打印（Ctrl+P）")
        self.print_button.clicked.connect(self.print_clicked)
        self.save_button = QPushButton("另存为PDF…")
        self.save_button.setToolTip("把生成的报表另存为PDF文件，如存到U盘上报（Ctrl+Shift+S）")
        self.save_button.clicked.connect(self.save_clicked)
        for b in (self.print_button, self.save_button):
            b.setMinimumHeight(30)
        self.previous = QPushButton("◀")
        self.previous.setToolTip("上一页")
        self.next = QPushButton("▶")
        self.next.setToolTip("下一页")
        for b in (self.previous, self.next):
            b.setFixedWidth(32)
        self.previous.clicked.connect(lambda: self.go_to(self.current_page() - 1))
        self.next.clicked.connect(lambda: self.go_to(self.current_page() + 1))
        self.page_box = QSpinBox()
        self.page_box.setPrefix("第 ")
        self.page_box.setSuffix(" 页")
        self.page_box.setMinimum(1)
        self.page_box.setKeyboardTracking(False)
        self.page_box.valueChanged.connect(lambda v: self.go_to(v - 1))
        self.count = QLabel("共 0 页")
        self.zoom = QComboBox()
        for text, value in ZOOMS:
            self.zoom.addItem(text, value)
        self.zoom.setToolTip("缩放")
        self.zoom.currentIndexChanged.connect(lambda _i: self.apply_zoom())
        self.info = QLabel("")
        self.info.setStyleSheet("color: #333;")
        self.info.setMinimumWidth(40)
        self.stale = QLabel("")
        self.stale.setStyleSheet("color: #a05a00; font-weight: bold;")
        for w in (self.previous, self.page_box, self.next, self.count):
            bar.addWidget(w)
        bar.addSpacing(8)
        bar.addWidget(QLabel("缩放"))
        bar.addWidget(self.zoom)
        bar.addSpacing(8)
        bar.addWidget(self.info, 1)
        bar.addWidget(self.stale)
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)
        return bar

    # -- showing ---------------------------------------------------------------------------
    def show_pages(self, pages: PdfPages, title: str, file_name: str, info: str = "") -> None:
        old = self.pages
        self.pages, self.title, self.file_name = pages, title, file_name
        self.page_box.blockSignals(True)
        self.page_box.setMaximum(max(1, len(pages)))
        self.page_box.setValue(1)
        self.page_box.blockSignals(False)
        self.count.setText(f"共 {len(pages)} 页")
        self.set_info(info)
        self.canvas.set_pages(pages)
        self.stack.setCurrentWidget(self.scroll)
        self.apply_zoom()
        self.scroll.verticalScrollBar().setValue(0)
        if old is not None:
            old.close()
        self._enable()

    def clear(self) -> None:
        if self.pages is not None:
            self.pages.close()
        self.pages = None
        self.canvas.set_pages(None)
        self.count.setText("共 0 页")
        self.set_info("")
        self.stack.setCurrentWidget(self.empty)
        self._enable()

    def set_info(self, text: str) -> None:
        self.info.setText(text)
        self.info.setToolTip(text)

    def page_count(self) -> int:
        return len(self.pages) if self.pages is not None else 0

    def _enable(self) -> None:
        loaded = self.pages is not None and not self.printing
        for w in (self.print_button, self.save_button, self.previous, self.next, self.page_box, self.zoom):
            w.setEnabled(loaded)

    def set_busy(self, busy: bool) -> None:
        """While a report is being generated the old preview cannot be printed or saved."""
        for w in (self.print_button, self.save_button):
            w.setEnabled(not busy and self.pages is not None and not self.printing)

    def eventFilter(self, watched, event) -> bool:
        # the fitting zooms follow the room the pages have
        if (watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize
                and self.zoom.currentData() in (FIT_WIDTH, FIT_PAGE)):
            self.apply_zoom()
        return super().eventFilter(watched, event)

    def apply_zoom(self) -> None:
        if self.pages is None or self.canvas.pages is not self.pages:
            return
        mode = self.zoom.currentData()
        widest = max(self.pages.size(i).width() for i in range(len(self.pages)))
        room = self.scroll.viewport().width() - 2 * PageCanvas.GAP
        if mode == FIT_WIDTH:  # on a wide screen, no bigger than FIT_WIDTH_MAX
            scale = min(room / widest, FIT_WIDTH_MAX * SCREEN_DPI / POINTS_PER_INCH)
        elif mode == FIT_PAGE:
            size = self.pages.size(self.current_page())
            high = self.scroll.viewport().height() - 2 * PageCanvas.GAP
            scale = min(room / size.width(), high / size.height())
        else:
            scale = float(mode) * SCREEN_DPI / POINTS_PER_INCH
        page = self.current_page()
        self.canvas.set_scale(max(0.2, min(scale, 4.0)))
        self.go_to(page)

    def current_page(self) -> int:
        if self.pages is None or not self.canvas.tops:
            return 0
        bar = self.scroll.verticalScrollBar()
        return self.canvas.page_at(bar.value() + self.scroll.viewport().height() // 3)

    def go_to(self, index: int) -> None:
        if self.pages is None or not self.canvas.tops:
            return
        index = max(0, min(index, len(self.pages) - 1))
        self.scroll.verticalScrollBar().setValue(self.canvas.tops[index] - PageCanvas.GAP // 2)
        self._scrolled()

    def _scrolled(self, *_args) -> None:
        page = self.current_page()
        self.page_box.blockSignals(True)
        self.page_box.setValue(page + 1)
        self.page_box.blockSignals(False)
        self.page_changed.emit(page)

    def visible_pages(self) -> list[int]:
        """Pages (from 0) at least partly in view."""
        if self.pages is None:
            return []
        top = self.scroll.verticalScrollBar().value()
        view = QRect(QPoint(0, top), self.scroll.viewport().size())
        return [i for i in range(len(self.pages)) if self.canvas.page_rect(i).intersects(view)]

    # -- printing --------------------------------------------------------------------------
    def print_clicked(self) -> None:
        if self.pages is None or self.printing or not self.print_button.isEnabled():
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        prepare_printer(printer, self.pages, self.title)
        dialog = make_print_dialog(printer, self)
        dialog.setWindowTitle(f"打印 — {self.title}")
        dialog.setMinMax(1, len(self.pages))
        dialog.setOptions(QAbstractPrintDialog.PrintDialogOption.PrintPageRange
                          | QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage
                          | QAbstractPrintDialog.PrintDialogOption.PrintCollateCopies
                          | QAbstractPrintDialog.PrintDialogOption.PrintShowPageSize
                          | QAbstractPrintDialog.PrintDialogOption.PrintToFile)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        self.print_on(printer)

    def print_on(self, printer: QPrinter):
        """Print the pages the printer's settings choose, on a worker with progress and 取消."""
        try:
            order = pages_to_print(printer, len(self.pages), self.current_page())
        except Exception as e:  # a UserError: an empty range
            QMessageBox.warning(self, "无法打印", str(e))
            return None
        pages = self.pages
        self.printing = True
        self._enable()
        self.printing_changed.emit(True)

        def work(_ledger, progress, cancelled):
            return print_pages(pages, printer, order, progress, cancelled)

        def done(count: int) -> None:
            self._printed()
            where = printer.outputFileName() or printer.printerName() or "打印机"
            self.window_.statusBar().showMessage(f"已将{self.title}（{count}页）发送到 {where}", 10000)

        def failed(message: str) -> None:
            self._printed()
            QMessageBox.warning(self, "打印失败", message)

        job = run_with_progress(self, self.runner, None, work, f"正在打印{self.title}…", done, failed)
        job.on("cancelled", self._printed)
        job.printer = printer  # kept alive until the job has ended
        return job

    def _printed(self) -> None:
        self.printing = False
        self._enable()
        self.printing_changed.emit(False)

    # -- saving ----------------------------------------------------------------------------
    def save_clicked(self) -> None:
        if self.pages is None or not self.save_button.isEnabled():
            return
        settings = self.window_.settings
        folder = settings.value(LAST_DIR) or str(Path.home())
        path = ask_save_path(self, f"另存为PDF — {self.title}", str(Path(folder) / self.file_name))
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        try:
            self.pages.write(list(range(len(self.pages))), target)
        except OSError as e:
            QMessageBox.warning(self, "另存失败", os_error_message(e))
            return
        settings.setValue(LAST_DIR, str(target.parent))
        self.window_.statusBar().showMessage(f"已另存为 {target}", 10000)

    def shutdown(self) -> None:
        self.runner.shutdown()
        self.clear()


def make_print_dialog(printer: QPrinter, parent: QWidget) -> QPrintDialog:
    """The system print dialog (printer, pages, copies, duplex); tests put a stub here."""
    return QPrintDialog(printer, parent)


def ask_save_path(parent: QWidget, caption: str, suggested: str) -> str:
    """Where to save the PDF; asks in Chinese before replacing a file; '' when cancelled."""
    return ask_save_file(parent, caption, suggested, "PDF文件 (*.pdf)", "pdf")
