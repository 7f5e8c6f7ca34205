"""The administration books as rows (for the screen), PDF (landscape, official layout) and XLSX.

One service call reads the rows in one transaction; exporting writes the file atomically and leaves an
audit entry (who printed which book for which period), as the letter register does.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kiosk import settings
from kiosk.actor import Actor
from kiosk.books.catalog import BOOKS, ROW_FUNCTIONS, Book, Filters, period_label
from kiosk.books.report_document import head_signatory, kop_of
from kiosk.changes import write_audit
from kiosk.db import Store
from kiosk.errors import NotConfigured, ValidationError
from kiosk.i18n import N_
from kiosk.models import OfficeProfile
from kiosk.permissions import require

MSG_UNKNOWN_BOOK = N_("Unknown book {name}; choose one of: {names}.")
MSG_PERIOD = N_("The period ends before it starts ({date_from} to {date_to}).")
MSG_FUTURE = N_("The period starts in the future ({date_from}).")
MSG_FILE_TYPE = N_("Export to a .xlsx or .pdf file.")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BookRows:
    book: Book
    filters: Filters
    rows: list[list[str]]
    period: str


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    title: str


def leaf_labels(columns: list[Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for c in columns:
        if isinstance(c, list | tuple):
            out += leaf_labels(list(c[1]), f"{prefix}{c[0]} – ")
        else:
            out.append(f"{prefix}{c}")
    return out


def default_filters(name: str, date_from: dt.date | None = None, date_to: dt.date | None = None,
                    today: dt.date | None = None, **kw: Any) -> Filters:
    today = today or dt.date.today()
    book = BOOKS.get(name)
    if date_to is None:
        date_to = today.replace(day=1) - dt.timedelta(days=1) if book and book.per_month and date_from is None \
            else today
    if date_from is None:
        date_from = date_to.replace(day=1)
    return Filters(date_from, date_to, **{k: v for k, v in kw.items() if v not in (None, "")})


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class BookService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def rows(self, actor: Actor, name: str, filters: Filters, *, today: dt.date | None = None) -> BookRows:
        require(actor, "books.view")
        book = BOOKS.get(name)
        if book is None:
            raise ValidationError(MSG_UNKNOWN_BOOK, name=name, names=", ".join(sorted(BOOKS)))
        if filters.date_to < filters.date_from:
            raise ValidationError(MSG_PERIOD, fields={"date_to": MSG_PERIOD}, date_from=filters.date_from,
                                  date_to=filters.date_to)
        if filters.date_from > (today or dt.date.today()):
            raise ValidationError(MSG_FUTURE, fields={"date_from": MSG_FUTURE}, date_from=filters.date_from)
        with self.store.read() as s:
            rows = ROW_FUNCTIONS[name](s, filters)
        return BookRows(book, filters, rows, period_label(filters, book.per_month))

    def document(self, actor: Actor, result: BookRows, *, today: dt.date | None = None) -> dict[str, Any]:
        from kiosk.services.letters_document import logo_file, office_snapshot

        with self.store.read() as s:
            profile = s.execute(select(OfficeProfile)).scalar()
            if profile is None:
                raise NotConfigured()
            office = office_snapshot(profile)
            paper = str(settings.get(s, settings.PAPER))
            logo = logo_file(profile, self.store.paths.root)
        f = result.filters
        where = " ".join(x for x in (f"Dusun {f.dusun}" if f.dusun else "", f"RW {f.rw}" if f.rw else "",
                                     f"RT {f.rt}" if f.rt else "") if x)
        subtitle = f"{office.get('sebutan_desa') or 'Desa'} {office.get('desa', '')} — {result.period}"
        if where:
            subtitle += f" — {where}"
        notes = [] if result.rows else ["Tidak ada data pada periode ini."]
        return {"paper": paper, "code": f"Lampiran {result.book.code}",
                "title": result.book.title, "subtitle": subtitle, "kop": kop_of(office, logo),
                "columns": result.book.columns, "shares": result.book.shares, "align": result.book.align,
                "rows": result.rows, "bold_rows": [len(result.rows) - 1] if result.book.per_month and not f.dusun
                else [], "notes": notes, "place": office.get("desa", ""),
                "date": (today or dt.date.today()).isoformat(), "signatory": head_signatory(office)}

    def export(self, actor: Actor, name: str, path: Path, *, date_from: dt.date | None = None,
               date_to: dt.date | None = None, dusun: str | None = None, rw: str | None = None,
               rt: str | None = None, search: str = "", today: dt.date | None = None,
               progress: Progress | None = None) -> ExportResult:
        """Write the book to ``path`` (.pdf or .xlsx, by its suffix)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".pdf", ".xlsx"):
            raise ValidationError(MSG_FILE_TYPE, fields={"path": MSG_FILE_TYPE})
        filters = default_filters(name, date_from, date_to, today, dusun=dusun, rw=rw, rt=rt, search=search)
        result = self.rows(actor, name, filters, today=today)
        if progress:
            progress(1, 3)
        if suffix == ".pdf":
            from printing.books import render_book

            data = render_book(self.document(actor, result, today=today))
        else:
            data = self._xlsx(result)
        if progress:
            progress(2, 3)
        _write_atomic(path, data)
        with self.store.write() as s:
            write_audit(s, actor, action="books.export", entity="book", entity_id=name,
                        details={"book": result.book.code, "from": filters.date_from, "to": filters.date_to,
                                 "rows": len(result.rows), "format": suffix.lstrip(".")})
        if progress:
            progress(3, 3)
        return ExportResult(path, len(result.rows), result.book.title)

    @staticmethod
    def _xlsx(result: BookRows) -> bytes:
        import io

        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(result.book.code)
        bold = Font(bold=True)
        from openpyxl.cell import WriteOnlyCell

        def line(values: list[Any], font: Any = None) -> list[Any]:
            cells = []
            for v in values:
                c = WriteOnlyCell(ws, value=v)
                if font is not None:
                    c.font = font
                cells.append(c)
            return cells

        ws.append(line([result.book.title.upper()], bold))
        ws.append([result.period])
        ws.append([])
        ws.append(line(leaf_labels(result.book.columns), bold))
        numeric = result.book.per_month
        for row in result.rows:
            ws.append([int(v) if numeric and v.isdigit() else v for v in row])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
