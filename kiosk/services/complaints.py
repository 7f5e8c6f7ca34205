"""Pengaduan: complaints with their response clock (due = received + the response limit, 4 hours by default).

States run baru → ditanggapi → selesai (the same machine the district checks). The first response and
the resolution are kept with who and when. Every change goes through ``record_change`` (audit entry and
outbox row in the same transaction): "create" once, then "transition" changes. A resident at the kiosk
may file a complaint only for themself and see only their own.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import quote

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kiosk import settings
from kiosk.actor import Actor
from kiosk.changes import record_change, write_audit
from kiosk.db import Store
from kiosk.errors import DomainError, NotFound, PermissionDenied, ValidationError
from kiosk.i18n import N_, _
from kiosk.models import Complaint, OfficeProfile, Resident, utcnow
from kiosk.permissions import allowed, require

log = logging.getLogger(__name__)

STATUS_NEW = "baru"
STATUS_RESPONDED = "ditanggapi"
STATUS_DONE = "selesai"
STATUSES = (STATUS_NEW, STATUS_RESPONDED, STATUS_DONE)
# Must equal sync.protocol.COMPLAINT_TRANSITIONS (a test checks; the core does not import sync).
TRANSITIONS: dict[str, frozenset[str]] = {
    STATUS_NEW: frozenset({STATUS_RESPONDED}),
    STATUS_RESPONDED: frozenset({STATUS_DONE}),
    STATUS_DONE: frozenset(),
}
STATUS_LABELS = {STATUS_NEW: N_("New"), STATUS_RESPONDED: N_("Responded"), STATUS_DONE: N_("Resolved")}

CHANNEL_COUNTER = "loket"
CHANNEL_KIOSK = "kios"
CHANNELS: dict[str, str] = {
    CHANNEL_COUNTER: N_("Counter"),
    CHANNEL_KIOSK: N_("Kiosk"),
    "whatsapp": N_("WhatsApp"),
    "telepon": N_("Telephone"),
    "surat": N_("Letter"),
}
DUE_SOON = dt.timedelta(hours=1)  # "due soon" on the home screen: less than this left
MAX_TEXT = 4000
MAX_HOURS = 24 * 14


class ComplaintStateError(DomainError):
    """The complaint is not in a state that allows this step (e.g. responding twice)."""

    code = "complaint_state"
    template = N_("This complaint is already “{status}”; it cannot be {action}.")

    def user_message(self) -> str:
        status = str(self.data.get("status", ""))
        return _(self.template).format(status=_(STATUS_LABELS.get(status, status)),
                                       action=_(str(self.data.get("action", ""))))


class KioskOwnOnly(PermissionDenied):
    """A resident at the kiosk tried to act for someone else."""

    code = "kiosk_own_only"
    template = N_("At the kiosk you can only file and see your own complaints.")


@dataclass(frozen=True)
class ComplaintInfo:
    """One complaint as plain data for screens and the command line."""

    id: str
    channel: str
    reporter_resident_id: str | None
    reporter_name: str
    reporter_phone: str
    category: str
    text: str
    received_at: dt.datetime
    due_at: dt.datetime
    status: str
    first_response_at: dt.datetime | None
    first_response_by: str | None
    first_response: str | None
    resolved_at: dt.datetime | None
    resolved_by: str | None
    resolution: str | None
    version: int

    @property
    def is_open(self) -> bool:
        return self.status != STATUS_DONE

    @property
    def awaiting_response(self) -> bool:
        """The 4-hour clock runs until the first response."""
        return self.status == STATUS_NEW

    def remaining(self, now: dt.datetime) -> dt.timedelta:
        """Time left until the due time (negative when overdue)."""
        return self.due_at - now

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.awaiting_response and now > self.due_at

    @property
    def answered_in_time(self) -> bool | None:
        """Whether the first response came within the limit (None while none has come)."""
        if self.first_response_at is None:
            return None
        return self.first_response_at <= self.due_at

    def to_json(self) -> dict[str, Any]:
        return {f.name: (v.isoformat() if isinstance(v := getattr(self, f.name), dt.datetime) else v)
                for f in fields(self)}


@dataclass(frozen=True)
class ComplaintCounts:
    open: int  # baru + ditanggapi
    awaiting: int  # baru (no response yet)
    overdue: int  # baru and past the due time
    due_soon: int  # baru, due within the next hour


_FIELDS = [f.name for f in fields(ComplaintInfo)]


def _info(c: Complaint) -> ComplaintInfo:
    return ComplaintInfo(**{name: getattr(c, name) for name in _FIELDS})


# --- phone numbers and WhatsApp ---------------------------------------------------------------------


def normalize_phone(phone: str | None) -> str | None:
    """An Indonesian number in international form without "+": ``0812-3456-789`` → ``628123456789``.

    ``None`` when the text is not a plausible phone number.
    """
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    if not 9 <= len(digits) <= 15:
        return None
    return digits


def _local(when: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time in the machine's local time zone (WIB in Banyuwangi)."""
    return when.replace(tzinfo=dt.UTC).astimezone()


