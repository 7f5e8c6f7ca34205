"""E-budgeting pages (Indonesian, phone-friendly, no JavaScript): ``/monitoring/apbdes`` ranks every
village of a year by Dana Desa absorption (CSV and XLSX export); ``/monitoring/apbdes/desa/{code}``
shows one village: budget vs realization, per bidang, DD absorption, priority shares against the
year's rules, APBDes status and report timeliness."""

from __future__ import annotations

import io
from decimal import Decimal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from sync.district.budget import queries as q
from sync.district.monitoring.models import now_utc
from sync.district.monitoring.routes import _csv, _render, _templates
from sync.district.monitoring.security import UserDep, request_db

pages = APIRouter(prefix="/monitoring/apbdes")


def _rupiah(sen: int | None) -> str:
    if sen is None:
        return "—"
    whole = int(Decimal(sen) / 100)
    return f"{whole:,}".replace(",", ".")


def _juta(sen: int) -> str:
    value = Decimal(sen) / 100 / 1_000_000
    return f"{value:,.1f}".replace(",", "#").replace(".", ",").replace("#", ".") + " jt"


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}".replace(".", ",") + "%"


_templates.filters["rupiah"] = _rupiah
_templates.filters["juta"] = _juta
_templates.filters["pct"] = _pct

STATUS = {"draft": "Rancangan", "disepakati_bpd": "Disepakati BPD", "dievaluasi": "Dievaluasi",
          "ditetapkan": "Ditetapkan", "": "Belum ada"}
REPORT = {"ok": "tepat waktu", "late": "terlambat", "missing": "belum dikirim (lewat batas)", "due": "belum jatuh tempo"}


def _year(tahun: int | None) -> int:
    return tahun or now_utc().year


@pages.get("", response_class=HTMLResponse)
def overview_page(request: Request, user: UserDep, tahun: int | None = None) -> HTMLResponse:
    db = request_db(request)
    year = _year(tahun)
    if not 2015 <= year <= 2100:
        raise HTTPException(422, "Tahun tidak valid.")
    rows = q.overview(db, year)
    rules = q.rules_for(db, year)
    today = now_utc().date()
    with_budget = [r for r in rows if r.has_budget]
    totals = {"villages": len(rows), "with_budget": len(with_budget),
              "belanja": sum(r.belanja for r in rows), "realisasi": sum(r.realization for r in rows),
              "dds": sum(r.dds_belanja for r in rows), "dds_real": sum(r.real.get("dds", 0) for r in rows),
              "not_set": sum(1 for r in rows if r.not_set(rules, today))}
    view = []
    for r in rows:
        flags = r.priority_flags(rules)
        view.append({"r": r, "late": r.not_set(rules, today), "s1": r.report_state("semester1", rules, today),
                     "akhir": r.report_state("akhir", rules, today), "flags": flags,
                     "prio": [(label, r.priority(tag), flags[tag]) for tag, label in
                              (("blt", "BLT"), ("pangan", "Pangan"), ("operasional", "Ops"))]})
    return _render("apbdes.html", now=now_utc(), rows=view, rules=rules, today=today, tahun=year, user=user, totals=totals,
                   absorption=q.share(totals["dds_real"], totals["dds"]), years=q.years(db) or [year],
                   status=STATUS, report=REPORT)


@pages.get("/desa/{code}", response_class=HTMLResponse)
def village_page(request: Request, code: str, user: UserDep, tahun: int | None = None) -> HTMLResponse:
    db = request_db(request)
    year = _year(tahun)
    row = q.village(db, code, year)
    if row is None:
        raise HTTPException(404, "Desa tidak dikenal.")
    rules = q.rules_for(db, year)
    bidang = [(k, q.BIDANG.get(k, k), v, row.real.get(f"b:{k}", 0)) for k, v in sorted(row.per_bidang.items())]
    top = max([v for _k, _n, v, _r in bidang] + [1])
    return _render("apbdes_village.html", now=now_utc(), r=row, rules=rules, today=now_utc().date(), tahun=year, user=user,
                   bidang=bidang, top=top, pcts={k: q.share(real, budget) for k, _n, budget, real in bidang}, status=STATUS, report=REPORT, flags=row.priority_flags(rules))


@pages.get("/ekspor.csv")
def overview_csv(request: Request, user: UserDep, tahun: int | None = None) -> Response:
    db = request_db(request)
    year = _year(tahun)
    rows = q.export_rows(q.overview(db, year), q.rules_for(db, year), now_utc().date())
    return _csv(rows, f"apbdes-{year}.csv")


@pages.get("/ekspor.xlsx")
def overview_xlsx(request: Request, user: UserDep, tahun: int | None = None) -> Response:
    from openpyxl import Workbook

    db = request_db(request)
    year = _year(tahun)
    rows = q.export_rows(q.overview(db, year), q.rules_for(db, year), now_utc().date())
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"APBDes {year}")
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="apbdes-{year}.xlsx"'})


