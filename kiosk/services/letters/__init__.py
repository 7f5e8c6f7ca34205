"""Surat: letter requests (permohonan), approval, issuing numbered and signed letters, void, reissue,
reprint, the register (Buku Agenda Surat Keluar) and offline verification.

One service, one module per job: `catalogue` (letter types, signers, shared reading), `requests`
(requests and approvals), `issuing` (numbering, void, reissue, prints), `register` (the register and its
exports), `verification` (letter codes). `model` holds the states, errors and plain data. Screens and the
command line import everything from here.
"""

from __future__ import annotations

from kiosk.services.letters.issuing import LetterIssuing
from kiosk.services.letters.model import (
    CHANNELS,
    DIAJUKAN,
    DIBATALKAN,
    DISETUJUI,
    DITERBITKAN,
    DITOLAK,
    OPEN_STATES,
    QUEUE_PREFIX,
    REQUEST_STATES,
    SERVER_CLOCK_TOLERANCE,
    ApprovalRequired,
    ArchiveDamaged,
    ClockBehind,
    InvalidState,
    LetterInfo,
    LetterVoided,
    NotIssuingDevice,
    RegisterRow,
    RequestInfo,
    UnknownLetterType,
    VerifyReport,
)
from kiosk.services.letters.register import LetterRegister
from kiosk.services.letters.verification import VERIFY_REASONS, LetterVerification
from kiosk.services.letters_document import Signer

__all__ = [
    "CHANNELS", "DIAJUKAN", "DIBATALKAN", "DISETUJUI", "DITERBITKAN", "DITOLAK", "OPEN_STATES", "QUEUE_PREFIX",
    "REQUEST_STATES", "SERVER_CLOCK_TOLERANCE", "VERIFY_REASONS",
    "ApprovalRequired", "ArchiveDamaged", "ClockBehind", "InvalidState", "LetterInfo", "LetterService",
    "LetterVoided", "NotIssuingDevice", "RegisterRow", "RequestInfo", "Signer", "UnknownLetterType", "VerifyReport",
]


class LetterService(LetterIssuing, LetterRegister, LetterVerification):
    """Letters over one store. ``clock`` gives the device's local time (tests replace it)."""
