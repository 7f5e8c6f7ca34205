"""Temporary residents (A.4), Buku Agenda surat masuk and Buku Ekspedisi: stored, audited, printed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from kiosk.actor import Actor
from kiosk.books.catalog import Filters
from kiosk.books.export import BookService
from kiosk.books.models import IncomingLetter, TemporaryResident
from kiosk.books.registers import RegisterService
from kiosk.errors import PermissionDenied, ValidationError
from kiosk.models import AuditEntry
from kiosk.services import Services
from tests.helpers import admin_actor

TODAY = dt.date(2026, 12, 4)


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)


def test_temporary_residents_in_their_period(services: Services, admin: Actor) -> None:
    reg = RegisterService(services.store)
    a = reg.add_temporary(admin, {"name": "Made Wirawan", "sex": 1, "id_number": "5171010101900001",
                                  "origin": "Denpasar", "purpose": "Proyek jembatan", "host_name": "Slamet",
                                  "dusun": "Krajan", "rt": "001", "rw": "001", "arrived_on": "2026-10-05"},
                          today=TODAY)
    reg.add_temporary(admin, {"name": "Anna Müller", "sex": 2, "citizenship": 2, "nationality": "Jerman",
                              "arrived_on": "2026-09-01", "departed_on": "2026-09-20"}, today=TODAY)
    reg.depart_temporary(admin, a, "2026-11-15", today=TODAY)
    rows = BookService(services.store).rows(admin, "sementara", Filters(dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
                                            today=TODAY).rows
    assert [(r[1], r[2], r[12], r[13]) for r in rows] == [("Made Wirawan", "✓", "05-10-2026", "15-11-2026")]
    with pytest.raises(ValidationError) as err:
        reg.add_temporary(admin, {"name": " ", "arrived_on": "2026-12-05"}, today=TODAY)
    assert set(err.value.fields) == {"name", "arrived_on"}
    with pytest.raises(ValidationError):
        reg.depart_temporary(admin, a, "2026-10-01", today=TODAY)  # before the arrival
    with services.store.read() as s:
        assert s.execute(select(func.count()).select_from(TemporaryResident)).scalar() == 2
        assert s.execute(select(func.count()).select_from(AuditEntry)
                         .where(AuditEntry.entity == "temporary_resident")).scalar() == 3


def test_agenda_numbers_in_sequence_per_year_and_export(services: Services, admin: Actor, tmp_path: Path) -> None:
    reg = RegisterService(services.store)
    assert reg.add_incoming(admin, {"received_on": "2026-11-02", "letter_number": "005/123/429.517/2026",
                                    "letter_date": "2026-10-30", "sender": "Camat Pesanggaran",
                                    "subject": "Undangan rapat koordinasi", "disposition": "Sekdes: hadir"},
                            today=TODAY) == 1
    assert reg.add_incoming(admin, {"received_on": "2026-11-20", "sender": "Puskesmas",
                                    "subject": "Jadwal posyandu"}, today=TODAY) == 2
    with pytest.raises(ValidationError) as err:
        reg.add_incoming(admin, {"received_on": "kemarin", "sender": "", "subject": "x"}, today=TODAY)
    assert set(err.value.fields) == {"received_on", "sender"}
    assert reg.add_dispatch(admin, {"sent_on": "2026-11-03", "letter_number": "470/012/35.10.01.2001/2026",
                                    "subject": "Laporan bulanan penduduk", "addressee": "Camat Pesanggaran"},
                            today=TODAY) == 1
    out = tmp_path / "agenda.xlsx"
    BookService(services.store).export(admin, "agenda-masuk", out, date_from=dt.date(2026, 11, 1),
                                       date_to=dt.date(2026, 11, 30), today=TODAY)
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert [r[4] for r in sheet[4:]] == ["Camat Pesanggaran", "Puskesmas"]
    assert sheet[4][6] == "Sekdes: hadir"
    ek = BookService(services.store).rows(admin, "ekspedisi", Filters(dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
                                          today=TODAY).rows
    assert ek[0][5] == "Camat Pesanggaran"
    resident_actor = Actor.kiosk("someone")
    with pytest.raises(PermissionDenied):
        reg.add_incoming(resident_actor, {"received_on": "2026-11-02", "sender": "x", "subject": "y"}, today=TODAY)
    with services.store.read() as s:
        assert s.execute(select(func.count()).select_from(IncomingLetter)).scalar() == 2