def whatsapp_message(complaint: ComplaintInfo, village: str = "") -> str:
    """The prepared Indonesian message for replying on WhatsApp (the resident reads Indonesian)."""
    received = _local(complaint.received_at)
    greeting = f"Yth. Bapak/Ibu {complaint.reporter_name}," if complaint.reporter_name else "Yth. Bapak/Ibu,"
    lines = [
        greeting,
        "",
        f"terima kasih atas pengaduan Anda tentang {complaint.category} yang kami terima pada "
        f"{received:%d-%m-%Y} pukul {received:%H.%M}.",
    ]
    if complaint.resolution:
        lines += ["", f"Penyelesaian: {complaint.resolution}"]
    elif complaint.first_response:
        lines += ["", f"Tanggapan kami: {complaint.first_response}"]
    else:
        lines += ["", "Pengaduan Anda sedang kami tindak lanjuti."]
    lines += ["", "Hormat kami,", f"Kantor Desa {village}".strip()]
    return "\n".join(lines)


def whatsapp_link(complaint: ComplaintInfo, village: str = "") -> str | None:
    """``https://wa.me/62…?text=…`` with the prepared message, or None without a usable phone number."""
    number = normalize_phone(complaint.reporter_phone)
    if number is None:
        return None
    return f"https://wa.me/{number}?text={quote(whatsapp_message(complaint, village), safe='')}"


# --- the service ------------------------------------------------------------------------------------


