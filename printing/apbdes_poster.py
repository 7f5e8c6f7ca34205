"""The APBDes transparency poster (baliho / infografis) as a vector PDF, A3 or A1 portrait.

Drawn straight on the canvas in units of the page width, so A1 is A3 scaled up: large type that reads
from a few metres, the village's name and logo, where the money comes from (pendapatan per jenis),
what it is spent on (belanja per bidang, with realization), the main kegiatan with location and amount,
pembiayaan and SiLPA, and the date the realization figures are as of.
"""

from __future__ import annotations

import io
from decimal import Decimal

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A1, A3
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from printing.apbdes_common import BudgetPrint, pct, rupiah, short_rupiah, tanggal
from printing.fonts import SERIF, SERIF_BOLD, register_fonts

SIZES = {"A3": A3, "A1": A1}
GREEN = HexColor("#1b5e20")
LIGHT = HexColor("#e8f5e9")
GOLD = HexColor("#f9a825")
GREY = HexColor("#555555")
BAR_BG = HexColor("#dfe6df")
INCOME_COLORS = [HexColor(c) for c in ("#2e7d32", "#1565c0", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457",
                                       "#4e342e", "#546e7a")]


def _fit(c: Canvas, text: str, font: str, size: float, width: float) -> float:
    """The font size (at most ``size``) at which ``text`` fits in ``width``."""
    w = stringWidth(text, font, size)
    return size if w <= width else max(size * width / w, size * 0.45)


def _text(c: Canvas, x: float, y: float, text: str, font: str, size: float, *, width: float | None = None,
          color: Color = GREEN, anchor: str = "left") -> None:
    if width is not None:
        size = _fit(c, text, font, size, width)
    c.setFont(font, size)
    c.setFillColor(color)
    if anchor == "right":
        c.drawRightString(x, y, text)
    elif anchor == "center":
        c.drawCentredString(x, y, text)
    else:
        c.drawString(x, y, text)


def _wrap(text: str, font: str, size: float, width: float, max_lines: int = 2) -> list[str]:
    words, lines, cur = text.split(), [], ""
    for w in words:
        trial = f"{cur} {w}".strip()
        if stringWidth(trial, font, size) <= width or not cur:
            cur = trial
        else:
            lines.append(cur)
            cur = w
    if cur:
        lines.append(cur)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and stringWidth(lines[-1] + "…", font, size) > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] += "…"
    return lines


