"""自动锁定: minutes without key or mouse input before the window locks (0 = never), kept
in this computer's settings; the window (ui/main_window.py `set_autolock`) does the locking."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout


class AutoLockBox(QGroupBox):
    def __init__(self, window, parent=None):
        super().__init__("自动锁定", parent)
        self.window_ = window
        col = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("无人操作"))
        self.minutes = QSpinBox()
        self.minutes.setRange(0, 240)
        self.minutes.setSuffix(" 分钟后")
        self.minutes.setSpecialValueText("从不")
        self.minutes.setMinimumWidth(120)
        self.minutes.setValue(window.autolock)
        self.minutes.valueChanged.connect(self._changed)
        row.addWidget(self.minutes)
        row.addWidget(QLabel("锁定台账"))
        row.addStretch(1)
        col.addLayout(row)
        note = QLabel("锁定时关闭所有窗口和页面中的数据，需要重新输入密码；解锁后回到原来的页面。"
                      "设为0则从不自动锁定。此设置只保存在本机。")
        note.setStyleSheet("color: #555;")
        note.setWordWrap(True)
        col.addWidget(note)

    def _changed(self, minutes: int) -> None:
        self.window_.set_autolock(minutes)
