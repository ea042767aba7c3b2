"""A key fingerprint laid out for reading aloud over the phone: eight numbered groups of
four characters, each with how to say it (1 as “幺” so it is not heard as 7)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

_SAY = dict(zip("0123456789", "零幺二三四五六七八九"))


def groups(fingerprint: str | None) -> list[str]:
    """'ab12 CD34…' or 'AB12CD34…' → ['AB12', 'CD34', …]."""
    plain = "".join(ch for ch in (fingerprint or "").upper() if ch.isalnum())
    return [plain[i:i + 4] for i in range(0, len(plain), 4)]


def say(group: str) -> str:
    """How a group is read out: digits in Chinese, letters as letters."""
    return " ".join(_SAY.get(ch, ch) for ch in group)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and groups(a) == groups(b)


def typed_state(text: str, expected: str) -> tuple[str, str, bool | None]:
    """What to say under a fingerprint being typed as it is heard: (text, colour, verdict),
    verdict True when it equals `expected`, False when a group already differs, None while
    it is empty or still being typed."""
    entered = groups(text)
    if not entered:
        return "", "", None
    if same(text, expected):
        return "✓ 与包中的指纹一致", "color: #1b7f3a;", True
    wanted = groups(expected)
    last = len(entered) - 1  # the group being typed may still be short
    wrong = [i + 1 for i, g in enumerate(entered)
             if i >= len(wanted) or (g != wanted[i] and not (
                 i == last and len(g) < 4 and wanted[i].startswith(g)))]
    if wrong:
        return f"✗ 第{'、'.join(map(str, wrong))}组与包中的指纹不一致", "color: #b00020;", False
    return f"已输入{len(entered)}组，共8组", "color: #555;", None


class FingerprintView(QWidget):
    """Two rows of four numbered groups in a large fixed-width font."""

    def __init__(self, fingerprint: str | None = None, parent: QWidget | None = None,
                 point_size: int = 18):
        super().__init__(parent)
        self._point_size = point_size
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(0)
        self.cells: list[QLabel] = []
        self.set_fingerprint(fingerprint)

    def set_fingerprint(self, fingerprint: str | None) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.cells = []
        self.fingerprint = fingerprint
        parts = groups(fingerprint)
        if not parts:
            self.grid.addWidget(QLabel("（无）"), 0, 0)
            return
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSize(self._point_size)
        mono.setWeight(QFont.Weight.Bold)
        for i, part in enumerate(parts):
            row, col = divmod(i, 4)
            number = QLabel(f"第{i + 1}组")
            number.setStyleSheet("color: #888; font-size: 11px;")
            if row:
                number.setContentsMargins(0, 8, 0, 0)
            cell = QLabel(part)
            cell.setFont(mono)
            cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            spoken = QLabel(say(part))
            spoken.setStyleSheet("color: #555; font-size: 12px;")
            for j, w in enumerate((number, cell, spoken)):
                w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
                self.grid.addWidget(w, row * 3 + j, col)
            self.cells.append(cell)

    def text(self) -> str:
        return " ".join(c.text() for c in self.cells)
