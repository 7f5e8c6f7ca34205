"""Surat: letter requests (permohonan), approval, issuing numbered and signed letters, void, reissue,
reprint, the register (Buku Agenda Surat Keluar) and offline verification.

States of a request: diajukan → disetujui → diterbitkan, or ditolak (with a reason) or dibatalkan.
Issuing runs in ONE ``Store.write()`` transaction: the clock check, the number
(``kiosk.services.numbering.allocate_number``), the letter row, its number row, the request's
transition, the audit entries and the outbox rows. The PDF is archived (temp file, fsync, rename)
before the commit and deleted again when the commit fails. An issued letter never changes except void
and its print count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import forms
from kiosk import settings
from kiosk.actor import Actor
from kiosk.changes import record_change
from kiosk.db import Store, get_or_raise
from kiosk.errors import DomainError, NotConfigured, NotFound, PermissionDenied, ValidationError
from kiosk.i18n import N_, _
from kiosk.ids import new_id
from kiosk.models import Device, Letter, LetterNumber, LetterRequest, OfficeProfile, Resident
from kiosk.nik import mask_nik
from kiosk.permissions import allowed, require
from kiosk.services.letters_document import (
    PREVIEW_NUMBER,
    Signer,
    build_document,
    default_signers,
    jsonable,
    letter_content_hash,
    logo_file,
    office_snapshot,
    resident_snapshot,
    signer_for_role,
    with_full_address,
)
from kiosk.services.numbering import allocate_number, format_number, sequence_key_for

log = logging.getLogger(__name__)

__all__ = [
    "ApprovalRequired", "ArchiveDamaged", "ClockBehind", "InvalidState", "LetterInfo", "LetterService",
    "LetterVoided", "NotIssuingDevice", "RegisterRow", "RequestInfo", "Signer", "UnknownLetterType", "VerifyReport",
]

# request states
DIAJUKAN = "diajukan"
DISETUJUI = "disetujui"
DITERBITKAN = "diterbitkan"
DITOLAK = "ditolak"
DIBATALKAN = "dibatalkan"
REQUEST_STATES = (DIAJUKAN, DISETUJUI, DITERBITKAN, DITOLAK, DIBATALKAN)
OPEN_STATES = (DIAJUKAN, DISETUJUI)
CHANNELS = ("loket", "kios")
QUEUE_PREFIX = {"kios": "K", "loket": "L"}
# The district's clock and ours differ by network delay and drift: behind it by more than this refuses.
SERVER_CLOCK_TOLERANCE = dt.timedelta(minutes=5)

VERIFY_REASONS: dict[str, str] = {
    "ok": N_("The letter is authentic: signature valid, known to this office, content unchanged, not void."),
    "malformed": N_("This is not a Smart Kampung letter code (it could not be read)."),
    "unknown_device": N_("The letter was signed by a device whose key is not known here."),
    "bad_signature": N_("The signature does not match: the code was changed or forged."),
    "unknown_letter": N_("The signature is valid but this office has no record of the letter."),
    "content_mismatch": N_("The letter's content does not match the signed content."),
    "voided": N_("The letter was voided: {reason}"),
    "no_token": N_("No letter code was found in this file."),
}


# --- errors -------------------------------------------------------------------------------------


class InvalidState(DomainError):
    code = "invalid_state"
    template = N_("This request is “{status}” and cannot be {action}.")

    def user_message(self) -> str:
        data = {k: _(str(v)) for k, v in self.data.items()}
        return _(self.template).format(**data)


class ApprovalRequired(DomainError):
    code = "approval_required"
    template = N_("{title}: a supervisor must approve this request before the letter is issued.")


class UnknownLetterType(DomainError):
    code = "unknown_letter_type"
    template = N_("Unknown letter type “{code}”.")


class ClockBehind(DomainError):
    code = "clock_behind"
    template = N_(
        "The computer's clock ({now}) is behind the last letter issued or the last server time ({last}). "
        "Correct the date and time before issuing letters."
    )


class NotIssuingDevice(DomainError):
    code = "not_issuing_device"
    template = N_("This device is a kiosk: only the office computer issues letters.")


class ArchiveDamaged(DomainError):
    code = "archive_damaged"
    template = N_("The archived PDF of letter {number} is missing or damaged. Restore it from a backup.")


class LetterVoided(DomainError):
    code = "letter_voided"
    template = N_("Letter {number} was voided and cannot be printed.")


# --- plain data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInfo:
    """A letter request as plain data."""

    id: str
    resident_id: str
    resident_name: str
    nik_masked: str
    letter_type: str
    letter_title: str
    needs_approval: bool
    values: dict[str, Any]
    status: str
    channel: str
    queue_number: str | None
    reason: str | None
    created_at: dt.datetime
    created_by: str | None
    decided_at: dt.datetime | None
    decided_by: str | None
    letter_id: str | None
    letter_number: str | None
    version: int


@dataclass(frozen=True)
class LetterInfo:
    """An issued letter as plain data (``pdf_path`` absolute)."""

    id: str
    request_id: str | None
    number: str
    year: int
    sequence_key: str
    sequence_number: int
    letter_type: str
    letter_title: str
    letter_type_version: int
    resident_id: str | None
    resident_name: str
    nik_masked: str
    values: dict[str, Any]
    signer: dict[str, Any]
    issued_at: dt.datetime
    issued_on: dt.date
    valid_until: dt.date | None
    content_hash: str
    token: str | None
    pdf_path: str | None
    pdf_hash: str | None
    issued_by: str | None
    reissue_of: str | None
    voided: bool
    voided_at: dt.datetime | None
    voided_by: str | None
    void_reason: str | None
    print_count: int


@dataclass(frozen=True)
class RegisterRow:
    """One line of the Buku Agenda Surat Keluar: a number and what became of it."""

    year: int
    sequence_key: str
    sequence_number: int
    number: str
    issued_on: dt.date | None
    letter_type: str
    letter_title: str
    resident_name: str
    state: str  # issued | void | unused
    letter_id: str | None
    print_count: int
    void_reason: str | None


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of checking a letter's token: ``reason`` names the first check that failed."""

    ok: bool
    reason: str
    message: str
    letter_id: str | None = None
    number: str | None = None
    village_code: str | None = None
    issued_on: str | None = None
    device_id: str | None = None
    checks: tuple[tuple[str, bool], ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "reason": self.reason, "message": self.message, "letter_id": self.letter_id,
                "number": self.number, "village_code": self.village_code, "issued_on": self.issued_on,
                "device_id": self.device_id, "checks": [{"check": c, "ok": ok} for c, ok in self.checks]}


