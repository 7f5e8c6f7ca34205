"""Issue 14 "done when": OpenSID's own sample files (v2410 ``assets/import/``) and variants of them import
with nothing silently lost, and a re-import changes only what changed."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from kiosk.actor import Actor
from kiosk.models import Resident
from kiosk.services import Services
from kiosk.services.residents_import import HeadersToRename
from tests.helpers import admin_actor

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "opensid"
CONTOH = SAMPLES / "contoh_penduduk.xlsx"
pytestmark = pytest.mark.skipif(not CONTOH.is_file(), reason="OpenSID's sample files are not on this machine")


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)


def contoh() -> tuple[list[Any], list[list[Any]]]:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(CONTOH))
    rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python()
    wb.close()
    return rows[0], [r for r in rows[1:] if any(c not in ("", None) for c in r)]


def save(path: Path, sheets: dict[str, tuple[list[Any], list[list[Any]]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for name, (header, rows) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def residents(services: Services) -> int:
    with services.store.read() as s:
        return s.execute(select(func.count()).select_from(Resident)).scalar_one()


def test_contoh_penduduk_imports_all_97_with_every_warning_listed(services: Services, admin: Actor) -> None:
    report = services.residents.import_residents(admin, CONTOH)
    assert (report.rows, report.created, report.rejected) == (97, 97, 0)
    assert residents(services) == 97
    assert report.rows_with_warnings == len({(w.sheet, w.row) for w in report.warnings}) > 0
    assert all(w.nik and "*" in w.nik for w in report.warnings)
    with services.store.read() as s:
        assert s.execute(select(func.count()).select_from(Resident).where(Resident.rw == "-")).scalar_one() == 0
    again = services.residents.import_residents(admin, CONTOH)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 97)


def test_one_sheet_per_dusun_and_kode_data_reads_all_97(services: Services, admin: Actor, tmp_path: Path) -> None:
    header, rows = contoh()
    by_dusun: dict[str, list[list[Any]]] = collections.defaultdict(list)
    for r in rows:
        by_dusun[r[1]].append(r)
    sheets = {name: (header, group) for name, group in by_dusun.items()}
    sheets["Kode Data"] = (["sex", "id"], [["LAKI-LAKI", 1]])
    report = services.residents.import_residents(admin, save(tmp_path / "per-dusun.xlsx", sheets))
    assert (report.rows, report.created, report.rejected) == (97, 97, 0)
    assert {s.name: s.created for s in report.sheets} == {k: len(v) for k, v in by_dusun.items()}
    assert [s.name for s in report.skipped_sheets] == ["Kode Data"]


def test_misspelt_headers_of_contoh_stop_the_import(services: Services, admin: Actor, tmp_path: Path) -> None:
    header, rows = contoh()
    renamed = ["tgl_lahir" if h == "tanggallahir" else "agama" if h == "agama_id" else h for h in header]
    path = save(tmp_path / "renamed.xlsx", {"Sheet1": (renamed, rows)})
    with pytest.raises(HeadersToRename) as info:
        services.residents.import_residents(admin, path, dry_run=True)
    assert "tgl_lahir" in info.value.user_message() and "tanggallahir" in info.value.user_message()
    assert residents(services) == 0
    # "agama" is SIAK's header for agama_id: accepted once the date column is renamed back
    fixed = ["agama" if h == "agama_id" else h for h in header]
    report = services.residents.import_residents(admin, save(tmp_path / "agama.xlsx", {"Sheet1": (fixed, rows)}))
    assert report.created == 97
    with services.store.read() as s:
        assert s.execute(select(func.count()).select_from(Resident).where(Resident.religion.is_(None))).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Resident).where(Resident.birth_date.is_(None))).scalar_one() == 0


def test_partial_reimport_of_contoh_keeps_what_it_leaves_empty(services: Services, admin: Actor, tmp_path: Path) -> None:
    services.residents.import_residents(admin, CONTOH)
    with services.store.read() as s:
        before = s.execute(select(Resident.nik, Resident.father_name, Resident.mother_name, Resident.birth_date,
                                  Resident.nik_warnings)).all()
    header, rows = contoh()
    emptied = [list(r) for r in rows]
    for r in emptied:
        for h in ("nama_ayah", "nama_ibu", "tanggallahir", "pekerjaan_id"):
            r[header.index(h)] = None
    emptied[0][header.index("pekerjaan_id")] = 88
    report = services.residents.import_residents(admin, save(tmp_path / "partial.xlsx", {"Sheet1": (header, emptied)}))
    assert (report.updated, report.unchanged, report.rejected) == (1, 96, 0)
    with services.store.read() as s:
        after = s.execute(select(Resident.nik, Resident.father_name, Resident.mother_name, Resident.birth_date,
                                 Resident.nik_warnings)).all()
    assert sorted(after) == sorted(before)  # names, birth dates and their NIK warnings all kept


def test_format_impor_excel_template(services: Services, admin: Actor) -> None:
    report = services.residents.import_residents(admin, SAMPLES / "FormatImporExcel.xlsm")
    assert [s.name for s in report.sheets] == ["Data Penduduk"] and [s.name for s in report.skipped_sheets] == ["Kode Data"]
    assert report.rows == 1 and report.rejected == 1  # its dummy row has a made-up NIK: rejected, with reasons
    assert {i.column for i in report.issues} >= {"nik", "no_kk"}
