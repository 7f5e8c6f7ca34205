"""Issue 14: every resident sheet is read, unknown headers never lose a column, updates never lose data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from kiosk.actor import Actor
from kiosk.importer import columns
from kiosk.models import Resident
from kiosk.services import Services
from kiosk.services.residents_import import HeadersToRename, RejectsNotWritable
from tests.helpers import admin_actor

HEADERS = [c.header for c in columns()]
KK1, KK2, KK3 = "3510012304100003", "3510012304100004", "3510012304100005"


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)


def person(i: int, kk: str = KK1, **over: Any) -> dict[str, Any]:
    """A plainly right resident row (NIK matches birth date and sex), ``i`` from 1 to 99."""
    values: dict[str, Any] = {
        "alamat": f"Jl. Mawar {i}", "dusun": "Krajan", "rw": "001", "rt": "002", "nama": f"Warga Nomor {chr(64 + i % 26 + 1)}{i}",
        "no_kk": kk, "nik": f"351001150790{i:04d}", "sex": 1, "tempatlahir": "Banyuwangi",
        "tanggallahir": dt.date(1990, 7, 15), "agama_id": 1, "kk_level": 1 if i % 10 == 1 else 4,
        "nama_ayah": f"Ayah {i}", "nama_ibu": f"Ibu {i}", "status_kawin": 1, "pekerjaan_id": 2,
    }
    values.update(over)
    return values


def workbook(path: Path, sheets: dict[str, list[dict[str, Any]]], *, headers: list[str] = HEADERS,
             before: list[list[Any]] | None = None, rename: dict[str, str] | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        if name == "Kode Data":
            ws.append(["sex", "id", "agama_id", "id"])
            ws.append(["LAKI-LAKI", 1, "ISLAM", 1])
            continue
        for r in before or []:
            ws.append(r)
        ws.append([(rename or {}).get(h, h) for h in headers])
        for r in rows:
            ws.append([r.get(h) for h in headers])
    wb.save(path)
    return path


def stored(services: Services, nik: str) -> Resident:
    with services.store.read() as s:
        r = s.execute(select(Resident).where(Resident.nik == nik)).scalar_one()
        s.expunge(r)
        return r


def test_every_sheet_is_read_and_reported(services: Services, admin: Actor, tmp_path: Path) -> None:
    krajan = [person(i, KK1) for i in range(1, 6)]
    sumber = [person(i, KK2, dusun="Sumberejo") for i in range(11, 19)]
    path = workbook(tmp_path / "per-dusun.xlsx", {"Krajan": krajan, "Petunjuk": [], "Kode Data": [],
                                                  "Sumberejo": sumber})
    # "Petunjuk" has only a header row of resident headers? no: give it a note instead
    wb = openpyxl.load_workbook(path)
    ws = wb["Petunjuk"]
    ws.delete_rows(1, ws.max_row)
    ws.append(["Isi satu lembar per dusun"])
    wb.save(path)
    report = services.residents.import_residents(admin, path)
    assert (report.rows, report.created, report.rejected) == (13, 13, 0)
    assert [(sh.name, sh.rows, sh.created) for sh in report.sheets] == [("Krajan", 5, 5), ("Sumberejo", 8, 8)]
    assert {sk.name: sk.code for sk in report.skipped_sheets} == {"Petunjuk": "no_resident_headers",
                                                                 "Kode Data": "code_list_sheet"}
    assert stored(services, sumber[-1]["nik"]).dusun == "Sumberejo"
    data = report.to_json()
    assert [sh["name"] for sh in data["sheets"]] == ["Krajan", "Sumberejo"]
    assert [sk["name"] for sk in data["skipped_sheets"]] == ["Petunjuk", "Kode Data"]


def test_two_sheets_disagreeing_about_a_nik_reject_both(services: Services, admin: Actor, tmp_path: Path) -> None:
    a = person(1, KK1)
    b = dict(person(1, KK1), nama="Nama Lain")
    same = person(2, KK1)
    path = workbook(tmp_path / "x.xlsx", {"Satu": [a, same, person(3, KK1)], "Dua": [b, dict(same)]})
    report = services.residents.import_residents(admin, path)
    assert (report.rows, report.created, report.rejected, report.duplicates) == (5, 2, 2, 1)
    reasons = {(i.sheet, i.row): i.reason for i in report.issues}
    assert set(reasons) == {("Satu", 2), ("Dua", 2)}
    assert "Dua" in reasons[("Satu", 2)] and "Satu" in reasons[("Dua", 2)]
    assert [(w.sheet, w.row, w.code) for w in report.warnings] == [("Dua", 3, "nik_repeated_in_file")]
    with services.store.read() as s:
        assert s.execute(select(Resident).where(Resident.nik == a["nik"])).first() is None


def test_nik_repeated_within_one_sheet(services: Services, admin: Actor, tmp_path: Path) -> None:
    path = workbook(tmp_path / "x.xlsx", {"Data": [person(1), person(2), dict(person(1), pekerjaan_id=5)]})
    report = services.residents.import_residents(admin, path)
    assert (report.created, report.rejected) == (1, 2)
    assert sorted(i.row for i in report.issues) == [2, 4]


def test_headers_on_row_three_under_a_title_and_merged_header_cells(
    services: Services, admin: Actor, tmp_path: Path,
) -> None:
    path = tmp_path / "judul.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Penduduk 2026"
    ws.append(["DATA PENDUDUK DESA KEMIREN"])
    ws.merge_cells("A1:H1")
    ws.append([])
    ws.append(["nik", "nama", "sex", "Orang tua", None, "dusun", "rt", "rw"])
    ws.append([None, None, None, "nama_ayah", "nama_ibu", None, None, None])
    for col in "ABCFGH":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("D3:E3")
    p = person(1)
    ws.append([p["nik"], p["nama"], "L", "Pak Tua", "Bu Tua", "Krajan", 2, 1])
    wb.save(path)
    report = services.residents.import_residents(admin, path)
    assert (report.rows, report.created, report.rejected) == (1, 1, 0), report.issues
    assert report.sheets[0].header_row == 4
    r = stored(services, p["nik"])
    assert (r.father_name, r.mother_name, r.rt, r.rw) == ("Pak Tua", "Bu Tua", "002", "001")

    before = [["Daftar penduduk"], ["Dusun Krajan"]]
    path2 = workbook(tmp_path / "row3.xlsx", {"Sheet1": [person(2)]}, before=before)
    report = services.residents.import_residents(admin, path2)
    assert (report.rows, report.created) == (1, 1) and report.sheets[0].header_row == 3


def test_siak_and_opensid_header_aliases(services: Services, admin: Actor, tmp_path: Path) -> None:
    siak = {"no_kk": "Nomor KK", "nik": "NIK", "nama": "Nama Penduduk", "sex": "Kelamin", "tanggallahir":
            "Tanggal Lahir", "agama_id": "Agama", "kk_level": "SHDK", "golongan_darah_id": "Gol. Darah",
            "nama_ayah": "Ayah", "nama_ibu": "Ibu", "status_kawin": "Status Kawin", "alamat": "Alamat"}
    headers = [*HEADERS[:20], "Petugas Entri", *HEADERS[20:]]
    path = workbook(tmp_path / "siak.xlsx", {"Sheet1": [person(1, agama_id="Islam")]}, headers=headers, rename=siak)
    report = services.residents.import_residents(admin, path)
    assert report.created == 1, report.issues
    assert report.sheets[0].ignored_headers == ["Petugas Entri"] and report.sheets[0].unknown_headers == []
    r = stored(services, person(1)["nik"])
    assert (r.religion, r.birth_date, r.father_name) == (1, dt.date(1990, 7, 15), "Ayah 1")


@pytest.mark.parametrize("dry_run", [False, True])
def test_unknown_header_for_a_kept_column_stops_before_writing(
    services: Services, admin: Actor, tmp_path: Path, dry_run: bool,
) -> None:
    path = workbook(tmp_path / "salah.xlsx", {"Data Penduduk": [person(1), person(2)]},
                    rename={"tanggallahir": "tgl_lahir", "pekerjaan_id": "pekerjan"})
    with pytest.raises(HeadersToRename) as info:
        services.residents.import_residents(admin, path, dry_run=dry_run)
    message = info.value.user_message()
    assert "tgl_lahir" in message and "tanggallahir" in message and "pekerjan" in message
    assert "pekerjaan_id" in message
    with services.store.read() as s:
        assert s.execute(select(Resident)).first() is None


def test_unknown_header_without_a_likeness_is_named_in_the_report(
    services: Services, admin: Actor, tmp_path: Path,
) -> None:
    headers = [*HEADERS, "Catatan RT"]
    rows = [dict(person(1), **{"Catatan RT": "pindahan"})]
    path = workbook(tmp_path / "x.xlsx", {"Data Penduduk": rows}, headers=headers)
    report = services.residents.import_residents(admin, path)
    assert report.created == 1 and report.sheets[0].unknown_headers == ["Catatan RT"]


def test_empty_cells_keep_stored_values_and_dash_clears(services: Services, admin: Actor, tmp_path: Path) -> None:
    first = [person(1, akta_lahir="AL-1", dokumen_pasport="P-1"), person(2)]
    path = workbook(tmp_path / "a.xlsx", {"Data Penduduk": first})
    services.residents.import_residents(admin, path)
    # a partial sheet: only nik and pekerjaan_id; then a sheet with empty cells and one "-"
    partial = workbook(tmp_path / "b.xlsx", {"Data Penduduk": [{"nik": first[0]["nik"], "pekerjaan_id": 7}]},
                       headers=["nik", "pekerjaan_id"])
    report = services.residents.import_residents(admin, partial)
    assert (report.updated, report.unchanged, report.rejected) == (1, 0, 0), report.issues
    r = stored(services, first[0]["nik"])
    assert (r.occupation, r.father_name, r.birth_date, r.name) == (7, "Ayah 1", dt.date(1990, 7, 15), first[0]["nama"])
    (change,) = report.changes
    assert change.row == 2 and change.nik.startswith("3510") and "*" in change.nik
    assert [(f.column, f.old, f.new) for f in change.fields] == [("pekerjaan_id", 2, 7)]

    emptied = dict(first[0], nama_ayah=None, tanggallahir=None, dokumen_pasport=None, agama_id=None, rt=None,
                   akta_lahir="-", nama_ibu="-", pekerjaan_id=7)
    path = workbook(tmp_path / "c.xlsx", {"Data Penduduk": [emptied, first[1]]})
    report = services.residents.import_residents(admin, path)
    assert (report.updated, report.unchanged) == (1, 1)
    r = stored(services, first[0]["nik"])
    assert (r.father_name, r.birth_date, r.religion, r.rt) == ("Ayah 1", dt.date(1990, 7, 15), 1, "002")
    assert r.mother_name == "" and r.extra == {"passport": "P-1"}
    fields = {f.column: (f.old, f.new) for f in report.changes[0].fields}
    assert fields == {"nama_ibu": ("Ibu 1", ""), "akta_lahir": ("AL-1", None)}
    assert json.dumps(report.to_json()["changes"][0]["fields"])  # plain JSON


def test_partial_sheet_cannot_create_a_resident_without_name(services: Services, admin: Actor, tmp_path: Path) -> None:
    path = workbook(tmp_path / "b.xlsx", {"Data Penduduk": [{"nik": person(1)["nik"], "pekerjaan_id": 7}]},
                    headers=["nik", "pekerjaan_id"])
    report = services.residents.import_residents(admin, path)
    assert (report.created, report.rejected) == (0, 1)
    assert report.issues[0].code == "new_resident_needs" and "nama" in report.issues[0].reason


def test_rejects_path_that_cannot_be_written_is_refused_before_saving(
    services: Services, admin: Actor, tmp_path: Path,
) -> None:
    path = workbook(tmp_path / "a.xlsx", {"Data Penduduk": [person(1), dict(person(2), tanggallahir="31-02-1990")]})
    with pytest.raises(RejectsNotWritable):
        services.residents.import_residents(admin, path, rejects_path=tmp_path / "no-such-dir" / "r.csv")
    with pytest.raises(RejectsNotWritable):
        services.residents.import_residents(admin, path, rejects_path=tmp_path)
    with services.store.read() as s:
        assert s.execute(select(Resident)).first() is None
    out = tmp_path / "r.csv"
    report = services.residents.import_residents(admin, path, rejects_path=out)
    assert report.created == 1 and report.rejects_file == str(out)
    text = out.read_text(encoding="utf-8-sig")
    assert "tanggallahir" in text and "Data Penduduk" in text and ",3," in text


def test_dash_never_clears_the_identity(services: Services, admin: Actor, tmp_path: Path) -> None:
    services.residents.import_residents(admin, workbook(tmp_path / "a.xlsx", {"Data": [person(1)]}))
    rows = [dict(person(1), sex="-", pekerjaan_id=5), dict(person(1, nama="-"), nik=person(1)["nik"])]
    report = services.residents.import_residents(admin, workbook(tmp_path / "b.xlsx", {"A": rows[:1], "B": rows[1:]}))
    assert report.rejected == 2 and {i.code for i in report.issues} >= {"required"}
    report = services.residents.import_residents(
        admin, workbook(tmp_path / "c.xlsx", {"Data": [dict(person(1), no_kk="-", status_dasar="-", pekerjaan_id=5)]}))
    assert report.updated == 1, report.issues
    r = stored(services, person(1)["nik"])
    assert (r.sex, r.kk_number, r.status, r.occupation) == (1, KK1, 1, 5)
