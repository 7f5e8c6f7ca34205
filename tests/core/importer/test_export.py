"""Exporting residents in the 43-column format: round trip and formula injection."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kiosk.importer import KEYS, open_workbook, read_residents, write_workbook


def resident(**over: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(KEYS.values())
    values.update(
        nik="3510014107900001", kk_number="3510010101100001", name="Siti Aminah", birth_place="Banyuwangi",
        birth_date=date(1990, 7, 1), sex=2, religion=1, education=5, education_current=18, occupation=2,
        marital_status=2, family_relation=3, citizenship=1, father_nik="3510011508650002",
        father_name="Abd. Rahman", mother_name="Ni Luh Putu", blood_type=13, birth_certificate="AL-1",
        passport="B123", passport_expiry=date(2030, 1, 31), marriage_certificate="AK-9",
        marriage_date=date(2012, 5, 20), disability=7, kb_method=1, pregnant=2, ktp_el=2,
        ktp_record_status=3, current_address="Jl. Mawar 1", basic_status=1, ethnicity="Osing",
        id_card_tag="A1B2", insurance_type=2, insurance_number="0001234", lat=-8.2191, lng=114.3691,
        address="Jl. Mawar 1", dusun="Krajan", rw="002", rt="001",
    )  # fmt: skip
    values.update(over)
    return values


def test_round_trip_is_exact(tmp_path: Path) -> None:
    people = [
        resident(),
        resident(nik=None, name="H. Ma'ruf", sex=1, birth_date=date(1931, 12, 31), rw=None, rt=None,
                 father_nik=None, passport_expiry=None, lat=None, lng=None),
        resident(nik="3510015112280003", name="-Ani", birth_date=date(1928, 12, 11), address="=1+2",
                 ethnicity="@SUM(A1)", id_card_tag="+62 812"),
    ]  # fmt: skip
    path = tmp_path / "export.xlsx"
    assert write_workbook(path, people) == 3
    source = open_workbook(path)
    assert source.sheet_name == "Data Penduduk"
    rows = list(source.read())
    assert all(r.ok for r in rows), [r.errors for r in rows]
    assert [r.values for r in rows] == people


def test_cells_are_typed_and_formulas_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    write_workbook(path, [resident(name='=HYPERLINK("http://x")', address="+1", dusun="@x", rt="-")])
    wb = openpyxl.load_workbook(path)
    ws = wb["Data Penduduk"]
    header = [c.value for c in ws[1]]
    data = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert data["nik"].data_type == "s" and data["nik"].value == "3510014107900001"
    assert data["no_kk"].value == "3510010101100001"
    assert data["tanggallahir"].is_date
    assert data["nama"].data_type == "s" and data["nama"].value.startswith("'=")
    assert data["alamat"].value == "'+1" and data["dusun"].value == "'@x" and data["rt"].value == "-"  # a lone - is no formula (OpenSID's marker)
    assert not any(c.data_type == "f" for c in ws[2])
    (r,) = list(read_residents(path))
    assert r.values["name"] == '=HYPERLINK("http://x")' and r.values["dusun"] == "@x"


def test_end_marker(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    write_workbook(path, [resident(), resident(nik="3510015112280003", birth_date=date(1928, 12, 11))],
                   end_marker=True)  # fmt: skip
    assert len(list(read_residents(path))) == 2


def test_awkward_text_and_values_survive(tmp_path: Path) -> None:
    """The sheet XML is written by hand: markup characters, spaces, line breaks, control characters,
    datetimes and number subclasses must give a valid file with the same values."""
    import enum
    from datetime import datetime

    class Code(enum.IntEnum):
        ISLAM = 1

    people = [
        resident(name="Ani & Budi <Tono>", address="Jl. A\nRT 1", current_address="Jl. B\r\nRT 2",
                 ethnicity="Osing\x01", religion=Code.ISLAM, birth_date=datetime(1990, 7, 1, 0, 0),
                 insurance_number=" 0001 ", lat=float("nan"), divorce_date=date(1900, 2, 1)),
    ]  # fmt: skip
    path = tmp_path / "export.xlsx"
    assert write_workbook(path, people, end_marker=True) == 1
    ws = openpyxl.load_workbook(path)["Data Penduduk"]
    header = [c.value for c in ws[1]]
    data = {h: c.value for h, c in zip(header, ws[2], strict=True)}
    assert data["nama"] == "Ani & Budi <Tono>" and data["alamat"] == "Jl. A\nRT 1"
    assert data["alamat_sekarang"] == "Jl. B\r\nRT 2" and data["suku"] == "Osing"
    assert data["no_asuransi"] == " 0001 " and data["agama_id"] == 1 and data["lat"] is None
    assert ws.max_row == 3 and ws["B3"].value == "###"
    (r,) = list(read_residents(path))
    assert r.ok, r.errors
    assert r.values["name"] == "Ani & Budi <Tono>" and r.values["birth_date"] == date(1990, 7, 1)
    assert r.values["religion"] == 1 and r.values["ethnicity"] == "Osing"
    assert r.values["divorce_date"] == date(1900, 2, 1)
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_failed_export_leaves_no_file(tmp_path: Path) -> None:
    def rows() -> Any:
        yield resident()
        raise RuntimeError("database gone")

    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(RuntimeError):
        write_workbook(folder / "export.xlsx", rows())
    assert list(folder.iterdir()) == []


def test_several_sheets_are_written_and_each_read_back(tmp_path: Path) -> None:
    from kiosk.importer import write_workbook_sheets
    from kiosk.importer.source import open_book

    path = tmp_path / "dusun.xlsx"
    a, b = resident(), resident(nik="3510015112280003", name="Ani", dusun="Sumber")
    assert write_workbook_sheets(path, {"Krajan": [a], "Sumber": [b], "Kode Data": []}) == 2
    book = open_book(path)
    assert [s.sheet_name for s in book.sheets] == ["Krajan", "Sumber"]
    assert [s.name for s in book.skipped] == ["Kode Data"]
    assert [r.values["name"] for s in book.sheets for r in s.read()] == ["Siti Aminah", "Ani"]
