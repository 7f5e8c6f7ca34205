"""After each sync the device tells the district what still waits in its outbox (for e-monitoring)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sync.district.monitoring import DeviceReport
from tests.sync.conftest import DistrictServer


def _report(server: DistrictServer, device_id: str) -> DeviceReport | None:
    with server.store.db.read() as s:
        return s.scalar(select(DeviceReport).where(DeviceReport.device_id == device_id))


@pytest.mark.slow
def test_status_reported_after_sync(server: DistrictServer, offices: Any) -> None:
    office = offices("status", server=server)
    for i in range(3):
        office.add_resident(f"Warga {i}")
    report = office.sync()
    assert report.ok, report
    device_id = office.device().server_device_id
    row = _report(server, device_id)
    assert row is not None and row.pending == 0 and row.needs_action == 0
    assert row.village == server.village
