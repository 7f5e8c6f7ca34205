"""Reading resident rows out of an ``ImportSource`` and normalising them (no database).

Each data row becomes an ``ImportRow``: its spreadsheet row number, ``values`` under the keys of
``kiosk.importer.columns.KEYS`` and the ``errors``/``warnings`` found. A row with any error must be
rejected whole by the caller. The row whose second column (dusun in the template) is ``###`` ends
the data and is never returned; empty rows are skipped.

Value types: text ``str | None`` (``None`` when empty), coded columns ``int | None`` (an empty
``basic_status`` is ``None``: HIDUP for a new resident, the stored status for an update), dates ``date | None``, ``lat``/``lng`` ``float | None``, NIK and No. KK
``str | None`` where ``None`` is "NIK belum ada" (``kiosk.nik.NIK_MISSING``), RT/RW ``"001"`` or
``None``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from kiosk import nik as nikmod
from kiosk import refdata
from kiosk.i18n import N_, _
from kiosk.importer import values as cell
from kiosk.importer.columns import DATE_KEYS, FLOAT_KEYS, KEYS, NUMBER_KEYS
from kiosk.importer.source import DEFAULT_MAX_BYTES, ImportSource, open_workbook
from kiosk.refdata import code_list

END_MARKER = "###"
HIDUP = 1

REQUIRED = "required"
UNKNOWN_CODE = "unknown_code"
INVALID_DATE = "invalid_date"
FUTURE_DATE = "future_date"
INVALID_NUMBER = "invalid_number"
NIK_MISSING = "nik_missing"
NIK_TEMPORARY = "nik_temporary"
NIK_DUPLICATE_IN_FILE = "nik_duplicate_in_file"
NIK_FROM_NUMBER = "nik_from_number"
PARENT_NIK_DROPPED = "parent_nik_dropped"
INVALID_RT_RW = "invalid_rt_rw"
NAME_DIGITS = "name_digits_only"
NAME_TOO_LONG = "name_too_long"
NIK_SCIENTIFIC = "nik_scientific_notation"
NIK_INVISIBLE = "nik_invisible_characters"
FORMULA_NO_VALUE = "formula_without_value"
MAX_NAME = 100

TEMPLATES: dict[str, str] = {
    REQUIRED: N_("This column is required but the cell is empty."),
    UNKNOWN_CODE: N_("“{value}” is not one of the values allowed in column {column}. Allowed (code or name): "
                      "{allowed}."),
    INVALID_DATE: N_("“{value}” is not a valid date (write it like 31-12-1990)."),
    FUTURE_DATE: N_("The date {value} is in the future."),
    INVALID_NUMBER: N_("“{value}” is not a number."),
    NIK_MISSING: N_("No NIK: the resident is imported as “NIK belum ada”."),
    NIK_TEMPORARY: N_(
        "{value} is a temporary NIK (it starts with 0); the resident is imported as “NIK belum ada”."
    ),
    NIK_DUPLICATE_IN_FILE: N_("This NIK is also on row {row} of the file."),
    NIK_FROM_NUMBER: N_(
        "The number was stored as a number, and spreadsheets keep only 15 digits: check the last digit."
    ),
    PARENT_NIK_DROPPED: N_("The parent's NIK “{value}” is not valid and was left empty."),
    INVALID_RT_RW: N_("“{value}” is not an RT/RW: write a number of up to 3 digits (2, 002 or RT 002)."),
    NAME_DIGITS: N_("“{value}” is not a name: it has only digits."),
    NAME_TOO_LONG: N_("The name has {length} characters; at most {limit} are allowed (two cells run together?)."),
    NIK_SCIENTIFIC: N_("The number is written as “{value}” (scientific notation): the spreadsheet has already "
                       "lost its last digits. Format the column as Text and type the number again."),
    NIK_INVISIBLE: N_("The number held {count} invisible character(s) (such as a zero-width space from a "
                      "copied SIAK list); they were removed."),
    FORMULA_NO_VALUE: N_("The cell holds a formula without a saved value: open the file in Excel or "
                         "LibreOffice, let it calculate, save it and import again."),
}


@dataclass(frozen=True)
class RowIssue:
    """A problem in one cell: the column header as in the file, a stable code, template and data."""

    column_header: str
    code: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        """The reason in the current language."""
        text = _(self.template)
        try:
            return text.format(**self.data)
        except (KeyError, IndexError, ValueError):
            return text


@dataclass
class ImportRow:
    """One resident row of the workbook (row number as the spreadsheet shows it, 1-based).

    A ``None`` in ``values`` is an empty cell (or a column the sheet lacks): an update keeps the
    stored value. ``cleared`` names the keys whose cell held the clearing marker ``-``.
    """

    row: int
    values: dict[str, Any]
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    sheet: str = ""
    cleared: set[str] | None = None

    def clear(self, key: str) -> None:
        if self.cleared is None:
            self.cleared = set()
        self.cleared.add(key)

    @property
    def ok(self) -> bool:
        return not self.errors


def _issue(header: str, code: str, **data: Any) -> RowIssue:
    return RowIssue(header, code, TEMPLATES[code], data)


def _from_number_issue(header: str, found: nikmod.NumberIssue) -> RowIssue:
    return RowIssue(header, found.code, found.template, found.data)


_MISSING: Any = object()
_TEXT_KEYS = [k for k in KEYS.values() if k not in DATE_KEYS | NUMBER_KEYS | FLOAT_KEYS | {"rt", "rw"}]


CLEAR_MARKER = "-"


def read_rows(
    source: ImportSource, *, today: date | None = None, check_duplicates: bool = True,
) -> Iterator[ImportRow]:
    """Normalise every data row of ``source`` (see the module docstring).

    ``check_duplicates=False`` leaves a NIK repeated in the sheet to the caller (the import compares
    every sheet of the workbook at once).
    """
    today = today or date.today()
    header_cells = source.header_cells()
    headers = {key: str(header_cells[i]).strip() for key, (i, _col) in source.columns.items()}
    index = {key: i for key, (i, _col) in source.columns.items()}
    coded = {key: col.code_list for key, (_i, col) in source.columns.items() if col.code_list}
    lookups = [(key, index[key], *_cached_lookup(stem)) for key, stem in coded.items()]
    text_indexes = [(k, index[k]) for k in _TEXT_KEYS if k in index and k not in coded]
    rt_rw_indexes = [(k, index[k]) for k in ("rt", "rw") if k in index]
    date_indexes = [(k, index[k]) for k in sorted(DATE_KEYS) if k in index]
    float_indexes = [(k, index[k]) for k in sorted(FLOAT_KEYS) if k in index]
    marker_indexes = {source.first_column + 1}
    if "dusun" in index:
        marker_indexes.add(index["dusun"])
    seen_niks: dict[str, int] = {}
    empty_values = dict.fromkeys(KEYS.values())
    date_cache: dict[Any, date] = {}
    checks = _NumberChecks()

    rt_rw_cache: dict[Any, str | None] = {}
    markers = tuple(marker_indexes)
    missing = _MISSING
    sheet_name = source.sheet_name
    formulas = source.formula_cells
    key_of_index = {i: key for key, i in index.items()}

    for row_number, cells in source.data_rows():
        for i in markers:
            if cells[i] == END_MARKER:
                return
        for c in cells:
            if c != "" and c is not None:
                break
        else:
            continue  # empty row
        values = dict(empty_values)
        row = ImportRow(row_number, values, sheet=sheet_name)
        errors = row.errors
        for key, i in text_indexes:
            raw = cells[i]
            if raw.__class__ is str:
                if raw:
                    stripped = raw.strip()
                    if stripped == CLEAR_MARKER:
                        row.clear(key)
                        continue
                    # fast path for ordinary text; the rest (export's "'" prefix, numbers) in cell.text
                    values[key] = stripped if stripped and stripped[0] != "'" else cell.text(raw)
            elif raw is not None:
                values[key] = cell.text(raw)
        for key, i in rt_rw_indexes:
            raw = cells[i]
            if raw.__class__ is str and raw.strip() == CLEAR_MARKER:
                row.clear(key)
                continue
            try:
                found = rt_rw_cache.get(raw, missing)
                if found is missing:
                    found = rt_rw_cache[raw] = cell.rt_rw(raw)
            except cell.BadValue:
                errors.append(_issue(headers[key], INVALID_RT_RW, value=cell.text(raw)))
                continue
            values[key] = found
        for key, i, cache_get, lookup in lookups:
            raw = cells[i]
            if raw == "" or raw is None:
                continue
            if raw.__class__ is str and raw.strip() == CLEAR_MARKER:
                if key == "sex":  # required: never cleared
                    errors.append(_issue(headers[key], REQUIRED))
                elif key != "basic_status":  # a status is never cleared: "-" is an empty cell there
                    row.clear(key)
                continue
            try:
                code = cache_get(raw, missing)
            except TypeError:
                code = missing
            if code is missing:
                code = lookup(raw)
            if code is None:
                if not cell.is_empty(raw):
                    errors.append(_issue(headers[key], UNKNOWN_CODE, value=cell.text(raw), column=headers[key],
                                         allowed=allowed_values(coded[key])))
            else:
                values[key] = code
        for key, i in date_indexes:
            raw = cells[i]
            if raw == "" or raw is None:
                continue
            if raw.__class__ is str and raw.strip() == CLEAR_MARKER:
                row.clear(key)
                continue
            when = date_cache.get(raw) if isinstance(raw, str) else None
            if when is None:
                try:
                    when = cell.to_date(raw)
                except cell.BadValue:
                    errors.append(_issue(headers[key], INVALID_DATE, value=cell.text(raw)))
                    continue
                if isinstance(raw, str) and when is not None:
                    date_cache[raw] = when
            if key == "birth_date" and when is not None and when > today:
                errors.append(_issue(headers[key], FUTURE_DATE, value=when.strftime("%d-%m-%Y")))
                continue
            values[key] = when
        for key, i in float_indexes:
            raw = cells[i]
            if raw == "" or raw is None:
                continue
            if raw.__class__ is str and raw.strip() == CLEAR_MARKER:
                row.clear(key)
                continue
            try:
                values[key] = cell.number(raw)
            except cell.BadValue as bad:
                errors.append(_issue(headers[key], INVALID_NUMBER, value=cell.text(bad.value)))
        name = values["name"]
        if name is None:
            if "name" in index:
                errors.append(_issue(headers["name"], REQUIRED))
        elif len(name) > MAX_NAME:
            errors.append(_issue(headers["name"], NAME_TOO_LONG, length=len(name), limit=MAX_NAME))
        elif not _has_letter(name):
            errors.append(_issue(headers["name"], NAME_DIGITS, value=name))
        if formulas and row_number in formulas:
            for i in formulas[row_number]:
                key_at = key_of_index.get(i)
                if key_at is not None and cell.is_empty(cells[i]):
                    errors.append(_issue(headers[key_at], FORMULA_NO_VALUE))
        if values["sex"] is None and "sex" in index and cell.is_empty(cells[index["sex"]]):
            errors.append(_issue(headers["sex"], REQUIRED))
        _numbers(row, cells, index, headers, seen_niks if check_duplicates else None, checks)
        yield row


@cache
def allowed_values(stem: str) -> str:
    """The values of a code list as a rejection lists them: ``1 ISLAM, 2 KRISTEN, …``."""
    return ", ".join(f"{code} {name}" for code, name in code_list(stem).items())


def _has_letter(name: str) -> bool:
    return any(c.isalpha() for c in name)


def _cached_lookup(stem: str) -> tuple[Callable[[Any, Any], Any], Callable[[Any], int | None]]:
    """(``get`` of the cache of answers, the lookup that fills it)."""
    codes = code_list(stem)
    cache: dict[Any, int | None] = {}

    def lookup(raw: Any) -> int | None:
        try:
            return cache[raw]
        except KeyError:
            pass
        except TypeError:  # unhashable: never from calamine or csv
            return codes.lookup(cell.text(raw))
        value = raw.strip().lstrip("'") if isinstance(raw, str) else raw
        found = codes.lookup(value)
        cache[raw] = found
        return found

    return cache.get, lookup


def _from_float(raw: Any) -> bool:
    """A NIK the spreadsheet held as a number may have lost its 16th digit (Excel keeps 15)."""
    return isinstance(raw, float) and (raw >= 2**53 or int(raw) % 10 == 0)


class _NumberChecks:
    """``kiosk.nik``'s checks for one file, with its usual answers remembered.

    A NIK whose region is known and whose date, sex and serial are plainly right has no issue at all:
    that is decided here in a few comparisons, and only the others go through ``check_nik`` (which
    then finds their exact issues). No. KK repeat within a family, so their checks are remembered.
    """

    def __init__(self) -> None:
        self.regions: dict[str, bool] = {}
        self.kks: dict[str, nikmod.NikCheck] = {}
        self.parents: dict[str, bool] = {}

    def _region_ok(self, number: str) -> bool:
        region = number[:6]
        known = self.regions.get(region)
        if known is None:
            known = (refdata.is_known_province(number[:2])
                     and refdata.is_known_kabupaten(f"{number[:2]}.{number[2:4]}")
                     and refdata.is_known_kecamatan(f"{number[:2]}.{number[2:4]}.{number[4:6]}"))  # fmt: skip
            self.regions[region] = known
        return known

    def plainly_right(self, nik: str, birth_date: date | None, sex: int | None) -> bool:
        """True only when ``check_nik(nik, birth_date=..., sex=...)`` has no error and no warning."""
        if len(nik) != 16 or not (nik.isascii() and nik.isdigit()) or nik[12:] == "0000":
            return False
        day, month = int(nik[6:8]), int(nik[8:10])
        if not (1 <= month <= 12 and (1 <= day <= 31 or 41 <= day <= 71)):
            return False
        female = day > 40
        if birth_date is not None and (
            birth_date.day != (day - 40 if female else day) or birth_date.month != month
            or birth_date.year % 100 != int(nik[10:12])
        ):  # fmt: skip
            return False
        if sex in (nikmod.SEX_MALE, nikmod.SEX_FEMALE) and female != (sex == nikmod.SEX_FEMALE):
            return False
        return self._region_ok(nik)

    def kk_plainly_right(self, kk: str) -> bool:
        """True only when ``check_kk(kk)`` has no error and no warning."""
        if len(kk) != 16 or not (kk.isascii() and kk.isdigit()) or kk[12:] == "0000":
            return False
        if not (1 <= int(kk[6:8]) <= 31 and 1 <= int(kk[8:10]) <= 12):
            return False
        return self._region_ok(kk)

    def kk(self, kk: str) -> nikmod.NikCheck:
        found = self.kks.get(kk)
        if found is None:
            found = self.kks[kk] = nikmod.NikCheck(kk, None) if self.kk_plainly_right(kk) else nikmod.check_kk(kk)
        return found

    def parent_ok(self, nik: str) -> bool:
        ok = self.parents.get(nik)
        if ok is None:
            ok = self.parents[nik] = not nikmod.is_temporary_nik(nik) and (
                self.plainly_right(nik, None, None) or nikmod.check_nik(nik).ok)
        return ok


def _numbers(
    row: ImportRow, cells: list[Any], index: dict[str, int], headers: dict[str, str],
    seen: dict[str, int] | None, checks: _NumberChecks,
) -> None:
    values = row.values

    def get(key: str) -> Any:
        return cells[index[key]]

    if "nik" in headers:
        header = headers["nik"]
        raw = get("nik")
        if raw.__class__ is str and not _plain_digits(raw):
            raw = _number_text(row, header, raw)
        nik = nikmod.normalize_nik(raw) if raw is not _REJECTED else None
        if raw is _REJECTED:
            pass
        elif nik is None:
            row.warnings.append(_issue(header, NIK_MISSING))
        elif nikmod.is_temporary_nik(nik):
            row.warnings.append(_issue(header, NIK_TEMPORARY, value=nik))
            nik = None
        else:
            if checks.plainly_right(nik, values["birth_date"], values["sex"]):
                ok = True
            else:
                check = nikmod.check_nik(nik, birth_date=values["birth_date"], sex=values["sex"])
                row.errors.extend(_from_number_issue(header, i) for i in check.errors)
                row.warnings.extend(_from_number_issue(header, i) for i in check.warnings)
                ok = check.ok
            if _from_float(raw):
                row.warnings.append(_issue(header, NIK_FROM_NUMBER))
            if ok and seen is not None:
                other = seen.setdefault(nik, row.row)
                if other != row.row:
                    row.errors.append(_issue(header, NIK_DUPLICATE_IN_FILE, row=other))
        values["nik"] = nik
    if "kk_number" in headers:
        header = headers["kk_number"]
        raw = get("kk_number")
        if raw.__class__ is str and not _plain_digits(raw):
            raw = _number_text(row, header, raw)
        kk = nikmod.normalize_kk(raw) if raw is not _REJECTED else None
        if kk is not None:
            check = checks.kk(kk)
            if check.errors:
                row.errors.extend(_from_number_issue(header, i) for i in check.errors)
            if check.warnings:
                row.warnings.extend(_from_number_issue(header, i) for i in check.warnings)
            if _from_float(raw):
                row.warnings.append(_issue(header, NIK_FROM_NUMBER))
        values["kk_number"] = kk
    for key in ("father_nik", "mother_nik"):
        if key not in headers:
            continue
        raw = get(key)
        if raw == "" or raw is None:
            continue
        if raw.__class__ is str and raw.strip() == CLEAR_MARKER:
            row.clear(key)
            continue
        parent = nikmod.normalize_nik(raw)
        if parent is not None and not checks.parent_ok(parent):
            row.warnings.append(_issue(headers[key], PARENT_NIK_DROPPED, value=parent))
            parent = None
        values[key] = parent


_REJECTED: Any = object()
_SCIENTIFIC_TEXT = re.compile(r"\s*'?\d(?:[.,]\d+)?[eE]\+?\d{1,2}\s*")


def _plain_digits(raw: str) -> bool:
    return len(raw) == 16 and raw.isascii() and raw.isdigit()


def _number_text(row: ImportRow, header: str, raw: str) -> Any:
    """A NIK/No. KK typed as text: scientific notation is an error (digits are lost already), invisible
    characters are removed with a warning. Returns the text to check, or ``_REJECTED``."""
    if _SCIENTIFIC_TEXT.fullmatch(raw):
        row.errors.append(_issue(header, NIK_SCIENTIFIC, value=raw.strip()))
        return _REJECTED
    body = raw.strip()
    invisible = [c for c in body if unicodedata.category(c) in ("Cf", "Cc", "Co") or c in "\u00a0\u2007\u202f"]
    if invisible and body.strip("".join(invisible)):
        row.warnings.append(_issue(header, NIK_INVISIBLE, count=len(invisible)))
        return "".join(c for c in body if c not in invisible)
    return raw


def read_residents(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[ImportRow]:
    """``open_workbook(path)`` and ``read_rows`` in one call."""
    return read_rows(open_workbook(path, max_bytes=max_bytes))
