"""Shared test helpers: a fresh, set-up office store in a temporary data directory."""

from __future__ import annotations

from pathlib import Path

from kiosk.actor import Actor
from kiosk.db import Store
from kiosk.services import Services
from kiosk.services.office import OfficeInfo

ADMIN_PASSWORD = "rahasia-admin-1"
# A signed-in administrator as the screens and the command line hand it to services that need a person
# (enrolling: ``kiosk.permissions.require_user``); tests of the sign-in itself use ``admin_actor``.
ENROLLING_ADMIN = Actor(user_id="admin-user", username="admin", role="admin", full_name="Admin Desa")


def sample_office() -> OfficeInfo:
    return OfficeInfo(
        village_code="35.10.01.2001",
        village_name="Sarongan",
        kecamatan_name="Pesanggaran",
        kabupaten_name="Kabupaten Banyuwangi",
        provinsi_name="Jawa Timur",
        address="Jl. Raya Sarongan No. 1",
        postcode="68488",
        head_name="Slamet Riyadi",
        secretary_name="Budi Santoso",
        service_hours="Senin–Jumat 08.00–15.00; Selasa & Kamis malam 18.00–21.00",
    )


def make_services(data_dir: Path, *, setup: bool = True) -> Services:
    store = Store.open(data_dir)
    services = Services(store)
    if setup:
        services.office.setup(sample_office())
        services.users.create_first_admin(username="admin", full_name="Admin Desa", password=ADMIN_PASSWORD)
    return services


def admin_actor(services: Services) -> Actor:
    return services.users.authenticate("admin", ADMIN_PASSWORD)


def make_user(services: Services, username: str, role: str, password: str = "kata-sandi-1") -> Actor:
    services.users.create_user(admin_actor(services), username=username, full_name=username.title(),
                               role=role, password=password)
    return services.users.authenticate(username, password)
