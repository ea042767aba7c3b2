"""报表打印 on a temporary demo ledger: a report chosen, generated on the worker and previewed
page by page; printed through a stubbed print dialog to a PDF file; saved as PDF through the
(Chinese) file dialog; a cancelled generation leaves no file; the window goes on handling
events meanwhile; 打印一户一册 from an enterprise's window; printing pages as pictures."""

from __future__ import annotations

import re
import subprocess
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QPushButton

from shengui_desktop.services import reports
from shengui_desktop.services.report_kinds import FILTERS, REPORT_KINDS
from shengui_desktop.ui.printing import page as print_page_module
from shengui_desktop.ui.printing import viewer as viewer_module
from shengui_desktop.ui.printing.pdf import PdfPages
from shengui_desktop.ui.printing.printer import paint_pages, pages_to_print, prepare_printer

from reports_helpers import TODAY, flat, needs_poppler, pdf_pages
from test_ui_support import open_window

pytestmark = needs_poppler


@pytest.fixture
def warnings(monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, title, text, *a: shown.append((title, text))))
    return shown


def print_page(qtbot, ledger, tmp_path):
    window = open_window(qtbot, ledger, tmp_path, today=TODAY)
    window.show_page("报表打印")
    assert window.stack.currentWidget() is window.print_page
    return window, window.print_page


def generate(qtbot, page, kind: str) -> None:
    page.select(kind)
    qtbot.mouseClick(page.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.job is None, timeout=20000)


def shown_texts(page, tmp_path) -> list[str]:
    """The text of each page the preview shows (it keeps the PDF in memory only)."""
    out = tmp_path / f"shown-{page.generated}.pdf"
    page.viewer.pages.write(list(range(page.viewer.page_count())), out)
    return pdf_pages(out)


