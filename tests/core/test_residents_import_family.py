"""Issue 14, item 5: the import follows the family and event rules of the screens (ResidentService):
a head moving to another KK, a head's new address reaching the family, one head per KK, and a resident
becoming MATI/PINDAH/HILANG recording the event — or the row is rejected with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.actor import Actor
from kiosk.changes import verify_audit_chain
from kiosk.models import Family, OutboxChange, PopulationEvent
from kiosk.services import Services
from tests.core.test_residents_import_sheets import KK1, KK2, KK3, person, stored, workbook
from tests.helpers import admin_actor


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)


@pytest.fixture
def village(services: Services, admin: Actor, tmp_path: Path) -> dict[str, dict]:
    """KK1: head 1, wife 2, child 3; KK2: head 11, child 12."""
    people = {"h1": person(1, KK1, kk_level=1), "w1": person(2, KK1, kk_level=3), "c1": person(3, KK1, kk_level=4),
              "h2": person(11, KK2, kk_level=1), "c2": person(12, KK2, kk_level=4)}
    report = services.residents.import_residents(admin, workbook(tmp_path / "v.xlsx", {"Data": list(people.values())}))
    assert report.created == 5 and report.rejected == 0
    return people


def family(services: Services, kk: str) -> Family:
    with services.store.read() as s:
        fam = s.execute(select(Family).where(Family.kk_number == kk)).scalar_one()
        s.expunge(fam)
        return fam


def test_head_moving_to_another_kk_leaves_the_old_family_without_head(
    services: Services, admin: Actor, tmp_path: Path, village: dict[str, dict],
) -> None:
    h1 = stored(services, village["h1"]["nik"])
    assert family(services, KK1).head_resident_id == h1.id
    moved = dict(village["h1"], no_kk=KK3, kk_level=1)
    report = services.residents.import_residents(admin, workbook(tmp_path / "m.xlsx", {"Data": [moved]}))
    assert (report.updated, report.rejected, report.families_created) == (1, 0, 1), report.issues
    assert {f.column for f in report.changes[0].fields} == {"no_kk"}
    h1 = stored(services, village["h1"]["nik"])
    assert (h1.kk_number, h1.family_id, h1.family_relation) == (KK3, family(services, KK3).id, 1)
    assert family(services, KK3).head_resident_id == h1.id
    old = family(services, KK1)
    assert old.head_resident_id is None and old.active  # its wife and child still live there
    with services.store.read() as s:
        changes = s.execute(select(OutboxChange).where(OutboxChange.entity_id == old.id,
                                                       OutboxChange.op == "update")).scalars().all()
        assert any(c.payload.get("head_resident_id", "x") is None for c in changes)
        assert verify_audit_chain(s).ok


def test_heads_new_address_and_rt_reach_the_family(
    services: Services, admin: Actor, tmp_path: Path, village: dict[str, dict],
) -> None:
    rows = [dict(village["h1"], rt="5", alamat="Jl. Kenanga 9"), dict(village["c1"], rt="7")]
    report = services.residents.import_residents(admin, workbook(tmp_path / "a.xlsx", {"Data": rows}))
    assert (report.updated, report.rejected) == (2, 0), report.issues
    fam = family(services, KK1)
    assert (fam.rt, fam.address) == ("005", "Jl. Kenanga 9")  # the head's, not the child's
    assert stored(services, village["c1"]["nik"]).rt == "007"


def test_a_second_head_in_one_kk_is_rejected_with_the_reason(
    services: Services, admin: Actor, tmp_path: Path, village: dict[str, dict],
) -> None:
    new_kk = [person(21, "3510012304100009", kk_level=1), person(22, "3510012304100009", kk_level=1)]
    usurper = person(23, KK2, kk_level=1)
    report = services.residents.import_residents(admin, workbook(tmp_path / "a.xlsx", {"Data": [*new_kk, usurper]}))
    assert report.created == 1 and report.rejected == 2
    reasons = {i.row: (i.column, i.code, i.reason) for i in report.issues}
    assert reasons[3][:2] == ("kk_level", "second_head_in_kk") and "2" in reasons[3][2]
    assert reasons[4][:2] == ("kk_level", "kk_has_head") and "3510********0011" in reasons[4][2]
    assert family(services, KK2).head_resident_id == stored(services, village["h2"]["nik"]).id

    # a change of head in one file: the old head becomes a member, the new one is head
    swap = [dict(village["h2"], kk_level=2), dict(village["c2"], kk_level=1)]
    report = services.residents.import_residents(admin, workbook(tmp_path / "b.xlsx", {"Data": swap}))
    assert (report.updated, report.rejected) == (2, 0), report.issues
    assert family(services, KK2).head_resident_id == stored(services, village["c2"]["nik"]).id
    assert stored(services, village["h2"]["nik"]).family_relation == 2


@pytest.mark.parametrize(("status", "code", "kind"), [("MATI", 2, "death"), ("PINDAH DALAM NEGERI", 3, "move_out"),
                                                      ("HILANG", 4, "status_change")])
def test_status_by_import_records_the_event(
    services: Services, admin: Actor, tmp_path: Path, village: dict[str, dict], status: str, code: int, kind: str,
) -> None:
    row = dict(village["h1"], status_dasar=status)
    report = services.residents.import_residents(admin, workbook(tmp_path / "a.xlsx", {"Data": [row]}))
    assert (report.updated, report.rejected) == (1, 0), report.issues
    h1 = stored(services, village["h1"]["nik"])
    assert h1.status == code
    with services.store.read() as s:
        events = s.execute(select(PopulationEvent).where(PopulationEvent.resident_id == h1.id)).scalars().all()
        assert [(e.kind, e.details["source"], e.details["previous_status"]) for e in events] == [(kind, "import", 1)]
        assert s.execute(select(OutboxChange).where(OutboxChange.entity == "population_event")).first() is not None
    assert family(services, KK1).head_resident_id is None  # a head who left leaves the family without one
    assert [(f.column, f.old, f.new) for f in report.changes[0].fields] == [("status_dasar", 1, code)]


def test_a_status_the_screens_refuse_rejects_the_row(
    services: Services, admin: Actor, tmp_path: Path, village: dict[str, dict],
) -> None:
    services.residents.import_residents(admin, workbook(tmp_path / "a.xlsx",
                                                        {"Data": [dict(village["c2"], status_dasar="MATI")]}))
    again = dict(village["c2"], status_dasar="PINDAH", pekerjaan_id=9, ayah_nik="12")  # and a warning
    report = services.residents.import_residents(admin, workbook(tmp_path / "b.xlsx", {"Data": [again]}))
    assert (report.updated, report.rejected) == (0, 1)
    assert report.warnings == [] and report.rows_with_warnings == 0  # a rejected row is not "imported with warnings"
    assert report.issues[0].column == "status_dasar" and "tidak aktif" in report.issues[0].reason
    c2 = stored(services, village["c2"]["nik"])
    assert (c2.status, c2.occupation) == (2, 2)  # nothing of the rejected row was written
    with services.store.read() as s:
        kinds = [e.kind for e in s.execute(select(PopulationEvent).where(PopulationEvent.resident_id == c2.id)).scalars()]
    assert kinds == ["death"]
