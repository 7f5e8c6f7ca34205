"""Issue 14, item 6: the report tells all (CLI text, --json, rejects file, dialog), warnings per row and
recomputed, RT/RW and dusun normalised, implausible names and badly kept NIKs with precise reasons,
formulas without a saved value."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from cli import run
from kiosk import settings
from kiosk.actor import Actor
from kiosk.db import Store
from kiosk.models import Resident
from kiosk.services import Services
from tests.core.test_residents_import_sheets import KK2, person, stored, workbook
from tests.helpers import ADMIN_PASSWORD, admin_actor


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)


def test_rt_rw_and_dusun_spellings_are_normalised(services: Services, admin: Actor, tmp_path: Path) -> None:
    services.preferences.set(admin, settings.DUSUN_ALIASES, {"Krj": "Krajan"})
    rows = [person(1, rt=2, rw="RW 01", dusun="Krajan"), person(2, rt="002", rw="0001", dusun="DUSUN KRAJAN"),
            person(3, rt="RT 002", rw="1", dusun="krajan"), person(4, rt="0002", rw="RW.001", dusun="Krj"),
            person(5, KK2, rt="RT 2", dusun="Dsn. Sumber Rejo"), person(6, KK2, dusun="SUMBER  REJO"),
            person(7, KK2, rt="A3")]
    path = workbook(tmp_path / "a.xlsx", {"Data Penduduk": rows})
    report = services.residents.import_residents(admin, path)
    assert report.created == 6 and [(i.row, i.column, i.code) for i in report.issues] == [(8, "rt", "invalid_rt_rw")]
    got = [(stored(services, r["nik"]).rt, stored(services, r["nik"]).rw, stored(services, r["nik"]).dusun)
           for r in rows[:6]]
    assert got == [("002", "001", "Krajan")] * 4 + [("002", "001", "Sumber Rejo")] * 2


def test_implausible_names_and_badly_kept_niks(services: Services, admin: Actor, tmp_path: Path) -> None:
    rows = [person(1, nama="2"), person(2, nama="A" * 101), person(3, nik="5.20114E+15"),
            person(4, nik="\u200b" + person(4)["nik"]), person(5, no_kk="3.51001E+15"), person(6, nama="Ni Luh Putu")]
    path = workbook(tmp_path / "a.xlsx", {"Data Penduduk": rows})
    report = services.residents.import_residents(admin, path)
    codes = {i.row: i.code for i in report.issues}
    assert codes == {2: "name_digits_only", 3: "name_too_long", 4: "nik_scientific_notation",
                     6: "nik_scientific_notation"}
    assert report.created == 2
    assert stored(services, person(4)["nik"]).name == person(4)["nama"]
    assert [(w.row, w.code) for w in report.warnings] == [(5, "nik_invisible_characters")]


def test_formula_without_saved_value_is_named(services: Services, admin: Actor, tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", {"Data Penduduk": [person(1), person(2)]})
    wb = openpyxl.load_workbook(path)
    ws = wb["Data Penduduk"]
    ws["S3"] = '=E3&" tua"'  # nama_ayah of row 3, never calculated
    wb.save(path)
    report = services.residents.import_residents(admin, path)
    assert [(i.row, i.column, i.code) for i in report.issues] == [(3, "nama_ayah", "formula_without_value")]
    assert "rumus" in report.issues[0].reason


def test_warnings_per_row_and_recomputed_after_correction(services: Services, admin: Actor, tmp_path: Path) -> None:
    wrong_birth = person(1, tanggallahir="16-07-1990", ayah_nik="1234")  # NIK says the 15th; bad parent NIK
    path = workbook(tmp_path / "a.xlsx", {"Data Penduduk": [wrong_birth, person(2)]})
    report = services.residents.import_residents(admin, path)
    assert report.created == 2 and report.rows_with_warnings == 1
    got = {(w.row, w.column, w.code) for w in report.warnings}
    assert (2, "ayah_nik", "parent_nik_dropped") in got and any(c == "nik" for _r, c, _k in got)
    assert all(w.nik == "3510********0001" for w in report.warnings)
    assert stored(services, person(1)["nik"]).nik_warnings

    corrected = workbook(tmp_path / "b.xlsx", {"Data Penduduk": [person(1), person(2)]})
    report = services.residents.import_residents(admin, corrected)
    assert report.warnings == [] and report.updated == 1
    assert stored(services, person(1)["nik"]).nik_warnings == []
    assert {f.column for f in report.changes[0].fields} == {"tanggallahir"}


def test_cli_text_json_and_rejects_file_tell_all(services: Services, admin: Actor, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    first = workbook(tmp_path / "a.xlsx", {"Krajan": [person(1), person(2)]})
    services.residents.import_residents(admin, first)
    data_dir = services.store.paths.root
    services.store.close()
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", ADMIN_PASSWORD)
    path = workbook(tmp_path / "b.xlsx", {
        "Krajan": [person(1, pekerjaan_id=9), person(2), person(3, agama_id="Jedi")],
        "Kode Data": [],
        "Sumber": [person(11, KK2, ayah_nik="99")]})
    base = ["--data-dir", str(data_dir), "--lang", "id"]
    assert run(["residents", "import", str(path), "--user", "admin", "--json", "--dry-run", *base]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dry_run"] and [s["name"] for s in data["sheets"]] == ["Krajan", "Sumber"]
    assert data["skipped_sheets"][0]["name"] == "Kode Data"
    assert data["rejects"][0]["sheet"] == "Krajan" and data["rejects"][0]["nik"] == "3510********0003"
    assert data["warnings"][0]["column"] == "ayah_nik"
    assert data["changes"][0]["fields"] == [{"column": "pekerjaan_id", "old": 2, "new": 9}]

    rejects = tmp_path / "tolak.csv"
    assert run(["residents", "import", str(path), "--user", "admin", "--rejects", str(rejects), *base]) == 0
    out = capsys.readouterr().out
    assert "Lembar “Krajan” (judul kolom di baris 1): 3 baris — baru 0, diubah 1, tidak berubah 1, ditolak 1" in out
    assert "Lembar “Sumber”" in out and "Lembar “Kode Data” dilewati" in out
    assert "pekerjaan_id: 2 → 9" in out and "3510********0001" in out
    assert "lembar “Krajan” baris 4, NIK 3510********0003, kolom agama_id" in out
    assert "lembar “Sumber” baris 2, NIK 3510********0011, kolom ayah_nik" in out
    with rejects.open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert lines[0] == ["Lembar", "Baris", "NIK", "Kolom", "Jenis", "Alasan"]
    assert lines[1][:5] == ["Krajan", "4", "3510********0003", "agama_id", "ditolak"]
    assert any(line[:5] == ["Sumber", "2", "3510********0011", "ayah_nik", "peringatan"] for line in lines)

    bad = tmp_path / "missing-dir" / "x.csv"
    path = workbook(tmp_path / "c.xlsx", {"Krajan": [person(1, pekerjaan_id=10)]})
    assert run(["residents", "import", str(path), "--user", "admin", "--rejects", str(bad), *base]) != 0
    err = capsys.readouterr()
    assert "tidak ada yang diimpor" in (err.out + err.err).lower()
    check = Services(Store.open(data_dir))
    with check.store.read() as s:
        occupation = s.execute(select(Resident.occupation).where(Resident.nik == person(1)["nik"])).scalar_one()
    check.store.close()
    assert occupation == 9  # the refused import wrote nothing
