"""The first setup cannot lock an office out: office, device and first administrator are written in
one transaction, after every rule is checked; a half-set-up office (older versions) is recognised."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from kiosk.db import Store
from kiosk.errors import ConflictError, ValidationError
from kiosk.services import Services
from tests.helpers import sample_office


def _rows(data_dir: Path) -> dict[str, int]:
    """Row counts read by a second connection on the real file (what a restart would find)."""
    db = next(data_dir.rglob("*.sqlite3"), None) or next(data_dir.rglob("*.db"))
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in ("office_profile", "device", "user", "audit_entry", "outbox_change")}
    finally:
        con.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Services:
    services = Services(Store.open(tmp_path / "office"))
    yield services
    services.store.close()


def _setup(services: Services, **over: str) -> None:
    info = dataclasses.replace(sample_office(), **{k: v for k, v in over.items() if k in ("head_name", "head_title")})
    services.office.set_up_office(
        info, admin_username=over.get("username", "admin"), admin_full_name=over.get("full_name", "Admin Desa"),
        admin_password=over.get("password", "sarongan-2026"))


@pytest.mark.parametrize(("bad", "field"), [
    ({"password": "abc"}, "password"),
    ({"username": "kepala desa!"}, "username"),
    ({"full_name": "  "}, "full_name"),
    ({"head_name": ""}, "head_name"),
    ({"head_title": " "}, "head_title"),
])
def test_a_refused_setup_writes_nothing_and_can_be_retried(
    fresh: Services, tmp_path: Path, bad: dict[str, str], field: str,
) -> None:
    with pytest.raises(ValidationError) as e:
        _setup(fresh, **bad)
    assert field in e.value.fields
    assert not fresh.office.is_configured()
    assert set(_rows(tmp_path / "office").values()) == {0}
    _setup(fresh)  # the corrected input goes through: nothing half-written blocks it
    assert fresh.office.is_configured() and not fresh.office.needs_first_admin()
    assert fresh.users.authenticate("admin", "sarongan-2026").role == "admin"
    rows = _rows(tmp_path / "office")
    assert (rows["office_profile"], rows["device"], rows["user"]) == (1, 1, 1)


def test_setup_reports_every_wrong_field_at_once(fresh: Services) -> None:
    with pytest.raises(ValidationError) as e:
        _setup(fresh, head_name="", full_name="")
    assert {"head_name", "full_name"} <= set(e.value.fields)


def test_second_setup_is_refused(fresh: Services) -> None:
    _setup(fresh)
    with pytest.raises(ConflictError):
        _setup(fresh, username="lain")
    assert fresh.users.count() == 1


def test_half_set_up_office_is_recognised_until_an_admin_exists(fresh: Services) -> None:
    assert not fresh.office.needs_first_admin()  # nothing at all: the normal wizard
    fresh.office.setup(sample_office())  # what the old two-step wizard left behind
    assert fresh.office.needs_first_admin()
    fresh.users.create_first_admin(username="admin", full_name="Admin Desa", password="sarongan-2026")
    assert not fresh.office.needs_first_admin()
