"""Reading OpenSID's "Data Penduduk" workbook: sheets, headers, values, errors, exact counts."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk import nik as nikmod
from kiosk.i18n import set_language
from kiosk.importer import (
    ImportFileNotFound,
    ImportFileTooLarge,
    MissingColumns,
    NoResidentSheet,
    NotAWorkbook,
    open_workbook,
    read_residents,
    write_rejects_csv,
)
from kiosk.importer.columns import KEYS
from kiosk.importer.reader import _NumberChecks
from tests.core.importer.conftest import HEADERS, WriteSheet, row

NIK_W = "3510014107900001"  # woman born 01-07-1990
NIK_M = "3510011508850002"  # man born 15-08-1985
KK = "3510010101100001"

EXPECTED_KEYS = {
    "nik", "kk_number", "name", "birth_place", "birth_date", "sex", "religion", "education",
    "education_current", "occupation", "marital_status", "family_relation", "citizenship", "father_nik",
    "father_name", "mother_nik", "mother_name", "blood_type", "birth_certificate", "passport",
    "passport_expiry", "kitas", "marriage_certificate", "marriage_date", "divorce_certificate",
    "divorce_date", "disability", "kb_method", "pregnant", "ktp_el", "ktp_record_status",
    "current_address", "basic_status", "ethnicity", "id_card_tag", "insurance_type", "insurance_number",
    "lat", "lng", "address", "dusun", "rw", "rt",
}  # fmt: skip


def full_row(**over: object) -> list[object]:
    values: dict[str, object] = dict(
        alamat="Jl. Mawar 1", dusun="Krajan", rw="2", rt="1", nama="Siti Aminah", no_kk=KK, nik=NIK_W,
        sex=2, tempatlahir="Banyuwangi", tanggallahir=date(1990, 7, 1), agama_id=1, pendidikan_kk_id=5,
        pendidikan_sedang_id=18, pekerjaan_id=2, status_kawin=2, kk_level=3, warganegara_id=1,
        ayah_nik=NIK_M, nama_ayah="Abd. Rahman", ibu_nik=None, nama_ibu="Ni Luh Putu", golongan_darah_id=13,
        akta_lahir="AL-123", status_dasar=1, suku="Osing", lat=-8.21, lng=114.36,
    )  # fmt: skip
    values.update(over)
    return row(**values)


def test_keys_are_the_contract() -> None:
    assert set(KEYS.values()) == EXPECTED_KEYS
    assert len(HEADERS) == 43


def test_well_formed_sheet(write_sheet: WriteSheet) -> None:
    path = write_sheet(
        [full_row(), full_row(nama="Ma'ruf", nik=NIK_M, sex=1, tanggallahir=date(1985, 8, 15))]
    )
    source = open_workbook(path)
    assert source.sheet_name == "Data Penduduk"
    assert source.header_row == 1
    assert source.unknown_headers == []
    rows = list(source.read())
    assert [r.row for r in rows] == [2, 3]
    first = rows[0]
    assert first.ok and first.warnings == []
    v = first.values
    assert set(v) == EXPECTED_KEYS
    assert v["nik"] == NIK_W and v["kk_number"] == KK
    assert v["birth_date"] == date(1990, 7, 1)
    assert (v["sex"], v["religion"], v["family_relation"], v["blood_type"]) == (2, 1, 3, 13)
    assert (v["rw"], v["rt"]) == ("002", "001")
    assert v["father_nik"] == NIK_M and v["mother_nik"] is None
    assert v["basic_status"] == 1
    assert v["lat"] == -8.21 and v["passport"] is None
    assert rows[1].values["name"] == "Ma'ruf"


def test_sheet1_variant_dash_rw_and_nik_date_mismatch(write_sheet: WriteSheet) -> None:
    path = write_sheet(
        [full_row(rw="-", rt="-", tanggallahir=date(1990, 7, 2)), full_row(nik=None, rw=None)],
        title="Sheet1",
        before=[["DATA PENDUDUK DESA SARONGAN"], []],
        extra_sheets=["Petunjuk"],
    )
    source = open_workbook(path)
    assert (source.sheet_name, source.header_row) == ("Sheet1", 3)
    rows = list(source.read())
    assert [r.row for r in rows] == [4, 5]
    assert rows[0].ok
    assert (rows[0].values["rw"], rows[0].values["rt"]) == (None, None)
    assert [w.code for w in rows[0].warnings] == ["nik_date_mismatch"]
    assert rows[0].warnings[0].column_header == "nik"
    assert rows[1].ok and rows[1].values["nik"] is None
    assert [w.code for w in rows[1].warnings] == ["nik_missing"]


def test_headers_in_other_order_odd_case_and_extra_columns(write_sheet: WriteSheet) -> None:
    headers = ["  NIK ", "Nama", "SEX", "Dusun", "Catatan", "Tanggal Lahir", "Keterangan", "RT", "rw"]
    path = write_sheet([[NIK_W, "Siti", "P", "Krajan", "x", "01-07-1990", "y", 5, "02"]], headers=headers)
    source = open_workbook(path)
    assert source.unknown_headers == ["Catatan", "Keterangan"]
    assert "agama_id" in source.missing_columns
    (r,) = list(source.read())
    assert r.ok, r.errors
    assert r.values["birth_date"] == date(1990, 7, 1)
    assert (r.values["rt"], r.values["rw"], r.values["sex"], r.values["address"]) == ("005", "002", 2, None)


def test_codes_as_names_and_aliases(write_sheet: WriteSheet) -> None:
    path = write_sheet(
        [
            full_row(sex="pr", agama_id="Katolik", status_kawin="kawin", kk_level="Istri", warganegara_id="wni",
                     golongan_darah_id="-", pendidikan_kk_id="slta / sederajat", status_dasar="hidup"),
            full_row(nik=NIK_M, sex="LK", tanggallahir=date(1985, 8, 15), agama_id="BUDDHA", kk_level="KK",
                     golongan_darah_id="TIDAK TAHU", status_kawin="Cerai Mati", warganegara_id="2"),
        ]
    )  # fmt: skip
    a, b = list(read_residents(path))
    assert a.ok and b.ok, (a.errors, b.errors)
    assert [a.values[k] for k in ("sex", "religion", "marital_status", "family_relation", "citizenship",
                                  "blood_type", "education", "basic_status")] == [2, 3, 2, 3, 1, None, 5, 1]  # fmt: skip
    assert a.cleared == {"blood_type"}  # "-" clears, as in OpenSID (it never means TIDAK TAHU)
    assert [b.values[k] for k in ("sex", "religion", "family_relation", "blood_type", "marital_status",
                                  "citizenship")] == [1, 5, 1, 13, 4, 2]  # fmt: skip


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (32690, date(1989, 7, 1)), (32690.0, date(1989, 7, 1)), (datetime(1990, 7, 1, 0, 0), date(1990, 7, 1)),
        ("1990-07-01", date(1990, 7, 1)), ("01-07-1990", date(1990, 7, 1)), ("01/07/1990", date(1990, 7, 1)),
        ("1 Juli 1990", date(1990, 7, 1)), ("17 Agustus 1945", date(1945, 8, 17)), ("1-Jul-1990", date(1990, 7, 1)),
        ("32690", date(1989, 7, 1)),
    ],
)  # fmt: skip
def test_dates(write_sheet: WriteSheet, cell: object, expected: date) -> None:
    path = write_sheet([full_row(nik=None, tanggallahir=cell)])
    (r,) = list(read_residents(path))
    assert r.ok, r.errors
    assert r.values["birth_date"] == expected


def test_end_marker_ends_data_and_is_not_counted(write_sheet: WriteSheet) -> None:
    path = write_sheet(
        [full_row(), [], full_row(nik=NIK_M, sex=1, tanggallahir=date(1985, 8, 15)), [None, "###"],
         full_row(nama="junk"), ["junk", "junk", "junk"]]
    )  # fmt: skip
    rows = list(read_residents(path))
    assert [r.row for r in rows] == [2, 4]
    assert all(r.ok for r in rows)


def test_broken_rows_are_reported_and_others_come_through(write_sheet: WriteSheet, tmp_path: Path) -> None:
    path = write_sheet(
        [
            full_row(),
            full_row(nik="3510014107900000"),
            full_row(nik=NIK_M, sex=1, agama_id="Jedi", tanggallahir="31-02-1985"),
            full_row(nama=None, sex=None, nik="3510015107900003"),
            full_row(nik=NIK_W, tanggallahir=date(1990, 7, 1)),
            full_row(nik="9910014107900001", no_kk="35100101011"),
        ]
    )
    rows = list(read_residents(path))
    assert len(rows) == 6
    by_row = {r.row: r for r in rows}
    assert by_row[2].ok
    assert [(e.column_header, e.code) for e in by_row[3].errors] == [("nik", "nik_serial_zero")]
    assert {(e.column_header, e.code) for e in by_row[4].errors} == {
        ("agama_id", "unknown_code"),
        ("tanggallahir", "invalid_date"),
    }
    assert {e.code for e in by_row[5].errors} == {"required"}
    assert [e.code for e in by_row[6].errors] == ["nik_duplicate_in_file"]
    assert by_row[6].errors[0].data == {"row": 2}
    assert {e.code for e in by_row[7].errors} == {"nik_province_unknown", "kk_format"}

    rejected = [r for r in rows if not r.ok]
    set_language("en")
    try:
        out = tmp_path / "rejects.csv"
        assert write_rejects_csv(out, rejected) == 8
        text = out.read_text(encoding="utf-8-sig")
        assert text.splitlines()[0] == "Sheet,Row,NIK,Column,Kind,Reason"
        assert "Data Penduduk,4,3510********0002,agama_id,rejected,\"“Jedi” is not one of the values" in text
    finally:
        set_language("id")
    write_rejects_csv(out, rejected)
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "Lembar,Baris,NIK,Kolom,Jenis,Alasan"
    assert "“31-02-1985” bukan tanggal yang sah" in text


def test_numbers_from_spreadsheet_numbers(write_sheet: WriteSheet) -> None:
    path = write_sheet([full_row(nik=3510014107900001, no_kk=float(KK), rt=1.0, ayah_nik=f"'{NIK_M}")])
    (r,) = list(read_residents(path))
    assert r.ok, r.errors
    assert (r.values["nik"], r.values["kk_number"], r.values["rt"]) == (NIK_W, KK, "001")
    assert r.values["father_nik"] == NIK_M
    assert [w.code for w in r.warnings] == []


def test_not_a_workbook(tmp_path: Path) -> None:
    png = tmp_path / "foto.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(NotAWorkbook) as info:
        open_workbook(png)
    assert "foto.xlsx" in info.value.user_message()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"garbage" * 50)
    with pytest.raises(NotAWorkbook):
        open_workbook(broken)
    with pytest.raises(ImportFileNotFound):
        open_workbook(tmp_path / "missing.xlsx")


def test_size_limit(write_sheet: WriteSheet) -> None:
    path = write_sheet([full_row()])
    with pytest.raises(ImportFileTooLarge) as info:
        open_workbook(path, max_bytes=100)
    assert info.value.code == "import_file_too_large"


def test_no_matching_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["kode", "nama barang", "harga"])
    ws.append([1, "beras", 12000])
    path = tmp_path / "inventaris.xlsx"
    wb.save(path)
    with pytest.raises(NoResidentSheet) as info:
        open_workbook(path)
    assert "inventaris.xlsx" in info.value.user_message()


def test_data_penduduk_sheet_missing_a_required_column(write_sheet: WriteSheet) -> None:
    path = write_sheet([["Siti", "Krajan", "P"]], headers=["nama", "dusun", "sex"])
    with pytest.raises(MissingColumns) as info:
        open_workbook(path)
    assert info.value.data["columns"] == "nik"


def test_csv_with_semicolons_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "penduduk.csv"
    lines = [
        "alamat;dusun;rw;rt;nama;no_kk;nik;sex;tanggallahir;agama_id",
        f"Jl. Mawar;Krajan;-;3;Siti;'{KK};'{NIK_W};P;01/07/1990;Islam",
        f"Jl. Melati;Krajan;1;2;Budi;{KK};{NIK_M};L;1985-08-15;KRISTEN",
        ";###;;;;;;;;",
        "junk;junk;;;;;;;;",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    source = open_workbook(path)
    assert source.kind == "csv"
    rows = list(source.read())
    assert [r.row for r in rows] == [2, 3]
    assert all(r.ok for r in rows), [r.errors for r in rows]
    assert rows[0].values["nik"] == NIK_W and rows[0].values["rw"] is None and rows[0].values["rt"] == "003"
    assert rows[1].values["religion"] == 2 and rows[1].values["birth_date"] == date(1985, 8, 15)


def test_csv_with_commas_short_lines(tmp_path: Path) -> None:
    path = tmp_path / "penduduk.csv"
    path.write_text(f"nama,nik,sex,alamat\nSiti,{NIK_W},2\n", encoding="utf-8")
    (r,) = list(read_residents(path))
    assert r.ok and r.values["address"] is None


# --- the reader's shortcut for plainly right NIKs agrees with kiosk.nik -------------------------------

_REGIONS = ["351001", "351002", "351099", "359901", "990101", "320101", "110101", "351019"]


@st.composite
def _niks(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(_REGIONS) | st.text("0123456789", min_size=6, max_size=6))
    day = draw(st.integers(0, 99))
    month = draw(st.integers(0, 19))
    year = draw(st.integers(0, 99))
    serial = draw(st.sampled_from([0, 1, 2, 9999]) | st.integers(0, 9999))
    return f"{region}{day:02d}{month:02d}{year:02d}{serial:04d}"


@settings(max_examples=600, deadline=None)
@given(nik=_niks() | st.text("0123456789٣", min_size=15, max_size=17),
       birth=st.none() | st.dates(date(1900, 1, 1), date(2099, 12, 31)), sex=st.sampled_from([None, 1, 2, 3]))
def test_plainly_right_nik_means_no_issue(nik: str, birth: date | None, sex: int | None) -> None:
    full = nikmod.check_nik(nik, birth_date=birth, sex=sex)
    fast = _NumberChecks().plainly_right(nik, birth, sex)
    assert fast == (not full.errors and not full.warnings), (full.errors, full.warnings)


@settings(max_examples=400, deadline=None)
@given(kk=_niks() | st.text("0123456789٣", min_size=15, max_size=17))
def test_plainly_right_kk_means_no_issue(kk: str) -> None:
    full = nikmod.check_kk(kk)
    checks = _NumberChecks()
    assert checks.kk_plainly_right(kk) == (not full.errors and not full.warnings), (full.errors, full.warnings)
    fast = checks.kk(kk)
    assert (fast.error_codes, fast.warning_codes) == (full.error_codes, full.warning_codes)
