"""Figures for the home screen (Beranda), each read with a few GROUP BY queries in one short transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kiosk.db import Store
from kiosk.models import Family, Letter, LetterRequest, OutboxChange, Resident, utcnow

WAITING_REQUEST_STATES = ("diajukan", "disetujui")
STATUS_ALIVE = 1
# Age groups for the statistics chart: (label, lowest age, highest age or None).
AGE_GROUPS: tuple[tuple[str, int, int | None], ...] = (
    ("0–4", 0, 4), ("5–14", 5, 14), ("15–24", 15, 24), ("25–39", 25, 39), ("40–59", 40, 59),
    ("60+", 60, None),
)
# Resident statistics: key → (Resident column, OpenSID code list or None for plain text).
STAT_COLUMNS: dict[str, tuple[str, str | None]] = {
    "sex": ("sex", "jenis_kelamin"),
    "religion": ("religion", "agama"),
    "education": ("education", "pendidikan_kk"),
    "occupation": ("occupation", "pekerjaan"),
    "dusun": ("dusun", None),
}


def office_counts(store: Store, today: dt.date | None = None) -> dict[str, int]:
    today = today or dt.date.today()
    with store.read() as s:
        return {
            "residents": s.execute(select(func.count()).select_from(Resident).where(Resident.status == 1)).scalar_one(),
            "families": s.execute(select(func.count()).select_from(Family).where(Family.active.is_(True))).scalar_one(),
            "letters_today": s.execute(
                select(func.count()).select_from(Letter).where(Letter.issued_on == today)).scalar_one(),
            "requests_waiting": s.execute(
                select(func.count()).select_from(LetterRequest).where(
                    LetterRequest.status.in_(WAITING_REQUEST_STATES))).scalar_one(),
        }


def letters_today_by_type(store: Store, today: dt.date | None = None) -> list[tuple[str, int]]:
    """Letters issued today (void ones not counted) per letter type, most first."""
    today = today or dt.date.today()
    n = func.count().label("n")
    q = (select(Letter.letter_type, n).where(Letter.issued_on == today, Letter.voided_at.is_(None))
         .group_by(Letter.letter_type).order_by(n.desc(), Letter.letter_type))
    with store.read() as s:
        return [(str(t), int(c)) for t, c in s.execute(q)]


def requests_waiting_by_channel(store: Store) -> dict[str, int]:
    """Requests still waiting (submitted or approved) per channel: loket, kios."""
    q = (select(LetterRequest.channel, func.count()).where(LetterRequest.status.in_(WAITING_REQUEST_STATES))
         .group_by(LetterRequest.channel))
    with store.read() as s:
        counts = {"loket": 0, "kios": 0}
        counts.update({str(ch): int(c) for ch, c in s.execute(q)})
        return counts


def _years_before(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _age_group_column(today: dt.date) -> Any:
    """A CASE giving each resident's age group index from the birth date (NULL: unknown)."""
    whens: list[tuple[Any, int]] = []
    for i, (_label, _low, high) in enumerate(AGE_GROUPS):
        if high is None:
            whens.append((Resident.birth_date.is_not(None), i))
        else:  # age <= high  ⇔  born after (today - (high + 1) years)
            whens.append((Resident.birth_date > _years_before(today, high + 1), i))
    return case(*whens, else_=None)


@dataclass(frozen=True)
class ResidentStats:
    """Living residents grouped by a few columns: key → [(code or text, count)], most first."""

    total: int
    groups: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)


def resident_stats(store: Store, today: dt.date | None = None) -> ResidentStats:
    """Living residents by sex, age group, religion, education, occupation and dusun (GROUP BY each)."""
    today = today or dt.date.today()
    alive = Resident.status == STATUS_ALIVE
    groups: dict[str, list[tuple[Any, int]]] = {}
    with store.read() as s:
        total = int(s.execute(select(func.count()).select_from(Resident).where(alive)).scalar_one())
        for key, (column, _codes) in STAT_COLUMNS.items():
            col = getattr(Resident, column)
            n = func.count().label("n")
            rows = s.execute(select(col, n).where(alive).group_by(col).order_by(n.desc()))
            groups[key] = [(v, int(c)) for v, c in rows]
        age = _age_group_column(today).label("g")
        by_age: dict[Any, int] = {g: int(c) for g, c in s.execute(select(age, func.count()).where(alive).group_by(age))}
        groups["age"] = [(i, int(by_age.get(i, 0))) for i in range(len(AGE_GROUPS))]
        if None in by_age:
            groups["age"].append((None, int(by_age[None])))
    return ResidentStats(total, groups)


def stat_label(key: str, value: Any) -> str:
    """The Indonesian name of a grouped value (code lists hold the official names)."""
    if value is None or value == "":
        return "—"
    if key == "age":
        return AGE_GROUPS[int(value)][0]
    codes = STAT_COLUMNS.get(key, ("", None))[1]
    if codes:
        from kiosk.refdata import code_list

        return code_list(codes).name_of(int(value)) or str(value)
    return str(value)


@dataclass(frozen=True)
class SyncState:
    """The outbox as the home screen shows it."""

    pending: int
    in_flight: int
    rejected: int
    conflict: int
    oldest_waiting_at: dt.datetime | None
    last_acked_at: dt.datetime | None
    enrolled: bool

    @property
    def waiting(self) -> int:
        return self.pending + self.in_flight

    @property
    def needs_action(self) -> int:
        return self.rejected + self.conflict


def sync_state(store: Store) -> SyncState:
    from kiosk.models import Device

    with store.read() as s:
        by_state: dict[str, int] = {
            st: int(c) for st, c in s.execute(select(OutboxChange.state, func.count()).group_by(OutboxChange.state))}
        oldest = s.execute(select(func.min(OutboxChange.created_at))
                           .where(OutboxChange.state.in_(("pending", "in_flight")))).scalar()
        last = s.execute(select(func.max(OutboxChange.acked_at))).scalar()
        enrolled = bool(s.execute(select(Device.token).where(Device.token.is_not(None))).first())
    return SyncState(int(by_state.get("pending", 0)), int(by_state.get("in_flight", 0)),
                     int(by_state.get("rejected", 0)), int(by_state.get("conflict", 0)), oldest, last, enrolled)


@dataclass(frozen=True)
class Dashboard:
    """Everything Beranda's panels show, read in one go off the GUI thread."""

    letters_today: list[tuple[str, int]]
    requests_waiting: dict[str, int]
    complaints: Any  # ComplaintCounts
    complaints_due: list[Any]  # open ComplaintInfo awaiting a response, soonest due first
    sync: SyncState
    now: dt.datetime


def dashboard(store: Store, *, today: dt.date | None = None, now: dt.datetime | None = None,
              due_limit: int = 8) -> Dashboard:
    """The home screen's figures (not the resident statistics, which change rarely: ``resident_stats``)."""
    from kiosk.services.complaints import ComplaintService, _info

    now = now or utcnow()
    complaints = ComplaintService(store, clock=lambda: now)
    with store.read() as s:
        due = _due_complaints(s, due_limit)
    return Dashboard(
        letters_today=letters_today_by_type(store, today),
        requests_waiting=requests_waiting_by_channel(store),
        complaints=complaints.counts(now=now),
        complaints_due=[_info(c) for c in due],
        sync=sync_state(store),
        now=now,
    )


def _due_complaints(s: Session, limit: int) -> list[Any]:
    from kiosk.models import Complaint
    from kiosk.services.complaints import STATUS_NEW

    return list(s.execute(select(Complaint).where(Complaint.status == STATUS_NEW)
                          .order_by(Complaint.due_at).limit(limit)).scalars())
