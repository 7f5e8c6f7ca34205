"""Opening a resident workbook or CSV and finding its sheet and header row.

``open_workbook`` checks the file (exists, size, really a workbook/CSV), reads the sheet "Data
Penduduk" — or else the first sheet whose first rows carry the expected headers — and maps the
headers by name. It reads cells only; ``kiosk.importer.reader`` turns them into resident values.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.i18n import N_
from kiosk.importer.columns import KEY_HEADERS, MIN_KNOWN_HEADERS, Column, column_of_header, is_ignored_header
from kiosk.importer.columns import columns as all_columns
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
CODE_SHEET_NAME = "Kode Data"  # OpenSID's template: the code lists, never residents
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
    ignored_headers: list[str] = field(default_factory=list)  # known, but nothing the store keeps
    unknown_header_index: dict[str, int] = field(default_factory=dict)  # unknown header -> 0-based column
    header_index: int = 0  # 0-based row of the header names (``header_row`` is where data starts - 1)
    formula_cells: dict[int, list[int]] = field(default_factory=dict)  # row number -> 0-based columns

    def unknown_with_data(self) -> list[str]:
        """The unknown headers whose column holds at least one value below the header."""
        out = []
        for header, i in self.unknown_header_index.items():
            for row in self.cells[self.header_row:]:
                if i < len(row) and row[i] not in ("", None) and not (isinstance(row[i], str) and not row[i].strip()):
                    out.append(header)
                    break
        return out

    def header_cells(self) -> list[Any]:
        return self.cells[self.header_index]

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


@dataclass(frozen=True)
class SkippedSheet:
    """A sheet of the workbook that was not read as resident data, and why (``code``, template)."""

    name: str
    code: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        from kiosk.i18n import _

        try:
            return _(self.template).format(**self.data)
        except (KeyError, IndexError, ValueError):
            return _(self.template)


SKIP_CODE_LIST = "code_list_sheet"
SKIP_NO_HEADERS = "no_resident_headers"
SKIP_MISSING = "missing_key_columns"
SKIP_EMPTY = "empty_sheet"
SKIP_TEMPLATES = {
    SKIP_CODE_LIST: N_("OpenSID's list of codes, not residents."),
    SKIP_NO_HEADERS: N_("No resident headers (nik, nama, …) in its first {rows} rows."),
    SKIP_MISSING: N_("It has resident headers but lacks the column {columns}."),
    SKIP_EMPTY: N_("The sheet is empty."),
}


@dataclass
class ImportBook:
    """Every resident sheet of one file (in workbook order) and the sheets that were skipped."""

    path: Path
    kind: str
    sheets: list[ImportSource]
    skipped: list[SkippedSheet] = field(default_factory=list)


def _check_file(path: Path, max_bytes: int) -> bool:
    """Raise for a missing, too large or non-spreadsheet file; True for a workbook, False for CSV."""
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
        return True
    if suffix in WORKBOOK_SUFFIXES or b"\x00" in head:
        raise NotAWorkbook(name=name)
    return False


def open_book(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportBook:
    """Open a resident workbook (.xlsx/.xlsm/.xls/.ods via calamine) or a CSV with the same headers.

    Every sheet whose first rows carry the resident headers is read (found by its headers, not its
    name); OpenSID's "Kode Data" sheet and sheets without those headers are listed in ``skipped``.
    Raises ``ImportFileNotFound``, ``ImportFileTooLarge``, ``NotAWorkbook``, ``NoResidentSheet`` or
    ``MissingColumns`` (all ``kiosk.errors.DomainError``) when no sheet can be read.
    """
    path = Path(path)
    if _check_file(path, max_bytes):
        return _open_calamine(path)
    return ImportBook(path, "csv", [_open_csv(path)])


def open_workbook(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportSource:
    """The first resident sheet of ``open_book(path)`` (see there)."""
    return open_book(path, max_bytes=max_bytes).sheets[0]


def _open_calamine(path: Path) -> ImportBook:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise NotAWorkbook(name=path.name) from exc
    sheets: list[ImportSource] = []
    skipped: list[SkippedSheet] = []
    partial: tuple[str, list[str]] | None = None
    try:
        for sheet_name in workbook.sheet_names:
            if fold(sheet_name) == fold(CODE_SHEET_NAME):
                skipped.append(_skip(sheet_name, SKIP_CODE_LIST))
                continue
            try:
                sheet = workbook.get_sheet_by_name(sheet_name)
                cells = sheet.to_python(skip_empty_area=False)
            except Exception as exc:
                raise NotAWorkbook(name=path.name) from exc
            if not cells:
                skipped.append(_skip(sheet_name, SKIP_EMPTY))
                continue
            try:
                merged = list(sheet.merged_cell_ranges or [])
            except Exception:  # not every format reports merged cells
                merged = []
            source = _find_headers(path, "workbook", sheet_name, cells, merged)
            if source is not None:
                sheets.append(source)
                continue
            lacking = _lacking(cells, merged)
            if lacking:
                skipped.append(_skip(sheet_name, SKIP_MISSING, columns=", ".join(lacking)))
                if partial is None or fold(sheet_name) == fold(SHEET_NAME):
                    partial = (sheet_name, lacking)
            else:
                skipped.append(_skip(sheet_name, SKIP_NO_HEADERS, rows=HEADER_SCAN_ROWS))
    finally:
        workbook.close()
    if not sheets:
        if partial is not None:
            raise MissingColumns(name=path.name, sheet=partial[0], columns=", ".join(partial[1]))
        raise NoResidentSheet(name=path.name)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        found = formulas_without_values(path, [s.sheet_name for s in sheets])
        for source in sheets:
            source.formula_cells = found.get(source.sheet_name, {})
    return ImportBook(path, "workbook", sheets, skipped)


_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>\s*<f[ >/]((?:(?!</c>).)*)</c>', re.DOTALL)


def formulas_without_values(path: Path, sheet_names: list[str]) -> dict[str, dict[int, list[int]]]:
    """Per sheet, the cells (row number -> 0-based columns) holding a formula but no saved value.

    Calamine reads such a cell as empty; a workbook written by a program (not saved by Excel or
    LibreOffice) often has them. Only .xlsx/.xlsm: the sheet XML is searched for ``<f>`` cells whose
    ``<v>`` is missing or empty; a sheet without any formula costs one substring search.
    """
    out: dict[str, dict[int, list[int]]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            parts = _sheet_parts(z)
            for name in sheet_names:
                part = parts.get(name)
                if part is None:
                    continue
                data = z.read(part)
                if b"<f" not in data:
                    continue
                cells: dict[int, list[int]] = {}
                for m in _FORMULA_CELL.finditer(data):
                    rest = m[3]
                    v = re.search(rb"<v>(.*?)</v>", rest, re.DOTALL)
                    if v is None or not v[1].strip():
                        cells.setdefault(int(m[2]), []).append(_column_index(m[1].decode("ascii")))
                if cells:
                    out[name] = cells
    except (OSError, KeyError, zipfile.BadZipFile):
        return out
    return out


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the package (from workbook.xml and its relationships)."""
    workbook = z.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {m[1]: m[2] for m in re.finditer(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
    targets.update({m[2]: m[1] for m in re.finditer(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    parts: dict[str, str] = {}
    for m in re.finditer(r'<sheet\b[^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', workbook):
        target = targets.get(m[2])
        if target:
            target = target.lstrip("/")
            parts[html.unescape(m[1])] = target if target.startswith("xl/") else f"xl/{target}"
    return parts


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _skip(name: str, code: str, **data: Any) -> SkippedSheet:
    return SkippedSheet(name, code, SKIP_TEMPLATES[code], data)


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
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        column = column_of_header(cell)
        if column is not None and column.header not in found:
            found[column.header] = index
    return found


def _has_required(found: dict[str, int]) -> bool:
    return all(h in found for h in KEY_HEADERS) and len(found) >= MIN_KNOWN_HEADERS


def _filled_header_rows(cells: list[list[Any]], merged: list[Any]) -> list[list[Any]]:
    """The first rows with each merged cell's value copied into every cell it covers.

    A header merged over two rows (``nik`` above an empty cell) or over two columns then reads the
    same on every row it spans.
    """
    rows = [list(r) for r in cells[:HEADER_SCAN_ROWS]]
    for (r1, c1), (r2, c2) in merged:
        if r1 >= len(rows) or c1 >= len(rows[r1]):
            continue
        value = rows[r1][c1]
        for r in range(r1, min(r2, len(rows) - 1) + 1):
            for c in range(c1, min(c2, len(rows[r]) - 1) + 1):
                if (r, c) != (r1, c1) and rows[r][c] in ("", None):
                    rows[r][c] = value
    return rows


def _find_headers(
    path: Path, kind: str, sheet_name: str, cells: list[list[Any]], merged: list[Any] | None = None,
) -> ImportSource | None:
    """The sheet as an ``ImportSource`` when one of its first rows has the key headers.

    Of several such rows (a title above, group labels merged over two header rows) the one that
    names the most columns wins; the data starts below the last row any merged header cell covers.
    """
    merged = merged or []
    rows = _filled_header_rows(cells, merged) if merged else cells[:HEADER_SCAN_ROWS]
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(rows):
        found = _header_map(row)
        if _has_required(found) and (best is None or len(found) > len(best[1])):
            best = (index, found)
    if best is None:
        return None
    index, found = best
    row = rows[index]
    columns: dict[str, tuple[int, Column]] = {}
    for h, i in found.items():
        column = column_of_header(h)
        assert column is not None
        columns[column.key] = (i, column)
    used = set(found.values())
    unknown: list[str] = []
    ignored: list[str] = []
    unknown_at: dict[str, int] = {}
    for i, cell in enumerate(row):
        if i in used or not isinstance(cell, str) or not cell.strip():
            continue
        header = " ".join(cell.split())
        if is_ignored_header(header):
            ignored.append(header)
        elif header not in unknown_at:
            unknown.append(header)
            unknown_at[header] = i
    missing = [c.header for c in all_columns() if c.header not in found]
    first = min(i for i, cell in enumerate(row) if cell not in ("", None))
    last_header_row = index
    for (r1, c1), (r2, c2) in merged:
        if r1 <= index <= r2 and any(c1 <= i <= c2 for i in used):
            last_header_row = max(last_header_row, r2)
    if last_header_row != index:
        cells = [*cells[:index], row, *([[""] * len(row)] * (last_header_row - index)), *cells[last_header_row + 1:]]
    return ImportSource(
        path=path,
        kind=kind,
        sheet_name=sheet_name,
        header_row=last_header_row + 1,
        columns=columns,
        first_column=first,
        unknown_headers=unknown,
        missing_columns=missing,
        cells=cells,
        ignored_headers=ignored,
        unknown_header_index=unknown_at,
        header_index=index,
    )


def _lacking(cells: list[list[Any]], merged: list[Any]) -> list[str]:
    """The key headers a sheet lacks, when some row looks like a header row (two known headers)."""
    best: dict[str, int] = {}
    for row in _filled_header_rows(cells, merged):
        found = _header_map(row)
        if len(found) > len(best):
            best = found
    if len(best) < 2:
        return []  # nothing like a header row
    return [h for h in KEY_HEADERS if h not in best]
