"""Letters: request states, errors, the plain data the service hands out, and small helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from kiosk import settings
from kiosk.errors import DomainError
from kiosk.i18n import N_, _

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


# --- helpers ------------------------------------------------------------------------------------


def local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def utc_naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def local_text(utc_naive: dt.datetime) -> str:
    return utc_naive.replace(tzinfo=dt.UTC).astimezone().strftime("%d-%m-%Y %H:%M")


LETTER_SETTINGS = (settings.NUMBER_FORMAT, settings.NUMBER_SEQUENCE, settings.PAPER, settings.MARGINS_MM)


def letter_settings(s: Session) -> dict[str, Any]:
    """The settings an issue needs, in one query (each with its declared type and default)."""
    from kiosk.models import Setting

    stored = {k: v for k, v in s.execute(select(Setting.key, Setting.value).where(
        Setting.key.in_([d.key for d in LETTER_SETTINGS]))).all()}
    out: dict[str, Any] = {}
    for d in LETTER_SETTINGS:
        value = stored.get(d.key)
        if value is None:
            out[d.key] = d.default
            continue
        try:
            out[d.key] = d.type(value) if d.type in (int, float, str) else value
        except (TypeError, ValueError):
            out[d.key] = d.default
    return out


def field_errors(errors: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, msg in errors.items():
        out[name] = msg.translate(_) if isinstance(msg, forms.ValidationMessage) else _(str(msg))
    return out

