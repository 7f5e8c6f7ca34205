"""Closed monthly population reports at the district: the latest per village, and the recap a camat or
the kabupaten reads (``/monitoring/rekap``, HTML for a phone, CSV and XLSX).

The reports arrive by sync as ``monthly_report`` records (figures only); a re-opened one no longer counts
until it is closed again. A village whose report for last month is still missing after the due day (the
10th by default; server setting ``monthly_report.due_day``) is flagged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from sync.district.db import Database
from sync.district.models import ServerSetting, Village
from sync.district.monitoring.models import now_utc
from sync.district.monitoring.security import UserDep, request_db

ENTITY = "monthly_report"
DUE_DAY_KEY = "monthly_report.due_day"
DEFAULT_DUE_DAY = 10


def village_name(code: str, stored: str | None) -> str:
    """The village's name: as registered, else from the Kemendagri list, else its code."""
    if stored and stored != code:
        return stored
    from kiosk.refdata import region_name

    try:
        return region_name(code) or code
    except Exception:  # reference data missing
        return code


BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


def month_label(month: str) -> str:
    """``2026-11`` → ``November 2026``."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        return f"{BULAN[mon - 1]} {year}"
    except (ValueError, IndexError):
        return month


def previous_month(today: dt.date) -> str:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


@dataclass(frozen=True)
class RecapRow:
    code: str
    name: str
    kecamatan: str
    month: str | None  # latest closed month
    population: int | None
    change: int | None
    families: int | None
    closed_at: str | None
    missing: bool  # last month's report still missing after the due day


def due_day(db: Database) -> int:
    with db.read() as s:
        value = s.execute(select(ServerSetting.value).where(ServerSetting.key == DUE_DAY_KEY)).scalar()
    try:
        return max(1, min(28, int(value))) if value is not None else DEFAULT_DUE_DAY
    except ValueError:
        return DEFAULT_DUE_DAY


_TOTALS = ("start", "births", "deaths", "moved_in", "moved_out", "end")


_projection = sa.Table(
    "monthly_report_projection", sa.MetaData(),
    sa.Column("village", sa.String(32), primary_key=True), sa.Column("report_id", sa.String(64), primary_key=True),
    sa.Column("month", sa.String(7)), sa.Column("revision", sa.Integer()), sa.Column("state", sa.String(12)),
    sa.Column("closed_at", sa.String(40)), sa.Column("pop_start", sa.Integer()), sa.Column("births", sa.Integer()),
    sa.Column("deaths", sa.Integer()), sa.Column("moved_in", sa.Integer()), sa.Column("moved_out", sa.Integer()),
    sa.Column("pop_end", sa.Integer()), sa.Column("families_end", sa.Integer()),
)  # sync/district/migrations/versions/0004_monthly_reports.py
_TOTAL_COLUMNS = dict(zip(_TOTALS, ("pop_start", "births", "deaths", "moved_in", "moved_out", "pop_end"), strict=True))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def projection_row(village: str, report_id: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The projection of one stored report (None when it is not a report at all)."""
    if not isinstance(data, dict) or not data.get("month"):
        return None
    village_block = ((data.get("figures") or {}).get("village") or {})
    total = (village_block.get("total") or {}).get("all") or {}
    row = {"village": village, "report_id": report_id, "month": str(data["month"])[:7],
           "revision": _int(data.get("revision")) or 0, "state": str(data.get("state") or "")[:12],
           "closed_at": str(data.get("closed_at") or "")[:40] or None,
           "families_end": _int((village_block.get("families") or {}).get("end"))}
    row.update({column: _int(total.get(key)) for key, column in _TOTAL_COLUMNS.items()})
    return row


def project(conn: Any, village: str, records: list[Any]) -> None:
    """Keep the projection of the monthly reports just written by a push (called by ``apply``, in its
    transaction): one row per report, replaced with the record's current state."""
    rows = [(r.entity_id, None if r.deleted else projection_row(village, r.entity_id, r.data)) for r in records]
    if not rows:
        return
    ids = [rid for rid, _row in rows]
    conn.execute(_projection.delete().where(_projection.c.village == village, _projection.c.report_id.in_(ids)))
    fresh = [row for _rid, row in rows if row is not None]
    if fresh:
        conn.execute(_projection.insert(), fresh)