def pdf_info(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def mean_difference(a: QImage, b: QImage) -> float:
    """Mean absolute difference of two pages' grey levels (0–255), both smoothed down to 200
    pixels across: the same page drawn twice differs by ~3, another page by ~20."""
    def small(image: QImage) -> QImage:
        return image.convertToFormat(QImage.Format.Format_Grayscale8).scaled(
            200, 141, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    a, b = small(a), small(b)
    total = sum(abs(a.pixelColor(x, y).value() - b.pixelColor(x, y).value())
                for y in range(a.height()) for x in range(a.width()))
    return total / (a.width() * a.height())


class StubPrintDialog:
    """Stands in for QPrintDialog: the person picks 打印到文件 (PDF) and presses 打印."""

    made: list["StubPrintDialog"] = []

    def __init__(self, printer: QPrinter, _parent, out: Path, pages: tuple[int, int] | None = None,
                 copies: int = 1):
        self.printer, self.out, self.pages, self.copies = printer, out, pages, copies
        self.minmax = None
        StubPrintDialog.made.append(self)

    def setWindowTitle(self, title):
        self.title = title

    def setMinMax(self, low, high):
        self.minmax = (low, high)

    def setOptions(self, options):
        self.options = options

    def exec(self):
        self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self.printer.setOutputFileName(str(self.out))
        self.printer.setCopyCount(self.copies)
        if self.pages:
            self.printer.setPrintRange(QPrinter.PrintRange.PageRange)
            self.printer.setFromTo(*self.pages)
        return QPrintDialog.DialogCode.Accepted


def test_generate_preview_print_and_save(qtbot, demo_county, tmp_path, monkeypatch, warnings):
    window, page = print_page(qtbot, demo_county, tmp_path)
    assert page.viewer.page_count() == 0 and "还没有生成报表" in page.viewer.empty.text()
    assert not page.viewer.print_button.isEnabled() and not page.viewer.save_button.isEnabled()

    page.township.setCurrentIndex(page.township.findText("秀水镇"))
    generate(qtbot, page, "ledger")
    assert warnings == []
    texts = shown_texts(page, tmp_path)
    assert list(page.folder.iterdir()) == []  # no unencrypted copy left on disk
    assert page.viewer.page_count() == len(texts) >= 1
    assert page.viewer.count.text() == f"共 {len(texts)} 页"
    assert "小升规企业培育台账" in texts[0] and "秀水镇" in texts[0]
    assert page.viewer.info.text() == "企业台账　秀水镇　2026年"
    assert page.viewer.stack.currentWidget() is page.viewer.scroll
    # the first page is on screen, drawn from PDFium's picture of it
    qtbot.waitUntil(lambda: 0 in page.viewer.canvas.cache)
    assert page.viewer.visible_pages()[0] == 0
    image = page.viewer.canvas.cache[0]
    # drawn at its own size (a picture scaled by a pixel shows seams where scrolling repaints)
    assert (image.width(), image.height()) == page.viewer.canvas.page_size(0)
    assert "企业台账" in window.statusBar().currentMessage()

    # 打印… → the print dialog (stubbed: 打印到文件) → a PDF that is the report
    printed = tmp_path / "打印.pdf"
    StubPrintDialog.made.clear()
    monkeypatch.setattr(viewer_module, "make_print_dialog", lambda printer, parent: StubPrintDialog(printer, parent, printed))
    qtbot.mouseClick(page.viewer.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.viewer.printing, timeout=20000)
    [dialog] = StubPrintDialog.made
    assert dialog.minmax == (1, len(texts)) and "企业台账" in dialog.title
    assert dialog.printer.docName() == "企业台账"
    assert dialog.printer.pageLayout().orientation() == dialog.printer.pageLayout().Orientation.Landscape
    assert printed.read_bytes().startswith(b"%PDF")
    assert pdf_pages(printed) == texts  # the pages themselves: pdftotext finds the title
    assert "打印.pdf" in window.statusBar().currentMessage()

    # 另存为PDF… through the file dialog
    saved = tmp_path / "上报" / "秀水镇台账"
    saved.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "exec", lambda self: QFileDialog.DialogCode.Accepted)
    monkeypatch.setattr(QFileDialog, "selectedFiles", lambda self: [str(saved)])
    qtbot.mouseClick(page.viewer.save_button, Qt.MouseButton.LeftButton)
    target = saved.with_name("秀水镇台账.pdf")  # the suffix is added
    assert target.read_bytes().startswith(b"%PDF")
    assert pdf_pages(target) == texts
    assert pdf_info(target)["Title"].strip() == "小升规企业培育台账"
    assert window.settings.value(viewer_module.LAST_DIR) == str(saved.parent)
    assert warnings == []
    window.close()  # after its backup, made on the worker (ui/close_backup.py)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)
    assert page.folder is None  # the generated files went with the window


def test_the_save_dialog_is_chinese_and_suggests_a_name(qtbot, demo_county, tmp_path, monkeypatch):
    _window, page = print_page(qtbot, demo_county, tmp_path)
    page.pool.setCurrentIndex(page.pool.findData("cultivation"))
    generate(qtbot, page, "dossier")
    seen = {}

    def look(dialog):
        seen["labels"] = [dialog.labelText(label) for label in (
            QFileDialog.DialogLabel.LookIn, QFileDialog.DialogLabel.FileName,
            QFileDialog.DialogLabel.FileType, QFileDialog.DialogLabel.Accept, QFileDialog.DialogLabel.Reject)]
        seen["filter"] = dialog.nameFilters()
        seen["title"] = dialog.windowTitle()
        return QFileDialog.DialogCode.Rejected
    monkeypatch.setattr(QFileDialog, "exec", look)
    page.viewer.save_clicked()
    assert seen["labels"] == ["位置：", "文件名：", "文件类型：", "保存", "取消"]
    assert seen["filter"] == ["PDF文件 (*.pdf)"] and "一户一册" in seen["title"]
    assert page.viewer.file_name == "一户一册_培育库_2026年_2026-11-23.pdf"


def test_an_existing_file_is_replaced_only_when_confirmed(qtbot, demo_county, tmp_path, monkeypatch):
    _window, page = print_page(qtbot, demo_county, tmp_path)
    generate(qtbot, page, "targets")
    existing = tmp_path / "目标.pdf"
    existing.write_bytes(b"old")
    answers = iter([QMessageBox.StandardButton.No])
    calls = {"exec": 0}

    def exec_(_dialog):
        calls["exec"] += 1  # the first answer is No: the dialog comes back; then Cancel
        return QFileDialog.DialogCode.Accepted if calls["exec"] == 1 else QFileDialog.DialogCode.Rejected
    monkeypatch.setattr(QFileDialog, "exec", exec_)
    monkeypatch.setattr(QFileDialog, "selectedFiles", lambda self: [str(existing)])
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: next(answers)))
    page.viewer.save_clicked()
    assert existing.read_bytes() == b"old" and calls["exec"] == 2

    calls["exec"] = 0
    answers = iter([QMessageBox.StandardButton.Yes])
    page.viewer.save_clicked()
    assert existing.read_bytes().startswith(b"%PDF")


