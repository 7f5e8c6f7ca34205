"""Laporan Realisasi Pelaksanaan APBDes — Semester I or Akhir Tahun — as a paginated A4 PDF.

Two tables, as OpenSID and Permendagri 20/2018 lay them out: per kelompok (pendapatan, belanja and
pembiayaan by kelompok and jenis) and per bidang (belanja by bidang, sub bidang and kegiatan), each with
kode · uraian · anggaran · realisasi · lebih/(kurang) · %; then surplus/defisit, pembiayaan netto and
SiLPA, and the signature of the Kepala Desa.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from printing.apbdes_common import BudgetPrint, Row, pct, rupiah, tanggal
from printing.document import DocPart, build_pdf
from printing.fonts import SERIF, SERIF_BOLD, register_fonts

HEAD = ["Kode Rek.", "Uraian", "Anggaran (Rp)", "Realisasi (Rp)", "Lebih/(Kurang) (Rp)", "%"]
SHARES = [0.12, 0.37, 0.15, 0.15, 0.14, 0.07]


def _t(value: Any) -> str:
    return escape("" if value is None else str(value))


def render_realization_report(data: BudgetPrint) -> bytes:
    register_fonts()
    cell = ParagraphStyle("c", fontName=SERIF, fontSize=8.5, leading=10, alignment=TA_LEFT)
    num = ParagraphStyle("n", parent=cell, alignment=TA_RIGHT)
    bold = ParagraphStyle("b", parent=cell, fontName=SERIF_BOLD)
    bnum = ParagraphStyle("bn", parent=num, fontName=SERIF_BOLD)
    head = ParagraphStyle("h", parent=cell, fontName=SERIF_BOLD, alignment=TA_CENTER)
    title = ParagraphStyle("t", parent=cell, fontName=SERIF_BOLD, fontSize=12, leading=15, alignment=TA_CENTER)
    sub = ParagraphStyle("s", parent=cell, fontSize=10, leading=13, alignment=TA_CENTER)
    office = data.office
    period = data.period or "AKHIR TAHUN"

    def table(rows: list[Row], summary: list[tuple[str, Any, Any]]) -> Table:
        body: list[list[Any]] = [[Paragraph(h, head) for h in HEAD]]
        style: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, -1), 0.4, black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), Color(0.88, 0.92, 0.88)),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
        for r in rows:
            s, n = (bold, bnum) if r.bold or r.level == 0 else (cell, num)
            indent = "&nbsp;" * (3 * r.level)
            body.append([Paragraph(_t(r.code), s), Paragraph(indent + _t(r.name), s),
                         Paragraph(rupiah(r.budget), n), Paragraph(rupiah(r.realization), n),
                         Paragraph(rupiah(r.difference, parentheses=True), n),
                         Paragraph(pct(r.realization, r.budget), n)])
            if r.level == 0:
                style.append(("BACKGROUND", (0, len(body) - 1), (-1, len(body) - 1), Color(0.95, 0.95, 0.95)))
        for label, budget, real in summary:
            body.append([Paragraph("", bold), Paragraph(_t(label), bold),
                         Paragraph(rupiah(budget, parentheses=True), bnum),
                         Paragraph(rupiah(real, parentheses=True), bnum),
                         Paragraph(rupiah(real - budget, parentheses=True), bnum), Paragraph("", bnum)])
            style.append(("BACKGROUND", (0, len(body) - 1), (-1, len(body) - 1), Color(0.9, 0.9, 0.9)))
        return Table(body, colWidths=None, repeatRows=1, style=TableStyle(style))

    def story(width: float) -> list[Flowable]:
        out: list[Flowable] = []
        for line in office.letterhead:
            out.append(Paragraph(_t(line), sub))
        out.append(Spacer(1, 3 * mm))
        out.append(Paragraph(f"LAPORAN REALISASI PELAKSANAAN APBDes {period}", title))
        out.append(Paragraph(_t(f"{office.village.upper()} · TAHUN ANGGARAN {data.year}"), title))
        until = f"Realisasi sampai dengan {tanggal(data.as_of)}" if data.as_of else "Belum ada realisasi tercatat"
        out.append(Paragraph(_t(f"{data.version_label} — {data.perdes} · {until}"), sub))
        out.append(Spacer(1, 5 * mm))
        widths = [s * width for s in SHARES]
        out.append(Paragraph("A. Per Kelompok", bold))
        out.append(Spacer(1, 1.5 * mm))
        t1 = table(data.kelompok_rows, [
            ("SURPLUS/(DEFISIT)", data.surplus, data.real_surplus),
            ("PEMBIAYAAN NETTO", data.netto, data.real_netto),
            ("SISA LEBIH/(KURANG) PEMBIAYAAN ANGGARAN (SiLPA)", data.surplus + data.netto,
             data.real_surplus + data.real_netto)])
        t1._argW = widths
        out.append(t1)
        out.append(Spacer(1, 6 * mm))
        out.append(Paragraph("B. Belanja per Bidang", bold))
        out.append(Spacer(1, 1.5 * mm))
        t2 = table(data.bidang_rows, [("JUMLAH BELANJA", data.belanja, data.real_belanja)])
        t2._argW = widths
        out.append(t2)
        out.append(Spacer(1, 8 * mm))
        sign = Table([["", Paragraph(_t(f"{office.place or office.village}, {tanggal(data.printed_on)}"), sub)],
                      ["", Paragraph(_t(f"{office.head_title} {office.place or office.village}"), sub)],
                      ["", Spacer(1, 16 * mm)],
                      ["", Paragraph(f"<b>{_t(office.head_name.upper())}</b>", sub)]],
                     colWidths=[width * 0.55, width * 0.45])
        out.append(KeepTogether([sign]))
        return out

    margins = (15 * mm, 12 * mm, 18 * mm, 15 * mm)
    info = {"title": f"Laporan Realisasi Pelaksanaan APBDes {period.title()} {data.year}",
            "author": office.village, "subject": "Laporan Realisasi APBDes"}
    return build_pdf([DocPart(A4, margins, story)], info, number_single_pages=True)
