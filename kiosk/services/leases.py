"""Letter numbers from district leases (DESIGN.md "Letter numbers offline"), the office side.

An enrolled office device takes each official number from a range the district leased to it, in the
same transaction that issues the letter (``kiosk.services.numbering.allocate_number`` calls
``take_number``). The sync worker keeps the stock filled (a new lease when the newest is half used,
next year's in December), closes leases of past years, records their never-used numbers as "unused"
``LetterNumber`` rows and reports them. A standalone office numbers locally and reports its high-water
marks when it enrolls. Out of leased numbers offline, issuing fails with ``LeaseExhausted``: never a
guessed, possibly duplicate number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.errors import DomainError
from kiosk.i18n import N_
from kiosk.models import Device, Letter, LetterNumber, LetterNumberLease, utcnow

DEFAULT_LEASE_SIZE = 20
CLOCK_TOLERANCE = dt.timedelta(minutes=5)


class LeaseExhausted(DomainError):
    code = "lease_exhausted"
    template = N_("No official letter numbers are left for {year} on this computer. Connect to the district "
                  "so it can hand out more numbers, then issue the letter again.")


class ClockBehind(DomainError):
    code = "clock_behind"
    template = N_("The computer's clock ({now}) is behind the district's time last seen ({server}). Set the "
                  "clock right before issuing letters.")


class NumbersBlocked(DomainError):
    code = "numbers_blocked"
    template = N_("This computer was restored from an old backup: enroll it at the district again before "
                  "issuing letters.")


def _device(session: Session) -> Device | None:
    return session.execute(select(Device)).scalar_one_or_none()


def uses_leases(d: Device | None) -> bool:
    return bool(d is not None and d.server_device_id and d.role == "office")


def check_clock(session: Session, now: dt.datetime | None = None) -> None:
    """Refuse when this device's clock runs behind the last district time seen."""
    d = _device(session)
    if d is None or d.last_server_time is None:
        return
    now = now or utcnow()
    if now + CLOCK_TOLERANCE < d.last_server_time:
        raise ClockBehind(now=f"{now:%Y-%m-%d %H:%M}", server=f"{d.last_server_time:%Y-%m-%d %H:%M}")


def take_number(session: Session, *, year: int, sequence_key: str) -> tuple[int, str] | None:
    """The next number from this device's leases, or None for a standalone (not enrolled) office.
    Call inside the ``Store.write()`` that issues the letter."""
    d = _device(session)
    if d is not None and d.last_server_time is not None:
        check_clock(session)
    if not uses_leases(d):
        return None
    assert d is not None
    if d.restored_at is not None:
        raise NumbersBlocked()
    lease = session.execute(
        select(LetterNumberLease).where(
            LetterNumberLease.year == year, LetterNumberLease.sequence_key == sequence_key,
            LetterNumberLease.closed.is_(False), LetterNumberLease.next_number <= LetterNumberLease.end,
        ).order_by(LetterNumberLease.start).limit(1)
    ).scalar_one_or_none()
    if lease is None:
        raise LeaseExhausted(year=year)
    number = lease.next_number
    lease.next_number = number + 1
    session.flush()
    return number, lease.id


# --- what the sync worker uses ---------------------------------------------------------------------


@dataclass(frozen=True)
class LeaseNeed:
    year: int
    sequence_key: str
    size: int


def remaining(session: Session, year: int, sequence_key: str) -> int:
    rows = session.execute(select(LetterNumberLease).where(
        LetterNumberLease.year == year, LetterNumberLease.sequence_key == sequence_key,
        LetterNumberLease.closed.is_(False))).scalars()
    return sum(max(0, r.end - r.next_number + 1) for r in rows)


def sequence_keys(session: Session, year: int) -> list[str]:
    """The sequences to keep stocked: "all", or (numbering per type) every key used lately."""
    from kiosk import settings

    if settings.get(session, settings.NUMBER_SEQUENCE) != "per_type":
        return ["all"]
    keys = set(session.execute(select(LetterNumber.sequence_key).where(LetterNumber.year >= year - 1)).scalars())
    keys |= set(session.execute(select(LetterNumberLease.sequence_key).where(
        LetterNumberLease.year >= year - 1)).scalars())
    keys.discard("all")
    return sorted(keys)