def latest_closed(db: Database, village: str | None = None) -> dict[str, dict[str, Any]]:
    """Per village, the newest closed month (highest month, then revision), with its village totals
    (from the projection: a few small rows per village, never the reports' JSON)."""
    t = _projection
    q = select(t).where(t.c.state == "closed")
    if village is not None:
        q = q.where(t.c.village == village)
    best: dict[str, dict[str, Any]] = {}
    with db.read() as s:
        rows = s.execute(q).mappings().all()
    for row in rows:
        if row["pop_end"] is None:
            continue
        have = best.get(row["village"])
        key = (row["month"], row["revision"] or 0)
        if have is None or key > (have["month"], have["revision"]):
            best[row["village"]] = {"month": row["month"], "revision": row["revision"] or 0,
                                    "closed_at": row["closed_at"], "families_end": row["families_end"],
                                    "total": {k: int(row[c] or 0) for k, c in _TOTAL_COLUMNS.items()}}
    return best


def recap(db: Database, today: dt.date | None = None) -> list[RecapRow]:
    today = today or now_utc().date()
    wanted = previous_month(today)
    late = today.day > due_day(db)
    reports = latest_closed(db)
    from sync.district.monitoring.queries import _kecamatan_names

    kec = _kecamatan_names()
    with db.read() as s:
        villages = s.execute(select(Village.code, Village.name).order_by(Village.code)).all()
    out = []
    for code, name in villages:
        rep = reports.get(code)
        total = rep["total"] if rep else None
        out.append(RecapRow(code, village_name(code, name), kec.get(code[:8], code[:8]),
                            rep["month"] if rep else None, total["end"] if total else None,
                            total["end"] - total["start"] if total else None, rep["families_end"] if rep else None,
                            str(rep.get("closed_at") or "") if rep else None,
                            late and (rep is None or rep["month"] < wanted)))
    return out


router = APIRouter(prefix="/monitoring")
HEADER = ["kode_desa", "nama_desa", "kecamatan", "bulan_terakhir_ditutup", "jumlah_penduduk", "perubahan",
          "jumlah_kk", "laporan_bulan_lalu_belum_ada"]


def _cells(r: RecapRow) -> list[Any]:
    return [r.code, r.name, r.kecamatan, r.month or "", "" if r.population is None else r.population,
            "" if r.change is None else r.change, "" if r.families is None else r.families, "ya" if r.missing else ""]


def _filter(rows: list[RecapRow], kecamatan: str) -> list[RecapRow]:
    return [r for r in rows if not kecamatan or r.code.startswith(kecamatan) or r.kecamatan == kecamatan]


@router.get("/rekap", response_class=HTMLResponse)
def recap_page(request: Request, user: UserDep,
               kecamatan: Annotated[str, Query(max_length=80)] = "") -> HTMLResponse:
    from sync.district.monitoring.routes import _render

    today = now_utc().date()
    db = request_db(request)
    rows = _filter(recap(db, today), kecamatan)
    groups: dict[str, list[RecapRow]] = {}
    for r in rows:
        groups.setdefault(r.kecamatan, []).append(r)
    sums = {k: (sum(r.population or 0 for r in v), sum(r.change or 0 for r in v), sum(1 for r in v if r.missing))
            for k, v in groups.items()}
    from sync.district.localtime import zone_for_all

    return _render("rekap.html", groups=groups, sums=sums, user=user, kecamatan=kecamatan, now=now_utc(),
                   zone=zone_for_all(r.code for r in rows),
                   wanted=previous_month(today), due=due_day(db),
                   total=(sum(r.population or 0 for r in rows), sum(r.change or 0 for r in rows),
                          sum(1 for r in rows if r.missing), len(rows)))


@router.get("/rekap.csv")
def recap_csv(request: Request, user: UserDep, kecamatan: Annotated[str, Query(max_length=80)] = "") -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for r in _filter(recap(request_db(request)), kecamatan):
        writer.writerow(_cells(r))
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="rekap-penduduk.csv"'})


@router.get("/rekap.xlsx")
def recap_xlsx(request: Request, user: UserDep, kecamatan: Annotated[str, Query(max_length=80)] = "") -> Response:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Rekap")
    ws.append(HEADER)
    for r in _filter(recap(request_db(request)), kecamatan):
        ws.append(_cells(r))
    out = io.BytesIO()
    wb.save(out)
    return Response(out.getvalue(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="rekap-penduduk.xlsx"'})
