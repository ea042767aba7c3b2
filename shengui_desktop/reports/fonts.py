"""The one font every report uses: WenQuanYi Micro Hei, embedded as a TrueType subset.

Everything (Chinese, digits, Latin) is set in it, so a PDF references no standard-14 font
and no non-embedded CID font: a township printer without Adobe's Asian font pack prints
the same page we tested.
"""

from __future__ import annotations

import threading

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..paths import resources_dir

FONT = "WQYMicroHei"
FONT_FILE = "wqy-microhei.ttc"
_lock = threading.Lock()


def register() -> str:
    """Register the font once per process (safe from worker threads); returns its name."""
    with _lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            path = resources_dir() / "fonts" / FONT_FILE
            if not path.exists():
                from ..errors import UserError
                raise UserError(f"找不到报表字体文件：{path}，请重新安装本程序。")
            # subfontIndex=0 is the proportional face (1 is the monospaced one)
            pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
            # bold/italic requests (e.g. <b> in a Paragraph) map to the same face
            from reportlab.lib.fonts import addMapping
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT, bold, italic, FONT)
    return FONT
