"""Printing a generated PDF on a QPrinter: each page rendered as an image at the printer's
resolution (at most PRINT_DPI) and painted on the paper at its true size; printing to a PDF
file copies the pages instead.

`print_pages` runs on a worker (Qt allows painting on a QPrinter outside the GUI thread) with
the job's progress and cancel flag; the print dialog has set the printer up before: printer,
page range, copies, collation, duplex (the driver does the duplex).
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QRectF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

from ...errors import UserError
from ...progress import Cancelled
from .pdf import POINTS_PER_INCH, PdfPages

# 300 dpi is what office laser printers resolve and keeps a page image at ~35 MB; a 1200 dpi
# driver gets the 300 dpi image scaled up by the printer's own engine.
PRINT_DPI = 300


class PrintCancelled(Cancelled):
    text = "已取消打印"


def prepare_printer(printer: QPrinter, pages: PdfPages, title: str) -> None:
    """Before the dialog: A4 in the orientation of the first page, the whole range offered,
    and the document's name as the print queue shows it."""
    printer.setDocName(title)
    printer.setCreator("小升规企业培育台账系统")
    size = pages.size(0)
    printer.setPageSize(QPageSize(QSizeF(min(size.width(), size.height()), max(size.width(), size.height())),
                                  QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if pages.landscape(0)
                               else QPageLayout.Orientation.Portrait)
    printer.setFromTo(1, len(pages))
    printer.setFullPage(True)  # the PDF has its own margins: the paper is the page


def pages_to_print(printer: QPrinter, count: int, current: int) -> list[int]:
    """The page indexes (from 0) in printing order: the dialog's range, the printer's order,
    and the copies when the printer cannot make them itself (a PDF file, some drivers)."""
    mode = printer.printRange()
    if mode == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first, last = printer.fromPage() - 1, min(printer.toPage() or count, count) - 1
    elif mode == QPrinter.PrintRange.CurrentPage:
        first = last = current
    else:
        first, last = 0, count - 1
    if first > last or first >= count:
        raise UserError(f"所选页码范围内没有页面：本报表共 {count} 页")
    one = list(range(first, last + 1))
    if printer.pageOrder() == QPrinter.PageOrder.LastPageFirst:
        one.reverse()
    copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
    if printer.collateCopies():
        return one * copies
    return [i for i in one for _ in range(copies)]


def print_pages(pages: PdfPages, printer: QPrinter, order: list[int],
                progress: Callable[[int, int, str], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> int:
    """Print `order` (page indexes) on `printer`; the number of pages sent. Printing to a
    PDF file (the dialog's 打印到文件) writes the pages themselves, text and all, rather than
    pictures of them; a printer gets them painted."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        pages.write(order, printer.outputFileName())
        if progress is not None:
            progress(len(order), len(order), "")
        return len(order)
    return paint_pages(pages, printer, order, progress, cancelled)


def paint_pages(pages: PdfPages, printer: QPrinter, order: list[int],
                progress: Callable[[int, int, str], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> int:
    """Paint `order` (page indexes) on `printer` as images; the number of pages sent. A
    cancel aborts the print job (nothing is printed, an output file is not finished)."""
    dpi = min(printer.resolution(), PRINT_DPI)
    painter = QPainter()
    if not painter.begin(printer):
        raise UserError("无法开始打印：打印机不可用，或输出文件无法写入")
    try:
        for n, index in enumerate(order):
            if cancelled is not None and cancelled():
                printer.abort()
                raise PrintCancelled()
            if n:
                printer.newPage()
            paint_page(painter, printer, pages, index, dpi)
            if progress is not None:
                progress(n + 1, len(order), f"第 {index + 1} 页（{n + 1}/{len(order)}）")
    finally:
        painter.end()
    return len(order)


def paint_page(painter: QPainter, printer: QPrinter, pages: PdfPages, index: int, dpi: float) -> None:
    """One page at its true size on the paper (scaled down only if the paper is smaller),
    centred, turned a quarter if its orientation differs from the paper's."""
    paper = printer.paperRect(QPrinter.Unit.DevicePixel)
    image = pages.image(index, dpi)
    size = pages.size(index)
    device = printer.resolution() / POINTS_PER_INCH  # device pixels per point
    width, height = size.width() * device, size.height() * device
    turn = (width > height) != (paper.width() > paper.height())
    if turn:
        width, height = height, width
    scale = min(1.0, paper.width() / width, paper.height() / height)
    width, height = width * scale, height * scale
    target = QRectF(paper.x() + (paper.width() - width) / 2, paper.y() + (paper.height() - height) / 2,
                    width, height)
    painter.save()
    if turn:  # draw the page upright in a frame turned 90° clockwise
        painter.translate(target.x() + target.width(), target.y())
        painter.rotate(90)
        target = QRectF(0, 0, target.height(), target.width())
    painter.drawImage(target, image)
    painter.restore()
