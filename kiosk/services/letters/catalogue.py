"""Letters: the catalogue of letter types (shipped and the village's own), signers, value checks, and
the reading helpers every part of the service shares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from kiosk.actor import Actor
from kiosk.changes import record_change
from kiosk.db import Store, get_or_raise
from kiosk.errors import NotConfigured, PermissionDenied, ValidationError
from kiosk.i18n import N_, _
from kiosk.models import Letter, LetterRequest, OfficeProfile, Resident
from kiosk.nik import mask_nik
from kiosk.permissions import require
from kiosk.services.letters.model import (
    LetterInfo,
    RequestInfo,
    UnknownLetterType,
    field_errors,
    local_now,
)
from kiosk.services.letters_document import (
    Signer,
    default_signers,
    office_snapshot,
    resident_snapshot,
    signer_for_role,
)


class LetterCatalogue:
    """Letter types and what every other part reads. ``clock`` gives the device's local time (tests replace it)."""

    def __init__(self, store: Store, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.store = store
        self.clock: Callable[[], dt.datetime] = clock or local_now
        self._catalog: forms.LetterTypeCatalog | None = None

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

    def sample_pdf(self, lt: forms.LetterType) -> bytes:
        """A letter type (perhaps still being edited) as a PDF with the sample resident, office and
        values: what the letter-type editor shows. Nothing is saved."""
        from printing.letter import render_letter
        from printing.samples import sample_letter

        today = self.clock().date()
        numbers = forms.sample_letter(lt, today)
        content = forms.render_letter(lt, forms.sample_resident(), forms.sample_office(),
                                      forms.sample_values(lt, today), numbers)
        doc = sample_letter(title=content["title"], number=numbers["nomor"], opening=content["opening"],
                            identity=content["identity"], blocks=content["blocks"], closing=content["closing"])
        return render_letter(doc)

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
        return field_errors(errors)

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

