"""Official village letters (surat) as print-ready PDF: kop, title and number, identity, body, signature, QR.

Input is the plain letter document built by `forms` (see `render_letter`); output is PDF bytes with
Liberation Serif embedded, page size exactly F4 (215 x 330 mm) or A4, and the letter's signed token in
the document info (`/SmartKampungToken`) so `printing.verify` can read it without a camera.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any
from xml.sax.saxutils import escape

from babel import Locale
from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from printing.dates import long_date
from printing.document import DocPart, build_pdf
from printing.fonts import SERIF, SERIF_BOLD, register_fonts
from printing.qr import QRFlowable, qr_size_for

PAPER_SIZES: dict[str, tuple[float, float]] = {
    "F4": (215 * mm, 330 * mm),
    "A4": (210 * mm, 297 * mm),
}
DEFAULT_MARGINS_MM = {"top": 20.0, "right": 20.0, "bottom": 20.0, "left": 25.0}
DEFAULT_QR_CAPTION = "Pindai untuk memeriksa keaslian surat ini"
TOKEN_INFO_KEY = "SmartKampungToken"
TOKEN_RE = re.compile(r"SK1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|SK2\.[A-Z2-7]+")

BODY_SIZE = 12
BODY_LEADING = 15
# A cheap phone needs modules of at least ~0.5 mm (3 pixels of a 150 dpi photo); error level M in
# printing.qr. A compact verify URL is a version 8 code (49 modules): 0.65 mm modules give ~32 mm.
QR_MODULE = 0.65 * mm
QR_MAX_SIZE = 40 * mm
SIGNATURE_SPACE = 25 * mm
LOGO_BOX = 24 * mm


# -- styles -----------------------------------------------------------------------------------------


# A letter that would spill onto a second page is laid out compact (11 pt, tighter spacing) when that
# keeps it on fewer pages: an A4 letter stays on one page where F4 fits it on one.
# Levels 0 (normal) to 3: body size and leading, signature space, factor of the gaps between parts,
# QR module (never under 0.5 mm: tests/core/test_letters_paper.py reads every type from a phone photo).
LEVELS: tuple[tuple[float, float, float, float, float], ...] = (
    (BODY_SIZE, BODY_LEADING, SIGNATURE_SPACE, 1.0, QR_MODULE),
    (11, 13.2, 20 * mm, 0.7, QR_MODULE),
    (10.5, 12.4, 18 * mm, 0.5, QR_MODULE),
    (10.5, 12.2, 16 * mm, 0.4, 0.55 * mm),
)


@lru_cache(maxsize=len(LEVELS))
def _styles(compact: int = 0) -> dict[str, ParagraphStyle]:
    register_fonts()
    size, leading = LEVELS[compact][:2]
    body = ParagraphStyle("body", fontName=SERIF, fontSize=size, leading=leading)
    return {
        "body": body,
        "para": ParagraphStyle(
            "para", parent=body, alignment=TA_JUSTIFY, firstLineIndent=12.5 * mm, spaceAfter=2 if compact else 4
        ),
        "plain": ParagraphStyle("plain", parent=body, alignment=TA_LEFT),
        "kop_big": ParagraphStyle("kop_big", parent=body, fontName=SERIF_BOLD, fontSize=16, leading=19,
                                  alignment=TA_CENTER),
        "kop": ParagraphStyle("kop", parent=body, fontName=SERIF_BOLD, fontSize=14, leading=17,
                              alignment=TA_CENTER),
        "kop_small": ParagraphStyle("kop_small", parent=body, fontSize=10, leading=12, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=body, fontName=SERIF_BOLD, fontSize=13, leading=16,
                                alignment=TA_CENTER),
        "number": ParagraphStyle("number", parent=body, alignment=TA_CENTER),
        "cell": ParagraphStyle("cell", parent=body, fontSize=size - 1, leading=leading - 2),
        "cell_head": ParagraphStyle("cell_head", parent=body, fontName=SERIF_BOLD, fontSize=size - 1,
                                    leading=leading - 2, alignment=TA_CENTER),
        "sign": ParagraphStyle("sign", parent=body, alignment=TA_CENTER),
        "caption": ParagraphStyle("caption", parent=body, fontSize=7.5, leading=9, alignment=TA_LEFT),
    }


def _text(value: Any) -> str:
    """Plain text made safe for paragraph markup (newlines kept)."""
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


@lru_cache(maxsize=1)
def _locale_id() -> Locale:
    return Locale.parse("id")


def format_letter_date(iso_date: str) -> str:
    """`2026-11-27` -> `27 November 2026` (Indonesian month names)."""
    return long_date(iso_date)


@lru_cache(maxsize=32)
def _image(path: str) -> ImageReader:
    return ImageReader(path)


# -- flowables --------------------------------------------------------------------------------------


class _DoubleRule(Flowable):
    """The kop's thick-thin double rule across the text width."""

    THICK = 2.4
    THIN = 0.8
    GAP = 1.6

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = self.THICK + self.GAP + self.THIN
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setStrokeColor(black)
        c.setLineWidth(self.THICK)
        y_thick = self.height - self.THICK / 2
        c.line(0, y_thick, self.width, y_thick)
        c.setLineWidth(self.THIN)
        c.line(0, self.THIN / 2, self.width, self.THIN / 2)


