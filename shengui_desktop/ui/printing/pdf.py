"""A generated PDF's pages as images (pypdfium2, PDFium's renderer).

PDFium is not thread-safe: not even two documents may be used at once from two threads, so
every call goes through one process-wide lock (the preview paints on the GUI thread while a
print job renders on a worker). A document lives in memory: the window removes the file it
was generated into as soon as it is read, so no unencrypted copy of ledger data stays on
disk unless the person saves one. pypdfium2 is imported with the first document (~65 ms),
not when the window starts.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QSizeF
from PySide6.QtGui import QImage

from ...errors import UserError
from ...paths import write_replacing

LOCK = threading.Lock()
POINTS_PER_INCH = 72


class PdfPages:
    """The pages of one PDF: their count, sizes in points, and images at a resolution."""

    def __init__(self, data: bytes, name: str = ""):
        import pypdfium2 as pdfium

        self.data, self.name = data, name
        with LOCK:
            try:
                self.document = pdfium.PdfDocument(data)
            except pdfium.PdfiumError as e:
                raise UserError(f"无法读取PDF文件“{name}”：{e}") from None
            self.sizes = [QSizeF(*self.document.get_page_size(i)) for i in range(len(self.document))]

    @classmethod
    def read(cls, path: str | Path) -> PdfPages:
        path = Path(path)
        return cls(path.read_bytes(), path.name)

    def __len__(self) -> int:
        return len(self.sizes)

    def size(self, index: int) -> QSizeF:
        """Page `index` (from 0) in points (1/72 inch)."""
        return self.sizes[index]

    def landscape(self, index: int = 0) -> bool:
        return self.sizes[index].width() > self.sizes[index].height()

    def image(self, index: int, dpi: float) -> QImage:
        """Page `index` rendered at `dpi` dots per inch on white (an owned copy)."""
        with LOCK:
            page = self.document[index]
            try:
                bitmap = page.render(scale=dpi / POINTS_PER_INCH, rev_byteorder=True, prefer_bgrx=True,
                                     optimize_mode="print" if dpi >= 200 else None)
                try:
                    image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                                   QImage.Format.Format_RGBX8888).copy()
                finally:
                    bitmap.close()
            finally:
                page.close()
        return image

    def write(self, order: list[int], path: str | Path) -> Path:
        """The pages `order` (indexes, repeats allowed) as a PDF at `path`, text and all: the
        file itself when that is every page once, else the pages copied into a new document."""
        import pypdfium2 as pdfium

        def fill(tmp: Path) -> None:
            if order == list(range(len(self))):
                tmp.write_bytes(self.data)
                return
            with LOCK:
                out = pdfium.PdfDocument.new()
                try:
                    out.import_pages(self.document, order)
                    out.save(tmp)
                finally:
                    out.close()
        return write_replacing(Path(path), fill)

    def close(self) -> None:
        with LOCK:
            self.document.close()
