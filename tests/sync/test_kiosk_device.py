"""A kiosk device and an office device of one village (DESIGN.md "Sync" 8, "Letter numbers offline"): a
resident's letter request and complaint filed at the kiosk reach the office through the district, the
office's decisions flow back, and the kiosk never numbers a letter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

import forms
from kiosk.actor import Actor
from kiosk.models import (
    Complaint,
    Letter,
    LetterNumber,
    LetterNumberLease,
    LetterRequest,
    OutboxChange,
    Resident,
)
from kiosk.services.letters import NotIssuingDevice
from sync.district.models import Record
from tests.sync.fakes import Dev, District, make_template

LETTER_TYPE = "domisili"


@pytest.fixture
def district(tmp_path: Path) -> Iterator[District]:
    d = District(tmp_path / "district.sqlite3")
    try:
        yield d
    finally:
        d.close()


@pytest.fixture
def pair(tmp_path: Path, district: District) -> Iterator[tuple[Dev, Dev]]:
    """(office, kiosk): two installations of one village, enrolled with an office and a kiosk code."""
    template = make_template(tmp_path / "template")
    office = Dev.from_template("kantor", template, tmp_path / "kantor", district)
    kiosk = Dev.from_template("anjungan", template, tmp_path / "anjungan", district)
    try:
        assert office.enroll("office").role == "office"
        assert kiosk.enroll("kiosk").role == "kiosk"
        yield office, kiosk
    finally:
        office.close()
        kiosk.close()


def _sync(dev: Dev) -> None:
    report = dev.sync()
    assert report is not None and report.ok, report
    waiting = [(r.entity, r.op, r.state, r.last_error) for r in dev.outbox() if r.state != "acked"]
    assert waiting == [], f"{dev.name}: {waiting}"


def _server_record(district: District, entity: str, entity_id: str) -> Record:
    with district.store.db.read() as s:
        rec = s.scalar(select(Record).where(Record.entity == entity, Record.entity_id == entity_id))
    assert rec is not None, f"{entity} {entity_id} is not at the district"
    return rec


def test_kiosk_requests_reach_the_office_and_decisions_flow_back(pair: tuple[Dev, Dev],
                                                                 district: District) -> None:
    office, kiosk = pair
    staff = office.actor
    # A resident registered at the office reaches the kiosk by pull.
    rid = office.services.residents.register(staff, {
        "name": "Siti Aminah", "nik": "3510014507900003", "sex": 2, "birth_place": "Banyuwangi",
        "birth_date": "1990-07-05", "religion": 1, "rt": "001", "rw": "002", "address": "Dusun Krajan",
    }, accept_warnings=True).id
    _sync(office)
    _sync(kiosk)
    with kiosk.store.read() as s:
        here = s.get(Resident, rid)
        assert here is not None and here.name == "Siti Aminah"

    # At the kiosk the resident asks for a letter and files a complaint.
    me = Actor.kiosk(rid)
    letters_k = kiosk.services.letters
    values = forms.sample_values(letters_k.letter_type(LETTER_TYPE), dt.date.today())
    req = letters_k.create_request(me, resident_id=rid, letter_type=LETTER_TYPE, values=values, channel="kios")
    assert (req.channel, req.status) == ("kios", "diajukan")
    category = kiosk.services.complaints.categories()[0]
    complaint = kiosk.services.complaints.record(me, "kios", category, "Lampu jalan di RT 001 mati sejak Senin")
    assert (complaint.channel, complaint.status) == ("kios", "baru")

    # The kiosk never numbers letters: issuing there is refused, and it holds no lease.
    with pytest.raises(NotIssuingDevice):
        letters_k.issue_direct(kiosk.actor, resident_id=rid, letter_type=LETTER_TYPE, values=values)

    _sync(kiosk)
    assert _server_record(district, "letter_request", req.id).data["channel"] == "kios"
    assert _server_record(district, "complaint", complaint.id).data["channel"] == "kios"

    # The office pulls both, with their channel.
    _sync(office)
    with office.store.read() as s:
        got_req = s.get(LetterRequest, req.id)
        got_complaint = s.get(Complaint, complaint.id)
        assert got_req is not None and (got_req.channel, got_req.status) == ("kios", "diajukan")
        assert got_complaint is not None and (got_complaint.channel, got_complaint.status) == ("kios", "baru")
    assert [r.id for r in office.services.letters.list_requests(staff, channel="kios")] == [req.id]

    # The office decides: approve (when the type needs it) and issue; respond to the complaint.
    letters_o = office.services.letters
    if letters_o.letter_type(LETTER_TYPE).needs_approval:
        assert letters_o.approve(staff, req.id).status == "disetujui"
    letter = letters_o.issue(staff, req.id)
    assert letter.sequence_number is not None and letter.sequence_number >= 1
    assert office.services.complaints.respond(staff, complaint.id, "Sudah kami laporkan ke PLN").status == "ditanggapi"
    _sync(office)
    assert _server_record(district, "letter_request", req.id).data["status"] == "diterbitkan"
    assert _server_record(district, "complaint", complaint.id).data["status"] == "ditanggapi"

    # The kiosk pulls the decisions.
    _sync(kiosk)
    assert letters_k.get_request(me, req.id).status == "diterbitkan"
    assert kiosk.services.complaints.get(me, complaint.id).status == "ditanggapi"
    with kiosk.store.read() as s:
        # the kiosk gets its request's state, never the letter itself (its payload carries the resident's
        # NIK and KK: issue 19.2), so it holds no letter and no number of the register either
        assert s.get(LetterRequest, req.id).letter_id is None  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(LetterNumberLease)) == 0
        assert list(s.scalars(select(LetterNumber))) == []
        assert list(s.scalars(select(Letter.id))) == []
        kinds = {(r.entity, r.op) for r in s.scalars(select(OutboxChange))}
    assert kinds == {("letter_request", "create"), ("complaint", "create")}, kinds
    assert office.device_role() == "office" and kiosk.device_role() == "kiosk"