class _Logo(Flowable):
    """The village/regency emblem scaled into a square box (nothing when there is no image)."""

    def __init__(self, path: str | None, box: float) -> None:
        super().__init__()
        self.path = path
        self.box = box

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.box, self.box

    def draw(self) -> None:
        if not self.path:
            return
        img = _image(self.path)
        iw, ih = img.getSize()
        scale = min(self.box / iw, self.box / ih)
        w, h = iw * scale, ih * scale
        self.canv.drawImage(img, (self.box - w) / 2, (self.box - h) / 2, w, h, mask="auto")


# -- letter story -----------------------------------------------------------------------------------


def _margins(doc: dict[str, Any]) -> tuple[float, float, float, float]:
    given = {**DEFAULT_MARGINS_MM, **(doc.get("margins_mm") or {})}
    return (float(given["top"]) * mm, float(given["right"]) * mm, float(given["bottom"]) * mm,
            float(given["left"]) * mm)


def _kop(kop: dict[str, Any], width: float, compact: int = 0) -> list[Flowable]:
    st = _styles(compact)
    lines = [str(x) for x in kop.get("lines") or []]
    parts: list[Flowable] = []
    for i, line in enumerate(lines):
        style = st["kop_big"] if i == len(lines) - 1 and len(lines) > 1 else st["kop"]
        parts.append(Paragraph(_text(line.upper()), style))
    for key in ("address", "contact"):
        if kop.get(key):
            parts.append(Paragraph(_text(kop[key]), st["kop_small"]))
    # Same-width empty column on the right keeps the text centred on the page with or without a logo.
    table = Table(
        [[_Logo(kop.get("logo_path"), LOGO_BOX), parts, ""]],
        colWidths=[LOGO_BOX + 2 * mm, width - 2 * (LOGO_BOX + 2 * mm), LOGO_BOX + 2 * mm],
        style=TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]),
    )
    return [table, Spacer(1, 1.5 * mm), _DoubleRule(), Spacer(1, 6 * LEVELS[compact][3] * mm)]


def _fields_table(rows: list[list[Any]], width: float, indent: float = 8 * mm, compact: int = 0) -> Table:
    st = _styles(compact)
    label_w = 48 * mm
    colon_w = 4 * mm
    data = [
        ["", Paragraph(_text(label), st["plain"]), ":", Paragraph(_text(value), st["plain"])]
        for label, value, *_ in rows
    ]
    return Table(
        data,
        colWidths=[indent, label_w, colon_w, width - indent - label_w - colon_w],
        hAlign="LEFT",
        style=TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONT", (2, 0), (2, -1), SERIF, st["body"].fontSize, st["body"].leading),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
        ]),
    )


def _column_widths(columns: list[str], rows: list[list[Any]], width: float) -> list[float]:
    """Natural widths from the longest cell, widened or narrowed to the text width."""
    pad = 8.0
    natural = []
    for i, head in enumerate(columns):
        cells = [str(r[i]) if i < len(r) else "" for r in rows]
        longest = max([stringWidth(str(head), SERIF_BOLD, 11)] + [stringWidth(c, SERIF, 11) for c in cells])
        natural.append(longest + pad)
    total = sum(natural)
    if total <= width:
        return [w * width / total for w in natural]
    # Too wide: keep the narrow columns (No, dates, NIK) and let the wide ones wrap.
    fair = width / len(natural)
    fixed = sum(w for w in natural if w <= fair)
    flexible = sum(w for w in natural if w > fair)
    room = max(width - fixed, 0.0)
    return [w if w <= fair else w * room / flexible for w in natural]


