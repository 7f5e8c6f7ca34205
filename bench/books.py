"""Books benchmark: the Buku Induk Penduduk (A.1) of a 20,000-resident village to PDF through
``BookService.export`` (events replayed, rows read, every page laid out, file written), and the monthly
population report for the same village through ``MonthlyReportService.compute``.

Raw baselines in the same run: the bare SQL read of the residents the book prints, and reportlab drawing
the same number of pages with one string per cell (no layout, no wrapping).
Budgets (issue 16): Buku Induk of 20,000 residents to PDF under 5 s; the monthly report under 200 ms.

    python -m bench books [RESIDENTS]
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

BUDGET_PDF_S = 5.0
BUDGET_REPORT_MS = 200.0


def _events(services: object, n: int) -> None:
    """A few hundred births, deaths and moves across the last months, through the service."""
    import random

    from sqlalchemy import select

    from kiosk.actor import Actor
    from kiosk.models import Resident

    svc = services  # type: ignore[assignment]
    actor = Actor.system("bench")
    with svc.store.read() as s:  # type: ignore[attr-defined]
        ids = s.execute(select(Resident.id).where(Resident.birth_date < dt.date(2000, 1, 1))
                        .order_by(Resident.id)).scalars().all()
    rng = random.Random(16)
    chosen = rng.sample(ids, min(n, len(ids)))
    for i, rid in enumerate(chosen):
        day = dt.date(2026, 9 + i % 3, 1 + i % 28)
        if i % 2:
            svc.residents.record_death(actor, rid, date=day)  # type: ignore[attr-defined]
        else:
            svc.residents.record_move_out(actor, rid, date=day, destination="Jember")  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from sqlalchemy import text

    from kiosk.actor import Actor
    from kiosk.books.export import BookService
    from kiosk.db import Store
    from kiosk.services import Services
    from kiosk.services.demo import create_demo_village

    n = int(argv[0]) if argv else 20_000
    root = Path(tempfile.mkdtemp(prefix="bench-books-")) / "data"
    services = Services(Store.open(root))
    create_demo_village(services, residents=n)
    _events(services, 300)
    actor = Actor.system("bench")
    today = dt.date(2026, 12, 4)

    # raw: the SQL read of the rows
    t = time.perf_counter()
    with services.store.engine.connect() as conn:
        raw_rows = conn.execute(text("SELECT * FROM resident WHERE status = 1")).all()
    raw_read = time.perf_counter() - t

    out = root.parent / "induk.pdf"
    t = time.perf_counter()
    result = BookService(services.store).export(actor, "induk", out, date_to=dt.date(2026, 11, 30), today=today)
    pdf_s = time.perf_counter() - t
    from pypdf import PdfReader

    pages = len(PdfReader(out).pages)

    # raw: the same number of pages, one string per cell, no layout
    t = time.perf_counter()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(330 * mm, 215 * mm))
    per_page = max(1, len(raw_rows) // max(1, pages))
    for p in range(pages):
        for i, row in enumerate(raw_rows[p * per_page:(p + 1) * per_page]):
            for j in range(16):
                c.drawString(10 + j * 55, 580 - i * 12, str(row[j % len(row)])[:12])
        c.showPage()
    c.save()
    raw_pdf = time.perf_counter() - t

    reports = services.monthly_reports
    samples = []
    for _ in range(7):
        t = time.perf_counter()
        reports.compute(actor, "2026-11", today=today)
        samples.append(time.perf_counter() - t)
    report_ms = statistics.median(samples) * 1000

    print(f"residents {n}, rows printed {result.rows}, pages {pages}")
    print(f"Buku Induk to PDF      {pdf_s:7.2f} s   (budget {BUDGET_PDF_S:.0f} s)")
    print(f"  raw: SQL read        {raw_read * 1000:7.1f} ms; bare reportlab pages {raw_pdf:6.2f} s")
    print(f"monthly report         {report_ms:7.1f} ms  (median of 7; budget {BUDGET_REPORT_MS:.0f} ms)")
    with open("/proc/loadavg", encoding="ascii") as f:  # noqa: PTH123 - Linux only, informative
        print("load", f.read().strip())
    ok = pdf_s < BUDGET_PDF_S and report_ms < BUDGET_REPORT_MS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
