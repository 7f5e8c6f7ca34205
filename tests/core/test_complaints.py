"""Pengaduan: due time, the state machine, permissions, kiosk only-own, WhatsApp links, counts."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from kiosk.actor import Actor
from kiosk.errors import PermissionDenied, ValidationError
from kiosk.models import AuditEntry, Complaint, OutboxChange, Resident
from kiosk.services import Services
from kiosk.services.complaints import (
    TRANSITIONS,
    ComplaintStateError,
    KioskOwnOnly,
    normalize_phone,
    whatsapp_link,
)
from tests.helpers import admin_actor, make_user

T0 = dt.datetime(2026, 11, 2, 1, 0)  # 08.00 WIB


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(services: Services) -> Clock:
    c = Clock(T0)
    services.complaints.clock = c
    return c


def add_resident(services: Services, name: str = "Siti Aminah", phone: str = "0812-3456-7890") -> str:
    with services.store.write() as s:
        r = Resident(name=name, name_search=name.lower(), phone=phone, sex=2)
        s.add(r)
        s.flush()
        return r.id


def test_record_sets_due_time_and_syncs(services: Services, clock: Clock) -> None:
    admin = admin_actor(services)
    c = services.complaints.record(admin, "loket", "Infrastruktur", "Jalan berlubang di RT 03",
                                   reporter_name="Pak Darto", reporter_phone="081234567890")
    assert c.status == "baru"
    assert c.received_at == T0
    assert c.due_at == T0 + dt.timedelta(hours=4)
    with services.store.read() as s:
        out = s.execute(select(OutboxChange).where(OutboxChange.entity_id == c.id)).scalars().all()
        audit = s.execute(select(AuditEntry).where(AuditEntry.entity_id == c.id)).scalars().all()
    assert [o.op for o in out] == ["create"]
    assert out[0].payload["due_at"] == (T0 + dt.timedelta(hours=4)).isoformat()
    assert out[0].payload["status"] == "baru" and out[0].payload["village"] == "35.10.01.2001"
    assert [a.action for a in audit] == ["complaint.create"]


def test_response_limit_is_a_setting(services: Services, clock: Clock) -> None:
    admin = admin_actor(services)
    services.complaints.configure(admin, response_hours=2, categories=["Jalan", "Air", "jalan", " "])
    assert services.complaints.categories() == ["Jalan", "Air"]
    c = services.complaints.record(admin, "telepon", "Air", "Air PDAM mati", reporter_name="Bu Ani")
    assert c.due_at == T0 + dt.timedelta(hours=2)
    with pytest.raises(ValidationError):
        services.complaints.record(admin, "telepon", "Infrastruktur", "x", reporter_name="Bu Ani")
    with pytest.raises(ValidationError):
        services.complaints.configure(admin, response_hours=0)
    with pytest.raises(ValidationError):
        services.complaints.configure(admin, categories=[])
    operator = make_user(services, "ops", "operator")
    with pytest.raises(PermissionDenied):
        services.complaints.configure(operator, response_hours=3)


def test_validation(services: Services, clock: Clock) -> None:
    admin = admin_actor(services)
    with pytest.raises(ValidationError) as e:
        services.complaints.record(admin, "fax", "", "  ", reporter_phone="12")
    assert set(e.value.fields) == {"channel", "category", "text", "reporter_phone", "reporter_name"}


def test_state_machine(services: Services, clock: Clock) -> None:
    admin = admin_actor(services)
    cs = services.complaints
    c = cs.record(admin, "whatsapp", "Kebersihan", "Sampah menumpuk", reporter_name="Rina")
    clock.now = T0 + dt.timedelta(hours=1)
    r = cs.respond(admin, c.id, "Petugas kebersihan dijadwalkan besok pagi.")
    assert (r.status, r.first_response_at, r.first_response_by) == ("ditanggapi", clock.now, admin.user_id)
    assert r.answered_in_time is True
    with pytest.raises(ComplaintStateError) as err:
        cs.respond(admin, c.id, "lagi")
    assert "Ditanggapi" in err.value.user_message()
    clock.now = T0 + dt.timedelta(days=1)
    done = cs.resolve(admin, c.id, "Sampah sudah diangkut.")
    assert (done.status, done.resolved_at, done.resolution) == ("selesai", clock.now, "Sampah sudah diangkut.")
    assert done.version == 3
    with pytest.raises(ComplaintStateError):
        cs.resolve(admin, c.id, "lagi")
    with services.store.read() as s:
        out = s.execute(select(OutboxChange).where(OutboxChange.entity_id == c.id)
                        .order_by(OutboxChange.seq)).scalars().all()
    assert [(o.op, o.payload.get("to"), o.base_version) for o in out] == [
        ("create", None, None), ("transition", "ditanggapi", 1), ("transition", "selesai", 2)]


def test_resolve_without_response_records_both_steps(services: Services, clock: Clock) -> None:
    admin = admin_actor(services)
    c = services.complaints.record(admin, "loket", "Lainnya", "Lampu jalan mati", reporter_name="Joko")
    clock.now = T0 + dt.timedelta(hours=5)
    done = services.complaints.resolve(admin, c.id, "Lampu sudah diganti.")
    assert done.status == "selesai" and done.first_response == "Lampu sudah diganti."
    assert done.answered_in_time is False


def test_transitions_match_the_protocol() -> None:
    from sync import protocol

    assert protocol.COMPLAINT_TRANSITIONS == TRANSITIONS


def test_permissions(services: Services, clock: Clock) -> None:
    admin = admin_actor(services)
    c = services.complaints.record(admin, "loket", "Lainnya", "Teks", reporter_name="A")
    nobody = Actor(user_id="x", username="x", role="guest")
    for call in (lambda: services.complaints.record(nobody, "loket", "Lainnya", "T", reporter_name="A"),
                 lambda: services.complaints.respond(nobody, c.id, "T"),
                 lambda: services.complaints.list(nobody),
                 lambda: services.complaints.counts(nobody)):
        with pytest.raises(PermissionDenied):
            call()
    operator = make_user(services, "ops", "operator")
    assert services.complaints.respond(operator, c.id, "Sudah kami catat").status == "ditanggapi"


def test_kiosk_files_only_for_itself(services: Services, clock: Clock) -> None:
    me = add_resident(services)
    other = add_resident(services, "Budi")
    kiosk = Actor.kiosk(me)
    c = services.complaints.record(kiosk, "loket", "Keamanan", "Pencurian ternak")
    assert (c.channel, c.reporter_resident_id, c.reporter_name) == ("kios", me, "Siti Aminah")
    assert c.reporter_phone == "0812-3456-7890"
    with pytest.raises(KioskOwnOnly):
        services.complaints.record(kiosk, "kios", "Keamanan", "x", reporter_resident_id=other)
    admin = admin_actor(services)
    theirs = services.complaints.record(admin, "loket", "Keamanan", "y", reporter_resident_id=other)
    assert [x.id for x in services.complaints.list(kiosk)] == [c.id]
    with pytest.raises(KioskOwnOnly):
        services.complaints.get(kiosk, theirs.id)
    with pytest.raises(PermissionDenied):
        services.complaints.respond(kiosk, c.id, "sendiri")


def test_phone_normalisation() -> None:
    assert normalize_phone("0812-3456-7890") == "6281234567890"
    assert normalize_phone("+62 812 3456 7890") == "6281234567890"
    assert normalize_phone("6281234567890") == "6281234567890"
    assert normalize_phone("81234567890") == "6281234567890"
    assert normalize_phone("0062 812 3456 789") == "62812345678" + "9"
    assert normalize_phone("12") is None
    assert normalize_phone("") is None


def test_whatsapp_link(services: Services, clock: Clock) -> None:
    admin = admin_actor(services)
    c = services.complaints.record(admin, "whatsapp", "Bantuan sosial", "BLT belum cair",
                                   reporter_name="Bu Sri", reporter_phone="0813 1111 2222")
    link = services.complaints.whatsapp_link(c)
    assert link is not None
    url = urlparse(link)
    assert (url.scheme, url.netloc, url.path) == ("https", "wa.me", "/6281311112222")
    message = parse_qs(url.query)["text"][0]
    assert message.startswith("Yth. Bapak/Ibu Bu Sri,")
    assert "Bantuan sosial" in message and "Kantor Desa Sarongan" in message
    assert "sedang kami tindak lanjuti" in message
    answered = services.complaints.respond(admin, c.id, "Data Ibu sudah kami kirim ke Dinsos.")
    message = parse_qs(urlparse(services.complaints.whatsapp_link(answered) or "").query)["text"][0]
    assert "Tanggapan kami: Data Ibu sudah kami kirim ke Dinsos." in message
    nophone = services.complaints.record(admin, "loket", "Lainnya", "x", reporter_name="Tanpa HP")
    assert whatsapp_link(nophone) is None


def test_counts_and_overdue_with_a_fixed_clock(services: Services, clock: Clock) -> None:
    admin = admin_actor(services)
    cs = services.complaints
    ids = []
    for minutes in (0, 60, 120, 200):  # received at T0 + minutes; due 4 hours later
        clock.now = T0 + dt.timedelta(minutes=minutes)
        ids.append(cs.record(admin, "loket", "Lainnya", f"keluhan {minutes}", reporter_name="X").id)
    clock.now = T0 + dt.timedelta(hours=4, minutes=30)
    # due: 4:00 (overdue), 5:00 (due soon), 6:00, 7:20
    counts = cs.counts(admin)
    assert (counts.open, counts.awaiting, counts.overdue, counts.due_soon) == (4, 4, 1, 1)
    assert [c.id for c in cs.list(admin, overdue_only=True)] == [ids[0]]
    cs.respond(admin, ids[0], "ditangani")  # a late response still stops the clock
    cs.resolve(admin, ids[1], "selesai")
    counts = cs.counts(admin)
    assert (counts.open, counts.awaiting, counts.overdue, counts.due_soon) == (3, 2, 0, 0)
    listed = cs.list(admin)
    assert [c.id for c in listed] == [ids[0], ids[2], ids[3], ids[1]]  # open by due time, done last
    assert [c.id for c in cs.list(admin, status="selesai")] == [ids[1]]
    info = cs.get(admin, ids[2])
    assert info.remaining(clock.now) == dt.timedelta(hours=1, minutes=30)
    assert not info.is_overdue(clock.now)
    with services.store.read() as s:
        assert s.execute(select(Complaint).where(Complaint.id == ids[0])).scalar_one().status == "ditanggapi"
