"""E-monitoring figures: every number on the pages is an aggregate SQL query over the projection tables
(indexes in migration 0002), plus the device status report a device posts after each sync."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import and_, case, func, or_, select

from sync.district.db import Database
from sync.district.models import ComplaintProjection, Device, LetterProjection, RequestProjection, Village
from sync.district.monitoring.models import DeviceReport, now_utc

# Last sync age: green up to 6 hours, amber up to 2 days, red beyond (or never).
SYNC_GREEN = dt.timedelta(hours=6)
SYNC_AMBER = dt.timedelta(days=2)
OPEN_REQUEST_STATES = ("diajukan", "disetujui")


@dataclass
class VillageRow:
    code: str
    name: str
    kecamatan: str
    last_sync: dt.datetime | None
    waiting: int | None  # None: never reported
    needs_action: int
    letters_month: int
    open_complaints: int
    complaints_due: int  # received this month, answered or past due
    answered_in_time: int
    requests_waiting: int = 0

    def sync_age(self, now: dt.datetime) -> dt.timedelta | None:
        return now - self.last_sync if self.last_sync else None

    def sync_class(self, now: dt.datetime) -> str:
        age = self.sync_age(now)
        if age is None or age > SYNC_AMBER:
            return "red"
        return "green" if age <= SYNC_GREEN else "amber"

    @property
    def in_time_share(self) -> float | None:
        return self.answered_in_time / self.complaints_due if self.complaints_due else None


def month_bounds(today: dt.date) -> tuple[str, str]:
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start.isoformat(), end.isoformat()


def _kecamatan_names() -> dict[str, str]:
    from kiosk.refdata import kecamatan

    try:
        return dict(kecamatan("35.10"))
    except Exception:  # reference data missing: codes only
        return {}


def _complaint_columns(now_iso: str) -> tuple[Any, Any, Any]:
    c = ComplaintProjection
    answered = c.first_response_at.is_not(None)
    in_time = and_(answered, c.first_response_at <= c.due_at)
    counted = or_(answered, c.due_at < now_iso)  # answered, or past its due time without an answer
    return (func.sum(case((in_time, 1), else_=0)), func.sum(case((counted, 1), else_=0)),
            func.sum(case((c.status != "selesai", 1), else_=0)))


def overview(db: Database, today: dt.date | None = None, now: dt.datetime | None = None) -> list[VillageRow]:
    """One row per village, from five GROUP BY queries."""
    now = now or now_utc()
    today = today or now.date()
    start, end = month_bounds(today)
    now_iso = now.replace(tzinfo=None).isoformat()
    with db.read() as s:
        villages = s.execute(select(Village.code, Village.name).order_by(Village.code)).all()
        last_sync = dict(s.execute(select(Device.village, func.max(Device.last_seen))
                                   .where(Device.revoked_at.is_(None)).group_by(Device.village)).all())
        reports = {v: (int(w or 0), int(a or 0)) for v, w, a in s.execute(
            select(DeviceReport.village, func.sum(DeviceReport.pending), func.sum(DeviceReport.needs_action))
            .group_by(DeviceReport.village))}
        letters = dict(s.execute(
            select(LetterProjection.village, func.count())
            .where(LetterProjection.issued_at >= start, LetterProjection.issued_at < end,
                   LetterProjection.voided.is_(False))
            .group_by(LetterProjection.village)).all())
        in_time, counted, _open = _complaint_columns(now_iso)
        month = {v: (int(a or 0), int(b or 0)) for v, a, b in s.execute(
            select(ComplaintProjection.village, in_time, counted)
            .where(ComplaintProjection.received_at >= start, ComplaintProjection.received_at < end)
            .group_by(ComplaintProjection.village))}
        open_complaints = dict(s.execute(
            select(ComplaintProjection.village, func.count())
            .where(ComplaintProjection.status.in_(("baru", "ditanggapi")))
            .group_by(ComplaintProjection.village)).all())
        requests = dict(s.execute(
            select(RequestProjection.village, func.count())
            .where(RequestProjection.status.in_(OPEN_REQUEST_STATES))
            .group_by(RequestProjection.village)).all())
    kec = _kecamatan_names()
    rows = []
    for code, name in villages:
        last = last_sync.get(code)
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=dt.UTC)
        waiting, needs_action = reports.get(code, (None, 0))
        good, counted_n = month.get(code, (0, 0))
        rows.append(VillageRow(code, name or code, kec.get(code[:8], code[:8]), last, waiting, needs_action,
                               int(letters.get(code, 0)), int(open_complaints.get(code, 0)), counted_n, good,
                               int(requests.get(code, 0))))
    return rows


@dataclass
class VillageDetail:
    row: VillageRow
    by_type: list[tuple[str, int]]
    by_day: list[tuple[dt.date, int]]
    complaints_in_time: int
    complaints_late: int
    complaints_waiting: int  # not answered, not yet due
    complaints_overdue_open: int  # not answered, past due
    devices: list[dict[str, Any]] = field(default_factory=list)


def village_detail(db: Database, code: str, today: dt.date | None = None, now: dt.datetime | None = None,
                   days: int = 30) -> VillageDetail | None:
    now = now or now_utc()
    today = today or now.date()
    row = next((r for r in overview_one(db, code, today, now)), None)
    if row is None:
        return None
    first = (today - dt.timedelta(days=days - 1)).isoformat()
    end = (today + dt.timedelta(days=1)).isoformat()
    start_month, end_month = month_bounds(today)
    now_iso = now.replace(tzinfo=None).isoformat()
    L = LetterProjection
    day = func.substr(L.issued_at, 1, 10)
    c = ComplaintProjection
    with db.read() as s:
        by_type = [(str(t), int(n)) for t, n in s.execute(
            select(L.type_code, func.count().label("n"))
            .where(L.village == code, L.issued_at >= start_month, L.issued_at < end_month, L.voided.is_(False))
            .group_by(L.type_code).order_by(func.count().desc(), L.type_code))]
        per_day = {str(d): int(n) for d, n in s.execute(
            select(day, func.count()).where(L.village == code, L.issued_at >= first, L.issued_at < end,
                                            L.voided.is_(False)).group_by(day))}
        answered = c.first_response_at.is_not(None)
        in_time, late, waiting, overdue = s.execute(
            select(func.sum(case((and_(answered, c.first_response_at <= c.due_at), 1), else_=0)),
                   func.sum(case((and_(answered, c.first_response_at > c.due_at), 1), else_=0)),
                   func.sum(case((and_(~answered, c.due_at >= now_iso), 1), else_=0)),
                   func.sum(case((and_(~answered, c.due_at < now_iso), 1), else_=0)))
            .where(c.village == code, c.received_at >= start_month, c.received_at < end_month)).one()
        devices = [
            {"name": d.name, "role": d.role, "last_seen": d.last_seen, "revoked": d.revoked_at is not None,
             "pending": r.pending if r else None, "reported_at": r.reported_at if r else None}
            for d, r in s.execute(select(Device, DeviceReport).outerjoin(DeviceReport, DeviceReport.device_id == Device.id)
                                  .where(Device.village == code).order_by(Device.name))
        ]
    series = [(today - dt.timedelta(days=i), 0) for i in range(days - 1, -1, -1)]
    by_day = [(d, per_day.get(d.isoformat(), 0)) for d, _zero in series]
    return VillageDetail(row, by_type, by_day, int(in_time or 0), int(late or 0), int(waiting or 0),
                         int(overdue or 0), devices)


def overview_one(db: Database, code: str, today: dt.date, now: dt.datetime) -> list[VillageRow]:
    """The overview row of one village (the same queries, restricted)."""
    with db.read() as s:
        if s.get(Village, code) is None:
            return []
    return [r for r in overview(db, today, now) if r.code == code]


# --- device status report ---------------------------------------------------------------------------


class StatusReport(BaseModel):
    """``POST /api/v1/status``: a device tells how many changes wait in its outbox."""

    pending: int = Field(ge=0)
    needs_action: int = Field(default=0, ge=0)
    oldest_pending_at: str | None = Field(default=None, max_length=40)


def save_report(db: Database, device: Device, body: StatusReport) -> dict[str, Any]:
    now = now_utc()
    with db.write() as s:
        row = s.get(DeviceReport, device.id)
        if row is None:
            row = DeviceReport(device_id=device.id, village=device.village)
            s.add(row)
        row.pending, row.needs_action = body.pending, body.needs_action
        row.oldest_pending_at, row.reported_at = body.oldest_pending_at, now
    return {"reported_at": now.isoformat()}
