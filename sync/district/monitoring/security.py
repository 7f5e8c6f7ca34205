"""E-monitoring accounts and sign-in: Argon2id passwords, lockout after failures, HMAC-signed tokens
(session cookie and short-lived sign-in links), and the request dependency that demands a signed-in user.
The limits come from `sync.district.settings.ServerSettings`."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from kiosk.security import hash_secret, verify_secret
from sync.district.db import Database
from sync.district.models import ServerSetting
from sync.district.monitoring.models import DistrictUser, now_utc
from sync.district.settings import DEFAULTS, ENV_SECRET, ServerSettings

COOKIE = "sk_district_session"
SESSION_HOURS = DEFAULTS.session_hours
LOGIN_LINK_MINUTES = DEFAULTS.login_link_minutes
MAX_FAILURES = DEFAULTS.max_failures
LOCK_MINUTES = DEFAULTS.lock_minutes

__all__ = ["COOKIE", "ENV_SECRET", "LOCK_MINUTES", "LOGIN_LINK_MINUTES", "MAX_FAILURES", "SESSION_HOURS",
           "MonitoringError", "UserDep", "Viewer", "add_user", "authenticate", "current_user", "login_link",
           "make_token", "read_token", "server_secret", "session_cookie_for", "user_command"]


class MonitoringError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def add_user(db: Database, username: str, password: str, full_name: str = "") -> DistrictUser:
    """Create a district account (the password is kept as an Argon2id hash)."""
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise MonitoringError("Nama pengguna hanya boleh huruf, angka, titik, tanda hubung atau garis bawah.")
    if len(password) < 10:
        raise MonitoringError("Kata sandi minimal 10 karakter.")
    pw_hash = hash_secret(password)
    with db.write() as s:
        if s.scalar(select(DistrictUser.id).where(DistrictUser.username == username)) is not None:
            raise MonitoringError(f"Pengguna {username} sudah ada.")
        user = DistrictUser(username=username, full_name=full_name.strip() or username, password_hash=pw_hash,
                            active=True, failed_attempts=0, created_at=now_utc())
        s.add(user)
        s.flush()
        return user


def authenticate(db: Database, username: str, password: str, now: dt.datetime | None = None,
                 settings: ServerSettings = DEFAULTS) -> DistrictUser | None:
    """The user for these credentials, or None; five failures lock the account for 15 minutes."""
    now = now or now_utc()
    with db.write() as s:
        user = s.scalar(select(DistrictUser).where(DistrictUser.username == username.strip().lower()))
        if user is None or not user.active:
            verify_secret(None, password)  # same cost as a real check
            return None
        if user.locked_until and user.locked_until > now:
            return None
        if not verify_secret(user.password_hash, password):
            user.failed_attempts += 1
            if user.failed_attempts >= settings.max_failures:
                user.locked_until = now + dt.timedelta(minutes=settings.lock_minutes)
                user.failed_attempts = 0
            return None
        user.failed_attempts = 0
        user.locked_until = None
        user.last_login_at = now
        return user


# --- signed sessions -------------------------------------------------------------------------------


def server_secret(db: Database, settings: ServerSettings | None = None) -> bytes:
    """The session key: the environment's, else one generated once and kept in the database."""
    env = (settings or ServerSettings.from_env()).secret
    if env:
        return env.encode()
    with db.read() as s:
        row = s.get(ServerSetting, "monitoring_secret")
        if row is not None:
            return row.value.encode()
    with db.write() as s:
        row = s.get(ServerSetting, "monitoring_secret")
        if row is None:
            row = ServerSetting(key="monitoring_secret", value=secrets.token_hex(32))
            s.add(row)
        return row.value.encode()


def _sign(secret: bytes, body: str) -> str:
    return hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()


def make_token(secret: bytes, purpose: str, user_id: int, expires: dt.datetime) -> str:
    body = f"{purpose}.{user_id}.{int(expires.timestamp())}"
    return f"{body}.{_sign(secret, body)}"


