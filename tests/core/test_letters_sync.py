"""Letters through a real district server: what LetterService queues is applied there exactly once, the
number comes from the device's lease, and the district's verify page accepts the letter's QR token."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import forms
from kiosk.models import OutboxChange
from tests.helpers import ENROLLING_ADMIN
from tests.sync.conftest import DistrictServer, Office, assert_exactly_once, offices, server  # noqa: F401


def _sync_until_done(office: Office, rounds: int = 15) -> None:
    for _ in range(rounds):
        office.sync()
        pending = [r for r in office.outbox() if r.state in ("pending", "in_flight")]
        if not pending:
            return
    raise AssertionError(f"changes still waiting: {[(r.entity, r.op, r.last_error) for r in pending]}")


@pytest.mark.slow
def test_issued_letter_reaches_the_district_and_verifies_there(server: DistrictServer,  # noqa: F811
                                                               offices: Any) -> None:  # noqa: F811
    from sync.district.verify import VALID, VOID, check

    a: Office = offices("a", server=server)
    rid = a.add_resident("Siti Aminah", nik="3510014507900003", birth_place="Banyuwangi", sex=2, religion=1)
    _sync_until_done(a)  # the resident, and a lease of numbers
    letters = a.services.letters
    actor = a.actor
    today = dt.date.today()
    values = forms.sample_values(letters.letter_type("sktm"), today)
    info = letters.issue_direct(actor, resident_id=rid, letter_type="sktm", values=values,
                                signer=letters.signer_for("sekretaris"))
    assert info.sequence_number >= 1
    kiosk_req = letters.create_request(actor, resident_id=rid, letter_type="domisili",
                                       values=forms.sample_values(letters.letter_type("domisili"), today))
    letters.reject(actor, kiosk_req.id, "Data belum lengkap")
    letters.record_print(actor, info.id)
    _sync_until_done(a)
    assert_exactly_once(server, a)

    verdict = check(server.store, info.token or "")
    assert verdict.state == VALID, verdict
    letters.void(actor, info.id, "Salah ketik")
    _sync_until_done(a)
    assert_exactly_once(server, a)
    assert check(server.store, info.token or "").state == VOID
    b: Office = offices("b", server=server)  # a second office computer of the same village
    _sync_until_done(b)
    copy = b.services.letters.register(ENROLLING_ADMIN, year=info.year)
    assert [(r.number, r.state) for r in copy] == [(info.number, "void")]
    assert b.services.letters.verify_text(info.token or "").reason == "unknown_device"  # a's key is not known here
    with a.store.read() as s:
        states = {r.state for r in s.query(OutboxChange).filter(OutboxChange.entity.in_(("letter", "letter_request")))}
    assert states == {"acked"}
