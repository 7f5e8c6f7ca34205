"""District e-monitoring: staff accounts, sign-in, and server-rendered pages of every village's service.

Pages (Indonesian, phone-friendly, no JavaScript, no CDN): ``/monitoring`` lists every village with the
age of its last sync (green/amber/red), the changes its devices last reported as waiting, letters this
month, open complaints and the share answered within the response limit; ``/monitoring/desa/{code}``
shows one village with bar charts (letters by type and by day, complaints within/over the limit);
both export CSV. Every figure is an aggregate SQL query over the projection tables (indexes in
migration 0002). Sessions are an HMAC-signed cookie; the key comes from ``SMART_KAMPUNG_DISTRICT_SECRET``
or is generated once and kept in ``server_settings``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field
from sqlalchemy import Boolean, ForeignKey, Integer, String, and_, case, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.security import hash_secret, verify_secret
from sync import protocol as p
from sync.district.api import current_device
from sync.district.db import Database
from sync.district.models import (
    Base,
    ComplaintProjection,
    Device,
    LetterProjection,
    RequestProjection,
    ServerSetting,
    UTCDateTime,
    Village,
)

ENV_SECRET = "SMART_KAMPUNG_DISTRICT_SECRET"
COOKIE = "sk_district_session"
SESSION_HOURS = 12
LOGIN_LINK_MINUTES = 10
MAX_FAILURES = 5
LOCK_MINUTES = 15
# Last sync age: green up to 6 hours, amber up to 2 days, red beyond (or never).
SYNC_GREEN = dt.timedelta(hours=6)
SYNC_AMBER = dt.timedelta(days=2)
OPEN_REQUEST_STATES = ("diajukan", "disetujui")

pages = APIRouter(prefix="/monitoring")
report_router = APIRouter(prefix=p.API_PREFIX)
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


class DistrictUser(Base):
    """A member of the district's staff who may read the e-monitoring pages."""

    __tablename__ = "district_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DeviceReport(Base):
    """What a device last reported about its own queue (the server cannot see what was not sent)."""

    __tablename__ = "device_reports"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    village: Mapped[str] = mapped_column(String(32), index=True)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    needs_action: Mapped[int] = mapped_column(Integer, default=0)
    oldest_pending_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- accounts -------------------------------------------------------------------------------------


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
                            active=True, failed_attempts=0, created_at=_now())
        s.add(user)
        s.flush()
        return user


def authenticate(db: Database, username: str, password: str, now: dt.datetime | None = None) -> DistrictUser | None:
    """The user for these credentials, or None; five failures lock the account for 15 minutes."""
    now = now or _now()
    with db.write() as s:
        user = s.scalar(select(DistrictUser).where(DistrictUser.username == username.strip().lower()))
        if user is None or not user.active:
            verify_secret(None, password)  # same cost as a real check
            return None
        if user.locked_until and user.locked_until > now:
            return None
        if not verify_secret(user.password_hash, password):
            user.failed_attempts += 1
            if user.failed_attempts >= MAX_FAILURES:
                user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
                user.failed_attempts = 0
            return None
        user.failed_attempts = 0
        user.locked_until = None
        user.last_login_at = now
        return user


# --- signed sessions -------------------------------------------------------------------------------


def server_secret(db: Database) -> bytes:
    """The session key: the environment's, else one generated once and kept in the database."""
    env = os.environ.get(ENV_SECRET)
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
        if int(expires) < (now or _now()).timestamp():
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
    token = make_token(server_secret(db), "link", user.id, _now() + dt.timedelta(minutes=LOGIN_LINK_MINUTES))
    return f"{base_url.rstrip('/')}/monitoring/masuk/{token}?next={quote(next_path)}"


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _secret(request: Request) -> bytes:
    cached: bytes | None = getattr(request.app.state, "monitoring_secret", None)
    if cached is None:
        cached = server_secret(_db(request))
        request.app.state.monitoring_secret = cached
    return cached


@dataclass
class Viewer:
    id: int
    username: str
    full_name: str


