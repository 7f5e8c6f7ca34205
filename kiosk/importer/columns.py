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
REQUIRED_HEADERS = ("nama", "nik", "sex")
ADDRESS_HEADERS = ("alamat", "dusun")  # at least one of them


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


def header_key(text: object) -> str:
    """How a header cell is compared: case-, space- and ``_``/``-``-insensitive."""
    if not isinstance(text, str):
        return ""
    return fold(text).replace("_", "").replace("-", "")
