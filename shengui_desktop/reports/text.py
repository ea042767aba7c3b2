"""Fast line breaking for table cells.

A reportlab Paragraph per cell costs about as much as the rest of a table put together;
plain strings with our own line breaks keep a 1,000-row ledger near the cost of a bare
table. Chinese breaks between any two characters, except that closing punctuation never
starts a line and runs of Latin letters and digits (credit codes, amounts) stay whole
when they fit.
"""

from __future__ import annotations

import re

from reportlab.pdfbase import pdfmetrics

from .fonts import FONT, register

_NO_LINE_START = set("，。、；：？！）》」』”’%％)]}.,;:!?")
_TOKEN = re.compile(r"[A-Za-z0-9.,%\-/:]+|\s+|.", re.S)
_widths: dict[str, float] = {}


def width(text: str, size: float) -> float:
    """String width in points at `size`, from a per-character cache."""
    total = 0.0
    for ch in text:
        w = _widths.get(ch)
        if w is None:
            register()
            w = _widths[ch] = pdfmetrics.stringWidth(ch, FONT, 1000)
        total += w
    return total * size / 1000


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        if out and tok[0] in _NO_LINE_START and len(tok) == 1:
            out[-1] += tok
        else:
            out.append(tok)
    return out


def wrap(text: str | None, avail: float, size: float, max_lines: int | None = None) -> str:
    """`text` with newlines inserted so that no line is wider than `avail` points."""
    if not text:
        return ""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        line, line_w = "", 0.0
        for tok in _tokens(paragraph):
            tok_w = width(tok, size)
            if line_w + tok_w <= avail:
                line, line_w = line + tok, line_w + tok_w
                continue
            if tok.isspace():
                lines.append(line)
                line, line_w = "", 0.0
                continue
            if tok_w > avail:  # a token wider than the cell: break it by characters
                for ch in tok:
                    ch_w = width(ch, size)
                    if line_w + ch_w > avail and line:
                        lines.append(line)
                        line, line_w = "", 0.0
                    line, line_w = line + ch, line_w + ch_w
                continue
            if line:
                lines.append(line)
            line, line_w = tok, tok_w
        lines.append(line)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return "\n".join(lines)
