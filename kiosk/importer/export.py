"""Writing residents back out: the 43-column "Data Penduduk" workbook and the CSV of rejected rows.

``write_workbook`` produces what ``open_workbook`` reads (export -> import gives the same values):
dates as date cells, NIK/No. KK as text, codes as numbers, and text starting with ``= + - @``
prefixed with ``'`` so no spreadsheet runs it as a formula (the reader takes the ``'`` off again).

openpyxl builds the workbook's package (workbook, styles with the date format, theme, properties);
the sheet's rows are written as XML here, streamed into the zip: openpyxl's per-cell objects cost
about half a millisecond a row, ten times the XML itself.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from kiosk import durable
from kiosk.i18n import _
from kiosk.importer.columns import columns
from kiosk.importer.reader import END_MARKER, ImportRow
from kiosk.importer.source import SHEET_NAME
from kiosk.importer.values import INJECTION_PREFIXES

_SHEET_PART = "xl/worksheets/sheet1.xml"
_MAX_TEXT = 32767  # Excel's limit for one cell (openpyxl cuts there too)
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()
_ROWS_PER_WRITE = 2000
# what XML text cannot hold as is: markup characters, CR (kept as a reference) and the control
# characters XML 1.0 forbids (dropped: openpyxl refused the whole file for them)
_SPECIAL = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: str) -> str:
    """Text that a spreadsheet would take for a formula gets a leading ``'``."""
    return "'" + value if value.startswith(INJECTION_PREFIXES) else value


def write_workbook(path: str | Path, rows: Iterable[Mapping[str, Any]], *, end_marker: bool = False) -> int:
    """Write residents (dicts with the ``ImportRow.values`` keys) as sheet "Data Penduduk".

    Returns the number of residents written. ``end_marker`` adds OpenSID's ``###`` row at the end.
    The file appears whole or not at all (``kiosk.durable``: written beside it, fsynced, renamed).
    """
    path = Path(path)
    parts, head, tail, date_style = _package()
    cols = columns()
    keys = [c.key for c in cols]
    letters = [c.letter for c in cols]
    count = 0
    with durable.atomic_file(path) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts:
            if name == _SHEET_PART:
                with out.open(name, "w") as sheet:
                    count = _write_sheet(sheet, head, tail, date_style, keys, letters, rows, end_marker)
            else:
                out.writestr(name, data)
    return count


def _write_sheet(
    sheet: Any, head: str, tail: str, date_style: str, keys: list[str], letters: list[str],
    rows: Iterable[Mapping[str, Any]], end_marker: bool,
) -> int:
    cell = _CellWriter(date_style)
    lines = [head, _row_xml(1, letters, [c.header for c in columns()], cell)]
    number = 1
    for values in rows:
        number += 1
        lines.append(_row_xml(number, letters, [values.get(k) for k in keys], cell))
        if len(lines) >= _ROWS_PER_WRITE:
            sheet.write("".join(lines).encode("utf-8"))
            lines.clear()
    if end_marker:
        lines.append(f'<row r="{number + 1}">' + cell(f"{letters[1]}{number + 1}", END_MARKER) + "</row>")
    lines.append(tail)
    sheet.write("".join(lines).encode("utf-8"))
    return number - 1


def _row_xml(number: int, letters: list[str], values: list[Any], cell: _CellWriter) -> str:
    n = str(number)
    return "".join([f'<row r="{n}">',
                    *[cell(letter + n, v) for letter, v in zip(letters, values, strict=True) if v is not None],
                    "</row>"])  # fmt: skip


class _CellWriter:
    """One cell as sheet XML, typed as openpyxl would write it (text inline, dates as serials)."""

    def __init__(self, date_style: str) -> None:
        self.date_style = date_style

    def __call__(self, ref: str, value: Any) -> str:
        kind = value.__class__
        if kind is str:
            return _text_cell(ref, neutralise(value))
        if kind is int:
            return f'<c r="{ref}" t="n"><v>{value}</v></c>'
        if kind is date or kind is datetime:
            day = value.date() if kind is datetime else value
            return f'<c r="{ref}" s="{self.date_style}" t="n"><v>{_serial(day)}</v></c>'
        if kind is bool:
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if kind is float:
            return f'<c r="{ref}" t="n"><v>{value!r}</v></c>' if math.isfinite(value) else ""
        # subclasses (enums and the like) and other numbers
        if isinstance(value, bool):
            return self(ref, bool(value))
        if isinstance(value, int):
            return self(ref, int(value))
        if isinstance(value, float):
            return self(ref, float(value))
        if isinstance(value, str):
            return self(ref, str(value))
        if isinstance(value, datetime):
            return self(ref, value.date())
        if isinstance(value, date):
            return self(ref, date(value.year, value.month, value.day))
        if isinstance(value, Decimal):
            return f'<c r="{ref}" t="n"><v>{value}</v></c>' if value.is_finite() else ""
        return _text_cell(ref, neutralise(str(value)))


def _text_cell(ref: str, value: str) -> str:
    if len(value) > _MAX_TEXT:
        value = value[:_MAX_TEXT]
    if _SPECIAL.search(value):
        value = (_ILLEGAL.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                 .replace("\r", "&#13;"))  # fmt: skip
    if value != value.strip():
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _serial(day: date) -> int:
    """Excel's day number (1900 date system, with its 29-02-1900 quirk as openpyxl writes it)."""
    days = day.toordinal() - _EXCEL_EPOCH
    return days - 1 if 0 < days <= 60 else days


def _package() -> tuple[list[tuple[str, bytes]], str, str, str]:
    """openpyxl's parts of an empty "Data Penduduk" workbook whose styles hold the date format; the
    sheet XML before and after its rows; the style index of date cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    probe = WriteOnlyCell(sheet, value=date(2000, 1, 1))
    probe.number_format = "yyyy-mm-dd"
    sheet.append([probe])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    names = dict(parts)
    if _SHEET_PART not in names:
        raise ExportLayoutChanged(f"openpyxl wrote no {_SHEET_PART}")
    xml = names[_SHEET_PART].decode("utf-8")
    found = re.search(r'<c r="A1" s="(\d+)"', xml)
    if found is None or "<sheetData>" not in xml or "</sheetData>" not in xml:
        # without the date cell's style index every date would be written as a bare number
        raise ExportLayoutChanged("the probe date cell or <sheetData> is missing from openpyxl's sheet")
    start, end = xml.index("<sheetData>"), xml.index("</sheetData>")
    return parts, xml[:start] + "<sheetData>", xml[end:], found[1]


class ExportLayoutChanged(RuntimeError):
    """openpyxl's workbook no longer looks as the hand-written sheet XML expects (a new openpyxl?):
    refuse to export rather than write dates as numbers. ``tests/core/importer/test_export_openpyxl.py``
    compares the two cell by cell."""


def write_rejects_csv(path: str | Path, rejected_rows: Iterable[ImportRow], *, delimiter: str = ",") -> int:
    """One line per problem of each rejected row: row, column, reason (in the current language).

    UTF-8 with BOM so Excel opens it correctly. Returns the number of lines written.
    """
    lines = 0
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow([_("Row"), _("Column"), _("Reason")])
        for row in rejected_rows:
            for issue in row.errors:
                writer.writerow([row.row, issue.column_header, neutralise(issue.message())])
                lines += 1
    return lines
