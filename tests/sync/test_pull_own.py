"""The client does not pull back and apply its own pushed changes (issue 19.9): the district omits a
device's own creates from its pull when asked (``exclude_own``), and the client skips its own creates by
device and acknowledged change even when a server sends them. Real district server on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk.models import AuditEntry, Resident
from sync import protocol as p
from sync.transport import DistrictHttp
from tests.sync.conftest import DistrictServer, assert_exactly_once

N = 1000


class _OldPull(DistrictHttp):
    """A transport that pulls without the ``exclude_own`` flag (a district before it): the answer holds
    the device's own changes too."""

    pulled_own = 0

    def pull(self, after: int, limit: int = p.DEFAULT_PULL_LIMIT) -> p.PullResponse:
        resp = self.request("GET", "/pull", params={"after": after, "limit": limit})
        page = p.PullResponse.model_validate_json(resp.content)
        _OldPull.pulled_own += sum(1 for c in page.changes if c.origin_device)
        return page


def _count_residents(office: Any) -> int:
    with office.store.read() as s:
        return int(s.execute(select(func.count()).select_from(Resident)).scalar_one())


@pytest.mark.slow
def test_a_thousand_pushed_changes_are_not_pulled_back(server: DistrictServer, offices: Any) -> None:
    a = offices("a", server=server)
    b = offices("b", server=server)
    ids = [a.add_resident(f"Warga {i}", rt="001") for i in range(N)]
    report = a.sync()
    assert report.ok and report.acked == N
    assert report.pulled == 0 and report.applied == 0, report  # before: 1,000 pulled back and applied
    assert a.sync().pulled == 0
    assert_exactly_once(server, a)
    # the other office of the village still gets every one of them
    report = b.sync()
    assert report.ok and report.pulled == N and report.applied == N
    assert _count_residents(b) == N
    # an edit of a's record on b comes back to a (only the device's own creates are left out)
    b.edit_resident(ids[7], name="Warga Tujuh")
    assert b.sync().ok
    report = a.sync()
    assert report.pulled == 1 and report.applied == 1
    assert a.resident(ids[7]).name == "Warga Tujuh"


@pytest.mark.slow
def test_own_changes_from_a_server_that_sends_them_are_skipped(server: DistrictServer, offices: Any) -> None:
    a = offices("a", server=server, http_factory=lambda url, token: _OldPull(url, token))
    ids = [a.add_resident(f"Warga {i}") for i in range(N)]
    with a.store.read() as s:
        audit_before = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    report = a.sync()
    assert report.ok and report.acked == N
    assert _OldPull.pulled_own >= N  # the server did send them back
    assert report.pulled == N and report.applied == 0, report  # ... and none was applied again
    assert _count_residents(a) == N and a.resident(ids[0]).name == "Warga 0"
    with a.store.read() as s:
        assert s.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == audit_before
    assert_exactly_once(server, a)
