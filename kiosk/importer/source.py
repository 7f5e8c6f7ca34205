"""Opening a resident workbook or CSV and finding its sheet and header row.

``open_workbook`` checks the file (exists, size, really a workbook/CSV), reads the sheet "Data
Penduduk" — or else the first sheet whose first rows carry the expected headers — and maps the
headers by name. It reads cells only; ``kiosk.importer.reader`` turns them into resident values.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.importer.columns import ADDRESS_HEADERS, REQUIRED_HEADERS, Column, by_folded_header, header_key
from kiosk.importer.errors import (
    ImportFileNotFound,
    ImportFileTooLarge,
    MissingColumns,
    NoResidentSheet,
    NotAWorkbook,
)
from kiosk.refdata import fold

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SHEET_NAME = "Data Penduduk"
HEADER_SCAN_ROWS = 10
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class ImportSource:
    """One sheet of resident data, ready to be read row by row.

    ``cells`` holds every row of the sheet from row 1 (``cells[i]`` is spreadsheet row ``i + 1``);
    ``columns`` maps each recognised column to its 0-based index in a row.
    """

    path: Path
    kind: str  # "workbook" or "csv"
    sheet_name: str
    header_row: int  # 1-based
    columns: dict[str, tuple[int, Column]]  # key -> (index, column)
    first_column: int  # 0-based index of the leftmost header cell ("column A" of the template)
    unknown_headers: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)  # optional headers not present
    cells: list[list[Any]] = field(default_factory=list, repr=False)

    def data_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, cells) after the header row, each row at least as wide as the headers.

        The caller stops at the ``###`` marker.
        """
        width = max(i for i, _column in self.columns.values())
        width = max(width, self.first_column + 1) + 1
        cells = self.cells
        for index in range(self.header_row, len(cells)):
            row = cells[index]
            if len(row) < width:  # CSV lines may be short; calamine rows are all full width
                row = row + [""] * (width - len(row))
            yield index + 1, row

    def read(self) -> Iterator[Any]:
        """The normalised rows (``ImportRow``), see ``kiosk.importer.reader.read_rows``."""
        from kiosk.importer.reader import read_rows

        return read_rows(self)


def open_workbook(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportSource:
    """Open a resident workbook (.xlsx/.xlsm/.xls/.ods via calamine) or a CSV with the same headers.

    Raises ``ImportFileNotFound``, ``ImportFileTooLarge``, ``NotAWorkbook``, ``NoResidentSheet`` or
    ``MissingColumns`` (all ``kiosk.errors.DomainError``).
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ImportFileNotFound(name=name)
    size = path.stat().st_size
    if size > max_bytes:
        raise ImportFileTooLarge(
            name=name, size_mb=round(size / 1024 / 1024, 1), limit_mb=round(max_bytes / 1024 / 1024, 1)
        )
    with path.open("rb") as f:
        head = f.read(8)
    suffix = path.suffix.lower()
    if head.startswith(_ZIP_MAGIC) or head == _OLE_MAGIC:
        return _open_calamine(path)
    if suffix in WORKBOOK_SUFFIXES or b"\x00" in head:
        raise NotAWorkbook(name=name)
    return _open_csv(path)


def _open_calamine(path: Path) -> ImportSource:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise NotAWorkbook(name=path.name) from exc
    try:
        names = list(workbook.sheet_names)
        # the sheet named "Data Penduduk" first, then the others in order
        names.sort(key=lambda n: fold(n) != fold(SHEET_NAME))
        for sheet_name in names:
            try:
                cells = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
            except Exception as exc:
                raise NotAWorkbook(name=path.name) from exc
            source = _find_headers(path, "workbook", sheet_name, cells)
            if source is not None:
                return source
            if fold(sheet_name) == fold(SHEET_NAME):
                _raise_missing(path, sheet_name, cells)
    finally:
        workbook.close()
    raise NoResidentSheet(name=path.name)


def _open_csv(path: Path) -> ImportSource:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel on Windows saves "CSV" as ANSI
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    try:
        cells: list[list[Any]] = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise NotAWorkbook(name=path.name) from exc
    source = _find_headers(path, "csv", path.stem, cells)
    if source is None:
        raise NoResidentSheet(name=path.name)
    return source


def _header_map(row: list[Any]) -> dict[str, int]:
    known = by_folded_header()
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        column = known.get(header_key(cell))
        if column is not None and column.header not in found:
            found[column.header] = index
    return found


def _has_required(found: dict[str, int]) -> bool:
    return all(h in found for h in REQUIRED_HEADERS) and any(h in found for h in ADDRESS_HEADERS)


def _find_headers(path: Path, kind: str, sheet_name: str, cells: list[list[Any]]) -> ImportSource | None:
    for index, row in enumerate(cells[:HEADER_SCAN_ROWS]):
        found = _header_map(row)
        if not _has_required(found):
            continue
        known = by_folded_header()
        columns = {known[header_key(h)].key: (i, known[header_key(h)]) for h, i in found.items()}
        used = set(found.values())
        unknown = [
            str(cell).strip()
            for i, cell in enumerate(row)
            if i not in used and isinstance(cell, str) and cell.strip()
        ]
        missing = [c.header for c in known.values() if c.header not in found]
        first = min(i for i, cell in enumerate(row) if cell not in ("", None))
        return ImportSource(
            path=path,
            kind=kind,
            sheet_name=sheet_name,
            header_row=index + 1,
            columns=columns,
            first_column=first,
            unknown_headers=unknown,
            missing_columns=missing,
            cells=cells,
        )
    return None


def _raise_missing(path: Path, sheet_name: str, cells: list[list[Any]]) -> None:
    best: dict[str, int] = {}
    for row in cells[:HEADER_SCAN_ROWS]:
        found = _header_map(row)
        if len(found) > len(best):
            best = found
    if not best:
        return  # nothing like a header row: look at the other sheets
    lacking = [h for h in REQUIRED_HEADERS if h not in best]
    if not any(h in best for h in ADDRESS_HEADERS):
        lacking.append(" / ".join(ADDRESS_HEADERS))
    raise MissingColumns(name=path.name, sheet=sheet_name, columns=", ".join(lacking))
