"""Issue 14, item 7: our export re-imports into OpenSID (its column list, spellings and checks, ported
in ``tests/core/importer/opensid_rules.py``) and into our own importer without a change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select, update

from kiosk.actor import Actor
from kiosk.importer import write_workbook
from kiosk.models import Resident
from kiosk.services import Services
from kiosk.services.demo import generate_village
from kiosk.services.residents_import import resident_to_values
from tests.core.importer.opensid_rules import DAFTAR_KOLOM, check_row, opensid_import
from tests.helpers import admin_actor


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)


def test_export_imports_into_opensid_and_back_into_ours(services: Services, admin: Actor, tmp_path: Path) -> None:
    _f, people = generate_village(80, 11, today=dt.date(2025, 1, 1))
    rows = [resident_to_values(p) for p in people]
    rows[0].update(rw=None, rt=None)
    rows[1]["dusun"] = None
    rows[2]["nik"] = None
    source = tmp_path / "in.xlsx"
    write_workbook(source, rows)
    first = services.residents.import_residents(admin, source)
    assert first.created == 80, first.issues
    with services.store.write() as s:  # a parent's name typed as "-" on the screen
        s.execute(update(Resident).where(Resident.nik == rows[3]["nik"]).values(father_name="-"))

    out = tmp_path / "export.xlsx"
    assert services.residents.export_residents(admin, out) == 80
    sheet = openpyxl.load_workbook(out)["Data Penduduk"]
    header = [c.value for c in sheet[1]]
    assert header == DAFTAR_KOLOM
    by_nik = {r[header.index("nik")].value: [c.value for c in r] for r in sheet.iter_rows(min_row=2)}
    assert by_nik[rows[3]["nik"]][header.index("nama_ayah")] == "-"  # not "'-"
    assert by_nik[rows[0]["nik"]][header.index("rw")] == "-" and by_nik[rows[0]["nik"]][header.index("rt")] == "-"
    assert by_nik[rows[1]["nik"]][header.index("dusun")] == "-"
    assert "0" in by_nik  # the resident without NIK, as OpenSID writes one

    accepted, refused = opensid_import(out)
    assert refused == [] and len(accepted) == 80
    with services.store.read() as s:
        stored = {r.nik: r for r in s.execute(select(Resident)).scalars() if r.nik}
    for row in accepted:
        if row["nik"] == "0":
            continue
        r = stored[row["nik"]]
        assert (row["nama"], row["no_kk"], row["sex"], row["agama_id"], row["kk_level"]) == (
            r.name, r.kk_number, r.sex, r.religion, r.family_relation)

    again = services.residents.import_residents(admin, out)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 80, 0), (again.issues,
                                                                                               again.changes)


def test_opensid_rules_port_refuses_what_opensid_refuses() -> None:
    good = {"nik": "3510011507900001", "no_kk": "3510012304100003", "nama": "Budi", "kk_level": 1,
            "dusun": "Krajan", "rt": "001", "rw": "-", "sex": "L", "status_kawin": "BK",
            "pendidikan_kk_id": "Tidak/Blm Sekolah", "golongan_darah_id": "Tdk Th", "status_dasar": "PINDAH LUAR NEGERI"}
    assert check_row(good) == ""
    assert check_row(dict(good, rw="")) != ""  # OpenSID needs "-" for a missing RW
    assert check_row(dict(good, status_kawin="Nikah")) != ""
    assert check_row(dict(good, nik="")) == "NIK tidak boleh kosong"
