"""NIK (Nomor Induk Kependudukan) and No. KK (Kartu Keluarga number): normalising, parsing, checking.

NIK: 16 digits ``PP KK CC DDMMYY SSSS`` — region where the NIK was first registered, birth date
(women: day + 40, year without century), serial from 0001. No. KK: issuing region (6), recording date
DDMMYY (no +40), serial (4).

Checks return issues, they do not raise: **errors** reject the number (not 16 digits, unknown province
or kabupaten, impossible month/day, serial 0000, held by another active resident); **warnings** are for
staff (kecamatan not in today's list — split and renamed kecamatan keep their old codes in NIKs —, the
date or sex in the NIK differs from the record; a NIK never changes when the record is corrected).

"NIK belum ada": a resident may have no NIK yet. It is represented by ``NIK_MISSING`` (``None``);
``normalize_nik`` returns it for an empty cell, ``-`` or "belum ada". Never invent a number that looks
real (OpenSID's temporary NIKs start with ``0``, which no province code does: see
``is_temporary_nik``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from kiosk import refdata
from kiosk.i18n import N_, _

NIK_MISSING: Final = None
"""The value of a resident's NIK while it is not known ("NIK belum ada")."""

NIK_LENGTH: Final = 16

SEX_MALE: Final = 1  # jenis_kelamin codes
SEX_FEMALE: Final = 2

_MISSING_WORDS = frozenset({"", "-", "--", "0", "BELUMADA", "NIKBELUMADA", "TIDAKADA", "KOSONG", "NULL"})
_STRIP = re.compile(r"[\s.'’`\u00a0]")
_DECIMAL_ZERO = re.compile(r"(\d+)\.0*")
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?[eE]\+?\d+")


# --- issues ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberIssue:
    """One problem with a NIK or No. KK: stable ``code``, English ``template`` and its ``data``."""

    code: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        """The message in the current language."""
        text = _(self.template)
        try:
            return text.format(**self.data)
        except (KeyError, IndexError, ValueError):
            return text


@dataclass(frozen=True)
class NikParts:
    """The parts of a NIK (or, with ``female`` always False, of a No. KK)."""

    province: str  # "35"
    kabupaten: str  # "35.10"
    kecamatan: str  # "35.10.01"
    day: int  # the real day of the month (40 already taken off for women)
    month: int
    year2: int  # two-digit year, no century
    female: bool  # day in the number was 41-71
    serial: str  # "0001"

    def matches_date(self, when: date) -> bool:
        return (self.day, self.month, self.year2) == (when.day, when.month, when.year % 100)


