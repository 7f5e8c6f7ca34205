"""Beranda figures: letters today by type, requests waiting by channel, complaints, resident statistics."""

from __future__ import annotations

import datetime as dt

from kiosk.models import Letter, LetterRequest, OutboxChange, Resident
from kiosk.services import Services
from kiosk.services.dashboard import (
    AGE_GROUPS,
    dashboard,
    letters_today_by_type,
    requests_waiting_by_channel,
    resident_stats,
    stat_label,
    sync_state,
)
from tests.helpers import admin_actor

TODAY = dt.date(2026, 11, 2)


def _resident(name: str, **kw: object) -> Resident:
    return Resident(name=name, name_search=name.lower(), **kw)


def _letter(seq: int, kind: str, on: dt.date, voided: bool = False) -> Letter:
    return Letter(number=f"474/{seq:03d}", year=on.year, sequence_number=seq, letter_type=kind, issued_on=on,
                  content_hash="0" * 64, voided_at=dt.datetime(2026, 11, 2) if voided else None)


def fill(services: Services) -> str:
    with services.store.write() as s:
        people = [
            _resident("A", sex=1, religion=1, education=5, occupation=1, dusun="Krajan", birth_date=dt.date(2024, 1, 1)),
            _resident("B", sex=2, religion=1, education=5, occupation=2, dusun="Krajan", birth_date=dt.date(1990, 5, 5)),
            _resident("C", sex=2, religion=2, education=None, occupation=2, dusun="Sumber",
                      birth_date=dt.date(1950, 1, 1)),
            _resident("D", sex=1, religion=1, dusun="Sumber", birth_date=None),
            _resident("E (pindah)", sex=1, religion=1, dusun="Krajan", status=3),
        ]
        s.add_all(people)
        s.flush()
        rid = people[0].id
        s.add_all([
            _letter(1, "SKTM", TODAY), _letter(2, "SKTM", TODAY), _letter(3, "DOMISILI", TODAY),
            _letter(4, "SKTM", TODAY - dt.timedelta(days=1)), _letter(5, "SKCK", TODAY, voided=True),
        ])
        s.add_all([
            LetterRequest(resident_id=rid, letter_type="SKTM", channel="loket", status="diajukan"),
            LetterRequest(resident_id=rid, letter_type="SKTM", channel="kios", status="diajukan"),
            LetterRequest(resident_id=rid, letter_type="SKTM", channel="kios", status="disetujui"),
            LetterRequest(resident_id=rid, letter_type="SKTM", channel="kios", status="diterbitkan"),
        ])
    return rid


def test_letters_and_requests(services: Services) -> None:
    fill(services)
    assert letters_today_by_type(services.store, TODAY) == [("SKTM", 2), ("DOMISILI", 1)]
    assert requests_waiting_by_channel(services.store) == {"loket": 1, "kios": 2}


def test_resident_statistics(services: Services) -> None:
    fill(services)
    stats = resident_stats(services.store, TODAY)
    assert stats.total == 4
    assert dict(stats.groups["sex"]) == {1: 2, 2: 2}
    assert dict(stats.groups["religion"]) == {1: 3, 2: 1}
    assert dict(stats.groups["dusun"]) == {"Krajan": 2, "Sumber": 2}
    ages = dict(stats.groups["age"])
    assert ages[0] == 1 and ages[3] == 1 and ages[5] == 1 and ages[None] == 1
    assert len([g for g in stats.groups["age"] if g[0] is not None]) == len(AGE_GROUPS)
    assert stat_label("sex", 1) == "LAKI-LAKI"
    assert stat_label("age", 5) == "60+"
    assert stat_label("education", None) == "—"


def test_dashboard_complaints_and_sync(services: Services) -> None:
    admin = admin_actor(services)
    t0 = dt.datetime(2026, 11, 2, 1, 0)
    services.complaints.clock = lambda: t0
    a = services.complaints.record(admin, "loket", "Lainnya", "satu", reporter_name="X")
    services.complaints.clock = lambda: t0 + dt.timedelta(hours=3, minutes=30)
    b = services.complaints.record(admin, "loket", "Lainnya", "dua", reporter_name="Y")
    board = dashboard(services.store, today=TODAY, now=t0 + dt.timedelta(hours=4, minutes=10))
    assert (board.complaints.overdue, board.complaints.due_soon, board.complaints.open) == (1, 0, 2)
    assert [c.id for c in board.complaints_due] == [a.id, b.id]
    state = sync_state(services.store)
    assert state.pending >= 2 and state.waiting == state.pending and state.needs_action == 0
    assert state.oldest_waiting_at is not None and not state.enrolled
    with services.store.write() as s:
        for row in s.query(OutboxChange):
            row.state = "acked"
            row.acked_at = t0
    state = sync_state(services.store)
    assert (state.waiting, state.last_acked_at) == (0, t0)
