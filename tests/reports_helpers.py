"""Reading back the PDFs the report tests write (poppler's pdftotext and pdffonts)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest

TODAY = date(2026, 11, 23)  # the demo_county fixture's as-of date

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                                   reason="poppler-utils (pdftotext, pdffonts) not installed")


def pdf_pages(path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def flat(text: str) -> str:
    """Text without any whitespace, so a name wrapped over two lines reads as one."""
    return re.sub(r"\s+", "", text)


def fonts(path) -> list[dict]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object-id gen
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4]})
    return rows


def assert_fonts_embedded(path) -> None:
    found = fonts(path)
    assert found, "the PDF references no font"
    assert all(f["emb"] == "yes" for f in found), f"non-embedded fonts: {found}"
    assert all("WenQuanYi" in f["name"] for f in found), found


def assert_page_footers(pages: list[str]) -> None:
    total = len(pages)
    for number, text in enumerate(pages, 1):
        assert re.search(rf"第\s*{number}\s*页\s*共\s*{total}\s*页", text), f"page {number} footer missing"