def read_token(secret: bytes, purpose: str, token: str | None, now: dt.datetime | None = None) -> int | None:
    """The user id in a valid, unexpired token of ``purpose``; None otherwise (constant-time check)."""
    if not token or token.count(".") != 3:
        return None
    kind, user_id, expires, signature = token.split(".")
    if kind != purpose or not hmac.compare_digest(signature, _sign(secret, f"{kind}.{user_id}.{expires}")):
        return None
    try:
        if int(expires) < (now or now_utc()).timestamp():
            return None
        return int(user_id)
    except ValueError:
        return None


def login_link(db: Database, username: str, base_url: str, next_path: str = "/monitoring") -> str:
    """A short-lived sign-in link for an existing account (for the command line: open it on a phone)."""
    with db.read() as s:
        user = s.scalar(select(DistrictUser).where(DistrictUser.username == username.strip().lower(),
                                                   DistrictUser.active.is_(True)))
    if user is None:
        raise MonitoringError(f"Pengguna {username} tidak ada.")
    token = make_token(server_secret(db), "link", user.id, now_utc() + dt.timedelta(minutes=LOGIN_LINK_MINUTES))
    return f"{base_url.rstrip('/')}/monitoring/masuk/{token}?next={quote(next_path)}"


def session_cookie_for(db: Database, username: str) -> str:
    """A valid session cookie value for ``username`` (tests and the benchmark)."""
    with db.read() as s:
        user = s.scalar(select(DistrictUser).where(DistrictUser.username == username))
    if user is None:
        raise MonitoringError(f"Pengguna {username} tidak ada.")
    return make_token(server_secret(db), "session", user.id, now_utc() + dt.timedelta(hours=1))


# --- the request side ------------------------------------------------------------------------------


def request_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def request_secret(request: Request) -> bytes:
    cached: bytes | None = getattr(request.app.state, "monitoring_secret", None)
    if cached is None:
        cached = server_secret(request_db(request))
        request.app.state.monitoring_secret = cached
    return cached


@dataclass
class Viewer:
    id: int
    username: str
    full_name: str


def current_user(request: Request) -> Viewer:
    """The signed-in district user; anyone else is sent to the sign-in page."""
    user_id = read_token(request_secret(request), "session", request.cookies.get(COOKIE))
    if user_id is not None:
        with request_db(request).read() as s:
            user = s.get(DistrictUser, user_id)
            if user is not None and user.active:
                return Viewer(user.id, user.username, user.full_name)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise HTTPException(303, "Silakan masuk.", headers={"Location": f"/monitoring/masuk?next={quote(target)}"})


UserDep = Annotated[Viewer, Depends(current_user)]


def safe_next(target: str | None) -> str:
    return target if target and target.startswith("/monitoring") and "//" not in target else "/monitoring"


def session_response(request: Request, user_id: int, target: str) -> RedirectResponse:
    response = RedirectResponse(safe_next(target), status_code=303)
    expires = now_utc() + dt.timedelta(hours=SESSION_HOURS)
    response.set_cookie(COOKIE, make_token(request_secret(request), "session", user_id, expires),
                        max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/monitoring")
    return response


def user_command(db: Database, args: Any) -> int:
    """``smart-kampung-district user-add NAME`` / ``login-link NAME`` (password from
    ``SMART_KAMPUNG_DISTRICT_PASSWORD`` or typed twice)."""
    import getpass
    import sys

    try:
        if args.command == "login-link":
            print(login_link(db, args.name, args.base_url))
            return 0
        password = os.environ.get("SMART_KAMPUNG_DISTRICT_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                print("Galat: isi SMART_KAMPUNG_DISTRICT_PASSWORD atau jalankan di terminal.", file=sys.stderr)
                return 2
            password = getpass.getpass("Kata sandi baru: ")
            if getpass.getpass("Ulangi kata sandi: ") != password:
                print("Galat: kata sandi tidak sama.", file=sys.stderr)
                return 2
        user = add_user(db, args.name, password, args.full_name)
    except MonitoringError as exc:
        print(f"Galat: {exc.message}", file=sys.stderr)
        return 2
    print(f"Pengguna {user.username} dibuat.")
    return 0
