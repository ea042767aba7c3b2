"""Render installer/icons/shengui.svg to the PNG the Linux desktop entry shows and the .ico
the Windows program and its installer carry. Run after changing the SVG:
    QT_QPA_PLATFORM=offscreen uv run python installer/make_icons.py
(Qt draws the sizes; the .ico is written by hand: a header and one PNG per size, which every
Windows since Vista reads.)"""

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

FOLDER = Path(__file__).resolve().parent / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)


def ico(images: dict[int, bytes]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images.items():
        side = 0 if size >= 256 else size  # 0 means 256 in an icon directory
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + entries + blobs


def main() -> int:
    app = QGuiApplication(sys.argv)  # noqa: F841 - QImage/QPainter need the application
    renderer = QSvgRenderer(str(FOLDER / "shengui.svg"))
    if not renderer.isValid():
        print("图标文件无效：shengui.svg", file=sys.stderr)
        return 1
    (FOLDER / "shengui.png").write_bytes(render(renderer, 256))
    (FOLDER / "shengui.ico").write_bytes(ico({size: render(renderer, size) for size in ICO_SIZES}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