def _local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _local_text(utc_naive: dt.datetime) -> str:
    return utc_naive.replace(tzinfo=dt.UTC).astimezone().strftime("%d-%m-%Y %H:%M")


def _fsync_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably: temp file, fsync, rename, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves nothing half-written behind
        raise
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # e.g. Windows: directories cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_LETTER_SETTINGS = (settings.NUMBER_FORMAT, settings.NUMBER_SEQUENCE, settings.PAPER, settings.MARGINS_MM)


def _letter_settings(s: Session) -> dict[str, Any]:
    """The settings an issue needs, in one query (each with its declared type and default)."""
    from kiosk.models import Setting

    stored = {k: v for k, v in s.execute(select(Setting.key, Setting.value).where(
        Setting.key.in_([d.key for d in _LETTER_SETTINGS]))).all()}
    out: dict[str, Any] = {}
    for d in _LETTER_SETTINGS:
        value = stored.get(d.key)
        if value is None:
            out[d.key] = d.default
            continue
        try:
            out[d.key] = d.type(value) if d.type in (int, float, str) else value
        except (TypeError, ValueError):
            out[d.key] = d.default
    return out


def _field_errors(errors: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, msg in errors.items():
        out[name] = msg.translate(_) if isinstance(msg, forms.ValidationMessage) else _(str(msg))
    return out


class LetterService:
    """Letters over one store. ``clock`` gives the device's local time (tests replace it)."""

    def __init__(self, store: Store, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.store = store
        self.clock: Callable[[], dt.datetime] = clock or _local_now
        self._catalog: forms.LetterTypeCatalog | None = None

    # ---- letter types ----

    def catalog(self) -> forms.LetterTypeCatalog:
        """Shipped types plus the village's own (``<data_dir>/letter_types``); broken files in ``.broken``."""
        if self._catalog is None:
            self._catalog = forms.load_catalog([self.store.paths.letter_types])
        return self._catalog

    def reload(self) -> forms.LetterTypeCatalog:
        self._catalog = None
        return self.catalog()

    def letter_type(self, code: str) -> forms.LetterType:
        lt = self.catalog().get(code)
        if lt is None:
            raise UnknownLetterType(code=code)
        return lt

    def save_custom_type(self, actor: Actor, lt: forms.LetterType) -> None:
        """Write a village's own type (admin). A shipped type's code cannot be reused."""
        require(actor, "letter_type.edit")
        existing = self.catalog().get(lt.code)
        if existing is not None and existing.builtin:
            raise ValidationError(N_("The code {code} belongs to a shipped letter type; choose another."),
                                  fields={"code": N_("Already used by a shipped type")}, code=lt.code)
        try:
            saved = forms.save_letter_type(lt, self.store.paths.letter_types)
        except forms.LetterTypeError as e:
            raise ValidationError(N_("The letter type cannot be saved: {error}"),
                                  error=_(e.template).format(**e.params)) from None
        with self.store.write() as s:
            record_change(s, actor, entity="letter_type", entity_id=saved.code, op="update",
                          payload={"code": saved.code, "title": saved.title, "version": saved.version},
                          action="letter_type.save")
        self.reload()

    def signers(self) -> list[Signer]:
        """The usual signers of this office: the head, and the secretary a.n. the head."""
        with self.store.read() as s:
            return default_signers(office_snapshot(self._profile(s)))

    def signer_for(self, role: str) -> Signer:
        """The default signer of a role: "kepala" (the head) or "sekretaris" (a.n. the head)."""
        with self.store.read() as s:
            found = signer_for_role(office_snapshot(self._profile(s)), role)
        if found is None:
            raise ValidationError(fields={"signer": N_("Choose one of the listed values.")})
        return found

    def check_values(self, letter_type: str, values: Mapping[str, Any]) -> dict[str, str]:
        """Per-field messages (translated) for the values of a form; empty when all is well."""
        lt = self.letter_type(letter_type)
        with self.store.read() as s:
            _cleaned, errors = forms.validate_values(lt, values, self.clock().date(), self._lookup(s))
        return _field_errors(errors)

    # ---- requests ----

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

    # ---- issuing ----

    def issue(self, actor: Actor, request_id: str, *, signer: Signer | None = None) -> LetterInfo:
        """Number, sign, render and archive the letter of an approved request (or of a diajukan request
        of a type that needs no approval)."""
        require(actor, "letter.issue")
        with self._archive_guard() as written, self.store.write() as s:
            req = self._request(s, request_id)
            lt = self.letter_type(req.letter_type)
            if req.status == DIAJUKAN:
                if lt.needs_approval:
                    raise ApprovalRequired(title=lt.title.title())
                # no approval needed: diajukan → diterbitkan in one step (the protocol allows it)
            elif req.status != DISETUJUI:
                raise InvalidState(status=req.status, action=N_("issued"))
            letter = self._issue_in(s, actor, req, lt, signer, written)
            return self._letter_info(s, letter)

    def issue_direct(self, actor: Actor, *, resident_id: str, letter_type: str, values: dict[str, Any],
                     signer: Signer | None = None) -> LetterInfo:
        """At the counter: request, approve (when the actor may) and issue in one transaction."""
        require(actor, "letter.issue")
        lt = self.letter_type(letter_type)
        if lt.needs_approval and not allowed(actor, "letter.approve"):
            raise ApprovalRequired(title=lt.title.title())
        self._check_requester(actor, resident_id, lt, "loket")
        with self._archive_guard() as written, self.store.write() as s:
            req = self._new_request(s, actor, resident_id=resident_id, lt=lt, values=values, channel="loket")
            if lt.needs_approval:
                self._approve_in(s, actor, req)
            letter = self._issue_in(s, actor, req, lt, signer, written)
            return self._letter_info(s, letter)

    def preview_pdf(self, actor: Actor, *, resident_id: str, letter_type: str, values: dict[str, Any],
                    signer: Signer | None = None) -> bytes:
        """The letter as it would print, numbered "PRATINJAU", without QR; nothing is saved.
        Values that do not validate print as "-"."""
        from kiosk.services.letter_draft import draft_values, mark_draft
        from printing.letter import render_letter

        if actor.role == "resident":
            self._check_own(actor, resident_id)
        else:
            require(actor, "letter.request")
        lt = self.letter_type(letter_type)
        today = self.clock().date()
        with self.store.read() as s:
            resident = self._resident(s, resident_id)
            profile = self._profile(s)
            cleaned, errors = forms.validate_values(lt, values, today, self._lookup(s))
            for name in errors:
                if name in cleaned:
                    cleaned[name] = None
            cleaned = draft_values(lt, cleaned)
            office = office_snapshot(profile)
            signer = signer or default_signers(office)[0]
            content = forms.render_letter(lt, with_full_address(resident_snapshot(resident), office), office, cleaned,
                                          {"nomor": PREVIEW_NUMBER, "tanggal": today})
            doc = build_document(content, office, signer, number=PREVIEW_NUMBER, issued_on=today,
                                 paper=settings.get(s, settings.PAPER), margins_mm=settings.get(s, settings.MARGINS_MM),
                                 logo_path=logo_file(profile, self.store.paths.root))
        return render_letter(mark_draft(doc))

    def void(self, actor: Actor, letter_id: str, reason: str) -> LetterInfo:
        """Void an issued letter (supervisor): its number stays used and shows as void in the register."""
        require(actor, "letter.void")
        reason = self._reason(reason)
        with self.store.write() as s:
            letter = self._letter(s, letter_id)
            self._void_in(s, actor, letter, reason)
            return self._letter_info(s, letter)

    def reissue(self, actor: Actor, letter_id: str, *, values: dict[str, Any] | None = None,
                signer: Signer | None = None, reason: str | None = None) -> LetterInfo:
        """A corrected letter under a new number; the old one is voided (if it was not already)."""
        require(actor, "letter.issue")
        require(actor, "letter.void")
        with self._archive_guard() as written, self.store.write() as s:
            old = self._letter(s, letter_id)
            lt = self.letter_type(old.letter_type)
            if old.resident_id is None:
                raise InvalidState(N_("This letter names no resident and cannot be reissued."))
            merged = dict(old.values or {})
            merged.update(values or {})
            req = self._new_request(s, actor, resident_id=old.resident_id, lt=lt, values=merged, channel="loket")
            if lt.needs_approval:
                self._approve_in(s, actor, req)
            if old.voided_at is None:
                self._void_in(s, actor, old, self._reason(reason or f"Diterbitkan ulang ({old.number})"))
            old_signer = Signer.from_dict(old.signer or {}) if old.signer else None
            new = self._issue_in(s, actor, req, lt, signer or old_signer, written, reissue_of=old.id)
            return self._letter_info(s, new)

    # ---- printing and reading ----

    def letter_pdf(self, actor: Actor, letter_id: str) -> bytes:
        """The archived PDF bytes (hash checked). A voided letter is shown re-rendered with "BATAL"."""
        require(actor, "letter.print")
        with self.store.read() as s:
            letter = self._letter(s, letter_id)
            if letter.voided_at is not None:
                from printing.letter import render_letter

                return render_letter({**(letter.document or {}), "void": True})
            return self._archived_bytes(letter)

    def record_print(self, actor: Actor, letter_id: str) -> LetterInfo:
        """Count one print (or reprint) of a letter; audited."""
        require(actor, "letter.print")
        with self.store.write() as s:
            letter = self._letter(s, letter_id)
            self._record_print_in(s, actor, letter)
            return self._letter_info(s, letter)

    def record_prints(self, actor: Actor, letter_ids: list[str]) -> list[LetterInfo]:
        """Count one print of each letter (after a batch print); one transaction."""
        require(actor, "letter.print")
        with self.store.write() as s:
            letters = [self._letter(s, lid) for lid in letter_ids]
            for letter in letters:
                self._record_print_in(s, actor, letter)
            return [self._letter_info(s, letter) for letter in letters]

    def batch_pdf(self, actor: Actor, letter_ids: list[str]) -> bytes:
        """Several issued letters as one print-ready PDF, one print job (supervisor)."""
        from printing.letter import render_letters

        require(actor, "letter.batch_print")
        with self.store.read() as s:
            docs = []
            for lid in letter_ids:
                letter = self._letter(s, lid)
                if letter.voided_at is not None:
                    raise LetterVoided(number=letter.number)
                docs.append(dict(letter.document or {}))
        if not docs:
            raise ValidationError(N_("Choose at least one letter."))
        return render_letters(docs)

    def get_letter(self, actor: Actor, letter_id: str) -> LetterInfo:
        with self.store.read() as s:
            letter = self._letter(s, letter_id)
            self._check_letter_reader(actor, letter)
            return self._letter_info(s, letter)

    def find_letter(self, actor: Actor, number_or_id: str) -> LetterInfo:
        """A letter by its id or its official number (the newest when a number repeats across years)."""
        require(actor, "letter.issue")
        with self.store.read() as s:
            letter = s.get(Letter, number_or_id)
            if letter is None:
                letter = s.execute(select(Letter).where(Letter.number == number_or_id)
                                   .order_by(Letter.issued_at.desc()).limit(1)).scalar()
            if letter is None:
                raise NotFound()
            return self._letter_info(s, letter)

    def letters_for_resident(self, actor: Actor, resident_id: str) -> list[LetterInfo]:
        if actor.role == "resident":
            self._check_own(actor, resident_id)
        else:
            require(actor, "resident.view")
        with self.store.read() as s:
            rows = s.execute(select(Letter).where(Letter.resident_id == resident_id)
                             .order_by(Letter.issued_at.desc())).scalars()
            return [self._letter_info(s, letter) for letter in rows]

    def register(self, actor: Actor, *, year: int) -> list[RegisterRow]:
        """Every number of the year (used, void, unused) in order, with its letter."""
        require(actor, "letter.issue")
        with self.store.read() as s:
            rows = s.execute(
                select(LetterNumber, Letter)
                .outerjoin(Letter, Letter.id == LetterNumber.letter_id)
                .where(LetterNumber.year == year)
                .order_by(LetterNumber.sequence_key, LetterNumber.number)
            ).all()
            out = []
            for num, letter in rows:
                state = {"used": "issued"}.get(num.state, num.state)
                if letter is not None and letter.voided_at is not None:
                    state = "void"
                lt = self.catalog().get(letter.letter_type) if letter is not None else None
                out.append(RegisterRow(
                    year=num.year, sequence_key=num.sequence_key, sequence_number=num.number,
                    number=letter.number if letter is not None else str(num.number),
                    issued_on=letter.issued_on if letter is not None else None,
                    letter_type=letter.letter_type if letter is not None else "",
                    letter_title=(lt.title.title() if lt else letter.letter_type) if letter is not None else "",
                    resident_name=str((letter.resident_snapshot or {}).get("nama", "")) if letter is not None else "",
                    state=state, letter_id=letter.id if letter is not None else None,
                    print_count=letter.print_count if letter is not None else 0,
                    void_reason=letter.void_reason if letter is not None else None))
            return out

    def export_register(self, actor: Actor, year: int, path: Path) -> Path:
        """The register of a year as .xlsx or .pdf (by the file's suffix)."""
        rows = self.register(actor, year=year)
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            from printing.register import render_register

            with self.store.read() as s:
                office = office_snapshot(self._profile(s))
                paper = settings.get(s, settings.PAPER)
            data = render_register(
                [{"no": r.sequence_number, "number": r.number,
                  "date": r.issued_on.isoformat() if r.issued_on else "", "type": r.letter_title,
                  "resident": r.resident_name, "state": r.state} for r in rows],
                {"lines": office["kop_lines"], "paper": paper}, year)
            _fsync_write(path, data)
        elif suffix == ".xlsx":
            self._write_register_xlsx(rows, year, path)
        else:
            raise ValidationError(N_("Export to a .xlsx or .pdf file."), fields={"path": N_("Unknown file type")})
        with self.store.write() as s:
            record_change(s, actor, entity="letter_register", entity_id=str(year), op="export",
                          payload={}, action="letter.register_export",
                          audit_details={"year": year, "rows": len(rows), "format": suffix.lstrip(".")})
        return path

    # ---- verification ----

    def verify_pdf(self, data_or_path: bytes | str | Path) -> VerifyReport:
        from printing.verify import read_tokens_from_pdf

        tokens = read_tokens_from_pdf(data_or_path)
        if not tokens:
            return VerifyReport(False, "no_token", _(VERIFY_REASONS["no_token"]))
        return self.verify_text(tokens[0])

    def verify_text(self, text: str, extra_keys: Mapping[str, Any] | None = None) -> VerifyReport:
        """Check a letter code offline: signature with a known key, the letter known here with the same
        content hash, not voided. ``reason`` names the first check that failed."""
        from kiosk.letter_token import verify_token

        with self.store.read() as s:
            keys: dict[str, Any] = dict(extra_keys or {})
            for dev_id, server_id, pub in s.execute(select(Device.id, Device.server_device_id,
                                                           Device.public_key)).all():
                keys[dev_id] = bytes(pub)
                if server_id:  # the district's id for this device, signed into tokens once enrolled
                    keys[server_id] = bytes(pub)
            result = verify_token(text, keys)
            checks: list[tuple[str, bool]] = [("readable", result.reason != "malformed")]
            p = result.payload
            base = {"letter_id": p.letter_id, "number": p.number, "village_code": p.village_code,
                    "issued_on": p.issued_on, "device_id": p.device_id} if p else {}

            def report(ok: bool, code: str, **fmt: Any) -> VerifyReport:
                msg = _(VERIFY_REASONS[code]).format(**fmt) if fmt else _(VERIFY_REASONS[code])
                return VerifyReport(ok, code, msg, checks=tuple(checks), **base)

            if not result.ok:
                if result.reason != "malformed":
                    checks.append(("known_key", result.reason != "unknown_device"))
                    if result.reason == "bad_signature":
                        checks.append(("signature", False))
                return report(False, result.reason)
            checks += [("known_key", True), ("signature", True)]
            assert p is not None
            letter = s.get(Letter, p.letter_id)
            checks.append(("known_letter", letter is not None))
            if letter is None:
                return report(False, "unknown_letter")
            # the stored document must still hash to the stored content hash (a letter pulled without
            # its document can only be compared by the hash itself)
            recomputed = letter_content_hash(letter.id, letter.document) if letter.document else letter.content_hash
            same = (letter.number == p.number and recomputed == letter.content_hash
                    and p.matches_content(letter.content_hash))
            checks.append(("content", same))
            if not same:
                return report(False, "content_mismatch")
            checks.append(("not_void", letter.voided_at is None))
            if letter.voided_at is not None:
                return report(False, "voided", reason=letter.void_reason or "-")
            return report(True, "ok")

    # ---- internals: requests ----

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

    def _check_own(self, actor: Actor, resident_id: str) -> None:
        if actor.role == "resident":
            require(actor, "kiosk.view_own")
            if actor.user_id != resident_id:
                raise PermissionDenied(permission="kiosk.view_own")
        else:
            require(actor, "letter.request")

    def _check_letter_reader(self, actor: Actor, letter: Letter) -> None:
        if actor.role == "resident":
            self._check_own(actor, letter.resident_id or "")
        else:
            require(actor, "resident.view")

    def _new_request(self, s: Session, actor: Actor, *, resident_id: str, lt: forms.LetterType,
                     values: Mapping[str, Any], channel: str) -> LetterRequest:
        resident = self._resident(s, resident_id)
        cleaned, errors = forms.validate_values(lt, values, self.clock().date(), self._lookup(s))
        if errors:
            raise ValidationError(fields=_field_errors(errors))
        now = self.clock()
        req = LetterRequest(
            id=new_id(), resident_id=resident.id, letter_type=lt.code, letter_type_version=lt.version,
            values=jsonable(cleaned), channel=channel, status=DIAJUKAN,
            queue_number=self._next_queue_number(s, channel, now), created_at=_utc_naive(now),
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
        lo, hi = _utc_naive(start), _utc_naive(start + dt.timedelta(days=1))
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
        req.version += 1
        at = _utc_naive(self.clock())
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
        s.flush()
        record_change(s, actor, entity="letter_request", entity_id=req.id, op="transition", payload=payload,
                      base_version=base, action=action,
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

    # ---- internals: issuing ----

    @contextmanager
    def _archive_guard(self) -> Iterator[list[Path]]:
        """Files written during a transaction; deleted again when it does not commit."""
        written: list[Path] = []
        try:
            yield written
        except BaseException:
            for path in written:
                try:
                    path.unlink(missing_ok=True)
                except OSError:
                    log.exception("could not remove an uncommitted letter PDF %s", path.name)
            raise

    def _check_clock(self, s: Session, device: Device, now_utc: dt.datetime) -> None:
        """Refuse when this device's clock is behind its own last letter, or more than a few minutes
        behind the last district time seen (letters pulled from other computers do not count: their
        clocks are theirs)."""
        # the newest day first (index on issued_on), then that day's letters of this device
        last_day = s.execute(select(Letter.issued_on).where(Letter.device_id == device.id)
                             .order_by(Letter.issued_on.desc()).limit(1)).scalar()
        last = None if last_day is None else s.execute(
            select(func.max(Letter.issued_at)).where(Letter.issued_on == last_day,
                                                     Letter.device_id == device.id)).scalar()
        if last is not None and now_utc < last:
            raise ClockBehind(now=_local_text(now_utc), last=_local_text(last))
        server = device.last_server_time
        if server is not None and now_utc + SERVER_CLOCK_TOLERANCE < server:
            raise ClockBehind(now=_local_text(now_utc), last=_local_text(server))

    def _issue_in(self, s: Session, actor: Actor, req: LetterRequest, lt: forms.LetterType,
                  signer: Signer | None, written: list[Path], *, reissue_of: str | None = None) -> Letter:
        from kiosk.letter_token import TokenPayload, sign_token, token_url
        from printing.letter import render_letter

        require(actor, "letter.issue")
        device = s.execute(select(Device)).scalar_one_or_none()
        if device is None:
            raise NotConfigured()
        if device.role != "office":
            raise NotIssuingDevice()
        now = self.clock()  # read after BEGIN IMMEDIATE: the order of numbers is the order of time
        issued_at = _utc_naive(now)
        issued_on = now.date()
        self._check_clock(s, device, issued_at)
        profile = self._profile(s)
        resident = self._resident(s, req.resident_id)
        cleaned, errors = forms.validate_values(lt, req.values or {}, issued_on, self._lookup(s))
        if errors:
            raise ValidationError(fields=_field_errors(errors))
        office = office_snapshot(profile)
        if signer is None:
            signer = default_signers(office)[0]
        res = with_full_address(resident_snapshot(resident), office)

        conf = _letter_settings(s)
        key = sequence_key_for(conf[settings.NUMBER_SEQUENCE.key], lt.code)
        seq, lease_id = allocate_number(s, year=issued_on.year, sequence_key=key)
        number = format_number(conf[settings.NUMBER_FORMAT.key], classification=lt.classification,
                               number=seq, unit=profile.unit_code, village_code=profile.village_code,
                               issued_on=issued_on)
        valid_until = lt.valid_until(issued_on)
        content = forms.render_letter(lt, res, office, cleaned,
                                      {"nomor": number, "tanggal": issued_on, "valid_until": valid_until})
        doc = jsonable(build_document(content, office, signer, number=number, issued_on=issued_on,
                                      paper=conf[settings.PAPER.key],
                                      margins_mm=conf[settings.MARGINS_MM.key],
                                      logo_path=logo_file(profile, self.store.paths.root)))
        letter_id = new_id()
        chash = letter_content_hash(letter_id, doc)
        token = sign_token(TokenPayload(letter_id=letter_id, number=number, village_code=profile.village_code,
                                        issued_on=issued_on.isoformat(), content_hash=chash,
                                        device_id=device.server_device_id or device.id),
                           bytes(device.signing_key))
        doc["qr_text"] = token_url(device.district_url, token) if device.district_url else token
        pdf = render_letter(doc)
        rel = Path("archive") / str(issued_on.year) / f"{letter_id}.pdf"
        path = self.store.paths.root / rel
        written.append(path)
        _fsync_write(path, pdf)

        letter = Letter(
            id=letter_id, request_id=req.id, number=number, year=issued_on.year, sequence_key=key,
            sequence_number=seq, letter_type=lt.code, letter_type_version=lt.version, resident_id=resident.id,
            resident_snapshot=res, office_snapshot=jsonable(office), values=jsonable(cleaned), document=doc,
            signer=signer.to_dict(), issued_at=issued_at, issued_on=issued_on, valid_until=valid_until,
            content_hash=chash, token=token, pdf_path=rel.as_posix(), pdf_hash=hashlib.sha256(pdf).hexdigest(),
            issued_by=actor.user_id, device_id=device.id, reissue_of=reissue_of, print_count=0, version=1)
        s.add(letter)
        s.add(LetterNumber(id=new_id(), year=issued_on.year, sequence_key=key, number=seq, state="used",
                           letter_id=letter_id, lease_id=lease_id, recorded_at=issued_at))
        req.letter_id = letter_id
        s.flush()
        # The letter first, then the request that points to it (parents before children on the wire).
        # Field names are the letter's columns (a pull on another office device fills its row from them);
        # "type", "version" and "seq_number" are the same values under the names the district reads.
        record_change(
            s, actor, entity="letter", entity_id=letter_id, op="create", action="letter.issue",
            payload={"id": letter_id, "request_id": req.id, "number": number, "year": issued_on.year,
                     "sequence_key": key, "sequence_number": seq, "seq_number": seq, "lease_id": lease_id,
                     "type": lt.code, "letter_type": lt.code, "version": lt.version,
                     "letter_type_version": lt.version, "issued_on": issued_on, "issued_at": issued_at,
                     "valid_until": valid_until, "content_hash": chash, "token": token,
                     "resident_id": resident.id, "resident_snapshot": res, "values": letter.values,
                     "document": doc, "signer": signer.to_dict(), "issued_by": actor.user_id,
                     "device_id": device.id, "reissue_of": reissue_of, "pdf_hash": letter.pdf_hash},
            audit_details={"number": number, "type": lt.code, "reissue_of": reissue_of})
        self._transition(s, actor, req, DITERBITKAN, action="letter_request.issue")
        return letter

    def _void_in(self, s: Session, actor: Actor, letter: Letter, reason: str) -> None:
        if letter.voided_at is not None:
            raise InvalidState(N_("Letter {number} is already void."), number=letter.number)
        base = letter.version
        letter.voided_at = _utc_naive(self.clock())
        letter.voided_by = actor.user_id
        letter.void_reason = reason
        letter.version += 1
        for num in s.execute(select(LetterNumber).where(LetterNumber.letter_id == letter.id)).scalars():
            num.state = "void"
        s.flush()
        record_change(s, actor, entity="letter", entity_id=letter.id, op="transition", base_version=base,
                      action="letter.void",
                      payload={"to": "void", "at": letter.voided_at, "reason": reason, "voided": True,
                               "voided_at": letter.voided_at, "voided_by": letter.voided_by,
                               "void_reason": reason, "number": letter.number},
                      audit_details={"number": letter.number, "reason": reason})

    def _record_print_in(self, s: Session, actor: Actor, letter: Letter) -> None:
        if letter.voided_at is not None:
            raise LetterVoided(number=letter.number)
        base = letter.version
        letter.print_count += 1
        letter.version += 1
        s.flush()
        # Audit only: the district keeps letters immutable (it rejects updates), so prints stay local.
        record_change(s, actor, entity="letter_print", entity_id=letter.id, op="update", base_version=base,
                      action="letter.print", payload={"print_count": letter.print_count},
                      audit_details={"number": letter.number, "print_count": letter.print_count})

    def _archived_bytes(self, letter: Letter) -> bytes:
        if not letter.pdf_path:
            raise ArchiveDamaged(number=letter.number)
        path = self.store.paths.root / letter.pdf_path
        try:
            data = path.read_bytes()
        except OSError:
            raise ArchiveDamaged(number=letter.number) from None
        if hashlib.sha256(data).hexdigest() != letter.pdf_hash:
            raise ArchiveDamaged(number=letter.number)
        return data

    def _write_register_xlsx(self, rows: list[RegisterRow], year: int, path: Path) -> None:
        import io

        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = f"Surat Keluar {year}"
        ws.append(["No", "Nomor Surat", "Tanggal", "Jenis Surat", "Nama Penduduk", "Keterangan",
                   "Dicetak", "Alasan Batal"])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        labels = {"issued": "Terbit", "void": "BATAL", "unused": "TIDAK TERPAKAI"}
        for r in rows:
            ws.append([r.sequence_number, r.number, r.issued_on, r.letter_title, r.resident_name,
                       labels.get(r.state, r.state), r.print_count, r.void_reason or ""])
        for col, width in zip("ABCDEFGH", (6, 34, 12, 36, 30, 16, 9, 30), strict=True):
            ws.column_dimensions[col].width = width
        buf = io.BytesIO()
        wb.save(buf)
        _fsync_write(path, buf.getvalue())

    # ---- internals: reading ----

    def _lookup(self, s: Session) -> Callable[[str], Mapping[str, Any] | None]:
        def lookup(nik: str) -> Mapping[str, Any] | None:
            r = s.execute(select(Resident).where(Resident.nik == nik).order_by(Resident.status)).scalars().first()
            return resident_snapshot(r) if r is not None else None

        return lookup

    @staticmethod
    def _profile(s: Session) -> OfficeProfile:
        p = s.get(OfficeProfile, 1)
        if p is None:
            raise NotConfigured()
        return p

    @staticmethod
    def _resident(s: Session, resident_id: str) -> Resident:
        return get_or_raise(s, Resident, resident_id)

    @staticmethod
    def _request(s: Session, request_id: str) -> LetterRequest:
        return get_or_raise(s, LetterRequest, request_id)

    @staticmethod
    def _letter(s: Session, letter_id: str) -> Letter:
        return get_or_raise(s, Letter, letter_id)

    def _title(self, code: str) -> str:
        lt = self.catalog().get(code)
        return lt.title.title() if lt else code

    def _request_infos(self, s: Session, reqs: list[LetterRequest]) -> list[RequestInfo]:
        ids = {r.resident_id for r in reqs}
        people: dict[str, tuple[str, str | None]] = {}
        if ids:
            for rid, name, nik in s.execute(select(Resident.id, Resident.name, Resident.nik)
                                            .where(Resident.id.in_(ids))).all():
                people[rid] = (name, nik)
        letter_ids = [r.letter_id for r in reqs if r.letter_id]
        numbers: dict[str, str] = {}
        if letter_ids:
            for lid, number in s.execute(select(Letter.id, Letter.number).where(Letter.id.in_(letter_ids))).all():
                numbers[lid] = number
        out = []
        for r in reqs:
            name, nik = people.get(r.resident_id, ("", None))
            lt = self.catalog().get(r.letter_type)
            out.append(RequestInfo(
                id=r.id, resident_id=r.resident_id, resident_name=name, nik_masked=mask_nik(nik),
                letter_type=r.letter_type, letter_title=lt.title.title() if lt else r.letter_type,
                needs_approval=bool(lt and lt.needs_approval), values=dict(r.values or {}), status=r.status,
                channel=r.channel, queue_number=r.queue_number, reason=r.reason, created_at=r.created_at,
                created_by=r.created_by, decided_at=r.decided_at, decided_by=r.decided_by, letter_id=r.letter_id,
                letter_number=numbers.get(r.letter_id) if r.letter_id else None, version=r.version))
        return out

    def _request_info(self, s: Session, req: LetterRequest) -> RequestInfo:
        return self._request_infos(s, [req])[0]

    def _letter_info(self, s: Session, letter: Letter) -> LetterInfo:
        snap = letter.resident_snapshot or {}
        return LetterInfo(
            id=letter.id, request_id=letter.request_id, number=letter.number, year=letter.year,
            sequence_key=letter.sequence_key, sequence_number=letter.sequence_number,
            letter_type=letter.letter_type, letter_title=self._title(letter.letter_type),
            letter_type_version=letter.letter_type_version, resident_id=letter.resident_id,
            resident_name=str(snap.get("nama", "")), nik_masked=mask_nik(snap.get("nik")),
            values=dict(letter.values or {}), signer=dict(letter.signer or {}), issued_at=letter.issued_at,
            issued_on=letter.issued_on, valid_until=letter.valid_until, content_hash=letter.content_hash,
            token=letter.token,
            pdf_path=str(self.store.paths.root / letter.pdf_path) if letter.pdf_path else None,
            pdf_hash=letter.pdf_hash, issued_by=letter.issued_by, reissue_of=letter.reissue_of,
            voided=letter.voided_at is not None, voided_at=letter.voided_at, voided_by=letter.voided_by,
            void_reason=letter.void_reason, print_count=letter.print_count)


