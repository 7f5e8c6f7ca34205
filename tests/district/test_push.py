"""Push: dedupe, hash conflicts, village and role checks, resident merge, letters, state machines."""

from __future__ import annotations

from kiosk.ids import new_id
from sync import protocol as p
from tests.district.conftest import OTHER_VILLAGE, VILLAGE, District

LETTER = {"number": "474.1/001/35.10.01.2001/2026", "letter_type": "SKTM", "issued_at": "2026-11-27",
          "content_hash": "ab" * 32, "year": 2026, "sequence_key": "all", "seq_number": 1}


def test_applied_then_duplicate_then_hash_mismatch(district: District) -> None:
    dev = district.enroll()
    change = dev.change("resident", "r1", "create", {"name": "Siti"})
    [first] = dev.push(change)
    assert (first.status, first.version) == ("applied", 1)
    assert first.server_seq == 1
    [again] = dev.push(change)
    assert (again.status, again.server_seq) == ("duplicate", first.server_seq)
    forged = change.model_copy(update={"payload": {**change.payload, "name": "Sri"},
                                       "payload_hash": p.payload_hash({**change.payload, "name": "Sri"})})
    [clash] = dev.push(forged)
    assert (clash.status, clash.reason) == ("conflict", "hash_mismatch")
    bad_hash = dev.change("resident", "r2", "create", {"name": "X"}).model_copy(update={"payload_hash": "0" * 64})
    assert dev.push(bad_hash)[0].reason == "payload_hash_invalid"


def test_wrong_village_and_unknown_entity(district: District) -> None:
    dev = district.enroll()
    other = district.enroll(OTHER_VILLAGE)
    [mine] = dev.push(dev.change("resident", "r1", "create", {"name": "A"}))
    assert mine.status == "applied"
    foreign = dev.change("resident", "r9", "create", {"name": "B"})
    foreign = p.ChangeEnvelope.build(change_id=new_id(), device_seq=9, entity="resident", entity_id="r9",
                                     op="create", payload={"village": OTHER_VILLAGE, "name": "B"})
    assert (dev.push(foreign)[0].status, dev.push(foreign)[0].reason) == ("rejected", "wrong_village")
    # the other village's device cannot see or touch our record
    hijack = other.change("resident", "r1", "update", {"name": "C"}, base_version=1)
    assert other.push(hijack)[0].reason == "not_found"
    assert dev.push(dev.change("spaceship", "s1", "create", {}))[0].reason == "unknown_entity"


def test_kiosk_may_only_create_requests_and_complaints(district: District) -> None:
    kiosk = district.enroll(role="kiosk")
    ok = kiosk.push(
        kiosk.change("letter_request", "q1", "create", {"letter_type": "SKTM", "channel": "kiosk"}),
        kiosk.change("complaint", "c1", "create", {"channel": "kiosk", "received_at": "2026-11-27T08:00:00+00:00"}),
    )
    assert [r.status for r in ok] == ["applied", "applied"]
    refused = kiosk.push(
        kiosk.change("resident", "r1", "create", {"name": "A"}),
        kiosk.change("letter", "l1", "create", LETTER),
        kiosk.change("letter_request", "q1", "transition", {"to": "disetujui"}),
    )
    assert [(r.status, r.reason) for r in refused] == [("rejected", "role")] * 3
    lease = district.client.post("/api/v1/leases", json={"year": 2026}, headers=kiosk.headers)
    assert lease.status_code == 403


def test_resident_merge_by_field_and_hard_conflict(district: District) -> None:
    a = district.enroll(name="loket 1")
    b = district.enroll(name="loket 2")
    [c] = a.push(a.change("resident", "r1", "create", {"name": "Siti", "phone": "0811", "rt": "01"}))
    assert c.version == 1
    # b changes the phone from version 1; a changes the RT from version 1: both merge
    [rb] = b.push(b.change("resident", "r1", "update", {"phone": "0822"}, base_version=1))
    [ra] = a.push(a.change("resident", "r1", "update", {"rt": "02"}, base_version=1))
    assert (rb.status, rb.version, ra.status, ra.version) == ("applied", 2, "applied", 3)
    # a's own later edit on top of its own base never conflicts with itself
    [own] = a.push(a.change("resident", "r1", "update", {"rt": "03"}, base_version=2))
    assert own.status == "applied"
    # a changes the phone from base 1 to another value: b changed it after 1 → hard conflict, nothing applied
    [hard] = a.push(a.change("resident", "r1", "update", {"phone": "0899", "name": "Siti A"}, base_version=1))
    assert (hard.status, hard.reason) == ("conflict", "field_conflict")
    assert hard.conflict is not None
    assert hard.conflict.fields["phone"].server == "0822"
    assert hard.conflict.fields["phone"].device == "0899"
    assert "name" not in hard.conflict.fields
    # the same value as the server is no conflict
    [same] = a.push(a.change("resident", "r1", "update", {"phone": "0822"}, base_version=1))
    assert (same.status, same.reason) == ("applied", "no_change")
    state = a.pull().changes[-1]
    assert state.payload == {"village": a.village, "name": "Siti", "phone": "0822", "rt": "03"}
    assert state.version == 4
    # missing base version, unknown record, delete
    assert a.push(a.change("resident", "r1", "update", {"rt": "9"}))[0].reason == "base_version_required"
    assert a.push(a.change("resident", "zz", "update", {"rt": "9"}, base_version=1))[0].reason == "not_found"
    assert a.push(a.change("resident", "r1", "delete", {}, base_version=4))[0].status == "applied"
    assert a.push(a.change("resident", "r1", "delete", {}, base_version=5))[0].status == "duplicate"
    assert a.push(a.change("resident", "r1", "update", {"rt": "9"}, base_version=5))[0].reason == "deleted"


