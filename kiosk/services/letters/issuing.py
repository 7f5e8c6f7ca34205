"""Letters: issuing (number, sign, render, archive), void, reissue, preview and prints.

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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import forms
from kiosk import durable, settings
from kiosk.actor import Actor
from kiosk.changes import record_change
from kiosk.errors import NotConfigured, ValidationError
from kiosk.i18n import N_
from kiosk.ids import new_id
from kiosk.models import Device, Letter, LetterNumber, LetterRequest
from kiosk.permissions import allowed, require
from kiosk.services.letters.model import (
    DIAJUKAN,
    DISETUJUI,
    DITERBITKAN,
    SERVER_CLOCK_TOLERANCE,
    ApprovalRequired,
    ArchiveDamaged,
    ClockBehind,
    InvalidState,
    LetterInfo,
    LetterVoided,
    NotIssuingDevice,
    field_errors,
    letter_settings,
    local_text,
    utc_naive,
)
from kiosk.services.letters.requests import LetterRequests
from kiosk.services.letters.verification import summary_of
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
    with_full_address,
)
from kiosk.services.numbering import allocate_number, format_number, sequence_key_for

log = logging.getLogger("kiosk.services.letters")


class LetterIssuing(LetterRequests):
    """Issued letters: numbering, void and reissue, the archived PDF and its prints."""

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
            cleaned, errors = self._validate(s, lt, values, today)
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

    def letter_pdf(self, actor: Actor, letter_id: str) -> bytes:
        """The PDF to print: the archived bytes (hash checked) for the first print; once printed, the
        letter re-rendered marked "Cetak ulang ke-n"; a voided letter re-rendered with "BATAL". The
        archived original is never touched."""
        require(actor, "letter.print")
        with self.store.read() as s:
            letter = self._letter(s, letter_id)
            if letter.voided_at is not None:
                from printing.letter import render_letter

                return render_letter(_print_document(letter))
            archived = self._archived_bytes(letter)  # checked for every print: a damaged archive shows
            if letter.print_count:
                from printing.letter import render_letter

                return render_letter(_print_document(letter))
            return archived

    def print_pdf(self, actor: Actor, letter_ids: list[str]) -> tuple[bytes, list[LetterInfo]]:
        """One PDF of several letters for a reprint or a batch, each as it prints now (reprints marked
        "Cetak ulang ke-n", void ones "BATAL"), and the prints counted in one transaction (void letters
        print for the file, uncounted). More than one letter is a batch print (supervisor)."""
        from printing.letter import render_letters

        require(actor, "letter.batch_print" if len(letter_ids) > 1 else "letter.print")
        if not letter_ids:
            raise ValidationError(N_("Choose at least one letter."))
        with self.store.write() as s:
            letters = [self._letter(s, lid) for lid in letter_ids]
            for letter in letters:
                if letter.voided_at is None:
                    self._archived_bytes(letter)  # the original must be intact before it is reprinted
            data = render_letters([_print_document(letter) for letter in letters])
            for letter in letters:
                if letter.voided_at is None:
                    self._record_print_in(s, actor, letter)
            return data, [self._letter_info(s, letter) for letter in letters]

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
            raise ClockBehind(now=local_text(now_utc), last=local_text(last))
        server = device.last_server_time
        if server is not None and now_utc + SERVER_CLOCK_TOLERANCE < server:
            raise ClockBehind(now=local_text(now_utc), last=local_text(server))

    def _issue_in(self, s: Session, actor: Actor, req: LetterRequest, lt: forms.LetterType,
                  signer: Signer | None, written: list[Path], *, reissue_of: str | None = None) -> Letter:
        from kiosk.letter_token import TokenPayload, can_compact, sign_compact, sign_token, token_url
        from printing.letter import render_letter

        require(actor, "letter.issue")
        device = s.execute(select(Device)).scalar_one_or_none()
        if device is None:
            raise NotConfigured()
        if device.role != "office":
            raise NotIssuingDevice()
        now = self.clock()  # read after BEGIN IMMEDIATE: the order of numbers is the order of time
        issued_at = utc_naive(now)
        issued_on = now.date()
        self._check_clock(s, device, issued_at)
        profile = self._profile(s)
        resident = self._resident(s, req.resident_id)
        cleaned, errors = self._validate(s, lt, req.values or {}, issued_on)
        if errors:
            raise ValidationError(fields=field_errors(errors))
        office = office_snapshot(profile)
        if signer is None:
            signer = default_signers(office)[0]
        res = with_full_address(resident_snapshot(resident), office)

        conf = letter_settings(s)
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
        payload = TokenPayload(letter_id=letter_id, number=number, village_code=profile.village_code,
                               issued_on=issued_on.isoformat(), content_hash=chash,
                               device_id=device.server_device_id or device.id)
        # the compact SK2 code a phone reads; SK1 only for a village code outside the Kemendagri form
        sign = sign_compact if can_compact(payload) else sign_token
        token = sign(payload, bytes(device.signing_key))
        doc["qr_text"] = token_url(device.district_url, token) if device.district_url else token
        pdf = render_letter(doc)
        rel = Path("archive") / str(issued_on.year) / f"{letter_id}.pdf"
        path = self.store.paths.root / rel
        written.append(path)
        durable.write_bytes(path, pdf)

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
                     "device_id": device.id, "reissue_of": reissue_of, "pdf_hash": letter.pdf_hash,
                     # what the district's verify page shows a checker (NIKs masked)
                     "summary": summary_of(letter, self.catalog())},
            audit_details={"number": number, "type": lt.code, "reissue_of": reissue_of})
        self._transition(s, actor, req, DITERBITKAN, action="letter_request.issue")
        return letter

    def _void_in(self, s: Session, actor: Actor, letter: Letter, reason: str) -> None:
        if letter.voided_at is not None:
            raise InvalidState(N_("Letter {number} is already void."), number=letter.number)
        letter.voided_at = utc_naive(self.clock())
        letter.voided_by = actor.user_id
        letter.void_reason = reason
        for num in s.execute(select(LetterNumber).where(LetterNumber.letter_id == letter.id)).scalars():
            num.state = "void"
        record_change(s, actor, entity="letter", entity_id=letter.id, op="transition", record=letter,
                      action="letter.void",
                      payload={"to": "void", "at": letter.voided_at, "reason": reason, "voided": True,
                               "voided_at": letter.voided_at, "voided_by": letter.voided_by,
                               "void_reason": reason, "number": letter.number},
                      audit_details={"number": letter.number, "reason": reason})

    def _record_print_in(self, s: Session, actor: Actor, letter: Letter) -> None:
        if letter.voided_at is not None:
            raise LetterVoided(number=letter.number)
        letter.print_count += 1
        # Audit only: the district keeps letters immutable (it rejects updates), so prints stay local.
        record_change(s, actor, entity="letter_print", entity_id=letter.id, op="update", record=letter,
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


def _print_document(letter: Letter) -> dict[str, Any]:
    """The letter's document as its next print looks: BATAL when void, else "Cetak ulang ke-n" once it
    has been printed n times."""
    doc = dict(letter.document or {})
    if letter.voided_at is not None:
        doc["void"] = True
    elif letter.print_count:
        doc["reprint"] = letter.print_count
    return doc
