"""Pengguna: sign-in with lockout, password changes and user management (admins only)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk import settings
from kiosk.actor import ROLES, Actor
from kiosk.changes import write_audit
from kiosk.db import Store
from kiosk.errors import (
    AccountLocked,
    AuthenticationFailed,
    ConflictError,
    NotFound,
    ValidationError,
)
from kiosk.i18n import N_
from kiosk.models import Device, User, utcnow
from kiosk.permissions import require
from kiosk.security import hash_secret, verify_secret

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class UserInfo:
    """A user as the screens list it (plain data, never the ORM row)."""

    id: str
    username: str
    full_name: str
    role: str
    active: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None


def _info(u: User) -> UserInfo:
    return UserInfo(u.id, u.username, u.full_name, u.role, u.active, u.locked_until, u.last_login_at)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            N_("The password must have at least {n} characters."), fields={"password": N_("Too short")},
            n=MIN_PASSWORD_LENGTH,
        )


def check_new_user(*, username: str, full_name: str, role: str, password: str) -> str:
    """Every rule for a new user, checked before anything is written; the normalised username."""
    username = username.strip().lower()
    errors: dict[str, str] = {}
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        errors["username"] = N_("Use letters, digits, dots, dashes or underscores.")
    if not full_name.strip():
        errors["full_name"] = N_("The full name is required.")
    if role not in ROLES:
        errors["role"] = N_("Unknown role.")
    if errors:
        raise ValidationError(fields=errors)
    _check_password(password)
    return username


def insert_user(s: Session, actor: Actor, *, username: str, full_name: str, role: str,
                password_hash: str) -> UserInfo:
    """Write a checked new user and its audit line in the caller's transaction."""
    if s.execute(select(User.id).where(User.username == username)).first():
        raise ConflictError(N_("The username {username} is already taken."), username=username)
    user = User(username=username, full_name=full_name.strip(), role=role, password_hash=password_hash)
    s.add(user)
    s.flush()
    write_audit(s, actor, action="user.create", entity="user", entity_id=user.id,
                details={"username": username, "role": role})
    return _info(user)


def _device_id(store: Store) -> str | None:
    with store.read() as s:
        return s.execute(select(Device.id)).scalar()


