"""The letter-type data model (jenis surat): frozen dataclasses, the placeholder vocabulary and errors.

Everything here is plain data: a ``LetterType`` is what one TOML file under ``forms/types/`` (or a
village's own folder) describes, already validated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any


def N_(s: str) -> str:
    """Mark an English template for translation by the caller (forms cannot import kiosk.i18n)."""
    return s


FIELD_KINDS = ("text", "longtext", "date", "time", "number", "choice", "resident", "people")
IDENTITY_KINDS = ("standard", "none")

# The keys a letter body may use. Values are given by the caller as plain data (strings, dates, ints);
# coded values (agama, pekerjaan, ...) are given as their names, e.g. "ISLAM", "PETANI/PEKEBUN".
RESIDENT_KEYS: dict[str, str] = {
    "nama": "full name (a single name is normal)",
    "nik": "NIK, 16 digits",
    "no_kk": "No. KK, 16 digits",
    "tempat_lahir": "place of birth",
    "tanggal_lahir": "date of birth (date or ISO string)",
    "jenis_kelamin": "LAKI-LAKI / PEREMPUAN",
    "agama": "religion name",
    "status_perkawinan": "marital status name",
    "hubungan_keluarga": "relation in the family (SHDK) name",
    "pekerjaan": "occupation name",
    "pendidikan": "education (in KK) name",
    "kewarganegaraan": "WNI / WNA / ...",
    "golongan_darah": "blood type",
    "alamat": "street address without RT/RW",
    "rt": "RT number, e.g. 003",
    "rw": "RW number, e.g. 001",
    "dusun": "dusun / lingkungan name",
    "alamat_lengkap": "derived when absent: alamat, RT/RW and dusun",
    "nama_ayah": "father's name",
    "nama_ibu": "mother's name",
    "umur": "age in years (derived from tanggal_lahir and the letter date when absent)",
    "telepon": "phone number",
}
OFFICE_KEYS: dict[str, str] = {
    "desa": "village name without 'Desa', e.g. Kemiren",
    "kecamatan": "district name without 'Kecamatan', e.g. Glagah",
    "kabupaten": "regency as written, e.g. Kabupaten Banyuwangi",
    "provinsi": "province as written, e.g. Jawa Timur",
    "kode_desa": "Kemendagri code, e.g. 35.10.01.2001",
    "alamat_kantor": "office address",
    "kepala_desa": "name of the head of village",
    "jabatan_kepala": "Kepala Desa or Lurah",
    "sebutan_desa": "Desa or Kelurahan",
    "zona_waktu": "time zone label of the office's province: WIB, WITA or WIT",
}
LETTER_KEYS: dict[str, str] = {
    "nomor": "the letter number, e.g. 474.1/012/35.10.01.2001/2026",
    "tanggal": "date of issue",
    "valid_until": "last day of validity (derived from tanggal and the type's validity when absent)",
}
FILTERS = ("upper", "lower", "title", "date", "hari")

DEFAULT_OPENING = (
    "Yang bertanda tangan di bawah ini, {office.jabatan_kepala} {office.desa}, Kecamatan "
    "{office.kecamatan}, {office.kabupaten}, menerangkan dengan sebenarnya bahwa:"
)
DEFAULT_CLOSING = "Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya."

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
VALIDITY_RE = re.compile(r"^([1-9][0-9]{0,2})([dwMy])$")


class LetterTypeError(Exception):
    """A letter-type file that cannot be used; names the file and the line of the problem.

    ``template`` and ``params`` hold the English message so the caller can translate it;
    ``str(error)`` is ``"path:line: message"``.
    """

    def __init__(self, path: Path | str, line: int | None, template: str, **params: Any) -> None:
        self.path = Path(path)
        self.line = line
        self.template = template
        self.params = params
        self.message = template.format(**params)
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {self.message}")


class ValidationMessage(str):
    """An English error message that remembers its template and parameters for translation.

    Use ``msg.translate(_)`` with the app's gettext function; ``str(msg)`` is the English text.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> ValidationMessage:
        obj = super().__new__(cls, template.format(**params))
        obj.template = template
        obj.params = params
        return obj

    def translate(self, gettext: Any) -> str:
        """The message in the user's language, given a gettext-style function."""
        return str(gettext(self.template)).format(**self.params)


@dataclass(frozen=True)
class FieldDef:
    """One extra field of a letter type (isian), or one column of a ``people`` field."""

    name: str
    label: str
    kind: str
    required: bool = False
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    not_future: bool = False
    options: tuple[tuple[str, str], ...] = ()
    code_list: str | None = None
    default: str | None = None
    help: str | None = None
    columns: tuple[FieldDef, ...] = ()
    # options resolved from ``options`` or the code list CSV; not written back by dump_toml
    choices: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)

    def choice_label(self, code: str) -> str:
        """The label of a choice code, or the code itself when unknown."""
        for c, label in self.choices:
            if c == code:
                return label
        return code


@dataclass(frozen=True)
class TableDef:
    """A table block rendered from a ``people`` field (e.g. the heirs of an ahli waris letter)."""

    name: str
    field: str
    columns: tuple[str, ...] = ()  # column names of the people field; empty = all
    numbered: bool = True


@dataclass(frozen=True)
class DetailsDef:
    """A block of label/value rows (e.g. the child's data on a birth letter)."""

    name: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class LetterType:
    """One kind of village letter (jenis surat), as loaded from its TOML file."""

    code: str
    title: str
    classification: str
    version: int
    validity: str
    kiosk: bool
    needs_approval: bool
    requirements: tuple[str, ...]
    identity: str
    opening: str
    body: str
    closing: str
    fields: tuple[FieldDef, ...] = ()
    tables: tuple[TableDef, ...] = ()
    details: tuple[DetailsDef, ...] = ()
    source_path: Path | None = None
    builtin: bool = False

    def field(self, name: str) -> FieldDef | None:
        """The field with this name, or None."""
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def valid_until(self, issued: date) -> date:
        """The last day a letter issued on ``issued`` is valid (validity "6M" = six months less a day)."""
        return add_validity(issued, self.validity)


def add_validity(issued: date, validity: str) -> date:
    """Last valid day for a validity such as "1d", "2w", "6M", "1y" (1d = the day of issue)."""
    m = VALIDITY_RE.match(validity)
    if not m:
        raise ValueError(f"bad validity {validity!r}")
    n, unit = int(m.group(1)), m.group(2)
    if unit == "d":
        return issued + timedelta(days=n - 1)
    if unit == "w":
        return issued + timedelta(weeks=n, days=-1)
    months = n if unit == "M" else 12 * n
    y, mo = divmod(issued.month - 1 + months, 12)
    year, month = issued.year + y, mo + 1
    day = issued.day
    while True:
        try:
            end = date(year, month, day)
            break
        except ValueError:
            day -= 1
    return end - timedelta(days=1)


@dataclass
class LetterTypeCatalog:
    """The letter types in use: shipped ones plus the village's own, and the files that failed."""

    types: dict[str, LetterType] = field(default_factory=dict)
    broken: list[tuple[Path, str]] = field(default_factory=list)

    def get(self, code: str) -> LetterType | None:
        """The type with this code, or None."""
        return self.types.get(code)

    def kiosk_types(self) -> list[LetterType]:
        """Types residents may request at the self-service kiosk."""
        return [t for t in self.types.values() if t.kiosk]

    def __iter__(self) -> Iterator[LetterType]:
        return iter(self.types.values())

    def __len__(self) -> int:
        return len(self.types)

    def __contains__(self, code: object) -> bool:
        return code in self.types