def current_user(request: Request) -> Viewer:
    """The signed-in district user; anyone else is sent to the sign-in page."""
    user_id = read_token(_secret(request), "session", request.cookies.get(COOKIE))
    if user_id is not None:
        with _db(request).read() as s:
            user = s.get(DistrictUser, user_id)
            if user is not None and user.active:
                return Viewer(user.id, user.username, user.full_name)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise HTTPException(303, "Silakan masuk.", headers={"Location": f"/monitoring/masuk?next={quote(target)}"})


UserDep = Annotated[Viewer, Depends(current_user)]


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/monitoring") and "//" not in target else "/monitoring"


def _session_response(request: Request, user_id: int, target: str) -> RedirectResponse:
    response = RedirectResponse(_safe_next(target), status_code=303)
    expires = _now() + dt.timedelta(hours=SESSION_HOURS)
    response.set_cookie(COOKIE, make_token(_secret(request), "session", user_id, expires),
                        max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/monitoring")
    return response


# --- figures ---------------------------------------------------------------------------------------


@dataclass
class VillageRow:
    code: str
    name: str
    kecamatan: str
    last_sync: dt.datetime | None
    waiting: int | None  # None: never reported
    needs_action: int
    letters_month: int
    open_complaints: int
    complaints_due: int  # received this month, answered or past due
    answered_in_time: int
    requests_waiting: int = 0

    def sync_age(self, now: dt.datetime) -> dt.timedelta | None:
        return now - self.last_sync if self.last_sync else None

    def sync_class(self, now: dt.datetime) -> str:
        age = self.sync_age(now)
        if age is None or age > SYNC_AMBER:
            return "red"
        return "green" if age <= SYNC_GREEN else "amber"

    @property
    def in_time_share(self) -> float | None:
        return self.answered_in_time / self.complaints_due if self.complaints_due else None


def month_bounds(today: dt.date) -> tuple[str, str]:
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start.isoformat(), end.isoformat()


def _kecamatan_names() -> dict[str, str]:
    from kiosk.refdata import kecamatan

    try:
        return dict(kecamatan("35.10"))
    except Exception:  # reference data missing: codes only
        return {}


def _complaint_columns(now_iso: str) -> tuple[Any, Any, Any]:
    c = ComplaintProjection
    answered = c.first_response_at.is_not(None)
    in_time = and_(answered, c.first_response_at <= c.due_at)
    counted = or_(answered, c.due_at < now_iso)  # answered, or past its due time without an answer
    return (func.sum(case((in_time, 1), else_=0)), func.sum(case((counted, 1), else_=0)),
            func.sum(case((c.status != "selesai", 1), else_=0)))


def overview(db: Database, today: dt.date | None = None, now: dt.datetime | None = None) -> list[VillageRow]:
    """One row per village, from five GROUP BY queries."""
    now = now or _now()
    today = today or now.date()
    start, end = month_bounds(today)
    now_iso = now.replace(tzinfo=None).isoformat()
    with db.read() as s:
        villages = s.execute(select(Village.code, Village.name).order_by(Village.code)).all()
        last_sync = dict(s.execute(select(Device.village, func.max(Device.last_seen))
                                   .where(Device.revoked_at.is_(None)).group_by(Device.village)).all())
        reports = {v: (int(w or 0), int(a or 0)) for v, w, a in s.execute(
            select(DeviceReport.village, func.sum(DeviceReport.pending), func.sum(DeviceReport.needs_action))
            .group_by(DeviceReport.village))}
        letters = dict(s.execute(
            select(LetterProjection.village, func.count())
            .where(LetterProjection.issued_at >= start, LetterProjection.issued_at < end,
                   LetterProjection.voided.is_(False))
            .group_by(LetterProjection.village)).all())
        in_time, counted, _open = _complaint_columns(now_iso)
        month = {v: (int(a or 0), int(b or 0)) for v, a, b in s.execute(
            select(ComplaintProjection.village, in_time, counted)
            .where(ComplaintProjection.received_at >= start, ComplaintProjection.received_at < end)
            .group_by(ComplaintProjection.village))}
        open_complaints = dict(s.execute(
            select(ComplaintProjection.village, func.count())
            .where(ComplaintProjection.status.in_(("baru", "ditanggapi")))
            .group_by(ComplaintProjection.village)).all())
        requests = dict(s.execute(
            select(RequestProjection.village, func.count())
            .where(RequestProjection.status.in_(OPEN_REQUEST_STATES))
            .group_by(RequestProjection.village)).all())
    kec = _kecamatan_names()
    rows = []
    for code, name in villages:
        last = last_sync.get(code)
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=dt.UTC)
        waiting, needs_action = reports.get(code, (None, 0))
        good, counted_n = month.get(code, (0, 0))
        rows.append(VillageRow(code, name or code, kec.get(code[:8], code[:8]), last, waiting, needs_action,
                               int(letters.get(code, 0)), int(open_complaints.get(code, 0)), counted_n, good,
                               int(requests.get(code, 0))))
    return rows


