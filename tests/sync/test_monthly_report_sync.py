"""A closed monthly report travels through a real district server: pushed once, re-opened and closed
again, pulled by a second office computer of the same village (which reprints it from the figures), and
summed on the district's recap."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kiosk.books.models import MonthlyReport
from tests.books.village import build
from tests.helpers import admin_actor
from tests.sync.conftest import DistrictServer, Office, offices, server  # noqa: F401

TODAY = dt.date(2026, 12, 4)


def _sync_until_done(office: Office, rounds: int = 15) -> None:
    for _ in range(rounds):
        office.sync()
        if not [r for r in office.outbox() if r.state in ("pending", "in_flight")]:
            return
    raise AssertionError([(r.entity, r.op, r.state, r.last_error) for r in office.outbox()
                          if r.state != "acked"])


@pytest.mark.slow
def test_closed_month_reaches_the_district_and_the_other_office_pc(server: DistrictServer,  # noqa: F811
                                                                   offices: Any) -> None:  # noqa: F811
    from sync.district.monthly_reports import latest_closed, recap

    a: Office = offices("a", server=server)
    admin = admin_actor(a.services)
    build(a.services, admin)
    first = a.services.monthly_reports.close(admin, "2026-11", today=TODAY)
    _sync_until_done(a)
    assert first.revision == 1
    record = server.record("monthly_report", _report_id(a))
    assert record is not None and record.data["state"] == "closed" and record.data["month"] == "2026-11"
    assert record.data["figures"]["village"]["total"]["all"]["end"] == 5 and "pdf" not in record.data
    got = latest_closed(server.store.db)[server.village]
    assert got["month"] == "2026-11" and got["revision"] == 1

    a.services.monthly_reports.reopen(admin, "2026-11", "Koreksi kelahiran", today=TODAY)
    _sync_until_done(a)
    assert server.village not in latest_closed(server.store.db)
    a.services.monthly_reports.close(admin, "2026-11", today=TODAY)
    _sync_until_done(a)
    rows = {r.code: r for r in recap(server.store.db, dt.date(2026, 12, 11))}
    assert rows[server.village].month == "2026-11" and rows[server.village].population == 5
    assert rows[server.village].change == 1 and not rows[server.village].missing

    b: Office = offices("b", server=server)  # a second office PC of the same village
    for _ in range(5):
        b.sync()
    with b.store.read() as s:
        pulled = {r.revision: r for r in s.query(MonthlyReport).all()}
    assert set(pulled) == {1, 2} and pulled[1].state == "reopened" and pulled[2].state == "closed"
    assert pulled[1].reopen_reason == "Koreksi kelahiran" and pulled[2].pdf is None
    b_admin = admin_actor(b.services)
    info = b.services.monthly_reports.compute(b_admin, "2026-11", today=TODAY)
    assert info.state == "closed" and info.revision == 2
    assert b.services.monthly_reports.pdf(b_admin, "2026-11", today=TODAY).startswith(b"%PDF")


def _report_id(office: Office) -> str:
    with office.store.read() as s:
        return s.query(MonthlyReport.id).filter(MonthlyReport.revision == 1).scalar()