def needs(session: Session, today: dt.date, size: int = DEFAULT_LEASE_SIZE) -> list[LeaseNeed]:
    """Leases to fetch: a sequence whose stock fell to half of its newest lease, and in December
    next year's first lease."""
    out: list[LeaseNeed] = []
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    for year in years:
        for key in sequence_keys(session, today.year):
            left = remaining(session, year, key)
            newest = session.execute(select(LetterNumberLease).where(
                LetterNumberLease.year == year, LetterNumberLease.sequence_key == key,
            ).order_by(LetterNumberLease.start.desc()).limit(1)).scalar_one_or_none()
            newest_size = (newest.end - newest.start + 1) if newest else size
            if left == 0 or left <= newest_size // 2:
                out.append(LeaseNeed(year, key, size))
    return out


def store_lease(session: Session, *, lease_id: str, year: int, sequence_key: str, start: int, end: int) -> None:
    if session.get(LetterNumberLease, lease_id) is None:
        session.add(LetterNumberLease(id=lease_id, year=year, sequence_key=sequence_key, start=start, end=end,
                                      next_number=start, obtained_at=utcnow(), closed=False))


def close_expired(session: Session, today: dt.date) -> list[str]:
    """Close the leases of past years; their never-used numbers become "unused" register rows."""
    closed: list[str] = []
    for lease in session.execute(select(LetterNumberLease).where(
            LetterNumberLease.closed.is_(False), LetterNumberLease.year < today.year)).scalars().all():
        record_unused(session, lease)
        lease.closed = True
        closed.append(lease.id)
    return closed


def record_unused(session: Session, lease: LetterNumberLease) -> list[int]:
    numbers: list[int] = []
    for number in range(lease.next_number, lease.end + 1):
        exists = session.execute(select(LetterNumber.id).where(
            LetterNumber.year == lease.year, LetterNumber.sequence_key == lease.sequence_key,
            LetterNumber.number == number)).first()
        if exists is None:
            session.add(LetterNumber(year=lease.year, sequence_key=lease.sequence_key, number=number,
                                     state="unused", lease_id=lease.id, recorded_at=utcnow()))
            numbers.append(number)
    lease.next_number = lease.end + 1
    session.flush()
    return numbers


def unused_to_report(session: Session, reported: list[str]) -> dict[str, list[int]]:
    """Closed leases' unused numbers not reported to the district yet: {lease id: numbers}."""
    out: dict[str, list[int]] = {}
    for lease in session.execute(select(LetterNumberLease).where(LetterNumberLease.closed.is_(True))).scalars():
        if lease.id in reported:
            continue
        out[lease.id] = list(session.execute(select(LetterNumber.number).where(
            LetterNumber.lease_id == lease.id, LetterNumber.state == "unused").order_by(LetterNumber.number)
        ).scalars())
    return out


def high_water_marks(session: Session) -> list[dict[str, Any]]:
    """The last number used per (year, sequence) on this device (sent when a standalone office enrolls)."""
    marks: dict[tuple[int, str], int] = {}
    for year, key, top in session.execute(select(
            LetterNumber.year, LetterNumber.sequence_key, func.max(LetterNumber.number)
    ).group_by(LetterNumber.year, LetterNumber.sequence_key)):
        marks[(year, key)] = max(marks.get((year, key), 0), int(top or 0))
    for year, key, top in session.execute(select(
            Letter.year, Letter.sequence_key, func.max(Letter.sequence_number)
    ).group_by(Letter.year, Letter.sequence_key)):
        marks[(year, key)] = max(marks.get((year, key), 0), int(top or 0))
    return [{"year": y, "sequence_key": k, "last_number": n} for (y, k), n in sorted(marks.items()) if n > 0]
