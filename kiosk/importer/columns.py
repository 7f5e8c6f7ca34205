"""The 43 columns of OpenSID's resident workbook ("Data Penduduk") and the keys we give them.

Read from ``resources/reference/impor_penduduk_kolom.csv`` (position, letter, header, code list);
the English key of each header is fixed here because the rest of the program uses it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from kiosk.refdata import REFERENCE_DIR, fold

# header in the workbook -> key in ImportRow.values
KEYS: dict[str, str] = {
    "alamat": "address",
    "dusun": "dusun",
    "rw": "rw",
    "rt": "rt",
    "nama": "name",
    "no_kk": "kk_number",
    "nik": "nik",
    "sex": "sex",
    "tempatlahir": "birth_place",
    "tanggallahir": "birth_date",
    "agama_id": "religion",
    "pendidikan_kk_id": "education",
    "pendidikan_sedang_id": "education_current",
    "pekerjaan_id": "occupation",
    "status_kawin": "marital_status",
    "kk_level": "family_relation",
    "warganegara_id": "citizenship",
    "ayah_nik": "father_nik",
    "nama_ayah": "father_name",
    "ibu_nik": "mother_nik",
    "nama_ibu": "mother_name",
    "golongan_darah_id": "blood_type",
    "akta_lahir": "birth_certificate",
    "dokumen_pasport": "passport",
    "tanggal_akhir_paspor": "passport_expiry",
    "dokumen_kitas": "kitas",
    "akta_perkawinan": "marriage_certificate",
    "tanggalperkawinan": "marriage_date",
    "akta_perceraian": "divorce_certificate",
    "tanggalperceraian": "divorce_date",
    "cacat_id": "disability",
    "cara_kb_id": "kb_method",
    "hamil": "pregnant",
    "ktp_el": "ktp_el",
    "status_rekam": "ktp_record_status",
    "alamat_sekarang": "current_address",
    "status_dasar": "basic_status",
    "suku": "ethnicity",
    "tag_id_card": "id_card_tag",
    "id_asuransi": "insurance_type",
    "no_asuransi": "insurance_number",
    "lat": "lat",
    "lng": "lng",
}

DATE_KEYS = frozenset({"birth_date", "passport_expiry", "marriage_date", "divorce_date"})
NUMBER_KEYS = frozenset({"nik", "kk_number", "father_nik", "mother_nik"})
FLOAT_KEYS = frozenset({"lat", "lng"})
REQUIRED_HEADERS = ("nama", "nik", "sex")  # for a new resident (a partial sheet may update others)
ADDRESS_HEADERS = ("alamat", "dusun")
KEY_HEADERS = ("nik",)  # a resident sheet has these ...
MIN_KNOWN_HEADERS = 2  # ... and at least this many known headers in one row

# Other spellings of the headers: SIAK's export (``assets/import/format_siak.xls`` in OpenSID:
# "Nomor KK", "Nama Penduduk", "Kelamin", "SHDK", "Gol. Darah", ...) and common hand-made variants.
# Compared folded (``header_key``). OpenSID itself accepts only its own 43 names.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "alamat": ("Alamat Rumah",),
    "dusun": ("Nama Dusun", "Dusun/Lingkungan"),
    "rw": ("No RW", "Nomor RW"),
    "rt": ("No RT", "Nomor RT"),
    "nama": ("Nama Penduduk", "Nama Lengkap"),
    "no_kk": ("Nomor KK", "No KK", "NKK", "Nomor Kartu Keluarga", "KK"),
    "nik": ("Nomor NIK", "No NIK", "Nomor Induk Kependudukan"),
    "sex": ("Kelamin", "Jenis Kelamin", "jenis_kelamin", "JK", "L/P"),
    "tempatlahir": ("Tempat Lahir",),
    "tanggallahir": ("Tanggal Lahir",),
    "agama_id": ("Agama",),
    "pendidikan_kk_id": ("Pendidikan", "Pendidikan KK", "Pendidikan Terakhir", "Pendidikan dalam KK"),
    "pendidikan_sedang_id": ("Pendidikan Sedang", "Pendidikan Sedang Ditempuh"),
    "pekerjaan_id": ("Pekerjaan",),
    "status_kawin": ("Status Kawin", "Status Perkawinan", "Kawin"),
    "kk_level": ("SHDK", "Hubungan Keluarga", "Hubungan dalam Keluarga", "Status Hubungan", "Stat Hbkel"),
    "warganegara_id": ("Kewarganegaraan", "Warganegara", "Warga Negara"),
    "ayah_nik": ("NIK Ayah",),
    "nama_ayah": ("Ayah", "Nama Ayah"),
    "ibu_nik": ("NIK Ibu",),
    "nama_ibu": ("Ibu", "Nama Ibu"),
    "golongan_darah_id": ("Gol. Darah", "Golongan Darah", "Gol Darah"),
    "akta_lahir": ("Nomor Akta Lahir", "No Akta Lahir", "Akta Kelahiran"),
    "dokumen_pasport": ("Nomor Paspor", "No Paspor", "Paspor"),
    "tanggal_akhir_paspor": ("Tanggal Akhir Paspor", "Paspor Berakhir"),
    "dokumen_kitas": ("Nomor KITAS", "KITAS", "KITAS/KITAP"),
    "akta_perkawinan": ("Nomor Akta Kawin", "Akta Kawin", "No Akta Kawin"),
    "tanggalperkawinan": ("Tanggal Kwn", "Tanggal Kawin", "Tanggal Perkawinan", "Tgl Kawin"),
    "akta_perceraian": ("Nomor Akta Cerai", "Akta Cerai", "No Akta Cerai"),
    "tanggalperceraian": ("Tgl Cerai", "Tanggal Cerai", "Tanggal Perceraian"),
    "cacat_id": ("Cacat", "Penyandang Cacat", "Disabilitas"),
    "cara_kb_id": ("Cara KB", "Akseptor KB"),
    "hamil": ("Status Kehamilan",),
    "ktp_el": ("KTP-el", "e-KTP", "KTP Elektronik"),
    "status_rekam": ("Status Rekam", "Status Rekam KTP"),
    "alamat_sekarang": ("Alamat Sekarang",),
    "status_dasar": ("Status", "Status Dasar", "Status Penduduk"),
    "suku": ("Suku/Etnis", "Etnis"),
    "tag_id_card": ("Tag ID Card",),
    "id_asuransi": ("Asuransi", "Jenis Asuransi"),
    "no_asuransi": ("Nomor Asuransi", "No Asuransi"),
    "lat": ("Latitude", "Lintang"),
    "lng": ("Longitude", "Bujur", "lon"),
}
# Headers villages' workbooks (SIAK's above all) carry that hold nothing the store keeps: read past,
# listed in the report as ignored, never a reason to stop.
IGNORED_HEADERS = (
    "No", "No.", "Nomor", "No Urut", "Kecamatan", "Desa/Kel", "Desa", "Kelurahan", "Kabupaten", "Provinsi",
    "Deskripsi Pekerjaan", "Cetak KTP", "Ganti KTP", "KTP Berakhir", "Petugas Registrasi", "Tgl Ubah",
    "Petugas Entri", "Tgl Entri", "Umur", "Usia", "Kode Pos",
)


@dataclass(frozen=True)
class Column:
    position: int  # 1-based, as in OpenSID's template
    letter: str
    header: str
    key: str
    code_list: str | None  # stem in resources/reference, for coded columns


@cache
def columns() -> tuple[Column, ...]:
    """The 43 columns in OpenSID's order."""
    with (REFERENCE_DIR / "impor_penduduk_kolom.csv").open(encoding="utf-8", newline="") as f:
        return tuple(
            Column(
                position=int(row["position"]),
                letter=row["column"],
                header=row["header"],
                key=KEYS[row["header"]],
                code_list=row["reference"].removesuffix(".csv") or None,
            )
            for row in csv.DictReader(f)
        )


