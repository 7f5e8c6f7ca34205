"""Letters numbered twice before enrolment (nomor ganda), shown to staff with their fix (issue 19.7).

Two standalone offices of one village number their letters from their own local sequences; when both
enrol, the district keeps the first letter it receives under each number and refuses the other
(``number_taken``). Such a letter is listed here, and the fix is the one a supervisor would do by hand,
through the letters service: void the duplicate and re-issue it under a new number from the district's
lease (same resident and content, a new PDF; audited as ``letter.void`` and ``letter.issue``). Then, in
one transaction (audited ``letter.renumber_duplicate``):

- the duplicate's refused create and its void travel as one create of the voided letter marked
  ``duplicate_number`` (the district records it as void without taking the number, so the paper
  already handed out verifies as DIBATALKAN); the two earlier outbox rows become ``superseded``;
- the duplicate gives its place in this office's register to the letter the district holds under that
  number (its ``sequence_number`` is kept negated; the printed number text is unchanged), so that
  letter, pulled earlier and held back, is applied now;
- the sync issue is resolved with the new letter's id.

Running the fix again after an interruption continues where it stopped.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.changes import record_change
from kiosk.db import Store
from kiosk.models import Letter, LetterNumber, OutboxChange, Resident, SyncConflict, utcnow
from kiosk.permissions import require, require_user
from kiosk.services import sync_state as st
from kiosk.services.letters import LetterService

log = logging.getLogger(__name__)

REASON = "number_taken"
VOID_REASON = "Nomor ganda: nomor ini sudah dipakai surat lain sebelum pendaftaran ke kabupaten"
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class DuplicateLetter:
    """A letter of this office whose number the district holds for another letter of the village."""

    issue_id: int
    letter_id: str
    number: str
    sequence_number: int
    year: int
    letter_type: str
    issued_on: dt.date
    resident_name: str
    voided: bool

    def to_json(self) -> dict[str, Any]:
        return {"issue_id": self.issue_id, "letter_id": self.letter_id, "number": self.number,
                "sequence_number": self.sequence_number, "year": self.year, "letter_type": self.letter_type,
                "issued_on": self.issued_on.isoformat(), "resident": self.resident_name, "voided": self.voided}


@dataclass(frozen=True)
class Renumbered:
    letter_id: str
    number: str
    new_letter_id: str
    new_number: str
    new_sequence_number: int

    def to_json(self) -> dict[str, Any]:
        return {"letter_id": self.letter_id, "number": self.number, "new_letter_id": self.new_letter_id,
                "new_number": self.new_number, "new_sequence_number": self.new_sequence_number}


def open_duplicates(session: Session) -> list[tuple[SyncConflict, Letter]]:
    rows = session.execute(
        select(SyncConflict, Letter).join(Letter, Letter.id == SyncConflict.entity_id)
        .where(SyncConflict.resolved_at.is_(None), SyncConflict.entity == "letter", SyncConflict.reason == REASON)
        .order_by(Letter.year, Letter.sequence_number)).all()
    return [(issue, letter) for issue, letter in rows]


def count(session: Session) -> int:
    return len(open_duplicates(session))


class DuplicateLetterService:
    """List and fix the letters the district refused as numbered twice (``number_taken``)."""

    def __init__(self, store: Store, letters: LetterService) -> None:
        self.store = store
        self.letters = letters

    def list(self, actor: Actor) -> list[DuplicateLetter]:
        """The duplicates, oldest number first (names residents: a signed-in user who issues letters)."""
        require_user(actor, "letter.issue")
        with self.store.read() as s:
            out = []
            for issue, letter in open_duplicates(s):
                resident = s.get(Resident, letter.resident_id) if letter.resident_id else None
                name = resident.name if resident is not None else str((letter.resident_snapshot or {}).get("name", ""))
                out.append(DuplicateLetter(issue.id, letter.id, letter.number, letter.sequence_number, letter.year,
                                           letter.letter_type, letter.issued_on, name, letter.voided_at is not None))
            return out

    def fix(self, actor: Actor, letter_ids: builtins.list[str] | None = None) -> builtins.list[Renumbered]:
        """Void and re-issue each duplicate (or those of ``letter_ids``) under a new number from the lease."""
        require_user(actor, "letter.void")
        require(actor, "letter.issue")
        done: list[Renumbered] = []
        for item in self.list(actor):
            if letter_ids is not None and item.letter_id not in letter_ids:
                continue
            new = self._reissued(item.letter_id)
            if new is None:
                # void + re-issue, one transaction of the letters service (new number from the lease)
                info = self.letters.reissue(actor, item.letter_id, reason=VOID_REASON)
                new_id, new_number, new_seq = info.id, info.number, info.sequence_number
            else:
                new_id, new_number, new_seq = new.id, new.number, new.sequence_number
            with self.store.write() as s:
                self._settle(s, actor, item.issue_id, item.letter_id, new_id)
            log.info("duplicate letter %s re-issued as %s", item.letter_id, new_id)
            done.append(Renumbered(item.letter_id, item.number, new_id, new_number, new_seq))
        return done

    def _reissued(self, letter_id: str) -> Letter | None:
        with self.store.read() as s:
            return s.execute(select(Letter).where(Letter.reissue_of == letter_id)).scalars().first()

    def _settle(self, s: Session, actor: Actor, issue_id: int, letter_id: str, new_letter_id: str) -> None:
        issue = s.get(SyncConflict, issue_id)
        letter = s.get(Letter, letter_id)
        if issue is None or issue.resolved_at is not None or letter is None:
            return
        rows = list(s.execute(select(OutboxChange).where(
            OutboxChange.entity == "letter", OutboxChange.entity_id == letter_id,
            OutboxChange.state.in_(("pending", "rejected", "conflict")))).scalars())
        create = next((r for r in rows if r.op == "create"), None)
        stored: Any = create.payload if create is not None else {}
        payload: dict[str, Any] = dict(json.loads(stored) if isinstance(stored, str) else stored)
        for row in rows:
            row.state, row.last_error = SUPERSEDED, f"renumbered as {new_letter_id}"
        given_up = letter.sequence_number
        letter.sequence_number = -abs(given_up)  # its register place belongs to the district's letter
        for number in s.execute(select(LetterNumber).where(LetterNumber.letter_id == letter_id)).scalars():
            s.delete(number)
        s.flush()
        payload.pop("village", None)
        payload.update({"sequence_number": letter.sequence_number, "voided": True,
                        "voided_at": letter.voided_at, "voided_by": letter.voided_by,
                        "void_reason": letter.void_reason, "duplicate_number": True})
        payload.pop("seq_number", None)
        record_change(s, actor, entity="letter", entity_id=letter_id, op="create",
                      action="letter.renumber_duplicate", payload=payload,
                      audit_details={"number": letter.number, "sequence_number": given_up,
                                     "new_letter": new_letter_id})
        issue.resolved_at, issue.resolved_by = utcnow(), actor.username
        issue.resolution = {"action": "renumbered", "new_letter": new_letter_id}
        s.flush()
        st.retry_failed_applies(s)  # the district's letter under that number, held back until now
