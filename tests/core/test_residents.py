"""ResidentService: registering, editing, NIK rules, families, events, PIN, permissions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kiosk.actor import Actor
from kiosk.changes import verify_audit_chain
from kiosk.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kiosk.models import AuditEntry, OutboxChange
from kiosk.security import verify_secret
from kiosk.services import Services
from kiosk.services.residents import NikWarnings, ResidentService
from tests.helpers import admin_actor, make_user

KK1 = "3510010101100001"
KK2 = "3510010202100002"


def nik(day: int, month: int, year: int, serial: int = 1, female: bool = False) -> str:
    return f"351001{day + (40 if female else 0):02d}{month:02d}{year % 100:02d}{serial:04d}"


def person(name: str = "Slamet", **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": name, "sex": 1, "birth_date": dt.date(1980, 5, 12),
                            "nik": nik(12, 5, 1980), "dusun": "Krajan", "rt": "1", "rw": "2"}
    base.update(kw)
    return base


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)


@pytest.fixture
def rs(services: Services) -> ResidentService:
    return services.residents


def outbox(services: Services, entity_id: str) -> list[OutboxChange]:
    with services.store.read() as s:
        return list(s.execute(select(OutboxChange).where(OutboxChange.entity_id == entity_id)
                              .order_by(OutboxChange.seq)).scalars())


def test_register_writes_audit_and_outbox(services: Services, rs: ResidentService, admin: Actor) -> None:
    r = rs.register(admin, person())
    assert r.version == 1 and r.status == 1 and r.rt == "001" and r.rw == "002"
    changes = outbox(services, r.id)
    assert [c.op for c in changes] == ["create"]
    assert changes[0].payload["nik"] == r.nik and "pin_hash" not in changes[0].payload
    assert changes[0].payload["village"] == "35.10.01.2001"
    with services.store.read() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.entity_id == r.id)).scalar_one()
        assert r.nik not in str(entry.details)
        assert verify_audit_chain(s).ok


def test_single_name_and_titles_are_fine(rs: ResidentService, admin: Actor) -> None:
    r = rs.register(admin, person("H. Ma'ruf", nik=None))
    assert r.nik is None and r.name == "H. Ma'ruf"


@pytest.mark.parametrize(("value", "code_field"), [
    ("123", "nik"),  # not 16 digits
    ("9910011205800001", "nik"),  # unknown province
    ("3599011205800001", "nik"),  # unknown kabupaten
    ("3510011213800001", "nik"),  # month 13
    ("3510013205800001", "nik"),  # day 32
    ("3510011205800000", "nik"),  # serial 0000
])
def test_nik_hard_errors(rs: ResidentService, admin: Actor, value: str, code_field: str) -> None:
    with pytest.raises(ValidationError) as info:
        rs.register(admin, person(nik=value))
    assert code_field in info.value.fields
    assert info.value.field_messages()[code_field]


def test_nik_of_another_active_resident_is_an_error(rs: ResidentService, admin: Actor) -> None:
    first = rs.register(admin, person())
    with pytest.raises(ValidationError) as info:
        rs.register(admin, person("Lain"))
    assert "nik" in info.value.fields
    # once the holder has died, the number is free again (a data correction, not a duplicate)
    rs.record_death(admin, first.id, date=dt.date(2025, 1, 1))
    assert rs.register(admin, person("Lain")).nik == first.nik


def test_required_fields(rs: ResidentService, admin: Actor) -> None:
    with pytest.raises(ValidationError) as info:
        rs.register(admin, {"name": "  ", "sex": None})
    assert set(info.value.fields) >= {"name", "sex"}


def test_warnings_need_simpan_tetap_and_are_recorded(services: Services, rs: ResidentService, admin: Actor) -> None:
    data = person(birth_date=dt.date(1981, 5, 12))  # NIK says 1980
    with pytest.raises(NikWarnings) as info:
        rs.register(admin, data)
    assert [w.code for w in info.value.warnings] == ["nik_date_mismatch"]
    assert "1981" in info.value.user_message()
    r = rs.register(admin, data, accept_warnings=True)
    assert r.nik_warnings == [{"code": "nik_date_mismatch", "field": "nik"}]
    assert rs.history(admin, r.id)[0].details["accepted_warnings"] == ["nik_date_mismatch"]


def test_sex_mismatch_and_old_kecamatan_are_warnings(rs: ResidentService, admin: Actor) -> None:
    with pytest.raises(NikWarnings) as info:
        rs.register(admin, person(sex=2))
    assert "nik_sex_mismatch" in [w.code for w in info.value.warnings]
    with pytest.raises(NikWarnings) as info:
        rs.register(admin, person(nik="3510991205800001"))  # kecamatan 99 not in today's list
    assert [w.code for w in info.value.warnings] == ["nik_kecamatan_unknown"]


def test_edit_versions_history_and_conflict(services: Services, rs: ResidentService, admin: Actor) -> None:
    r = rs.register(admin, person())
    r2 = rs.edit(admin, r.id, {"phone": "08123", "occupation": "PETANI/PEKEBUN"}, base_version=1)
    assert r2.version == 2 and r2.occupation is not None
    assert rs.edit(admin, r.id, {"phone": "08123"}).version == 2  # nothing changed: no new version
    r3 = rs.edit(admin, r.id, {"name": "Slamet Riyadi"}, base_version=2)
    assert r3.version == 3
    with pytest.raises(ConflictError):
        rs.edit(admin, r.id, {"phone": "1"}, base_version=2)
    hist = rs.history(admin, r.id)
    assert [h.fields for h in hist] == [hist[0].fields, ("occupation", "phone"), ("name",)]
    assert all(h.username == "admin" for h in hist)
    updates = [c for c in outbox(services, r.id) if c.op == "update"]
    assert updates[0].payload.keys() - {"village"} == {"phone", "occupation"}
    assert [c.base_version for c in updates] == [1, 2]
    assert rs.search(admin, "riyad").rows[0].id == r.id


def test_family_create_add_move_split_change_head(rs: ResidentService, admin: Actor) -> None:
    head = rs.register(admin, person("Bambang", kk_number=KK1, family_relation=1))
    fam = rs.family(admin, head.family_id or "")
    assert fam.kk_number == KK1 and fam.head_resident_id == head.id
    wife = rs.register(admin, person("Sri", nik=nik(52, 6, 1985, female=False), sex=2,
                                     birth_date=dt.date(1985, 6, 12)), accept_warnings=True)
    rs.add_member(admin, fam.id, wife.id, 3)
    kid = rs.register(admin, person("Dimas", nik=nik(1, 2, 2005), birth_date=dt.date(2005, 2, 1),
                                    family_id=fam.id, family_relation=4))
    assert len(rs.family(admin, fam.id).members) == 3
    # pecah KK: the son leaves with a new KK and heads it
    old, new = rs.split_family(admin, fam.id, new_kk_number=KK2, member_ids=[], head_id=kid.id)
    assert {m.id for m in old.members} == {head.id, wife.id}
    assert new.head_resident_id == kid.id and new.kk_number == KK2
    assert rs.get(admin, kid.id).kk_number == KK2 and rs.get(admin, kid.id).family_relation == 1
    # change head: the wife becomes head, the old head becomes husband
    after = rs.change_head(admin, fam.id, wife.id, old_head_relation=2)
    assert after.head_resident_id == wife.id
    assert rs.get(admin, head.id).family_relation == 2
    # moving the head out leaves the family asking for a head
    moved = rs.move_member(admin, wife.id, new.id, 3)
    assert moved.old_family_needs_head == fam.id and rs.family(admin, fam.id).needs_head
    with pytest.raises(ValidationError):
        rs.add_member(admin, new.id, head.id, 1)  # the new KK already has a head


def test_duplicate_kk_rejected(rs: ResidentService, admin: Actor) -> None:
    rs.create_family(admin, kk_number=KK1)
    with pytest.raises(ValidationError):
        rs.create_family(admin, kk_number=KK1)
    with pytest.raises(ValidationError):
        rs.create_family(admin, kk_number="3510010101100000")


def test_events_birth_death_move(services: Services, rs: ResidentService, admin: Actor) -> None:
    father = rs.register(admin, person("Agus", kk_number=KK1, family_relation=1))
    mother = rs.register(admin, person("Siti", nik=nik(10, 3, 1988, female=True), sex=2,
                                       birth_date=dt.date(1988, 3, 10), family_id=father.family_id,
                                       family_relation=3))
    born = rs.record_birth(admin, {"name": "Bayi", "sex": 2, "birth_date": dt.date(2026, 1, 5),
                                   "birth_place": "Banyuwangi", "nik": None},
                           father_id=father.id, mother_id=mother.id, details={"weight_g": 3100})
    child = born.resident
    assert child.family_id == father.family_id and child.family_relation == 4
    assert child.father_name == "Agus" and child.mother_nik == mother.nik and child.dusun == "Krajan"
    assert born.event.kind == "birth" and born.event.details["weight_g"] == 3100

    died = rs.record_death(admin, father.id, date=dt.date(2026, 3, 1), place="Rumah", cause="Sakit")
    assert died.resident.status == 2 and died.family_needs_head == father.family_id
    assert died.event.details["place"] == "Rumah" and died.event.details["cause"] == "Sakit"
    with pytest.raises(ValidationError):
        rs.record_death(admin, father.id, date=dt.date(2026, 3, 1))
    with pytest.raises(ValidationError):
        rs.change_head(admin, father.family_id or "", father.id)
    rs.change_head(admin, father.family_id or "", mother.id)

    out = rs.record_move_out(admin, mother.id, date=dt.date(2026, 4, 1), destination="Surabaya")
    assert out.resident.status == 3 and out.event.details["destination"] == "Surabaya"
    back = rs.record_move_in(admin, date=dt.date(2026, 6, 1), origin="Surabaya", resident_id=mother.id)
    assert back.resident.status == 1 and back.event.details["returning"] is True
    newcomer = rs.record_move_in(admin, date=dt.date(2026, 6, 2), origin="Jember",
                                 data=person("Pendatang", nik=nik(3, 3, 1990)) | {"birth_date": dt.date(1990, 3, 3)})
    assert newcomer.resident.status == 1 and newcomer.event.details["returning"] is False
    kinds = [e.kind for e in rs.events(admin, mother.id)]
    assert kinds == ["move_out", "move_in"]
    with pytest.raises(ValidationError):
        rs.record_move_out(admin, child.id, date=dt.date(2026, 4, 1), destination=" ")
    with services.store.read() as s:
        assert verify_audit_chain(s).ok
        events = s.execute(select(OutboxChange).where(OutboxChange.entity == "population_event")).scalars().all()
        assert len(events) == 5


def test_pin_set_and_reset(services: Services, rs: ResidentService, admin: Actor) -> None:
    r = rs.register(admin, person())
    with pytest.raises(ValidationError):
        rs.set_pin(admin, r.id, "12345")
    with pytest.raises(ValidationError):
        rs.set_pin(admin, r.id, "12a456")
    rs.set_pin(admin, r.id, "482916")
    stored = rs.pin_hash(r.id)
    assert stored and "482916" not in stored and verify_secret(stored, "482916")
    # the Argon2 hash (never the PIN) is synced as a resident update, for the village's kiosks (issue 19.2)
    assert rs.get(admin, r.id).has_pin and rs.get(admin, r.id).version == 2
    assert all("482916" not in str(c.payload) for c in outbox(services, r.id))
    assert [c.payload.get("pin_hash") for c in outbox(services, r.id) if c.op == "update"] == [stored]
    rs.clear_pin(admin, r.id)
    assert rs.pin_hash(r.id) is None
    assert [h.action for h in rs.history(admin, r.id)][-2:] == ["resident.set_pin", "resident.clear_pin"]


def test_permissions(services: Services, rs: ResidentService) -> None:
    kiosk = Actor.kiosk("someone")
    with pytest.raises(PermissionDenied):
        rs.register(kiosk, person())
    with pytest.raises(PermissionDenied):
        rs.search(kiosk, "sla")
    with pytest.raises(PermissionDenied):
        rs.set_pin(kiosk, "x", "123456")
    operator = make_user(services, "operator", "operator")
    r = rs.register(operator, person())
    with pytest.raises(PermissionDenied):
        services.users.create_user(operator, username="x", full_name="X", role="admin", password="12345678")
    with pytest.raises(NotFound):
        rs.get(operator, "missing")
    assert rs.get(operator, r.id).name == "Slamet"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(alphabet=st.characters(codec="utf-8", categories=["L", "Zs", "Po"]), min_size=1, max_size=40))
def test_any_nonblank_name_is_findable(rs: ResidentService, admin: Actor, name: str) -> None:
    from kiosk.text import fold_name

    if not fold_name(name).strip() or not name.strip():
        return
    r = rs.register(admin, person(name, nik=None))
    token = fold_name(name).split()[0][:3]
    ids = [row.id for row in rs.search(admin, token, limit=1000).rows]
    assert r.id in ids