def render_poster(data: BudgetPrint, size: str = "A3") -> bytes:
    register_fonts()
    page_w, page_h = SIZES[size.upper()]
    u = page_w / 297.0  # one A3 millimetre, scaled
    out = io.BytesIO()
    c = Canvas(out, pagesize=(page_w, page_h), pageCompression=1)
    office = data.office
    c.setTitle(f"Infografis {data.version_label} {office.village} {data.year}")
    c.setAuthor(office.village)
    c.setSubject("Transparansi APBDes")
    margin = 12 * u
    inner = page_w - 2 * margin

    # header band
    band = 62 * u
    c.setFillColor(GREEN)
    c.rect(0, page_h - band, page_w, band, stroke=0, fill=1)
    x = margin
    if office.logo_png:
        try:
            img = ImageReader(io.BytesIO(office.logo_png))
            c.drawImage(img, margin, page_h - band + 8 * u, 46 * u, 46 * u, preserveAspectRatio=True, mask="auto")
            x = margin + 54 * u
        except Exception:  # a broken logo never stops the poster
            x = margin
    title = f"{data.version_label.upper()} TAHUN ANGGARAN {data.year}"
    _text(c, x, page_h - 22 * u, "INFOGRAFIS", SERIF_BOLD, 11 * u, color=GOLD)
    _text(c, x, page_h - 36 * u, title, SERIF_BOLD, 17 * u, width=page_w - x - margin, color=white)
    _text(c, x, page_h - 49 * u, office.village.upper(), SERIF_BOLD, 14 * u, width=page_w - x - margin, color=white)
    sub = f"Kecamatan {office.kecamatan} · {office.kabupaten}"
    _text(c, x, page_h - 57 * u, sub, SERIF, 7 * u, width=page_w - x - margin, color=white)
    y = page_h - band - 9 * u
    _text(c, margin, y, data.perdes, SERIF, 7 * u, width=inner, color=GREY)

    # three big figures
    y -= 8 * u
    box_h = 44 * u
    box_w = (inner - 2 * 6 * u) / 3
    figures = [("PENDAPATAN", data.pendapatan, data.real_pendapatan),
               ("BELANJA", data.belanja, data.real_belanja),
               ("PEMBIAYAAN NETTO", data.netto, data.real_netto)]
    for i, (label, budget, real) in enumerate(figures):
        bx = margin + i * (box_w + 6 * u)
        c.setFillColor(LIGHT)
        c.roundRect(bx, y - box_h, box_w, box_h, 4 * u, stroke=0, fill=1)
        _text(c, bx + box_w / 2, y - 11 * u, label, SERIF_BOLD, 8.5 * u, anchor="center", width=box_w - 6 * u)
        _text(c, bx + box_w / 2, y - 25 * u, short_rupiah(budget), SERIF_BOLD, 15 * u, anchor="center",
              width=box_w - 6 * u)
        _text(c, bx + box_w / 2, y - 33 * u, "Rp " + rupiah(budget), SERIF, 6 * u, anchor="center",
              width=box_w - 6 * u, color=GREY)
        if label != "PEMBIAYAAN NETTO":
            _text(c, bx + box_w / 2, y - 40 * u, f"Realisasi {pct(real, budget)}%", SERIF_BOLD, 7 * u,
                  anchor="center", color=GOLD if real else GREY)
        else:
            _text(c, bx + box_w / 2, y - 40 * u,
                  f"Penerimaan {short_rupiah(data.penerimaan)} · Pengeluaran {short_rupiah(data.pengeluaran)}",
                  SERIF, 5.5 * u, anchor="center", width=box_w - 6 * u, color=GREY)
    y -= box_h + 10 * u

    # where the money comes from
    _text(c, margin, y, "SUMBER PENDAPATAN", SERIF_BOLD, 11 * u)
    y -= 5 * u
    total_income = sum((r.budget for r in data.income), Decimal(0)) or Decimal(1)
    bar_x = margin + 88 * u
    bar_w = inner - 88 * u - 52 * u
    for i, row in enumerate(data.income[:8]):
        y -= 11 * u
        _text(c, margin, y + 1 * u, row.name, SERIF, 7 * u, width=86 * u, color=HexColor("#222222"))
        c.setFillColor(BAR_BG)
        c.rect(bar_x, y, bar_w, 6 * u, stroke=0, fill=1)
        c.setFillColor(INCOME_COLORS[i % len(INCOME_COLORS)])
        c.rect(bar_x, y, float(Decimal(bar_w) * row.budget / total_income), 6 * u, stroke=0, fill=1)
        _text(c, page_w - margin, y + 1 * u, "Rp " + rupiah(row.budget), SERIF_BOLD, 7 * u, anchor="right",
              width=50 * u)
    y -= 12 * u

    # what it is spent on
    _text(c, margin, y, "BELANJA PER BIDANG", SERIF_BOLD, 11 * u)
    _text(c, page_w - margin, y, "anggaran · realisasi", SERIF, 6 * u, anchor="right", color=GREY)
    y -= 5 * u
    most = max((r.budget for r in data.bidang), default=Decimal(1)) or Decimal(1)
    for row in data.bidang:
        y -= 14 * u
        name = row.name.replace("Bidang ", "")
        lines = _wrap(name, SERIF, 7 * u, 86 * u, 2)
        for k, line in enumerate(lines):
            _text(c, margin, y + 3 * u - k * 7.5 * u, line, SERIF, 7 * u, color=HexColor("#222222"))
        w = float(Decimal(bar_w) * row.budget / most)
        c.setFillColor(BAR_BG)
        c.rect(bar_x, y, w, 7 * u, stroke=0, fill=1)
        if row.budget:
            c.setFillColor(GREEN)
            c.rect(bar_x, y, w * float(min(row.realization / row.budget, Decimal(1))), 7 * u, stroke=0, fill=1)
        _text(c, page_w - margin, y + 3.5 * u, "Rp " + rupiah(row.budget), SERIF_BOLD, 7 * u, anchor="right",
              width=50 * u)
        _text(c, page_w - margin, y - 3 * u, f"realisasi {pct(row.realization, row.budget)}%", SERIF, 5.5 * u,
              anchor="right", color=GREY)
    y -= 16 * u

    # main kegiatan
    _text(c, margin, y, "KEGIATAN UTAMA", SERIF_BOLD, 11 * u)
    y -= 4 * u
    col_amount = page_w - margin - 24 * u
    c.setFillColor(GREEN)
    c.rect(margin, y - 8 * u, inner, 8 * u, stroke=0, fill=1)
    _text(c, margin + 2 * u, y - 5.8 * u, "Kegiatan", SERIF_BOLD, 6.5 * u, color=white)
    _text(c, margin + 130 * u, y - 5.8 * u, "Lokasi", SERIF_BOLD, 6.5 * u, color=white)
    _text(c, col_amount, y - 5.8 * u, "Anggaran (Rp)", SERIF_BOLD, 6.5 * u, anchor="right", color=white)
    _text(c, page_w - margin - 2 * u, y - 5.8 * u, "Real.", SERIF_BOLD, 6.5 * u, anchor="right", color=white)
    y -= 8 * u
    footer_top = 40 * u
    row_h = 12.5 * u
    max_rows = max(0, int((y - footer_top - 24 * u) // row_h))
    for i, (_code, name, lokasi, budget, real) in enumerate(data.kegiatan[:max_rows]):
        if i % 2:
            c.setFillColor(LIGHT)
            c.rect(margin, y - row_h, inner, row_h, stroke=0, fill=1)
        lines = _wrap(name, SERIF, 6.5 * u, 124 * u, 2)
        top = y - (5 * u if len(lines) == 2 else 7.5 * u)
        for k, line in enumerate(lines):
            _text(c, margin + 2 * u, top - k * 6.5 * u, line, SERIF, 6.5 * u, color=HexColor("#222222"))
        _text(c, margin + 130 * u, y - 7.5 * u, lokasi or "-", SERIF, 6.5 * u, width=70 * u, color=GREY)
        _text(c, col_amount, y - 7.5 * u, rupiah(budget), SERIF_BOLD, 6.5 * u, anchor="right", width=48 * u)
        _text(c, page_w - margin - 2 * u, y - 7.5 * u, f"{pct(real, budget)}%", SERIF, 6 * u, anchor="right")
        y -= row_h
    y -= 8 * u

    # pembiayaan and SiLPA
    silpa = data.surplus + data.netto
    parts = [("Surplus/(Defisit)", rupiah(data.surplus, parentheses=True)),
             ("Penerimaan pembiayaan", rupiah(data.penerimaan)),
             ("Pengeluaran pembiayaan", rupiah(data.pengeluaran)),
             ("SiLPA tahun berjalan", rupiah(silpa, parentheses=True))]
    cell = inner / 4
    for i, (label, value) in enumerate(parts):
        cx = margin + i * cell + cell / 2
        _text(c, cx, y, label, SERIF, 6 * u, anchor="center", color=GREY, width=cell - 4 * u)
        _text(c, cx, y - 9 * u, "Rp " + value, SERIF_BOLD, 8.5 * u, anchor="center", width=cell - 4 * u)

    # footer
    c.setFillColor(GREEN)
    c.rect(0, 0, page_w, footer_top - 8 * u, stroke=0, fill=1)
    as_of = f"Realisasi per {tanggal(data.as_of)}" if data.as_of else "Belum ada realisasi tercatat"
    _text(c, margin, footer_top - 18 * u, as_of, SERIF_BOLD, 8 * u, color=GOLD)
    _text(c, margin, footer_top - 26 * u, "Informasi publik: UU 6/2014 tentang Desa, UU 14/2008 tentang Keterbukaan "
          "Informasi Publik.", SERIF, 5.5 * u, color=white, width=inner * 0.6)
    sign = f"{office.head_title} {office.place or office.village}"
    _text(c, page_w - margin, footer_top - 14 * u, f"{office.place or office.village}, {tanggal(data.printed_on)}",
          SERIF, 6 * u, anchor="right", color=white)
    _text(c, page_w - margin, footer_top - 21 * u, sign, SERIF, 6 * u, anchor="right", color=white)
    if office.head_name:
        _text(c, page_w - margin, footer_top - 29 * u, office.head_name.upper(), SERIF_BOLD, 7.5 * u,
              anchor="right", color=white)
    c.showPage()
    c.save()
    return out.getvalue()
