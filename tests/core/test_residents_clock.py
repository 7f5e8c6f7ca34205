"""Residents take an injectable clock (as letters, backups and complaints do): "today" is the clock's."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.errors import ValidationError
from kiosk.services import Services
from tests.helpers import admin_actor

WIB = dt.timezone(dt.timedelta(hours=7))


def test_future_dates_follow_the_services_clock(services: Services) -> None:
    admin = admin_actor(services)
    residents = services.residents
    residents.clock = lambda: dt.datetime(2020, 1, 1, 9, 0, tzinfo=WIB)  # type: ignore[method-assign]
    with pytest.raises(ValidationError) as err:
        residents.register(admin, {"name": "Bayi Baru", "sex": 1, "birth_date": dt.date(2021, 5, 5)})
    assert "birth_date" in err.value.fields
    rid = residents.register(admin, {"name": "Bayi Lama", "sex": 2, "birth_date": dt.date(2019, 5, 5)}).id
    with pytest.raises(ValidationError) as err:
        residents.record_move_out(admin, rid, date=dt.date(2020, 1, 2), destination="Jember")
    assert "date" in err.value.fields
    residents.clock = lambda: dt.datetime(2022, 1, 1, 9, 0, tzinfo=WIB)  # type: ignore[method-assign]
    residents.register(admin, {"name": "Bayi Baru", "sex": 1, "birth_date": dt.date(2021, 5, 5)})
    assert residents.record_move_out(admin, rid, date=dt.date(2020, 1, 2), destination="Jember") is not None
