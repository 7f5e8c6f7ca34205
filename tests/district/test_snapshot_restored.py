"""Full re-sync (snapshot paging with its cursor), restored-backup detection, and the batch push keeping
FIFO per record, exactly-once and server_seq order inside one batch."""

from __future__ import annotations

from typing import Any

from kiosk.ids import new_id
from sync import protocol as p
from sync.district.snapshot import SnapshotResponse
from tests.district.conftest import OTHER_VILLAGE, VILLAGE, Dev, District
from tests.district.test_push import LETTER


def _snapshot(dev: Dev, **params: Any) -> SnapshotResponse:
    r = dev.client.get("/api/v1/snapshot", params=params, headers=dev.headers)
    assert r.status_code == 200, r.text
    return SnapshotResponse.model_validate(r.json())


def _all_pages(dev: Dev, limit: int, entity: str | None = None) -> tuple[list[Any], list[int]]:
    records: list[Any] = []
    marks: list[int] = []
    params: dict[str, Any] = {"limit": limit}
    if entity:
        params["entity"] = entity
    while True:
        page = _snapshot(dev, **params)
        records.extend(page.records)
        marks.append(page.server_seq)
        if not page.has_more:
            return records, marks
        assert page.next_after_id is not None
        params["after_id"] = page.next_after_id
        if entity is None:
            params["after_entity"] = page.next_entity


def test_snapshot_pages_through_the_village_with_a_cursor(district: District) -> None:
    a = district.enroll()
    other = district.enroll(OTHER_VILLAGE)
    a.push(*[a.change("resident", f"r{i:02d}", "create", {"name": f"N{i}"}) for i in range(7)])
    a.push(a.change("family", "f1", "create", {"no_kk": "1"}),
           a.change("resident", "r01", "update", {"name": "Baru"}, base_version=1),
           a.change("resident", "r02", "delete", {}, base_version=1),
           a.change("letter_request", "q1", "create", {"letter_type": "SKTM"}))
    other.push(other.change("resident", "x1", "create", {"name": "Lain"}))
    newest = a.pull().next_cursor

    records, marks = _all_pages(a, limit=3)
    assert [(r.entity, r.entity_id) for r in records] == sorted(
        [("family", "f1"), ("letter_request", "q1")] + [("resident", f"r{i:02d}") for i in range(7)])
    assert len(marks) == 3 and set(marks) == {newest}
    by_id = {r.entity_id: r for r in records}
    assert (by_id["r01"].version, by_id["r01"].payload["name"]) == (2, "Baru")
    assert by_id["r02"].deleted and not by_id["r03"].deleted
    assert by_id["q1"].payload["status"] == "diajukan"
    assert "x1" not in by_id  # another village's records are never shown

    residents, _ = _all_pages(a, limit=4, entity="resident")
    assert [r.entity_id for r in residents] == [f"r{i:02d}" for i in range(7)]
    assert _snapshot(a, entity="spaceship").records == []
    # after the snapshot the client pulls after its server_seq and gets only what came later
    a.push(a.change("resident", "r09", "create", {"name": "Later"}))
    later = a.pull(after=marks[0])
    assert [c.entity_id for c in later.changes] == ["r09"]


def test_snapshot_after_compaction_resets_the_cursor(district: District) -> None:
    a = district.enroll()
    a.push(*[a.change("resident", f"r{i}", "create", {"name": "N"}) for i in range(5)])
    district.store.compact(4)
    assert a.pull(after=0).reset_required
    page = _snapshot(a)
    assert page.server_seq == 5 and len(page.records) == 5
    after = a.pull(after=page.server_seq)
    assert not after.reset_required and after.changes == []


def test_snapshot_needs_a_token_and_a_complete_cursor(district: District) -> None:
    a = district.enroll()
    assert district.client.get("/api/v1/snapshot").status_code == 401
    bad = district.client.get("/api/v1/snapshot", params={"after_id": "x"}, headers=a.headers)
    assert bad.status_code == 422


def _push_status(dev: Dev, *changes: p.ChangeEnvelope) -> tuple[int, dict[str, Any]]:
    body = p.PushRequest(changes=list(changes)).model_dump(mode="json")
    r = dev.client.post("/api/v1/push", json=body, headers=dev.headers)
    return r.status_code, r.json()


