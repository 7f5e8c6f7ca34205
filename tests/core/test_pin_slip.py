"""The kiosk PIN slip: shows the PIN and the masked NIK, never the whole NIK; operators only."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from kiosk.actor import Actor
from kiosk.errors import PermissionDenied
from kiosk.models import Resident
from kiosk.services import Services
from kiosk.services.demo import create_demo_village


def test_pin_slip(services: Services) -> None:
    create_demo_village(services, residents=10)
    operator = services.users.authenticate("admin", "rahasia-admin-1")
    with services.store.read() as s:
        resident = s.execute(select(Resident)).scalars().first()
    assert resident is not None and resident.nik
    services.residents.set_pin(operator, resident.id, "482916")
    pdf = services.residents.pin_slip_pdf(operator, resident.id, "482916")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "482916" in text and resident.name in text
    assert resident.nik not in text
    assert resident.nik[:4] + "********" + resident.nik[-4:] in text
    with pytest.raises(PermissionDenied):
        services.residents.pin_slip_pdf(Actor.kiosk(resident.id), resident.id, "482916")