@cache
def by_folded_header() -> dict[str, Column]:
    """Column by header folded for matching (upper case, no spaces, ``-`` and `` `` as ``_``)."""
    return {header_key(c.header): c for c in columns()}


@cache
def _aliases() -> dict[str, Column]:
    by_header = {c.header: c for c in columns()}
    found: dict[str, Column] = {}
    for header, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            found[header_key(alias)] = by_header[header]
    found.update(by_folded_header())  # OpenSID's own names win
    return found


@cache
def _ignored() -> frozenset[str]:
    return frozenset(header_key(h) for h in IGNORED_HEADERS)


def column_of_header(text: object) -> Column | None:
    """The column a header cell names (OpenSID's name or a known alias), else ``None``."""
    return _aliases().get(header_key(text))


def is_ignored_header(text: object) -> bool:
    return header_key(text) in _ignored()


def closest_header(text: str, among: list[str]) -> str | None:
    """The OpenSID header of ``among`` (or of an alias of it) that ``text`` most likely misspells."""
    import difflib

    key = header_key(text)
    best: tuple[float, str] | None = None
    for header in among:
        for spelling in (header, *HEADER_ALIASES.get(header, ())):
            ratio = difflib.SequenceMatcher(None, key, header_key(spelling)).ratio()
            if ratio >= 0.6 and (best is None or ratio > best[0]):
                best = (ratio, header)
    return best[1] if best else None


def header_key(text: object) -> str:
    """How a header cell is compared: case-, space- and ``_``/``-``/``.``/``/``-insensitive."""
    if not isinstance(text, str):
        return ""
    return fold(text).replace("_", "").replace("-", "").replace(".", "").replace("/", "")
