"""Queue tickets and request receipts for 80 mm thermal printers: page height fitted to the content.

Queue ticket data::

    {"village": "DESA SARONGAN", "queue_number": "K-012", "issued_at": "2026-11-27T08:15",
     "letter_title": "Surat Keterangan Domisili", "bring": ["KTP asli", ...],
     "request_number": "PMH-2026-000123", "note": "Tunggu nomor Anda dipanggil."}

Receipt data::

    {"village": ..., "title": "TANDA TERIMA PERMOHONAN" (optional), "request_number": ..., "received_at": ...,
     "resident_name": ..., "letter_title": ..., "rows": [[label, value], ...] (optional), "note": ...}
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, Paragraph, Spacer, Table, TableStyle

from printing.document import DocPart, build_pdf
from printing.fonts import SERIF, SERIF_BOLD, register_fonts

TICKET_WIDTH = 80 * mm
SIDE_MARGIN = 4 * mm  # 80 mm printers print about 72 mm
END_MARGIN = 4 * mm


def _t(value: Any) -> str:
    return escape("" if value is None else str(value))


def _when(value: Any) -> str:
    """`2026-11-27T08:15` -> `27 November 2026 08.15` (Indonesian)."""
    if not value:
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return f"{format_date(moment.date(), 'd MMMM y', locale='id')} {moment:%H.%M}"


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("t", fontName=SERIF, fontSize=10, leading=12.5, alignment=TA_CENTER)
    return {
        "center": base,
        "left": ParagraphStyle("l", parent=base, alignment=TA_LEFT),
        "head": ParagraphStyle("h", parent=base, fontName=SERIF_BOLD, fontSize=12, leading=15),
        "big": ParagraphStyle("b", parent=base, fontName=SERIF_BOLD, fontSize=40, leading=46),
        "small": ParagraphStyle("s", parent=base, fontSize=8.5, leading=10.5),
    }


def _fitted(flowables: list[Flowable], info: dict[str, str]) -> bytes:
    width = TICKET_WIDTH - 2 * SIDE_MARGIN
    height = sum(f.wrap(width, 10_000)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)
    # a little slack so rounding never pushes the last line onto a second page
    page = (TICKET_WIDTH, height + 2 * END_MARGIN + 3 * mm)
    margins = (END_MARGIN, SIDE_MARGIN, END_MARGIN, SIDE_MARGIN)
    return build_pdf([DocPart(page, margins, lambda _w: flowables)], info)


def _rule() -> HRFlowable:
    return HRFlowable(width="100%", thickness=0.8, dash=(2, 2), spaceBefore=3, spaceAfter=3)


def render_queue_ticket(data: dict[str, Any]) -> bytes:
    """The kiosk's queue ticket (nomor antrian) as an 80 mm wide PDF."""
    st = _styles()
    f: list[Flowable] = [Paragraph(_t(str(data.get("village", "")).upper()), st["head"]), _rule()]
    f.append(Paragraph("NOMOR ANTRIAN", st["center"]))
    f.append(Paragraph(_t(data.get("queue_number", "")), st["big"]))
    f.append(Paragraph(_t(_when(data.get("issued_at"))), st["center"]))
    f.append(_rule())
    if data.get("letter_title"):
        f.append(Paragraph(f"<b>{_t(data['letter_title'])}</b>", st["center"]))
    bring = data.get("bring") or []
    if bring:
        f.append(Spacer(1, 2 * mm))
        f.append(Paragraph("Yang perlu dibawa:", st["left"]))
        f += [Paragraph(f"• {_t(item)}", st["left"]) for item in bring]
    if data.get("request_number"):
        f.append(Spacer(1, 2 * mm))
        f.append(Paragraph(f"No. permohonan: <b>{_t(data['request_number'])}</b>", st["center"]))
    if data.get("note"):
        f.append(_rule())
        f.append(Paragraph(_t(data["note"]), st["small"]))
    return _fitted(f, {"title": f"Nomor antrian {data.get('queue_number', '')}", "author": str(data.get("village", ""))})


def render_receipt(data: dict[str, Any]) -> bytes:
    """A request receipt (tanda terima permohonan) as an 80 mm wide PDF."""
    st = _styles()
    f: list[Flowable] = [Paragraph(_t(str(data.get("village", "")).upper()), st["head"]), _rule()]
    f.append(Paragraph(f"<b>{_t(data.get('title') or 'TANDA TERIMA PERMOHONAN')}</b>", st["center"]))
    f.append(Spacer(1, 2 * mm))
    rows = [
        ["No. permohonan", data.get("request_number")],
        ["Diterima", _when(data.get("received_at"))],
        ["Pemohon", data.get("resident_name")],
        ["Surat", data.get("letter_title")],
        *(data.get("rows") or []),
    ]
    width = TICKET_WIDTH - 2 * SIDE_MARGIN
    table = Table(
        [[Paragraph(_t(k), st["left"]), Paragraph(_t(v), st["left"])] for k, v in rows if v],
        colWidths=[24 * mm, width - 24 * mm],
        style=TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]),
    )
    f.append(table)
    if data.get("note"):
        f.append(_rule())
        f.append(Paragraph(_t(data["note"]), st["small"]))
    return _fitted(f, {"title": f"Tanda terima {data.get('request_number', '')}", "author": str(data.get("village", ""))})
