from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.actor import Actor
from kiosk.services import Services
from tests.helpers import admin_actor, make_services


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    s = make_services(tmp_path / "data")
    yield s
    s.store.close()


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)
