"""One crafted (poison) change in the outbox does not lock a device out (issue 20.5): whatever the
district does with it (refuses it per change, or fails every batch that holds it with a 500), the
client isolates it as one record that needs action and the rest of the queue flows. A real district
server on 127.0.0.1, and a proxy that answers 500 for any push holding the poison."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.changes import record_change
from kiosk.ids import new_id
from kiosk.models import OutboxChange, utcnow
from tests.sync.conftest import DistrictServer, FaultProxy, Office, assert_exactly_once

N = 700  # more than one batch behind the poison


def _poison(office: Office) -> str:
    """A letter whose register year no column holds, straight into the outbox (as a tampered store or a
    bug would put it): the oldest change of the queue."""
    letter_id = new_id()
    with office.store.write() as s:
        row = record_change(s, office.actor, entity="letter", entity_id=letter_id, op="create", payload={
            "id": letter_id, "number": "474/001/2026", "letter_type": "domisili", "issued_at": "2026-11-27",
            "content_hash": "ab" * 32, "year": 10**20, "sequence_key": "all", "seq_number": 1})
        assert row is not None
        return row.change_id


def _rows(office: Office) -> dict[str, OutboxChange]:
    with office.store.read() as s:
        return {r.change_id: r for r in s.scalars(select(OutboxChange))}


@pytest.mark.slow
def test_a_change_the_server_refuses_per_change(server: DistrictServer, offices: Any) -> None:
    a = offices("a", server=server)
    poison = _poison(a)
    ids = [a.add_resident(f"Warga {i}") for i in range(N)]
    report = a.sync()
    assert report.ok and report.acked == N and report.rejected == 1, report
    assert all(server.record("resident", i) is not None for i in ids[::50])
    row = _rows(a)[poison]
    assert row.state == "rejected"
    status = a.services.sync.status()
    assert status.state == "needs_action" and status.needs_action == 1 and status.pending == 0
    assert "Traceback" not in server.log.read_text(errors="replace")


@pytest.mark.slow
def test_a_change_every_batch_fails_on_is_isolated(server: DistrictServer, proxy: FaultProxy, offices: Any) -> None:
    a = offices("a", server=server, url=proxy.url, row_retry_base=0.001)
    poison = _poison(a)
    ids = [a.add_resident(f"Warga {i}") for i in range(N)]
    poisoned = {"n": 0}

    def fault(method: str, path: str, body: bytes) -> Any:
        if path.endswith("/push") and poison.encode() in body:
            poisoned["n"] += 1
            return ("status", 500)  # the server chokes on any batch that holds it
        return None

    proxy.fault = fault
    report = a.sync()
    assert report.ok, report  # before: six 500s in a row stopped the cycle ("offline"), nothing flowed
    assert report.acked == N
    assert all(server.record("resident", i) is not None for i in ids[::50])
    for _ in range(6):  # it is tried again alone a few times (each when its backoff is over), then held for staff
        row = _rows(a)[poison]
        if row.state == "rejected":
            break
        if row.next_attempt_at is not None:  # the row's own backoff (jittered, grows with its attempts)
            time.sleep(min(5.0, max(0.0, (row.next_attempt_at - utcnow()).total_seconds())) + 0.01)
        a.sync()
    row = _rows(a)[poison]
    assert row.state == "rejected" and row.last_error and "500" in row.last_error, (row.state, row.last_error)
    status = a.services.sync.status()
    assert status.state == "needs_action" and status.pending == 0
    issues = a.services.sync.issues()
    assert [(i.entity, i.change_id) for i in issues] == [("letter", poison)]
    tried = poisoned["n"]
    later = a.add_resident("Warga Baru")
    assert a.sync().ok and poisoned["n"] == tried  # held: never sent again by itself
    assert server.record("resident", later) is not None
    proxy.fault = lambda m, pth, b: None
    rows = {k: v for k, v in _rows(a).items() if k != poison}
    assert all(r.state == "acked" for r in rows.values())
    with a.store.write() as s:  # the exactly-once check covers the changes the district took
        s.execute(OutboxChange.__table__.delete().where(OutboxChange.change_id == poison))
    assert_exactly_once(server, a)
