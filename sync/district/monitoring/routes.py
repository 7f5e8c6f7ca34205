"""E-monitoring pages (Indonesian, phone-friendly, no JavaScript, no CDN) and the device status report.

``/monitoring`` lists every village with the age of its last sync (green/amber/red), the changes its devices
last reported as waiting, letters this month, open complaints and the share answered within the response
limit; ``/monitoring/desa/{code}`` shows one village with bar charts (letters by type and by day, complaints
within/over the limit); both export CSV. The figures come from `queries`, sign-in from `security`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sync import protocol as p
from sync.district.api import current_device
from sync.district.models import Device
from sync.district.monitoring.models import now_utc
from sync.district.monitoring.queries import StatusReport, VillageRow, overview, save_report, village_detail
from sync.district.monitoring.security import (
    COOKIE,
    UserDep,
    authenticate,
    read_token,
    request_db,
    request_secret,
    safe_next,
    session_response,
)

pages = APIRouter(prefix="/monitoring")
report_router = APIRouter(prefix=p.API_PREFIX)
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


@report_router.post("/status")
def report_status(request: Request, body: StatusReport,
                  device: Annotated[Device, Depends(current_device)]) -> dict[str, Any]:
    return {"ok": True, **save_report(request_db(request), device, body)}


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
    return _render("login.html", next=safe_next(next), error=error)


@pages.post("/masuk")
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/monitoring") -> Response:
    user = authenticate(request_db(request), username, password)
    if user is None:
        return _render("login.html", next=safe_next(next),
                       error="Nama pengguna atau kata sandi salah (atau akun terkunci sementara).")
    return session_response(request, user.id, next)


@pages.get("/masuk/{token}")
def login_by_link(request: Request, token: str, next: str = "/monitoring") -> Response:
    user_id = read_token(request_secret(request), "link", token)
    if user_id is None:
        return _render("login.html", next=safe_next(next), error="Tautan masuk tidak berlaku lagi.")
    return session_response(request, user_id, next)


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
    now = now_utc()
    rows = overview(request_db(request), now=now)
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
    now = now_utc()
    detail = village_detail(request_db(request), code, now=now)
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
    now = now_utc()
    rows: list[list[Any]] = [["kode_desa", "nama_desa", "kecamatan", "sinkron_terakhir_utc", "status_sinkron",
                              "perubahan_menunggu", "perlu_tindakan", "surat_bulan_ini", "permohonan_menunggu",
                              "pengaduan_terbuka", "pengaduan_dinilai", "tepat_waktu", "persen_tepat_waktu"]]
    for r in overview(request_db(request), now=now):
        share = r.in_time_share
        rows.append([r.code, r.name, r.kecamatan, r.last_sync.isoformat(timespec="seconds") if r.last_sync else "",
                     {"green": "hijau", "amber": "kuning", "red": "merah"}[r.sync_class(now)],
                     "" if r.waiting is None else r.waiting, r.needs_action, r.letters_month, r.requests_waiting,
                     r.open_complaints, r.complaints_due, r.answered_in_time,
                     "" if share is None else f"{share * 100:.1f}"])
    return _csv(rows, f"monitoring-{now:%Y-%m-%d}.csv")


@pages.get("/desa/{code}/ekspor.csv")
def village_csv(request: Request, code: str, user: UserDep) -> Response:
    now = now_utc()
    detail = village_detail(request_db(request), code, now=now)
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


# What the app factory includes: the pages and the device status report.
router = APIRouter()
router.include_router(pages)
router.include_router(report_router)