def test_only_the_filters_a_report_reads_are_enabled(qtbot, demo_county, tmp_path):
    _window, page = print_page(qtbot, demo_county, tmp_path)
    for code, kind in REPORT_KINDS.items():
        page.select(code)
        assert page.note.text() == kind.note
        for key in FILTERS:
            enabled = key in kind.filters
            assert page.labels[key].isEnabled() == enabled, (code, key)
            assert all(w.isEnabled() == enabled for w in page.fields[key]), (code, key)
            if not enabled:
                assert kind.title in page.fields[key][0].toolTip()
    # one enterprise chosen for 一户一册: township, pool and department no longer count
    page.select("dossier")
    eid = demo_county.scalar("SELECT id FROM enterprises ORDER BY name LIMIT 1")
    page.picker.set_enterprise(eid)
    assert not page.township.isEnabled() and "已选定企业" in page.township.toolTip()
    page.township.setCurrentIndex(1)
    assert page.choice() == {"kind": "dossier", "enterprise_id": eid, "year": 2026}
    qtbot.mouseClick(page.clear_enterprise, Qt.MouseButton.LeftButton)
    assert page.township.isEnabled() and page.choice()["township"] == page.township.currentData()


def test_a_dossier_of_the_whole_ledger_is_refused_with_a_message(qtbot, demo_county, tmp_path, warnings):
    _window, page = print_page(qtbot, demo_county, tmp_path)
    generate(qtbot, page, "dossier")
    assert warnings == [("无法生成报表", print_page_module.NO_CHOICE)]
    assert page.viewer.page_count() == 0 and list(page.folder.iterdir()) == []
    assert page.generate_button.isEnabled()


def test_visits_of_a_period_and_the_blank_form(qtbot, demo_county, tmp_path, warnings):
    _window, page = print_page(qtbot, demo_county, tmp_path)
    page.select("visits")
    page.date_from.setDate(page.date_from.date().fromString("2026-03-01", "yyyy-MM-dd"))
    page.date_to.setDate(page.date_to.date().fromString("2026-03-31", "yyyy-MM-dd"))
    generate(qtbot, page, "visits")
    text = "\n".join(shown_texts(page, tmp_path))
    count = demo_county.scalar("SELECT count(*) FROM visits WHERE visit_date BETWEEN '2026-03-01' AND '2026-03-31'")
    assert re.search(rf"共走访\s*{count}\s*次", text) and "2026-03-01 至 2026-03-31" in text

    e = demo_county.one("SELECT id, name, credit_code FROM enterprises ORDER BY name LIMIT 1")
    page.select("visit_form")
    page.picker.set_enterprise(e["id"])
    assert page.stale.text() == "条件已改动，请重新生成"
    generate(qtbot, page, "visit_form")
    assert page.viewer.page_count() == 1 and page.stale.text() == ""
    form = flat(shown_texts(page, tmp_path)[0])
    assert "走访记录表" in form and e["credit_code"] in form and flat(e["name"]) in form
    assert list(page.folder.iterdir()) == []
    assert warnings == []


