"""Reference data shipped in ``resources/``: OpenSID/SIAK code lists and Kemendagri region codes.

Everything is read once from the CSVs and cached (``functools.cache``); the returned objects are
read-only views meant to be shared. Code lists are ``code -> name`` with integer codes (the codes
other systems exchange); ``CodeList.lookup`` accepts a code, a name or a common alias, case- and
space-insensitively. Region codes are dotted strings (``35``, ``35.10``, ``35.10.01``,
``35.10.01.2001``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType

from kiosk.errors import ValidationError
from kiosk.i18n import N_

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
REFERENCE_DIR = RESOURCES_DIR / "reference"
WILAYAH_DIR = RESOURCES_DIR / "wilayah"

# Files in resources/reference that are not plain integer code lists.
_NOT_CODE_LISTS = frozenset({"surat_bawaan", "impor_penduduk_kolom"})

_SPACE = re.compile(r"\s+")

# Every alias in one table: list stem -> alias (any case/spacing) -> code. Names and codes from the
# CSVs are accepted anyway; these are the spellings villages use besides them.
ALIASES: Mapping[str, Mapping[str, int]] = {
    "jenis_kelamin": {
        "L": 1, "LK": 1, "LAKI-LAKI": 1, "LAKI LAKI": 1, "LAKI": 1, "PRIA": 1, "M": 1, "MALE": 1,
        "P": 2, "PR": 2, "PEREMPUAN": 2, "WANITA": 2, "W": 2, "F": 2, "FEMALE": 2,
    },
    "agama": {
        "ISLAM": 1, "MUSLIM": 1,
        "KRISTEN": 2, "PROTESTAN": 2, "KRISTEN PROTESTAN": 2,
        "KATOLIK": 3, "KATHOLIK": 3, "KRISTEN KATOLIK": 3,
        "HINDU": 4,
        "BUDHA": 5, "BUDDHA": 5,
        "KONGHUCU": 6, "KHONGHUCU": 6, "KONGHUCHU": 6, "KHONG HU CU": 6,
        "KEPERCAYAAN": 7, "LAINNYA": 7,
    },
    # OpenSID's Impor_model adds BK/K/CH/CM; SIAK writes the names
    "status_perkawinan": {
        "BK": 1, "K": 2, "CH": 3, "CM": 4,
        "BELUM KAWIN": 1, "BELUM MENIKAH": 1, "LAJANG": 1,
        "KAWIN": 2, "MENIKAH": 2, "SUDAH KAWIN": 2, "KAWIN TERCATAT": 2, "KAWIN BELUM TERCATAT": 2,
        "CERAI HIDUP": 3, "CERAI": 3,
        "CERAI MATI": 4, "JANDA": 4, "DUDA": 4,
    },
    "golongan_darah": {"-": 13, "TIDAK TAHU": 13, "TIDAKTAHU": 13, "TT": 13, "TDK TH": 13, "TDK TAHU": 13},
    # OpenSID's Impor_model: "Tidak/Blm Sekolah", "Tidak Tamat SD/Sederajat", "Akademi/Diploma III/Sarjana
    # Muda", "Strata-II"; SIAK writes "Tidak/Belum Sekolah", "Belum Tamat SD/Sederajat", ...
    "pendidikan_kk": {
        "TIDAK/BLM SEKOLAH": 1, "TIDAK/BELUM SEKOLAH": 1, "BELUM SEKOLAH": 1, "TIDAK SEKOLAH": 1,
        "TIDAK TAMAT SD/SEDERAJAT": 2, "BELUM TAMAT SD": 2, "TIDAK TAMAT SD": 2,
        "TAMAT SD": 3, "SD": 3, "SD/SEDERAJAT": 3, "SLTP": 4, "SMP": 4, "SMP/SEDERAJAT": 4,
        "SLTA": 5, "SMA": 5, "SMA/SEDERAJAT": 5, "SMK": 5,
        "DIPLOMA I/II": 6, "D1": 6, "D2": 6, "D-1": 6, "D-2": 6,
        "AKADEMI/DIPLOMA III/SARJANA MUDA": 7, "DIPLOMA III": 7, "D3": 7, "D-3": 7,
        "DIPLOMA IV/STRATA I": 8, "STRATA I": 8, "STRATA-I": 8, "S1": 8, "S-1": 8, "D4": 8,
        "STRATA-II": 9, "S2": 9, "S-2": 9, "STRATA-III": 10, "S3": 10, "S-3": 10,
    },
    "hubungan_keluarga": {
        "KEPALA KELUARGA": 1, "KK": 1, "KEPALA": 1,
        "SUAMI": 2, "ISTRI": 3, "ISTERI": 3, "ANAK": 4, "MENANTU": 5, "CUCU": 6,
        "ORANG TUA": 7, "ORANGTUA": 7, "MERTUA": 8, "FAMILI": 9, "FAMILI LAIN": 9, "FAMILY LAIN": 9,
        "PEMBANTU": 10, "LAINNYA": 11, "LAIN-LAIN": 11,
    },
    "warganegara": {
        "WNI": 1, "INDONESIA": 1, "WNA": 2, "ASING": 2,
        "DUA KEWARGANEGARAAN": 3, "DWI KEWARGANEGARAAN": 3, "GANDA": 3,
    },
    "status_dasar": {"HIDUP": 1, "MATI": 2, "MENINGGAL": 2, "PINDAH": 3, "HILANG": 4, "PERGI": 6,
                     "PINDAH DALAM NEGERI": 3, "PINDAH LUAR NEGERI": 3},  # the last two: OpenSID's Impor_model
    "hamil": {"YA": 1, "TIDAK": 2},
    "ktp_el": {"BELUM": 1, "KTP-EL": 2, "KTP EL": 2, "E-KTP": 2, "EKTP": 2, "KIA": 3},
}  # fmt: skip


def fold(text: str) -> str:
    """The comparison key of a code-list entry: upper case, without any whitespace."""
    return _SPACE.sub("", text).upper()


class CodeList(Mapping[int, str]):
    """One ordered ``code -> name`` list (e.g. agama). Read-only; share it freely."""

    def __init__(self, name: str, entries: dict[int, str], aliases: Mapping[str, int] | None = None):
        self.name = name
        self._entries = entries
        keys: dict[str, int] = {}
        for alias, code in (aliases or {}).items():
            keys[fold(alias)] = code
        for code, label in entries.items():
            keys[fold(label)] = code  # the official name wins over an alias spelled the same
            keys[str(code)] = code
        self._keys = keys

    def __getitem__(self, code: int) -> str:
        return self._entries[code]

    def __iter__(self) -> Iterator[int]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"CodeList({self.name!r}, {len(self)} codes)"

    def name_of(self, code: int) -> str | None:
        """The name of ``code``, or ``None`` when the list has no such code."""
        return self._entries.get(code)

    def lookup(self, text: str | int | float | None) -> int | None:
        """The code for a code, a name or an alias (case- and space-insensitive), else ``None``."""
        if text is None:
            return None
        if isinstance(text, bool):
            return None
        if isinstance(text, int | float):
            if text != int(text):
                return None
            code = int(text)
            return code if code in self._entries else None
        key = fold(text)
        if key.endswith(".0") and key[:-2].isdigit():  # "2.0" from a spreadsheet number
            key = key[:-2]
        found = self._keys.get(key)
        if found is None and key.isdigit():
            found = self._keys.get(str(int(key)))  # "01"
        return found


def _read_pairs(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return {row[0]: row[1] for row in reader if row}


@cache
def code_list(name: str) -> CodeList:
    """The code list ``resources/reference/<name>.csv`` (``agama``, ``jenis_kelamin``, ...).

    Raises ``KeyError`` for a stem that is not an integer ``code,name`` list (``surat_bawaan`` and
    ``impor_penduduk_kolom`` have other shapes).
    """
    path = REFERENCE_DIR / f"{name}.csv"
    if name in _NOT_CODE_LISTS or "/" in name or not path.is_file():
        raise KeyError(name)
    entries = {int(code): label for code, label in _read_pairs(path).items()}
    return CodeList(name, entries, ALIASES.get(name))


def code_list_names() -> list[str]:
    """Stems of every code list that ``code_list`` loads."""
    return sorted(p.stem for p in REFERENCE_DIR.glob("*.csv") if p.stem not in _NOT_CODE_LISTS)


# --- regions -------------------------------------------------------------------------------------


@cache
def _regions() -> Mapping[str, str]:
    """Every region code of every level, one flat dict (code -> name)."""
    flat: dict[str, str] = {}
    for file in ("provinsi", "kabupaten_kota", "kecamatan"):
        flat.update(_read_pairs(WILAYAH_DIR / f"{file}.csv"))
    for path in sorted(WILAYAH_DIR.glob("desa_kelurahan_*.csv")):
        flat.update(_read_pairs(path))
    return MappingProxyType(flat)


@cache
def _children() -> Mapping[str, Mapping[str, str]]:
    """Parent code ("" for the country) -> ordered children."""
    tree: dict[str, dict[str, str]] = {}
    for code, label in _regions().items():
        parent = code.rpartition(".")[0]
        tree.setdefault(parent, {})[code] = label
    return MappingProxyType({k: MappingProxyType(v) for k, v in tree.items()})


_EMPTY: Mapping[str, str] = MappingProxyType({})


def provinces() -> Mapping[str, str]:
    """All 38 provinces, ``"35" -> "Jawa Timur"``."""
    return _children()[""]


def kabupaten(province_code: str) -> Mapping[str, str]:
    """Kabupaten/kota of a province, ``"35.10" -> "Kabupaten Banyuwangi"``."""
    return _children().get(province_code, _EMPTY)


def kecamatan(kabupaten_code: str) -> Mapping[str, str]:
    """Kecamatan of a kabupaten/kota, ``"35.10.01" -> "Pesanggaran"``."""
    return _children().get(kabupaten_code, _EMPTY)


def desa(kecamatan_code: str) -> Mapping[str, str]:
    """Desa/kelurahan of a kecamatan. Only Banyuwangi (35.10) ships desa; elsewhere it is empty."""
    return _children().get(kecamatan_code, _EMPTY)


def region_name(code: str) -> str | None:
    """The name of a region code of any level, or ``None``."""
    return _regions().get(code)


def is_known_province(code: str) -> bool:
    return len(code) == 2 and code in _regions()


def is_known_kabupaten(code: str) -> bool:
    """``code`` like ``"35.10"``."""
    return len(code) == 5 and code in _regions()


def is_known_kecamatan(code: str) -> bool:
    """``code`` like ``"35.10.01"``."""
    return len(code) == 8 and code in _regions()


class VillageKind(StrEnum):
    KELURAHAN = "kelurahan"
    DESA = "desa"
    DESA_ADAT = "desa_adat"


_VILLAGE_KINDS = {"1": VillageKind.KELURAHAN, "2": VillageKind.DESA, "3": VillageKind.DESA_ADAT}
_VILLAGE_CODE = re.compile(r"(\d{2})\.?(\d{2})\.?(\d{2})\.?([123]\d{3})")


class InvalidVillageCode(ValidationError):
    code = "invalid_village_code"
    template = N_(
        "“{text}” is not a village code. Write it like 35.10.01.2001 (the last part starts with 1 for "
        "a kelurahan, 2 for a desa, 3 for a desa adat)."
    )


def parse_village_code(text: str) -> str:
    """Normalise a desa/kelurahan code to ``NN.NN.NN.NNNN``; with or without dots.

    Checks the format only (a village outside Banyuwangi cannot be looked up); raises
    ``InvalidVillageCode``.
    """
    match = _VILLAGE_CODE.fullmatch(text.strip().replace(" ", ""))
    if match is None:
        raise InvalidVillageCode(text=text)
    return ".".join(match.groups())


def village_kind(code: str) -> VillageKind:
    """Kelurahan, desa or desa adat, from the first digit of the last part of the code."""
    return _VILLAGE_KINDS[parse_village_code(code)[9]]