def test_a_device_whose_sequence_goes_backwards_must_re_enroll(district: District) -> None:
    a = district.enroll()
    sent = [a.change("resident", f"r{i}", "create", {"name": "N"}) for i in range(5)]  # seq 1..5
    assert {r.status for r in a.push(*sent)} == {"applied"}
    # a held-back change sent late (lower, never seen sequence) and a resent old change are fine
    held = p.ChangeEnvelope.build(change_id=new_id(), device_seq=0, entity="resident", entity_id="h",
                                  op="create", payload={"village": a.village, "name": "H"})
    assert [r.status for r in a.push(held, sent[1])] == ["applied", "duplicate"]

    # restored from a backup taken after seq 3: the next new change reuses seq 4
    a.seq = 3
    restored = a.change("resident", "new", "create", {"name": "Setelah pulih"})
    fine = a.change("resident", "other", "create", {"name": "Z"})
    status, body = _push_status(a, fine.model_copy(update={"device_seq": 50}), restored)
    assert (status, body["code"]) == (409, "device_restored")
    assert district.store.device_restored(a.device_id)
    with district.store.db.read() as s:
        from sync.district.models import Record

        ids = {r.entity_id for r in s.query(Record)}
    assert ids == {"r0", "r1", "r2", "r3", "r4", "h"}  # nothing of the refused batch was applied
    # every later push is refused too, even a harmless one
    status, body = _push_status(a, a.change("resident", "r9", "create", {"name": "N"}).model_copy(
        update={"device_seq": 100}))
    assert (status, body["code"]) == (409, "device_restored")
    # pull still works; re-enrolling with a fresh code gives a new device that pushes again
    assert a.pull().next_cursor >= 6
    fresh = district.enroll()
    assert fresh.push(fresh.change("resident", "new", "create", {"name": "Setelah pulih"}))[0].status == "applied"
    assert not district.store.device_restored(fresh.device_id)


def test_batch_keeps_fifo_per_record_and_seq_order(district: District) -> None:
    a = district.enroll()
    batch = [
        a.change("resident", "r1", "create", {"name": "A", "rt": "01"}),
        a.change("resident", "r1", "update", {"rt": "02"}, base_version=1),
        a.change("resident", "r2", "update", {"rt": "02"}, base_version=1),  # not found yet
        a.change("resident", "r2", "create", {"name": "B"}),
        a.change("resident", "r1", "update", {"name": "A2"}, base_version=2),
        a.change("resident", "r1", "delete", {}, base_version=3),
        a.change("letter", "l1", "create", LETTER),
        a.change("letter", "l2", "create", LETTER),  # same official number: conflict, rolled back alone
        a.change("letter", "l1", "transition", {"to": "void", "reason": "salah"}),
        a.change("complaint", "c1", "create", {"received_at": "2026-11-27T08:00:00+00:00"}),
        a.change("complaint", "c1", "transition", {"to": "ditanggapi", "at": "2026-11-27T09:00:00+00:00"}),
    ]
    results = a.push(*batch)
    summary = [(r.status, r.reason, r.version) for r in results]
    assert summary == [
        ("applied", None, 1), ("applied", None, 2), ("rejected", "not_found", None), ("applied", None, 1),
        ("applied", None, 3), ("applied", None, 4), ("applied", None, 1), ("conflict", "number_taken", None),
        ("applied", None, 2), ("applied", None, 1), ("applied", None, 2),
    ]
    seqs = [r.server_seq for r in results if r.server_seq is not None]
    assert seqs == list(range(1, 10))
    pulled = a.pull()
    assert [c.server_seq for c in pulled.changes] == seqs
    assert pulled.changes[4].payload == {"village": a.village, "name": "A2", "rt": "02"}
    records, _ = _all_pages(a, limit=100)
    state = {r.entity_id: r for r in records}
    assert state["r1"].deleted and state["r1"].version == 4
    assert "l2" not in state and state["l1"].payload["voided"] is True
    assert state["c1"].payload["first_response_at"] == "2026-11-27T09:00:00+00:00"
    from sync.district.models import ComplaintProjection, LetterProjection, UsedNumber

    with district.store.db.read() as s:
        assert s.get(ComplaintProjection, (VILLAGE, "c1")).status == "ditanggapi"  # type: ignore[union-attr]
        assert [x.letter_id for x in s.query(LetterProjection)] == ["l1"]
        assert [(u.letter_id, u.state) for u in s.query(UsedNumber)] == [("l1", "void")]
    # the applied changes again: each a duplicate with its original answer, nothing applied twice
    applied = [(c, r) for c, r in zip(batch, results, strict=True) if r.status == "applied"]
    again = a.push(*[c for c, _ in applied])
    assert [(r.status, r.server_seq, r.version) for r in again] == [
        ("duplicate", r.server_seq, r.version) for _, r in applied]
    assert a.pull(after=seqs[-1]).changes == []
