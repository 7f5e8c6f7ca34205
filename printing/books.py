"""The village's administration books and the monthly population report as landscape PDFs.

One layout for every book (Permendagri 47/2016 style): the kop of the village, the book's title and
period, a ruled table whose (multi-level) header and column numbers repeat on every page, "Halaman x
dari y" at the foot, and the kepala desa's signature block after the last row. The body rows are drawn
by a light flowable (plain strings, wrapped once, split page by page), so a Buku Induk of 20,000
residents renders in a few seconds instead of building a Paragraph per cell.

Input (plain data, see ``render_book``)::

    {"paper": "F4" | "A4", "title": str, "subtitle": str, "code": "A.1",
     "kop": {"lines": [...], "address": str, "contact": str, "logo_path": str | None},
     "columns": [str | [label, [children...]], ...],   # a leaf is a str; a group a [label, children]
     "shares": [float, ...],                           # one per leaf column (relative widths)
     "align": "LCR..." (optional, one letter per leaf),
     "rows": [[str, ...], ...], "bold_rows": [index, ...] (optional: e.g. totals),
     "notes": [str, ...], "place": str, "date": "YYYY-MM-DD",
     "signatory": {"prefix_lines": [...], "title": str, "name": str, "nip": str | None}}
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from printing.document import DocPart, build_pdf
from printing.fonts import SERIF, SERIF_BOLD, register_fonts
from printing.letter import PAPER_SIZES, _kop, _signature

FONT_SIZE = 7.5
BODY_FONT = "Times-Roman"
BODY_FONT_BOLD = "Times-Bold"
LEADING = 9.0
HEAD_SIZE = 6.5
PAD = 1.6
HEAD_FILL = Color(0.9, 0.9, 0.9)
NUMBER_FILL = Color(0.96, 0.96, 0.96)
MARGINS = (12 * mm, 12 * mm, 16 * mm, 12 * mm)  # top, right, bottom, left


def _leaves(columns: Sequence[Any]) -> int:
    n = 0
    for c in columns:
        n += _leaves(c[1]) if isinstance(c, list | tuple) else 1
    return n


def _depth(columns: Sequence[Any]) -> int:
    return max((1 + _depth(c[1]) if isinstance(c, list | tuple) else 1) for c in columns)


def header_grid(columns: Sequence[Any]) -> tuple[int, list[tuple[int, int, int, int, str]]]:
    """The header cells as (col0, row0, col1, row1, label) with spans, and the number of header rows."""
    depth = _depth(columns)
    cells: list[tuple[int, int, int, int, str]] = []

    def place(cols: Sequence[Any], row: int, col: int) -> int:
        for c in cols:
            if isinstance(c, list | tuple):
                width = _leaves(c[1])
                cells.append((col, row, col + width - 1, row, str(c[0])))
                place(c[1], row + 1, col)
                col += width
            else:
                cells.append((col, row, col, depth - 1, str(c)))
                col += 1
        return col

    place(columns, 0, 0)
    return depth, cells


@lru_cache(maxsize=200_000)
def _em(text: str, font: str) -> float:
    """Width of ``text`` at size 1 (cached: a book repeats the same words thousands of times)."""
    return stringWidth(text, font, 1)


_PDF_ESCAPES = str.maketrans({"\\": "\\\\", "(": "\\(", ")": "\\)", "\r": "\\r"})
_NARROW = "0123456789-./:, "  # no wider than half an em in Times (digits are exactly 0.5 em)


def _fits(text: str, font: str, size: float, width: float) -> bool:
    """Cheap bounds first (no glyph of Times is wider than 1 em; digits and date marks 0.5 em), then
    the measured width."""
    n = len(text) * size
    if n <= width or (n * 0.5 <= width and not text.strip(_NARROW)):
        return True
    return _em(text, font) * size <= width


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` that fit ``width`` (long words are cut, never dropped)."""
    if not text:
        return [""]
    if "\n" not in text and _fits(text, font, size, width):
        return [text]
    room = width / size
    space = _em(" ", font)
    lines: list[str] = []
    for para in text.split("\n"):
        line, line_w = "", 0.0
        for word in para.split(" "):
            word_w = _em(word, font)
            candidate = line_w + space + word_w if line else word_w
            if candidate <= room:
                line, line_w = (f"{line} {word}" if line else word), candidate
                continue
            if line:
                lines.append(line)
            while word_w > room and len(word) > 1:
                cut = len(word)
                while cut > 1 and _em(word[:cut], font) > room:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                word_w = _em(word, font)
            line, line_w = word, word_w
        lines.append(line)
    return lines


