"""Kiosk identification: NIK + PIN, per-NIK lockout that never reveals whether a NIK exists."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from kiosk.actor import Actor
from kiosk.errors import PermissionDenied
from kiosk.models import AuditEntry, LetterRequest, LoginAttempt, utcnow
from kiosk.services import Services
from kiosk.services.kiosk_auth import KioskIdentifyFailed, KioskLocked
from tests.helpers import admin_actor

NIK = "3510011205800001"
OTHER_NIK = "3510015206850002"
UNKNOWN_NIK = "3510010101900009"
PIN = "246810"


def register(services: Services, name: str, nik: str, *, pin: str | None = PIN, sex: int = 1,
             birth: dt.date = dt.date(1980, 5, 12)) -> str:
    admin = admin_actor(services)
    record = services.residents.register(admin, {"name": name, "nik": nik, "sex": sex, "birth_date": birth,
                                                 "dusun": "Krajan", "rt": "1", "rw": "2"},
                                         accept_warnings=True)
    if pin:
        services.residents.set_pin(admin, record.id, pin)
    return record.id


@pytest.fixture
def resident_id(services: Services) -> str:
    return register(services, "Slamet Riyadi", NIK)


def test_identify_returns_kiosk_actor(services: Services, resident_id: str) -> None:
    actor = services.kiosk_auth.identify(NIK, PIN)
    assert actor.role == "resident" and actor.user_id == resident_id and actor.device_id
    profile = services.kiosk_auth.profile(actor)
    assert profile.name == "Slamet Riyadi"
    assert profile.masked_nik == "3510********0001"


def test_same_message_for_every_mismatch(services: Services, resident_id: str) -> None:
    no_pin = register(services, "Siti", OTHER_NIK, pin=None, sex=2, birth=dt.date(1985, 6, 12))
    assert no_pin
    messages = set()
    for nik, pin in [(NIK, "000000"), (UNKNOWN_NIK, PIN), (OTHER_NIK, PIN), ("123", PIN), (NIK, "12")]:
        with pytest.raises(KioskIdentifyFailed) as info:
            services.kiosk_auth.identify(nik, pin)
        messages.add(info.value.user_message())
    assert messages == {"NIK atau PIN tidak cocok."}


def test_only_living_residents(services: Services, resident_id: str) -> None:
    services.residents.set_status(admin_actor(services), resident_id, 3, date=dt.date(2026, 1, 2))
    with pytest.raises(KioskIdentifyFailed):
        services.kiosk_auth.identify(NIK, PIN)


@pytest.mark.parametrize("nik", [NIK, UNKNOWN_NIK])
def test_five_failures_lock_the_nik_whether_or_not_it_exists(services: Services, resident_id: str,
                                                             nik: str) -> None:
    now = utcnow()
    for _ in range(4):
        with pytest.raises(KioskIdentifyFailed):
            services.kiosk_auth.identify(nik, "999999", now=now)
    with pytest.raises(KioskLocked) as info:
        services.kiosk_auth.identify(nik, "999999", now=now)
    assert info.value.user_message() == "Terlalu banyak percobaan. Coba lagi nanti."
    # even the right PIN is refused while locked, with the same message
    with pytest.raises(KioskLocked):
        services.kiosk_auth.identify(nik, PIN, now=now + dt.timedelta(minutes=14))
    # another NIK is not affected
    register(services, "Siti", OTHER_NIK, sex=2, birth=dt.date(1985, 6, 12))
    assert services.kiosk_auth.identify(OTHER_NIK, PIN, now=now).role == "resident"
    # after 15 minutes the lock is over
    if nik == NIK:
        actor = services.kiosk_auth.identify(NIK, PIN, now=now + dt.timedelta(minutes=16))
        assert actor.user_id == resident_id
        with services.store.read() as s:
            assert s.execute(select(LoginAttempt)).scalars().all() == []


def test_success_resets_the_counter(services: Services, resident_id: str) -> None:
    for _ in range(4):
        with pytest.raises(KioskIdentifyFailed):
            services.kiosk_auth.identify(NIK, "111111")
    services.kiosk_auth.identify(NIK, PIN)
    for _ in range(4):
        with pytest.raises(KioskIdentifyFailed):
            services.kiosk_auth.identify(NIK, "111111")
    assert services.kiosk_auth.identify(NIK, PIN).user_id == resident_id


def test_no_nik_stored_in_lockout_rows_logs_or_audit(services: Services, resident_id: str,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        with pytest.raises((KioskIdentifyFailed, KioskLocked)):
            services.kiosk_auth.identify(UNKNOWN_NIK, "999999")
    with pytest.raises(KioskIdentifyFailed):
        services.kiosk_auth.identify(NIK, "999999")
    services.kiosk_auth.identify(NIK, PIN)
    with services.store.read() as s:
        keys = [a.key for a in s.execute(select(LoginAttempt)).scalars()]
        audit = [(a.entity_id, str(a.details)) for a in s.execute(select(AuditEntry)).scalars()]
    assert keys and all(UNKNOWN_NIK not in k and NIK not in k for k in keys)
    assert all(UNKNOWN_NIK not in text and NIK not in text for pair in audit for text in pair)
    assert UNKNOWN_NIK not in caplog.text and NIK not in caplog.text and PIN not in caplog.text


def test_staff_unlock(services: Services, resident_id: str) -> None:
    for _ in range(5):
        with pytest.raises((KioskIdentifyFailed, KioskLocked)):
            services.kiosk_auth.identify(NIK, "999999")
    services.kiosk_auth.unlock(admin_actor(services), NIK)
    assert services.kiosk_auth.identify(NIK, PIN).user_id == resident_id


def test_own_requests_only(services: Services, resident_id: str) -> None:
    other = register(services, "Siti", OTHER_NIK, sex=2, birth=dt.date(1985, 6, 12))
    with services.store.write() as s:
        s.add(LetterRequest(resident_id=resident_id, letter_type="domisili", channel="kios", queue_number="K-001"))
        s.add(LetterRequest(resident_id=other, letter_type="skck", channel="loket"))
    actor = services.kiosk_auth.identify(NIK, PIN)
    own = services.kiosk_auth.own_requests(actor)
    assert [(r.letter_type, r.queue_number) for r in own] == [("domisili", "K-001")]


def test_staff_cannot_use_resident_reads(services: Services) -> None:
    with pytest.raises(PermissionDenied):
        services.kiosk_auth.own_requests(admin_actor(services))
    with pytest.raises(PermissionDenied):
        services.kiosk_auth.profile(Actor.system())
