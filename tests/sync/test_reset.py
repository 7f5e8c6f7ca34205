"""Full re-sync from the district's snapshot after its change log was compacted, and the district's own
verdict on a restored device (409 device_restored), against a real server."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from kiosk.models import OutboxChange, SyncRecord
from kiosk.services import sync_state as st
from sync.client import CycleReport
from sync.transport import DistrictHttp
from tests.helpers import ENROLLING_ADMIN
from tests.sync.conftest import DistrictServer, FaultProxy, Office, assert_exactly_once, reopen_office

pytestmark = pytest.mark.slow


def _compact(server: DistrictServer) -> int:
    newest = max(e.server_seq for e in server.log_entries())
    return server.store.compact(newest)


def _cursor(office: Office) -> int:
    with office.store.read() as s:
        return int(st.get_state(s, st.K_CURSOR, 0))


def test_reset_reloads_the_village_from_the_snapshot(server: DistrictServer, offices: Any) -> None:
    a = offices("a", server=server)
    ids = [a.add_resident(f"Warga {i}", rt="001") for i in range(25)]
    assert a.sync().ok
    b = offices("b", server=server, pull_limit=7)
    assert b.sync().ok and all(b.resident(i) is not None for i in ids)
    more = [a.add_resident(f"Baru {i}") for i in range(12)]
    a.edit_resident(ids[0], name="Warga Nol")
    a.edit_resident(ids[1], name="Server Satu")
    assert a.sync().ok
    b.edit_resident(ids[1], rt="009")  # a local change the re-sync must not overwrite
    watermark = _compact(server)
    assert watermark > _cursor(b)
    # pull only (the local change stays pending): the reset reloads, holding ids[1] back
    with b.store.read() as s:
        token = s.execute(select(st.Device.token)).scalar_one()
    report = CycleReport()
    http = DistrictHttp(server.url, token)
    try:
        b.client.pull_all(http, report)
    finally:
        http.close()
    assert "reset_unavailable" not in report.warnings and report.deferred >= 1
    assert all(b.resident(i) is not None for i in more)
    assert b.resident(ids[0]).name == "Warga Nol"  # type: ignore[union-attr]
    assert (b.resident(ids[1]).name, b.resident(ids[1]).rt) == ("Warga 1", "009")  # type: ignore[union-attr]
    with b.store.read() as s:
        assert st.get_state(s, st.K_SNAPSHOT) is None
        rec = s.get(SyncRecord, ("resident", ids[1]))
        assert rec is not None and rec.deferred is not None and rec.deferred["payload"]["name"] == "Server Satu"
    assert _cursor(b) >= watermark
    # the local change goes out and merges; later changes flow through the ordinary pull again
    assert b.sync().ok and a.sync().ok
    assert (a.resident(ids[1]).name, a.resident(ids[1]).rt) == ("Server Satu", "009")  # type: ignore[union-attr]
    assert (b.resident(ids[1]).name, b.resident(ids[1]).rt) == ("Server Satu", "009")  # type: ignore[union-attr]
    late = a.add_resident("Sesudah reset")
    assert a.sync().ok and b.sync().ok
    assert b.resident(late) is not None
    assert_exactly_once(server, a, compacted=True)
    assert_exactly_once(server, b, compacted=True)


def test_new_device_after_compaction_and_resume_after_cut(server: DistrictServer, proxy: FaultProxy,
                                                          offices: Any) -> None:
    a = offices("a", server=server)
    fam = "f-" + os.urandom(4).hex()
    with a.store.write() as s:
        from kiosk.changes import record_change
        from kiosk.models import Family

        s.add(Family(id=fam, kk_number="3510010101010001"))
        s.flush()
        record_change(s, a.actor, entity="family", entity_id=fam, op="create",
                      payload={"id": fam, "kk_number": "3510010101010001"})
    ids = [a.add_resident(f"Warga {i}", family_id=fam) for i in range(30)]
    assert a.sync().ok
    _compact(server)
    c = offices("c", server=server, url=proxy.url, pull_limit=8)
    snaps: list[dict[str, list[str]]] = []

    def cut(m: str, path: str, body: bytes) -> Any:
        if path.startswith("/api/v1/snapshot"):
            snaps.append(parse_qs(urlparse(path).query))
            return "drop" if len(snaps) == 3 else None
        return None

    proxy.fault = cut
    first = c.sync()
    assert first.outcome == "offline"
    with c.store.read() as s:
        progress = st.get_state(s, st.K_SNAPSHOT)
    assert progress and progress["server_seq"] is not None
    done_before = sum(1 for i in ids if c.resident(i) is not None)
    assert done_before >= 8  # the pages before the cut stay applied
    assert c.sync().ok
    # resumed where it stopped: the page after the cut was asked again, never the first one
    assert snaps[3] == snaps[2]
    assert all(c.resident(i) is not None for i in ids)
    with c.store.read() as s:
        assert st.get_state(s, st.K_SNAPSHOT) is None
        assert not st.open_issues(s)  # parents first: no child waited for its family
    late = a.add_resident("Sesudah")
    assert a.sync().ok and c.sync().ok and c.resident(late) is not None


def test_district_refuses_a_restored_device(server: DistrictServer, offices: Any, tmp_path: Path) -> None:
    """The local check misses the restore (its watermark file went with the old disk): the district's
    409 device_restored pauses the queue as "needs re-enrolment", keeping every change."""
    a = offices("a", server=server)
    a.add_resident("Sebelum")
    assert a.sync().ok
    backup = tmp_path / "old.sqlite3"
    src = sqlite3.connect(a.store.paths.database)
    dst = sqlite3.connect(backup)
    src.backup(dst)
    dst.close()
    src.close()
    a.add_resident("Sesudah")
    assert a.sync().ok
    data_dir = a.data_dir
    a.close()
    os.replace(backup, a.store.paths.database)
    for suffix in ("-wal", "-shm"):
        Path(str(a.store.paths.database) + suffix).unlink(missing_ok=True)
    (data_dir / "sync-watermark.json").unlink(missing_ok=True)
    r = reopen_office(data_dir)
    try:
        new = r.add_resident("Setelah pulih")  # reuses the local sequence number of "Sesudah"
        report = r.sync()
        assert report.outcome == "restored" and report.error == "device_restored"
        status = r.services.sync.status()
        assert status.state == "needs_action" and status.needs_reenroll and status.restored
        assert status.label() != "Offline"
        with r.store.read() as s:
            row = s.execute(select(OutboxChange).where(OutboxChange.entity_id == new)).scalar_one()
            assert row.state == "pending"  # kept
        assert r.sync().outcome == "restored"  # paused until re-enrolled, nothing sent
        r.client.enroll(server.url, server.code(), actor=ENROLLING_ADMIN)
        report = r.sync()
        assert report.ok, report
        with r.store.read() as s:
            row = s.execute(select(OutboxChange).where(OutboxChange.entity_id == new)).scalar_one()
            assert row.state == "acked"
        rec = server.record("resident", new)
        assert rec is not None and rec.data["name"] == "Setelah pulih"
        assert len([e for e in server.log_entries() if e.entity_id == new]) == 1
    finally:
        r.close()
