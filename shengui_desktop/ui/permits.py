"""Buttons the signed-in person's role may not use: disabled, with a tooltip saying why.

The services refuse such calls anyway (services/office/permissions.py); this only spares the
person the click. A page that enables its buttons as its state changes (a row selected, a
file chosen) need not know: the guard turns a guarded button off again whenever it is enabled.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class RoleGuard(QObject):
    """Keeps one widget disabled and its tooltip on the reason."""

    def __init__(self, widget: QWidget, reason: str):
        super().__init__(widget)
        self.widget = widget
        self.reason = reason
        widget.setToolTip(reason)
        widget.setStatusTip(reason)
        widget.setEnabled(False)
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.EnabledChange and self.widget.isEnabled():
            self.widget.setEnabled(False)
        elif event.type() == QEvent.Type.ToolTipChange and self.widget.toolTip() != self.reason:
            self.widget.setToolTip(self.reason)
        return False


def guard(widget: QWidget | None, reason: str | None) -> RoleGuard | None:
    """Disable `widget` for good with `reason` as its tooltip; nothing when reason is None."""
    if widget is None or reason is None:
        return None
    return RoleGuard(widget, reason)
