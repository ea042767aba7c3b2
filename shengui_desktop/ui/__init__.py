"""The window (PySide6 Widgets). The only layer that imports Qt; widgets call services."""
