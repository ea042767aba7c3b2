"""A form template as bytes (一表通, #22 item 4): the .xlsx the county sends in its packages.

Before a template is stored — at the county when it is registered, and again at every township
that receives it — the bytes are checked as a file first (size, a well-formed zip of bounded
size and ratio, no macros, external links, embedded objects or XML entity declarations) and
only then read by openpyxl and parsed as a template (spreadsheets/forms.py `parse_book`: every
syntax problem named by its cell). What a field name means is the service's check.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from ..errors import UserError
from .forms import FormTemplate, parse_book

MAX_TEMPLATE_BYTES = 2 * 1024 * 1024     # the .xlsx as sent
MAX_UNPACKED_BYTES = 40 * 1024 * 1024    # every part of it unpacked
MAX_PARTS = 1000
MAX_RATIO = 100                          # unpacked / packed, for a part over 64 KB
# parts a form does not need and a hostile file would carry
FORBIDDEN_PARTS = (("xl/vbaProject.bin", "含有宏（VBA）"), ("xl/externalLinks/", "含有外部链接"),
                   ("xl/embeddings/", "含有嵌入的对象"), ("xl/activeX/", "含有ActiveX控件"),
                   ("xl/connections.xml", "含有外部数据连接"))


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def file_problems(data: bytes) -> list[str]:
    """What is wrong with `data` as a template file (Chinese), before openpyxl reads it."""
    if not data:
        return ["文件是空的"]
    if len(data) > MAX_TEMPLATE_BYTES:
        return [f"文件过大（{size_text(len(data))}），报表模板不能超过{size_text(MAX_TEMPLATE_BYTES)}"]
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return ["不是.xlsx文件（请用Excel或WPS另存为.xlsx格式）"]
    problems: list[str] = []
    with book:
        parts = book.infolist()
        if len(parts) > MAX_PARTS:
            return [f"文件结构异常（{len(parts)}个部件）"]
        names = {p.filename for p in parts}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            return ["不是.xlsx文件（缺少工作簿部件；请用Excel或WPS另存为.xlsx格式）"]
        if sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
            return [f"文件解压后过大（超过{size_text(MAX_UNPACKED_BYTES)}）"]
        for p in parts:
            if p.file_size > 64 * 1024 and p.file_size > MAX_RATIO * max(p.compress_size, 1):
                return [f"文件结构异常（部件{p.filename[:60]}的压缩比过高）"]
            if p.filename.startswith("/") or ".." in p.filename.split("/"):
                return [f"文件结构异常（部件名“{p.filename[:60]}”）"]
        for prefix, why in FORBIDDEN_PARTS:
            if any(n == prefix or n.startswith(prefix) for n in names):
                problems.append(f"{why}，报表模板不能带这些内容（请另存为不含宏的.xlsx）")
        if problems:
            return problems
        try:
            for p in parts:
                if not p.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                with book.open(p) as f:
                    text = f.read(MAX_UNPACKED_BYTES + 1)
                if len(text) != p.file_size:
                    return [f"文件结构异常（部件{p.filename[:60]}的大小与声明不符）"]
                head = text[:4096]
                if b"<!DOCTYPE" in head or b"<!ENTITY" in text:
                    return ["文件中含有XML实体声明，报表模板不能带这些内容"]
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError):
            return ["文件已损坏（压缩数据校验失败）"]
    return problems


def read_template_bytes(data: bytes, name: str) -> FormTemplate:
    """The template in `data` (an .xlsx called `name`): file_problems first (UserError with
    them), then parsed as spreadsheets/forms.py `read_template` parses a file."""
    problems = file_problems(data)
    if problems:
        raise UserError(f"报表模板“{name}”未通过检查：" + "；".join(problems))
    try:
        book = load_workbook(io.BytesIO(data))
    except Exception as e:  # a damaged or foreign file: openpyxl raises many kinds
        raise UserError(f"无法读取报表模板“{name}”（{type(e).__name__}），请用Excel或WPS打开后另存为.xlsx再试") from e
    return parse_book(book, Path(name))
