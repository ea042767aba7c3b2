"""Pages every report shares: A4 (portrait or landscape), a running header, a footer with
"第 X 页 共 Y 页" and the print date, styles in the embedded font, and a build that reports
progress, can be cancelled and never leaves a half-written file behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Table, TableStyle

from ..paths import write_replacing
from .fonts import FONT, register
from .job import Job, as_job

GRID = colors.HexColor("#555555")
HEADER_BG = colors.HexColor("#E4E8EE")
GROUP_BG = colors.HexColor("#F2F2F2")
TOTAL_BG = colors.HexColor("#FFF6DD")
MUTED = colors.HexColor("#555555")
ALERT = colors.HexColor("#B00020")
MARGIN = 12 * mm


def paragraph_style(name, size, leading=None, align=TA_LEFT, **kw) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=FONT, fontSize=size, leading=leading or size * 1.35,
                          alignment=align, wordWrap="CJK", **kw)


class Styles:
    """Paragraph styles; built after the font is registered."""

    def __init__(self):
        register()
        self.title = paragraph_style("title", 17, 24, TA_CENTER, spaceAfter=2 * mm)
        self.subtitle = paragraph_style("subtitle", 10, 14, TA_CENTER, textColor=MUTED, spaceAfter=2 * mm)
        self.heading = paragraph_style("heading", 12, 17, spaceBefore=4 * mm, spaceAfter=2 * mm,
                                       keepWithNext=1)
        self.body = paragraph_style("body", 9.5, 14)
        self.small = paragraph_style("small", 8, 11)
        self.cell = paragraph_style("cell", 8, 10.5)
        self.note = paragraph_style("note", 8, 11, textColor=MUTED)
        self.right = paragraph_style("right", 9.5, 14, TA_RIGHT)


@dataclass
class PageInfo:
    office: str  # e.g. 盂县 or 秀水镇
    title: str  # running header, e.g. 小升规企业培育台账
    printed_on: date
    landscape: bool = False


def _canvas_class(info: PageInfo):
    class NumberedCanvas(Canvas):
        """Keeps every page until the end, so each footer can say how many pages there are."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self._decorate(number, total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _decorate(self, number: int, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            self.setFont(FONT, 8)
            self.setFillColor(MUTED)
            self.setStrokeColor(MUTED)
            self.setLineWidth(0.4)
            top = height - MARGIN + 3 * mm
            self.drawString(MARGIN, top, f"{info.office}　{info.title}")
            self.line(MARGIN, top - 1.5 * mm, width - MARGIN, top - 1.5 * mm)
            bottom = MARGIN - 6 * mm
            self.drawString(MARGIN, bottom, f"打印日期：{info.printed_on.isoformat()}")
            self.drawCentredString(width / 2, bottom, f"第 {number} 页 共 {total} 页")
            self.drawRightString(width - MARGIN, bottom, "小升规企业培育台账系统")
            self.restoreState()

    return NumberedCanvas


class ReportDocument(BaseDocTemplate):
    """A document that reports progress (and checks for cancel) after every page."""

    def __init__(self, filename: str, info: PageInfo, job: Job, expected_pages: int, **kw):
        register()
        size = landscape(A4) if info.landscape else A4
        super().__init__(filename, pagesize=size, leftMargin=MARGIN, rightMargin=MARGIN,
                         topMargin=MARGIN + 2 * mm, bottomMargin=MARGIN, title=info.title,
                         author=info.office, creator="小升规企业培育台账系统",
                         initialFontName=FONT, initialFontSize=10, initialLeading=12, **kw)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self._job = job
        self._expected = max(expected_pages, 1)

    def afterPage(self):
        # the page count is only known at the end: report against the estimate, never 100%
        done = self.page
        total = max(self._expected, done + 1)
        self._job.report("排版", done, total)


def build(path: str | os.PathLike, story: list, info: PageInfo, job: Job | None = None,
          expected_pages: int = 1) -> Path:
    """Lay out `story` into `path`. Written to a temporary file first, replaced on success,
    so a cancelled or failed run leaves any earlier PDF of that name untouched."""
    job = as_job(job)

    def write(tmp: Path) -> None:
        doc = ReportDocument(str(tmp), info, job, expected_pages)
        doc.build(story, canvasmaker=_canvas_class(info))
        job.check()
        job.report("完成", 1, 1)
    return write_replacing(Path(path), write)


def grid_style(header_rows: int = 1, size: float = 8, leading: float = 10.5) -> list:
    """The table style of every report: a full grid, shaded header, the embedded font."""
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, size, leading),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if header_rows:
        style += [("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_BG),
                  ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER")]
    return style


def signature_block(styles: Styles, width: float, labels=("制表人", "审核人", "负责人")) -> Table:
    """Lines to sign by hand, plus a date to fill in."""
    cells = [[f"{label}：" for label in labels] + ["日期：　　　年　　月　　日"]]
    t = Table(cells, colWidths=[width / (len(labels) + 1)] * (len(labels) + 1), rowHeights=[12 * mm])
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10.5),
                           ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                           ("LINEBELOW", (0, 0), (-1, -1), 0.6, colors.black),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 8 * mm)]))
    return t


def key_value_table(pairs: list[tuple[str, str]], width: float, columns: int = 2,
                    styles: Styles | None = None) -> Table:
    """Basic data as label/value cells, `columns` pairs per row; long values wrap."""
    styles = styles or Styles()
    from .text import wrap
    label_w = 29 * mm
    value_w = width / columns - label_w
    rows, row = [], []
    for label, value in pairs:
        row += [wrap(label, label_w - 5, 8), Paragraph(paragraphs(value or "—"), styles.cell)]
        if len(row) == 2 * columns:
            rows.append(row)
            row = []
    if row:
        rows.append(row + [""] * (2 * columns - len(row)))
    t = Table(rows, colWidths=[label_w, value_w] * columns)
    style = grid_style(header_rows=0)
    for c in range(0, 2 * columns, 2):
        style.append(("BACKGROUND", (c, 0), (c, -1), HEADER_BG))
    t.setStyle(TableStyle(style))
    return t


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


escape = _escape


def paragraphs(text: str) -> str:
    """Text as a Paragraph's markup: escaped, its line breaks kept as <br/> (a Paragraph
    reads a line break as a space), so a visit summary prints in the paragraphs it was
    typed in."""
    return _escape(text).replace("\n", "<br/>")