@dataclass
class VillageDetail:
    row: VillageRow
    by_type: list[tuple[str, int]]
    by_day: list[tuple[dt.date, int]]
    complaints_in_time: int
    complaints_late: int
    complaints_waiting: int  # not answered, not yet due
    complaints_overdue_open: int  # not answered, past due
    devices: list[dict[str, Any]] = field(default_factory=list)


def village_detail(db: Database, code: str, today: dt.date | None = None, now: dt.datetime | None = None,
                   days: int = 30) -> VillageDetail | None:
    now = now or _now()
    today = today or now.date()
    row = next((r for r in overview_one(db, code, today, now)), None)
    if row is None:
        return None
    first = (today - dt.timedelta(days=days - 1)).isoformat()
    end = (today + dt.timedelta(days=1)).isoformat()
    start_month, end_month = month_bounds(today)
    now_iso = now.replace(tzinfo=None).isoformat()
    L = LetterProjection
    day = func.substr(L.issued_at, 1, 10)
    c = ComplaintProjection
    with db.read() as s:
        by_type = [(str(t), int(n)) for t, n in s.execute(
            select(L.type_code, func.count().label("n"))
            .where(L.village == code, L.issued_at >= start_month, L.issued_at < end_month, L.voided.is_(False))
            .group_by(L.type_code).order_by(func.count().desc(), L.type_code))]
        per_day = {str(d): int(n) for d, n in s.execute(
            select(day, func.count()).where(L.village == code, L.issued_at >= first, L.issued_at < end,
                                            L.voided.is_(False)).group_by(day))}
        answered = c.first_response_at.is_not(None)
        in_time, late, waiting, overdue = s.execute(
            select(func.sum(case((and_(answered, c.first_response_at <= c.due_at), 1), else_=0)),
                   func.sum(case((and_(answered, c.first_response_at > c.due_at), 1), else_=0)),
                   func.sum(case((and_(~answered, c.due_at >= now_iso), 1), else_=0)),
                   func.sum(case((and_(~answered, c.due_at < now_iso), 1), else_=0)))
            .where(c.village == code, c.received_at >= start_month, c.received_at < end_month)).one()
        devices = [
            {"name": d.name, "role": d.role, "last_seen": d.last_seen, "revoked": d.revoked_at is not None,
             "pending": r.pending if r else None, "reported_at": r.reported_at if r else None}
            for d, r in s.execute(select(Device, DeviceReport).outerjoin(DeviceReport, DeviceReport.device_id == Device.id)
                                  .where(Device.village == code).order_by(Device.name))
        ]
    series = [(today - dt.timedelta(days=i), 0) for i in range(days - 1, -1, -1)]
    by_day = [(d, per_day.get(d.isoformat(), 0)) for d, _zero in series]
    return VillageDetail(row, by_type, by_day, int(in_time or 0), int(late or 0), int(waiting or 0),
                         int(overdue or 0), devices)


def overview_one(db: Database, code: str, today: dt.date, now: dt.datetime) -> list[VillageRow]:
    """The overview row of one village (the same queries, restricted)."""
    with db.read() as s:
        if s.get(Village, code) is None:
            return []
    return [r for r in overview(db, today, now) if r.code == code]