KEEP_WITH_TAIL = 2  # rows that go over to the next page with the signature rather than leave it alone


class BookTable(Flowable):
    """A ruled table of plain-text rows whose header repeats on every page it is split onto."""

    def __init__(self, columns: Sequence[Any], shares: Sequence[float], rows: Sequence[Sequence[Any]],
                 align: str = "", bold_rows: Sequence[int] = (), numbered: bool = True,
                 _prepared: tuple[Any, ...] | None = None) -> None:
        super().__init__()
        self.columns = list(columns)
        self.shares = list(shares)
        self.rows = rows
        self.align = align
        self.bold_rows = set(bold_rows)
        self.numbered = numbered
        self._prepared = _prepared
        self._width = 0.0
        self._height: float | None = None

    # layout -------------------------------------------------------------------------------------

    def _prepare(self, width: float) -> tuple[Any, ...]:
        if self._prepared is not None and self._prepared[0] == width:
            return self._prepared
        n = _leaves(self.columns)
        if len(self.shares) != n:
            raise ValueError(f"{n} leaf columns but {len(self.shares)} widths")
        total = sum(self.shares)
        widths = [width * s / total for s in self.shares]
        xs = [0.0]
        for w in widths:
            xs.append(xs[-1] + w)
        depth, cells = header_grid(self.columns)
        # header: each row as tall as its tallest (wrapped) label
        head_lines: list[tuple[tuple[int, int, int, int, str], list[str]]] = []
        row_lines = [1] * depth
        for cell in cells:
            c0, r0, c1, r1, label = cell
            lines = _wrap(label, BODY_FONT_BOLD, HEAD_SIZE, xs[c1 + 1] - xs[c0] - 2 * PAD)
            head_lines.append((cell, lines))
            if r0 == r1:
                row_lines[r0] = max(row_lines[r0], len(lines))
        for (_c0, r0, _c1, r1, _label), lines in head_lines:  # a tall label spanning rows grows the last
            if r1 > r0:
                have = sum(row_lines[r0:r1 + 1])
                if len(lines) > have:
                    row_lines[r1] += len(lines) - have
        head_heights = [n_ * LEADING + 2 * PAD for n_ in row_lines]
        if self.numbered:
            head_heights.append(LEADING + 2 * PAD)
        body: list[tuple[float, list[Sequence[str]]]] = []
        inner = [w - 2 * PAD for w in widths]
        # the cheap bound inline (most cells are short): one call per cell costs seconds on a 20,000-row book
        bounds = [w / FONT_SIZE for w in inner]
        for i, row in enumerate(self.rows):
            font = BODY_FONT_BOLD if i in self.bold_rows else BODY_FONT
            wrapped: list[Sequence[str]] = []
            most = 1
            for j, v in enumerate(row):
                t = v if isinstance(v, str) else "" if v is None else str(v)
                if len(t) <= bounds[j] and "\n" not in t:
                    wrapped.append((t,))
                else:
                    lines = _wrap(t, font, FONT_SIZE, inner[j])
                    most = max(most, len(lines))
                    wrapped.append(lines)
            body.append((most * LEADING + 2 * PAD, wrapped))
        self._prepared = (width, widths, xs, head_lines, head_heights, body)
        return self._prepared

    #: the height of what must follow the last row on the same page (notes, place/date, signature): when
    #: the whole table fits but that does not, the last rows go over with it, so no page holds only a signature
    reserve: float = 0.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._width = availWidth
        _w, _ws, _xs, _hl, head_heights, body = self._prepare(availWidth)
        if self._height is None:  # cached: a long table is asked again at every page it is split onto
            self._height = sum(head_heights) + sum(h for h, _l in body)
        if self._orphans_tail(availHeight):
            return availWidth, availHeight + 1  # ask to be split (see split)
        return availWidth, self._height

    def _orphans_tail(self, availHeight: float) -> bool:
        height = self._height or 0.0
        return self.reserve > 0 and height <= availHeight and height + self.reserve > availHeight

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        prepared = self._prepare(availWidth)
        head_heights, body = prepared[4], prepared[5]
        room = availHeight - sum(head_heights)
        used = 0.0
        n = 0
        for height, _lines in body:
            if used + height > room:
                break
            used += height
            n += 1
        if n >= len(body) and self._orphans_tail(availHeight):
            # the last rows go over with the signature (a short table goes over whole)
            n = max(0, len(body) - KEEP_WITH_TAIL)
        if n == 0 or n >= len(body):
            return [] if n == 0 else [self]
        first = BookTable(self.columns, self.shares, self.rows[:n], self.align,
                          [i for i in self.bold_rows if i < n], self.numbered,
                          (*prepared[:5], body[:n]))
        rest = BookTable(self.columns, self.shares, self.rows[n:], self.align,
                         [i - n for i in self.bold_rows if i >= n], self.numbered,
                         (*prepared[:5], body[n:]))
        if self._height is not None:
            rest._height = self._height - sum(h for h, _l in body[:n])
        rest.reserve = self.reserve
        return [first, rest]

    # drawing ------------------------------------------------------------------------------------

    def draw(self) -> None:
        _w, widths, xs, head_lines, head_heights, body = self._prepare(self._width)
        c = self.canv
        total_h = sum(head_heights) + sum(h for h, _l in body)
        top = total_h
        ys = [top]
        for h in head_heights:
            ys.append(ys[-1] - h)
        text = _FastText(c)
        rules: list[str] = []
        depth = len(head_heights) - (1 if self.numbered else 0)
        c.saveState()
        c.setLineWidth(0.5)
        c.setStrokeColor(black)
        c.setFillColor(HEAD_FILL)
        c.rect(0, ys[depth], xs[-1], top - ys[depth], stroke=0, fill=1)
        if self.numbered:
            c.setFillColor(NUMBER_FILL)
            c.rect(0, ys[depth + 1], xs[-1], ys[depth] - ys[depth + 1], stroke=0, fill=1)
        c.setFillColor(black)
        for (c0, r0, c1, r1, _label), lines in head_lines:
            x0, x1 = xs[c0], xs[c1 + 1]
            y0, y1 = ys[r0], ys[r1 + 1]
            rules.append(f"{x0:.2f} {y1:.2f} {x1 - x0:.2f} {y0 - y1:.2f} re")
            block = len(lines) * LEADING
            y = (y0 + y1) / 2 + block / 2 - LEADING + (LEADING - HEAD_SIZE) / 2 + 1
            for line in lines:
                text.add(line, (x0 + x1) / 2, y, "C", True, HEAD_SIZE)
                y -= LEADING
        if self.numbered:
            y0, y1 = ys[depth], ys[depth + 1]
            for j in range(len(widths)):
                rules.append(f"{xs[j]:.2f} {y1:.2f} {widths[j]:.2f} {y0 - y1:.2f} re")
                text.add(str(j + 1), (xs[j] + xs[j + 1]) / 2, y1 + PAD + 1, "C", False, FONT_SIZE - 1)
        y = ys[-1]
        width = xs[-1]
        aligns = [self.align[j] if j < len(self.align) else "L" for j in range(len(widths))]
        anchors = [xs[j + 1] - PAD if a == "R" else (xs[j] + xs[j + 1]) / 2 if a == "C" else xs[j] + PAD
                   for j, a in enumerate(aligns)]
        plain: list[str] = []  # left-aligned body text in the regular face: the bulk of a book, written directly
        for i, (height, wrapped) in enumerate(body):
            bottom = y - height
            bold = i in self.bold_rows
            top_line = y - PAD - FONT_SIZE + 0.5
            for j, lines in enumerate(wrapped):
                a = aligns[j]
                ty = top_line
                for line in lines:
                    if line:
                        if a == "L" and not bold:
                            plain.append(f"1 0 0 1 {anchors[j]:.2f} {ty:.2f} Tm ({line.translate(_PDF_ESCAPES)}) Tj")
                        else:
                            text.add(line, anchors[j], ty, a, bold, FONT_SIZE)
                    ty -= LEADING
            rules.append(f"0 {bottom:.2f} m {width:.2f} {bottom:.2f} l")
            y = bottom
        text.add_block(plain)
        for x in xs:
            rules.append(f"{x:.2f} {ys[-1]:.2f} m {x:.2f} {y:.2f} l")
        c._code.append(" ".join(rules) + " S")  # type: ignore[attr-defined]
        text.flush()
        c.restoreState()


