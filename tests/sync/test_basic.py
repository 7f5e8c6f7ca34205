"""Enroll, push, pull between two offices of one village through a real district server."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.services import sync_state as st
from tests.sync.conftest import DistrictServer, assert_exactly_once


@pytest.mark.slow
def test_two_offices_converge(server: DistrictServer, offices: Any) -> None:
    a = offices("a", server=server)
    b = offices("b", server=server)
    ids = [a.add_resident(f"Warga {i}", rt="001") for i in range(30)]
    report = a.sync()
    assert report.ok and report.acked >= 30, report
    assert_exactly_once(server, a)
    report = b.sync()
    assert report.ok and report.applied >= 30
    assert b.resident(ids[3]).name == "Warga 3"
    # an edit on b flows back to a; a's record is not overwritten while it has its own pending change
    b.edit_resident(ids[0], name="Warga Nol")
    a.edit_resident(ids[1], rt="002")
    assert b.sync().ok and a.sync().ok
    assert a.resident(ids[0]).name == "Warga Nol"
    assert b.sync().ok
    assert b.resident(ids[1]).rt == "002"
    assert_exactly_once(server, a)
    assert_exactly_once(server, b)
    with a.store.read() as s:
        status = st.status(s)
    assert status.state == "synced", status
    assert status.label() == "Tersinkron" or status.label() == "Synced"


@pytest.mark.slow
def test_field_merge_and_hard_conflict(server: DistrictServer, offices: Any) -> None:
    a = offices("a", server=server)
    b = offices("b", server=server)
    rid = a.add_resident("Siti", rt="001", rw="002")
    assert a.sync().ok and b.sync().ok
    a.edit_resident(rid, rt="003")
    b.edit_resident(rid, rw="004")  # another field: merges
    assert a.sync().ok and b.sync().ok and a.sync().ok
    assert (a.resident(rid).rt, a.resident(rid).rw) == ("003", "004")
    assert (b.resident(rid).rt, b.resident(rid).rw) == ("003", "004")
    a.edit_resident(rid, name="Siti Aminah")
    b.edit_resident(rid, name="Siti Rahayu")  # the same field on both sides: a hard conflict
    b.edit_resident(rid, phone="0812")  # held back behind the conflict (same record)
    assert a.sync().ok
    report = b.sync()
    assert report.conflicts == 1
    issues = b.services.sync.issues()
    assert len(issues) == 1 and issues[0].fields["name"] == {"local": "Siti Rahayu", "server": "Siti Aminah"}
    assert b.resident(rid).name == "Siti Rahayu"  # kept for staff, nothing overwritten
    from tests.helpers import admin_actor

    b.services.sync.resolve_conflict(admin_actor(b.services), issues[0].id, {"name": "local"})
    assert b.sync().ok and a.sync().ok
    assert a.resident(rid).name == "Siti Rahayu" and a.resident(rid).phone == "0812"
    assert b.services.sync.issues() == []