@dataclass
class NikCheck:
    """Result of ``check_nik`` / ``check_kk``."""

    number: str
    parts: NikParts | None
    errors: list[NumberIssue] = field(default_factory=list)
    warnings: list[NumberIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_codes(self) -> list[str]:
        return [i.code for i in self.errors]

    @property
    def warning_codes(self) -> list[str]:
        return [i.code for i in self.warnings]


# Stable codes and their templates. NIK and No. KK have separate texts so translators see whole
# sentences.
NIK_FORMAT = "nik_format"
NIK_PROVINCE_UNKNOWN = "nik_province_unknown"
NIK_KABUPATEN_UNKNOWN = "nik_kabupaten_unknown"
NIK_MONTH_INVALID = "nik_month_invalid"
NIK_DAY_INVALID = "nik_day_invalid"
NIK_SERIAL_ZERO = "nik_serial_zero"
NIK_TAKEN = "nik_taken"
NIK_KECAMATAN_UNKNOWN = "nik_kecamatan_unknown"
NIK_DATE_MISMATCH = "nik_date_mismatch"
NIK_SEX_MISMATCH = "nik_sex_mismatch"

KK_FORMAT = "kk_format"
KK_PROVINCE_UNKNOWN = "kk_province_unknown"
KK_KABUPATEN_UNKNOWN = "kk_kabupaten_unknown"
KK_MONTH_INVALID = "kk_month_invalid"
KK_DAY_INVALID = "kk_day_invalid"
KK_SERIAL_ZERO = "kk_serial_zero"
KK_KECAMATAN_UNKNOWN = "kk_kecamatan_unknown"

TEMPLATES: dict[str, str] = {
    NIK_FORMAT: N_("A NIK has exactly 16 digits; “{value}” does not."),
    NIK_PROVINCE_UNKNOWN: N_("The NIK starts with province code {province}, which does not exist."),
    NIK_KABUPATEN_UNKNOWN: N_("The NIK has kabupaten/kota code {kabupaten}, which does not exist."),
    NIK_MONTH_INVALID: N_("The birth month in the NIK ({month}) is not 01 to 12."),
    NIK_DAY_INVALID: N_("The birth day in the NIK ({day}) is not 01 to 31 (or 41 to 71 for women)."),
    NIK_SERIAL_ZERO: N_("The last four digits of a NIK cannot be 0000."),
    NIK_TAKEN: N_("This NIK already belongs to another active resident."),
    NIK_KECAMATAN_UNKNOWN: N_(
        "The kecamatan code {kecamatan} in the NIK is not in today's list (it may be an old code)."
    ),
    NIK_DATE_MISMATCH: N_(
        "The birth date in the NIK ({nik_date}) differs from the recorded birth date ({birth_date})."
    ),
    NIK_SEX_MISMATCH: N_("The NIK is that of a woman, but the recorded sex is male."),
    KK_FORMAT: N_("A No. KK has exactly 16 digits; “{value}” does not."),
    KK_PROVINCE_UNKNOWN: N_("The No. KK starts with province code {province}, which does not exist."),
    KK_KABUPATEN_UNKNOWN: N_("The No. KK has kabupaten/kota code {kabupaten}, which does not exist."),
    KK_MONTH_INVALID: N_("The month in the No. KK ({month}) is not 01 to 12."),
    KK_DAY_INVALID: N_("The day in the No. KK ({day}) is not 01 to 31."),
    KK_SERIAL_ZERO: N_("The last four digits of a No. KK cannot be 0000."),
    KK_KECAMATAN_UNKNOWN: N_(
        "The kecamatan code {kecamatan} in the No. KK is not in today's list (it may be an old code)."
    ),
}
_SEX_MISMATCH_MALE_NIK = N_("The NIK is that of a man, but the recorded sex is female.")


def issue(code: str, template: str | None = None, **data: Any) -> NumberIssue:
    return NumberIssue(code, template or TEMPLATES[code], data)


# --- normalising ----------------------------------------------------------------------------------


def normalize_nik(value: object) -> str | None:
    """The digits of a NIK or No. KK as typed or as a spreadsheet gave it; ``NIK_MISSING`` if empty.

    Strips spaces, dots and apostrophes (Excel's leading ``'``); turns a number (``3510014107900001``,
    ``3.51001410790001e+15``, ``"3510014107900001.0"``) into its digits. Anything else is returned
    as cleaned text for ``check_nik`` to reject — nothing is guessed.
    """
    if isinstance(value, str) and len(value) == NIK_LENGTH and value.isdigit():
        return value  # the usual case, fast
    if value is None or isinstance(value, bool):
        return NIK_MISSING
    if isinstance(value, int):
        return str(value) if value else NIK_MISSING
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return NIK_MISSING
        if value == int(value):
            return str(int(value)) if value else NIK_MISSING
        return repr(value)
    text = str(value).strip().lstrip("'’`").strip()
    if _DECIMAL_ZERO.fullmatch(text):
        text = text.partition(".")[0]
    elif _SCIENTIFIC.fullmatch(text):
        try:
            text = str(int(Decimal(text)))
        except (InvalidOperation, ValueError):
            pass
    text = _STRIP.sub("", text)
    if text.upper() in _MISSING_WORDS:
        return NIK_MISSING
    return text


normalize_kk = normalize_nik


def is_temporary_nik(nik: str) -> bool:
    """True for OpenSID's temporary NIKs (16 digits starting with 0; no province code does)."""
    return len(nik) == NIK_LENGTH and nik.isdigit() and nik[0] == "0"


def mask_nik(nik: str | None) -> str:
    """``3510********0001``: for screens and logs that must not show the whole number."""
    if not nik:
        return ""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


# --- parsing and checking -------------------------------------------------------------------------


class InvalidNumber(ValueError):
    """``parse_nik``/``parse_kk`` got something that is not 16 digits."""


def _is_16_digits(text: str) -> bool:
    return len(text) == NIK_LENGTH and text.isascii() and text.isdigit()


def _parts(number: str, *, plus_forty: bool) -> NikParts:
    if not _is_16_digits(number):
        raise InvalidNumber("not 16 digits")
    day = int(number[6:8])
    female = plus_forty and day > 40
    return NikParts(
        province=number[0:2],
        kabupaten=f"{number[0:2]}.{number[2:4]}",
        kecamatan=f"{number[0:2]}.{number[2:4]}.{number[4:6]}",
        day=day - 40 if female else day,
        month=int(number[8:10]),
        year2=int(number[10:12]),
        female=female,
        serial=number[12:16],
    )


def parse_nik(text: str) -> NikParts:
    """Split a NIK (normalised first) into its parts; raises ``InvalidNumber`` if not 16 digits.

    Checks the shape only; ``check_nik`` checks the content.
    """
    return _parts(normalize_nik(text) or "", plus_forty=True)


def parse_kk(text: str) -> NikParts:
    """Split a No. KK into its parts (``female`` is always False); raises ``InvalidNumber``."""
    return _parts(normalize_nik(text) or "", plus_forty=False)


def _check(number: str, prefix: str, *, plus_forty: bool) -> NikCheck:
    if not _is_16_digits(number):
        return NikCheck(number, None, [issue(f"{prefix}_format", value=number)])
    parts = _parts(number, plus_forty=plus_forty)
    result = NikCheck(number, parts)
    errors = result.errors
    if not refdata.is_known_province(parts.province):
        errors.append(issue(f"{prefix}_province_unknown", province=parts.province))
    elif not refdata.is_known_kabupaten(parts.kabupaten):
        errors.append(issue(f"{prefix}_kabupaten_unknown", kabupaten=parts.kabupaten))
    elif not refdata.is_known_kecamatan(parts.kecamatan):
        result.warnings.append(issue(f"{prefix}_kecamatan_unknown", kecamatan=parts.kecamatan))
    raw_day = int(number[6:8])
    if not (1 <= raw_day <= 31 or (plus_forty and 41 <= raw_day <= 71)):
        errors.append(issue(f"{prefix}_day_invalid", day=number[6:8]))
    if not 1 <= parts.month <= 12:
        errors.append(issue(f"{prefix}_month_invalid", month=number[8:10]))
    if parts.serial == "0000":
        errors.append(issue(f"{prefix}_serial_zero"))
    return result


def check_nik(
    nik: str,
    *,
    birth_date: date | None = None,
    sex: int | None = None,
    holder_lookup: Callable[[str], str | None] | None = None,
) -> NikCheck:
    """Check a normalised NIK against the rules of DOMAIN.md.

    ``birth_date`` and ``sex`` (jenis_kelamin code, 1 male / 2 female) are the recorded values, compared
    with the NIK for warnings; the century comes from ``birth_date``. ``holder_lookup(nik)`` returns the
    id of *another* active resident holding this NIK, or ``None``.
    """
    result = _check(nik, "nik", plus_forty=True)
    parts = result.parts
    if parts is None:
        return result
    if birth_date is not None and not parts.matches_date(birth_date):
        result.warnings.append(
            issue(
                NIK_DATE_MISMATCH,
                nik_date=f"{parts.day:02d}-{parts.month:02d}-{parts.year2:02d}",
                birth_date=birth_date.strftime("%d-%m-%Y"),
            )
        )
    if sex in (SEX_MALE, SEX_FEMALE) and parts.female != (sex == SEX_FEMALE):
        template = None if parts.female else _SEX_MISMATCH_MALE_NIK
        result.warnings.append(issue(NIK_SEX_MISMATCH, template, sex=sex))
    if holder_lookup is not None and not result.errors:
        other = holder_lookup(nik)
        if other is not None:
            result.errors.append(issue(NIK_TAKEN, resident_id=other))
    return result


def check_kk(kk: str) -> NikCheck:
    """Check a normalised No. KK: region (6), date DDMMYY without +40, serial not 0000."""
    return _check(kk, "kk", plus_forty=False)
