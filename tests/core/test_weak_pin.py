"""Kiosk PINs others could guess are refused in the service (the staff screen cannot skip it)."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.errors import ValidationError
from kiosk.security import weak_pin_reason
from kiosk.services import Services
from tests.core.test_residents import person
from tests.helpers import admin_actor

BIRTH = dt.date(1980, 5, 12)


@pytest.mark.parametrize("pin", ["000000", "111111", "999999", "123456", "234567", "654321", "012345",
                                 "121212", "123123", "907907",
                                 "120580", "800512", "051280", "198005", "051980", "120519"])
def test_guessable_pins_are_refused_with_a_reason(services: Services, pin: str) -> None:
    admin = admin_actor(services)
    r = services.residents.register(admin, person(birth_date=BIRTH))
    with pytest.raises(ValidationError) as e:
        services.residents.set_pin(admin, r.id, pin)
    text = e.value.user_message()
    assert "PIN" in text and text != "The PIN must be exactly 6 digits."
    assert "tidak boleh" in text  # Indonesian
    assert services.residents.pin_hash(r.id) is None  # nothing was stored


@pytest.mark.parametrize("pin", ["482916", "730185", "125800", "120581"])
def test_ordinary_pins_pass(services: Services, pin: str) -> None:
    assert weak_pin_reason(pin, BIRTH) is None
    admin = admin_actor(services)
    r = services.residents.register(admin, person(birth_date=BIRTH))
    services.residents.set_pin(admin, r.id, pin)
    assert services.residents.pin_hash(r.id)