class ComplaintService:
    """Pengaduan over one store. ``clock`` gives "now" as naive UTC (tests fix it)."""

    def __init__(self, store: Store, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.store = store
        self.clock = clock

    # ---- settings ----

    def categories(self) -> list[str]:
        with self.store.read() as s:
            return [str(c) for c in settings.get(s, settings.COMPLAINT_CATEGORIES)]

    def response_hours(self) -> float:
        with self.store.read() as s:
            return float(settings.get(s, settings.COMPLAINT_RESPONSE_HOURS))

    def configure(self, actor: Actor, *, categories: list[str] | None = None,
                  response_hours: float | None = None) -> None:
        """Change the category list and/or the response limit (admins; audited)."""
        require(actor, "settings.edit")
        errors: dict[str, str] = {}
        cleaned: list[str] | None = None
        if categories is not None:
            cleaned = []
            for c in categories:
                c = " ".join(str(c).split())
                if c and c.casefold() not in {x.casefold() for x in cleaned}:
                    cleaned.append(c[:80])
            if not cleaned:
                errors["categories"] = N_("Keep at least one category.")
        if response_hours is not None and not 0 < float(response_hours) <= MAX_HOURS:
            errors["response_hours"] = N_("The response limit must be more than 0 and at most 336 hours.")
        if errors:
            raise ValidationError(fields=errors)
        with self.store.write() as s:
            if cleaned is not None:
                settings.put(s, settings.COMPLAINT_CATEGORIES, cleaned)
                write_audit(s, actor, action="settings.update", entity="setting",
                            entity_id=settings.COMPLAINT_CATEGORIES.key, details={"value": cleaned})
            if response_hours is not None:
                settings.put(s, settings.COMPLAINT_RESPONSE_HOURS, float(response_hours))
                write_audit(s, actor, action="settings.update", entity="setting",
                            entity_id=settings.COMPLAINT_RESPONSE_HOURS.key,
                            details={"value": float(response_hours)})

    # ---- reading ----

    def _check_view(self, actor: Actor) -> str | None:
        """The resident id a kiosk actor is limited to (None for staff)."""
        if actor.role == "resident":
            require(actor, "kiosk.view_own")
            return actor.user_id or ""
        require(actor, "complaint.view")
        return None

    def get(self, actor: Actor, complaint_id: str) -> ComplaintInfo:
        own = self._check_view(actor)
        with self.store.read() as s:
            c = s.get(Complaint, complaint_id)
            if c is None:
                raise NotFound()
            if own is not None and c.reporter_resident_id != own:
                raise KioskOwnOnly()
            return _info(c)

    def list(self, actor: Actor, status: str | None = None, overdue_only: bool = False, *,
             category: str | None = None, text: str = "", now: dt.datetime | None = None,
             limit: int = 1000) -> list[ComplaintInfo]:
        """Open complaints first, soonest due first; then resolved ones, newest first."""
        own = self._check_view(actor)
        now = now or self.clock()
        q = select(Complaint)
        if own is not None:
            q = q.where(Complaint.reporter_resident_id == own)
        if status == "open":
            q = q.where(Complaint.status != STATUS_DONE)
        elif status:
            q = q.where(Complaint.status == status)
        if overdue_only:
            q = q.where(Complaint.status == STATUS_NEW, Complaint.due_at < now)
        if category:
            q = q.where(Complaint.category == category)
        if text.strip():
            pattern = f"%{text.strip()}%"
            q = q.where(Complaint.text.ilike(pattern) | Complaint.reporter_name.ilike(pattern))
        done_last = case((Complaint.status == STATUS_DONE, 1), else_=0)
        q = q.order_by(done_last, case((Complaint.status == STATUS_DONE, Complaint.received_at), else_=None).desc(),
                       Complaint.due_at).limit(limit)
        with self.store.read() as s:
            return [_info(c) for c in s.execute(q).scalars()]

    def counts(self, actor: Actor | None = None, now: dt.datetime | None = None) -> ComplaintCounts:
        """Open, awaiting a response, overdue and due within the hour (the navigation badge, Beranda)."""
        if actor is not None:
            self._check_view(actor)
        now = now or self.clock()
        new = Complaint.status == STATUS_NEW
        q = select(
            func.count(),
            func.coalesce(func.sum(case((new, 1), else_=0)), 0),
            func.coalesce(func.sum(case((new & (Complaint.due_at < now), 1), else_=0)), 0),
            func.coalesce(func.sum(case(
                (new & (Complaint.due_at >= now) & (Complaint.due_at < now + DUE_SOON), 1), else_=0)), 0),
        ).where(Complaint.status != STATUS_DONE)
        with self.store.read() as s:
            total, awaiting, overdue, soon = s.execute(q).one()
        return ComplaintCounts(int(total), int(awaiting), int(overdue), int(soon))

    def whatsapp_link(self, complaint: ComplaintInfo) -> str | None:
        with self.store.read() as s:
            village = s.execute(select(OfficeProfile.village_name)).scalar() or ""
        return whatsapp_link(complaint, village)

    # ---- writing ----

    def record(
        self,
        actor: Actor,
        channel: str,
        category: str,
        text: str,
        reporter_resident_id: str | None = None,
        reporter_name: str = "",
        reporter_phone: str = "",
        *,
        received_at: dt.datetime | None = None,
    ) -> ComplaintInfo:
        """Record a complaint (staff: any channel; a kiosk resident: only their own, channel "kios")."""
        if actor.role == "resident":
            require(actor, "kiosk.file_complaint")
            if reporter_resident_id not in (None, actor.user_id):
                raise KioskOwnOnly()
            reporter_resident_id = actor.user_id
            channel = CHANNEL_KIOSK
            received_at = None  # the kiosk cannot backdate
        else:
            require(actor, "complaint.record")
        now = self.clock()
        received = received_at or now
        errors: dict[str, str] = {}
        if channel not in CHANNELS:
            errors["channel"] = N_("Choose one of the listed channels.")
        category = " ".join(category.split())
        text = text.strip()
        reporter_name = " ".join(reporter_name.split())
        reporter_phone = reporter_phone.strip()
        if not category:
            errors["category"] = N_("Choose a category.")
        if not text:
            errors["text"] = N_("Write what the complaint is about.")
        elif len(text) > MAX_TEXT:
            errors["text"] = N_("The text is too long (at most 4000 characters).")
        if reporter_phone and normalize_phone(reporter_phone) is None:
            errors["reporter_phone"] = N_("This is not a valid phone number.")
        if received > now + dt.timedelta(minutes=5):
            errors["received_at"] = N_("The date cannot be in the future.")
        with self.store.write() as s:
            if category and category not in settings.get(s, settings.COMPLAINT_CATEGORIES):
                errors["category"] = N_("Choose one of the listed categories.")
            if reporter_resident_id is not None:
                resident = s.get(Resident, reporter_resident_id)
                if resident is None:
                    errors["reporter_resident_id"] = N_("The resident was not found.")
                else:
                    reporter_name = reporter_name or resident.name
                    reporter_phone = reporter_phone or resident.phone or ""
            elif not reporter_name and channel != CHANNEL_KIOSK:
                errors["reporter_name"] = N_("Give the reporter's name or choose a resident.")
            if errors:
                raise ValidationError(fields=errors)
            hours = float(settings.get(s, settings.COMPLAINT_RESPONSE_HOURS))
            c = Complaint(
                channel=channel,
                reporter_resident_id=reporter_resident_id,
                reporter_name=reporter_name,
                reporter_phone=reporter_phone,
                category=category,
                text=text,
                received_at=received,
                due_at=received + dt.timedelta(hours=hours),
                status=STATUS_NEW,
                device_id=actor.device_id,
                version=1,
            )
            s.add(c)
            s.flush()
            payload = {k: getattr(c, k) for k in (
                "channel", "reporter_resident_id", "reporter_name", "reporter_phone", "category", "text",
                "received_at", "due_at", "status")}
            payload["response_hours"] = hours
            record_change(s, actor, entity="complaint", entity_id=c.id, op="create", payload=payload)
            log.info("complaint %s recorded (%s, %s)", c.id, channel, category)
            return _info(c)

    def respond(self, actor: Actor, complaint_id: str, text: str) -> ComplaintInfo:
        """Record the first response (baru → ditanggapi); this stops the response clock."""
        require(actor, "complaint.respond")
        text = text.strip()
        if not text:
            raise ValidationError(fields={"text": N_("Write the response.")})
        with self.store.write() as s:
            c = self._load(s, complaint_id)
            self._check_step(c, STATUS_RESPONDED, N_("responded to again"))
            self._respond(s, actor, c, text)
            return _info(c)

    def resolve(self, actor: Actor, complaint_id: str, text: str) -> ComplaintInfo:
        """Record the resolution (→ selesai). A complaint still without a response gets ``text`` as
        its first response too (two recorded steps, so the district sees the same machine)."""
        require(actor, "complaint.respond")
        text = text.strip()
        if not text:
            raise ValidationError(fields={"text": N_("Write how the complaint was resolved.")})
        with self.store.write() as s:
            c = self._load(s, complaint_id)
            if c.status == STATUS_NEW:
                self._respond(s, actor, c, text)
            self._check_step(c, STATUS_DONE, N_("resolved again"))
            now = self.clock()
            c.status = STATUS_DONE
            c.resolved_at = now
            c.resolved_by = actor.user_id
            c.resolution = text
            record_change(s, actor, entity="complaint", entity_id=c.id, op="transition", record=c,
                          payload={"to": STATUS_DONE, "at": now, "resolution": text,
                                   "resolved_by": actor.user_id},
                          action="complaint.resolve", audit_details={"to": STATUS_DONE})
            return _info(c)

    def _respond(self, s: Session, actor: Actor, c: Complaint, text: str) -> None:
        now = self.clock()
        c.status = STATUS_RESPONDED
        c.first_response_at = now
        c.first_response_by = actor.user_id
        c.first_response = text
        record_change(s, actor, entity="complaint", entity_id=c.id, op="transition", record=c,
                      payload={"to": STATUS_RESPONDED, "at": now, "first_response": text,
                               "first_response_by": actor.user_id},
                      action="complaint.respond",
                      audit_details={"to": STATUS_RESPONDED, "in_time": now <= c.due_at})

    @staticmethod
    def _load(s: Session, complaint_id: str) -> Complaint:
        c = s.get(Complaint, complaint_id)
        if c is None:
            raise NotFound()
        return c

    @staticmethod
    def _check_step(c: Complaint, target: str, action: str) -> None:
        if target not in TRANSITIONS.get(c.status, frozenset()):
            raise ComplaintStateError(status=c.status, action=action)


def can_respond(actor: Actor) -> bool:
    return allowed(actor, "complaint.respond")
