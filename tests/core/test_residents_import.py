"""Importing and exporting residents: counts, idempotence, rejects, interrupted imports, round trip."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk.actor import Actor
from kiosk.canonical import payload_hash
from kiosk.changes import verify_audit_chain
from kiosk.errors import PermissionDenied
from kiosk.importer import ImportFileError, write_rejects_csv, write_workbook
from kiosk.models import Family, OutboxChange, Resident
from kiosk.services import Services
from kiosk.services.demo import generate_village
from kiosk.services.residents_import import resident_to_values
from tests.helpers import admin_actor

TODAY = dt.date(2026, 11, 27)


def village_rows(n: int, seed: int = 7) -> list[dict[str, Any]]:
    _families, people = generate_village(n, seed, today=dt.date(2025, 1, 1))
    return [resident_to_values(p) for p in people]


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)


def counts(services: Services) -> tuple[int, int, int]:
    with services.store.read() as s:
        return (s.execute(select(func.count()).select_from(Resident)).scalar_one(),
                s.execute(select(func.count()).select_from(Family)).scalar_one(),
                s.execute(select(func.count()).select_from(OutboxChange)).scalar_one())


def test_import_counts_and_idempotent_reimport(services: Services, admin: Actor, tmp_path: Path) -> None:
    rows = village_rows(300)
    bad = dict(rows[0], nik="3510011213800001", name="Salah Bulan")  # month 13
    bad2 = dict(rows[1], nik="12345", name=None)
    path = tmp_path / "penduduk.xlsx"
    write_workbook(path, [*rows, bad, bad2], end_marker=True)
    before = counts(services)
    seen: list[tuple[int, int]] = []
    report = services.residents.import_residents(admin, path, progress=lambda d, t: seen.append((d, t)),
                                                 batch_size=100)
    assert (report.rows, report.created, report.updated, report.unchanged, report.rejected) == (302, 300, 0, 0, 2)
    assert {i.row for i in report.issues} == {302, 303}
    assert {i.column for i in report.issues} >= {"nik", "nama"}
    assert seen[0] == (0, 300) and seen[-1] == (300, 300)
    n_res, n_fam, n_out = counts(services)
    assert n_res - before[0] == 300
    assert n_out - before[2] == 300 + (n_fam - before[1])  # one outbox row per created record
    assert report.families_created == n_fam - before[1]
    with services.store.read() as s:
        assert verify_audit_chain(s).ok
        change = s.execute(select(OutboxChange).where(OutboxChange.entity == "resident").limit(1)).scalar_one()
        assert change.payload["village"] == "35.10.01.2001"
        assert change.payload_hash == payload_hash(change.payload)
        heads = s.execute(select(func.count()).select_from(Family).where(Family.head_resident_id.is_not(None)))
        assert heads.scalar_one() == n_fam
        found = s.execute(select(Resident.name_search).where(Resident.nik == rows[5]["nik"])).scalar_one()
        assert found
    assert services.residents.search(admin, rows[5]["name"].split()[0][:3], limit=500).rows

    again = services.residents.import_residents(admin, path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 300, 2)
    assert counts(services) == (n_res, n_fam, n_out)

    changed = [dict(r) for r in rows]
    changed[10]["occupation"] = 1
    changed[11]["name"] = changed[11]["name"] + " Baru"
    write_workbook(path, changed)
    third = services.residents.import_residents(admin, path)
    assert (third.created, third.updated, third.unchanged) == (0, 2, 298)
    with services.store.read() as s:
        upd = s.execute(select(OutboxChange).where(OutboxChange.op == "update")).scalars().all()
        assert len(upd) == 2 and all(u.base_version == 1 for u in upd)
        assert {k for u in upd for k in u.payload} <= {"occupation", "name", "village"}
    assert services.residents.search(admin, "baru").rows[0].nik == changed[11]["nik"]


def test_dry_run_writes_nothing(services: Services, admin: Actor, tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    write_workbook(path, village_rows(50))
    before = counts(services)
    report = services.residents.import_residents(admin, path, dry_run=True)
    assert report.created == 50 and report.dry_run
    assert counts(services) == before


def test_rejects_csv(services: Services, admin: Actor, tmp_path: Path) -> None:
    rows = village_rows(5)
    rows[2]["sex"] = None
    rows[3]["birth_date"] = dt.date(2999, 1, 1)
    path = tmp_path / "p.xlsx"
    write_workbook(path, rows)
    report = services.residents.import_residents(admin, path)
    assert report.rejected == 2 and report.created == 3
    out = tmp_path / "rejects.csv"
    write_rejects_csv(out, report.rejected_rows)
    with out.open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert len(lines) == 3 and {line[1] for line in lines[1:]} == {"4", "5"}
    assert {line[0] for line in lines[1:]} == {"Data Penduduk"} and all("*" in line[2] for line in lines[1:])


def test_kill_mid_import_leaves_whole_families(services: Services, admin: Actor, tmp_path: Path) -> None:
    rows = village_rows(400)
    path = tmp_path / "p.xlsx"
    write_workbook(path, rows)
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 3:  # after two committed batches
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        services.residents.import_residents(admin, path, progress=progress, batch_size=64)
    file_sizes: dict[str, int] = {}
    for r in rows:
        file_sizes[r["kk_number"]] = file_sizes.get(r["kk_number"], 0) + 1
    with services.store.read() as s:
        imported = s.execute(select(Resident.kk_number, func.count()).group_by(Resident.kk_number)).all()
        assert imported and sum(n for _kk, n in imported) == calls[-1]
        for kk, n in imported:
            assert n == file_sizes[kk], "a family was imported in part"
        assert verify_audit_chain(s).ok
    # resuming finishes the job without duplicates
    report = services.residents.import_residents(admin, path)
    assert report.created + report.unchanged == 400 and report.unchanged == calls[-1]


def test_export_round_trip(services: Services, admin: Actor, tmp_path: Path) -> None:
    rows = village_rows(120)
    rows[0]["name"] = "=HYPERLINK(\"x\")"
    rows[1]["extra_col"] = None
    rows[2]["passport"] = "A123"
    rows[2]["marriage_date"] = dt.date(2001, 2, 3)
    rows[3]["nik"] = None
    path = tmp_path / "in.xlsx"
    write_workbook(path, rows)
    services.residents.import_residents(admin, path)
    out = tmp_path / "out.xlsx"
    assert services.residents.export_residents(admin, out) == 120
    report = services.residents.import_residents(admin, out)
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 120, 0)
    from kiosk.importer import read_residents

    back = {r.values["name"]: r.values for r in read_residents(out)}
    assert back["=HYPERLINK(\"x\")"]["nik"] == rows[0]["nik"]
    assert back[rows[2]["name"]]["marriage_date"] == dt.date(2001, 2, 3)


def test_unreadable_files_and_permission(services: Services, admin: Actor, tmp_path: Path) -> None:
    junk = tmp_path / "x.xlsx"
    junk.write_bytes(b"not a workbook at all")
    with pytest.raises(ImportFileError):
        services.residents.import_residents(admin, junk)
    with pytest.raises(ImportFileError):
        services.residents.import_residents(admin, tmp_path / "missing.xlsx")
    with pytest.raises(PermissionDenied):
        services.residents.import_residents(Actor.kiosk("r"), junk)


def test_csv_with_same_headers(services: Services, admin: Actor, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("nama,nik,sex,alamat,no_kk,tanggallahir,kk_level\n"
                    "Sanusi,3510011205800001,L,Krajan,3510010101100001,12-05-1980,1\n"
                    "Painem,,P,Krajan,3510010101100001,01-07-1982,ISTRI\n", encoding="utf-8")
    report = services.residents.import_residents(admin, path)
    assert (report.created, report.rejected, report.families_created) == (2, 0, 1)
    again = services.residents.import_residents(admin, path)
    assert again.unchanged == 2 and again.created == 0  # "NIK belum ada" matched by name, date and KK


def test_outbox_payloads_are_canonical_and_match_the_rows(services: Services, admin: Actor, tmp_path: Path) -> None:
    """New residents' payloads are built from a template: they must be exactly the canonical JSON of
    the synced columns as stored (plus the village), hashed as kiosk.canonical hashes them."""
    import json

    from kiosk.canonical import canonical_json

    rows = village_rows(60)
    rows[0].update(name="Ñoman Ré'sa \"Ketut\"", nik=None, passport="Ä1", lat=-8.25, marriage_date=dt.date(2001, 2, 3))
    rows[1].update(name="Budi\\Santoso", father_name="Ahmad ‘Ali’", nik="3510011505800000")  # serial 0000
    path = tmp_path / "p.xlsx"
    write_workbook(path, rows)
    report = services.residents.import_residents(admin, path)
    assert (report.created, report.rejected) == (59, 1)
    sync_cols = [c.key for c in Resident.__table__.columns
                 if c.key not in ("pin_hash", "created_at", "updated_at", "name_search")]
    with services.store.read() as s:
        stored = {r.id: r for r in s.execute(select(Resident)).scalars()}
        changes = s.execute(select(OutboxChange).where(OutboxChange.entity == "resident")).scalars().all()
        raw = dict(s.connection().exec_driver_sql("SELECT change_id, payload FROM outbox_change").all())
    assert len(changes) == 59
    for change in changes:
        text = raw[change.change_id]
        assert canonical_json(json.loads(text)).decode("utf-8") == text
        assert change.payload_hash == payload_hash(change.payload)
        r = stored[change.entity_id]
        expected = {c: getattr(r, c) for c in sync_cols}
        expected["birth_date"] = r.birth_date.isoformat() if r.birth_date else None
        expected["village"] = "35.10.01.2001"
        assert change.payload == expected
    with services.store.read() as s:
        families = {f.id: f for f in s.execute(select(Family)).scalars()}
        family_changes = s.execute(select(OutboxChange).where(OutboxChange.entity == "family")).scalars().all()
    assert len(family_changes) == len(families) == report.families_created
    for change in family_changes:
        text = raw[change.change_id]
        assert canonical_json(json.loads(text)).decode("utf-8") == text
        f = families[change.entity_id]
        assert change.payload == {"kk_number": f.kk_number, "head_resident_id": f.head_resident_id,
                                  "address": f.address, "rt": f.rt, "rw": f.rw, "dusun": f.dusun, "active": True,
                                  "village": "35.10.01.2001"}
    accented = next(r for r in stored.values() if r.name.startswith("Ñoman"))
    assert accented.name_search == "noman resa ketut" and accented.extra["lat"] == -8.25
    again = services.residents.import_residents(admin, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 59)


def test_reimport_updates_only_what_changed(services: Services, admin: Actor, tmp_path: Path) -> None:
    rows = village_rows(30)
    rows[4]["nik"] = None
    path = tmp_path / "p.xlsx"
    write_workbook(path, rows)
    services.residents.import_residents(admin, path)
    rows[4]["passport"] = "X9"  # extra column, resident without NIK
    rows[5]["birth_date"] = rows[5]["birth_date"] + dt.timedelta(days=1)  # a NIK warning now, still imported
    rows[6]["passport"] = "P1"
    write_workbook(path, rows)
    report = services.residents.import_residents(admin, path)
    assert (report.created, report.updated, report.unchanged) == (0, 3, 27)
    with services.store.read() as s:
        upd = {u.entity_id: u for u in s.execute(select(OutboxChange).where(OutboxChange.op == "update")).scalars()}
        by_name = {r.name: r for r in s.execute(select(Resident)).scalars()}
    assert by_name[rows[4]["name"]].extra == {"passport": "X9"} and by_name[rows[4]["name"]].version == 2
    assert upd[by_name[rows[4]["name"]].id].payload == {"extra": {"passport": "X9"}, "village": "35.10.01.2001"}
    assert upd[by_name[rows[5]["name"]].id].payload["birth_date"] == rows[5]["birth_date"].isoformat()
    rows[6]["passport"] = None  # an empty cell keeps the stored value
    write_workbook(path, rows)
    report = services.residents.import_residents(admin, path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 30)
    with services.store.read() as s:
        assert s.execute(select(Resident.extra).where(Resident.nik == rows[6]["nik"])).scalar_one() == {"passport": "P1"}
    rows[6]["passport"] = "-"  # the clearing marker takes it out of extra
    write_workbook(path, rows)
    report = services.residents.import_residents(admin, path)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 29)
    assert [(f.column, f.old, f.new) for c in report.changes for f in c.fields] == [("dokumen_pasport", "P1", None)]
    with services.store.read() as s:
        assert s.execute(select(Resident.extra).where(Resident.nik == rows[6]["nik"])).scalar_one() == {}
