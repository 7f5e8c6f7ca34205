"""The monthly population report: computed from the events, closed as a snapshot, re-opened with a reason."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import func, select

from kiosk.actor import Actor
from kiosk.books.models import MonthlyReport
from kiosk.books.monthly import NoPopulationData, ReportDataError
from kiosk.books.service import MonthlyReportService
from kiosk.changes import verify_audit_chain
from kiosk.errors import ConflictError, PermissionDenied, ValidationError
from kiosk.ids import new_id
from kiosk.models import AuditEntry, OutboxChange
from kiosk.services import Services
from tests.books.village import build, person
from tests.helpers import admin_actor, make_user

TODAY = dt.date(2026, 12, 4)


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)


@pytest.fixture
def reports(services: Services) -> MonthlyReportService:
    return MonthlyReportService(services.store)


def cell(figures: dict, group: str, sex: str, column: str) -> int:
    return figures["village"]["persons"][group][sex][column]


def total(figures: dict, column: str) -> int:
    return figures["village"]["total"]["all"][column]


def test_figures_follow_the_events_across_month_ends(services: Services, admin: Actor,
                                                     reports: MonthlyReportService) -> None:
    build(services, admin)
    octo = reports.compute(admin, "2026-10", today=TODAY).figures
    assert [total(octo, c) for c in ("start", "births", "deaths", "moved_in", "moved_out", "end")] == [4, 1, 0, 0, 1, 4]
    assert cell(octo, "WNA", "L", "start") == 1 and cell(octo, "WNA", "L", "end") == 1
    assert cell(octo, "WNI", "P", "start") == 2 and cell(octo, "WNI", "P", "births") == 1
    assert cell(octo, "WNI", "P", "moved_out") == 1 and cell(octo, "WNI", "P", "end") == 2
    assert octo["village"]["families"] == {"start": 3, "new": 0, "gone": 1, "end": 2}

    nov = reports.compute(admin, "2026-11", today=TODAY).figures
    assert [total(nov, c) for c in ("start", "births", "deaths", "moved_in", "moved_out", "end")] == [4, 0, 1, 2, 0, 5]
    assert cell(nov, "WNI", "L", "deaths") == 1 and cell(nov, "WNI", "L", "end") == 0
    assert cell(nov, "WNI", "P", "moved_in") == 2 and cell(nov, "WNI", "P", "end") == 4
    assert nov["village"]["families"] == {"start": 2, "new": 2, "gone": 0, "end": 4}
    # per dusun adds up to the village
    for column in ("start", "end", "moved_in"):
        assert sum(d["total"]["all"][column] for d in nov["dusun"]) == total(nov, column)
    sumberejo = next(d for d in nov["dusun"] if d["name"] == "Sumberejo")
    assert sumberejo["total"]["all"]["start"] == 1 and sumberejo["total"]["all"]["end"] == 2  # John, Dewi back

    dec = reports.compute(admin, "2026-12", today=TODAY)
    assert dec.state == "open" and total(dec.figures, "moved_out") == 1 and total(dec.figures, "end") == 4


def test_a_past_month_stays_the_same_when_run_later(services: Services, admin: Actor,
                                                    reports: MonthlyReportService) -> None:
    v = build(services, admin)
    before = reports.compute(admin, "2026-11", today=TODAY).figures
    # later happenings: Siti dies in December, Fitri's family moves on; today's table changes
    services.residents.record_death(admin, v.b, date=dt.date(2026, 12, 2))
    services.residents.record_move_out(admin, v.f, date=dt.date(2026, 12, 3), destination="Malang")
    assert reports.compute(admin, "2026-11", today=TODAY).figures == before
    dec = reports.compute(admin, "2026-12", today=TODAY).figures
    assert total(dec, "deaths") == 1 and total(dec, "moved_out") == 2 and total(dec, "end") == 2


def _insert_event(services: Services, resident_id: str, kind: str, when: dt.date, details: str = "{}") -> None:
    """Write an event straight into the file, as a faulty import or another program would."""
    con = sqlite3.connect(services.store.paths.database)
    con.execute("INSERT INTO population_event (id, resident_id, kind, event_date, details, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", (new_id(), resident_id, kind, when.isoformat(), details,
                                              "2026-12-01 10:00:00.000000"))
    con.commit()
    con.close()


def test_death_before_birth_is_refused_by_name(services: Services, admin: Actor,
                                                reports: MonthlyReportService) -> None:
    v = build(services, admin)
    _insert_event(services, v.e, "death", dt.date(2026, 10, 10))
    with pytest.raises(ReportDataError) as err:
        reports.compute(admin, "2026-10", today=TODAY)
    msg = err.value.user_message()
    assert "Bayi" in msg and "Kematian pada 2026-10-10, sebelum Kelahiran pada 2026-10-31" in msg
    assert {p.resident_id for p in err.value.problems} == {v.e}
    # September came before the contradiction: still fine
    assert total(reports.compute(admin, "2026-09", today=TODAY).figures, "end") == 4


def test_move_out_of_someone_not_resident_is_refused(services: Services, admin: Actor,
                                                      reports: MonthlyReportService) -> None:
    v = build(services, admin)
    _insert_event(services, v.d, "move_out", dt.date(2026, 10, 20), '{"destination": "Jember"}')
    with pytest.raises(ReportDataError) as err:
        reports.close(admin, "2026-10", today=TODAY)
    assert "Dewi" in err.value.user_message() and "bukan penduduk" in err.value.user_message()
    with services.store.read() as s:  # nothing half-written
        assert s.execute(select(func.count()).select_from(MonthlyReport)).scalar() == 0
        assert s.execute(select(func.count()).select_from(OutboxChange)
                         .where(OutboxChange.entity == "monthly_report")).scalar() == 0


def test_unrecorded_birth_does_not_add_up_and_names_the_child(services: Services, admin: Actor,
                                                               reports: MonthlyReportService) -> None:
    build(services, admin)
    services.residents.register(admin, person("Tanpa Akta", 1, dt.date(2026, 11, 12), nik=None,
                                              kk_number="3510010505100005", family_relation=1))
    with pytest.raises(ReportDataError) as err:
        reports.compute(admin, "2026-11", today=TODAY)
    assert "Tanpa Akta" in err.value.user_message() and "kelahiran" in err.value.user_message().lower()
    assert err.value.to_json()["problems"][0]["code"] == "unrecorded_birth"


def test_bad_months(services: Services, admin: Actor, reports: MonthlyReportService) -> None:
    build(services, admin)
    with pytest.raises(ValidationError) as err:
        reports.compute(admin, "2027-01", today=TODAY)
    assert "belum dimulai" in err.value.user_message()
    for bad in ("2026-13", "11-2026", "", "2026-1"):
        with pytest.raises(ValidationError) as err:
            reports.compute(admin, bad, today=TODAY)
        assert "YYYY-MM" in err.value.user_message()
    with pytest.raises(NoPopulationData) as nodata:
        reports.compute(admin, "1960-01", today=TODAY)  # before anyone here was born
    assert "Tidak ada data" in nodata.value.user_message()
    with pytest.raises(ValidationError):
        reports.close(admin, "2026-12", today=TODAY)  # not over yet


def test_close_snapshot_reprint_and_reopen(services: Services, admin: Actor, reports: MonthlyReportService) -> None:
    v = build(services, admin)
    supervisor = make_user(services, "kades", "supervisor")
    operator = make_user(services, "operator", "operator")
    with pytest.raises(PermissionDenied):
        reports.close(operator, "2026-11", today=TODAY)
    closed = reports.close(supervisor, "2026-11", today=TODAY)
    assert closed.state == "closed" and closed.revision == 1
    pdf = reports.pdf(operator, "2026-11", today=TODAY)
    assert pdf == reports.pdf(admin, "2026-11", today=TODAY)  # byte for byte
    with pytest.raises(ConflictError):
        reports.close(supervisor, "2026-11", today=TODAY)

    # a late correction: Siti actually died on 25 November
    _insert_event(services, v.b, "death", dt.date(2026, 11, 25))
    con = sqlite3.connect(services.store.paths.database)
    con.execute("UPDATE resident SET status = 2 WHERE id = ?", (v.b,))
    con.commit()
    con.close()
    still = reports.compute(admin, "2026-11", today=TODAY)
    assert still.state == "closed" and still.differs_from_events and total(still.figures, "deaths") == 1
    assert reports.pdf(admin, "2026-11", today=TODAY) == pdf

    with pytest.raises(ValidationError):
        reports.reopen(supervisor, "2026-11", "   ", today=TODAY)
    reopened = reports.reopen(supervisor, "2026-11", "Kematian Siti dilaporkan terlambat", today=TODAY)
    assert reopened.state == "reopened"
    fresh = reports.compute(admin, "2026-11", today=TODAY)
    assert fresh.state == "reopened" and total(fresh.figures, "deaths") == 2
    again = reports.close(supervisor, "2026-11", today=TODAY)
    assert again.revision == 2 and total(again.figures, "end") == 4
    assert reports.pdf(admin, "2026-11", today=TODAY) != pdf

    with services.store.read() as s:
        changes = s.execute(select(OutboxChange).where(OutboxChange.entity == "monthly_report")
                            .order_by(OutboxChange.seq)).scalars().all()
        assert [c.op for c in changes] == ["create", "update", "create"]
        assert changes[1].payload["reopen_reason"] == "Kematian Siti dilaporkan terlambat"
        assert changes[0].payload["figures"]["village"]["total"]["all"]["end"] == 5
        assert "Siti" not in str(changes[0].payload)  # figures only, no names
        actions = s.execute(select(AuditEntry.action).where(AuditEntry.entity == "monthly_report")
                            .order_by(AuditEntry.seq)).scalars().all()
        assert actions == ["monthly_report.close", "monthly_report.reopen", "monthly_report.close"]
        assert verify_audit_chain(s).ok
    history = reports.history(admin)
    assert [(h.revision, h.state) for h in history] == [(2, "closed"), (1, "reopened")]


def test_database_counts_match_the_person_by_person_replay(services: Services, admin: Actor) -> None:
    """The fast path (residents without events counted in SQL) gives exactly the replay of everyone."""
    from kiosk.books import monthly
    from kiosk.books.population import build_timelines, load_events, load_people
    from kiosk.services.demo import create_demo_village

    create_demo_village(services, residents=600)
    build(services, admin)
    with services.store.read() as s:
        for month in ("2026-10", "2026-11"):
            _m, first, last = monthly.parse_month(month, TODAY)
            people = load_people(s)
            timelines, problems = build_timelines(people, load_events(s))
            slow = monthly.compute_from(people, timelines, problems, month, first, last).figures
            assert monthly.compute(s, month, today=TODAY).figures == slow
            assert slow["village"]["total"]["all"]["start"] > 500
