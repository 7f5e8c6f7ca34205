"""Books the office writes by hand: temporary residents (Buku Penduduk Sementara, A.4), incoming
letters (Buku Agenda surat masuk) and letters sent out (Buku Ekspedisi).

Each change is one transaction with its audit entry. These books stay in the office (not synced).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from kiosk.actor import Actor
from kiosk.books.models import IncomingLetter, LetterDispatch, TemporaryResident
from kiosk.changes import write_audit
from kiosk.db import Store, get_or_raise
from kiosk.errors import ValidationError
from kiosk.i18n import N_
from kiosk.models import utcnow
from kiosk.permissions import require

MSG_REQUIRED = N_("This field is required.")
MSG_DATE = N_("Write dates as YYYY-MM-DD, e.g. 2026-11-01.")
MSG_FUTURE_DATE = N_("The date cannot be in the future.")
MSG_DEPART_BEFORE = N_("The departure cannot be before the arrival.")

_TEMP_TEXT = ("name", "id_number", "birth_place", "occupation", "nationality", "ancestry", "origin", "purpose",
              "host_name", "address", "rt", "rw", "dusun", "note")


def _date(value: Any, key: str, errors: dict[str, str], *, required: bool = False,
          today: dt.date | None = None) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors[key] = MSG_REQUIRED
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            errors[key] = MSG_DATE
            return None
    if day > (today or dt.date.today()):
        errors[key] = MSG_FUTURE_DATE
    return day


class RegisterService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- temporary residents (A.4) -------------------------------------------------------------------

    def add_temporary(self, actor: Actor, data: Mapping[str, Any], *, today: dt.date | None = None) -> str:
        require(actor, "books.edit")
        errors: dict[str, str] = {}
        values: dict[str, Any] = {k: str(data.get(k) or "").strip() for k in _TEMP_TEXT}
        if not values["name"]:
            errors["name"] = MSG_REQUIRED
        values["arrived_on"] = _date(data.get("arrived_on"), "arrived_on", errors, required=True, today=today)
        values["departed_on"] = _date(data.get("departed_on"), "departed_on", errors, today=today)
        values["birth_date"] = _date(data.get("birth_date"), "birth_date", errors, today=today)
        if values["arrived_on"] and values["departed_on"] and values["departed_on"] < values["arrived_on"]:
            errors["departed_on"] = MSG_DEPART_BEFORE
        values["sex"] = int(data["sex"]) if data.get("sex") in (1, 2, "1", "2") else None
        values["citizenship"] = int(data.get("citizenship") or 1)
        if errors:
            raise ValidationError(fields=errors)
        with self.store.write() as s:
            row = TemporaryResident(**values, created_at=utcnow(), updated_at=utcnow())
            s.add(row)
            s.flush()
            write_audit(s, actor, action="temporary_resident.create", entity="temporary_resident", entity_id=row.id,
                        details={"fields": sorted(k for k, v in values.items() if v)})
            return row.id

    def depart_temporary(self, actor: Actor, temp_id: str, departed_on: Any, *, today: dt.date | None = None) -> None:
        require(actor, "books.edit")
        errors: dict[str, str] = {}
        day = _date(departed_on, "departed_on", errors, required=True, today=today)
        with self.store.write() as s:
            row = get_or_raise(s, TemporaryResident, temp_id)
            if day is not None and day < row.arrived_on:
                errors["departed_on"] = MSG_DEPART_BEFORE
            if errors:
                raise ValidationError(fields=errors)
            row.departed_on = day
            row.updated_at = utcnow()
            write_audit(s, actor, action="temporary_resident.depart", entity="temporary_resident", entity_id=row.id,
                        details={"fields": ["departed_on"]})

    # -- incoming letters and dispatch ----------------------------------------------------------------

    def add_incoming(self, actor: Actor, data: Mapping[str, Any], *, today: dt.date | None = None) -> int:
        """Record a received letter; returns its agenda number (in sequence per year)."""
        require(actor, "books.edit")
        errors: dict[str, str] = {}
        received = _date(data.get("received_on"), "received_on", errors, required=True, today=today)
        letter_date = _date(data.get("letter_date"), "letter_date", errors, today=today)
        sender = str(data.get("sender") or "").strip()
        subject = str(data.get("subject") or "").strip()
        if not sender:
            errors["sender"] = MSG_REQUIRED
        if not subject:
            errors["subject"] = MSG_REQUIRED
        if errors or received is None:
            raise ValidationError(fields=errors)
        with self.store.write() as s:
            last = s.execute(select(func.max(IncomingLetter.agenda_number))
                             .where(IncomingLetter.year == received.year)).scalar() or 0
            row = IncomingLetter(year=received.year, agenda_number=last + 1, received_on=received,
                                 letter_number=str(data.get("letter_number") or "").strip(), letter_date=letter_date,
                                 sender=sender, subject=subject,
                                 disposition=str(data.get("disposition") or "").strip(),
                                 note=str(data.get("note") or "").strip(), created_at=utcnow())
            s.add(row)
            s.flush()
            write_audit(s, actor, action="incoming_letter.create", entity="incoming_letter", entity_id=row.id,
                        details={"agenda_number": row.agenda_number, "year": row.year})
            return row.agenda_number

    def add_dispatch(self, actor: Actor, data: Mapping[str, Any], *, today: dt.date | None = None) -> int:
        """Record a letter sent out (Buku Ekspedisi); returns its number in the year's sequence."""
        require(actor, "books.edit")
        errors: dict[str, str] = {}
        sent = _date(data.get("sent_on"), "sent_on", errors, required=True, today=today)
        letter_date = _date(data.get("letter_date"), "letter_date", errors, today=today)
        addressee = str(data.get("addressee") or "").strip()
        subject = str(data.get("subject") or "").strip()
        if not addressee:
            errors["addressee"] = MSG_REQUIRED
        if not subject:
            errors["subject"] = MSG_REQUIRED
        if errors or sent is None:
            raise ValidationError(fields=errors)
        with self.store.write() as s:
            last = s.execute(select(func.max(LetterDispatch.sequence))
                             .where(LetterDispatch.year == sent.year)).scalar() or 0
            row = LetterDispatch(year=sent.year, sequence=last + 1, sent_on=sent, letter_date=letter_date,
                                 letter_number=str(data.get("letter_number") or "").strip(), subject=subject,
                                 addressee=addressee, letter_id=data.get("letter_id") or None,
                                 note=str(data.get("note") or "").strip(), created_at=utcnow())
            s.add(row)
            s.flush()
            write_audit(s, actor, action="letter_dispatch.create", entity="letter_dispatch", entity_id=row.id,
                        details={"sequence": row.sequence, "year": row.year})
            return row.sequence


@dataclass(frozen=True)
class TemporaryInfo:
    id: str
    name: str
    sex: int | None
    id_number: str
    origin: str
    purpose: str
    host_name: str
    dusun: str
    rt: str
    rw: str
    arrived_on: dt.date
    departed_on: dt.date | None


def list_temporaries(store: Store, actor: Actor, *, staying_only: bool = False) -> list[TemporaryInfo]:
    """Temporary residents, newest arrival first (``staying_only``: not departed)."""
    require(actor, "books.view")
    q = select(TemporaryResident).order_by(TemporaryResident.arrived_on.desc(), TemporaryResident.name)
    if staying_only:
        q = q.where(TemporaryResident.departed_on.is_(None))
    with store.read() as s:
        return [TemporaryInfo(t.id, t.name, t.sex, t.id_number, t.origin, t.purpose, t.host_name, t.dusun, t.rt,
                              t.rw, t.arrived_on, t.departed_on) for t in s.execute(q).scalars()]