class _FastText:
    """Writes many short strings as one PDF text block in the standard Times faces (metric-compatible
    with the embedded Liberation Serif, so wrapping is measured the same), instead of one text object per
    string; text outside Windows-1252 falls back to the embedded font."""

    def __init__(self, canv: Any) -> None:
        self.canv = canv
        self.ops: list[str] = []
        self.slow: list[tuple[str, float, float, str, bool, float]] = []
        canv.setFont(BODY_FONT_BOLD, FONT_SIZE)
        canv.setFont(BODY_FONT, FONT_SIZE)
        self.names = {False: canv._doc.getInternalFontName(BODY_FONT),
                      True: canv._doc.getInternalFontName(BODY_FONT_BOLD)}
        self.current: tuple[bool, float] | None = None

    def add(self, line: str, x: float, y: float, align: str, bold: bool, size: float) -> None:
        try:
            raw = line.encode("cp1252")
        except UnicodeEncodeError:
            self.slow.append((line, x, y, align, bold, size))
            return
        font = BODY_FONT_BOLD if bold else BODY_FONT
        if align == "R":
            x -= _em(line, font) * size
        elif align == "C":
            x -= _em(line, font) * size / 2
        if self.current != (bold, size):
            self.ops.append(f"{self.names[bold]} {size} Tf")
            self.current = (bold, size)
        self.ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm ({self.canv._escape(raw)}) Tj")

    def add_block(self, ops: list[str]) -> None:
        """Many regular-face strings at once (already positioned and escaped): encoded in one go."""
        if not ops:
            return
        block = f"{self.names[False]} {FONT_SIZE} Tf " + " ".join(ops)
        try:
            self.ops.append(block.encode("cp1252").decode("latin-1"))
            self.current = (False, FONT_SIZE)
        except UnicodeEncodeError:  # a rare character outside Windows-1252: string by string
            for op in ops:
                head, _sep, rest = op.partition(" Tm (")
                x, y = (float(v) for v in head.split()[-2:])
                text = rest[:-4].replace("\\(", "(").replace("\\)", ")").replace("\\\\", "\\")
                self.add(text, x, y, "L", False, FONT_SIZE)

    def flush(self) -> None:
        c = self.canv
        if self.ops:
            c._code.append("BT " + " ".join(self.ops) + " ET")
        for line, x, y, align, bold, size in self.slow:
            c.setFont(SERIF_BOLD if bold else SERIF, size)
            if align == "R":
                c.drawRightString(x, y, line)
            elif align == "C":
                c.drawCentredString(x, y, line)
            else:
                c.drawString(x, y, line)


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("b", fontName=SERIF, fontSize=10, leading=12.5)
    return {
        "title": ParagraphStyle("t", parent=base, fontName=SERIF_BOLD, fontSize=13, leading=16, alignment=TA_CENTER),
        "sub": ParagraphStyle("s", parent=base, fontSize=10.5, leading=13, alignment=TA_CENTER),
        "code": ParagraphStyle("c", parent=base, fontSize=8, leading=10, alignment=2),
        "note": ParagraphStyle("n", parent=base, fontSize=8.5, leading=10.5),
        "sign": ParagraphStyle("g", parent=base, alignment=TA_CENTER),
    }


