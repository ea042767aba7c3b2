"""PySide6 6.12.0 lost a reference to None on every call returning nothing and aborted the
application after ~10,000 calls (Fatal Python error: none_dealloc); the lock pins below it.
This guards against a re-lock bringing such a release back."""

import sys


def test_calls_do_not_leak_references_to_none(qtbot):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("小升规")
    assert abs(sys.getrefcount(None) - before) < 100