def hold_generation(monkeypatch):
    """The report waits at its first progress until `go` is set (`started` tells it got there)."""
    started, go = threading.Event(), threading.Event()
    real = reports.print_report

    def held(*args, progress=None, **kwargs):
        def first(*a):
            if not started.is_set():
                started.set()
                go.wait(10)
            progress(*a)
        return real(*args, progress=first, **kwargs)
    monkeypatch.setattr(reports, "print_report", held)
    return started, go


def test_cancelling_the_generation_leaves_no_file(qtbot, demo_county, tmp_path, monkeypatch, warnings):
    window, page = print_page(qtbot, demo_county, tmp_path)
    started, go = hold_generation(monkeypatch)
    page.select("ledger")
    qtbot.mouseClick(page.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(started.is_set, timeout=10000)
    assert not page.generate_button.isEnabled() and page.generate_button.text() == "正在生成…"
    [progress] = page.findChildren(QProgressDialog)
    [cancel] = [b for b in progress.findChildren(QPushButton) if b.text() == "取消"]
    cancel.click()
    go.set()
    qtbot.waitUntil(lambda: page.job is None, timeout=10000)
    assert list(page.folder.iterdir()) == []  # neither the PDF nor a part of it
    assert page.viewer.page_count() == 0 and warnings == []
    assert "已取消生成报表" in window.statusBar().currentMessage()
    assert page.generate_button.isEnabled() and page.generate_button.text() == "生成报表"


def test_the_window_keeps_handling_events_while_a_report_is_generated(qtbot, demo_county, tmp_path,
                                                                     monkeypatch):
    _window, page = print_page(qtbot, demo_county, tmp_path)
    started, go = hold_generation(monkeypatch)
    ticks: list[str] = []
    page.pool.setCurrentIndex(page.pool.findData("cultivation"))
    page.select("dossier")
    qtbot.mouseClick(page.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(started.is_set, timeout=10000)
    # the report is half-way on the worker; a timer on the GUI thread fires, and only then
    # does the report go on
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: (ticks.append("timer"), go.set()))
    timer.start(30)
    qtbot.waitUntil(lambda: page.job is None, timeout=20000)
    assert ticks == ["timer"] and page.viewer.page_count() >= 2


def test_print_a_dossier_from_the_enterprise_window(qtbot, demo_county, tmp_path, warnings):
    window, page = print_page(qtbot, demo_county, tmp_path)
    window.show_page("企业台账")
    e = demo_county.one("SELECT id, name FROM enterprises WHERE pool = 'entry' ORDER BY name LIMIT 1")
    enterprise = window.open_enterprise(e["id"])
    qtbot.mouseClick(enterprise.print_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is page
    assert page.kind().code == "dossier" and page.picker.enterprise_id == e["id"]
    qtbot.waitUntil(lambda: page.job is None and page.viewer.page_count() > 0, timeout=20000)
    text = shown_texts(page, tmp_path)
    assert f"一户一册 {e['name']}" in re.sub(r"\s+", " ", text[0])
    assert page.viewer.count.text() == f"共 {len(text)} 页"
    assert page.viewer.info.text() == f"一户一册　{e['name']}　2026年"
    assert page.viewer.file_name == f"一户一册_{e['name']}_2026年_2026-11-23.pdf"
    assert warnings == []


def test_pages_are_painted_on_a_printer_at_their_size(qtbot, demo_county, tmp_path):
    """What a real printer gets: each page as a picture at the printer's resolution. Here the
    printer writes a PDF, read back with PDFium and compared with the report's own page."""
    source = tmp_path / "ledger.pdf"
    reports.print_report(demo_county, "ledger", source, reports.resolve_filters(demo_county, today=TODAY),
                         printed_on=TODAY)
    pages = PdfPages.read(source)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    prepare_printer(printer, pages, "企业台账")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "painted.pdf"))
    printer.setResolution(150)
    printer.setCopyCount(2)  # a PDF cannot make copies itself: the pages come twice
    order = pages_to_print(printer, len(pages), current=0)
    assert order == list(range(len(pages))) * 2
    ticks = []
    assert paint_pages(pages, printer, order, progress=lambda *a: ticks.append(a)) == len(order)
    assert len(ticks) == len(order)
    painted = PdfPages.read(tmp_path / "painted.pdf")
    assert len(painted) == 2 * len(pages) and painted.landscape(0)
    assert abs(painted.size(0).width() - pages.size(0).width()) < 2
    difference = mean_difference(pages.image(0, 100), painted.image(0, 100))
    assert difference < 6, difference  # the same page, where it belongs on the paper
    assert mean_difference(pages.image(0, 100), painted.image(1, 100)) > 3 * difference

    # a range, last page first, a cancel on the way
    printer.setCopyCount(1)
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 3)
    printer.setPageOrder(QPrinter.PageOrder.LastPageFirst)
    assert pages_to_print(printer, len(pages), current=0) == [2, 1]
    printer.setOutputFileName(str(tmp_path / "cancelled.pdf"))
    with pytest.raises(Exception, match="已取消打印"):
        paint_pages(pages, printer, [2, 1], cancelled=lambda: True)
    printer.setFromTo(9, 9)
    with pytest.raises(Exception, match="所选页码范围内没有页面"):
        pages_to_print(printer, len(pages), current=0)
    pages.close()
    painted.close()