# --- device status report ---------------------------------------------------------------------------


class StatusReport(BaseModel):
    """``POST /api/v1/status``: a device tells how many changes wait in its outbox."""

    pending: int = Field(ge=0)
    needs_action: int = Field(default=0, ge=0)
    oldest_pending_at: str | None = Field(default=None, max_length=40)


@report_router.post("/status")
def report_status(request: Request, body: StatusReport,
                  device: Annotated[Device, Depends(current_device)]) -> dict[str, Any]:
    return {"ok": True, **_save_report(_db(request), device, body)}


def _save_report(db: Database, device: Device, body: StatusReport) -> dict[str, Any]:
    now = _now()
    with db.write() as s:
        row = s.get(DeviceReport, device.id)
        if row is None:
            row = DeviceReport(device_id=device.id, village=device.village)
            s.add(row)
        row.pending, row.needs_action = body.pending, body.needs_action
        row.oldest_pending_at, row.reported_at = body.oldest_pending_at, now
    return {"reported_at": now.isoformat()}


# --- pages -----------------------------------------------------------------------------------------


def _fmt_int(n: int | None) -> str:
    return "—" if n is None else f"{n:,}".replace(",", ".")


def _age_text(age: dt.timedelta | None) -> str:
    if age is None:
        return "belum pernah"
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "baru saja"
    if minutes < 60:
        return f"{minutes} menit lalu"
    if minutes < 48 * 60:
        return f"{minutes // 60} jam lalu"
    return f"{minutes // 1440} hari lalu"


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


_templates.filters["angka"] = _fmt_int
_templates.filters["umur"] = _age_text
_templates.filters["persen"] = _pct

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


def _render(name: str, **context: Any) -> HTMLResponse:
    html = _templates.get_template(f"monitoring/{name}").render(**context)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@pages.get("/masuk", response_class=HTMLResponse)
def login_page(next: str = "/monitoring", error: str = "") -> HTMLResponse:
    return _render("login.html", next=_safe_next(next), error=error)


@pages.post("/masuk")
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/monitoring") -> Response:
    user = authenticate(_db(request), username, password)
    if user is None:
        return _render("login.html", next=_safe_next(next),
                       error="Nama pengguna atau kata sandi salah (atau akun terkunci sementara).")
    return _session_response(request, user.id, next)


@pages.get("/masuk/{token}")
def login_by_link(request: Request, token: str, next: str = "/monitoring") -> Response:
    user_id = read_token(_secret(request), "link", token)
    if user_id is None:
        return _render("login.html", next=_safe_next(next), error="Tautan masuk tidak berlaku lagi.")
    return _session_response(request, user_id, next)


@pages.post("/keluar")
def logout() -> Response:
    response = RedirectResponse("/monitoring/masuk", status_code=303)
    response.delete_cookie(COOKIE, path="/monitoring")
    return response


def _sort_rows(rows: list[VillageRow], sort: str, now: dt.datetime) -> list[VillageRow]:
    if sort == "sinkron":
        far = dt.datetime.min.replace(tzinfo=dt.UTC)
        return sorted(rows, key=lambda r: r.last_sync or far)
    if sort == "pengaduan":
        return sorted(rows, key=lambda r: (-r.open_complaints, r.code))
    if sort == "tepat":
        return sorted(rows, key=lambda r: (r.in_time_share if r.in_time_share is not None else 2, r.code))
    if sort == "surat":
        return sorted(rows, key=lambda r: (-r.letters_month, r.code))
    return rows