def book_story(book: dict[str, Any], width: float) -> list[Flowable]:
    st = _styles()
    out: list[Flowable] = []
    kop = book.get("kop")
    if kop:
        out += _kop(kop, width)
    if book.get("code"):
        out.append(Paragraph(escape(str(book["code"])), st["code"]))
    out.append(Paragraph(escape(str(book.get("title") or "")).upper(), st["title"]))
    if book.get("subtitle"):
        out.append(Paragraph(escape(str(book["subtitle"])), st["sub"]))
    out.append(Spacer(1, 3 * mm))
    table = BookTable(book["columns"], book["shares"], book.get("rows") or [], str(book.get("align") or ""),
                      book.get("bold_rows") or ())
    out.append(table)
    tail: list[Flowable] = [Spacer(1, 3 * mm)]
    for note in book.get("notes") or []:
        tail.append(Paragraph(escape(str(note)), st["note"]))
    if book.get("signatory"):
        tail.append(Spacer(1, 4 * mm))
        tail.append(_signature({"place": book.get("place") or "", "date": book["date"],
                                "signatory": book["signatory"]}, width))
    table.reserve = sum(f.wrap(width, 10_000)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in tail)
    out.append(KeepTogether(tail))
    return out


def render_book(book: dict[str, Any]) -> bytes:
    """One book (or report) as a landscape F4/A4 PDF; see the module docstring for ``book``."""
    register_fonts()
    portrait = PAPER_SIZES[str(book.get("paper") or "F4").upper()]
    landscape = (portrait[1], portrait[0])
    lines = (book.get("kop") or {}).get("lines") or [""]
    info = {"title": str(book.get("title") or ""), "author": str(lines[-1]),
            "subject": str(book.get("subtitle") or ""), "keywords": str(book.get("code") or "")}
    return build_pdf([DocPart(landscape, MARGINS, lambda w: book_story(book, w))], info, number_single_pages=True)