def test_printing_a_range_to_a_file_copies_those_pages(qtbot, demo_county, tmp_path, monkeypatch):
    _window, page = print_page(qtbot, demo_county, tmp_path)
    page.pool.setCurrentIndex(page.pool.findData("cultivation"))
    generate(qtbot, page, "dossier")
    texts = shown_texts(page, tmp_path)
    out = tmp_path / "第2至3页.pdf"
    monkeypatch.setattr(viewer_module, "make_print_dialog",
                        lambda printer, parent: StubPrintDialog(printer, parent, out, pages=(2, 3), copies=2))
    page.viewer.print_clicked()
    qtbot.waitUntil(lambda: not page.viewer.printing, timeout=20000)
    assert pdf_pages(out) == [texts[1], texts[2], texts[1], texts[2]]


def test_one_job_at_a_time_nothing_replaces_the_pages_being_printed(qtbot, demo_county, tmp_path,
                                                                     monkeypatch):
    window, page = print_page(qtbot, demo_county, tmp_path)
    generate(qtbot, page, "targets")
    shown = page.viewer.pages
    started, go = threading.Event(), threading.Event()
    real = viewer_module.print_pages

    def held(*args, **kwargs):
        started.set()
        go.wait(10)
        return real(*args, **kwargs)
    monkeypatch.setattr(viewer_module, "print_pages", held)
    monkeypatch.setattr(viewer_module, "make_print_dialog",
                        lambda printer, parent: StubPrintDialog(printer, parent, tmp_path / "t.pdf"))
    told = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, title, text, *a: told.append(text)))
    page.viewer.print_clicked()
    qtbot.waitUntil(started.is_set, timeout=10000)
    assert not page.generate_button.isEnabled() and not page.viewer.print_button.isEnabled()
    page.generate()  # F5 or a click that got through: ignored
    eid = demo_county.scalar("SELECT id FROM enterprises ORDER BY name LIMIT 1")
    page.print_dossier(eid)  # from an enterprise window: told to wait
    assert page.job is None and told == ["正在生成或打印报表，完成后再打印一户一册。"]
    go.set()
    qtbot.waitUntil(lambda: not page.viewer.printing, timeout=10000)
    assert page.viewer.pages is shown and page.generate_button.isEnabled()
    assert pdf_pages(tmp_path / "t.pdf")
    window.close()
