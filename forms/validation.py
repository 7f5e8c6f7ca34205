"""Checking and converting field values for a letter request (isian permohonan) from forms and the CLI.

``validate_values`` turns strings into typed values (``date``, ``time``, ``int``/``float``, choice
codes, resident mappings, lists of row dicts) and reports errors per field as ``ValidationMessage``
(an English ``str`` that keeps its template for translation). Errors inside a ``people`` field are
keyed ``"<field>.<row index from 0>.<column>"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any

from forms.model import N_, FieldDef, LetterType, ValidationMessage
from forms.placeholders import parse_date

ResidentLookup = Callable[[str], Mapping[str, Any] | None]

_THOUSANDS_RE = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_TIME_RE = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, list | tuple) and not value)


def _fmt_num(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


def _to_number(raw: Any) -> int | float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return raw
    s = str(raw).strip().replace(" ", "")
    if _THOUSANDS_RE.match(s):  # Indonesian grouping: 1.500.000
        s = s.replace(".", "")
    s = s.replace(",", ".")
    try:
        n = float(s)
    except ValueError:
        return None
    return int(n) if n.is_integer() and "." not in s and "e" not in s.lower() else n


def _match_choice(fd: FieldDef, raw: Any) -> str | None:
    s = " ".join(str(raw).split()).casefold()
    for code, _label in fd.choices:
        if code.casefold() == s:
            return code
    for code, label in fd.choices:
        if " ".join(label.split()).casefold() == s:
            return code
    return None


def clean_value(fd: FieldDef, raw: Any, today: date,
                resident_lookup: ResidentLookup | None = None) -> tuple[Any, ValidationMessage | None]:
    """One non-blank value of a (non-people) field, converted and checked: (value, error or None)."""
    kind = fd.kind
    if kind in ("text", "longtext"):
        s = str(raw).strip()
        if fd.pattern and not re.fullmatch(fd.pattern, s):
            return s, ValidationMessage(N_("Invalid format."))
        if fd.min is not None and len(s) < fd.min:
            return s, ValidationMessage(N_("Must be at least {min} characters."), min=_fmt_num(fd.min))
        if fd.max is not None and len(s) > fd.max:
            return s, ValidationMessage(N_("Must be at most {max} characters."), max=_fmt_num(fd.max))
        return s, None
    if kind == "number":
        if fd.pattern and not re.fullmatch(fd.pattern, str(raw).strip()):
            return raw, ValidationMessage(N_("Invalid format."))
        n = _to_number(raw)
        if n is None:
            return raw, ValidationMessage(N_("Not a number."))
        if fd.min is not None and n < fd.min:
            return n, ValidationMessage(N_("Must be at least {min}."), min=_fmt_num(fd.min))
        if fd.max is not None and n > fd.max:
            return n, ValidationMessage(N_("Must be at most {max}."), max=_fmt_num(fd.max))
        return n, None
    if kind == "date":
        if isinstance(raw, datetime):
            d: date | None = raw.date()
        elif isinstance(raw, date):
            d = raw
        elif isinstance(raw, str) and raw.strip().lower() in ("today", "hari ini"):
            d = today
        else:
            d = parse_date(str(raw))
        if d is None:
            return raw, ValidationMessage(N_("Not a valid date; write it as DD-MM-YYYY."))
        if fd.not_future and d > today:
            return d, ValidationMessage(N_("The date cannot be in the future."))
        return d, None
    if kind == "time":
        if isinstance(raw, time):
            return raw.replace(second=0, microsecond=0), None
        m = _TIME_RE.match(str(raw).strip())
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            return raw, ValidationMessage(N_("Not a valid time; write it as HH:MM."))
        return time(int(m.group(1)), int(m.group(2))), None
    if kind == "choice":
        code = _match_choice(fd, raw)
        if code is None:
            return raw, ValidationMessage(N_("{value} is not one of the allowed choices."), value=str(raw))
        return code, None
    if kind == "resident":
        if isinstance(raw, Mapping):
            return dict(raw), None
        nik = re.sub(r"[\s.-]", "", str(raw))
        if not re.fullmatch(r"\d{16}", nik):
            return raw, ValidationMessage(N_("A NIK has 16 digits."))
        if resident_lookup is None:
            return {"nik": nik}, None
        found = resident_lookup(nik)
        if found is None:
            return raw, ValidationMessage(N_("No resident with NIK {nik}."), nik=nik)
        return dict(found), None
    return raw, ValidationMessage(N_("This kind of field cannot be filled here."))


def _people(fd: FieldDef, raw: Any, today: date, lookup: ResidentLookup | None,
            errors: dict[str, str]) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            errors[fd.name] = ValidationMessage(N_("Expected a list of rows."))
            return []
    if not isinstance(raw, list | tuple) or not all(isinstance(r, Mapping) for r in raw):
        errors[fd.name] = ValidationMessage(N_("Expected a list of rows."))
        return []
    rows: list[dict[str, Any]] = []
    for row in raw:
        if all(_blank(row.get(c.name)) for c in fd.columns):
            continue  # an empty row left in a form
        i = len(rows)
        cleaned: dict[str, Any] = {}
        for col in fd.columns:
            key = f"{fd.name}.{i}.{col.name}"
            value = row.get(col.name)
            if _blank(value):
                value = col.default
            if _blank(value):
                cleaned[col.name] = None
                if col.required:
                    errors[key] = ValidationMessage(N_("This field is required."))
                continue
            cleaned[col.name], err = clean_value(col, value, today, lookup)
            if err is not None:
                errors[key] = err
        for extra in row:
            if extra not in cleaned:
                errors[f"{fd.name}.{i}.{extra}"] = ValidationMessage(N_("Unknown field."))
        rows.append(cleaned)
    if fd.min is not None and len(rows) < fd.min:
        errors[fd.name] = ValidationMessage(N_("At least {min} rows are needed."), min=_fmt_num(fd.min))
    elif fd.max is not None and len(rows) > fd.max:
        errors[fd.name] = ValidationMessage(N_("At most {max} rows are allowed."), max=_fmt_num(fd.max))
    return rows


def validate_values(letter_type: LetterType, values: Mapping[str, Any], today: date,
                    resident_lookup: ResidentLookup | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Convert and check the field values of a request: (cleaned values, errors by field name).

    Every field of the type gets a cleaned entry (None when left empty); ``default`` fills an empty
    value; a date default may be "today". Choices accept the code or the label, case-insensitively.
    ``resident_lookup(nik)`` returns a resident mapping for ``resident`` fields (or None).
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for fd in letter_type.fields:
        raw = values.get(fd.name)
        if _blank(raw):
            raw = fd.default
        if fd.kind == "people":
            if _blank(raw):
                raw = []
            cleaned[fd.name] = _people(fd, raw, today, resident_lookup, errors)
            if fd.required and not cleaned[fd.name] and fd.name not in errors:
                errors[fd.name] = ValidationMessage(N_("This field is required."))
            continue
        if _blank(raw):
            cleaned[fd.name] = None
            if fd.required:
                errors[fd.name] = ValidationMessage(N_("This field is required."))
            continue
        cleaned[fd.name], err = clean_value(fd, raw, today, resident_lookup)
        if err is not None:
            errors[fd.name] = err
    known = {f.name for f in letter_type.fields}
    for name in values:
        if name not in known:
            errors[name] = ValidationMessage(N_("Unknown field."))
    return cleaned, errors


# -- checks across fields, where the data decides ----------------------------------------------------

MOVE_FIELDS = ("kode_wilayah_tujuan", "jenis_pindah")


def move_class(origin: str, destination: str) -> str | None:
    """The SIAK move classification (jenis_pindah) from the Kemendagri codes of the village of origin and
    of the destination (kabupaten ``51.71``, kecamatan ``51.71.01`` or desa ``51.71.01.1001``):
    "1" keluar desa/kelurahan, "2" keluar kecamatan, "3" keluar kabupaten/kota, "4" keluar provinsi;
    None when the destination is this very village."""
    o, d = origin.split("."), destination.split(".")
    for level, code in ((1, "4"), (2, "3"), (3, "2")):
        if o[:level] != d[:level]:
            return code
    return None if len(d) >= 4 and o[:4] == d[:4] else "1"


def cross_check(letter_type: LetterType, cleaned: dict[str, Any], office_code: str) -> dict[str, ValidationMessage]:
    """Errors of values that contradict each other or the office (`cleaned` may be completed in place):
    a move's classification follows from the destination's region code."""
    errors: dict[str, ValidationMessage] = {}
    names = {f.name for f in letter_type.fields}
    if set(MOVE_FIELDS) <= names and not cleaned.get("kode_wilayah_tujuan") and not cleaned.get("jenis_pindah"):
        errors["jenis_pindah"] = ValidationMessage(N_("This field is required."))
    if set(MOVE_FIELDS) <= names and cleaned.get("kode_wilayah_tujuan") and office_code:
        dest = str(cleaned["kode_wilayah_tujuan"])
        expected = move_class(office_code, dest)
        fd = letter_type.field("jenis_pindah")
        if expected is None:
            errors["kode_wilayah_tujuan"] = ValidationMessage(N_("The destination is this village itself."))
        elif not cleaned.get("jenis_pindah"):
            cleaned["jenis_pindah"] = expected
        elif str(cleaned["jenis_pindah"]) != expected and fd is not None:
            errors["jenis_pindah"] = ValidationMessage(
                N_("The destination {code} makes this move “{expected}”."), code=dest,
                expected=fd.choice_label(expected))
    return errors
