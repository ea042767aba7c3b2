"""Windows of the enterprise pages kept within the screen they open on."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def fit_to_screen(widget: QWidget, share: float = 0.92) -> None:
    """Keep a window within the free area of its screen (a 1024×768 laptop included):
    no taller or wider than `share` of it, and on it."""
    screen = widget.screen()
    if screen is None:
        return
    free = screen.availableGeometry()
    width = min(widget.width(), int(free.width() * share))
    height = min(widget.height(), int(free.height() * share))
    widget.setMaximumSize(free.width(), free.height())
    widget.resize(width, height)
