"""Multi-document PDFs: each part on new pages with its own paper and margins, numbered within itself.

Pages are held back until the canvas saves so each can be labelled "Halaman x dari y" within its own
part (a letter of a batch), and void parts get a BATAL watermark over the text. Custom keys go into the
PDF info dictionary (reportlab's own has fixed keys).
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from reportlab import rl_config
from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFDate, PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, NextPageTemplate, PageBreak, PageTemplate

from printing.fonts import SERIF, SERIF_BOLD, register_fonts

# ASCII85 only keeps a PDF 7-bit clean; without reportlab's C accelerator it costs ~10 ms a letter
# (the embedded font subsets). Binary streams print and preview the same everywhere.
rl_config.useA85 = 0


class DocPart(NamedTuple):
    """One document of a PDF: page size and margins (points: top, right, bottom, left), a function
    building its flowables for a given text width, and whether it is void."""

    pagesize: tuple[float, float]
    margins: tuple[float, float, float, float]
    story: Callable[[float], list[Flowable]]
    void: bool = False
    # the short header of its continuation pages ("Lanjutan Surat ... Nomor ... — name"); "" for none
    continuation: str = ""
    # a mark on every page of the part, top right in the margin ("Cetak ulang ke-2"); "" for none
    mark: str = ""


# Room kept at the top of a continuation page for its header (inside the top margin's frame).
CONTINUATION_SPACE = 11 * mm


class _PartStart(Flowable):
    """Zero-size marker: tells the canvas which letter the following pages belong to."""

    def __init__(self, index: int, void: bool) -> None:
        super().__init__()
        self.index = index
        self.void = void

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._sk_letter = (self.index, self.void)  # type: ignore[attr-defined]


class _Info(PDFInfo):
    """The document info dictionary with our custom keys (reportlab's PDFInfo has fixed ones)."""

    extra: dict[str, str]

    def format(self, document: Any) -> bytes:
        d: dict[str, Any] = {
            "Title": PDFString(self.title),
            "Author": PDFString(self.author),
            "Producer": PDFString(self.producer),
            "Creator": PDFString(self.creator),
            "Subject": PDFString(self.subject),
            "Keywords": PDFString(self.keywords),
            "Trapped": PDFName(self.trapped),
        }
        d["ModDate"] = d["CreationDate"] = PDFDate(ts=document._timeStamp, dateFormatter=self._dateFormatter)
        for key, value in getattr(self, "extra", {}).items():
            d[key] = PDFString(value)
        result: bytes = PDFDictionary(d).format(document)
        return result


class DecoratedCanvas(Canvas):
    """Holds pages back until save so each can be numbered "Halaman x dari y" within its own letter
    (or document) and void letters get their watermark on top of the text."""

    page_label = "Halaman {page} dari {pages}"
    number_single_pages = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        info = _Info()
        info.extra = {}
        self._doc.info = info
        self._sk_letter: tuple[int, bool] = (0, False)
        self._sk_pages: list[dict[str, Any]] = []
        # per part: (header text, left, top, right margin) of its continuation pages
        self.continuations: list[tuple[str, float, float, float]] = []
        self.marks: list[tuple[str, float, float]] = []  # per part: (mark, top, right margin)

    def set_info_extra(self, key: str, value: str) -> None:
        self._doc.info.extra[key] = value  # type: ignore[attr-defined]

    def showPage(self) -> None:
        self._sk_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        counts = Counter(state["_sk_letter"][0] for state in self._sk_pages)
        seen: Counter[int] = Counter()
        for state in self._sk_pages:
            self.__dict__.update(state)
            index, void = self._sk_letter
            seen[index] += 1
            if seen[index] > 1 and index < len(self.continuations) and self.continuations[index][0]:
                self._draw_continuation(*self.continuations[index])
            if index < len(self.marks) and self.marks[index][0]:
                self._draw_mark(*self.marks[index])
            if void:
                self._draw_void()
            if counts[index] > 1 or self.number_single_pages:
                self._draw_page_number(seen[index], counts[index])
            Canvas.showPage(self)
        Canvas.save(self)

    def _draw_page_number(self, page: int, pages: int) -> None:
        width, _ = self._pagesize
        self.saveState()
        self.setFont(SERIF, 9)
        self.setFillColor(black)
        self.drawCentredString(width / 2, 9 * mm, self.page_label.format(page=page, pages=pages))
        self.restoreState()

    def _draw_continuation(self, text: str, left: float, top: float, right: float) -> None:
        width, height = self._pagesize
        room = width - left - right
        size = 9.5
        while stringWidth(text, SERIF, size) > room and size > 6:
            size -= 0.5
        self.saveState()
        self.setFont(SERIF, size)
        self.setFillColor(black)
        self.drawString(left, height - top - 5 * mm, text)
        self.setLineWidth(0.5)
        self.line(left, height - top - 7 * mm, width - right, height - top - 7 * mm)
        self.restoreState()

    def _draw_mark(self, text: str, top: float, right: float) -> None:
        width, height = self._pagesize
        self.saveState()
        self.setFont(SERIF_BOLD, 9)
        self.setFillColor(black)
        self.drawRightString(width - right, height - top + 4 * mm, text)
        self.restoreState()

    def _draw_void(self) -> None:
        width, height = self._pagesize
        self.saveState()
        self.setFillColor(Color(0.8, 0.0, 0.0, alpha=0.28))
        self.translate(width / 2, height / 2)
        self.rotate(math.degrees(math.atan2(height, width)))
        # About 55% of the diagonal: the glyph height needs room in the corners, whatever the paper.
        size = 0.55 * math.hypot(width, height) / stringWidth("BATAL", SERIF_BOLD, 1)
        self.setFont(SERIF_BOLD, size)
        self.drawCentredString(0, -size * 0.35, "BATAL")
        self.restoreState()


def build_pdf(
    parts: Sequence[DocPart],
    info: dict[str, str],
    extra_info: dict[str, str] | None = None,
    number_single_pages: bool = False,
) -> bytes:
    """Lay out `parts` into one PDF, each starting on a new page with its own page size, margins and
    page numbering; `info` holds title, author, subject, keywords; `extra_info` custom info keys."""
    if not parts:
        raise ValueError("nothing to render")
    register_fonts()
    templates: dict[tuple[tuple[float, float], tuple[float, ...]], PageTemplate] = {}
    continued: dict[tuple[tuple[float, float], tuple[float, ...]], PageTemplate] = {}
    story: list[Flowable] = []
    for index, part in enumerate(parts):
        key = (part.pagesize, part.margins)
        top, right, bottom, left = part.margins
        width, height = part.pagesize
        if key not in templates:
            # the first page of a part, then its continuation pages with room for their header
            name = f"p{len(templates)}"
            frame = Frame(left, bottom, width - left - right, height - top - bottom,
                          leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id=name)
            later = Frame(left, bottom, width - left - right, height - top - bottom - CONTINUATION_SPACE,
                          leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id=name + "n")
            templates[key] = PageTemplate(id=name, frames=[frame], pagesize=part.pagesize,
                                          autoNextPageTemplate=name + "n")
            continued[key] = PageTemplate(id=name + "n", frames=[later], pagesize=part.pagesize)
        if index:
            story += [NextPageTemplate(templates[key].id), PageBreak()]
        story.append(_PartStart(index, part.void))
        story += part.story(width - left - right)
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=parts[0].pagesize,
        pageTemplates=[t for key in templates for t in (templates[key], continued[key])],
        title=info.get("title", ""),
        author=info.get("author", ""),
        subject=info.get("subject", ""),
        keywords=info.get("keywords", ""),
        creator="Smart Kampung",
    )

    def canvasmaker(*args: Any, **kwargs: Any) -> DecoratedCanvas:
        canv = DecoratedCanvas(*args, **kwargs)
        canv.number_single_pages = number_single_pages
        canv.continuations = [(part.continuation, part.margins[3], part.margins[0], part.margins[1])
                              for part in parts]
        canv.marks = [(part.mark, part.margins[0], part.margins[1]) for part in parts]
        for k, v in (extra_info or {}).items():
            canv.set_info_extra(k, v)
        return canv

    doc.build(story, canvasmaker=canvasmaker)
    return out.getvalue()