def test_create_existing_is_duplicate_safe(district: District) -> None:
    a = district.enroll()
    a.push(a.change("family", "f1", "create", {"no_kk": "3510010101010001"}))
    [same] = a.push(a.change("family", "f1", "create", {"no_kk": "3510010101010001"}))
    assert (same.status, same.reason) == ("duplicate", "already_exists")
    [diff] = a.push(a.change("family", "f1", "create", {"no_kk": "3510010101010002"}))
    assert (diff.status, diff.reason) == ("conflict", "exists")


def test_letters_are_immutable_except_void(district: District) -> None:
    a = district.enroll()
    [made] = a.push(a.change("letter", "l1", "create", LETTER))
    assert made.status == "applied"
    assert a.push(a.change("letter", "l1", "update", {"number": "x"}, base_version=1))[0].reason == "immutable"
    assert a.push(a.change("letter", "l1", "delete", {}))[0].reason == "immutable"
    assert a.push(a.change("letter", "l1", "transition", {"to": "issued"}))[0].reason == "immutable"
    [void] = a.push(a.change("letter", "l1", "transition", {"to": "void", "reason": "salah nama"}))
    assert (void.status, void.version) == ("applied", 2)
    assert a.push(a.change("letter", "l1", "transition", {"to": "void"}))[0].status == "duplicate"
    # another letter with the same official number is a conflict
    [taken] = a.push(a.change("letter", "l2", "create", LETTER))
    assert (taken.status, taken.reason) == ("conflict", "number_taken")
    assert a.push(a.change("letter", "l3", "create", {"number": "1"}))[0].reason == "invalid_payload"


def test_request_state_machine(district: District) -> None:
    a = district.enroll()
    assert a.push(a.change("letter_request", "q1", "create", {"letter_type": "SKTM", "channel": "counter"}))[0].status == "applied"
    steps = [("disetujui", "applied", None), ("diajukan", "rejected", "invalid_transition"),
             ("disetujui", "duplicate", "already_in_state"), ("diterbitkan", "applied", None),
             ("dibatalkan", "rejected", "invalid_transition")]
    for to, status, reason in steps:
        [r] = a.push(a.change("letter_request", "q1", "transition", {"to": to}))
        assert (to, r.status, r.reason) == (to, status, reason)
    assert a.push(a.change("letter_request", "q2", "create", {"status": "diterbitkan"}))[0].reason == "invalid_status"
    assert a.push(a.change("letter_request", "q1", "update", {"x": 1}, base_version=1))[0].reason == "use_transition"


def test_complaint_state_machine_and_projection(district: District) -> None:
    from sync.district.models import ComplaintProjection

    a = district.enroll()
    a.push(a.change("complaint", "c1", "create", {"channel": "whatsapp", "category": "jalan",
                                                 "received_at": "2026-11-27T08:00:00+00:00"}))
    assert a.push(a.change("complaint", "c1", "transition", {"to": "selesai"}))[0].reason == "invalid_transition"
    assert a.push(a.change("complaint", "c1", "transition",
                           {"to": "ditanggapi", "at": "2026-11-27T09:00:00+00:00"}))[0].status == "applied"
    assert a.push(a.change("complaint", "c1", "transition",
                           {"to": "selesai", "at": "2026-11-27T10:00:00+00:00"}))[0].status == "applied"
    with district.store.db.read() as s:
        row = s.get(ComplaintProjection, (VILLAGE, "c1"))
        assert row is not None
        assert (row.status, row.channel, row.category) == ("selesai", "whatsapp", "jalan")
        assert row.due_at == "2026-11-27T12:00:00+00:00"
        assert (row.first_response_at, row.resolved_at) == ("2026-11-27T09:00:00+00:00", "2026-11-27T10:00:00+00:00")
