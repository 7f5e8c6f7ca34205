"""Letters: requests (permohonan) and their states: diajukan → disetujui → diterbitkan, or ditolak (with
a reason) or dibatalkan; approvals; the daily queue numbers and the queue ticket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import forms
from kiosk.actor import Actor
from kiosk.changes import record_change
from kiosk.errors import PermissionDenied, ValidationError
from kiosk.i18n import N_
from kiosk.ids import new_id
from kiosk.models import LetterRequest
from kiosk.permissions import require
from kiosk.services.letters.catalogue import LetterCatalogue
from kiosk.services.letters.model import (
    CHANNELS,
    DIAJUKAN,
    DIBATALKAN,
    DISETUJUI,
    DITERBITKAN,
    DITOLAK,
    OPEN_STATES,
    QUEUE_PREFIX,
    InvalidState,
    RequestInfo,
    field_errors,
    utc_naive,
)
from kiosk.services.letters_document import jsonable, office_snapshot


class LetterRequests(LetterCatalogue):
    """Creating, listing, approving, rejecting and cancelling requests."""

    def create_request(self, actor: Actor, *, resident_id: str, letter_type: str, values: dict[str, Any],
                       channel: str = "loket") -> RequestInfo:
        """A new request (diajukan). A kiosk actor may only ask for itself and for kiosk types."""
        lt = self.letter_type(letter_type)
        channel = self._check_requester(actor, resident_id, lt, channel)
        with self.store.write() as s:
            req = self._new_request(s, actor, resident_id=resident_id, lt=lt, values=values, channel=channel)
            return self._request_info(s, req)

    def list_requests(self, actor: Actor, *, status: str | None = None, channel: str | None = None,
                      resident_id: str | None = None, limit: int = 500) -> list[RequestInfo]:
        """Requests, newest first. A kiosk actor sees only its own."""
        if actor.role == "resident":
            require(actor, "kiosk.view_own")
            resident_id = actor.user_id
        else:
            require(actor, "letter.request")
        q = select(LetterRequest)
        if status:
            q = q.where(LetterRequest.status == status)
        if channel:
            q = q.where(LetterRequest.channel == channel)
        if resident_id:
            q = q.where(LetterRequest.resident_id == resident_id)
        q = q.order_by(LetterRequest.created_at.desc(), LetterRequest.id.desc()).limit(limit)
        with self.store.read() as s:
            return self._request_infos(s, list(s.execute(q).scalars()))

    def get_request(self, actor: Actor, request_id: str) -> RequestInfo:
        with self.store.read() as s:
            req = self._request(s, request_id)
            self._check_own(actor, req.resident_id)
            return self._request_info(s, req)

    def approve(self, actor: Actor, request_id: str) -> RequestInfo:
        with self.store.write() as s:
            req = self._approve_in(s, actor, self._request(s, request_id))
            return self._request_info(s, req)

    def approve_many(self, actor: Actor, ids: list[str]) -> list[RequestInfo]:
        """Approve several requests at once: all or none (one transaction)."""
        with self.store.write() as s:
            reqs = [self._approve_in(s, actor, self._request(s, rid)) for rid in ids]
            return self._request_infos(s, reqs)

    def reject(self, actor: Actor, request_id: str, reason: str) -> RequestInfo:
        return self._close(actor, request_id, DITOLAK, reason)

    def cancel(self, actor: Actor, request_id: str, reason: str) -> RequestInfo:
        return self._close(actor, request_id, DIBATALKAN, reason)

    def waiting_counts(self) -> dict[str, int]:
        """Open requests (diajukan + disetujui) per channel, for the navigation badge."""
        counts = {c: 0 for c in CHANNELS}
        with self.store.read() as s:
            rows = s.execute(select(LetterRequest.channel, func.count()).where(
                LetterRequest.status.in_(OPEN_STATES)).group_by(LetterRequest.channel)).all()
        for channel, n in rows:
            counts[str(channel)] = int(n)
        return counts

    def queue_ticket_pdf(self, actor: Actor, request_id: str) -> bytes:
        """The 80 mm queue ticket of a request (kiosk or counter)."""
        from printing.tickets import render_queue_ticket

        with self.store.read() as s:
            req = self._request(s, request_id)
            self._check_own(actor, req.resident_id)
            office = office_snapshot(self._profile(s))
            lt = self.catalog().get(req.letter_type)
            local = req.created_at.replace(tzinfo=dt.UTC).astimezone()
            data = {
                "village": f"{office['sebutan_desa']} {office['desa']}",
                "queue_number": req.queue_number or "",
                "issued_at": local.replace(tzinfo=None).isoformat(timespec="minutes"),
                "letter_title": lt.title.title() if lt else req.letter_type,
                "bring": list(lt.requirements) if lt else [],
                "request_number": request_id[-8:].upper(),
                "note": "Tunggu nomor Anda dipanggil petugas.",
            }
        return render_queue_ticket(data)

    def _check_requester(self, actor: Actor, resident_id: str, lt: forms.LetterType, channel: str) -> str:
        if actor.role == "resident":
            require(actor, "kiosk.request_letter")
            if actor.user_id != resident_id:
                raise PermissionDenied(permission="kiosk.request_letter")
            if not lt.kiosk:
                raise PermissionDenied(N_("{title} cannot be requested at the kiosk; ask at the counter."),
                                       title=lt.title.title(), permission="kiosk.request_letter")
            return "kios"
        require(actor, "letter.request")
        if channel not in CHANNELS:
            raise ValidationError(fields={"channel": N_("Choose one of the listed values.")})
        return channel

    def _new_request(self, s: Session, actor: Actor, *, resident_id: str, lt: forms.LetterType,
                     values: Mapping[str, Any], channel: str) -> LetterRequest:
        resident = self._resident(s, resident_id)
        cleaned, errors = forms.validate_values(lt, values, self.clock().date(), self._lookup(s))
        if errors:
            raise ValidationError(fields=field_errors(errors))
        now = self.clock()
        req = LetterRequest(
            id=new_id(), resident_id=resident.id, letter_type=lt.code, letter_type_version=lt.version,
            values=jsonable(cleaned), channel=channel, status=DIAJUKAN,
            queue_number=self._next_queue_number(s, channel, now), created_at=utc_naive(now),
            created_by=actor.user_id, device_id=actor.device_id, version=1)
        s.add(req)
        s.flush()
        record_change(s, actor, entity="letter_request", entity_id=req.id, op="create", action="letter_request.create",
                      payload={"id": req.id, "resident_id": req.resident_id, "letter_type": req.letter_type,
                               "letter_type_version": req.letter_type_version, "values": req.values,
                               "channel": channel, "status": DIAJUKAN, "queue_number": req.queue_number,
                               "created_at": req.created_at, "created_by": req.created_by,
                               "device_id": req.device_id},
                      audit_details={"letter_type": lt.code, "channel": channel, "fields": sorted(cleaned)})
        return req

    def _next_queue_number(self, s: Session, channel: str, now: dt.datetime) -> str:
        """The next daily queue number of a channel: K-001, K-002, ... (L- at the counter)."""
        local = now if now.tzinfo else now.astimezone()
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        lo, hi = utc_naive(start), utc_naive(start + dt.timedelta(days=1))
        prefix = QUEUE_PREFIX.get(channel, "L")
        taken = s.execute(select(LetterRequest.queue_number).where(
            LetterRequest.channel == channel, LetterRequest.created_at >= lo, LetterRequest.created_at < hi)).scalars()
        highest = 0
        for q in taken:
            try:
                highest = max(highest, int(str(q).rsplit("-", 1)[-1]))
            except ValueError:
                continue
        return f"{prefix}-{highest + 1:03d}"

    def _transition(self, s: Session, actor: Actor, req: LetterRequest, status: str, *,
                    reason: str | None = None, action: str) -> None:
        base = req.version
        req.status = status
        at = utc_naive(self.clock())
        # the wire format of a transition (sync.protocol): "to" and "at"; other keys are the record's fields
        payload: dict[str, Any] = {"to": status, "at": at}
        if status in (DISETUJUI, DITOLAK, DIBATALKAN) or req.decided_at is None:
            req.decided_at = at
            req.decided_by = actor.user_id
            payload.update(decided_at=req.decided_at, decided_by=req.decided_by)
        if reason is not None:
            req.reason = reason
            payload["reason"] = reason
        if status == DITERBITKAN:
            payload["letter_id"] = req.letter_id
        record_change(s, actor, entity="letter_request", entity_id=req.id, op="transition", payload=payload,
                      record=req, action=action,
                      audit_details={"from_version": base, "status": status})

    def _approve_in(self, s: Session, actor: Actor, req: LetterRequest) -> LetterRequest:
        lt = self.letter_type(req.letter_type)
        require(actor, "letter.approve" if lt.needs_approval else "letter.issue")
        if req.status != DIAJUKAN:
            raise InvalidState(status=req.status, action=N_("approved"))
        self._transition(s, actor, req, DISETUJUI, action="letter_request.approve")
        return req

    def _close(self, actor: Actor, request_id: str, status: str, reason: str) -> RequestInfo:
        reason = self._reason(reason)
        with self.store.write() as s:
            req = self._request(s, request_id)
            if status == DIBATALKAN and actor.role == "resident":
                self._check_own(actor, req.resident_id)
            else:
                lt = self.catalog().get(req.letter_type)
                need = "letter.approve" if status == DITOLAK and lt is not None and lt.needs_approval else (
                    "letter.issue" if status == DITOLAK else "letter.request")
                require(actor, need)
            if req.status not in OPEN_STATES:
                raise InvalidState(status=req.status,
                                   action=N_("rejected") if status == DITOLAK else N_("cancelled"))
            self._transition(s, actor, req, status, reason=reason,
                             action="letter_request.reject" if status == DITOLAK else "letter_request.cancel")
            return self._request_info(s, req)

    @staticmethod
    def _reason(reason: str | None) -> str:
        text = (reason or "").strip()
        if not text:
            raise ValidationError(fields={"reason": N_("Give a reason.")})
        return text

