"""Writing residents back out: the 43-column "Data Penduduk" workbook and the CSV of rejected rows.

``write_workbook`` produces what ``open_workbook`` reads (export -> import gives the same values):
dates as date cells, NIK/No. KK as text, codes as numbers, and text starting with ``= + - @``
prefixed with ``'`` so no spreadsheet runs it as a formula (the reader takes the ``'`` off again).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kiosk.i18n import _
from kiosk.importer.columns import columns
from kiosk.importer.reader import END_MARKER, ImportRow
from kiosk.importer.source import SHEET_NAME
from kiosk.importer.values import INJECTION_PREFIXES


def neutralise(value: str) -> str:
    """Text that a spreadsheet would take for a formula gets a leading ``'``."""
    return "'" + value if value.startswith(INJECTION_PREFIXES) else value


def write_workbook(path: str | Path, rows: Iterable[Mapping[str, Any]], *, end_marker: bool = False) -> int:
    """Write residents (dicts with the ``ImportRow.values`` keys) as sheet "Data Penduduk".

    Returns the number of residents written. ``end_marker`` adds OpenSID's ``###`` row at the end.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    cols = columns()
    sheet.append([c.header for c in cols])
    keys = [c.key for c in cols]
    count = 0
    for values in rows:
        out: list[Any] = []
        for key in keys:
            value = values.get(key)
            if value is None:
                out.append(None)
            elif isinstance(value, datetime):
                out.append(_date_cell(WriteOnlyCell, sheet, value.date()))
            elif isinstance(value, date):
                out.append(_date_cell(WriteOnlyCell, sheet, value))
            elif isinstance(value, str):
                out.append(neutralise(value))
            else:
                out.append(value)
        sheet.append(out)
        count += 1
    if end_marker:
        sheet.append([None, END_MARKER])
    workbook.save(str(path))
    return count


def _date_cell(cell_type: Any, sheet: Any, value: date) -> Any:
    cell = cell_type(sheet, value=value)
    cell.number_format = "yyyy-mm-dd"
    return cell


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