@pages.get("", response_class=HTMLResponse)
def overview_page(request: Request, user: UserDep, sort: str = "kode",
                  q: Annotated[str, Query(max_length=80)] = "") -> HTMLResponse:
    now = _now()
    rows = overview(_db(request), now=now)
    if q.strip():
        needle = q.strip().casefold()
        rows = [r for r in rows if needle in r.name.casefold() or needle in r.kecamatan.casefold() or r.code.startswith(q.strip())]
    totals = {
        "villages": len(rows),
        "letters": sum(r.letters_month for r in rows),
        "open": sum(r.open_complaints for r in rows),
        "counted": sum(r.complaints_due for r in rows),
        "in_time": sum(r.answered_in_time for r in rows),
        "red": sum(1 for r in rows if r.sync_class(now) == "red"),
    }
    share = totals["in_time"] / totals["counted"] if totals["counted"] else None
    return _render("overview.html", rows=_sort_rows(rows, sort, now), now=now, user=user, totals=totals,
                   share=share, sort=sort, q=q, month=f"{BULAN[now.month - 1]} {now.year}")


@pages.get("/desa/{code}", response_class=HTMLResponse)
def village_page(request: Request, code: str, user: UserDep) -> HTMLResponse:
    now = _now()
    detail = village_detail(_db(request), code, now=now)
    if detail is None:
        raise HTTPException(404, "Desa tidak dikenal.")
    top_type = max((n for _t, n in detail.by_type), default=0) or 1
    top_day = max((n for _d, n in detail.by_day), default=0) or 1
    answered = detail.complaints_in_time + detail.complaints_late + detail.complaints_overdue_open
    return _render("village.html", d=detail, r=detail.row, now=now, user=user, top_type=top_type,
                   top_day=top_day, complaints_total=answered + detail.complaints_waiting,
                   month=f"{BULAN[now.month - 1]} {now.year}")


def _csv(rows: list[list[Any]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@pages.get("/ekspor.csv")
def overview_csv(request: Request, user: UserDep) -> Response:
    now = _now()
    rows: list[list[Any]] = [["kode_desa", "nama_desa", "kecamatan", "sinkron_terakhir_utc", "status_sinkron",
                              "perubahan_menunggu", "perlu_tindakan", "surat_bulan_ini", "permohonan_menunggu",
                              "pengaduan_terbuka", "pengaduan_dinilai", "tepat_waktu", "persen_tepat_waktu"]]
    for r in overview(_db(request), now=now):
        share = r.in_time_share
        rows.append([r.code, r.name, r.kecamatan, r.last_sync.isoformat(timespec="seconds") if r.last_sync else "",
                     {"green": "hijau", "amber": "kuning", "red": "merah"}[r.sync_class(now)],
                     "" if r.waiting is None else r.waiting, r.needs_action, r.letters_month, r.requests_waiting,
                     r.open_complaints, r.complaints_due, r.answered_in_time,
                     "" if share is None else f"{share * 100:.1f}"])
    return _csv(rows, f"monitoring-{now:%Y-%m-%d}.csv")


@pages.get("/desa/{code}/ekspor.csv")
def village_csv(request: Request, code: str, user: UserDep) -> Response:
    now = _now()
    detail = village_detail(_db(request), code, now=now)
    if detail is None:
        raise HTTPException(404, "Desa tidak dikenal.")
    rows: list[list[Any]] = [["bagian", "kunci", "jumlah"]]
    rows += [["surat_per_jenis_bulan_ini", t, n] for t, n in detail.by_type]
    rows += [["surat_per_hari", d.isoformat(), n] for d, n in detail.by_day]
    rows += [["pengaduan_bulan_ini", k, v] for k, v in (
        ("tepat_waktu", detail.complaints_in_time), ("terlambat", detail.complaints_late),
        ("belum_ditanggapi_lewat_batas", detail.complaints_overdue_open),
        ("belum_ditanggapi_dalam_batas", detail.complaints_waiting))]
    return _csv(rows, f"monitoring-{code}-{now:%Y-%m-%d}.csv")


def session_cookie_for(db: Database, username: str) -> str:
    """A valid session cookie value for ``username`` (tests and the benchmark)."""
    with db.read() as s:
        user = s.scalar(select(DistrictUser).where(DistrictUser.username == username))
    if user is None:
        raise MonitoringError(f"Pengguna {username} tidak ada.")
    return make_token(server_secret(db), "session", user.id, _now() + dt.timedelta(hours=1))


# What the app factory includes: the pages and the device status report.
router = APIRouter()
router.include_router(pages)
router.include_router(report_router)


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
