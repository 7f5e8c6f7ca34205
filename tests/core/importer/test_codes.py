"""Issue 14, item 4: every spelling OpenSID's importer (Impor_model) and SIAK exports use maps to its
code; a rejected value names its column and lists the allowed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.i18n import set_language
from kiosk.importer import read_residents
from tests.core.importer.conftest import WriteSheet, row

NIK = "3510011507900001"
BASE = {"alamat": "Jl. Mawar", "dusun": "Krajan", "nama": "Budi", "nik": NIK, "sex": "L",
        "tanggallahir": "15-07-1990", "no_kk": "3510012304100003"}


@pytest.mark.parametrize(
    ("header", "spelling", "key", "code"),
    [
        ("status_kawin", "BK", "marital_status", 1),
        ("status_kawin", "K", "marital_status", 2),
        ("status_kawin", "CH", "marital_status", 3),
        ("status_kawin", "cm", "marital_status", 4),
        ("status_kawin", "Kawin", "marital_status", 2),  # SIAK
        ("golongan_darah_id", "Tdk Th", "blood_type", 13),
        ("golongan_darah_id", "TIDAK TAHU", "blood_type", 13),
        ("pendidikan_kk_id", "Tidak/Blm Sekolah", "education", 1),
        ("pendidikan_kk_id", "Tidak/Belum Sekolah", "education", 1),  # SIAK
        ("pendidikan_kk_id", "Tidak Tamat SD/Sederajat", "education", 2),
        ("pendidikan_kk_id", "Belum Tamat SD/Sederajat", "education", 2),
        ("pendidikan_kk_id", "SLTA/Sederajat", "education", 5),  # SIAK, no spaces round the slash
        ("pendidikan_kk_id", "Akademi/Diploma III/Sarjana Muda", "education", 7),
        ("pendidikan_kk_id", "Strata-II", "education", 9),
        ("pendidikan_kk_id", "Diploma IV/Strata I", "education", 8),
        ("status_dasar", "PINDAH DALAM NEGERI", "basic_status", 3),
        ("status_dasar", "Pindah Luar Negeri", "basic_status", 3),
        ("status_dasar", "Tidak Valid", "basic_status", 9),  # SIAK
        ("sex", "Pr", "sex", 2),
        ("sex", "Laki-Laki", "sex", 1),
        ("kk_level", "Kepala Keluarga", "family_relation", 1),
        ("pekerjaan_id", "Mengurus Rumah Tangga", "occupation", 2),
        ("pekerjaan_id", "Belum/Tidak Bekerja", "occupation", 1),
    ],
)
def test_opensid_and_siak_spellings(write_sheet: WriteSheet, header: str, spelling: str, key: str, code: int) -> None:
    values = dict(BASE, **{header: spelling})
    if header == "sex" and code == 2:
        values["nik"] = "3510015507900001"
    (r,) = list(read_residents(write_sheet([row(**values)])))
    assert r.ok, [e.message() for e in r.errors]
    assert r.values[key] == code


def test_rejected_value_names_column_and_lists_allowed_values(write_sheet: WriteSheet, tmp_path: Path) -> None:
    (r,) = list(read_residents(write_sheet([row(**dict(BASE, status_kawin="Nikah Siri", agama_id="Jedi"))])))
    by_column = {e.column_header: e for e in r.errors}
    set_language("en")
    try:
        kawin = by_column["status_kawin"].message()
        assert "“Nikah Siri”" in kawin and "status_kawin" in kawin
        assert "1 BELUM KAWIN, 2 KAWIN, 3 CERAI HIDUP, 4 CERAI MATI" in kawin
        agama = by_column["agama_id"].message()
        assert "agama_id" in agama and "1 ISLAM, 2 KRISTEN, 3 KATHOLIK" in agama and "7 Kepercayaan" in agama
    finally:
        set_language("id")
    assert "yang boleh" in by_column["status_kawin"].message()
