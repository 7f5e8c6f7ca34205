"""Shared helpers for the printing tests: text, page sizes, rasterising and QR decoding."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

MM = 72 / 25.4


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(io.BytesIO(data)).pages]


def need_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: poppler-utils / zbar-tools)")
    return path


def rasterise(data: bytes, tmp_path: Path, dpi: int = 150) -> list[Path]:
    """PNG pages of a PDF rendered by pdftoppm."""
    pdftoppm = need_binary("pdftoppm")
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(data)
    subprocess.run([pdftoppm, "-r", str(dpi), "-png", str(pdf), str(tmp_path / "page")], check=True)
    return sorted(tmp_path.glob("page*.png"))


def decode_qr(png: Path) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    image_mod = pytest.importorskip("PIL.Image")
    with image_mod.open(png) as img:
        results = zxingcpp.read_barcodes(img.convert("L"))
    return [r.text for r in results]


def word_boxes(data: bytes, tmp_path: Path) -> list[tuple[float, float, float, float, str, int]]:
    """(x_min, y_min, x_max, y_max, word, page) in points, from `pdftotext -bbox`."""
    pdftotext = need_binary("pdftotext")
    pdf = tmp_path / "words.pdf"
    pdf.write_bytes(data)
    html = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    boxes = []
    for page_no, page in enumerate(html.split("<page ")[1:]):
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page
        ):
            boxes.append((float(m[1]), float(m[2]), float(m[3]), float(m[4]), m[5], page_no))
    return boxes


def text_starts(data: bytes) -> list[tuple[float, str]]:
    """(x, text) of every text run pypdf sees, x in points from the page's left edge."""
    starts: list[tuple[float, str]] = []
    for page in PdfReader(io.BytesIO(data)).pages:

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                starts.append((x, text))

        page.extract_text(visitor_text=visit)
    return starts
