"""Turning one spreadsheet cell into a resident value: text, RT/RW, dates, numbers.

Cells arrive as calamine gives them (``str``, ``float``, ``int``, ``bool``, ``date``, ``datetime``)
or as CSV text. Each parser returns the value or raises ``BadValue`` with an issue code.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31
_MONTHS = {
    "JANUARI": 1, "JAN": 1, "JANUARY": 1,
    "FEBRUARI": 2, "PEBRUARI": 2, "FEB": 2, "PEB": 2, "FEBRUARY": 2,
    "MARET": 3, "MAR": 3, "MARCH": 3,
    "APRIL": 4, "APR": 4,
    "MEI": 5, "MAY": 5,
    "JUNI": 6, "JUN": 6, "JUNE": 6,
    "JULI": 7, "JUL": 7, "JULY": 7,
    "AGUSTUS": 8, "AGU": 8, "AGT": 8, "AGS": 8, "AUG": 8, "AUGUST": 8,
    "SEPTEMBER": 9, "SEP": 9, "SEPT": 9,
    "OKTOBER": 10, "OKT": 10, "OCT": 10, "OCTOBER": 10,
    "NOVEMBER": 11, "NOPEMBER": 11, "NOV": 11, "NOP": 11,
    "DESEMBER": 12, "DES": 12, "DEC": 12, "DECEMBER": 12,
}  # fmt: skip
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_WORDS = re.compile(r"(\d{1,2})[\s-]+([A-Za-z]+)\.?[\s-]+(\d{4})")


class BadValue(ValueError):
    """The cell cannot be read as the column's kind of value."""

    def __init__(self, code: str, value: object) -> None:
        super().__init__(code)
        self.code = code
        self.value = value


def is_empty(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def text(cell: Any) -> str | None:
    """A text cell, stripped; ``None`` when empty. Undoes the export's ``'`` before ``=+-@``."""
    if cell is None:
        return None
    if isinstance(cell, str):
        value = cell.strip()
        if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
            value = value[1:]
        return value or None
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat(" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip() or None


_RT_RW = re.compile(r"(?:R[TW]\.?\s*)?0*(\d{1,3})", re.IGNORECASE)


def rt_rw(cell: Any) -> str | None:
    """RT/RW: ``-`` or empty -> ``None``; a number of up to 3 digits as 3 (``2``, ``002``, ``0002``,
    ``RT 002``, ``RW.2`` -> ``002``). Raises ``BadValue("invalid_rt_rw")`` for anything else."""
    value = text(cell)
    if value is None or value.strip("-") == "":
        return None
    value = value.strip()
    if value.isdigit() and len(value) == 3:
        return value
    if m := _RT_RW.fullmatch(value):
        return m[1].zfill(3)
    if value.strip("0") == "" or value.upper().rstrip(". ") in ("RT", "RW"):
        return None  # "0" or a bare "RT": nothing
    raise BadValue("invalid_rt_rw", cell)


def number(cell: Any) -> float | None:
    """A decimal number such as a coordinate; accepts a decimal comma."""
    if is_empty(cell):
        return None
    if isinstance(cell, bool):
        raise BadValue("invalid_number", cell)
    if isinstance(cell, int | float):
        return float(cell)
    try:
        return float(str(cell).strip().replace(",", "."))
    except ValueError:
        raise BadValue("invalid_number", cell) from None


def to_date(cell: Any) -> date | None:
    """A date from a date cell, a spreadsheet serial or text (ISO, DD-MM-YYYY, DD/MM/YYYY,
    ``1 Juli 1990``). Raises ``BadValue("invalid_date")``."""
    if is_empty(cell):
        return None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, bool):
        raise BadValue("invalid_date", cell)
    if isinstance(cell, int | float):
        return _from_serial(cell)
    return _date_from_text(str(cell))


def _from_serial(serial: float) -> date:
    if not 1 <= serial <= _MAX_SERIAL:
        raise BadValue("invalid_date", serial)
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def _date_from_text(raw: str) -> date:
    value = raw.strip().lstrip("'")
    try:
        if m := _ISO.fullmatch(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.fullmatch(value):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _WORDS.fullmatch(value):
            month = _MONTHS.get(m[2].upper())
            if month is not None:
                return date(int(m[3]), month, int(m[1]))
        if value.isdigit() and len(value) <= 5:
            return _from_serial(int(value))
        if value.endswith(".0") and value[:-2].isdigit() and len(value) <= 7:
            return _from_serial(int(value[:-2]))
    except ValueError:  # 31-02-1990
        pass
    raise BadValue("invalid_date", raw)
