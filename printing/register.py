"""The outgoing-letter register (Buku Agenda Surat Keluar) for one year: a landscape, paginated table.

Rows: ``{"no": int (optional, else the position), "number": str, "date": "YYYY-MM-DD", "type": str,
"resident": str, "state": "issued" | "void" | "unused" | any text}``. Office:
``{"lines": ["PEMERINTAH KABUPATEN ...", ..., "DESA ..."], "paper": "A4" | "F4" (optional)}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date
from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from printing.document import DocPart, build_pdf
from printing.fonts import SERIF, SERIF_BOLD, register_fonts
from printing.letter import PAPER_SIZES

STATE_LABELS = {"issued": "Terbit", "printed": "Terbit", "void": "BATAL", "unused": "TIDAK TERPAKAI"}
COLUMNS = ["No", "Nomor Surat", "Tanggal", "Jenis Surat", "Nama Penduduk", "Keterangan"]
COLUMN_SHARES = [0.05, 0.24, 0.12, 0.25, 0.22, 0.12]


def _t(value: Any) -> str:
    return escape("" if value is None else str(value))


def _date(value: Any) -> str:
    if not value:
        return ""
    return format_date(dt.date.fromisoformat(str(value)[:10]), "d MMM y", locale="id")


def render_register(rows: list[dict[str, Any]], office: dict[str, Any], year: int) -> bytes:
    """The Buku Agenda Surat Keluar of `year` as a landscape PDF with a repeated header row."""
    register_fonts()
    cell = ParagraphStyle("c", fontName=SERIF, fontSize=9.5, leading=11.5, alignment=TA_LEFT)
    head = ParagraphStyle("h", parent=cell, fontName=SERIF_BOLD, alignment=TA_CENTER)
    title = ParagraphStyle("t", parent=cell, fontName=SERIF_BOLD, fontSize=13, leading=16, alignment=TA_CENTER)
    sub = ParagraphStyle("s", parent=cell, fontSize=10.5, leading=13, alignment=TA_CENTER)
    void = ParagraphStyle("v", parent=cell, fontName=SERIF_BOLD)

    def story(width: float) -> list[Flowable]:
        out: list[Flowable] = [Paragraph(f"BUKU AGENDA SURAT KELUAR TAHUN {year}", title)]
        lines = [str(x) for x in office.get("lines") or []]
        if lines:
            out.append(Paragraph(_t(" · ".join(lines)), sub))
        out.append(Spacer(1, 5 * mm))
        data: list[list[Any]] = [[Paragraph(c, head) for c in COLUMNS]]
        shaded = []
        for i, row in enumerate(rows, start=1):
            state = str(row.get("state") or "")
            label = STATE_LABELS.get(state, state)
            if label in ("BATAL", "TIDAK TERPAKAI"):
                shaded.append(i)
            data.append([
                Paragraph(_t(row.get("no", i)), cell),
                Paragraph(_t(row.get("number")), cell),
                Paragraph(_t(_date(row.get("date"))), cell),
                Paragraph(_t(row.get("type")), cell),
                Paragraph(_t(row.get("resident")), cell),
                Paragraph(_t(label), void if label == "BATAL" else cell),
            ])
        style = [
            ("GRID", (0, 0), (-1, -1), 0.5, black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), Color(0.9, 0.9, 0.9)),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        style += [("BACKGROUND", (0, i), (-1, i), Color(0.96, 0.96, 0.96)) for i in shaded]
        out.append(Table(data, colWidths=[s * width for s in COLUMN_SHARES], repeatRows=1,
                         style=TableStyle(style)))
        return out

    portrait = PAPER_SIZES[str(office.get("paper") or "A4").upper()]
    landscape = (portrait[1], portrait[0])
    margins = (15 * mm, 15 * mm, 18 * mm, 15 * mm)
    lines = office.get("lines") or [""]
    info = {"title": f"Buku Agenda Surat Keluar {year}", "author": str(lines[-1])}
    return build_pdf([DocPart(landscape, margins, story)], info, number_single_pages=True)