class UserService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def count(self) -> int:
        with self.store.read() as s:
            return s.execute(select(func.count()).select_from(User)).scalar_one()

    def authenticate(self, username: str, password: str, *, now: dt.datetime | None = None) -> Actor:
        """Check a username and password; five failures lock the account for five minutes."""
        now = now or utcnow()
        username = username.strip().lower()
        with self.store.write() as s:
            max_failures = settings.get(s, settings.LOGIN_MAX_FAILURES)
            lock_minutes = settings.get(s, settings.LOGIN_LOCK_MINUTES)
            user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if user is None or not user.active:
                verify_secret(None, password)  # same cost as a real check
                raise AuthenticationFailed()
            if user.locked_until and user.locked_until > now:
                minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
                raise AccountLocked(minutes=minutes)
            device_id = s.execute(select(Device.id)).scalar()
            if not verify_secret(user.password_hash, password):
                user.failed_attempts += 1
                actor = Actor(user.id, user.username, user.role, user.full_name, device_id)
                if user.failed_attempts >= max_failures:
                    user.locked_until = now + dt.timedelta(minutes=lock_minutes)
                    user.failed_attempts = 0
                    write_audit(s, actor, action="user.locked", entity="user", entity_id=user.id)
                    locked = AccountLocked(minutes=lock_minutes)
                    s.commit()
                    raise locked
                write_audit(s, actor, action="user.login_failed", entity="user", entity_id=user.id)
                s.commit()
                raise AuthenticationFailed()
            user.failed_attempts = 0
            user.locked_until = None
            user.last_login_at = now
            actor = Actor(user.id, user.username, user.role, user.full_name, device_id)
            write_audit(s, actor, action="user.login", entity="user", entity_id=user.id)
            log.info("user %s signed in", user.username)
            return actor

    def first_admin_actor(self) -> Actor:
        """The first administrator, without a password (benchmarks and tests only)."""
        with self.store.read() as s:
            user = s.execute(select(User).where(User.role == "admin").order_by(User.created_at)).scalars().first()
            if user is None:
                raise NotFound()
            device_id = s.execute(select(Device.id)).scalar()
            return Actor(user.id, user.username, user.role, user.full_name, device_id)

    def verify_password(self, actor: Actor, password: str) -> bool:
        """Re-check the signed-in user's password (unlocking the idle lock)."""
        with self.store.read() as s:
            user = s.get(User, actor.user_id) if actor.user_id else None
            return bool(user and user.active and verify_secret(user.password_hash, password))

    def verify_supervisor(self, username: str, password: str) -> Actor:
        """A supervisor's or admin's credentials (e.g. to leave kiosk mode)."""
        actor = self.authenticate(username, password)
        require(actor, "kiosk.exit")
        return actor

    def create_user(
        self, actor: Actor, *, username: str, full_name: str, role: str, password: str
    ) -> UserInfo:
        require(actor, "user.manage")
        return self._create(actor, username=username, full_name=full_name, role=role, password=password)

    def _create(self, actor: Actor, *, username: str, full_name: str, role: str, password: str) -> UserInfo:
        username = check_new_user(username=username, full_name=full_name, role=role, password=password)
        pw_hash = hash_secret(password)
        with self.store.write() as s:
            return insert_user(s, actor, username=username, full_name=full_name, role=role, password_hash=pw_hash)

    def create_first_admin(self, *, username: str, full_name: str, password: str) -> UserInfo:
        """The first admin, made by the setup (refused once any user exists)."""
        if self.count() > 0:
            raise ConflictError(N_("An administrator already exists."))
        return self._create(Actor.system("setup"), username=username, full_name=full_name, role="admin",
                            password=password)

    def list_users(self, actor: Actor) -> list[UserInfo]:
        require(actor, "user.manage")
        with self.store.read() as s:
            return [_info(u) for u in s.execute(select(User).order_by(User.username)).scalars()]

    def update_user(
        self, actor: Actor, user_id: str, *, full_name: str | None = None, role: str | None = None,
        active: bool | None = None,
    ) -> UserInfo:
        require(actor, "user.manage")
        with self.store.write() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound()
            changed: dict[str, object] = {}
            if full_name is not None and full_name.strip() != user.full_name:
                user.full_name = full_name.strip()
                changed["full_name"] = True
            if role is not None and role != user.role:
                if role not in ROLES:
                    raise ValidationError(fields={"role": N_("Unknown role.")})
                if user.id == actor.user_id and role != "admin":
                    raise ValidationError(N_("You cannot remove your own administrator role."))
                user.role = role
                changed["role"] = role
            if active is not None and active != user.active:
                if user.id == actor.user_id and not active:
                    raise ValidationError(N_("You cannot deactivate your own account."))
                user.active = active
                changed["active"] = active
            if changed:
                user.version += 1
                write_audit(s, actor, action="user.update", entity="user", entity_id=user.id, details=changed)
            return _info(user)

    def reset_password(self, actor: Actor, user_id: str, new_password: str) -> None:
        """An admin sets a new password for a user (and lifts a lockout)."""
        require(actor, "user.manage")
        _check_password(new_password)
        pw_hash = hash_secret(new_password)
        with self.store.write() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound()
            user.password_hash = pw_hash
            user.failed_attempts = 0
            user.locked_until = None
            user.must_change_password = True
            write_audit(s, actor, action="user.reset_password", entity="user", entity_id=user.id)

    def change_password(self, actor: Actor, old_password: str, new_password: str) -> None:
        """The signed-in user changes their own password."""
        _check_password(new_password)
        if old_password == new_password:
            raise ValidationError(N_("The new password must differ from the old one."))
        with self.store.read() as s:
            user = s.get(User, actor.user_id) if actor.user_id else None
            if user is None or not verify_secret(user.password_hash, old_password):
                raise AuthenticationFailed(N_("The current password is wrong."))
        pw_hash = hash_secret(new_password)
        with self.store.write() as s:
            user = s.get(User, actor.user_id)
            assert user is not None
            user.password_hash = pw_hash
            user.must_change_password = False
            user.version += 1
            write_audit(s, actor, action="user.change_password", entity="user", entity_id=user.id)
