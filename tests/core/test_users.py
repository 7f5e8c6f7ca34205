"""Users: slow hashes, lockout after five failures, roles enforced in the services."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kiosk.errors import AccountLocked, AuthenticationFailed, PermissionDenied, ValidationError
from kiosk.models import User, utcnow
from kiosk.services import Services
from tests.helpers import ADMIN_PASSWORD, admin_actor, make_user


def test_password_is_stored_with_argon2(services: Services) -> None:
    with services.store.read() as s:
        user = s.execute(select(User).where(User.username == "admin")).scalar_one()
    assert user.password_hash.startswith("$argon2id$")
    assert ADMIN_PASSWORD not in user.password_hash


def test_five_failures_lock_for_five_minutes(services: Services) -> None:
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            services.users.authenticate("admin", "salah")
    with pytest.raises(AccountLocked):
        services.users.authenticate("admin", "salah")
    # Even the right password is refused while locked ...
    with pytest.raises(AccountLocked):
        services.users.authenticate("admin", ADMIN_PASSWORD)
    # ... and accepted after the five minutes.
    later = utcnow() + dt.timedelta(minutes=5, seconds=1)
    assert services.users.authenticate("admin", ADMIN_PASSWORD, now=later).role == "admin"


def test_unknown_user_gives_the_same_error(services: Services) -> None:
    with pytest.raises(AuthenticationFailed) as e:
        services.users.authenticate("tidak-ada", "apa saja")
    assert e.value.user_message() == "Nama pengguna atau kata sandi salah."


def test_operator_cannot_manage_users(services: Services) -> None:
    operator = make_user(services, "ani", "operator")
    with pytest.raises(PermissionDenied) as e:
        services.users.create_user(operator, username="x", full_name="X", role="admin", password="12345678")
    assert e.value.data["permission"] == "user.manage"
    with pytest.raises(PermissionDenied):
        services.users.list_users(operator)


def test_change_password(services: Services) -> None:
    operator = make_user(services, "budi", "operator", password="lama-sekali")
    with pytest.raises(AuthenticationFailed):
        services.users.change_password(operator, "keliru", "baru-sekali")
    with pytest.raises(ValidationError):
        services.users.change_password(operator, "lama-sekali", "pendek")
    services.users.change_password(operator, "lama-sekali", "baru-sekali")
    assert services.users.authenticate("budi", "baru-sekali").username == "budi"


def test_admin_manages_users(services: Services) -> None:
    admin = admin_actor(services)
    info = services.users.create_user(admin, username="Kades", full_name="Pak Kades", role="supervisor",
                                      password="kades-123")
    assert info.username == "kades"
    services.users.update_user(admin, info.id, role="operator", active=False)
    with pytest.raises(AuthenticationFailed):
        services.users.authenticate("kades", "kades-123")
    services.users.update_user(admin, info.id, active=True)
    services.users.reset_password(admin, info.id, "baru-lagi-1")
    assert services.users.authenticate("kades", "baru-lagi-1").role == "operator"
    with pytest.raises(ValidationError):
        services.users.update_user(admin, admin.user_id or "", active=False)