def _data_table(block: dict[str, Any], width: float, compact: int = 0) -> Table:
    st = _styles(compact)
    columns = [str(c) for c in block.get("columns") or []]
    rows = [list(r) for r in block.get("rows") or []]
    data: list[list[Any]] = [[Paragraph(_text(c), st["cell_head"]) for c in columns]]
    data += [[Paragraph(_text(c), st["cell"]) for c in row] for row in rows]
    return Table(
        data,
        colWidths=_column_widths(columns, rows, width),
        repeatRows=1,
        hAlign="LEFT",
        style=TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.6, black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), Color(0.92, 0.92, 0.92)),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]),
    )


def _signature(doc: dict[str, Any], width: float, compact: int = 0) -> Table:
    st = _styles(compact)
    sig = doc.get("signatory") or {}
    right: list[Flowable] = []
    place_date = ", ".join(x for x in (str(doc.get("place") or ""), format_letter_date(doc["date"])) if x)
    right.append(Paragraph(_text(place_date), st["sign"]))
    for line in sig.get("prefix_lines") or []:
        right.append(Paragraph(_text(line), st["sign"]))
    title = str(sig.get("title") or "").upper()
    if title:
        right.append(Paragraph(_text(title) + ",", st["sign"]))
    right.append(Spacer(1, LEVELS[compact][2]))
    right.append(Paragraph(f"<b><u>{_text(sig.get('name') or '')}</u></b>", st["sign"]))
    if sig.get("nip"):
        right.append(Paragraph("NIP. " + _text(sig["nip"]), st["sign"]))

    left: list[Flowable] = []
    if doc.get("qr_text"):
        qr_text = str(doc["qr_text"])
        left.append(QRFlowable(qr_text, qr_size_for(qr_text, LEVELS[compact][4], QR_MAX_SIZE)))
        caption = doc.get("qr_caption") or DEFAULT_QR_CAPTION
        left.append(Paragraph(_text(caption), st["caption"]))
    sign_w = min(85 * mm, width * 0.5)
    return Table(
        [[left, right]],
        colWidths=[width - sign_w, sign_w],
        style=TableStyle([
            ("VALIGN", (0, 0), (0, 0), "BOTTOM"),
            ("VALIGN", (1, 0), (1, 0), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]),
    )


def _letter_story(doc: dict[str, Any], width: float, compact: int = 0) -> list[Flowable]:
    st = _styles(compact)
    gap = LEVELS[compact][3]  # scales the spaces between the parts
    story: list[Flowable] = []
    story += _kop(doc.get("kop") or {}, width, compact)
    story.append(Paragraph(f"<u>{_text(str(doc.get('title') or '').upper())}</u>", st["title"]))
    if doc.get("number"):
        story.append(Paragraph("Nomor : " + _text(doc["number"]), st["number"]))
    story.append(Spacer(1, 6 * gap * mm))
    if doc.get("opening"):
        story.append(Paragraph(_text(doc["opening"]), st["para"]))
    if doc.get("identity"):
        story.append(_fields_table(doc["identity"], width, compact=compact))
        story.append(Spacer(1, 3 * gap * mm))
    blocks = list(doc.get("blocks") or [])
    # The last paragraph goes with the closing, place and date and signature: never a page that holds
    # only the signature.
    last = blocks.pop() if blocks and blocks[-1].get("kind") == "paragraph" else None
    for block in blocks:
        kind = block.get("kind")
        if kind == "paragraph":
            story.append(Paragraph(_text(block.get("text")), st["para"]))
        elif kind == "fields":
            story.append(_fields_table(block.get("rows") or [], width, compact=compact))
            story.append(Spacer(1, 3 * gap * mm))
        elif kind == "table":
            story.append(Spacer(1, 1 * mm))
            story.append(_data_table(block, width, compact))
            story.append(Spacer(1, 3 * gap * mm))
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    ending: list[Flowable] = []
    if last is not None:
        ending.append(Paragraph(_text(last.get("text")), st["para"]))
    if doc.get("closing"):
        ending.append(Paragraph(_text(doc["closing"]), st["para"]))
    ending.append(Spacer(1, 6 * gap * mm))
    ending.append(_signature(doc, width, compact))
    story.append(KeepTogether(ending))
    return story


def _height(story: list[Flowable], width: float) -> float:
    """The height `story` needs laid out in one column (page breaks not counted)."""
    total = 0.0
    for f in story:
        parts = f._content if isinstance(f, KeepTogether) else [f]  # type: ignore[attr-defined]
        for part in parts:
            _w, h = part.wrap(width, 10_000)
            total += h + part.getSpaceBefore() + part.getSpaceAfter()
    return total


def _laid_out(doc: dict[str, Any]) -> tuple[int, Callable[[float], list[Flowable]]]:
    """(level, story function) of a letter: the first level (0 normal, then tighter) that needs fewer
    pages than the normal layout, else 0 — so a letter one page long on F4 stays one page on A4, and a
    letter whose tables truly need two pages keeps its normal size. The normal story measured here is
    the one laid out when it fits (building it twice would cost a few ms a letter)."""
    paper = PAPER_SIZES[_paper(doc)]
    top, right, bottom, left = _margins(doc)
    width, room = paper[0] - left - right, paper[1] - top - bottom
    story = _letter_story(doc, width)
    normal = _height(story, width)
    if normal <= room:
        return 0, lambda w: story if w == width else _letter_story(doc, w)
    pages = math.ceil(normal / room)
    for level in range(1, len(LEVELS)):
        if math.ceil(_height(_letter_story(doc, width, level), width) / room) < pages:
            return level, partial(_letter_story, doc, compact=level)
    return 0, partial(_letter_story, doc)


def layout_level(doc: dict[str, Any]) -> int:
    """How compact the letter is laid out (see `_laid_out`): 0 normal, 1..3 tighter."""
    return _laid_out(doc)[0]


def reprint_mark(doc: dict[str, Any]) -> str:
    """"Cetak ulang ke-2" for the second reprint (``doc["reprint"]`` = 2); "" for the first print."""
    n = doc.get("reprint")
    return f"Cetak ulang ke-{int(n)}" if isinstance(n, int) and n > 0 else ""


def continuation_header(doc: dict[str, Any]) -> str:
    """"Lanjutan Surat Keterangan Ahli Waris Nomor 474.3/005/... — SITI AMINAH" for pages 2 and on."""
    title = " ".join(w if w.isupper() and len(w) <= 4 else w.capitalize()
                     for w in str(doc.get("title") or "").split())
    name = next((str(value) for label, value, *_ in doc.get("identity") or [] if label == "Nama"), "")
    text = f"Lanjutan {title}"
    if doc.get("number"):
        text += f" Nomor {doc['number']}"
    return f"{text} — {name}" if name else text


# -- documents --------------------------------------------------------------------------------------


def _paper(doc: dict[str, Any]) -> str:
    paper = str(doc.get("paper") or "F4").upper()
    if paper not in PAPER_SIZES:
        raise ValueError(f"unknown paper {paper!r} (F4 or A4)")
    return paper


def letter_token(doc: dict[str, Any]) -> str | None:
    """The bare signed token inside the letter's QR text (which may be a verify URL), if any."""
    match = TOKEN_RE.search(str(doc.get("qr_text") or ""))
    return match.group(0) if match else None


def render_letters(docs: list[dict[str, Any]]) -> bytes:
    """One print-ready PDF for a batch: each letter starts on a new page, numbered within itself."""
    register_fonts()
    parts = [
        DocPart(PAPER_SIZES[_paper(doc)], _margins(doc), _laid_out(doc)[1], bool(doc.get("void")),
                continuation_header(doc), reprint_mark(doc))
        for doc in docs
    ]
    tokens = [t for t in (letter_token(d) for d in docs) if t]
    first = docs[0] if docs else {}
    kop_lines = (first.get("kop") or {}).get("lines") or [""]
    info = {
        "title": f"{first.get('title', '')} {first.get('number', '')}".strip() if len(docs) == 1
        else f"{len(docs)} surat",
        "author": str(kop_lines[-1]),
        "subject": str(first.get("number") or "") if len(docs) == 1 else "",
        "keywords": "Smart Kampung",
    }
    extra = {TOKEN_INFO_KEY: " ".join(tokens)} if tokens else None
    return build_pdf(parts, info, extra)


def render_letter(doc: dict[str, Any]) -> bytes:
    """The PDF of one letter. `doc` is the plain letter document::

        {"paper": "F4" | "A4", "margins_mm": {"top", "right", "bottom", "left"},
         "kop": {"lines": [...], "address": str, "contact": str, "logo_path": str | None},
         "title": str, "number": str, "opening": str, "identity": [[label, value], ...],
         "blocks": [{"kind": "paragraph", "text"} | {"kind": "fields", "rows"}
                    | {"kind": "table", "columns", "rows"}],
         "closing": str, "place": str, "date": "YYYY-MM-DD",
         "signatory": {"prefix_lines": [...], "title": str, "name": str, "nip": str | None},
         "qr_text": str | None, "qr_caption": str (optional), "void": bool,
         "reprint": int (optional: the n-th reprint, marked "Cetak ulang ke-n")}
    """
    return render_letters([doc])
